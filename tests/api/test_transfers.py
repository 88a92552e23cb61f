"""Transfers over the API (api.md "Transfers (转办)"): the cycle, If-Match, 404 / 409 / 422 / 403."""

from __future__ import annotations

import pytest

from hotline.extensions import db


@pytest.fixture
def transferred(users, api, create_call):
    """``transferred(to="430200")``: a call logged and transferred by the province operator; returns the call's
    JSON (with its ``transfer``)."""

    def factory(to="430200", **fields):
        call = create_call(actor=users.op, **fields)
        response = api(users.op).post(f"/api/v1/calls/{call.id}/transfer", json={"to": to, "version": 1})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return factory


def _post(client, transfer, step, **body):
    return client.post(f"/api/v1/transfers/{transfer['id']}/{step}", json=body,
                       headers={"If-Match": str(transfer["version"])})


def test_transfer_creates_a_pending_transfer_with_its_clock(users, api, transferred, documented):
    call = transferred()
    transfer = call["transfer"]
    assert call["status"] == "transferred" and call["transfer_status"] == "pending"
    assert (transfer["status"], transfer["to_region_code"], transfer["from_region_code"], transfer["call_id"]) == (
        "pending", "430200", "430000", call["id"])
    assert transfer["sign_due_on"] and transfer["callback_due_on"] is None
    [sign, answer] = transfer["deadlines"]
    assert (sign["kind"], sign["due_on"]) == ("sign", transfer["sign_due_on"])
    assert "15个工作日" in sign["rule"] and "规则集" in sign["rule"]
    assert "90日" in answer["rule"]
    # 90 days on may fall in a year whose calendar is not loaded yet: no date then, but the reason, never a guess
    assert answer["due_on"] == transfer["answer_due_on"]
    assert (answer["due_on"] is None) == (answer["error"] is not None)
    body = documented(api(users.officer_zz).get(f"/api/v1/transfers/{transfer['id']}"))
    assert body["id"] == transfer["id"]


def test_the_full_cycle_closes_the_call(users, api, transferred, documented):
    call = transferred()
    transfer = call["transfer"]
    zz = api(users.officer_zz)
    # The receiving region sees the call as being handled there, not done.
    assert zz.get(f"/api/v1/calls/{call['id']}").get_json()["transfer_status"] == "pending"
    response = _post(zz, transfer, "sign", complex=True)
    assert response.status_code == 200, response.get_json()
    signed = documented(response)
    assert (signed["status"], signed["complex"], signed["signed_by_id"]) == ("signed", True, users.officer_zz.id)
    assert "120日" in next(d for d in signed["deadlines"] if d["kind"] == "answer")["rule"]
    response = _post(zz, signed, "answer", outcome="handled", result="已责令停止销售")
    answered = documented(response)
    assert answered["status"] == "answered" and answered["callback_due_on"]
    assert "回访" in [d["label"] for d in answered["deadlines"]]
    response = _post(api(users.op), answered, "callback", reached=True, satisfaction="satisfied", note="已告知")
    closed = documented(response)
    assert (closed["status"], closed["satisfaction"], closed["reached"]) == ("closed", "satisfied", True)
    after = api(users.op).get(f"/api/v1/calls/{call['id']}").get_json()
    assert (after["status"], after["transfer_status"], after["feedback_method"]) == ("closed", "closed", "phone")


def test_wrong_step_is_409_naming_the_status(users, api, transferred):
    transfer = transferred()["transfer"]
    response = _post(api(users.officer_zz), transfer, "answer", outcome="handled", result="x")
    assert response.status_code == 409
    assert "'pending'" in response.get_json()["message"]
    response = _post(api(users.op), transfer, "callback", reached=True, satisfaction="satisfied")
    assert response.status_code == 409 and "'pending'" in response.get_json()["message"]


def test_stale_version_is_409_with_the_current_transfer(users, api, transferred, documented):
    transfer = transferred()["transfer"]
    zz = api(users.officer_zz)
    assert _post(zz, transfer, "sign").status_code == 200
    response = _post(zz, transfer, "answer", outcome="handled", result="x")  # version 1 again
    assert response.status_code == 409
    body = documented(response)
    assert body["current"]["status"] == "signed" and body["current"]["version"] == 2


def test_version_is_required(users, api, transferred):
    transfer = transferred()["transfer"]
    response = api(users.officer_zz).post(f"/api/v1/transfers/{transfer['id']}/sign", json={})
    assert response.status_code == 422
    assert "version" in response.get_json()["errors"]


