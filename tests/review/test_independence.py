"""Case-file review is independent of the casework: a supervisor may not score the file of a case they worked on
(one of its officers, or who opened it) or approved (closing with a penalty, publication, its withdrawal, an
extension). The operation refuses with a message saying why, the page does not offer it (no verdicts to tick, no
save button, the sample's list marks the file), and another supervisor of the region scores it."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from hotline.accounts.models import User
from hotline.cases.models import Case
from hotline.cases.operations import perform_action
from hotline.core.errors import NotAllowed
from hotline.core.models import AuditEvent
from hotline.extensions import db
from hotline.review.models import CaseReview
from hotline.review.operations import draw_sample, score_review
from tests.factories import PASSWORD

REGION = "430100"
LABEL = "2015 年度评查"
WORKED = "You are one of this case's officers: another supervisor scores its file."
OPENED = "You opened this case: another supervisor scores its file."
APPROVED = "You approved a step of this case: another supervisor scores its file."


@pytest.fixture
def people(create_user):
    """长沙: the supervisor 科长 (whose involvement varies), 副科长 (who approves what 科长 does not), 督查员 (who had
    no part in any case), three officers."""
    return {
        "sup": create_user("supervisor", REGION, display_name="科长"),
        "other": create_user("supervisor", REGION, display_name="副科长"),
        "third": create_user("supervisor", REGION, display_name="督查员"),
        "officers": [create_user("officer", REGION, display_name=f"执法员{i}") for i in range(1, 4)],
    }


def _user(u) -> User:
    return db.session.get(User, u.id)


def _act(case, action, data, actor):
    perform_action(case, action, data, actor=_user(actor), expected_version=case.version)


def _dispute(app, people, *, opener=None, panel=None, extension_by=None) -> int:
    """A dispute received 2015-09-30, filed 10-12, closed 12-15 (withdrawn); ``opener`` opens it (default: the
    first officer), ``panel`` are its officers, ``extension_by`` approves a month's extension."""
    from hotline.cases.operations import create_case

    opener = opener or people["officers"][0]
    panel = panel or people["officers"]
    with app.app_context():
        case = create_case({"case_type": "infringement_dispute", "region_code": REGION, "source": "request",
                            "received_on": "2015-09-30", "summary": "某公司涉嫌专利侵权"}, actor=_user(opener))
        _act(case, "file", {"filed_on": "2015-10-12", "officer_ids": [u.id for u in panel]}, opener)
        if extension_by:
            _act(case, "extend", {"months": 1, "reason": "案情复杂"}, extension_by)  # the approver acts: recorded
        _act(case, "close", {"outcome": "withdrawn", "closed_on": "2015-12-15"}, opener)
        db.session.commit()
        return case.id


def _penalty(app, people, *, close_by, publish_by=None, withdraw_by=None) -> int:
    """A counterfeit case penalized 2015-05-20 (approved by ``close_by``), published and maybe withdrawn."""
    from hotline.cases.operations import create_case

    officer = people["officers"][0]
    with app.app_context():
        case = create_case({"case_type": "counterfeit", "region_code": REGION, "source": "inspection",
                            "received_on": "2015-05-04", "summary": "假冒专利"}, actor=_user(officer))
        _act(case, "file", {"filed_on": "2015-05-05", "officer_ids": [u.id for u in people["officers"][:2]]},
             officer)
        _act(case, "close", {"outcome": "penalized", "closed_on": "2015-05-20", "fine_amount": "5000.00"},
             close_by)
        if publish_by:
            _act(case, "publish", {"published_on": "2015-05-25"}, publish_by)
        if withdraw_by:
            _act(case, "withdraw", {"on": "2015-06-01", "reason": "处罚决定被撤销"}, withdraw_by)
        db.session.commit()
        return case.id


def _reviews(app, people) -> dict[int, int]:
    """Every closed case of 2015 drawn into the sample: ``{case_id: review_id}``."""
    with app.app_context():
        reviews = draw_sample(region_code=REGION, year=2015, size=50, label=LABEL, actor=_user(people["third"]),
                              rng_seed=1)
        db.session.commit()
        return {r.case_id: r.id for r in reviews}


