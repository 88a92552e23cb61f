"""Transfer records: one per transfer of a call, with its own clock (sign, answer, call back)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.core.models import BigId, TimestampMixin
from hotline.core.types import UTCDateTime
from hotline.extensions import db


class TransferStatus(enum.StrEnum):
    pending = "pending"
    signed = "signed"
    returned = "returned"
    answered = "answered"
    called_back = "called_back"
    reopened = "reopened"
    closed = "closed"


class TransferOutcome(enum.StrEnum):
    case_opened = "case_opened"
    handled = "handled"
    no_violation = "no_violation"
    not_competent = "not_competent"


class Satisfaction(enum.StrEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    dissatisfied = "dissatisfied"


#: pending → signed | returned (| answered, for an agency: the hotline enters its answer); signed → answered;
#: answered → called_back (→ closed when the caller was reached and is satisfied); called_back → called_back
#: (not reached, try again) | reopened (dissatisfied, once) | closed (the call's feedback); reopened → signed.
ALLOWED_TRANSITIONS: dict[TransferStatus, frozenset[TransferStatus]] = {
    TransferStatus.pending: frozenset({TransferStatus.signed, TransferStatus.returned, TransferStatus.answered}),
    TransferStatus.signed: frozenset({TransferStatus.answered}),
    TransferStatus.returned: frozenset(),
    TransferStatus.answered: frozenset({TransferStatus.called_back}),
    TransferStatus.called_back: frozenset({TransferStatus.called_back, TransferStatus.reopened,
                                           TransferStatus.closed}),
    TransferStatus.reopened: frozenset({TransferStatus.signed, TransferStatus.answered}),
    TransferStatus.closed: frozenset(),
}
#: Statuses in which the receiving side still has work (the call is "being handled" there).
OPEN_STATUSES = frozenset({TransferStatus.pending, TransferStatus.signed, TransferStatus.reopened})
#: Statuses after which nothing more happens on this transfer.
FINAL_STATUSES = frozenset({TransferStatus.returned, TransferStatus.closed})


def _values(enum_cls) -> str:
    return ", ".join(f"'{s.value}'" for s in enum_cls)


#: A transfer that is work (not one migrated from before the cycle, answered without anyone answering in the
#: system): the condition of the partial indexes the inbox and due lists read, written as they write it.
LIVE_SQL = "NOT (transfers.answered_on IS NULL AND transfers.status IN ('answered', 'called_back'))"


class Transfer(TimestampMixin, db.Model):
    __tablename__ = "transfers"
    __audit_type__ = "transfer"
    __table_args__ = (
        CheckConstraint(f"status IN ({_values(TransferStatus)})", name="status"),
        CheckConstraint(f"outcome IS NULL OR outcome IN ({_values(TransferOutcome)})", name="outcome"),
        CheckConstraint(f"satisfaction IS NULL OR satisfaction IN ({_values(Satisfaction)})", name="satisfaction"),
        CheckConstraint("(to_region_code IS NULL) <> (to_agency IS NULL)", name="region_or_agency"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_at_iff_closed"),
        CheckConstraint("reopen_count >= 0 AND reopen_count <= 1", name="reopened_once"),
        Index("ix_transfers_to_region_status", "to_region_code", "status"),
        Index("ix_transfers_from_region_status", "from_region_code", "status"),
        # The inbox and due lists skip the migrated transfers (tens of thousands answered before the cycle): these
        # hold only the live ones, so an office's transfers are found without reading the history.
        Index("ix_transfers_to_region_live", "to_region_code", "status",
              postgresql_where=text(LIVE_SQL), sqlite_where=text(LIVE_SQL)),
        Index("ix_transfers_from_region_live", "from_region_code", "status",
              postgresql_where=text(LIVE_SQL), sqlite_where=text(LIVE_SQL)),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: Optimistic-locking version, bumped on every update; clients send it back as If-Match.
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    __mapper_args__ = {"version_id_col": version}
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), nullable=False, index=True)
    #: The call's region before the transfer: the hotline side that calls the caller back.
    from_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    #: The receiving 市州 office, or null for another agency (``to_agency``).
    to_region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), nullable=True)
    to_agency: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=TransferStatus.pending.value, index=True)
    note: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    #: Beijing date the transfer was sent: the sign and answer clocks start here (or at ``reopened_on``).
    sent_on: Mapped[date] = mapped_column(Date, nullable=False)
    #: The deadline rule set in force on ``sent_on``.
    rule_set_code: Mapped[str | None] = mapped_column(ForeignKey("rule_sets.code"), nullable=True)
    #: Deadlines as last computed (null when the calendar lacks the year, or before the clock starts).
    sign_due_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    answer_due_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    callback_due_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    #: Flagged when signing: a disputed or complex matter gets the longer answer limit.
    complex: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)

    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    signed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    return_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)

    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True, index=True)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answered_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    #: Whether the caller was reached on the last call-back (null before any).
    reached: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    satisfaction: Mapped[str | None] = mapped_column(String(20), nullable=True)
    callback_note: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    called_back_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    called_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    called_back_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    reopen_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reopen_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Beijing date of the reopening (重办): the new sign and answer clocks start here.
    reopened_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    call = relationship("Call", foreign_keys=[call_id],
                        backref=db.backref("transfers", order_by="Transfer.id", lazy="select"))
    case = relationship("Case", foreign_keys=[case_id])
    signed_by = relationship("User", foreign_keys=[signed_by_id])
    answered_by = relationship("User", foreign_keys=[answered_by_id])
    called_back_by = relationship("User", foreign_keys=[called_back_by_id])
    returned_by = relationship("User", foreign_keys=[returned_by_id])

    def __repr__(self) -> str:
        return f"<Transfer {self.id} {self.status}>"

    @property
    def status_enum(self) -> TransferStatus:
        return TransferStatus(self.status)

    @property
    def to_agency_only(self) -> bool:
        """A transfer to another agency: the hotline signs and enters the answer for it."""
        return self.to_region_code is None

    @property
    def clock_started_on(self) -> date:
        """Where the sign and answer clocks start: the transfer, or the reopening."""
        return self.reopened_on or self.sent_on

    @property
    def region_code(self) -> str:
        """The region whose work the transfer is (the receiving one; the hotline's for an agency)."""
        return self.to_region_code or self.from_region_code

    def can_move_to(self, status: TransferStatus) -> bool:
        return status in ALLOWED_TRANSITIONS[self.status_enum]
