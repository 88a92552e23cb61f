"""A supervised case (督办) and the reports it asks for (进展报告, 结案报告)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.core.models import BigId, TimestampMixin
from hotline.core.types import UTCDateTime
from hotline.extensions import db


class SupervisionStatus(enum.StrEnum):
    active = "active"
    closed = "closed"


class ReportKind(enum.StrEnum):
    progress = "progress"
    final = "final"


def _values(enum_cls) -> str:
    return ", ".join(f"'{v.value}'" for v in enum_cls)


class Supervision(TimestampMixin, db.Model):
    """A case designated for supervision by a higher office (the province over a 市州 case), with instructions
    and the dates the handling office reports back by. One active supervision per case."""

    __tablename__ = "supervisions"
    __audit_type__ = "supervision"
    __table_args__ = (
        CheckConstraint(f"status IN ({_values(SupervisionStatus)})", name="status"),
        CheckConstraint("(status = 'closed') = (closed_on IS NOT NULL)", name="closed_on_iff_closed"),
        Index("ix_supervisions_region_status", "region_code", "status"),
        Index("ix_supervisions_supervising_region_status", "supervising_region_code", "status"),
        Index("ix_supervisions_designated_on", "designated_on"),
        Index("ix_supervisions_closed_on", "closed_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    __mapper_args__ = {"version_id_col": version}
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    #: The handling office's region (the case's, when designated): who reports.
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    #: The supervising office's region (an ancestor of ``region_code``): who designated it and ends it.
    supervising_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=SupervisionStatus.active.value)
    instructions: Mapped[str] = mapped_column(Text, nullable=False)
    designated_on: Mapped[date] = mapped_column(Date, nullable=False)
    designated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    close_note: Mapped[str | None] = mapped_column(String(2000), nullable=True)

    case = relationship("Case", lazy="joined")
    designated_by = relationship("User", foreign_keys=[designated_by_id], lazy="joined")
    closed_by = relationship("User", foreign_keys=[closed_by_id])
    reports: Mapped[list[SupervisionReport]] = relationship(
        back_populates="supervision", order_by="(SupervisionReport.due_on, SupervisionReport.id)", lazy="selectin")

    @property
    def is_active(self) -> bool:
        return self.status == SupervisionStatus.active.value

    def __repr__(self) -> str:
        return f"<Supervision {self.id} case={self.case_id} {self.status}>"


class SupervisionReport(db.Model):
    """A report the handling office owes by ``due_on``; submitted, it is also a case event with the text."""

    __tablename__ = "supervision_reports"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_values(ReportKind)})", name="kind"),
        CheckConstraint("(submitted_on IS NULL) = (submitted_by_id IS NULL)", name="submitted_by_iff_on"),
        UniqueConstraint("supervision_id", "kind", "due_on", name="uq_supervision_reports_once"),
        # The inboxes: the reports still owed, soonest first.
        Index("ix_supervision_reports_pending_due_on", "submitted_on", "due_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    supervision_id: Mapped[int] = mapped_column(ForeignKey("supervisions.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    submitted_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The case event the report became (its timeline entry).
    case_event_id: Mapped[int | None] = mapped_column(ForeignKey("case_events.id"), nullable=True, index=True)

    supervision: Mapped[Supervision] = relationship(back_populates="reports")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id], lazy="joined")

    @property
    def region_code(self) -> str:
        return self.supervision.region_code
