"""Case operations (no HTTP): create, open from a call, the workflow actions, their rules, audit and locking."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from hotline.accounts.models import User
from hotline.calls.models import Call
from hotline.cases.models import Case, CaseEvent, CaseExtension, CaseSuspension
from hotline.cases.operations import MAX_MONEY, create_case, open_case_from_call, perform_action
from hotline.core.clock import local_today
from hotline.core.errors import NotAllowed, StaleVersion, StateError, ValidationFailed
from hotline.core.models import AuditEvent
from hotline.deadlines.calendar import invalidate_calendar_cache
from hotline.deadlines.models import CalendarDay
from hotline.extensions import db

from .conftest import OTHER_REGION, REGION

D = date.fromisoformat
DEADLINE_TODAY = date(2016, 6, 1)
STATUSES = ("received", "not_accepted", "filed", "suspended", "closed")
ALLOWED = {
    "file": {"received"},
    "reject": {"received"},
    "suspend": {"filed"},
    "resume": {"suspended"},
    "extend": {"filed", "suspended"},
    "close": {"filed"},
    "publish": {"closed"},
}
TIMELINE_KIND = {"file": "filed", "reject": "rejected", "suspend": "suspended", "resume": "resumed",
                 "extend": "extended", "close": "closed", "publish": "publication"}
SNAPSHOT_FIELDS = ("status", "version", "case_number", "filed_on", "rejected_on", "reject_reason", "suspended_on",
                   "closed_on", "outcome", "fine_amount", "confiscated_amount", "close_approved_by_id", "published_on",
                   "publish_approved_by_id", "file_due_on", "close_due_on", "publish_due_on", "next_due_on",
                   "judicial_confirmation", "transferred_judicial")


@pytest.fixture(autouse=True)
def _fixed_deadline_today(monkeypatch):
    """The engine's "today" (how long an ongoing suspension has held the clock) is pinned, so the stored deadlines
    of suspended cases do not depend on the day the suite runs (nor run past the seeded calendar, 2026)."""
    from hotline.deadlines import engine

    monkeypatch.setattr(engine, "local_today", lambda: DEADLINE_TODAY)


def act(case, action, data, actor):
    """Run ``action`` as ``actor``; ``"_decider": user_id`` in ``data`` names the supervisor whose decided approval
    applies it (as ``decide_approval`` does), for actions that need one."""
    data = dict(data)
    decider = data.pop("_decider", None)
    approver = db.session.get(User, decider) if decider is not None else None
    perform_action(case, action, data, actor=actor, expected_version=case.version, approver=approver)


def audits(case_id, action=None) -> list[AuditEvent]:
    stmt = sa.select(AuditEvent).where(AuditEvent.object_type == "case", AuditEvent.object_id == case_id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


def timeline(case_id) -> list[CaseEvent]:
    return list(db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))


def snapshot(case) -> dict:
    """What a refused action must not change. Flushes first, so changes pending from the previous operation do
    not count against the refused one."""
    db.session.flush()
    state = {f: getattr(case, f) for f in SNAPSHOT_FIELDS}
    state["officers"] = sorted(u.id for u in case.officers)
    state["suspensions"] = [(s.suspended_on, s.resumed_on) for s in case.suspensions]
    state["extensions"] = [(e.months, e.days) for e in case.extensions]
    state["audits"] = len(audits(case.id))
    state["timeline"] = len(timeline(case.id))
    return state


def reload(case) -> Case:
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Case, case.id)


@pytest.fixture
def officer(team, attached):
    """The acting officer, attached to the current session (call inside an app context)."""
    return lambda: attached(team.officers[0])


def valid_data(action, case, team) -> dict:
    """Data that passes validation for ``action`` on ``case`` (a counterfeit case unless noted)."""
    on = (case.closed_on or case.suspended_on or case.filed_on or case.received_on).isoformat()
    count = 2 if case.case_type == "counterfeit" else 3
    return {
        "file": {"filed_on": on, "officer_ids": [u.id for u in team.officers[:count]]},
        "reject": {"on": on, "reason": "不符合立案条件"},
        "suspend": {"on": on, "reason": "被请求人已提出无效宣告请求"},
        "resume": {"on": on},
        "extend": ({"days": 10} if case.case_type == "counterfeit" else {"months": 1})
        | {"_decider": team.supervisor.id, "reason": "案情复杂"},
        "close": {"outcome": "penalized", "closed_on": on, "_decider": team.supervisor.id,
                  "fine_amount": "5000.00"} if case.case_type == "counterfeit" else {"outcome": "mediated",
                                                                                    "closed_on": on},
        "publish": {"published_on": on, "_decider": team.supervisor.id, "url": "https://amr.hunan.gov.cn/x"},
    }[action]


# Creation ---------------------------------------------------------------------------------------------------------


def test_create_case_stores_values_deadlines_and_audits(app, team, officer, case_data):
    with app.app_context():
        case = create_case(case_data(patent_number="ZL201420123456.2"), actor=officer())
        case_id = case.id
        assert case.status == "received"
        assert case.rule_set_code == "2015"
        assert (case.file_due_on, case.next_due_on) == (D("2015-10-13"), D("2015-10-13"))
        assert case.close_due_on is None and case.publish_due_on is None
        assert case.created_by_id == team.officers[0].id
        assert case.patent_type == "utility_model"
        [audit] = audits(case_id)
        assert audit.action == "create"
        assert audit.actor_id == team.officers[0].id
        assert audit.region_code == REGION
        assert audit.changes["case_type"] == [None, "infringement_dispute"]
        assert audit.changes["amount_involved"] == [None, "12500.00"]
        case = reload(case)
        assert case.amount_involved == Decimal("12500.00")
        assert str(case.amount_involved) == "12500.00"
        assert case.received_on == D("2015-09-30")
        assert timeline(case_id) == []


@pytest.mark.parametrize(("source", "due_on"), [("hotline_call", "2015-10-20"), ("request", "2015-10-20"),
                                                ("referral", "2015-10-20"), ("inspection", "2015-10-13"),
                                                ("exhibition", "2015-10-13"), ("ecommerce", "2015-10-13")])
def test_counterfeit_filing_deadline_by_source(app, officer, case_data, source, due_on):
    with app.app_context():
        case = create_case(case_data(case_type="counterfeit", source=source), actor=officer())
        assert case.file_due_on == D(due_on)


def test_rule_set_follows_the_receipt_date(app, officer, case_data):
    with app.app_context():
        assert create_case(case_data(received_on="2015-06-30"), actor=officer()).rule_set_code == "2011"
        assert create_case(case_data(received_on="2015-07-01"), actor=officer()).rule_set_code == "2015"


@pytest.mark.parametrize(("overrides", "field"), [
    ({"case_type": "trademark"}, "case_type"),
    ({"region_code": "430000"}, "region_code"),   # the province itself is not a case region
    ({"region_code": OTHER_REGION}, "region_code"),  # not the officer's region
    ({"region_code": "999999"}, "region_code"),
    ({"received_on": "2015-02-30"}, "received_on"),
    ({"received_on": "2011-01-31"}, "received_on"),  # no rule set in force yet
    ({"received_on": None}, "received_on"),
    ({"source": "rumour"}, "source"),
    ({"summary": "  "}, "summary"),
    ({"amount_involved": "-1.00"}, "amount_involved"),
    ({"amount_involved": 12500.5}, "amount_involved"),
    ({"amount_involved": "12500.001"}, "amount_involved"),
    ({"amount_involved": "lots"}, "amount_involved"),
    ({"amount_involved": "NaN"}, "amount_involved"),
    ({"amount_involved": "1000000000000.00"}, "amount_involved"),
    ({"is_major": "yes"}, "is_major"),
    ({"patent_number": "not a patent"}, "patent_number"),
])
def test_create_case_refuses_bad_input(app, officer, case_data, overrides, field):
    with app.app_context():
        with pytest.raises(ValidationFailed) as info:
            create_case(case_data(**overrides), actor=officer())
        assert field in info.value.errors
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_create_case_refuses_a_future_receipt_date(app, officer, case_data):
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    with app.app_context(), pytest.raises(ValidationFailed) as info:
        create_case(case_data(received_on=tomorrow), actor=officer())
    assert "received_on" in info.value.errors


@pytest.mark.parametrize(("value", "stored"), [("12500.00", "12500.00"), ("12500", "12500.00"), (12500, "12500.00"),
                                               ("0.5", "0.50"), (str(MAX_MONEY), str(MAX_MONEY))])
def test_money_is_stored_exactly(app, officer, case_data, value, stored):
    with app.app_context():
        case = reload(create_case(case_data(amount_involved=value), actor=officer()))
        assert case.amount_involved == Decimal(stored)
        assert str(case.amount_involved) == stored


def test_an_operator_cannot_open_a_case_without_a_call(app, team, attached, case_data):
    with app.app_context(), pytest.raises(NotAllowed):
        create_case(case_data(), actor=attached(team.operator))


def test_province_officer_may_open_a_case_for_a_region(app, create_user, attached, case_data):
    province_officer = create_user("officer", "430000")
    with app.app_context():
        assert create_case(case_data(), actor=attached(province_officer)).region_code == REGION


def test_missing_calendar_year_leaves_stored_deadlines_empty(app, officer, case_data):
    with app.app_context():
        db.session.delete(db.session.get(CalendarDay, D("2015-12-25")))
        db.session.flush()
        invalidate_calendar_cache()
        case = create_case(case_data(), actor=officer())
        assert case.file_due_on is None and case.next_due_on is None
        db.session.rollback()


# Opening a case from a call ---------------------------------------------------------------------------------------


def test_open_case_from_call_links_both_ways(app, team, attached, create_call):
    call = create_call(received_at=datetime(2015, 9, 29, 16, 5, tzinfo=UTC), request_type="report",
                       region_code=REGION, accused_party="株洲某某机械厂")
    with app.app_context():
        call_row = db.session.get(Call, call.id)
        operator = attached(team.operator)
        case = open_case_from_call(call_row, {}, actor=operator, expected_version=call_row.version)
        assert case.call_id == call.id
        assert call_row.cases == [case]
        assert call_row.status == "case_opened"
        assert (case.case_type, case.source, case.region_code) == ("counterfeit", "hotline_call", REGION)
        assert case.received_on == D("2015-09-30")  # Beijing date of the call
        assert case.respondent_name == "株洲某某机械厂"
        assert case.file_due_on == D("2015-10-20")  # a report: 10 working days
        [call_audit] = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.object_type == "call", AuditEvent.object_id == call.id,
            AuditEvent.action == "case_opened")).all()
        assert call_audit.changes["case_id"] == [None, case.id]
        assert call_audit.changes["status"][1] == "case_opened"
        assert [a.action for a in audits(case.id)] == ["create"]
        db.session.commit()

        with pytest.raises(StateError, match="case_opened"):
            open_case_from_call(call_row, {}, actor=operator, expected_version=call_row.version)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 1


def test_open_case_from_call_with_overrides_and_stale_version(app, team, attached, create_call):
    call = create_call(received_at=datetime(2015, 9, 30, 2, 30, tzinfo=UTC), request_type="complaint",
                       region_code=REGION)
    with app.app_context():
        call_row = db.session.get(Call, call.id)
        with pytest.raises(StaleVersion):
            open_case_from_call(call_row, {}, actor=attached(team.officers[0]), expected_version=call_row.version - 1)
        assert call_row.status == "open"
        case = open_case_from_call(call_row, {"case_type": "other_dispute", "amount_involved": "300.00"},
                                   actor=attached(team.officers[0]), expected_version=call_row.version)
        assert (case.case_type, case.amount_involved) == ("other_dispute", Decimal("300.00"))


# The action matrix ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("action", "status"),
                         [(a, s) for a in ALLOWED for s in STATUSES if s not in ALLOWED[a]])
def test_action_refused_in_status(app, team, officer, build_case, action, status):
    with app.app_context():
        case = build_case(status, case_type="counterfeit", received_on="2015-09-30", filed_on="2015-10-08",
                          closed_on="2015-10-09", suspended_on="2015-10-09" if status == "suspended" else None)
        before = snapshot(case)
        with pytest.raises(StateError) as info:
            act(case, action, valid_data(action, case, team), officer())
        assert f"'{status}'" in info.value.message
        assert snapshot(case) == before


@pytest.mark.parametrize(("action", "status"), [(a, s) for a in ALLOWED for s in sorted(ALLOWED[a])])
def test_action_allowed_writes_one_audit_one_timeline_event_and_bumps_the_version(
        app, team, officer, build_case, action, status):
    with app.app_context():
        case = build_case(status, case_type="counterfeit", received_on="2015-09-30", filed_on="2015-10-08",
                          closed_on="2015-10-09", suspended_on="2015-10-09" if status == "suspended" else None)
        db.session.flush()
        version = case.version
        n_audits, n_events = len(audits(case.id)), len(timeline(case.id))
        act(case, action, valid_data(action, case, team), officer())
        db.session.flush()
        new_audits = audits(case.id)[n_audits:]
        new_events = timeline(case.id)[n_events:]
        assert [a.action for a in new_audits] == [action]
        assert new_audits[0].actor_id == team.officers[0].id
        assert [e.kind for e in new_events] == [TIMELINE_KIND[action]]
        assert new_events[0].author_id == team.officers[0].id
        assert case.version > version
        db.session.commit()


def test_unknown_action(app, officer, build_case):
    with app.app_context():
        case = build_case()
        with pytest.raises(ValidationFailed) as info:
            act(case, "delete", {}, officer())
        assert "action" in info.value.errors


@pytest.mark.parametrize("action", list(ALLOWED))
def test_an_operator_may_not_act_on_cases(app, team, attached, build_case, action):
    with app.app_context():
        case = build_case("filed")
        before = snapshot(case)
        with pytest.raises(NotAllowed):
            act(case, action, valid_data(action, case, team), attached(team.operator))
        assert snapshot(case) == before


def test_supervisor_may_act(app, team, attached, build_case):
    with app.app_context():
        case = build_case()
        act(case, "file", valid_data("file", case, team), attached(team.supervisor))
        assert case.status == "filed"


# Optimistic locking -----------------------------------------------------------------------------------------------


def test_stale_version_is_refused(app, team, officer, build_case):
    with app.app_context():
        case = build_case()
        before = snapshot(case)
        current = case.version
        with pytest.raises(StaleVersion) as info:
            perform_action(case, "file", valid_data("file", case, team), actor=officer(), expected_version=current - 1)
        assert info.value.current is case
        assert str(current) in info.value.message
        assert snapshot(case) == before
        for bad in (None, "abc", [current]):
            with pytest.raises(ValidationFailed) as info:
                perform_action(case, "file", valid_data("file", case, team), actor=officer(), expected_version=bad)
            assert "version" in info.value.errors
        assert snapshot(case) == before
        perform_action(case, "file", valid_data("file", case, team), actor=officer(), expected_version=str(current))
        assert case.status == "filed"
        db.session.flush()
        assert case.version > current
        with pytest.raises(StaleVersion):
            perform_action(case, "suspend", valid_data("suspend", case, team), actor=officer(),
                           expected_version=current)
        assert case.status == "filed"


def test_version_increases_with_every_action_of_the_workflow(app, team, officer, build_case):
    with app.app_context():
        case = build_case(case_type="counterfeit", received_on="2015-09-30")
        db.session.flush()
        versions = [case.version]
        for action in ("file", "suspend", "resume", "extend", "close", "publish"):
            act(case, action, valid_data(action, case, team), officer())
            db.session.flush()
            versions.append(case.version)
        assert versions == sorted(set(versions))  # strictly increasing
        assert reload(case).version == versions[-1]
        assert [a.action for a in audits(case.id)] == ["create", "file", "suspend", "resume", "extend", "close",
                                                       "publish"]
        assert [e.kind for e in timeline(case.id)] == ["filed", "suspended", "resumed", "extended", "closed",
                                                       "publication"]


def test_a_stale_editor_loses_to_the_first_action(app, team, officer, build_case):
    """Two officers load the same version: the second action is refused, whichever action it is."""
    with app.app_context():
        case = build_case("filed", received_on="2015-07-16", filed_on="2015-07-20")
        db.session.commit()
        loaded_version = case.version
        act(case, "suspend", {"on": "2015-08-03", "reason": "中止"}, officer())
        db.session.commit()
        with pytest.raises(StaleVersion):
            perform_action(case, "close", {"outcome": "mediated", "closed_on": "2015-08-03"}, actor=officer(),
                           expected_version=loaded_version)


def test_extension_bumps_the_version_even_when_the_due_date_does_not_move(app, team, officer, build_case):
    with app.app_context():
        # counterfeit filed 2015-09-17: 1 month → 10-17 (Sat) → 10-19; +1 day → 10-18 (Sun) → still 10-19
        case = build_case("filed", case_type="counterfeit", received_on="2015-09-15", filed_on="2015-09-17")
        db.session.commit()
        assert case.close_due_on == D("2015-10-19")
        version = case.version
        act(case, "extend", {"days": 1, "_decider": team.supervisor.id}, officer())
        db.session.commit()
        case = db.session.get(Case, case.id)
        assert case.close_due_on == D("2015-10-19")
        assert len(case.extensions) == 1
        assert case.version > version


def _operations(team):
    """(name, status to build, callable(case, actor)) for every operation; the callable returns the case."""
    def action(name):
        return lambda case, actor: (act(case, name, valid_data(name, case, team), actor), case)[1]

    def create(case, actor):
        from .conftest import REGION as region

        return create_case({"case_type": "counterfeit", "region_code": region, "received_on": "2015-09-30",
                            "summary": "巡查发现假冒专利标识"}, actor=actor)

    return {"create": ("received", create), **{name: (next(iter(sorted(ALLOWED[name]))), action(name))
                                              for name in ALLOWED}}




@pytest.mark.parametrize("name", [
    pytest.param(n) for n in ["create", *ALLOWED]])
def test_an_operation_returns_with_its_changes_flushed(app, team, officer, build_case, name):
    """operations.py: every operation 'validates, mutates, recomputes the stored deadlines, flushes and writes its
    audit event'. What the caller reads after it (case.version for an ETag, the stored deadlines) is what the
    commit stores."""
    with app.app_context():
        status, run = _operations(team)[name]
        case = build_case(status, case_type="counterfeit", received_on="2015-09-30", filed_on="2015-10-08",
                          closed_on="2015-10-09", suspended_on="2015-10-09" if status == "suspended" else None)
        db.session.commit()
        case = run(case, officer())
        seen = {"version": case.version, "next_due_on": case.next_due_on, "close_due_on": case.close_due_on}
        db.session.commit()
        case = db.session.get(Case, case.id)
        assert {"version": case.version, "next_due_on": case.next_due_on, "close_due_on": case.close_due_on} == seen


# Filing -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("case_type", "count", "ok"), [
    ("infringement_dispute", 1, False), ("infringement_dispute", 2, False), ("infringement_dispute", 3, True),
    ("infringement_dispute", 4, False), ("infringement_dispute", 5, True), ("other_dispute", 2, False),
    ("other_dispute", 3, True), ("counterfeit", 0, False), ("counterfeit", 1, False), ("counterfeit", 2, True),
    ("counterfeit", 3, True),
])
def test_officer_count_rules(app, team, officer, build_case, case_type, count, ok):
    with app.app_context():
        case = build_case(case_type=case_type)
        before = snapshot(case)
        data = {"filed_on": "2015-10-08", "officer_ids": [u.id for u in team.officers[:count]]}
        if ok:
            act(case, "file", data, officer())
            assert sorted(u.id for u in case.officers) == data["officer_ids"]
            assert case.status == "filed"
        else:
            with pytest.raises(ValidationFailed) as info:
                act(case, "file", data, officer())
            assert list(info.value.errors) == ["officer_ids"]
            assert snapshot(case) == before


@pytest.mark.parametrize("outsider", ["other_officer", "inactive_officer", "operator", "other_supervisor"])
def test_officers_must_be_active_officers_of_the_region(app, team, officer, build_case, outsider):
    with app.app_context():
        case = build_case()
        before = snapshot(case)
        ids = [team.officers[0].id, team.officers[1].id, getattr(team, outsider).id]
        with pytest.raises(ValidationFailed) as info:
            act(case, "file", {"filed_on": "2015-10-08", "officer_ids": ids}, officer())
        assert "officer_ids" in info.value.errors
        assert snapshot(case) == before


@pytest.mark.parametrize("ids", ["1,2,3", [1, "2", 3], [True, 2, 3], None, [10_000, 10_001, 10_002]])
def test_officer_ids_must_be_ids_of_users(app, officer, build_case, ids):
    with app.app_context():
        case = build_case()
        with pytest.raises(ValidationFailed) as info:
            act(case, "file", {"filed_on": "2015-10-08", "officer_ids": ids}, officer())
        assert "officer_ids" in info.value.errors
        assert case.status == "received"


def test_province_supervisor_may_be_a_case_officer(app, team, officer, build_case):
    with app.app_context():
        case = build_case()
        act(case, "file", {"filed_on": "2015-10-08", "officer_ids": [
            team.officers[0].id, team.officers[1].id, team.province_supervisor.id]}, officer())
        assert case.status == "filed"


def test_filing_sets_number_date_officers_and_deadlines(app, team, officer, build_case):
    with app.app_context():
        case = build_case(received_on="2015-07-28")
        act(case, "file", {"filed_on": "2015-07-31", "officer_ids": [u.id for u in team.officers[:3]]}, officer())
        assert case.case_number == "湘知执字〔2015〕第1号"
        assert case.filed_on == D("2015-07-31")
        assert case.file_due_on == D("2015-08-04")
        assert case.close_due_on == D("2015-11-02")  # 10-31 is a Saturday
        assert case.next_due_on == D("2015-11-02")  # the filing deadline is met
        [audit] = audits(case.id, "file")
        assert audit.changes["case_number"] == [None, "湘知执字〔2015〕第1号"]
        old, new = audit.changes["officer_ids"]
        assert (old, sorted(new)) == (None, [u.id for u in team.officers[:3]])
        assert reload(case).case_number == "湘知执字〔2015〕第1号"


def test_case_numbers_are_unique_and_increase_per_year(app, team, officer, build_case):
    with app.app_context():
        numbers = []
        for filed_on in ("2015-10-08", "2015-10-09", "2016-01-05", "2015-12-31", "2016-01-06"):
            case = build_case("filed", received_on="2015-10-08", filed_on=filed_on)
            numbers.append(case.case_number)
        db.session.commit()
    assert numbers == ["湘知执字〔2015〕第1号", "湘知执字〔2015〕第2号", "湘知执字〔2016〕第1号",
                       "湘知执字〔2015〕第3号", "湘知执字〔2016〕第2号"]


def test_refused_filing_does_not_use_up_a_case_number(app, team, officer, build_case):
    with app.app_context():
        case = build_case()
        with pytest.raises(ValidationFailed):
            act(case, "file", {"filed_on": "2015-10-08", "officer_ids": [team.officers[0].id]}, officer())
        act(case, "file", {"filed_on": "2015-10-08", "officer_ids": [u.id for u in team.officers[:3]]}, officer())
        assert case.case_number == "湘知执字〔2015〕第1号"


@pytest.mark.parametrize(("filed_on", "field"), [("2015-09-29", "filed_on"), (None, "filed_on"),
                                                 ("2015/10/08", "filed_on"), ("tomorrow", "filed_on")])
def test_filing_date_rules(app, team, officer, build_case, filed_on, field):
    if filed_on == "tomorrow":
        filed_on = (local_today() + timedelta(days=1)).isoformat()
    with app.app_context():
        case = build_case(received_on="2015-09-30")
        before = snapshot(case)
        with pytest.raises(ValidationFailed) as info:
            act(case, "file", {"filed_on": filed_on, "officer_ids": [u.id for u in team.officers[:3]]}, officer())
        assert field in info.value.errors
        assert snapshot(case) == before


def test_filing_on_the_receipt_day_is_fine(app, team, officer, build_case):
    with app.app_context():
        case = build_case("filed", received_on="2015-09-30", filed_on="2015-09-30")
        assert case.filed_on == case.received_on


# Rejection --------------------------------------------------------------------------------------------------------


def test_rejection(app, team, officer, build_case):
    with app.app_context():
        case = build_case(received_on="2015-09-30")
        with pytest.raises(ValidationFailed) as info:
            act(case, "reject", {"on": "2015-10-08"}, officer())
        assert "reason" in info.value.errors
        with pytest.raises(ValidationFailed) as info:
            act(case, "reject", {"on": "2015-09-29", "reason": "x"}, officer())
        assert "on" in info.value.errors
        act(case, "reject", {"on": "2015-10-14", "reason": "不属于本局管辖"}, officer())
        assert (case.status, case.rejected_on) == ("not_accepted", D("2015-10-14"))
        assert case.reject_reason == "不属于本局管辖"
        assert case.case_number is None
        assert case.file_due_on == D("2015-10-13")
        assert case.next_due_on is None
        [audit] = audits(case.id, "reject")
        assert audit.note == "不属于本局管辖"
        assert reload(case).status == "not_accepted"


# Suspension -------------------------------------------------------------------------------------------------------


def test_suspend_and_resume_move_the_close_deadline(app, team, officer, build_case):
    with app.app_context():
        case = build_case("filed", received_on="2015-07-16", filed_on="2015-07-20")
        assert case.close_due_on == D("2015-10-20")
        act(case, "suspend", {"on": "2015-08-03", "reason": "被请求人已提出无效宣告请求"}, officer())
        assert (case.status, case.suspended_on) == ("suspended", D("2015-08-03"))
        assert case.next_due_on is None  # the clock is held
        # shown as if resumed "today" (pinned to 2016-06-01): 10-20 + 303 days held
        assert case.close_due_on == D("2016-08-18")
        act(case, "resume", {"on": "2015-08-07"}, officer())
        assert (case.status, case.suspended_on) == ("filed", None)
        # 10-20 + 4 days = 10-24, a Saturday → 10-26
        assert case.close_due_on == case.next_due_on == D("2015-10-26")
        [audit] = audits(case.id, "resume")
        assert audit.changes["suspended_days"] == [None, 4]
        case = reload(case)
        assert [(s.suspended_on, s.resumed_on, s.days) for s in case.suspensions] == [
            (D("2015-08-03"), D("2015-08-07"), 4)]


@pytest.mark.parametrize(("data", "field"), [
    ({"on": "2015-07-19", "reason": "x"}, "on"),     # before filing
    ({"on": "2015-08-03"}, "reason"),
    ({"on": None, "reason": "x"}, "on"),
])
def test_suspension_refused(app, officer, build_case, data, field):
    with app.app_context():
        case = build_case("filed", received_on="2015-07-16", filed_on="2015-07-20")
        before = snapshot(case)
        with pytest.raises(ValidationFailed) as info:
            act(case, "suspend", data, officer())
        assert field in info.value.errors
        assert snapshot(case) == before


def test_resume_cannot_predate_the_suspension_and_suspend_cannot_predate_the_last_resumption(
        app, officer, build_case):
    with app.app_context():
        case = build_case("suspended", received_on="2015-07-16", filed_on="2015-07-20", suspended_on="2015-08-03")
        before = snapshot(case)
        with pytest.raises(ValidationFailed) as info:
            act(case, "resume", {"on": "2015-08-02"}, officer())
        assert "on" in info.value.errors
        assert snapshot(case) == before
        act(case, "resume", {"on": "2015-08-07"}, officer())
        before = snapshot(case)
        with pytest.raises(ValidationFailed) as info:
            act(case, "suspend", {"on": "2015-08-06", "reason": "x"}, officer())
        assert "on" in info.value.errors
        assert snapshot(case) == before
        act(case, "suspend", {"on": "2015-08-07", "reason": "再次中止"}, officer())
        assert len(case.suspensions) == 2


def test_a_suspended_case_cannot_be_closed(app, team, officer, build_case):
    with app.app_context():
        case = build_case("suspended", suspended_on="2015-10-09")
        with pytest.raises(StateError, match="'suspended'"):
            act(case, "close", {"outcome": "mediated", "closed_on": "2015-10-09"}, officer())


# Extension --------------------------------------------------------------------------------------------------------


def test_dispute_extension_of_one_month_and_no_more(app, team, officer, build_case):
    with app.app_context():
        case = build_case("filed", received_on="2015-07-16", filed_on="2015-07-20")
        before = snapshot(case)
        with pytest.raises(ValidationFailed) as info:
            act(case, "extend", {"months": 2, "_decider": team.supervisor.id}, officer())
        assert "months" in info.value.errors
        with pytest.raises(ValidationFailed) as info:
            act(case, "extend", {"days": 10, "_decider": team.supervisor.id}, officer())
        assert "months" in info.value.errors
        assert snapshot(case) == before
        act(case, "extend", {"months": 1, "_decider": team.supervisor.id, "reason": "案情复杂"}, officer())
        assert case.close_due_on == D("2015-11-20")
        [audit] = audits(case.id, "extend")
        assert audit.changes["close_due_on"] == ["2015-10-20", "2015-11-20"]
        assert audit.changes["approved_by_id"] == [None, team.supervisor.id]
        before = snapshot(case)
        with pytest.raises(ValidationFailed) as info:
            act(case, "extend", {"months": 1, "_decider": team.supervisor.id}, officer())
        assert "months" in info.value.errors
        assert snapshot(case) == before
        extension = reload(case).extensions[0]
        assert (extension.months, extension.days, extension.approved_by_id) == (1, 0, team.supervisor.id)
        assert extension.approved_on == local_today()


def test_counterfeit_extension_up_to_15_days_in_parts(app, team, officer, build_case):
    with app.app_context():
        case = build_case("filed", case_type="counterfeit", received_on="2015-10-08", filed_on="2015-10-08")
        assert case.close_due_on == D("2015-11-09")  # 11-08 is a Sunday
        with pytest.raises(ValidationFailed):
            act(case, "extend", {"days": 16, "_decider": team.supervisor.id}, officer())
        with pytest.raises(ValidationFailed):
            act(case, "extend", {"months": 1, "_decider": team.supervisor.id}, officer())
        act(case, "extend", {"days": 10, "_decider": team.supervisor.id}, officer())
        assert case.close_due_on == D("2015-11-18")
        act(case, "extend", {"days": 5, "_decider": team.supervisor.id}, officer())
        assert case.close_due_on == D("2015-11-23")
        before = snapshot(case)
        with pytest.raises(ValidationFailed) as info:
            act(case, "extend", {"days": 1, "_decider": team.supervisor.id}, officer())
        assert "15" in info.value.errors["months"][0]
        assert snapshot(case) == before


@pytest.mark.parametrize("data", [{"months": 0}, {"months": -1}, {"months": "1"}, {"months": True}, {}])
def test_extension_refused(app, team, officer, build_case, data):
    with app.app_context():
        case = build_case("filed", received_on="2015-07-16", filed_on="2015-07-20")
        before = snapshot(case)
        with pytest.raises(ValidationFailed) as info:
            act(case, "extend", data | {"_decider": team.supervisor.id}, officer())
        assert set(info.value.errors) == {"months"}
        assert snapshot(case) == before


@pytest.mark.parametrize("decider", [None, "officer", "case_officer_supervisor", "other_supervisor"])
def test_an_extension_takes_effect_only_with_a_supervisor_who_may_decide_it(
        app, team, officer, attached, build_case, create_user, decider):
    """The officer alone, another officer, a supervisor who works on the case, another region's supervisor: 403,
    nothing changes."""
    supervisor_officer = create_user("supervisor", REGION)
    with app.app_context():
        case = build_case("filed", received_on="2015-07-16", filed_on="2015-07-20")
        case.officers = [*case.officers, attached(supervisor_officer)]
        before = snapshot(case)
        ids = {"officer": team.officers[1].id, "case_officer_supervisor": supervisor_officer.id,
               "other_supervisor": team.other_supervisor.id}
        data = {"months": 1} | ({"_decider": ids[decider]} if decider else {})
        with pytest.raises(NotAllowed):
            act(case, "extend", data, officer())
        with pytest.raises(NotAllowed):  # acting themselves changes nothing either
            act(case, "extend", {"months": 1}, attached(supervisor_officer))
        assert snapshot(case) == before


@pytest.mark.parametrize("action", ["extend", "close", "publish", "withdraw"])
def test_approved_by_id_is_retired(app, team, officer, build_case, action):
    with app.app_context():
        case = build_case("filed", received_on="2015-07-16", filed_on="2015-07-20")
        before = snapshot(case)
        with pytest.raises(ValidationFailed) as info:
            act(case, action, {"approved_by_id": team.supervisor.id, "months": 1}, officer())
        assert list(info.value.errors) == ["approved_by_id"]
        assert "/approvals" in info.value.errors["approved_by_id"][0]
        assert snapshot(case) == before


def test_extension_of_a_suspended_case(app, team, officer, build_case):
    with app.app_context():
        case = build_case("suspended", received_on="2015-07-16", filed_on="2015-07-20", suspended_on="2015-08-03")
        act(case, "extend", {"months": 1, "_decider": team.province_supervisor.id}, officer())
        act(case, "resume", {"on": "2015-08-07"}, officer())
        # 10-20 + 1 month = 11-20, + 4 days = 11-24 (Tue)
        assert case.close_due_on == D("2015-11-24")


# Closing ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("case_type", "outcome", "ok"), [
    ("infringement_dispute", "infringement_found", True), ("infringement_dispute", "request_dismissed", True),
    ("infringement_dispute", "mediated", True), ("infringement_dispute", "withdrawn", True),
    ("infringement_dispute", "revoked", True), ("other_dispute", "mediated", True),
    ("infringement_dispute", "penalized", False), ("infringement_dispute", "transferred_police", False),
    ("counterfeit", "exempted", True), ("counterfeit", "revoked", True), ("counterfeit", "transferred_police", True),
    ("counterfeit", "mediated", False), ("counterfeit", "infringement_found", False), ("counterfeit", None, False),
    ("infringement_dispute", "closed", False),
])
def test_outcome_must_match_the_case_type(app, officer, build_case, case_type, outcome, ok):
    with app.app_context():
        case = build_case("filed", case_type=case_type, filed_on="2015-10-08")
        before = snapshot(case)
        data = {"outcome": outcome, "closed_on": "2015-11-02"}
        if ok:
            act(case, "close", data, officer())
            assert (case.status, case.outcome, case.closed_on) == ("closed", outcome, D("2015-11-02"))
            assert case.next_due_on is None
            assert case.transferred_judicial is (outcome == "transferred_police")
            case = reload(case)
            assert case.status == "closed"
        else:
            with pytest.raises(ValidationFailed) as info:
                act(case, "close", data, officer())
            assert "outcome" in info.value.errors
            assert snapshot(case) == before


@pytest.mark.parametrize(("case_type", "outcome", "field"), [
    ("infringement_dispute", "mediated", "fine_amount"),
    ("infringement_dispute", "infringement_found", "confiscated_amount"),
    ("counterfeit", "exempted", "fine_amount"),
    ("counterfeit", "transferred_police", "confiscated_amount"),
])
def test_fines_only_for_a_penalized_case(app, officer, build_case, case_type, outcome, field):
    with app.app_context():
        case = build_case("filed", case_type=case_type, filed_on="2015-10-08")
        before = snapshot(case)
        with pytest.raises(ValidationFailed) as info:
            act(case, "close", {"outcome": outcome, "closed_on": "2015-11-02", field: "100.00"}, officer())
        assert field in info.value.errors
        assert snapshot(case) == before


@pytest.mark.parametrize("value", ["-5000.00", 5000.5, 5000.0, "5000.001", "5 000 yuan", "Infinity", [5000]])
def test_bad_fine_amounts_are_refused(app, team, officer, build_case, value):
    with app.app_context():
        case = build_case("filed", case_type="counterfeit", filed_on="2015-10-08")
        before = snapshot(case)
        with pytest.raises(ValidationFailed) as info:
            act(case, "close", {"outcome": "penalized", "closed_on": "2015-11-02", "fine_amount": value,
                                "_decider": team.supervisor.id}, officer())
        assert "fine_amount" in info.value.errors
        assert snapshot(case) == before


def test_penalized_close_stores_money_exactly_and_starts_the_publication_clock(app, team, officer, build_case):
    with app.app_context():
        case = build_case("filed", case_type="counterfeit", received_on="2015-10-08", filed_on="2015-10-08")
        act(case, "close", {"outcome": "penalized", "closed_on": "2015-10-09", "fine_amount": "12500.00",
                            "confiscated_amount": "800.5", "_decider": team.supervisor.id,
                            "violation_facts": "在产品上标注已失效的专利号", "penalty_basis": "专利法第六十八条"},
            officer())
        assert case.close_approved_by_id == team.supervisor.id
        assert case.publish_due_on == case.next_due_on == D("2015-11-05")
        [audit] = audits(case.id, "close")
        assert audit.changes["fine_amount"] == [None, "12500.00"]
        assert audit.changes["approved_by_id"] == [None, team.supervisor.id]
        case = reload(case)
        assert case.fine_amount == Decimal("12500.00") and str(case.fine_amount) == "12500.00"
        assert case.confiscated_amount == Decimal("800.50") and str(case.confiscated_amount) == "800.50"
        assert case.penalty_basis == "专利法第六十八条"


@pytest.mark.parametrize("approver", [None, "officer", "other_supervisor", "operator", "inactive_supervisor"])
def test_penalized_close_needs_a_supervisor_of_the_region(app, team, officer, build_case, create_user, approver):
    ids = {None: None, "officer": team.officers[1].id, "other_supervisor": team.other_supervisor.id,
           "operator": team.operator.id}
    if approver == "inactive_supervisor":
        ids[approver] = create_user("supervisor", REGION, active=False).id
    with app.app_context():
        case = build_case("filed", case_type="counterfeit", filed_on="2015-10-08")
        before = snapshot(case)
        data = {"outcome": "penalized", "closed_on": "2015-10-09", "fine_amount": "100.00"}
        if ids[approver] is not None:
            data["_decider"] = ids[approver]
        with pytest.raises(NotAllowed):
            act(case, "close", data, officer())
        assert snapshot(case) == before


def test_province_supervisor_may_approve_a_penalty(app, team, officer, build_case):
    with app.app_context():
        case = build_case("filed", case_type="counterfeit", filed_on="2015-10-08")
        act(case, "close", {"outcome": "penalized", "closed_on": "2015-10-09",
                            "_decider": team.province_supervisor.id}, officer())
        assert case.close_approved_by_id == team.province_supervisor.id


@pytest.mark.parametrize(("data", "field"), [
    ({"outcome": "mediated", "closed_on": "2015-10-07"}, "closed_on"),   # before filing
    ({"outcome": "mediated"}, "closed_on"),
    ({"outcome": "withdrawn", "closed_on": "2015-11-02", "judicial_confirmation": True}, "judicial_confirmation"),
    ({"outcome": "mediated", "closed_on": "2015-11-02", "judicial_confirmation": "yes"}, "judicial_confirmation"),
])
def test_close_refused(app, officer, build_case, data, field):
    with app.app_context():
        case = build_case("filed", filed_on="2015-10-08")
        before = snapshot(case)
        with pytest.raises(ValidationFailed) as info:
            act(case, "close", data, officer())
        assert field in info.value.errors
        assert snapshot(case) == before


def test_mediated_with_judicial_confirmation(app, officer, build_case):
    with app.app_context():
        case = build_case("filed", filed_on="2015-10-08")
        act(case, "close", {"outcome": "mediated", "closed_on": "2015-11-02", "judicial_confirmation": True},
            officer())
        assert case.judicial_confirmation is True


# Publication ------------------------------------------------------------------------------------------------------


def test_publish_a_penalty_decision_once(app, team, officer, attached, build_case):
    with app.app_context():
        case = build_case("closed", case_type="counterfeit", received_on="2015-10-08", filed_on="2015-10-08",
                          closed_on="2015-10-09")
        assert case.next_due_on == D("2015-11-05")
        supervisor = attached(team.supervisor)
        act(case, "publish", {"published_on": "2015-10-16", "url": "https://amr.hunan.gov.cn/cf/1"}, supervisor)
        assert (case.published_on, case.publication_url) == (D("2015-10-16"), "https://amr.hunan.gov.cn/cf/1")
        assert case.publish_approved_by_id == team.supervisor.id  # a supervisor approves their own publication
        assert case.next_due_on is None
        assert case.publish_due_on == D("2015-11-05")
        before = snapshot(case)
        with pytest.raises(StateError, match="already published"):
            act(case, "publish", {"published_on": "2015-10-20", "_decider": team.supervisor.id}, officer())
        assert snapshot(case) == before


@pytest.mark.parametrize("outcome", ["exempted", "revoked", "transferred_police"])
def test_only_penalized_cases_are_published(app, team, officer, build_case, outcome):
    with app.app_context():
        case = build_case("closed", case_type="counterfeit", filed_on="2015-10-08", outcome=outcome)
        before = snapshot(case)
        with pytest.raises(StateError, match="penalized"):
            act(case, "publish", {"published_on": "2015-10-16", "_decider": team.supervisor.id}, officer())
        assert snapshot(case) == before


def test_a_dispute_is_never_published(app, team, officer, build_case):
    with app.app_context():
        case = build_case("closed", filed_on="2015-10-08", outcome="infringement_found")
        with pytest.raises(StateError):
            act(case, "publish", {"published_on": "2015-10-16", "_decider": team.supervisor.id}, officer())
        assert case.published_on is None


@pytest.mark.parametrize(("data", "field"), [
    ({"published_on": "2015-10-08", "_decider": "supervisor"}, "published_on"),  # before the decision
    ({"published_on": "2015-10-16", "_decider": "supervisor", "url": "javascript:alert(1)"}, "url"),
    ({"published_on": "2015-10-16", "_decider": "supervisor", "url": "https://x/" + "a" * 500}, "url"),
    ({"published_on": "2015-10-16"}, None),  # an officer acting alone needs a supervisor's approval
    ({"published_on": "2015-10-16", "_decider": "officer"}, None),
    ({"_decider": "supervisor"}, "published_on"),
])
def test_publish_refused(app, team, officer, build_case, data, field):
    ids = {"supervisor": team.supervisor.id, "officer": team.officers[1].id}
    if "_decider" in data:
        data = data | {"_decider": ids[data["_decider"]]}
    with app.app_context():
        case = build_case("closed", case_type="counterfeit", filed_on="2015-10-08", closed_on="2015-10-09")
        before = snapshot(case)
        with pytest.raises(ValidationFailed if field else NotAllowed) as info:
            act(case, "publish", data, officer())
        if field:
            assert field in info.value.errors
        assert snapshot(case) == before


# Refused actions change nothing -----------------------------------------------------------------------------------


def test_refused_actions_leave_no_rows_behind(app, team, officer, build_case):
    with app.app_context():
        case = build_case("filed", received_on="2015-07-16", filed_on="2015-07-20")
        db.session.commit()
        before = snapshot(case)
        refused = [
            ("extend", {"months": 2, "_decider": team.supervisor.id}),
            ("suspend", {"on": "2015-07-01", "reason": "x"}),
            ("close", {"outcome": "penalized", "closed_on": "2015-10-01"}),
            ("close", {"outcome": "mediated", "closed_on": "2015-10-01", "fine_amount": "1.00"}),
        ]
        for action, data in refused:
            with pytest.raises(ValidationFailed):
                act(case, action, data, officer())
            assert snapshot(case) == before, action
        db.session.flush()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseExtension)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseSuspension)) == 0
        db.session.commit()
        assert snapshot(reload(case)) == before


# Calls in other states, edits and timeline events -------------------------------------------------------------------


def test_open_case_from_call_refused_keeps_the_call_open(app, team, attached, create_call):
    call = create_call(received_at=datetime(2015, 9, 29, 17, 30, tzinfo=UTC), region_code=REGION)
    with app.app_context():
        call_row = db.session.get(Call, call.id)
        with pytest.raises(ValidationFailed) as info:
            open_case_from_call(call_row, {"region_code": "430000"}, actor=attached(team.officers[0]),
                                expected_version=call_row.version)
        assert "region_code" in info.value.errors
        assert call_row.status == "open"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
        case = open_case_from_call(call_row, {}, actor=attached(team.officers[0]), expected_version=call_row.version)
        assert case.received_on == D("2015-09-30")  # 17:30 UTC is 01:30 the next day in Beijing


def test_a_transferred_call_cannot_open_a_case(app, team, attached, create_call):
    from hotline.calls.operations import transfer_call

    call = create_call(received_at=datetime(2015, 9, 30, 2, 30, tzinfo=UTC), region_code=REGION)
    with app.app_context():
        call_row = db.session.get(Call, call.id)
        transfer_call(call_row, "市场监督管理局", None, actor=attached(team.operator),
                      expected_version=call_row.version)
        db.session.flush()
        with pytest.raises(StateError, match="'transferred'"):
            open_case_from_call(call_row, {}, actor=attached(team.operator), expected_version=call_row.version)


def test_update_case_moves_the_filing_deadline_until_filing(app, team, officer, build_case):
    from hotline.cases.operations import update_case

    with app.app_context():
        case = build_case(received_on="2015-09-30")
        db.session.flush()
        changes = update_case(case, {"received_on": "2015-06-30"}, actor=officer(), expected_version=case.version)
        assert changes["received_on"] == (D("2015-09-30"), D("2015-06-30"))
        assert case.rule_set_code == "2011"
        assert case.file_due_on == D("2015-07-07")
        assert [a.action for a in audits(case.id)] == ["create", "update"]
        db.session.flush()
        act(case, "file", {"filed_on": "2015-07-06", "officer_ids": [u.id for u in team.officers[:3]]}, officer())
        before = snapshot(case)
        with pytest.raises(ValidationFailed) as info:
            update_case(case, {"received_on": "2015-07-01"}, actor=officer(), expected_version=case.version)
        assert "received_on" in info.value.errors
        with pytest.raises(ValidationFailed) as info:
            update_case(case, {"status": "closed"}, actor=officer(), expected_version=case.version)
        assert "status" in info.value.errors
        with pytest.raises(StaleVersion):
            update_case(case, {"summary": "新摘要"}, actor=officer(), expected_version=case.version - 1)
        assert snapshot(case) == before
        assert update_case(case, {"amount_involved": "12500.00"}, actor=officer(), expected_version=case.version) == {}


def test_a_closed_case_cannot_be_edited(app, officer, build_case):
    from hotline.cases.operations import update_case

    with app.app_context():
        case = build_case("closed", filed_on="2015-10-08", closed_on="2015-11-02")
        db.session.flush()
        with pytest.raises(StateError):
            update_case(case, {"summary": "x"}, actor=officer(), expected_version=case.version)


def test_timeline_events(app, team, officer, attached, build_case):
    from hotline.cases.operations import add_event

    with app.app_context():
        received = build_case()
        with pytest.raises(StateError, match="'received'"):
            add_event(received, {"kind": "note", "occurred_on": "2015-10-08"}, actor=officer())
        case = build_case("filed", filed_on="2015-10-08")
        with pytest.raises(NotAllowed):
            add_event(case, {"kind": "note", "occurred_on": "2015-10-08"}, actor=attached(team.operator))
        for bad, field in (({"kind": "closed", "occurred_on": "2015-10-08"}, "kind"),
                           ({"kind": "note", "occurred_on": "2015-09-01"}, "occurred_on")):
            with pytest.raises(ValidationFailed) as info:
                add_event(case, bad, actor=officer())
            assert field in info.value.errors
        n = len(audits(case.id))
        event = add_event(case, {"kind": "transfer_judicial", "occurred_on": "2015-10-20", "note": "移送公安机关"},
                          actor=officer())
        assert (event.kind, event.occurred_on, event.note) == ("transfer_judicial", D("2015-10-20"), "移送公安机关")
        assert case.transferred_judicial is True
        assert [a.action for a in audits(case.id)[n:]] == ["event"]


# Known bugs (xfail until hotline/cases/operations.py is fixed) ------------------------------------------------------


@pytest.mark.parametrize(("action", "data"), [
    ("file", {"filed_on": "2015-10-08", "officer_ids": [2**63, 1, 2]}),
    ("extend", {"months": 1, "approved_by_id": 2**63}),
])
def test_user_ids_beyond_the_id_range_are_validation_errors(app, officer, build_case, action, data):
    with app.app_context():
        case = build_case("received" if action == "file" else "filed", filed_on="2015-10-08")
        with pytest.raises(ValidationFailed) as info:
            act(case, action, data, officer())
        assert set(info.value.errors) <= {"officer_ids", "approved_by_id"}


def test_a_datetime_for_a_date_field_is_a_validation_error(app, team, officer, build_case):
    with app.app_context():
        case = build_case()
        with pytest.raises(ValidationFailed) as info:
            act(case, "file", {"filed_on": datetime(2015, 10, 8, 9, 30),
                               "officer_ids": [u.id for u in team.officers[:3]]}, officer())
        assert "filed_on" in info.value.errors


@pytest.mark.parametrize("field", ["fine_amount", "confiscated_amount"])
def test_a_zero_fine_is_refused_on_a_case_that_is_not_penalized(app, officer, build_case, field):
    with app.app_context():
        case = build_case("filed", filed_on="2015-10-08")
        with pytest.raises(ValidationFailed) as info:
            act(case, "close", {"outcome": "mediated", "closed_on": "2015-10-09", field: "0.00"}, officer())
        assert field in info.value.errors
