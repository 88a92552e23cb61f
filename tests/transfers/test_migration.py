"""The migration that introduced transfers: calls transferred before it get one transfer each, from what their
data says (no invented signatures), and the rule sets the database has get the transfer clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

import flask_migrate
import sqlalchemy as sa

from config import TestingConfig
from config import database_url as to_driver_url
from hotline import create_app
from hotline.extensions import db
from tests.test_migrations import empty_database  # noqa: F401  (fixture)

BEFORE = "ca2161ae067d-1"  # the schema just before transfers


def _at(conn, text: str):
    value = datetime.fromisoformat(text).replace(tzinfo=UTC)
    # SQLite keeps naive UTC text (as the UTCDateTime type writes it); PostgreSQL a timestamptz.
    return value.replace(tzinfo=None).isoformat(sep=" ") if conn.dialect.name == "sqlite" else value


def _insert_call(conn, ref: str, **values) -> int:
    row = {"ref": ref, "version": 1, "received_at": "2015-05-28 01:15:00", "channel": "phone",
           "request_type": "report", "region_code": "430200", "status": "transferred", "is_anonymous": False,
           "summary": "举报假冒专利", "created_at": "2015-05-28 01:20:00", "updated_at": "2015-05-28 01:20:00",
           "decided_at": "2015-05-28 02:00:00", "decision": "transferred", "transferred_at": "2015-05-28 17:00:00",
           **values}
    for key in ("received_at", "created_at", "updated_at", "decided_at", "transferred_at", "feedback_at",
                "closed_at"):
        if row.get(key):
            row[key] = _at(conn, row[key])
    columns, params = ", ".join(row), ", ".join(f":{k}" for k in row)
    return conn.execute(sa.text(f"INSERT INTO calls ({columns}) VALUES ({params}) RETURNING id"), row).scalar_one()


def test_transferred_calls_get_a_transfer_each(empty_database):  # noqa: F811
    from hotline.reference.seed import seed_reference_data

    cfg = type("MigrationConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": to_driver_url(empty_database)})
    app = create_app(cfg)
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        seed_reference_data()
        db.session.commit()
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO rule_sets (code, name, effective_from) VALUES ('2015', '2015', :d)"),
                         {"d": date(2015, 7, 1)})
            pending = _insert_call(conn, "HL-2015-000001", transferred_to_region_code="430200",
                                   transfer_note="属株洲管辖")
            told = _insert_call(conn, "HL-2015-000002", transferred_to_agency="市公安局", status="closed",
                                region_code="430100", feedback_at="2015-06-01 02:00:00",
                                feedback_method="phone", feedback_note="已告知", closed_at="2015-06-01 02:05:00")
            untouched = _insert_call(conn, "HL-2015-000003", status="open", decided_at=None, decision=None,
                                     transferred_at=None)
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            rows = {r.call_id: r for r in conn.execute(sa.text("SELECT * FROM transfers ORDER BY id"))}
            statuses = dict(conn.execute(sa.text("SELECT id, transfer_status FROM calls")).all())
            rules = conn.execute(sa.text(
                "SELECT kind, source_group, amount, unit FROM deadline_rules "
                "WHERE rule_set_code = '2015' AND applies_to = 'transfer' ORDER BY id")).all()
        assert set(rows) == {pending, told}
        first, second = rows[pending], rows[told]
        assert (first.status, first.to_region_code, first.to_agency, first.note) == (
            "answered", "430200", None, "属株洲管辖")
        assert str(first.sent_on)[:10] == "2015-05-29"  # 17:00 UTC is 01:00 the next day in Beijing
        assert first.from_region_code == "430000"
        # nobody signed or answered in the system: nothing is invented
        assert (first.signed_by_id, first.signed_at, first.answered_by_id, first.answered_on) == (None,) * 4
        assert (second.status, second.to_agency, second.closed_at is not None) == ("closed", "市公安局", True)
        assert statuses == {pending: "answered", told: "closed", untouched: None}
        assert [tuple(r) for r in rules] == [("sign", "any", 15, "working_days"), ("answer", "any", 90, "days"),
                                             ("answer", "complex", 120, "days"),
                                             ("callback", "any", 5, "working_days")]
        flask_migrate.downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            assert "transfers" not in sa.inspect(conn).get_table_names()
            assert conn.execute(sa.text("SELECT count(*) FROM calls WHERE transferred_at IS NOT NULL")).scalar() == 2
            assert conn.execute(sa.text(
                "SELECT count(*) FROM deadline_rules WHERE applies_to = 'transfer'")).scalar() == 0
        db.session.remove()
        db.engine.dispose()


def test_a_migrated_transfer_has_no_clock_and_can_be_called_back(app, side, transfer_of, attached):
    """A migrated transfer (answered, nobody answered in the system): no deadlines, never overdue, and the hotline
    can still call the caller back and close it."""
    from hotline.deadlines.engine import transfer_deadlines
    from hotline.transfers import operations as ops
    from hotline.transfers.models import Transfer

    _call_id, transfer_id = transfer_of()
    with app.app_context():
        t = db.session.get(Transfer, transfer_id)
        t.status, t.sent_on = "answered", date(2015, 5, 29)
        t.call.transfer_status = "answered"
        db.session.commit()
        assert transfer_deadlines(t) == []
        ops.callback_transfer(t, {"reached": True, "satisfaction": "satisfied", "note": "已告知"},
                              actor=attached(side.op), expected_version=t.version)
        db.session.commit()
        assert (t.status, t.call.status) == ("closed", "closed")
