"""Approvals through the API (api.md "Approvals (审批)"): an officer's approval-bound action answers 202 with the
pending approval and leaves the case unchanged; a supervisor decides it at /approvals/{id}/decision."""

from __future__ import annotations

import pytest


def _counterfeit(officer, status="filed"):
    case = officer.file(officer.open_case(case_type="counterfeit", received_on="2015-06-01"), filed_on="2015-06-03",
                        count=2)
    return case


BOUND = {
    "extend": {"days": 5, "reason": "鉴定未完成"},
    "close": {"outcome": "penalized", "closed_on": "2015-06-20", "fine_amount": "5000.00"},
    "publish": {"published_on": "2015-06-22"},
    "withdraw": {"on": "2015-06-23", "reason": "行政复议决定撤销"},
}


@pytest.mark.parametrize("action", list(BOUND))
def test_the_officer_alone_cannot_make_an_approval_bound_action_take_effect(crew, case_api, documented, action):
    officer, supervisor = case_api(), case_api(crew.supervisor)
    case = _counterfeit(officer)
    if action in ("publish", "withdraw"):
        case = supervisor.act(case, "close", **BOUND["close"]).get_json()
    if action == "withdraw":
        case = supervisor.act(case, "publish", **BOUND["publish"]).get_json()
    before = officer.read(case["id"])
    response = officer.act(case, action, **BOUND[action])
    assert response.status_code == 202, response.get_json()
    approval = documented(response)["approval"]
    assert {"id", "status", "action", "params", "requested_by_id", "due_on"} <= set(approval)
    assert approval["status"] == "pending" and approval["requested_by_id"] == crew.officers[0].id
    # the case is unchanged, and nothing the officer (or a fellow officer) can send changes it
    for attempt in (lambda: officer.decide(approval),
                    lambda: case_api(crew.officers[1]).decide(approval),
                    lambda: officer.act(case, action, approved_by_id=crew.supervisor.id, **BOUND[action]),
                    lambda: officer.act(case, action, **BOUND[action])):
        assert attempt().status_code in (403, 409, 422)
    after = officer.read(case["id"])
    assert {k: v for k, v in after.items() if k != "events"} == {k: v for k, v in before.items() if k != "events"}
    response = supervisor.decide(approval)
    assert response.status_code == 200, response.get_json()
    assert documented(response)["case"]["version"] > before["version"]


def test_filing_needs_approval_only_with_the_office_setting(app, crew, case_api, monkeypatch):
    officer = case_api()
    case = officer.file(officer.open_case(), filed_on="2015-09-30")  # off by default: filed at once
    assert case["status"] == "filed"
    monkeypatch.setitem(app.config, "FILING_NEEDS_APPROVAL", True)
    case = officer.open_case()
    approval = officer.request(case, "file", filed_on="2015-09-30",
                               officer_ids=[u.id for u in crew.officers[:3]])
    assert approval["action"] == "file" and officer.read(case["id"])["status"] == "received"
    response = case_api(crew.supervisor).decide(approval)
    assert response.status_code == 200 and response.get_json()["case"]["case_number"]


def test_list_read_and_decide(crew, case_api, documented):
    officer, supervisor = case_api(), case_api(crew.supervisor)
    case = _counterfeit(officer)
    approval = officer.request(case, "extend", days=5, reason="鉴定未完成")
    response = supervisor.get("/api/v1/approvals?status=pending&region_code=430100")
    assert [a["id"] for a in documented(response)["items"]] == [approval["id"]]
    assert supervisor.get("/api/v1/approvals?status=approved").get_json()["items"] == []
    assert supervisor.get("/api/v1/approvals?status=nope").status_code == 422
    assert supervisor.get("/api/v1/approvals?region_code=999999").status_code == 422
    assert case_api(crew.other_supervisor).get("/api/v1/approvals").get_json()["items"] == []
    assert case_api(crew.other_officer).get(f"/api/v1/approvals/{approval['id']}").status_code == 404
    body = documented(officer.get(f"/api/v1/approvals/{approval['id']}"))["approval"]
    assert (body["reason"], body["case_id"], body["params"]) == ("鉴定未完成", case["id"],
                                                                  {"days": 5, "reason": "鉴定未完成"})
    for bad, field in (({"decision": "maybe"}, "decision"), ({"decision": "reject"}, "reason"),
                       ({"decision": "approve", "changes": {"months": 1}}, "changes.months"),
                       ({"decision": "approve", "changes": {"days": "3"}}, "changes.days")):
        response = supervisor.post(f"/api/v1/approvals/{approval['id']}/decision", json=bad)
        assert response.status_code == 422 and field in response.get_json()["errors"], response.get_json()
    response = supervisor.decide(approval, "reject", reason="理由不充分")
    decided = documented(response)
    assert (decided["approval"]["status"], decided["approval"]["decision_reason"]) == ("rejected", "理由不充分")
    assert decided["case"]["extensions"] == []
    response = supervisor.decide(approval, "approve")
    assert response.status_code == 409 and "rejected" in response.get_json()["message"]


def test_cancel(crew, case_api):
    officer = case_api()
    case = _counterfeit(officer)
    approval = officer.request(case, "extend", days=5, reason="鉴定未完成")
    assert case_api(crew.supervisor).post(f"/api/v1/approvals/{approval['id']}/cancel").status_code == 404
    response = officer.post(f"/api/v1/approvals/{approval['id']}/cancel", json={"version": approval["version"] + 5})
    assert response.status_code == 409 and response.get_json()["current"]["status"] == "pending"
    response = officer.post(f"/api/v1/approvals/{approval['id']}/cancel")
    assert response.status_code == 200 and response.get_json()["approval"]["status"] == "cancelled"
    assert officer.post(f"/api/v1/approvals/{approval['id']}/cancel").status_code == 409
