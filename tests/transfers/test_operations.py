"""Transfer operations: each step, the wrong steps (409 naming the status), the wrong side (403), audit rows,
the call following its transfer, and the clock from the rule data."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from hotline.calls.models import Call
from hotline.core.errors import NotAllowed, StateError, ValidationFailed
from hotline.core.models import AuditEvent
from hotline.extensions import db
from hotline.transfers import operations as ops
from hotline.transfers.models import Transfer


def _events(transfer_id: int) -> list[tuple[str, int | None]]:
    return [(e.action, e.actor_id) for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "transfer", AuditEvent.object_id == transfer_id)
        .order_by(AuditEvent.id))]


def _get(transfer_id: int) -> Transfer:
    return db.session.get(Transfer, transfer_id)


def _sign(t, user, complex_matter=False):
    ops.sign_transfer(t, complex_matter=complex_matter, actor=user, expected_version=t.version)


def _answer(t, user, **data):
    ops.answer_transfer(t, {"outcome": "handled", "result": "已责令停止销售", **data}, actor=user,
                        expected_version=t.version)


def _callback(t, user, **data):
    ops.callback_transfer(t, {"reached": True, "satisfaction": "satisfied", "note": "已告知", **data}, actor=user,
                          expected_version=t.version)


def _return(t, user):
    ops.return_transfer(t, "不属于本市管辖", actor=user, expected_version=t.version)


def _reopen(t, user):
    ops.reopen_transfer(t, "来电人称仍在销售", actor=user, expected_version=t.version)


def test_each_step_is_audited_and_followed_by_the_call(app, side, transfer_of, attached):
    call_id, transfer_id = transfer_of()
    with app.app_context():
        t = _get(transfer_id)
        assert (t.status, t.call.status, t.call.transfer_status) == ("pending", "transferred", "pending")
        _sign(t, attached(side.zz), complex_matter=True)
        db.session.commit()
        assert (t.status, t.complex, t.signed_by_id, t.call.transfer_status) == ("signed", True, side.zz.id, "signed")
        _answer(t, attached(side.zz))
        db.session.commit()
        assert t.callback_due_on is not None and t.call.transfer_status == "answered"
        _callback(t, attached(side.op))
        db.session.commit()
        assert (t.status, t.closed_at is not None) == ("closed", True)
        call = db.session.get(Call, call_id)
        assert (call.status, call.transfer_status, call.feedback_method) == ("closed", "closed", "phone")
        assert _events(transfer_id) == [("create", side.op.id), ("sign", side.zz.id), ("answer", side.zz.id),
                                        ("callback", side.op.id), ("close", side.op.id)]
        call_actions = [e.action for e in db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.object_type == "call", AuditEvent.object_id == call_id).order_by(AuditEvent.id))]
        assert call_actions[-5:] == ["transfer_sign", "transfer_answer", "transfer_callback", "transfer_close",
                                     "feedback"]


STEPS = {"sign": lambda t, s: _sign(t, s.zz), "return": lambda t, s: _return(t, s.zz),
         "answer": lambda t, s: _answer(t, s.zz), "callback": lambda t, s: _callback(t, s.op),
         "reopen": lambda t, s: _reopen(t, s.op)}
#: How to bring a transfer into each status (the actors are looked up in the test).
SETUP = {"pending": [], "signed": ["sign"], "returned": ["return"], "answered": ["sign", "answer"],
         "called_back": ["sign", "answer", "callback_dissatisfied"], "reopened": ["sign", "answer",
                                                                                   "callback_dissatisfied", "reopen"]}
ALLOWED = {("pending", "sign"), ("pending", "return"), ("signed", "answer"), ("answered", "callback"),
           ("called_back", "reopen"), ("reopened", "sign")}


@pytest.mark.parametrize("status", list(SETUP))
@pytest.mark.parametrize("step", list(STEPS))
def test_state_machine(app, side, transfer_of, status, step):
    from hotline.accounts.models import User

    _call_id, transfer_id = transfer_of()
    with app.app_context():
        who = type("S", (), {"zz": db.session.get(User, side.zz.id), "op": db.session.get(User, side.op.id)})
        t = _get(transfer_id)
        for name in SETUP[status]:
            if name == "callback_dissatisfied":
                _callback(t, who.op, satisfaction="dissatisfied")
            else:
                STEPS[name](t, who)
            db.session.commit()
        assert t.status == status
        version, events = t.version, len(_events(transfer_id))
        if (status, step) in ALLOWED:
            STEPS[step](t, who)
            db.session.commit()
            # A satisfied call-back also closes the transfer: two changes, two versions, two events.
            steps = 2 if t.status == "closed" else 1
            assert t.version == version + steps
            assert len(_events(transfer_id)) == events + steps
        else:
            with pytest.raises(StateError) as refused:
                STEPS[step](t, who)
            assert ops.status_word(status) in refused.value.message
            db.session.rollback()
            assert (_get(transfer_id).status, _get(transfer_id).version) == (status, version)
            assert len(_events(transfer_id)) == events


@pytest.mark.parametrize(("step", "who"), [("sign", "op"), ("return", "op"), ("sign", "cs")])
def test_the_wrong_side_is_refused(app, side, transfer_of, attached, step, who):
    _call_id, transfer_id = transfer_of()
    with app.app_context():
        t = _get(transfer_id)
        with pytest.raises(NotAllowed):
            STEPS[step](t, type("S", (), {"zz": attached(getattr(side, who)), "op": attached(getattr(side, who))}))


def test_the_hotline_calls_back_not_the_region(app, side, transfer_of, attached):
    _call_id, transfer_id = transfer_of()
    with app.app_context():
        t = _get(transfer_id)
        _sign(t, attached(side.zz))
        _answer(t, attached(side.zz))
        with pytest.raises(NotAllowed):
            _callback(t, attached(side.zz_sup))


def test_reopen_only_once_and_restarts_the_clock(app, side, transfer_of, attached):
    _call_id, transfer_id = transfer_of()
    with app.app_context():
        t = _get(transfer_id)
        zz, op = attached(side.zz), attached(side.op)
        _sign(t, zz)
        _answer(t, zz)
        _callback(t, op, satisfaction="dissatisfied")
        _reopen(t, op)
        assert (t.status, t.reopen_count, t.signed_by_id, t.answered_on, t.reopened_on is not None) == (
            "reopened", 1, None, None, True)
        assert t.sign_due_on is not None and t.callback_due_on is None
        _sign(t, zz)
        _answer(t, zz)
        _callback(t, op, satisfaction="dissatisfied")
        with pytest.raises(StateError, match="already reopened once"):
            _reopen(t, op)


def test_not_reached_can_be_called_again(app, side, transfer_of, attached):
    call_id, transfer_id = transfer_of()
    with app.app_context():
        t = _get(transfer_id)
        zz, op = attached(side.zz), attached(side.op)
        _sign(t, zz)
        _answer(t, zz)
        _callback(t, op, reached=False, satisfaction=None, note="电话无人接听")
        assert (t.status, t.reached) == ("called_back", False)
        assert db.session.get(Call, call_id).status == "transferred"
        _callback(t, op, satisfaction="basically_satisfied")
        assert (t.status, db.session.get(Call, call_id).status) == ("closed", "closed")


def test_answer_from_pending_only_for_agencies(app, side, transfer_of, attached):
    _call_id, region_transfer = transfer_of()
    _call_id, agency_transfer = transfer_of(to="市市场监督管理局")
    with app.app_context():
        with pytest.raises(StateError, match="'pending'"):
            _answer(_get(region_transfer), attached(side.zz))
        t = _get(agency_transfer)
        assert t.from_region_code == "430000" and t.region_code == "430000"
        _answer(t, attached(side.op), outcome="not_competent", result="已转市场监管部门处理")
        assert t.status == "answered" and t.answered_by_id == side.op.id


def test_answer_with_case_opened_needs_a_visible_case(app, side, transfer_of, attached):
    _call_id, transfer_id = transfer_of()
    with app.app_context():
        t = _get(transfer_id)
        _sign(t, attached(side.zz))
        with pytest.raises(ValidationFailed) as failed:
            _answer(t, attached(side.zz), outcome="case_opened", case_id=None)
        assert "case_id" in failed.value.errors


def test_deadlines_come_from_the_rule_data(app, side, transfer_of, attached):
    from hotline.deadlines.calendar import WorkCalendar
    from hotline.deadlines.engine import find_rule, transfer_deadlines

    _call_id, transfer_id = transfer_of()
    with app.app_context():
        t = _get(transfer_id)
        # A transfer sent on a known date: 2025-09-26 (Fri) + 15 working days skips 国庆 (10-01..10-08) and the
        # weekends, with the make-up days 09-28 and 10-11 worked.
        t.sent_on = date(2025, 9, 26)
        t.rule_set_code = "2015"
        [sign, answer] = transfer_deadlines(t)
        cal = WorkCalendar().for_region("430200")
        assert sign.due_on == cal.add_working_days(date(2025, 9, 26), 15)
        assert answer.due_on == cal.roll_forward(date(2025, 12, 25))
        assert find_rule("2015", "sign", "transfer").article in sign.rule
        t.complex = True
        assert transfer_deadlines(t)[1].due_on == cal.roll_forward(date(2026, 1, 24))
        assert "120日" in transfer_deadlines(t)[1].rule


def test_a_missing_calendar_year_gives_no_date_and_says_why(app, side, transfer_of):
    from hotline.deadlines.engine import transfer_deadlines

    _call_id, transfer_id = transfer_of()
    with app.app_context():
        t = _get(transfer_id)
        t.sent_on = date(2099, 3, 2)
        t.rule_set_code = "2015"
        deadlines = transfer_deadlines(t)
        assert [d.due_on for d in deadlines] == [None, None]
        assert all("2099" in d.error and d.missing_year == 2099 for d in deadlines)
        ops.refresh_deadlines(t)
        assert (t.sign_due_on, t.answer_due_on) == (None, None)
