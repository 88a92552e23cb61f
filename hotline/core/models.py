"""Shared tables: timestamps, the append-only audit log and reference-number counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.core.types import JSONDoc, UTCDateTime, utcnow
from hotline.extensions import db

#: Indexes that exist on PostgreSQL only (GIN over tsvectors); the model comparison skips them elsewhere.
POSTGRES_ONLY_INDEXES = frozenset({"ix_calls_search_vector", "ix_cases_search_vector"})

#: BIGINT identity on PostgreSQL, INTEGER (rowid alias, so it autoincrements) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


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


def next_reference_number(kind: str, year: int) -> int:
    """Take the next number for ``kind`` in ``year``.

    On PostgreSQL the increment runs on its own short autocommit connection, so concurrent intakes never
    wait on each other's transactions for the counter row (a rolled-back intake leaves a gap, as a sequence
    would). SQLite has a single writer anyway, so there it runs inside the current transaction.
    """
    upsert = text(
        "INSERT INTO ref_counters (kind, year, value) VALUES (:kind, :year, 1) "
        "ON CONFLICT (kind, year) DO UPDATE SET value = ref_counters.value + 1 RETURNING value"
    )
    params = {"kind": kind, "year": year}
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            value = conn.execute(upsert, params).scalar_one()
            conn.commit()
        return value
    return db.session.execute(upsert, params).scalar_one()
