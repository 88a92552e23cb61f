"""Approvals (审批): an officer asks, a supervisor of the region or above who is not one of the case's officers
decides; nothing changes on the case before; both steps are audited."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from hotline.approvals.models import Approval
from hotline.approvals.operations import act_or_request, cancel_approval, decide_approval, retire_inapplicable
from hotline.approvals.queries import due_items, inbox_items, list_approvals
from hotline.core.errors import NotAllowed, StateError, ValidationFailed
from hotline.core.models import AuditEvent
from hotline.deadlines.calendar import WorkCalendar
from hotline.extensions import db

TODAY = date(2026, 12, 4)  # a Friday: two working days later is Tuesday 12-08


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("hotline.approvals.operations.local_today", lambda: TODAY)


def _audit(object_type, object_id) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == object_type, AuditEvent.object_id == object_id).order_by(AuditEvent.id)))


def _request(case, action, data, actor):
    approval = act_or_request(case, action, data, actor=actor, expected_version=case.version)
    assert isinstance(approval, Approval)
    return approval


def test_an_extension_request_changes_nothing_until_the_supervisor_approves(app, team, attached, build_case):
    with app.app_context():
        case = build_case("filed", filed_on="2015-10-08")
        officer, supervisor = attached(team.officers[0]), attached(team.supervisor)
        due, version = case.close_due_on, case.version
        approval = _request(case, "extend", {"months": 1, "reason": "案情复杂"}, officer)
        db.session.flush()
        assert (approval.status, approval.action, approval.params, approval.reason) == (
            "pending", "extend", {"months": 1, "reason": "案情复杂"}, "案情复杂")
        assert approval.due_on == date(2026, 12, 8)  # 2 working days, the weekend not counted
        assert (case.close_due_on, case.version, case.extensions) == (due, version, [])
        assert _audit("approval", approval.id) == ["request"] and _audit("case", case.id)[-1] == "approval_request"
        decide_approval(approval, "approve", actor=supervisor, reason="同意")
        db.session.flush()
        assert (approval.status, approval.decided_by_id, approval.decision_reason) == (
            "approved", team.supervisor.id, "同意")
        assert case.close_due_on > due
        extensions = [(e.months, e.approved_by_id, e.reason) for e in case.extensions]
        assert extensions == [(1, team.supervisor.id, "案情复杂")]
        assert _audit("approval", approval.id) == ["request", "approve"]
        assert _audit("case", case.id)[-3:] == ["approval_request", "extend", "approval_approve"]
        extend_audit = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.object_id == case.id, AuditEvent.action == "extend")).one()
        assert extend_audit.actor_id == team.supervisor.id  # the decider made it take effect


def test_approve_with_changes_within_the_rules_maximum(app, team, attached, build_case):
    with app.app_context():
        case = build_case("filed", case_type="counterfeit", filed_on="2015-10-08")
        approval = _request(case, "extend", {"days": 15, "reason": "鉴定未完成"}, attached(team.officers[0]))
        db.session.commit()
        with pytest.raises(ValidationFailed) as info:
            decide_approval(approval, "approve", actor=attached(team.supervisor), changes={"days": 16})
        assert "at most 15 days" in info.value.errors["changes.days"][0]
        db.session.rollback()  # as the request does: nothing of the refused decision stays
        approval = db.session.get(Approval, approval.id)
        case, supervisor = approval.case, attached(team.supervisor)
        assert (approval.status, case.extensions) == ("pending", [])
        with pytest.raises(ValidationFailed) as info:
            decide_approval(approval, "approve", actor=supervisor, changes={"fine_amount": "1.00"})
        assert list(info.value.errors) == ["changes.fine_amount"]
        decide_approval(approval, "approve", actor=supervisor, changes={"days": 8})
        assert approval.changes == {"days": [15, 8]} and approval.params["days"] == 15
        assert [e.days for e in case.extensions] == [8]


def test_a_penalty_approved_with_lower_amounts(app, team, attached, build_case):
    with app.app_context():
        case = build_case("filed", case_type="counterfeit", filed_on="2015-10-08")
        approval = _request(case, "close", {"outcome": "penalized", "closed_on": "2015-10-20",
                                            "fine_amount": "20,000", "reason": "情节严重"},
                            attached(team.officers[0]))
        assert approval.action == "close_penalized" and approval.params["fine_amount"] == "20000.00"
        assert approval.reason == "情节严重" and "reason" not in approval.params
        assert case.status == "filed"
        decide_approval(approval, "approve", actor=attached(team.province_supervisor),
                        changes={"fine_amount": "15000"})
        assert (case.status, case.outcome, str(case.fine_amount), case.close_approved_by_id) == (
            "closed", "penalized", "15000.00", team.province_supervisor.id)


def test_reject_needs_a_reason_and_changes_nothing(app, team, attached, build_case):
    with app.app_context():
        case = build_case("closed", case_type="counterfeit", filed_on="2015-10-08", closed_on="2015-10-20")
        approval = _request(case, "publish", {"published_on": "2015-10-22"}, attached(team.officers[0]))
        supervisor = attached(team.supervisor)
        with pytest.raises(ValidationFailed) as info:
            decide_approval(approval, "reject", actor=supervisor, reason="  ")
        assert list(info.value.errors) == ["reason"]
        decide_approval(approval, "reject", actor=supervisor, reason="决定书尚未送达")
        assert (approval.status, approval.decision_reason, case.published_on) == ("rejected", "决定书尚未送达", None)
        with pytest.raises(StateError, match="rejected"):
            decide_approval(approval, "approve", actor=supervisor)
        assert _audit("approval", approval.id) == ["request", "reject"]


@pytest.mark.parametrize("who", ["requester", "case_officer", "officer", "case_officer_supervisor",
                                 "other_supervisor"])
def test_separation_of_duties(app, team, attached, build_case, create_user, who):
    supervisor_officer = create_user("supervisor", "430100")
    with app.app_context():
        case = build_case("filed", filed_on="2015-10-08")
        case.officers = [*case.officers, attached(supervisor_officer)]
        approval = _request(case, "extend", {"months": 1, "reason": "案情复杂"}, attached(team.officers[0]))
        actor = {"requester": team.officers[0], "case_officer": team.officers[1], "officer": team.officers[4],
                 "case_officer_supervisor": supervisor_officer, "other_supervisor": team.other_supervisor}[who]
        with pytest.raises(NotAllowed):
            decide_approval(approval, "approve", actor=attached(actor))
        assert approval.status == "pending" and case.extensions == []


def test_a_supervisor_who_is_a_case_officer_must_request_like_an_officer(app, team, attached, build_case,
                                                                         create_user):
    supervisor_officer = create_user("supervisor", "430100")
    with app.app_context():
        case = build_case("filed", filed_on="2015-10-08")
        case.officers = [*case.officers, attached(supervisor_officer)]
        approval = _request(case, "extend", {"months": 1, "reason": "案情复杂"}, attached(supervisor_officer))
        assert approval.requested_by_id == supervisor_officer.id and case.extensions == []
        # a supervisor who may decide acts directly: recorded as deciding it, no request row
        other = build_case("filed", filed_on="2015-10-08")
        assert act_or_request(other, "extend", {"months": 1}, actor=attached(team.supervisor),
                              expected_version=other.version) is None
        assert [e.approved_by_id for e in other.extensions] == [team.supervisor.id]


def test_the_case_changing_meanwhile_makes_a_request_obsolete_and_deciding_it_409(app, team, attached, build_case):
    with app.app_context():
        case = build_case("filed", case_type="counterfeit", filed_on="2015-10-08")
        officer = attached(team.officers[0])
        approval = _request(case, "extend", {"days": 5, "reason": "案情复杂"}, officer)
        act_or_request(case, "close", {"outcome": "exempted", "closed_on": "2015-10-20"}, actor=officer,
                       expected_version=case.version)
        assert approval.status == "obsolete" and approval.decided_at is not None
        with pytest.raises(StateError, match="obsolete"):
            decide_approval(approval, "approve", actor=attached(team.supervisor))
        # a request that still looks pending but no longer applies: 409 naming the case status
        stale = Approval(case_id=case.id, region_code=case.region_code, action="extend", params={"days": 5},
                         status="pending", requested_by_id=officer.id)
        db.session.add(stale)
        db.session.flush()
        with pytest.raises(StateError, match="'closed'"):
            decide_approval(stale, "approve", actor=attached(team.supervisor))
        assert retire_inapplicable(case, actor=None) == [stale]


def test_requests_are_checked_in_full_and_only_one_at_a_time(app, team, attached, build_case):
    with app.app_context():
        case = build_case("filed", filed_on="2015-10-08")
        officer = attached(team.officers[0])
        with pytest.raises(ValidationFailed) as info:
            _request(case, "extend", {"months": 2}, officer)
        assert set(info.value.errors) == {"months", "reason"}
        with pytest.raises(ValidationFailed) as info:
            _request(case, "close", {"outcome": "penalized", "closed_on": "2015-10-20"}, officer)
        assert "outcome" in info.value.errors  # a dispute is never penalized
        closed = build_case("closed", case_type="counterfeit", filed_on="2015-10-08", outcome="exempted")
        with pytest.raises(StateError, match="penalized"):
            _request(closed, "publish", {"published_on": "2015-10-22"}, officer)
        _request(case, "extend", {"months": 1, "reason": "案情复杂"}, officer)
        with pytest.raises(StateError, match="already pending"):
            _request(case, "extend", {"months": 1, "reason": "再次"}, attached(team.officers[1]))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Approval)) == 1
        assert case.extensions == [] and case.status == "filed"


def test_cancel_by_the_requester_only(app, team, attached, build_case):
    with app.app_context():
        case = build_case("filed", filed_on="2015-10-08")
        approval = _request(case, "extend", {"months": 1, "reason": "案情复杂"}, attached(team.officers[0]))
        with pytest.raises(NotAllowed):
            cancel_approval(approval, actor=attached(team.officers[1]))
        cancel_approval(approval, actor=attached(team.officers[0]))
        assert approval.status == "cancelled"
        with pytest.raises(StateError):
            decide_approval(approval, "approve", actor=attached(team.supervisor))


def test_filing_needs_approval_when_the_office_says_so(app, team, attached, build_case, monkeypatch):
    with app.app_context():
        monkeypatch.setitem(app.config, "FILING_NEEDS_APPROVAL", True)
        officer_ids = [u.id for u in team.officers[:3]]
        direct = build_case("received")  # a supervisor who may decide files at once
        act_or_request(direct, "file", {"filed_on": "2015-10-08", "officer_ids": officer_ids},
                       actor=attached(team.supervisor), expected_version=direct.version)
        case = build_case("received")
        approval = _request(case, "file", {"filed_on": "2015-10-08", "officer_ids": officer_ids},
                            attached(team.officers[0]))
        assert case.status == "received" and case.case_number is None
        decide_approval(approval, "approve", actor=attached(team.supervisor))
        assert case.status == "filed" and case.case_number
        # checking the request took no 案号 (PostgreSQL sequences are not rolled back): the numbers follow on
        number = re.compile(r"第(\d+)号")
        first, second = (int(number.search(c.case_number).group(1)) for c in (direct, case))
        assert second == first + 1
        other = build_case("received")
        with_self = [team.supervisor.id, *officer_ids[:2]]
        # a supervisor filing a case they will work on must ask another supervisor
        assert _request(other, "file", {"filed_on": "2015-10-08", "officer_ids": with_self},
                        attached(team.supervisor)).action == "file"


def test_inbox_and_due_items(app, team, attached, build_case):
    with app.app_context():
        case = build_case("filed", filed_on="2015-10-08")
        approval = _request(case, "extend", {"months": 1, "reason": "案情复杂"}, attached(team.officers[0]))
        db.session.flush()
        cal = WorkCalendar()
        [item] = inbox_items(attached(team.supervisor), date(2026, 12, 9), cal)
        assert (item.kind, item.approval_id, item.case_id, item.due_on, item.overdue, item.working_days_left) == (
            "approval", approval.id, case.id, date(2026, 12, 8), True, -1)
        assert item.url == f"/approvals/{approval.id}" and "Extension request" in item.title
        assert inbox_items(attached(team.province_supervisor), TODAY, cal)[0].working_days_left == 2
        for nobody in (team.officers[0], team.other_supervisor, team.officers[1]):
            assert inbox_items(attached(nobody), TODAY, cal) == []
        assert due_items(attached(team.supervisor), TODAY, cal) == []
        assert [i.approval_id for i in due_items(attached(team.officers[2]), date(2026, 12, 8), cal)] == [approval.id]
        assert due_items(attached(team.other_supervisor), date(2026, 12, 9), cal) == []
        assert [a.id for a in list_approvals(attached(team.supervisor), status="pending")] == [approval.id]
        assert list_approvals(attached(team.other_officer)) == []
