"""Assistance requests (协查) from a case's region to another region, their evidence files, and the regions
joined to a case (联合办案)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.core.models import BigId, TimestampMixin
from hotline.core.types import UTCDateTime, utcnow
from hotline.extensions import db


class AssistStatus(enum.StrEnum):
    pending = "pending"
    answered = "answered"
    declined = "declined"


class AssistKind(enum.StrEnum):
    """What is asked: an investigation (调查取证), evidence to collect (证据收集), a party to serve (协助送达)."""

    investigation = "investigation"
    evidence = "evidence"
    service = "service"
    other = "other"


def _values(enum_cls) -> str:
    return ", ".join(f"'{s.value}'" for s in enum_cls)


class Assist(TimestampMixin, db.Model):
    """One request for assistance. The assisting region reads only what the request shares (``case_summary`` and
    ``request``), never the case itself."""

    __tablename__ = "assists"
    __audit_type__ = "assist"
    __table_args__ = (
        CheckConstraint(f"status IN ({_values(AssistStatus)})", name="status"),
        CheckConstraint(f"kind IN ({_values(AssistKind)})", name="kind"),
        CheckConstraint("from_region_code <> region_code", name="another_region"),
        CheckConstraint("(status = 'answered') = (answered_at IS NOT NULL)", name="answered_at_iff_answered"),
        CheckConstraint("(status = 'declined') = (declined_at IS NOT NULL)", name="declined_at_iff_declined"),
        Index("ix_assists_region_status", "region_code", "status"),
        Index("ix_assists_from_region_status", "from_region_code", "status"),
        Index("ix_assists_status_due_on", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    __mapper_args__ = {"version_id_col": version}
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    #: The asking region: the case's (lead) region when the request was sent.
    from_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    #: The assisting region.
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default=AssistKind.investigation.value)
    #: What the request shares of the case (the asker chooses it): the assisting region sees nothing else.
    case_summary: Mapped[str] = mapped_column(String(2000), nullable=False)
    request: Mapped[str] = mapped_column(Text, nullable=False)
    #: Beijing date by which the answer is asked.
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=AssistStatus.pending.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    sent_on: Mapped[date] = mapped_column(Date, nullable=False)

    result: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decline_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    declined_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    case = relationship("Case", foreign_keys=[case_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    answered_by = relationship("User", foreign_keys=[answered_by_id])
    declined_by = relationship("User", foreign_keys=[declined_by_id])
    files = relationship("AssistFile", order_by="AssistFile.attachment_id", lazy="selectin",
                         cascade="all, delete-orphan")

    @property
    def is_pending(self) -> bool:
        return self.status == AssistStatus.pending.value

    def __repr__(self) -> str:
        return f"<Assist {self.id} {self.status}>"


class AssistFile(db.Model):
    """An evidence file the assisting region sent with its answer: a case attachment (stored by
    ``hotline.cases.attachments``) linked to the request it answers."""

    __tablename__ = "assist_files"

    assist_id: Mapped[int] = mapped_column(ForeignKey("assists.id"), primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"), primary_key=True, unique=True)

    attachment = relationship("Attachment", lazy="joined")


class CaseJointRegion(db.Model):
    """A region joined to a case run jointly (联合办案): it reads the case and adds events; the lead region
    (``cases.region_code``) owns it, and the statistics count it there only."""

    __tablename__ = "case_joint_regions"
    __table_args__ = (Index("ix_case_joint_regions_region_code_case_id", "region_code", "case_id"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
