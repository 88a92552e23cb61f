"""Case-file review operations: automatic checks, random sampling, scoring and grades, scores by region."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from hotline.accounts.models import User
from hotline.cases.models import Case, case_officers
from hotline.core.errors import NotAllowed, ValidationFailed
from hotline.core.models import AuditEvent
from hotline.extensions import db
from hotline.review.models import CaseReview, ReviewItem
from hotline.review.operations import compute_score, draw_sample, grade_for, score_review
from hotline.review.queries import region_scores

COUNTERFEIT_ONLY = {"V09", "V10", "C04", "C05", "C06", "C07", "C10"}


def on_time_dispute(build, sup, officers, region_code="430100", **kw):
    """Received 2015-09-30 (file by 2015-10-13), filed 10-12, served, decided, closed 12-15 (due 2016-01-12). The
    first officer does the casework: the supervisor, who reviews, neither opened nor approved it."""
    return build(officers[0], region_code=region_code, received_on=date(2015, 9, 30), filed_on=date(2015, 10, 12),
                 officers=officers, events=(("served", date(2015, 10, 15)), ("decision", date(2015, 12, 10))),
                 closed_on=date(2015, 12, 15), outcome="infringement_found", **kw)


def late_dispute(build, sup, officers, region_code="430100"):
    """Received 2015-07-01 (file by 07-08) but filed 07-20; close by 10-20 but closed 11-30; nothing recorded."""
    return build(officers[0], region_code=region_code, received_on=date(2015, 7, 1), filed_on=date(2015, 7, 20),
                 officers=officers, closed_on=date(2015, 11, 30), outcome="request_dismissed")


def penalty(build, sup, officers, published_on, region_code="430100"):
    """Counterfeit found by inspection 2015-05-04, filed 05-05, penalized 05-20 (publish by 06-17), the penalty and
    its publication approved by the supervisor."""
    return build(officers[0], approver=sup, case_type="counterfeit", source="inspection", region_code=region_code,
                 received_on=date(2015, 5, 4), filed_on=date(2015, 5, 5), officers=officers[:2],
                 events=(("decision", date(2015, 5, 20)), ("penalty_served", date(2015, 5, 22))),
                 closed_on=date(2015, 5, 20), outcome="penalized", close_data={"fine_amount": "5000.00"},
                 published_on=published_on)


def user(u) -> User:
    return db.session.get(User, u.id)


def draw(sup, *, region_code="430100", year=2015, size=100, label="2015 年度评查", seed=1):
    return draw_sample(region_code=region_code, year=year, size=size, label=label, actor=user(sup), rng_seed=seed)


def verdicts(review: CaseReview) -> dict[str, tuple[bool | None, bool, str | None]]:
    return {s.item.code: (s.passed, s.automatic, s.note) for s in review.scores}


def review_of(reviews, case_id) -> CaseReview:
    return next(r for r in reviews if r.case_id == case_id)


# automatic checks ---------------------------------------------------------------------------------------------

def test_auto_checks_pass_for_an_on_time_dispute(app, build, changsha):
    sup, officers = changsha
    case_id = on_time_dispute(build, sup, officers)
    with app.app_context():
        (review,) = draw(sup)
        v = verdicts(review)
        assert review.case_id == case_id and review.status == "pending"
        assert v["V02"] == (True, True, "执法人员 3 人 (纠纷案件须3人以上单数)")
        assert v["C01"] == (True, True, "立案期限 2015-10-13, 实际 2015-10-12")
        assert v["C03"] == (True, True, "结案期限 2016-01-12, 实际 2015-12-15")
        assert v["C08"] == (True, True, "有送达记录")
        assert v["C09"] == (True, True, "有决定记录")
        # Items a reviewer judges stay open; counterfeit-only items are not on a dispute's checklist.
        assert v["V01"] == (None, False, None) and v["F01"] == (None, False, None)
        assert not COUNTERFEIT_ONLY & v.keys()


def test_auto_checks_fail_for_a_late_dispute(app, build, changsha):
    sup, officers = changsha
    late_dispute(build, sup, officers)
    with app.app_context():
        (review,) = draw(sup)
        v = verdicts(review)
        assert v["V02"][0] is True
        assert v["C01"] == (False, True, "立案期限 2015-07-08, 实际 2015-07-20")
        assert v["C03"] == (False, True, "结案期限 2015-10-20, 实际 2015-11-30")
        assert v["C08"] == (False, True, "无送达记录")
        assert v["C09"] == (False, True, "无处理或处罚决定记录")


def test_mediated_case_needs_no_decision_record(app, build, changsha):
    sup, officers = changsha
    build(sup, received_on=date(2015, 9, 30), filed_on=date(2015, 10, 12), officers=officers,
          closed_on=date(2015, 11, 2), outcome="mediated")
    with app.app_context():
        (review,) = draw(sup)
        assert verdicts(review)["C09"][:2] == (True, True)


def test_officer_count_fails_for_an_even_dispute_panel(app, build, changsha):
    sup, officers = changsha
    case_id = on_time_dispute(build, sup, officers)
    with app.app_context():
        # Legacy data: a panel that lost a member (the filing operation itself refuses an even panel).
        db.session.execute(delete(case_officers).where(case_officers.c.case_id == case_id,
                                                       case_officers.c.user_id == officers[0].id))
        db.session.commit()
        (review,) = draw(sup)
        assert verdicts(review)["V02"] == (False, True, "执法人员 2 人 (纠纷案件须3人以上单数)")


def test_publication_checks_for_penalty_decisions(app, build, changsha):
    sup, officers = changsha
    on_time = penalty(build, sup, officers, published_on=date(2015, 5, 25))
    late = penalty(build, sup, officers, published_on=date(2015, 7, 1))
    unpublished = penalty(build, sup, officers, published_on=None)
    dispute = on_time_dispute(build, sup, officers)
    with app.app_context():
        reviews = draw(sup)
        assert verdicts(review_of(reviews, on_time))["C10"] == (True, True, "公开期限 2015-06-17, 实际 2015-05-25")
        assert verdicts(review_of(reviews, late))["C10"] == (False, True, "公开期限 2015-06-17, 实际 2015-07-01")
        assert verdicts(review_of(reviews, unpublished))["C10"] == (False, True, "处罚决定未公开 (期限 2015-06-17)")
        counterfeit = verdicts(review_of(reviews, on_time))
        assert counterfeit["V02"] == (True, True, "执法人员 2 人 (假冒专利案件须2人以上)")
        assert counterfeit["C08"][0] is True  # penalty_served counts as served
        assert counterfeit["C01"] == (True, True, "立案期限 2015-05-11, 实际 2015-05-05")
        assert counterfeit.keys() >= COUNTERFEIT_ONLY
        assert "C10" not in verdicts(review_of(reviews, dispute))


def test_published_on_time_is_not_applicable_to_other_outcomes(app, build, changsha):
    sup, officers = changsha
    build(sup, case_type="counterfeit", source="inspection", received_on=date(2015, 5, 4),
          filed_on=date(2015, 5, 5), officers=officers[:2], closed_on=date(2015, 5, 20), outcome="exempted")
    with app.app_context():
        (review,) = draw(sup)
        assert verdicts(review)["C10"] == (True, True, "不适用")


def test_inactive_items_are_left_out(app, build, changsha):
    sup, officers = changsha
    on_time_dispute(build, sup, officers)
    with app.app_context():
        db.session.scalar(select(ReviewItem).where(ReviewItem.code == "F07")).is_active = False
        (review,) = draw(sup)
        assert "F07" not in verdicts(review)
        db.session.rollback()


# sampling -----------------------------------------------------------------------------------------------------

@pytest.fixture
def closed_cases(build, changsha):
    """Eight closed 2015 disputes in 长沙."""
    sup, officers = changsha
    return [build(sup, received_on=date(2015, 9, 30), filed_on=date(2015, 10, 12), officers=officers,
                  closed_on=date(2015, 11, day), outcome="withdrawn") for day in range(2, 10)]


def test_sampling_is_reproducible_with_a_seed_and_random_without(app, changsha, closed_cases):
    sup, _ = changsha
    with app.app_context():
        first = [r.case_id for r in draw(sup, size=3, label="A", seed=42)]
        again = [r.case_id for r in draw(sup, size=3, label="B", seed=42)]
        assert first == again and len(set(first)) == 3 and set(first) <= set(closed_cases)
        db.session.rollback()
        others = {tuple(r.case_id for r in draw(sup, size=3, label=f"S{seed}", seed=seed)) for seed in range(6)}
        assert len(others) > 1  # different seeds pick different files
        unseeded = draw_sample(region_code="430100", year=2015, size=3, label="U", actor=user(sup))
        assert len({r.case_id for r in unseeded}) == 3
        db.session.rollback()


def test_sampling_never_picks_open_cases_other_years_or_other_regions(app, build, create_user, changsha, zhuzhou,
                                                                      closed_cases):
    sup, officers = changsha
    zz_sup, zz_officers = zhuzhou
    province_sup = create_user("supervisor", "430000")
    build(sup, received_on=date(2015, 9, 30))  # received, not filed
    build(sup, received_on=date(2015, 9, 30), filed_on=date(2015, 10, 12), officers=officers)  # filed, open
    next_year = build(sup, received_on=date(2015, 12, 1), filed_on=date(2015, 12, 3), officers=officers,
                      closed_on=date(2016, 1, 5), outcome="withdrawn")
    other_region = build(zz_sup, region_code="430200", received_on=date(2015, 9, 30), filed_on=date(2015, 10, 12),
                         officers=zz_officers, closed_on=date(2015, 11, 2), outcome="withdrawn")
    with app.app_context():
        drawn = {r.case_id for r in draw(sup, size=100)}
        assert drawn == set(closed_cases)
        assert all(db.session.get(Case, i).status == "closed" for i in drawn)
        db.session.rollback()
        assert [r.case_id for r in draw(sup, year=2016)] == [next_year]
        db.session.rollback()
        assert {r.case_id for r in draw(zz_sup, region_code="430200")} == {other_region}
        db.session.rollback()
        everywhere = {r.case_id for r in draw(province_sup, region_code="430000")}
        assert everywhere == set(closed_cases) | {other_region}
        db.session.rollback()


def test_a_case_is_never_drawn_twice_into_one_sample(app, changsha, closed_cases):
    sup, _ = changsha
    with app.app_context():
        first = draw(sup, size=3, seed=5)
        db.session.commit()
        second = draw(sup, size=100, seed=6)
        db.session.commit()
        ids = [r.case_id for r in first + second]
        assert len(ids) == len(set(ids)) == len(closed_cases)
        assert draw(sup, size=5, seed=7) == []
        # Another sample may hold the same files again.
        assert len(draw(sup, size=100, label="复查")) == len(closed_cases)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(CaseReview)) == 2 * len(closed_cases)
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "case_review",
                                                             AuditEvent.action == "draw")).all()
        assert len(events) == 2 * len(closed_cases) and all(e.actor_id == sup.id for e in events)
        assert {e.region_code for e in events} == {"430100"}


def test_sampling_is_for_supervisors_of_the_region(app, create_user, changsha, zhuzhou, closed_cases):
    sup, officers = changsha
    zz_sup, _ = zhuzhou
    with app.app_context():
        with pytest.raises(NotAllowed):
            draw(officers[0])
        with pytest.raises(NotAllowed):
            draw(zz_sup)  # 株洲's supervisor cannot sample 长沙
        with pytest.raises(NotAllowed):
            draw(zz_sup, region_code="430000")  # nor all regions
        assert draw(zz_sup, region_code="430200") == []


@pytest.mark.parametrize(("field", "kwargs"), [
    ("size", {"size": 0}),
    ("size", {"size": 501}),
    ("year", {"year": 1999}),
    ("year", {"year": 2999}),
    ("label", {"label": "   "}),
    ("label", {"label": "x" * 101}),
    ("region_code", {"region_code": "999999"}),
])
def test_sampling_validates_its_input(app, changsha, field, kwargs):
    sup, _ = changsha
    with app.app_context():
        if field == "region_code":
            sup_row = user(sup)
            sup_row.region_code = "430000"  # only a province user reaches the region check
            with pytest.raises(ValidationFailed) as exc:
                draw_sample(region_code="999999", year=2015, size=1, label="x", actor=sup_row)
            db.session.rollback()
        else:
            with pytest.raises(ValidationFailed) as exc:
                draw(sup, **kwargs)
        assert field in exc.value.errors


# scoring ------------------------------------------------------------------------------------------------------

def _judge_all(review: CaseReview, fail: set[str] = frozenset()) -> dict[int, tuple[bool, str | None]]:
    return {s.item_id: (s.item.code not in fail, "问题" if s.item.code in fail else None) for s in review.scores}


@pytest.fixture
def review_id(app, build, changsha):
    sup, officers = changsha
    on_time_dispute(build, sup, officers)
    with app.app_context():
        (review,) = draw(sup)
        db.session.commit()
        return review.id


def test_review_is_done_when_every_item_is_judged(app, changsha, review_id):
    sup, _ = changsha
    with app.app_context():
        review = db.session.get(CaseReview, review_id)
        manual = {s.item_id: (True, None) for s in review.scores if s.item.code == "V01"}
        score_review(review, manual, actor=user(sup))
        assert review.status == "pending" and review.score is None and review.grade is None
        score_review(review, _judge_all(review), actor=user(sup))
        db.session.commit()
        assert review.status == "done" and review.score == Decimal("100.0") and review.grade == "优秀"
        assert review.reviewer_id == sup.id and review.reviewed_at is not None
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "case_review",
                                                             AuditEvent.object_id == review_id,
                                                             AuditEvent.action == "score")).all()
        assert len(events) == 2
        assert events[-1].changes["status"] == ["pending", "done"]
        assert events[-1].changes["grade"] == [None, "优秀"]


@pytest.mark.parametrize(("fail", "score", "grade"), [
    (set(), "100.0", "优秀"),
    ({"C01"}, "99.0", "优秀"),
    ({"C01", "C03", "F02"}, "90.0", "优秀"),                # 1 + 5 + 4
    ({"C01", "C03", "F02", "C08"}, "88.0", "合格"),         # + 2
    ({"F01", "F02", "F03", "F04", "F05", "F06", "F07", "C01", "C02", "C03", "C08", "C09", "C11"},
     "66.0", "合格"),                                       # 20 form + 14 content
    ({"V04"}, "0.0", "不合格"),                              # a veto item fails the file
    ({"V02", "C01"}, "0.0", "不合格"),
])
def test_score_is_100_minus_deductions_and_veto_is_zero(app, changsha, review_id, fail, score, grade):
    sup, _ = changsha
    with app.app_context():
        review = db.session.get(CaseReview, review_id)
        score_review(review, _judge_all(review, fail), actor=user(sup))
        assert (review.score, review.grade) == (Decimal(score), grade)
        failed = {s.item.code for s in review.scores if s.passed is False}
        assert failed == fail
        db.session.rollback()


def test_score_never_goes_below_zero(app, changsha, review_id):
    with app.app_context():
        review = db.session.get(CaseReview, review_id)
        for s in review.scores:
            s.passed = s.item.category == "veto"
            if s.item.category != "veto":
                s.item.deduction = Decimal("30")
        assert compute_score(review.scores) == Decimal("0.0")
        db.session.rollback()


@pytest.mark.parametrize(("score", "grade"), [
    ("100", "优秀"), ("90", "优秀"), ("89.9", "合格"), ("60", "合格"), ("59.9", "不合格"), ("0", "不合格")])
def test_grades(score, grade):
    assert grade_for(Decimal(score)) == grade


def test_reviewer_overrides_an_automatic_verdict(app, changsha, review_id):
    sup, _ = changsha
    with app.app_context():
        review = db.session.get(CaseReview, review_id)
        c01 = next(s for s in review.scores if s.item.code == "C01")
        assert c01.automatic and c01.passed is True
        scores = _judge_all(review)
        scores[c01.item_id] = (False, "立案审批表日期与系统不符")
        changes = score_review(review, scores, actor=user(sup))
        assert c01.passed is False and not c01.automatic and c01.note == "立案审批表日期与系统不符"
        assert changes["item:C01"] == (True, False)
        assert review.score == Decimal("99.0")
        # Saving the same verdicts again changes nothing and writes no audit row.
        assert score_review(review, scores, actor=user(sup)) == {}
        db.session.rollback()


def test_scoring_checks_role_region_and_input(app, changsha, zhuzhou, review_id):
    sup, officers = changsha
    zz_sup, _ = zhuzhou
    with app.app_context():
        review = db.session.get(CaseReview, review_id)
        item_id = review.scores[0].item_id
        with pytest.raises(NotAllowed):
            score_review(review, {item_id: (True, None)}, actor=user(officers[0]))
        with pytest.raises(NotAllowed):
            score_review(review, {item_id: (True, None)}, actor=user(zz_sup))
        with pytest.raises(ValidationFailed) as exc:
            score_review(review, {999999: (True, None)}, actor=user(sup))
        assert "scores" in exc.value.errors
        with pytest.raises(ValidationFailed) as exc:
            score_review(review, {item_id: ("yes", None)}, actor=user(sup))
        assert f"item_{item_id}" in exc.value.errors
        with pytest.raises(ValidationFailed) as exc:
            score_review(review, {item_id: (True, "x" * 1001)}, actor=user(sup))
        assert f"note_{item_id}" in exc.value.errors
        assert review.scores[0].passed is None


# scores by region ---------------------------------------------------------------------------------------------

def test_region_scores_aggregate_by_region_in_official_order(app, build, changsha, zhuzhou):
    sup, officers = changsha
    zz_sup, zz_officers = zhuzhou
    for _ in range(3):
        on_time_dispute(build, sup, officers)
    on_time_dispute(build, zz_sup, zz_officers, region_code="430200")
    with app.app_context():
        cs = draw(sup, size=3)
        (zz,) = draw(zz_sup, region_code="430200")
        score_review(cs[0], _judge_all(cs[0]), actor=user(sup))                      # 100 优秀
        score_review(cs[1], _judge_all(cs[1], {"C03", "C08", "F02"}), actor=user(sup))  # 89 合格
        score_review(zz, _judge_all(zz, {"V05"}), actor=user(zz_sup))                 # 0 不合格
        db.session.commit()

        table = region_scores(2015)
        assert [r.code for r in table.rows][:3] == ["430100", "430200", "430300"]
        assert len(table.rows) == 14 and table.rows[-1].name == "湘西州"
        changsha_row, zhuzhou_row = table.rows[0], table.rows[1]
        assert (changsha_row.reviewed, changsha_row.pending, changsha_row.mean_score) == (2, 1, Decimal("94.5"))
        assert changsha_row.grades == {"优秀": 1, "合格": 1, "不合格": 0}
        assert (zhuzhou_row.reviewed, zhuzhou_row.mean_score) == (1, Decimal("0.0"))
        assert zhuzhou_row.grades == {"优秀": 0, "合格": 0, "不合格": 1}
        assert table.rows[2].reviewed == 0 and table.rows[2].mean_score is None
        assert (table.total.name, table.total.reviewed, table.total.pending) == ("全省", 3, 1)
        assert table.total.mean_score == Decimal("63.0")  # (100 + 89 + 0) / 3
        assert table.distribution == {"优秀": 1, "合格": 1, "不合格": 1}

        only = region_scores(2015, region_code="430200")
        assert [r.code for r in only.rows] == ["430200"] and only.total.reviewed == 1
        assert region_scores(2016).total.reviewed == 0
        assert region_scores(2015, label="other").total.reviewed == 0
