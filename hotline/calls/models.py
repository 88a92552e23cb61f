"""Calls (来电/来件登记) and callers."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.core.models import BigId, TimestampMixin
from hotline.core.types import SearchVector, UTCDateTime, utcnow
from hotline.extensions import db
from hotline.transfers.models import TransferStatus


class CallStatus(enum.StrEnum):
    open = "open"
    answered = "answered"
    transferred = "transferred"
    case_opened = "case_opened"
    not_accepted = "not_accepted"
    closed = "closed"


#: open → answered | transferred | case_opened | not_accepted → closed (once the caller had feedback). A transferred
#: call closes only once its transfer was called back (hotline.transfers.operations.may_close_call); a transfer
#: the region returned may be sent elsewhere (the call stays transferred).
ALLOWED_TRANSITIONS: dict[CallStatus, frozenset[CallStatus]] = {
    CallStatus.open: frozenset({CallStatus.answered, CallStatus.transferred, CallStatus.case_opened,
                                CallStatus.not_accepted}),
    CallStatus.answered: frozenset({CallStatus.transferred, CallStatus.case_opened, CallStatus.closed}),
    CallStatus.transferred: frozenset({CallStatus.closed}),
    CallStatus.case_opened: frozenset({CallStatus.closed}),
    CallStatus.not_accepted: frozenset({CallStatus.closed}),
    CallStatus.closed: frozenset(),
}

_STATUS_VALUES = ", ".join(f"'{s.value}'" for s in CallStatus)
_TRANSFER_STATUS_VALUES = ", ".join(f"'{s.value}'" for s in TransferStatus)


class Caller(db.Model):
    """A phone number that has called. Identity is the normalized number; names stay on each call."""

    __tablename__ = "callers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: E.164 (``+8613812345678``) or a short service number (``12345``).
    phone_key: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    number_type: Mapped[str] = mapped_column(String(24), nullable=False)
    #: Landline area code (0731 …), for routing hints; null for mobiles.
    area_code: Mapped[str | None] = mapped_column(String(5), nullable=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Call(TimestampMixin, db.Model):
    __tablename__ = "calls"
    __audit_type__ = "call"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUS_VALUES})", name="status"),
        CheckConstraint(f"transfer_status IS NULL OR transfer_status IN ({_TRANSFER_STATUS_VALUES})",
                        name="transfer_status"),
        CheckConstraint("duration_seconds IS NULL OR duration_seconds >= 0", name="duration_non_negative"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_at_iff_closed"),
        CheckConstraint("NOT (is_anonymous AND caller_id IS NOT NULL)", name="anonymous_has_no_caller"),
        CheckConstraint("(answer_id IS NULL) = (answer_version IS NULL)", name="answer_version_iff_answer"),
        Index("ix_calls_received_at_id", "received_at", "id"),
        Index("ix_calls_region_received_at_id", "region_code", "received_at", "id"),
        Index("ix_calls_caller_received_at", "caller_id", "received_at"),
        Index("ix_calls_accused_key_received_at", "accused_party_key", "received_at"),
        Index("ix_calls_patent_received_at", "patent_number", "received_at"),
        Index("ix_calls_search_vector", "search_vector", postgresql_using="gin"),
        # No single-column indexes on channel, request_type, ip_type, status, transfer_status or accept_due_on:
        # a handful of values each, so no list reads them (lists walk region/date keysets, the due lists
        # ix_calls_status_accept_due_on), while every intake paid for keeping them (migration 7c2e9a4b1d58).
        # One call per switch call: a retried POST finds the call it made (hotline.cti).
        Index("ux_calls_cti_call_id", "cti_call_id", unique=True),
        # The due lists: open calls by acceptance deadline.
        Index("ix_calls_status_accept_due_on", "status", "accept_due_on"),
        # The operator's inbox: their calls still waiting for a decision, by acceptance deadline.
        Index("ix_calls_operator_undecided_due", "operator_id", "accept_due_on",
              postgresql_where=text("decided_at IS NULL"), sqlite_where=text("decided_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: Read over the phone: ``HL-2015-000123`` (per-year counter, Beijing-time year).
    ref: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    #: Optimistic-locking version, bumped on every update; clients send it back as If-Match.
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    __mapper_args__ = {"version_id_col": version}
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    channel: Mapped[str] = mapped_column(ForeignKey("channels.code"), nullable=False)
    request_type: Mapped[str] = mapped_column(ForeignKey("request_types.code"), nullable=False)
    ip_type: Mapped[str | None] = mapped_column(ForeignKey("ip_types.code"), nullable=True)
    #: Where the matter happened; the call belongs to that region's office.
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=CallStatus.open.value)

    caller_id: Mapped[int | None] = mapped_column(ForeignKey("callers.id"), nullable=True)
    #: The number exactly as typed.
    caller_phone_raw: Mapped[str | None] = mapped_column(String(40), nullable=True)
    caller_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    is_anonymous: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    accused_party: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: accused_party without spaces/punctuation, lower-case: the duplicate check compares this.
    accused_party_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: Canonical application number (``201710601862.3``).
    patent_number: Mapped[str | None] = mapped_column(String(20), nullable=True)
    patent_number_raw: Mapped[str | None] = mapped_column(String(40), nullable=True)
    product: Mapped[str | None] = mapped_column(String(200), nullable=True)
    place: Mapped[str | None] = mapped_column(String(200), nullable=True)
    summary: Mapped[str] = mapped_column(String(500), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    duration_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    exhibition_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: The trade fair the call came from (hotline.campaigns); its name is also kept in ``exhibition_name``.
    exhibition_id: Mapped[int | None] = mapped_column(ForeignKey("exhibitions.id"), nullable=True, index=True)
    #: What the caller was told on the spot (free text, or a standard answer as the operator edited it).
    answer_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The standard answer given, and the version of it the operator inserted (null: answered in own words).
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("standard_answers.id"), nullable=True, index=True)
    answer_version: Mapped[int | None] = mapped_column(Integer, nullable=True)

    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    #: The telephone switch's id of the call (CTI), when it came through the switch: at most one call each.
    cti_call_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), nullable=True, index=True)

    transferred_to_region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), nullable=True)
    transferred_to_agency: Mapped[str | None] = mapped_column(String(200), nullable=True)
    transferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    transfer_note: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    #: Where the current transfer stands (pending, signed, answered …): a transferred call is being handled by
    #: the receiving region until this says called_back or closed. Kept by hotline.transfers.operations.
    transfer_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    not_accepted_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)

    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    feedback_method: Mapped[str | None] = mapped_column(String(20), nullable=True)
    feedback_note: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: When the call left ``open`` (answered, transferred, case opened or not accepted): meets the accept deadline.
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: The decision the call got (answered / transferred / case_opened / not_accepted); kept after closing,
    #: for the statistics.
    decision: Mapped[str | None] = mapped_column(String(20), nullable=True)
    #: Beijing date of ``decided_at``: compared with ``accept_due_on`` for "decided within the time limit".
    decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: Hotline deadline to decide acceptance or transfer (5 working days); null if the calendar lacks the year.
    accept_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    #: Bigram full-text document over summary, accused party and caller name (PostgreSQL).
    search_vector = mapped_column(SearchVector, nullable=True, deferred=True)

    caller: Mapped[Caller | None] = relationship(lazy="joined")
    operator = relationship("User", foreign_keys=[operator_id], lazy="joined")
    duplicate_of: Mapped[Call | None] = relationship(remote_side=[id], foreign_keys=[duplicate_of_id])
    exhibition = relationship("Exhibition", foreign_keys=[exhibition_id])

    def __repr__(self) -> str:
        return f"<Call {self.ref} {self.status}>"

    @property
    def status_enum(self) -> CallStatus:
        return CallStatus(self.status)

    def can_move_to(self, status: CallStatus) -> bool:
        return status in ALLOWED_TRANSITIONS[self.status_enum]


class NumberLookup(db.Model):
    """A full number that a user who sees numbers masked (officer, supervisor) looked up, for rate-limiting such
    look-ups per user (shared by all workers; a user's rows older than the window are deleted as new ones come).
    The number is kept only as a keyed hash: enough to tell a new number from one asked again."""

    __tablename__ = "number_lookups"
    __table_args__ = (Index("ix_number_lookups_user_id_at", "user_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    #: HMAC-SHA256 of the normalized number under the app's secret key (hex).
    number_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
