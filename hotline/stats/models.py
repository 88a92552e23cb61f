"""Monthly snapshots, pending revisions of locked months and long-running task records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.core.permissions import province_code
from hotline.core.types import JSONDoc, UTCDateTime, utcnow
from hotline.extensions import db


class MonthlySnapshot(db.Model):
    """The figures of one month for one region (or 430000 for the province), as product.md defines them."""

    __tablename__ = "monthly_snapshots"
    __audit_type__ = "monthly_snapshot"
    __table_args__ = (UniqueConstraint("month", "region_code", name="uq_monthly_snapshots_month_region"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: First day of the month (Beijing calendar).
    month: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    #: The figures: {"calls": {...}, "cases": {...}} (money as decimal strings).
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc, nullable=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: 报送: a locked month is never overwritten; later rebuilds become pending revisions.
    locked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    #: The records behind locked figures: {"calls": {id: fingerprint}, "cases": {id: fingerprint}} (the province
    #: row: those recorded against the province itself). A revision lists what differs from them. None when
    #: unlocked, or locked before records were kept.
    records: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)

    revisions: Mapped[list[SnapshotRevision]] = relationship(back_populates="snapshot",
                                                             order_by="SnapshotRevision.id")


class SnapshotRevision(db.Model):
    """A rebuild of a locked month, kept beside the locked figures until a supervisor accepts or discards it."""

    __tablename__ = "snapshot_revisions"
    __audit_type__ = "snapshot_revision"
    __table_args__ = (CheckConstraint("status IN ('pending', 'accepted', 'discarded')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("monthly_snapshots.id"), nullable=False, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc, nullable=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: The records behind the revised figures (they become the snapshot's when it is accepted).
    records: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)
    #: Which records caused it: {"calls"|"cases": {"added"|"removed"|"changed": [{"id", "ref"}]}}; None when the
    #: locked figures have no records to compare with (locked before they were kept).
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)

    snapshot: Mapped[MonthlySnapshot] = relationship(back_populates="revisions")

    @property
    def region_code(self) -> str:
        return self.snapshot.region_code


class TaskRun(db.Model):
    """A long-running job a user started (monthly rebuilds): state and progress for the page and the API."""

    __tablename__ = "task_runs"
    __table_args__ = (CheckConstraint("state IN ('PENDING', 'STARTED', 'SUCCESS', 'FAILURE')", name="state"),)

    #: Random UUID, also used as the Celery task id.
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="PENDING")
    progress: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    params: Mapped[dict[str, Any]] = mapped_column(JSONDoc, nullable=False, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    steps_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    steps_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    def region_result(self) -> dict[str, Any] | None:
        """The result as the run's region may see it. A rebuild computes every region's snapshots of its months,
        so ``result["months"]`` holds every region's outcome; a 市州's run reports its own region's only (the
        province's run, every region's)."""
        result = self.result
        if not result or self.region_code == province_code() or not isinstance(result.get("months"), dict):
            return result
        months = {month: {code: outcome for code, outcome in outcomes.items() if code == self.region_code}
                  for month, outcomes in result["months"].items()}
        return {**result, "months": months}


class PerformanceMonth(db.Model):
    """The numerators and denominators of the performance indicators (绩效考核) of one month for one region, as
    recorded against that region itself (a parent's figures are the sum of its subtree's rows). Rebuilt with the
    month's snapshots by the workers; not locked (报送 locks the snapshots, not the assessment). A year's table
    sums twelve of these rows per region, so its cost does not grow with the number of calls and cases."""

    __tablename__ = "performance_months"
    __table_args__ = (UniqueConstraint("month", "region_code", name="uq_performance_months_month_region"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: First day of the month (Beijing calendar).
    month: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    #: {"filed_due": n, "filed_on_time": n, ...}: counts only (see hotline.stats.performance.COUNT_KEYS).
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc, nullable=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
