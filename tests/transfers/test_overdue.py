"""The daily sweep records a transfer's passed deadlines once (like cases and calls) and fills in due dates a
missing calendar year left empty."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from hotline.cases.models import OverdueRecord
from hotline.extensions import db
from hotline.transfers import operations as ops
from hotline.transfers.models import Transfer


def _records(app):
    with app.app_context():
        return [(r.object_type, r.object_id, r.kind, r.due_on, r.region_code) for r in db.session.scalars(
            select(OverdueRecord).where(OverdueRecord.object_type == "transfer").order_by(OverdueRecord.id))]


def _sweep(app, day: date) -> int:
    from workers.tasks.cases import record_overdue

    with app.app_context():
        added = record_overdue(day)
        db.session.commit()
        return added


def test_passed_transfer_deadlines_are_recorded_once(app, side, transfer_of, attached):
    _call_id, transfer_id = transfer_of()
    with app.app_context():
        t = db.session.get(Transfer, transfer_id)
        t.sent_on, t.rule_set_code = date(2025, 2, 3), "2015"
        ops.refresh_deadlines(t)
        db.session.commit()
        sign_due, answer_due = t.sign_due_on, t.answer_due_on
    assert sign_due == date(2025, 2, 24)
    assert _sweep(app, date(2025, 2, 24)) == 0
    assert _sweep(app, date(2025, 2, 25)) == 1
    assert _sweep(app, date(2025, 2, 26)) == 0
    assert _records(app) == [("transfer", transfer_id, "transfer_sign", sign_due, "430200")]
    with app.app_context():
        t = db.session.get(Transfer, transfer_id)
        ops.sign_transfer(t, complex_matter=False, actor=attached(side.zz), expected_version=t.version)
        t.sent_on = date(2025, 2, 3)  # the sign step recomputes from the stored start; keep the test's dates
        ops.refresh_deadlines(t)
        db.session.commit()
    day_after = date.fromordinal(answer_due.toordinal() + 1)
    assert _sweep(app, day_after) == 1
    assert _records(app)[-1] == ("transfer", transfer_id, "transfer_answer", answer_due, "430200")


def test_due_dates_left_empty_by_a_missing_year_are_filled_in(app, side, transfer_of):
    _call_id, transfer_id = transfer_of()
    with app.app_context():
        t = db.session.get(Transfer, transfer_id)
        t.sent_on, t.rule_set_code = date(2025, 2, 3), "2015"
        t.sign_due_on = t.answer_due_on = None  # as if 2025 had not been loaded when it was sent
        db.session.commit()
        version = t.version
    _sweep(app, date(2025, 2, 3))
    with app.app_context():
        t = db.session.get(Transfer, transfer_id)
        assert (t.sign_due_on, t.version) == (date(2025, 2, 24), version)
        assert t.answer_due_on is not None