def _judge_all(review: CaseReview) -> dict[int, tuple[bool, None]]:
    return {s.item_id: (True, None) for s in review.scores}


INVOLVEMENTS = {
    "one of its officers": (lambda app, p: _dispute(app, p, panel=[p["sup"], *p["officers"][:2]]), WORKED),
    "opened it": (lambda app, p: _dispute(app, p, opener=p["sup"], panel=p["officers"]), OPENED),
    "approved an extension": (lambda app, p: _dispute(app, p, extension_by=p["sup"]), APPROVED),
    "approved the penalty": (lambda app, p: _penalty(app, p, close_by=p["sup"], publish_by=p["other"]), APPROVED),
    "approved the publication": (lambda app, p: _penalty(app, p, close_by=p["other"], publish_by=p["sup"]),
                                 APPROVED),
    "approved the withdrawal": (lambda app, p: _penalty(app, p, close_by=p["other"], publish_by=p["other"],
                                                        withdraw_by=p["sup"]), APPROVED),
}


@pytest.mark.parametrize("involvement", INVOLVEMENTS)
def test_a_supervisor_may_not_score_a_case_they_worked_on_or_approved(app, people, involvement):
    make, message = INVOLVEMENTS[involvement]
    case_id = make(app, people)
    review_id = _reviews(app, people)[case_id]
    with app.app_context():
        review = db.session.get(CaseReview, review_id)
        with pytest.raises(NotAllowed) as refused:
            score_review(review, _judge_all(review), actor=_user(people["sup"]))
        assert refused.value.message == message
        db.session.rollback()
        # another supervisor of the region, who had no part in it, scores it
        review = db.session.get(CaseReview, review_id)
        score_review(review, _judge_all(review), actor=_user(people["third"]))
        assert review.status == "done" and review.reviewer_id == people["third"].id
        db.session.rollback()


def test_an_independent_supervisor_scores_as_before(app, people):
    case_id = _dispute(app, people)
    review_id = _reviews(app, people)[case_id]
    with app.app_context():
        review = db.session.get(CaseReview, review_id)
        score_review(review, _judge_all(review), actor=_user(people["sup"]))
        assert review.status == "done"
        db.session.rollback()


def _login(app, user):
    client = app.test_client()
    client.post("/language/en")
    assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
    return client


def test_the_page_does_not_offer_scoring_and_refuses_a_post(app, people):
    involved = _penalty(app, people, close_by=people["sup"])
    free = _dispute(app, people)
    drawn = _reviews(app, people)
    involved_review, free_review = drawn[involved], drawn[free]
    client = _login(app, people["sup"])

    page = unescape(client.get(f"/review/{involved_review}").get_data(as_text=True))
    assert APPROVED in page and "Save review" not in page
    radios = re.findall(r"<input[^>]*type=\"radio\"[^>]*>", page)
    assert radios and all("disabled" in radio for radio in radios)
    free_page = unescape(client.get(f"/review/{free_review}").get_data(as_text=True))
    assert APPROVED not in free_page and "Save review" in free_page

    listing = unescape(client.get("/review", query_string={"label": LABEL}).get_data(as_text=True))
    rows = {case_id: row for row in listing.split("<tr>") for case_id in (involved, free)
            if f'href="/review/{involved_review if case_id == involved else free_review}"' in row}
    assert "Not yours to score" in rows[involved] and "Not yours to score" not in rows[free]

    with app.app_context():
        review = db.session.get(CaseReview, involved_review)
        data = {f"item_{s.item_id}": "pass" for s in review.scores}
        audited = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = client.post(f"/review/{involved_review}", data=data)
    assert response.status_code == 403
    assert APPROVED in unescape(response.get_data(as_text=True))
    with app.app_context():
        review = db.session.get(CaseReview, involved_review)
        assert review.status == "pending" and review.reviewer_id is None
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audited
        assert db.session.get(Case, involved).close_approved_by_id == people["sup"].id
