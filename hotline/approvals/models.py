"""An approval request (审批): what is asked on a case and why, and the supervisor's decision.

Nothing changes on the case while the request is pending; approving applies the case operation with the
decider as the approver, in the same transaction. History recorded before approvals existed keeps its approvers
on the case (``*_approved_by_id``, ``case_extensions.approved_by_id``) and has no rows here.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.core.models import BigId, TimestampMixin
from hotline.core.types import JSONDoc, UTCDateTime, utcnow
from hotline.extensions import db


class ApprovalAction(enum.StrEnum):
    extend = "extend"
    close_penalized = "close_penalized"
    publish = "publish"
    withdraw = "withdraw"
    file = "file"

    @property
    def case_action(self) -> str:
        """The case workflow action (hotline.cases.operations.ACTIONS) this approval applies."""
        return "close" if self is ApprovalAction.close_penalized else self.value


class ApprovalStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    #: Withdrawn by the requester before a decision.
    cancelled = "cancelled"
    #: The case changed (closed, already published …) so the request no longer applies.
    obsolete = "obsolete"


#: What a decider may change when approving: the days or months of an extension, the amounts of a penalty.
CHANGEABLE = {
    ApprovalAction.extend.value: ("months", "days"),
    ApprovalAction.close_penalized.value: ("fine_amount", "confiscated_amount"),
}


def _values(enum_cls) -> str:
    return ", ".join(f"'{v.value}'" for v in enum_cls)


class Approval(TimestampMixin, db.Model):
    __tablename__ = "approvals"
    __audit_type__ = "approval"
    __table_args__ = (
        CheckConstraint(f"action IN ({_values(ApprovalAction)})", name="action"),
        CheckConstraint(f"status IN ({_values(ApprovalStatus)})", name="status"),
        CheckConstraint("(status IN ('approved', 'rejected')) = (decided_by_id IS NOT NULL)", name="decided_by_iff"),
        CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name="decided_at_iff"),
        # The supervisors' queue: pending requests per region, oldest clock first.
        Index("ix_approvals_status_region_due", "status", "region_code", "due_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    __mapper_args__ = {"version_id_col": version}

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    #: The case's region, copied at the request (a case never changes region): scopes lists and deciders.
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    #: What is asked, as the case action's input: {"days": 15}, {"outcome": "penalized", "fine_amount": "5000.00",
    #: "closed_on": "2015-10-20", …}; money as decimal strings, dates as YYYY-MM-DD.
    params: Mapped[dict[str, Any]] = mapped_column(JSONDoc, nullable=False, default=dict)
    #: Why it is asked.
    reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ApprovalStatus.pending.value)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: The approval clock: APPROVAL_WORKING_DAYS working days of the region after the request (null: the
    #: calendar of that year is not loaded).
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    #: When it left ``pending`` (decided, cancelled or found obsolete).
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    #: Approved with changes: {"days": [15, 10]} (asked, approved).
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)

    case = relationship("Case", lazy="joined")
    requested_by = relationship("User", foreign_keys=[requested_by_id], lazy="joined")
    decided_by = relationship("User", foreign_keys=[decided_by_id], lazy="joined")

    @property
    def action_enum(self) -> ApprovalAction:
        return ApprovalAction(self.action)

    @property
    def is_pending(self) -> bool:
        return self.status == ApprovalStatus.pending.value

    def __repr__(self) -> str:
        return f"<Approval {self.id} {self.action} {self.status} case={self.case_id}>"
