"""Shared tables: timestamps, the append-only audit log, reference-number counters and the transactional outbox."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, configure_mappers, make_transient_to_detached, mapped_column

from hotline.core.types import JSONDoc, UTCDateTime, utcnow
from hotline.extensions import db

#: Indexes that exist on PostgreSQL only (GIN over tsvectors); the model comparison skips them elsewhere.
#: Indexes only PostgreSQL has: the GIN indexes over the tsvectors, and the case list's expression index (SQLite,
#: the small single-office database, needs no plan for it and cannot reflect an expression index).
POSTGRES_ONLY_INDEXES = frozenset({"ix_calls_search_vector", "ix_cases_search_vector",
                                   "ix_cases_due_except_publication"})

#: BIGINT identity on PostgreSQL, INTEGER (rowid alias, so it autoincrements) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


def as_loaded(model: type, values: dict[str, Any]) -> Any:
    """A row read or written with Core, as the persistent instance a query would have returned.

    ``values`` holds the primary key and every column attribute the caller will read (attributes left out are
    expired: reading them SELECTs, as after a commit); a many-to-one may be given as its object. An instance the
    session already holds for that identity is returned as it is, like a query without populate_existing. For hot
    paths only: no attribute events, no unit of work, no SELECT back.
    """
    mapper = model.__mapper__
    if not mapper.configured:  # the first ORM use of a fresh process may be this (the API token check)
        configure_mappers()
    key = mapper.identity_key_from_primary_key([values[c.key] for c in mapper.primary_key])
    found = db.session.identity_map.get(key)
    if found is not None:
        return found
    instance = mapper.class_manager.new_instance()
    instance.__dict__.update(values)
    make_transient_to_detached(instance)
    db.session.add(instance)
    return instance


class AuditEvent(db.Model):
    """Who did what to which record, with old → new values. Append-only: the database refuses UPDATE/DELETE."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: Null for system actions (workers, CLI without a user).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    #: Snapshot of the actor's username, so the log reads the same after renames.
    actor_name: Mapped[str] = mapped_column(String(80), nullable=False)
    object_type: Mapped[str] = mapped_column(String(40), nullable=False)
    object_id: Mapped[int] = mapped_column(BigId, nullable=False)
    action: Mapped[str] = mapped_column(String(60), nullable=False)
    #: ``{field: [old, new]}`` for edits; personal data is stored masked.
    changes: Mapped[dict[str, Any]] = mapped_column(JSONDoc, nullable=False, default=dict)
    #: Region of the object at the time, for region-scoped audit views.
    region_code: Mapped[str | None] = mapped_column(String(6), nullable=True, index=True)
    note: Mapped[str | None] = mapped_column(String(2000), nullable=True)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.object_type}:{self.object_id} {self.action}>"


class RefCounter(db.Model):
    """Per-kind, per-year counters behind reference numbers such as ``HL-2015-000123``."""

    __tablename__ = "ref_counters"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))


#: PostgreSQL sequences known to exist in this process (``ref_seq_<kind>_<year>``).
_KNOWN_SEQUENCES: set[str] = set()
_SEQUENCE_NAME = re.compile(r"[^a-z0-9_]")


def _sequence_name(kind: str, year: int) -> str:
    return f"ref_seq_{_SEQUENCE_NAME.sub('_', kind.lower())}_{int(year)}"


def _ensure_sequence(kind: str, year: int) -> str:
    """Create the year's sequence on first use, starting after the ref_counters value (loaded data, demo data)."""
    name = _sequence_name(kind, year)
    if name in _KNOWN_SEQUENCES:
        return name
    _create_and_sync(name, kind, year)
    _KNOWN_SEQUENCES.add(name)
    return name


def reference_sequence(kind: str, year: int) -> str:
    """PostgreSQL: the name of the sequence behind ``kind``'s numbers in ``year``, created on first use; for a
    statement that takes the number itself (``nextval`` inside the intake's INSERT)."""
    return _ensure_sequence(kind, year)


def sync_reference_sequence(kind: str, year: int) -> None:
    """Move the PostgreSQL sequence past ``ref_counters`` (call after bulk loads that set the counter)."""
    if db.engine.dialect.name != "postgresql":
        return
    _create_and_sync(_sequence_name(kind, year), kind, year)


