"""What transfers put in inboxes and due lists: the right office, the running deadline, overdue, missing years."""

from __future__ import annotations

from datetime import date

from hotline.deadlines.calendar import WorkCalendar
from hotline.extensions import db
from hotline.transfers import operations as ops
from hotline.transfers.models import Transfer
from hotline.transfers.queries import due_items, inbox_items

TODAY = date(2025, 3, 3)


def _prepare(app, transfer_id, **values):
    with app.app_context():
        t = db.session.get(Transfer, transfer_id)
        for k, v in values.items():
            setattr(t, k, v)
        ops.refresh_deadlines(t)
        db.session.commit()


def _inbox(app, user, today=TODAY):
    with app.test_request_context():
        return [(i.kind, i.transfer_id, i.due_on, i.overdue) for i in inbox_items(user, today, WorkCalendar())]


def test_inbox_follows_the_cycle(app, side, transfer_of, attached):
    _call_id, transfer_id = transfer_of()
    _prepare(app, transfer_id, sent_on=date(2025, 2, 3), rule_set_code="2015")
    with app.app_context():
        due = db.session.get(Transfer, transfer_id).sign_due_on
    assert due == date(2025, 2, 24)  # 15 working days (春节 was 01-28 … 02-04, make-up 02-08 worked)
    assert _inbox(app, side.zz) == [("transfer_sign", transfer_id, due, True)]
    assert _inbox(app, side.zz_sup) == [("transfer_sign", transfer_id, due, True)]
    assert _inbox(app, side.op) == [] and _inbox(app, side.cs) == []
    with app.app_context():
        t = db.session.get(Transfer, transfer_id)
        ops.sign_transfer(t, complex_matter=False, actor=attached(side.zz), expected_version=t.version)
        db.session.commit()
    [(kind, _id, _due, overdue)] = _inbox(app, side.zz)
    assert kind == "transfer_answer"
    with app.app_context():
        t = db.session.get(Transfer, transfer_id)
        ops.answer_transfer(t, {"outcome": "handled", "result": "已处理"}, actor=attached(side.zz),
                            expected_version=t.version)
        db.session.commit()
    assert _inbox(app, side.zz) == []
    [(kind, _id, _due, _overdue)] = _inbox(app, side.op)
    assert kind == "callback"


def test_a_returned_transfer_waits_for_the_hotline_until_sent_again(app, side, transfer_of, attached):
    from hotline.calls.models import Call
    from hotline.calls.operations import transfer_call

    call_id, transfer_id = transfer_of()
    with app.app_context():
        t = db.session.get(Transfer, transfer_id)
        ops.return_transfer(t, "不属本市", actor=attached(side.zz), expected_version=t.version)
        db.session.commit()
    assert _inbox(app, side.op) == [("transfer_returned", transfer_id, None, False)]
    with app.app_context():
        call = db.session.get(Call, call_id)
        transfer_call(call, "430100", None, actor=attached(side.op), expected_version=call.version)
        db.session.commit()
    assert _inbox(app, side.op) == []


def test_due_items_list_the_regions_pending_deadlines(app, side, transfer_of):
    _call_id, first = transfer_of()
    _call_id, second = transfer_of()
    _prepare(app, first, sent_on=date(2025, 2, 3), rule_set_code="2015")
    _prepare(app, second, sent_on=date(2025, 2, 17), rule_set_code="2015")
    with app.test_request_context():
        rows = due_items(side.zz, TODAY, WorkCalendar(), until=date(2025, 2, 28))
        assert [(r.transfer_id, r.deadline, r.overdue) for r in rows] == [(first, "Signing", True)]
        rows = due_items(side.zz, TODAY, WorkCalendar())
        assert [r.transfer_id for r in rows] == [first, second]
        assert due_items(side.cs, TODAY, WorkCalendar()) == []
        # the province sees every region's
        assert len(due_items(side.op, TODAY, WorkCalendar())) == 2


def test_a_missing_calendar_year_is_listed_with_the_year(app, side, transfer_of):
    _call_id, transfer_id = transfer_of()
    _prepare(app, transfer_id, sent_on=date(2099, 3, 2), rule_set_code="2015")
    with app.test_request_context():
        [row] = inbox_items(side.zz, TODAY, WorkCalendar())
        assert (row.due_on, row.missing_year, row.overdue) == (None, 2099, False)
        [row] = due_items(side.zz, TODAY, WorkCalendar(), until=date(2025, 3, 31))
        assert row.missing_year == 2099
