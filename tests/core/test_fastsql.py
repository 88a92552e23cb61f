"""FastStatement: hot-path statements through psycopg give what SQLAlchemy would (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hotline.core.fastsql import FastStatement
from hotline.core.models import OutboxMessage
from hotline.core.types import JSONDoc, UTCDateTime
from hotline.extensions import db

BEIJING = ZoneInfo("Asia/Shanghai")
OUTBOX = OutboxMessage.__table__


def _insert_outbox():
    return FastStatement(
        sa.insert(OUTBOX).values(topic=sa.bindparam("topic"), payload=sa.bindparam("payload", type_=JSONDoc),
                                 created_at=sa.bindparam("created_at", type_=UTCDateTime))
        .returning(OUTBOX.c.id, OUTBOX.c.created_at, OUTBOX.c.payload),
        json_params=("payload",))


def test_rows_come_back_as_sqlalchemy_gives_them(app):
    written_at = datetime(2026, 3, 1, 9, 30, tzinfo=BEIJING)
    with app.app_context():
        rows = _insert_outbox().run({"topic": "test.fast", "payload": {"months": ["2026-03"]},
                                     "created_at": written_at})
        assert len(rows) == 1
        new_id, created_at, payload = rows[0]
        assert created_at == written_at and created_at.tzinfo is UTC  # aware UTC, as UTCDateTime gives it
        assert payload == {"months": ["2026-03"]}
        # In the session's transaction: the ORM sees the row before the commit, and the commit keeps it.
        assert db.session.get(OutboxMessage, new_id).topic == "test.fast"
        db.session.commit()
        stored = db.session.execute(sa.select(OUTBOX.c.payload, OUTBOX.c.created_at)
                                    .where(OUTBOX.c.id == new_id)).one()
        assert stored.payload == {"months": ["2026-03"]} and stored.created_at == written_at


def test_none_is_json_null_like_the_json_type(app):
    with app.app_context():
        (new_id, _, payload), = _insert_outbox().run({"topic": "test.null", "payload": None,
                                                      "created_at": datetime.now(UTC)})
        assert payload is None
        if db.engine.dialect.name == "postgresql":  # JSON null, not SQL NULL, as SQLAlchemy's JSON type writes it
            assert db.session.scalar(sa.text("SELECT jsonb_typeof(payload) FROM outbox WHERE id = :id"),
                                     {"id": new_id}) == "null"
        db.session.rollback()


def test_errors_are_sqlalchemy_errors_and_the_session_recovers(app):
    duplicate = FastStatement(sa.text("INSERT INTO outbox (id, topic, payload, created_at) "
                                      "VALUES (:id, 'test.dup', NULL, :at) RETURNING id")
                              .bindparams(sa.bindparam("at", type_=UTCDateTime)))
    with app.app_context():
        (new_id, _, _), = _insert_outbox().run({"topic": "test.first", "payload": {},
                                                "created_at": datetime.now(UTC)})
        with pytest.raises(IntegrityError):
            duplicate.run({"id": new_id, "at": datetime.now(UTC)})
        db.session.rollback()
        assert db.session.get(OutboxMessage, new_id) is None  # rolled back with the failed transaction
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OUTBOX)) >= 0  # the connection works


def test_engine_events_see_the_statement(app):
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            _insert_outbox().run({"topic": "test.events", "payload": {}, "created_at": datetime.now(UTC)})
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        db.session.rollback()
    inserts = [s for s in seen if s != "BEGIN"]  # SQLite's driver-level BEGIN is an execution too
    assert len(inserts) == 1 and "INSERT INTO outbox" in inserts[0]
