"""Standard-answer pages, the intake's suggestions, and answering a consultation in one step on the intake form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from hotline.answers.models import StandardAnswer
from hotline.calls.models import Call
from hotline.extensions import db
from tests.calls.test_views import as_user as calls_as_user
from tests.calls.test_views import field_block, intake

as_user = calls_as_user  # the fixture: a fresh client logged in as a new user

NEW = {"question": "电饭煲上标的专利号是假的怎么办？", "answer": "属于假冒专利，可以举报。", "category": "counterfeit",
       "basis": "专利法第六十八条"}


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def answer(app, create_user):
    from hotline.answers.operations import create_answer

    supervisor = create_user("supervisor", "430000")
    with app.app_context():
        from hotline.accounts.models import User

        row = create_answer(NEW, actor=db.session.get(User, supervisor.id))
        db.session.commit()
        return row.id


def test_list_searches_in_chinese(app, as_user, answer):
    from hotline.answers.seed import seed_answers

    with app.app_context():  # PostgreSQL's cleanup between tests empties the seeded answers
        seed_answers()
        db.session.commit()
    client, _ = as_user("officer", "430100")
    page = text(client.get("/answers", query_string={"q": "电饭煲"}))
    assert NEW["question"] in page
    assert "什么是假冒专利？" not in page  # the starter answers that do not match are not listed
    assert "什么是假冒专利？" in text(client.get("/answers"))


def test_supervisor_writes_edits_and_retires_an_answer(app, as_user):
    client, _ = as_user("supervisor", "430000")
    response = client.post("/answers/new", data=NEW)
    assert response.status_code == 302
    answer_id = int(response.location.rsplit("/", 1)[1])
    edited = client.post(f"/answers/{answer_id}/edit", data={**NEW, "answer": "第二版答复。", "version": "1"})
    assert edited.status_code == 302
    page = text(client.get(f"/answers/{answer_id}"))
    assert "第二版答复。" in page and NEW["answer"] in page  # both versions shown
    assert "Version 2" in page
    assert client.post(f"/answers/{answer_id}/status", data={"status": "retired"}).status_code == 302
    with app.app_context():
        assert db.session.get(StandardAnswer, answer_id).status == "retired"
    assert client.post(f"/answers/{answer_id}/status", data={"status": "retired"}).status_code == 409


def test_edit_form_shows_field_errors_and_a_stale_version(as_user, answer):
    client, _ = as_user("supervisor", "430000")
    response = client.post(f"/answers/{answer}/edit", data={**NEW, "basis": "", "version": "1"})
    assert response.status_code == 422
    assert "This field is required." in field_block(text(response), "basis")
    client.post(f"/answers/{answer}/edit", data={**NEW, "basis": "改", "version": "1"})
    stale = client.post(f"/answers/{answer}/edit", data={**NEW, "basis": "再改", "version": "1"})
    assert stale.status_code == 422
    assert "changed by someone else" in text(stale)


def test_operator_cannot_write_answers(as_user):
    client, _ = as_user("operator", "430000")
    assert client.get("/answers/new").status_code == 403


def test_suggestions_for_a_summary(as_user, answer):
    client, _ = as_user("operator", "430000")
    data = client.get("/answers/suggest", query_string={"q": "商场的电饭煲标了假的专利号"}).get_json()
    assert data["items"][0]["id"] == answer
    assert data["items"][0]["answer"] == NEW["answer"]
    assert data["items"][0]["basis"] == NEW["basis"]
    assert client.get("/answers/suggest", query_string={"q": ""}).get_json() == {"items": []}


def test_intake_page_has_the_answer_and_the_second_save(as_user):
    client, _ = as_user("operator", "430000")
    html = text(client.get("/calls/new"))
    assert 'name="answer_text"' in html and 'data-suggest-url="/answers/suggest"' in html
    assert 'name="answered"' in html and "Save as answered" in html


def test_intake_saves_a_consultation_answered_with_a_standard_answer(app, as_user, answer):
    client, _ = as_user("operator", "430000")
    response = client.post("/calls/new", data=intake(
        request_type="consultation", region_code="", summary="电饭煲专利号是假的", answer_id=str(answer),
        answer_text="属于假冒专利，可以向市场监管部门举报。", answered="1"))
    assert response.status_code == 302
    assert "as answered" in text(client.get(response.location))
    with app.app_context():
        call = db.session.scalars(select(Call)).one()
        assert call.status == "answered" and call.decision == "answered"
        assert call.answer_id == answer and call.answer_version == 1
        assert call.answer_text == "属于假冒专利，可以向市场监管部门举报。"
        assert call.region_code == "430000"


def test_intake_plain_save_keeps_the_call_open(app, as_user):
    client, _ = as_user("operator", "430100")
    response = client.post("/calls/new", data=intake(request_type="consultation", answer_text="已解答。"))
    assert response.status_code == 302
    with app.app_context():
        call = db.session.scalars(select(Call)).one()
        assert call.status == "open" and call.answer_text == "已解答。"


def test_intake_answered_without_an_answer_names_the_field(app, as_user):
    client, _ = as_user("operator", "430000")
    response = client.post("/calls/new", data=intake(request_type="consultation", answered="1"))
    assert response.status_code == 422
    assert "Say what the caller was told" in field_block(text(response), "answer_text")


def test_known_number_fills_the_callers_name(as_user, create_call):
    client, _ = as_user("operator", "430100")
    create_call(caller_phone="13812345678", caller_name="李四", received_at=datetime.now(UTC) - timedelta(days=200))
    data = client.get("/calls/lookup", query_string={"phone": "13812345678"}).get_json()
    assert data["known_name"] == "李四"
    officer, _ = as_user("officer", "430100")
    assert officer.get("/calls/lookup", query_string={"phone": "13812345678"}).get_json()["known_name"] is None


def test_statistics_show_answers_used_most_and_consultations_without_one(as_user, create_call, answer):
    from hotline.core.clock import local_today

    for _ in range(2):
        create_call(request_type="consultation", summary="电饭煲专利号", answer_id=answer, answered=True)
    gap = create_call(request_type="consultation", summary="外观设计专利怎么申请", answer_text="已口头解答。",
                      answered=True)
    create_call(summary="还没处理的投诉")  # open, not a consultation: no gap
    client, _ = as_user("officer", "430000")
    month = local_today().strftime("%Y-%m")
    html = text(client.get("/stats/monthly", query_string={"month": month}))
    section = html[html.index('id="standard-answers"'):]
    assert NEW["question"] in section
    assert "<td class=\"num\">2</td>" in section
    assert "Consultations answered without a standard answer: 1" in section
    assert gap.ref in section


def test_known_mobile_suggests_the_region_of_its_latest_call(as_user, create_call):
    client, _ = as_user("operator", "430000")
    create_call(caller_phone="13812345678", region_code="430200", received_at=datetime.now(UTC) - timedelta(days=9))
    data = client.get("/calls/lookup", query_string={"phone": "13812345678"}).get_json()
    assert data["region_hint"]["code"] == "430200" and data["region_hint"]["source"] == "earlier_calls"
    assert client.get("/calls/lookup", query_string={"phone": "13900001111"}).get_json()["region_hint"] is None
