"""/api/v1/answers (standard answers) and POST /api/v1/calls answering a consultation in one step."""

from __future__ import annotations

from sqlalchemy import select

from hotline.core.models import AuditEvent
from hotline.extensions import db
from tests.api.conftest import payload

NEW = {"question": "电饭煲上标的专利号是假的怎么办？", "answer": "属于假冒专利，可以举报。", "category": "counterfeit",
       "basis": "专利法第六十八条"}


def _create(api, users, **overrides):
    response = api(users.sup).post("/api/v1/answers", json={**NEW, **overrides})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_supervisor_writes_an_answer_and_anyone_on_calls_finds_it(users, api, documented):
    body = documented(api(users.sup).post("/api/v1/answers", json=NEW))
    assert body["version"] == 1 and body["status"] == "active" and body["basis"] == "专利法第六十八条"
    found = documented(api(users.officer_cs).get("/api/v1/answers", query_string={"q": "电饭煲"}))
    assert [a["id"] for a in found["items"]] == [body["id"]]
    assert api(users.op).get(f"/api/v1/answers/{body['id']}").get_json()["question"] == NEW["question"]


def test_operator_cannot_write_answers(users, api):
    assert api(users.op).post("/api/v1/answers", json=NEW).status_code == 403


def test_bad_answer_is_422_with_field_errors(users, api, documented):
    response = api(users.sup).post("/api/v1/answers", json={**NEW, "category": "nonsense", "basis": " "})
    assert response.status_code == 422
    assert {"category", "basis"} <= set(documented(response)["errors"])


def test_patch_makes_a_new_version_and_a_stale_one_is_409(users, api, documented):
    created = _create(api, users)
    client = api(users.sup)
    response = client.patch(f"/api/v1/answers/{created['id']}", json={"answer": "新的答复。", "version": 1})
    assert documented(response)["version"] == 2
    stale = client.patch(f"/api/v1/answers/{created['id']}", json={"answer": "再改。", "version": 1})
    assert stale.status_code == 409
    assert stale.get_json()["current"]["answer"] == "新的答复。"


def test_retire_via_patch_and_twice_is_409(users, api):
    created = _create(api, users)
    client = api(users.sup)
    assert client.patch(f"/api/v1/answers/{created['id']}", json={"status": "retired"}).get_json()["status"] == \
        "retired"
    again = client.patch(f"/api/v1/answers/{created['id']}", json={"status": "retired"})
    assert again.status_code == 409
    assert client.get("/api/v1/answers", query_string={"q": "电饭煲"}).get_json()["items"] == []
    retired = client.get("/api/v1/answers", query_string={"q": "电饭煲", "status": "retired"}).get_json()
    assert [a["id"] for a in retired["items"]] == [created["id"]]
    # a retired answer is not edited: 409 naming the state
    edit = client.patch(f"/api/v1/answers/{created['id']}", json={"basis": "改"})
    assert edit.status_code == 409
    assert client.patch(f"/api/v1/answers/{created['id']}", json={"status": "active"}).get_json()["status"] == \
        "active"


def test_unknown_answer_is_404(users, api):
    assert api(users.sup).patch("/api/v1/answers/999999", json={"basis": "x"}).status_code == 404
    assert api(users.op).get("/api/v1/answers/999999").status_code == 404


# ---- POST /api/v1/calls: answered in one step -----------------------------------------------------------


def test_consultation_answered_in_one_request(users, api, documented, app):
    created = _create(api, users)
    response = api(users.op).post("/api/v1/calls", json=payload(
        request_type="consultation", region_code=None, summary="电饭煲标的专利号是假的", answer_id=created["id"],
        answered=True))
    body = documented(response)
    assert response.status_code == 201
    assert body["status"] == "answered"
    assert body["decided_at"] is not None
    assert body["answer_id"] == created["id"] and body["answer_version"] == 1
    assert body["answer_text"] == NEW["answer"]  # the standard answer's text when none was typed
    assert body["region_code"] == "430000"  # the operator's office: a consultation goes nowhere
    with app.app_context():
        from hotline.calls.models import Call

        call = db.session.get(Call, body["id"])
        assert call.decision == "answered" and call.decided_on is not None
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "call",
                                                            AuditEvent.object_id == call.id)).one()
        assert event.action == "create" and event.changes["status"] == [None, "answered"]


def test_edited_standard_answer_keeps_the_version_given(users, api):
    created = _create(api, users)
    call = api(users.op).post("/api/v1/calls", json=payload(
        request_type="consultation", answer_id=created["id"], answer_text="改过的说法。", answered=True)).get_json()
    api(users.sup).patch(f"/api/v1/answers/{created['id']}", json={"answer": "第二版。"})
    again = api(users.op).get(f"/api/v1/calls/{call['id']}").get_json()
    assert again["answer_text"] == "改过的说法。" and again["answer_version"] == 1


def test_answered_without_an_answer_is_422(users, api, documented):
    response = api(users.op).post("/api/v1/calls", json=payload(request_type="consultation", answered=True))
    assert response.status_code == 422
    assert "answer_text" in documented(response)["errors"]


def test_unknown_or_retired_answer_id_is_422(users, api):
    created = _create(api, users)
    api(users.sup).patch(f"/api/v1/answers/{created['id']}", json={"status": "retired"})
    for answer_id in (created["id"], 987654):
        response = api(users.op).post("/api/v1/calls", json=payload(answer_id=answer_id))
        assert response.status_code == 422
        assert "answer_id" in response.get_json()["errors"]


def test_region_is_required_for_a_complaint_and_the_error_names_it(users, api):
    response = api(users.op).post("/api/v1/calls", json=payload(request_type="complaint", region_code=None))
    assert response.status_code == 422
    assert "region" in response.get_json()["errors"]["region_code"][0].lower()


def test_a_plain_call_stays_open_with_no_answer(users, api):
    body = api(users.op).post("/api/v1/calls", json=payload()).get_json()
    assert body["status"] == "open" and body["answer_text"] is None and body["answer_id"] is None


def test_a_regions_consultation_without_region_stays_with_that_region(users, api):
    body = api(users.op_cs).post("/api/v1/calls", json=payload(request_type="consultation", region_code=None,
                                                              answer_text="已解答。", answered=True)).get_json()
    assert body["region_code"] == "430100" and body["status"] == "answered"


def test_call_page_shows_the_answer_given_and_its_version(users, api, client, login):
    created = _create(api, users)
    call = api(users.op).post("/api/v1/calls", json=payload(
        request_type="consultation", answer_id=created["id"], answered=True)).get_json()
    login(users.op)
    html = client.get(f"/calls/{call['id']}").get_data(as_text=True)
    assert 'id="call-answer"' in html and NEW["answer"] in html
    assert f'/answers/{created["id"]}#version-1' in html
