"""PATCH, transfer, status, feedback and reveal: optimistic locking, state rules, audit."""

from __future__ import annotations

import pytest

from hotline.extensions import db


def _audit_actions(app, call_id):
    from hotline.core.models import AuditEvent

    with app.app_context():
        return [(e.action, e.actor_id) for e in db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.object_type == "call", AuditEvent.object_id == call_id)
            .order_by(AuditEvent.id))]


# PATCH ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("if_match", ["1", '"1"', 'W/"1"'])
def test_patch_with_if_match_changes_only_the_fields_sent(users, api, create_call, documented, if_match):
    call = create_call(caller_name="张三", accused_party="某厂")
    response = api(users.op).patch(f"/api/v1/calls/{call.id}", json={"summary": "更正后的摘要", "ip_type": None},
                                   headers={"If-Match": if_match})
    assert response.status_code == 200, response.get_json()
    body = documented(response)
    assert (body["summary"], body["ip_type"], body["accused_party"], body["caller_name"]) == (
        "更正后的摘要", None, "某厂", "张三")
    assert body["version"] == 2
    assert response.headers["ETag"] == '"2"'


def test_patch_with_version_in_body(users, api, create_call):
    call = create_call()
    response = api(users.op).patch(f"/api/v1/calls/{call.id}", json={"version": 1, "duration_seconds": 90})
    assert response.status_code == 200
    assert response.get_json()["duration_seconds"] == 90


def test_patch_is_audited(app, users, api, create_call):
    call = create_call()
    api(users.op).patch(f"/api/v1/calls/{call.id}", json={"version": 1, "summary": "新的"})
    assert ("update", users.op.id) in _audit_actions(app, call.id)


def test_stale_version_is_409_with_the_current_call(users, api, create_call, documented):
    call = create_call()
    client = api(users.op)
    assert client.patch(f"/api/v1/calls/{call.id}", json={"version": 1, "summary": "第一次"}).status_code == 200
    response = client.patch(f"/api/v1/calls/{call.id}", json={"summary": "第二次"}, headers={"If-Match": "1"})
    assert response.status_code == 409
    body = documented(response)
    assert body["current"]["version"] == 2
    assert body["current"]["summary"] == "第一次"
    assert client.get(f"/api/v1/calls/{call.id}").get_json()["summary"] == "第一次"


def test_stale_version_current_is_masked_for_officers_too(users, api, create_call):
    call = create_call(caller_phone="13812345678")
    api(users.op).patch(f"/api/v1/calls/{call.id}", json={"version": 1, "summary": "x"})
    body = api(users.sup).patch(f"/api/v1/calls/{call.id}", json={"version": 1, "summary": "y"}).get_json()
    assert body["current"]["caller_phone"] == "138****5678"


def test_patch_without_version_is_422(users, api, create_call):
    call = create_call()
    response = api(users.op).patch(f"/api/v1/calls/{call.id}", json={"summary": "x"})
    assert response.status_code == 422
    assert "version" in response.get_json()["errors"]


@pytest.mark.parametrize(("headers", "body"), [
    ({"If-Match": "*"}, {}),
    ({"If-Match": "abc"}, {}),
    ({"If-Match": "1"}, {"version": 2}),
    ({}, {"version": "1"}),
    ({}, {"version": 0}),
])
def test_bad_versions_are_422(users, api, create_call, headers, body):
    call = create_call()
    response = api(users.op).patch(f"/api/v1/calls/{call.id}", json={**body, "summary": "x"}, headers=headers)
    assert response.status_code == 422
    assert "version" in response.get_json()["errors"]


@pytest.mark.parametrize(("body", "field"), [
    ({"summary": None}, "summary"),
    ({"channel": None}, "channel"),
    ({"anonymous": None}, "anonymous"),
    ({"received_at": "2015-13-01T00:00:00+08:00"}, "received_at"),
    ({"ref": "HL-2015-999999"}, "ref"),
    ({"status": "closed"}, "status"),
    ({"region_code": "430200"}, "region_code"),
])
def test_patch_field_errors(users, api, create_call, body, field):
    call = create_call()
    response = api(users.op_cs).patch(f"/api/v1/calls/{call.id}", json={**body, "version": 1})
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_province_supervisor_may_move_a_call_to_another_region(users, api, create_call):
    call = create_call(region_code="430100")
    response = api(users.sup).patch(f"/api/v1/calls/{call.id}", json={"version": 1, "region_code": "430200"})
    assert response.status_code == 200
    assert api(users.officer_cs).get(f"/api/v1/calls/{call.id}").status_code == 404
    assert api(users.officer_zz).get(f"/api/v1/calls/{call.id}").status_code == 200


