"""Standard answers: create, edit as a new version, retire; Chinese search on both databases; the starter set."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from hotline.answers.models import StandardAnswer, StandardAnswerVersion
from hotline.answers.operations import create_answer, set_answer_status, update_answer
from hotline.answers.queries import list_answers, search_answers, suggest_answers
from hotline.answers.seed import STARTER_ANSWERS, seed_answers
from hotline.core.errors import StaleVersion, StateError, ValidationFailed
from hotline.core.models import AuditEvent
from hotline.extensions import db

# Words the starter set (seeded in every test database) does not use: 电饭煲, 榨汁机.
COUNTERFEIT = {"question": "电饭煲上标的专利号是假的怎么办？",
               "answer": "电饭煲在未被授予专利权时标注专利标识，属于假冒专利。", "category": "counterfeit",
               "basis": "专利法第六十八条；专利法实施细则第一百零一条"}
DISPUTE = {"question": "榨汁机被人仿造了怎么办？", "answer": "榨汁机的专利权人可以请求处理侵权纠纷。",
           "category": "patent_dispute", "basis": "专利法第六十五条"}


@pytest.fixture
def supervisor(app, create_user):
    return create_user("supervisor", "430000")


def _actor(user):
    from hotline.accounts.models import User

    return db.session.get(User, user.id)


def test_create_writes_version_one_and_an_audit_row(app, supervisor):
    with app.app_context():
        answer = create_answer(COUNTERFEIT, actor=_actor(supervisor))
        db.session.commit()
        assert answer.version == 1 and answer.status == "active"
        assert [v.version for v in answer.versions] == [1]
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "standard_answer",
                                                            AuditEvent.object_id == answer.id)).one()
        assert event.action == "create" and event.actor_id == supervisor.id


def test_create_reports_every_missing_field(app, supervisor):
    with app.app_context(), pytest.raises(ValidationFailed) as exc:
        create_answer({"question": " ", "category": "nonsense"}, actor=_actor(supervisor))
    assert set(exc.value.errors) == {"question", "answer", "category", "basis"}


def test_future_review_date_is_refused(app, supervisor):
    with app.app_context(), pytest.raises(ValidationFailed) as exc:
        create_answer({**COUNTERFEIT, "reviewed_on": date.today() + timedelta(days=3)}, actor=_actor(supervisor))
    assert "reviewed_on" in exc.value.errors


def test_edit_makes_a_new_version_and_keeps_the_old_text(app, supervisor):
    with app.app_context():
        answer = create_answer(COUNTERFEIT, actor=_actor(supervisor))
        old_text = answer.answer
        changes = update_answer(answer, {"answer": "新的答复文本。"}, actor=_actor(supervisor), expected_version=1)
        db.session.commit()
        assert "answer" in changes
        assert answer.version == 2 and answer.answer == "新的答复文本。"
        texts = {v.version: v.answer for v in db.session.scalars(
            select(StandardAnswerVersion).where(StandardAnswerVersion.answer_id == answer.id))}
        assert texts == {1: old_text, 2: "新的答复文本。"}
        # an edit that changes nothing makes no version
        assert update_answer(answer, {"answer": "新的答复文本。"}, actor=_actor(supervisor)) == {}
        assert answer.version == 2


def test_edit_of_a_stale_version_is_a_conflict(app, supervisor):
    with app.app_context():
        answer = create_answer(COUNTERFEIT, actor=_actor(supervisor))
        update_answer(answer, {"basis": "专利法第六十八条"}, actor=_actor(supervisor))
        with pytest.raises(StaleVersion):
            update_answer(answer, {"basis": "别的"}, actor=_actor(supervisor), expected_version=1)


def test_retire_and_reactivate_are_audited_and_a_retired_answer_is_not_edited(app, supervisor):
    with app.app_context():
        answer = create_answer(COUNTERFEIT, actor=_actor(supervisor))
        set_answer_status(answer, "retired", actor=_actor(supervisor))
        with pytest.raises(StateError):
            set_answer_status(answer, "retired", actor=_actor(supervisor))
        with pytest.raises(StateError):
            update_answer(answer, {"basis": "别的"}, actor=_actor(supervisor))
        set_answer_status(answer, "active", actor=_actor(supervisor))
        db.session.commit()
        actions = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "standard_answer", AuditEvent.object_id == answer.id)
            .order_by(AuditEvent.id)).all()
        assert actions == ["create", "retire", "reactivate"]


def test_search_finds_chinese_words_inside_longer_text_best_first(app, supervisor):
    """Runs on both databases (``--db=postgresql``: the bigram tsvector and its GIN index)."""
    with app.app_context():
        counterfeit = create_answer(COUNTERFEIT, actor=_actor(supervisor))
        dispute = create_answer(DISPUTE, actor=_actor(supervisor))
        db.session.commit()
        assert [a.id for a in search_answers("电饭煲")] == [counterfeit.id]
        assert [a.id for a in search_answers("饭煲")] == [counterfeit.id]  # inside a longer word
        assert search_answers("榨汁机仿造")[0].id == dispute.id
        assert search_answers("电饭煲假冒专利")[0].id == counterfeit.id
        assert search_answers("  ") == []
        assert search_answers("量子纠缠") == []


def test_retired_answers_are_not_suggested(app, supervisor):
    with app.app_context():
        answer = create_answer(COUNTERFEIT, actor=_actor(supervisor))
        assert suggest_answers("商场的电饭煲标了假专利号")[0].id == answer.id
        set_answer_status(answer, "retired", actor=_actor(supervisor))
        db.session.flush()
        assert answer.id not in [a.id for a in suggest_answers("商场的电饭煲标了假专利号")]
        assert [a.id for a in list_answers(q="电饭煲", status="retired")] == [answer.id]


def test_suggestions_need_more_than_one_shared_character_pair(app, supervisor):
    with app.app_context():
        answer = create_answer(COUNTERFEIT, actor=_actor(supervisor))
        db.session.flush()
        # "电饭" alone is shared: found by a search, not suggested for a summary about something else
        assert [a.id for a in search_answers("保修期电饭")] == [answer.id]
        assert suggest_answers("保修期电饭") == []


def test_edit_is_found_by_its_new_words_only(app, supervisor):
    with app.app_context():
        answer = create_answer(COUNTERFEIT, actor=_actor(supervisor))
        update_answer(answer, {"question": "榨汁机展品怎么办？", "answer": "榨汁机展品撤下。"},
                      actor=_actor(supervisor))
        db.session.flush()
        assert search_answers("榨汁机展品")[0].id == answer.id
        assert search_answers("电饭煲") == []


def test_starter_set_is_seeded_once_and_each_cites_its_basis(app):
    assert len(STARTER_ANSWERS) >= 30
    with app.app_context():
        seed_answers()  # the suite's database was seeded (PostgreSQL's cleanup empties this table after a test)
        db.session.commit()
        assert seed_answers() == 0  # nothing is added twice
        seeded = select(func.count()).select_from(StandardAnswer).where(StandardAnswer.seed_key.is_not(None))
        assert db.session.scalar(seeded) == len(STARTER_ANSWERS)
        # a starter answer a supervisor reworded stays as they left it
        first = db.session.scalars(select(StandardAnswer).where(StandardAnswer.seed_key == "hotline-fee")).one()
        update_answer(first, {"answer": "改过的答复。"}, actor=None)
        assert seed_answers() == 0
        assert first.answer == "改过的答复。"
        assert all(a.basis.strip() for a in db.session.scalars(select(StandardAnswer)))
        # the starter set answers the questions the hotline hears most
        assert search_answers("什么是假冒专利")[0].seed_key == "counterfeit-what"
        assert search_answers("商标侵权找哪里")[0].seed_key == "trademark-where"
        assert search_answers("版权侵权")[0].seed_key == "copyright-where"
