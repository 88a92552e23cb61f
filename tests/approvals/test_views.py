"""The approvals pages: the supervisor's list (waiting for me first), the request's page with what is asked, why
and the case, the approve / approve with changes / reject forms; the case page links its requests."""

from __future__ import annotations

import re
from html import unescape

import pytest

from hotline.approvals.models import Approval
from hotline.extensions import db
from tests.factories import PASSWORD


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def login(app):
    def factory(user):
        client = app.test_client()
        assert client.post("/language/en").status_code == 302
        assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
        return client

    return factory


@pytest.fixture
def pending(app, team, attached, build_case):
    """A counterfeit case of 长沙 and its officer's pending request to extend it by 15 days."""
    from hotline.approvals.operations import act_or_request

    with app.app_context():
        case = build_case("filed", case_type="counterfeit", filed_on="2015-10-08")
        approval = act_or_request(case, "extend", {"days": 15, "reason": "专利权评价报告未出"},
                                  actor=attached(team.officers[0]), expected_version=case.version)
        db.session.commit()
        return approval.id, case.id


def _reload(app, approval_id):
    with app.app_context():
        approval = db.session.get(Approval, approval_id)
        _ = approval.case.extensions
        db.session.expunge_all()
        return approval


def test_supervisor_approves_with_changes_on_the_page(app, team, login, pending):
    approval_id, case_id = pending
    supervisor = login(team.supervisor)
    page = text(supervisor.get("/approvals"))
    mine = page.split("Waiting for your decision", 1)[1].split("Other requests", 1)[0]
    assert f"/approvals/{approval_id}" in mine and "Extension request" in mine
    page = text(supervisor.get(f"/approvals/{approval_id}"))
    assert "专利权评价报告未出" in page and 'name="days"' in page and 'value="15"' in page
    assert 'name="viewport"' in page  # phone-sized like every page
    version = int(re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1))
    response = supervisor.post(f"/approvals/{approval_id}/decision",
                               data={"version": version, "decision": "approve", "days": "20"})
    assert response.status_code == 422 and "at most 15 days" in text(response)
    response = supervisor.post(f"/approvals/{approval_id}/decision",
                               data={"version": version, "decision": "approve", "days": "10"})
    assert response.status_code == 302
    approval = _reload(app, approval_id)
    assert approval.status == "approved" and approval.changes == {"days": [15, 10]}
    assert [e.days for e in approval.case.extensions] == [10]
    case_page = text(supervisor.get(f"/cases/{case_id}"))
    assert f"/approvals/{approval_id}" in case_page and "Approved" in case_page


def test_reject_needs_a_reason_and_the_requester_sees_it(app, team, login, pending):
    approval_id, case_id = pending
    supervisor = login(team.supervisor)
    response = supervisor.post(f"/approvals/{approval_id}/decision", data={"version": 1, "decision": "reject"})
    assert response.status_code == 422 and "Give the reason for the rejection" in text(response)
    assert supervisor.post(f"/approvals/{approval_id}/decision", data={
        "version": 1, "decision": "reject", "reason": "材料不全"}).status_code == 302
    officer = login(team.officers[0])
    case_page = text(officer.get(f"/cases/{case_id}"))
    assert "Rejected" in case_page and "材料不全" in case_page
    assert _reload(app, approval_id).case.extensions == []


def test_the_requester_and_the_case_officers_cannot_decide_on_the_page(app, team, login, pending):
    approval_id, _case_id = pending
    for user in (team.officers[0], team.officers[1]):
        client = login(user)
        page = text(client.get(f"/approvals/{approval_id}"))
        assert 'id="decide"' not in page
        assert client.post(f"/approvals/{approval_id}/decision",
                           data={"version": 1, "decision": "approve"}).status_code == 403
    assert login(team.other_supervisor).get(f"/approvals/{approval_id}").status_code == 404
    assert _reload(app, approval_id).status == "pending"


def test_the_requester_cancels(app, team, login, pending):
    approval_id, _case_id = pending
    officer = login(team.officers[0])
    assert "Cancel my request" in text(officer.get(f"/approvals/{approval_id}"))
    assert officer.post(f"/approvals/{approval_id}/cancel").status_code == 302
    assert _reload(app, approval_id).status == "cancelled"


WEB_BOUND = {
    "extend": {"extend-days": "5", "extend-reason": "鉴定未完成"},
    "close": {"close-outcome": "penalized", "close-closed_on": "2015-10-20", "close-fine_amount": "5000"},
    "publish": {"publish-published_on": "2015-10-22"},
    "withdraw": {"withdraw-on": "2015-10-23", "withdraw-reason": "行政复议决定撤销"},
}


@pytest.mark.parametrize("action", list(WEB_BOUND))
def test_the_officer_alone_cannot_make_an_approval_bound_action_take_effect_on_the_page(
        app, team, attached, build_case, login, action):
    from hotline.cases.models import Case
    from hotline.cases.operations import perform_action

    with app.app_context():
        case = build_case("filed", case_type="counterfeit", filed_on="2015-10-08")
        supervisor = attached(team.supervisor)
        if action in ("publish", "withdraw"):
            perform_action(case, "close", {"outcome": "penalized", "closed_on": "2015-10-20", "fine_amount": "1.00"},
                           actor=supervisor, expected_version=case.version)
        if action == "withdraw":
            perform_action(case, "publish", {"published_on": "2015-10-22"}, actor=supervisor,
                           expected_version=case.version)
        db.session.commit()
        case_id, version = case.id, case.version
    officer = login(team.officers[0])
    page = text(officer.get(f"/cases/{case_id}"))
    form = page.split(f'id="action-{action}"', 1)[1].split("</form>", 1)[0]
    assert "approved_by_id" not in form
    data = {f"{action}-version": version, **WEB_BOUND[action]}
    for _attempt in range(2):  # a second submit is refused while the first request is pending
        response = officer.post(f"/cases/{case_id}/actions/{action}", data=data)
    assert response.status_code == 409 and "already pending" in text(response)
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.version == version
        [approval] = db.session.query(Approval).filter_by(case_id=case_id).all()
        assert (approval.status, approval.requested_by_id) == ("pending", team.officers[0].id)