#: Tries of the create-and-sync transaction: a unique violation on pg_class means another session created the
#: sequence between our check and our CREATE (one without the advisory lock, e.g. an older release); the next
#: try finds it.
_CREATE_TRIES = 3


def _create_and_sync(name: str, kind: str, year: int) -> None:
    """Create the sequence if missing and move it past ``ref_counters``, in a short transaction of its own.

    ``CREATE SEQUENCE IF NOT EXISTS`` is not safe against itself: two sessions that both see no sequence both
    insert it into pg_class, and the second fails with a unique violation (pg_class_relname_nsp_index) — the
    first calls of a new year, arriving together, answered 500. So the creators of one sequence queue on a
    transaction-level advisory lock named after it (held a few ms, released at commit); the one that follows
    finds the sequence made. The caller's own transaction is not involved (another pooled connection).
    """
    for attempt in range(1, _CREATE_TRIES + 1):
        try:
            with db.engine.begin() as conn:
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:lock))"), {"lock": f"hotline.{name}"})
                conn.execute(text(f'CREATE SEQUENCE IF NOT EXISTS "{name}" MINVALUE 1'))
                used = conn.execute(
                    text("SELECT COALESCE(MAX(value), 0) FROM ref_counters WHERE kind = :kind AND year = :year"),
                    {"kind": kind, "year": year}).scalar_one()
                # Only ever forward: the next value becomes max(what the sequence would give, used + 1).
                conn.execute(text(
                    f"SELECT setval('\"{name}\"', :used, true) FROM \"{name}\" "
                    "WHERE :used + 1 > CASE WHEN is_called THEN last_value + 1 ELSE last_value END"), {"used": used})
            return
        except IntegrityError as exc:
            if attempt == _CREATE_TRIES or getattr(exc.orig, "sqlstate", None) != "23505":
                raise


def forget_reference_sequences() -> None:
    """Drop the process's memory of existing sequences (tests drop them between cases)."""
    _KNOWN_SEQUENCES.clear()


def next_reference_number(kind: str, year: int) -> int:
    """Take the next number for ``kind`` in ``year``.

    PostgreSQL: a per-year sequence (``nextval`` never waits on other transactions, so concurrent intakes do not
    queue on a counter row; a rolled-back intake leaves a gap). SQLite has a single writer anyway, so there the
    ``ref_counters`` row is incremented inside the current transaction.
    """
    if db.engine.dialect.name == "postgresql":
        name = _ensure_sequence(kind, year)
        return db.session.execute(text(f"SELECT nextval('\"{name}\"')")).scalar_one()
    upsert = text(
        "INSERT INTO ref_counters (kind, year, value) VALUES (:kind, :year, 1) "
        "ON CONFLICT (kind, year) DO UPDATE SET value = ref_counters.value + 1 RETURNING value"
    )
    return db.session.execute(upsert, {"kind": kind, "year": year}).scalar_one()


class OutboxMessage(db.Model):
    """Work to queue once the transaction that wrote it has committed (transactional outbox).

    Any domain writes rows through ``hotline.core.outbox.write`` in the transaction that made the change; after the
    commit ``hotline.core.dispatch`` nudges the task that handles the topic, and beat's sweeps catch up anything
    left, so a Redis outage only delays the work. Topics: ``stats.stale`` carries ``{"months": ["YYYY-MM", …]}``
    (a change that affects those months' figures); see ``hotline.core.dispatch.ROUTES`` for the others.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "processed_at", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDoc, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ScheduledRun(db.Model):
    """One run of a scheduled job for one due time (the embedded scheduler, ``hotline.core.scheduler``). The
    unique (job, due_at) pair is the lock: of the processes that tick the same due time, the one whose INSERT
    succeeds runs the job; the others see the row and skip it. At most once per due time."""

    __tablename__ = "scheduled_runs"
    __table_args__ = (UniqueConstraint("job", "due_at", name="uq_scheduled_runs_job_due"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job: Mapped[str] = mapped_column(String(80), nullable=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    #: running, done or failed (a run whose process died stays "running": it is not run again).
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="running")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: host:pid of the process that ran it (diagnostics).
    runner: Mapped[str] = mapped_column(String(120), nullable=False, default="")