# Transfer -------------------------------------------------------------------------------------------------------

def test_transfer_to_a_region_moves_the_call(app, users, api, create_call, documented):
    call = create_call(region_code="430100")
    client = api(users.op_cs)
    response = client.post(f"/api/v1/calls/{call.id}/transfer", json={"to": "430200", "note": "属株洲管辖"},
                           headers={"If-Match": "1"})
    assert response.status_code == 200, response.get_json()
    body = documented(response)
    assert (body["status"], body["region_code"], body["transferred_to_region_code"]) == (
        "transferred", "430200", "430200")
    assert body["transferred_at"].endswith("+08:00")
    assert body["transfer_note"] == "属株洲管辖"
    assert client.get(f"/api/v1/calls/{call.id}").status_code == 404
    assert api(users.officer_zz).get(f"/api/v1/calls/{call.id}").status_code == 200
    assert ("transfer", users.op_cs.id) in _audit_actions(app, call.id)


def test_transfer_to_an_agency(users, api, create_call):
    call = create_call()
    body = api(users.op).post(f"/api/v1/calls/{call.id}/transfer",
                              json={"to": "长沙市市场监督管理局", "version": 1}).get_json()
    assert (body["status"], body["transferred_to_agency"], body["region_code"]) == (
        "transferred", "长沙市市场监督管理局", "430100")


def test_transfer_twice_is_409(users, api, create_call, documented):
    call = create_call()
    client = api(users.op)
    client.post(f"/api/v1/calls/{call.id}/transfer", json={"to": "长沙海关", "version": 1})
    response = client.post(f"/api/v1/calls/{call.id}/transfer", json={"to": "株洲海关", "version": 2})
    assert response.status_code == 409
    body = documented(response)
    assert "transferred" in body["message"]


@pytest.mark.parametrize(("body", "field"), [
    ({}, "to"),
    ({"to": ""}, "to"),
    ({"to": 430200}, "to"),
    ({"to": "430000"}, "to"),
    ({"to": "999999"}, "to"),
    ({"to": "长沙海关", "note": "x" * 2001}, "note"),
    ({"to": "长沙海关", "cc": "x"}, "cc"),
])
def test_transfer_field_errors(users, api, create_call, body, field):
    call = create_call()
    response = api(users.op).post(f"/api/v1/calls/{call.id}/transfer", json={**body, "version": 1})
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_transfer_with_stale_version_is_409(users, api, create_call):
    call = create_call()
    response = api(users.op).post(f"/api/v1/calls/{call.id}/transfer", json={"to": "长沙海关"},
                                  headers={"If-Match": "7"})
    assert response.status_code == 409
    assert response.get_json()["current"]["status"] == "open"


# Status and feedback ----------------------------------------------------------------------------------------------

def test_mark_answered_then_feedback_closes_the_call(app, users, api, create_call, documented):
    call = create_call()
    client = api(users.op)
    answered = client.post(f"/api/v1/calls/{call.id}/status", json={"status": "answered", "version": 1})
    assert documented(answered)["status"] == "answered"
    response = client.post(f"/api/v1/calls/{call.id}/feedback",
                           json={"method": "phone", "note": "已电话告知处理结果", "version": 2})
    body = documented(response)
    assert (body["status"], body["feedback_method"], body["feedback_note"]) == ("closed", "phone", "已电话告知处理结果")
    assert body["closed_at"]
    assert body["feedback_at"]
    assert [a for a, _ in _audit_actions(app, call.id)] == ["create", "status", "feedback"]


def test_not_accepted_needs_a_reason(users, api, create_call):
    call = create_call()
    client = api(users.op)
    response = client.post(f"/api/v1/calls/{call.id}/status", json={"status": "not_accepted", "version": 1})
    assert response.status_code == 422
    assert "reason" in response.get_json()["errors"]
    body = client.post(f"/api/v1/calls/{call.id}/status",
                       json={"status": "not_accepted", "reason": "不属于知识产权事项", "version": 1}).get_json()
    assert (body["status"], body["not_accepted_reason"]) == ("not_accepted", "不属于知识产权事项")