def test_other_regions_get_404(users, api, transferred):
    transfer = transferred()["transfer"]
    cs = api(users.officer_cs)
    assert cs.get(f"/api/v1/transfers/{transfer['id']}").status_code == 404
    assert _post(cs, transfer, "sign").status_code == 404
    assert transfer["id"] not in [t["id"] for t in cs.get("/api/v1/transfers").get_json()["items"]]
    assert cs.get("/api/v1/transfers/999999999").status_code == 404


def test_the_wrong_side_gets_403(users, api, transferred):
    transfer = transferred()["transfer"]
    # The operator sent it: signing is the receiving region's step.
    assert _post(api(users.op), transfer, "sign").status_code == 403
    assert _post(api(users.op_zz), transfer, "sign").status_code == 403


@pytest.mark.parametrize(("step", "body", "field"), [
    ("return", {"reason": "  "}, "reason"),
    ("return", {}, "reason"),
    ("sign", {"complex": "yes"}, "complex"),
    ("sign", {"bogus": 1}, "bogus"),
])
def test_bad_input_is_422_with_field_errors(users, api, transferred, step, body, field):
    transfer = transferred()["transfer"]
    response = _post(api(users.officer_zz), transfer, step, **body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize(("body", "field"), [
    ({"outcome": "magic", "result": "x"}, "outcome"),
    ({"outcome": "handled", "result": " "}, "result"),
    ({"outcome": "case_opened", "result": "立案查处"}, "case_id"),
    ({"outcome": "case_opened", "result": "立案查处", "case_id": 987654}, "case_id"),
])
def test_answer_validation(users, api, transferred, body, field):
    transfer = transferred()["transfer"]
    zz = api(users.officer_zz)
    signed = _post(zz, transfer, "sign").get_json()
    response = _post(zz, signed, "answer", **body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def _answered(api, users, transferred):
    transfer = transferred()["transfer"]
    zz = api(users.officer_zz)
    signed = _post(zz, transfer, "sign").get_json()
    return _post(zz, signed, "answer", outcome="no_violation", result="经核查未发现违法行为").get_json()


@pytest.mark.parametrize(("body", "field"), [
    ({"reached": True}, "satisfaction"),
    ({"reached": False, "satisfaction": "satisfied", "note": "x"}, "satisfaction"),
    ({"reached": False}, "note"),
    ({"reached": "no", "satisfaction": None}, "reached"),
])
def test_callback_validation(users, api, transferred, body, field):
    answered = _answered(api, users, transferred)
    response = _post(api(users.op), answered, "callback", **body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_dissatisfied_caller_reopens_once(users, api, transferred):
    answered = _answered(api, users, transferred)
    op, zz = api(users.op), api(users.officer_zz)
    called = _post(op, answered, "callback", reached=True, satisfaction="dissatisfied", note="不满意").get_json()
    assert called["status"] == "called_back"
    reopened = _post(op, called, "reopen", reason="来电人称仍在销售").get_json()
    assert (reopened["status"], reopened["reopen_count"], reopened["signed_by_id"]) == ("reopened", 1, None)
    assert reopened["sign_due_on"]
    signed = _post(zz, reopened, "sign").get_json()
    answered = _post(zz, signed, "answer", outcome="handled", result="再次核查, 已责令整改").get_json()
    again = _post(op, answered, "callback", reached=True, satisfaction="dissatisfied", note="仍不满意").get_json()
    response = _post(op, again, "reopen", reason="再次")
    assert response.status_code == 409
    # The hotline closes the call with its feedback: the transfer closes too.
    call = api(users.op).get(f"/api/v1/calls/{again['call_id']}").get_json()
    response = api(users.op).post(f"/api/v1/calls/{call['id']}/feedback",
                                  json={"method": "phone", "note": "已解释处理结果", "version": call["version"]})
    assert response.status_code == 200, response.get_json()
    assert api(users.op).get(f"/api/v1/transfers/{again['id']}").get_json()["status"] == "closed"


def test_a_returned_transfer_can_go_elsewhere(users, api, transferred):
    call = transferred()
    returned = _post(api(users.officer_zz), call["transfer"], "return", reason="不属于本地管辖").get_json()
    assert returned["status"] == "returned" and returned["return_reason"] == "不属于本地管辖"
    op = api(users.op)
    current = op.get(f"/api/v1/calls/{call['id']}").get_json()
    assert current["transfer_status"] == "returned"
    response = op.post(f"/api/v1/calls/{call['id']}/transfer", json={"to": "430100", "version": current["version"]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["transfer"]["to_region_code"] == "430100" and body["transfer"]["id"] != returned["id"]
    assert body["transfer_status"] == "pending"


def test_a_pending_transfer_keeps_the_call_from_closing_or_moving(users, api, transferred):
    call = transferred()
    op = api(users.op)
    response = op.post(f"/api/v1/calls/{call['id']}/feedback",
                       json={"method": "phone", "note": "x", "version": call["version"]})
    assert response.status_code == 409
    response = op.post(f"/api/v1/calls/{call['id']}/transfer", json={"to": "430100", "version": call["version"]})
    assert response.status_code == 409 and "transferred" in response.get_json()["message"]


def test_agency_transfer_answer_is_entered_by_the_hotline(users, api, transferred):
    call = transferred(to="长沙市公安局")
    transfer = call["transfer"]
    assert (transfer["to_agency"], transfer["to_region_code"]) == ("长沙市公安局", None)
    assert _post(api(users.officer), transfer, "answer", outcome="handled", result="x").status_code == 403
    response = _post(api(users.op), transfer, "answer", outcome="handled", result="公安机关已立案侦查")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "answered"


def test_the_receiving_region_opens_a_case_from_a_signed_transfer(users, api, transferred):
    call = transferred()
    zz = api(users.officer_zz)
    response = zz.post(f"/api/v1/calls/{call['id']}/case", json={"version": call["version"]})
    assert response.status_code == 409 and "transferred" in response.get_json()["message"]
    signed = _post(zz, call["transfer"], "sign").get_json()
    current = zz.get(f"/api/v1/calls/{call['id']}").get_json()
    response = zz.post(f"/api/v1/calls/{call['id']}/case", json={"version": current["version"]})
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["region_code"] == "430200" and case["call_id"] == call["id"]
    transfer = zz.get(f"/api/v1/transfers/{signed['id']}").get_json()
    assert transfer["case_id"] == case["id"]
    answered = _post(zz, transfer, "answer", outcome="case_opened", result="已立案").get_json()
    assert (answered["status"], answered["case_id"]) == ("answered", case["id"])
    assert zz.get(f"/api/v1/calls/{call['id']}").get_json()["status"] == "transferred"


def test_list_filters_by_status_and_region(users, api, transferred, documented):
    first = transferred()["transfer"]
    second = transferred(to="430100")["transfer"]
    _post(api(users.officer_zz), first, "sign")
    op = api(users.op)
    body = documented(op.get("/api/v1/transfers?status=signed"))
    assert [t["id"] for t in body["items"]] == [first["id"]]
    body = op.get("/api/v1/transfers?region_code=430100").get_json()
    assert [t["id"] for t in body["items"]] == [second["id"]]
    assert op.get("/api/v1/transfers?status=bogus").status_code == 422
    assert op.get("/api/v1/transfers?region_code=999999").status_code == 422
    page = op.get("/api/v1/transfers?page_size=1").get_json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = op.get(f"/api/v1/transfers?page_size=1&cursor={page['next_cursor']}").get_json()
    assert rest["items"][0]["id"] == first["id"]


def test_steps_are_audited(app, users, api, transferred):
    from hotline.core.models import AuditEvent

    transfer = transferred()["transfer"]
    zz = api(users.officer_zz)
    signed = _post(zz, transfer, "sign").get_json()
    _post(zz, signed, "answer", outcome="handled", result="已处理")
    with app.app_context():
        events = [(e.action, e.actor_id) for e in db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.object_type == "transfer", AuditEvent.object_id == transfer["id"])
            .order_by(AuditEvent.id))]
    assert events == [("create", users.op.id), ("sign", users.officer_zz.id), ("answer", users.officer_zz.id)]


def test_the_call_list_carries_each_calls_transfer_in_one_query(app, users, api, transferred, create_call):
    from sqlalchemy import event

    ids = {transferred()["id"] for _ in range(3)}
    create_call(actor=users.op)
    statements = []

    def count(conn, cursor, statement, *args):
        if "FROM transfers" in statement:
            statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            body = api(users.op).get("/api/v1/calls").get_json()
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    items = {c["id"]: c for c in body["items"]}
    assert {i for i, c in items.items() if c["transfer"]} == ids
    assert all(items[i]["transfer"]["status"] == "pending" for i in ids)
    assert len(statements) == 1, statements
