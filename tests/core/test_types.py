"""UTCDateTime: aware UTC in, aware UTC out, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import StatementError

from hotline.calls.models import Call
from hotline.core.models import AuditEvent
from hotline.core.types import UTCDateTime, utcnow
from hotline.extensions import db

BEIJING = ZoneInfo("Asia/Shanghai")


def test_utcnow_is_aware_utc():
    now = utcnow()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)


def test_bind_refuses_naive_datetimes(app):
    with app.app_context():
        dialect = db.engine.dialect
        with pytest.raises(ValueError, match="naive"):
            UTCDateTime().process_bind_param(datetime(2015, 6, 1, 0, 30), dialect)  # noqa: DTZ001


def test_database_refuses_a_naive_datetime_on_flush(app):
    with app.app_context():
        # The seed may have audited what it created (the starter standard answers): nothing is added to that.
        before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
        db.session.add(AuditEvent(actor_name="system", object_type="test", object_id=1, action="naive",
                                  changes={}, occurred_at=datetime(2015, 6, 1, 0, 30)))  # noqa: DTZ001
        with pytest.raises(StatementError, match="naive"):
            db.session.flush()
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before


@pytest.mark.parametrize("received_at", [
    datetime(2015, 6, 1, 0, 30, tzinfo=BEIJING),       # still May in UTC
    datetime(2015, 12, 31, 23, 59, 59, 999999, tzinfo=BEIJING),
    datetime(2016, 2, 29, 12, 0, tzinfo=timezone(timedelta(hours=-5))),
])
def test_call_round_trips_the_instant_as_aware_utc(app, create_call, received_at):
    call = create_call(received_at=received_at)
    with app.app_context():
        db.session.expire_all()
        loaded = db.session.get(Call, call.id)
        assert loaded.received_at == received_at                   # the same instant
        assert loaded.received_at.utcoffset() == timedelta(0)       # … expressed in UTC
        assert loaded.received_at.tzinfo is not None
        assert loaded.received_at.astimezone(BEIJING).replace(tzinfo=None) == \
            received_at.astimezone(BEIJING).replace(tzinfo=None)
        assert loaded.created_at.utcoffset() == timedelta(0)


def test_comparisons_in_sql_use_the_instant(app, create_call):
    call = create_call(received_at=datetime(2015, 6, 1, 0, 30, tzinfo=BEIJING))
    with app.app_context():
        # 2015-05-31 16:30 UTC: found by a UTC window and by the equivalent Beijing-time window
        for tz in (UTC, BEIJING):
            start = datetime(2015, 5, 31, 16, 29, tzinfo=UTC).astimezone(tz)
            end = datetime(2015, 5, 31, 16, 31, tzinfo=UTC).astimezone(tz)
            found = db.session.scalars(sa.select(Call.id).where(Call.received_at >= start,
                                                                Call.received_at < end)).all()
            assert found == [call.id]
        june = datetime(2015, 6, 1, tzinfo=UTC)
        assert db.session.scalars(sa.select(Call.id).where(Call.received_at >= june)).all() == []


def test_sqlite_stores_utc_text(app, backend, create_call):
    if backend != "sqlite":
        pytest.skip("storage format of the SQLite backend")
    call = create_call(received_at=datetime(2015, 6, 1, 0, 30, tzinfo=BEIJING))
    with app.app_context():
        stored = db.session.execute(sa.text("SELECT received_at FROM calls WHERE id = :id"), {"id": call.id}).scalar()
        assert str(stored).startswith("2015-05-31 16:30:00")


def test_postgresql_stores_timestamptz(app, backend, create_call):
    if backend != "postgresql":
        pytest.skip("storage type of the PostgreSQL backend")
    call = create_call(received_at=datetime(2015, 6, 1, 0, 30, tzinfo=BEIJING))
    with app.app_context():
        utc_text = db.session.execute(sa.text(
            "SELECT to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM calls WHERE id = :id"),
            {"id": call.id}).scalar()
        assert utc_text == "2015-05-31 16:30"