def test_wrong_status_transition_is_409(users, api, create_call):
    call = create_call()
    client = api(users.op)
    client.post(f"/api/v1/calls/{call.id}/status", json={"status": "not_accepted", "reason": "x", "version": 1})
    response = client.post(f"/api/v1/calls/{call.id}/status", json={"status": "answered", "version": 2})
    assert response.status_code == 409
    assert "not_accepted" in response.get_json()["message"]


def test_feedback_on_a_closed_call_is_409(users, api, create_call):
    call = create_call()
    client = api(users.op)
    client.post(f"/api/v1/calls/{call.id}/status", json={"status": "answered", "version": 1})
    client.post(f"/api/v1/calls/{call.id}/feedback", json={"method": "sms", "note": "已告知", "version": 2})
    response = client.post(f"/api/v1/calls/{call.id}/feedback", json={"method": "sms", "note": "再次", "version": 3})
    assert response.status_code == 409


@pytest.mark.parametrize(("body", "field"), [
    ({"status": "closed"}, "status"),
    ({"status": "answered", "reason": 5}, "reason"),
    ({}, "status"),
])
def test_status_field_errors(users, api, create_call, body, field):
    call = create_call()
    response = api(users.op).post(f"/api/v1/calls/{call.id}/status", json={**body, "version": 1})
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize(("body", "field"), [
    ({"method": "pigeon", "note": "x"}, "method"),
    ({"method": "phone"}, "note"),
    ({"method": "phone", "note": "   "}, "note"),
    ({"method": "phone", "note": "x", "given_at": "2015-05-28T09:15:00"}, "given_at"),
    ({"method": "phone", "note": "x", "given_at": "2999-05-28T09:15:00+08:00"}, "given_at"),
    ({"method": "phone", "note": "x", "given_at": "2001-05-28T09:15:00+08:00"}, "given_at"),
])
def test_feedback_field_errors(users, api, create_call, body, field):
    call = create_call()
    client = api(users.op)
    client.post(f"/api/v1/calls/{call.id}/status", json={"status": "answered", "version": 1})
    response = client.post(f"/api/v1/calls/{call.id}/feedback", json={**body, "version": 2})
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


# Reveal ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["officer_cs", "sup"])
def test_reveal_returns_full_values_and_is_audited(app, users, api, create_call, documented, who):
    call = create_call(caller_name="张三丰", caller_phone="138 1234 5678")
    user = getattr(users, who)
    response = api(user).post(f"/api/v1/calls/{call.id}/reveal")
    assert response.status_code == 200
    assert documented(response) == {"caller_name": "张三丰", "caller_phone": "+8613812345678",
                                    "caller_phone_raw": "138 1234 5678"}
    assert ("reveal_caller", user.id) in _audit_actions(app, call.id)


def test_operator_reveal_returns_full_values_without_an_audit_entry(app, users, api, create_call):
    call = create_call(caller_name="张三丰", caller_phone="13812345678")
    body = api(users.op).post(f"/api/v1/calls/{call.id}/reveal").get_json()
    assert body["caller_phone"] == "+8613812345678"
    assert "reveal_caller" not in [a for a, _ in _audit_actions(app, call.id)]


def test_reveal_outside_the_region_is_404_and_not_audited(app, users, api, create_call):
    call = create_call(region_code="430100")
    assert api(users.officer_zz).post(f"/api/v1/calls/{call.id}/reveal").status_code == 404
    assert "reveal_caller" not in [a for a, _ in _audit_actions(app, call.id)]


def test_concurrent_edit_that_slips_past_the_version_check_is_409(app, users, api, create_call, monkeypatch):
    """Two edits of version 1 at once: the database's version check refuses the second one."""
    from sqlalchemy import text

    from hotline.api import views

    real_update = views.operations.update_call

    def racing_update(call, data, **kwargs):
        db.session.execute(text("UPDATE calls SET version = version + 1 WHERE id = :id"), {"id": call.id})
        return real_update(call, data, **kwargs)

    monkeypatch.setattr(views.operations, "update_call", racing_update)
    call = create_call()
    response = api(users.op).patch(f"/api/v1/calls/{call.id}", json={"version": 1, "summary": "y"})
    assert response.status_code == 409
    assert response.get_json()["current"]["id"] == call.id
    assert "same time" in response.get_json()["message"]


def test_deciding_a_call_records_when(users, api, create_call):
    call = create_call()
    client = api(users.op)
    assert client.get(f"/api/v1/calls/{call.id}").get_json()["decided_at"] is None
    body = client.post(f"/api/v1/calls/{call.id}/status", json={"status": "answered", "version": 1}).get_json()
    assert body["decided_at"].endswith("+08:00")
