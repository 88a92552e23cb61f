"""Cases (执法案件), their officers, suspensions, extensions, events and evidence attachments."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.core.models import BigId, TimestampMixin
from hotline.core.types import SearchVector, UTCDateTime, utcnow
from hotline.extensions import db

Money = Numeric(14, 2)


class CaseType(enum.StrEnum):
    infringement_dispute = "infringement_dispute"
    other_dispute = "other_dispute"
    counterfeit = "counterfeit"

    @property
    def is_dispute(self) -> bool:
        return self is not CaseType.counterfeit


class CaseSource(enum.StrEnum):
    hotline_call = "hotline_call"
    request = "request"
    inspection = "inspection"
    referral = "referral"
    exhibition = "exhibition"
    ecommerce = "ecommerce"


class CaseStatus(enum.StrEnum):
    received = "received"
    filed = "filed"
    not_accepted = "not_accepted"
    suspended = "suspended"
    closed = "closed"


class PatentType(enum.StrEnum):
    invention = "invention"
    utility_model = "utility_model"
    design = "design"


DISPUTE_OUTCOMES = ("infringement_found", "request_dismissed", "mediated", "withdrawn", "revoked")
COUNTERFEIT_OUTCOMES = ("penalized", "exempted", "revoked", "transferred_police")
ALL_OUTCOMES = tuple(dict.fromkeys(DISPUTE_OUTCOMES + COUNTERFEIT_OUTCOMES))


class EventKind(enum.StrEnum):
    served = "served"
    defence_received = "defence_received"
    hearing = "hearing"
    evidence_saved = "evidence_saved"
    decision = "decision"
    penalty_served = "penalty_served"
    fine_paid = "fine_paid"
    transfer_judicial = "transfer_judicial"
    publication = "publication"
    note = "note"
    # recorded by the workflow actions themselves
    filed = "filed"
    rejected = "rejected"
    suspended = "suspended"
    resumed = "resumed"
    extended = "extended"
    closed = "closed"
    # major-case supervision (hotline.supervision): designated, a report submitted, ended
    supervision_designated = "supervision_designated"
    supervision_report = "supervision_report"
    supervision_closed = "supervision_closed"


#: Events an officer records by hand (the others come from actions).
MANUAL_EVENT_KINDS = (
    EventKind.served, EventKind.defence_received, EventKind.hearing, EventKind.evidence_saved, EventKind.decision,
    EventKind.penalty_served, EventKind.fine_paid, EventKind.transfer_judicial, EventKind.note,
)


def _values(enum_cls) -> str:
    return ", ".join(f"'{v.value}'" for v in enum_cls)


#: A penalty decision that is public once its publication date has come: the condition of
#: ix_cases_published_decisions, which ``published_decision()`` repeats to the letter.
PUBLISHED_DECISION = ("case_type = 'counterfeit' AND status = 'closed' AND outcome = 'penalized' "
                      "AND publication_withdrawn_on IS NULL")


def published_decision():
    """SQL: ``PUBLISHED_DECISION`` (the public page and the yearly report's count), literal so that PostgreSQL
    matches the partial index."""
    return literal_column(f"({PUBLISHED_DECISION})")
#: Closed as penalized, publication not recorded (the condition of ix_cases_unpublished_penalties).
UNPUBLISHED_PENALTY = "status = 'closed' AND outcome = 'penalized' AND published_on IS NULL"
#: The due date of a pending deadline other than the publication of an unpublished penalty decision (null for
#: those and for cases with nothing pending): the case list's overdue filter (``queries.overdue_clause``) reads it
#: through ``ix_cases_due_except_publication``. Literal SQL: the query repeats it to the letter, so PostgreSQL
#: matches the index and estimates from the index's own statistics (a partial index would have none: how many of
#: the past due dates are old unpublished penalties is what the plan depends on).
DUE_EXCEPT_PUBLICATION_SQL = f"CASE WHEN {UNPUBLISHED_PENALTY} THEN NULL ELSE next_due_on END"
#: A running deadline without its stored due date (the calendar of its year is not loaded yet). Literal SQL, so
#: queries that repeat it use the partial index ``ix_cases_deadline_missing``.
DEADLINE_MISSING_SQL = (
    "(status = 'received' AND file_due_on IS NULL) OR (status = 'filed' AND close_due_on IS NULL) OR "
    "(status = 'closed' AND case_type = 'counterfeit' AND outcome = 'penalized' AND published_on IS NULL "
    "AND publish_due_on IS NULL)")

case_officers = Table(
    "case_officers",
    db.metadata,
    Column("case_id", ForeignKey("cases.id", name="fk_case_officers_case_id_cases"), primary_key=True),
    Column("user_id", ForeignKey("users.id", name="fk_case_officers_user_id_users"), primary_key=True, index=True),
    # An officer's case ids in one index (the inbox joins them with the pending deadlines, index-only).
    Index("ix_case_officers_user_id_case_id", "user_id", "case_id"),
)


class Case(TimestampMixin, db.Model):
    __tablename__ = "cases"
    __audit_type__ = "case"
    __table_args__ = (
        CheckConstraint(f"case_type IN ({_values(CaseType)})", name="case_type"),
        CheckConstraint(f"status IN ({_values(CaseStatus)})", name="status"),
        CheckConstraint(f"source IN ({_values(CaseSource)})", name="source"),
        CheckConstraint(f"patent_type IS NULL OR patent_type IN ({_values(PatentType)})", name="patent_type"),
        CheckConstraint("outcome IS NULL OR outcome IN ({})".format(", ".join(f"'{o}'" for o in ALL_OUTCOMES)),
                        name="outcome"),
        CheckConstraint("(status = 'closed') = (closed_on IS NOT NULL AND outcome IS NOT NULL)", name="closed_iff"),
        CheckConstraint("status IN ('received', 'not_accepted') OR filed_on IS NOT NULL", name="filed_on_set"),
        # Relied on by the case list's filing-date filter (an index range on received_on).
        CheckConstraint("filed_on IS NULL OR filed_on >= received_on", name="filed_after_received"),
        CheckConstraint("amount_involved IS NULL OR amount_involved >= 0", name="amount_non_negative"),
        CheckConstraint("fine_amount IS NULL OR fine_amount >= 0", name="fine_non_negative"),
        CheckConstraint("confiscated_amount IS NULL OR confiscated_amount >= 0", name="confiscated_non_negative"),
        Index("ix_cases_region_status", "region_code", "status"),
        # The case list: newest receipt first, keyset-paginated on (received_on, id), per region and per status.
        Index("ix_cases_received_on_id", "received_on", "id"),
        Index("ix_cases_region_received_on_id", "region_code", "received_on", "id"),
        Index("ix_cases_status_received_on_id", "status", "received_on", "id"),
        # (and by type: a rare type's newest cases without reading them all; look-ups by type use it too)
        Index("ix_cases_case_type_received_on_id", "case_type", "received_on", "id"),
        Index("ix_cases_filed_on", "filed_on"),
        Index("ix_cases_closed_on", "closed_on"),
        # The public decisions (``PUBLISHED_DECISION``) by publication date, with their region: the public page's
        # newest first and the yearly report's 公开决定书 count, which reads the index alone (index-only scan:
        # 75,000 decisions of 2025 in 2 ms at 2,000,000 cases instead of 137 ms of heap).
        Index("ix_cases_published_decisions", "published_on", "region_code",
              postgresql_where=text(PUBLISHED_DECISION), sqlite_where=text(PUBLISHED_DECISION)),
        # Penalty decisions whose publication is not recorded: the due lists' "to complete" (待补录) list and the
        # publication deadlines the calendar could not compute (a partial index: a few rows of 100k).
        Index("ix_cases_unpublished_penalties", "publish_due_on",
              postgresql_where=text(UNPUBLISHED_PENALTY), sqlite_where=text(UNPUBLISHED_PENALTY)),
        # Due lists and the inbox: pending deadlines by date; with the id, an officer's inbox joins its
        # case ids (ix_case_officers_user_id_case_id) without touching the rows first (index-only scans).
        Index("ix_cases_next_due_on_id", "next_due_on", "id"),
        # The few cases whose running deadline has no date (its calendar year is not loaded): the inbox lists
        # them with the missing year (a partial index: only those rows).
        Index("ix_cases_deadline_missing", "region_code", "id", postgresql_where=text(DEADLINE_MISSING_SQL),
              sqlite_where=text(DEADLINE_MISSING_SQL)),
        # The case list's overdue filter: past due dates other than unpublished penalties' (a handful) — those it
        # reads through ix_cases_unpublished_penalties, only the recent ones. Mostly nulls: small (deduplicated).
        Index("ix_cases_due_except_publication", text(f"({DUE_EXCEPT_PUBLICATION_SQL})")).ddl_if(dialect="postgresql"),
        # An office's overdue cases in its supervisors' inbox.
        Index("ix_cases_region_next_due_on", "region_code", "next_due_on"),
        Index("ix_cases_search_vector", "search_vector", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    __mapper_args__ = {"version_id_col": version}

    #: 案号, given at filing: 湘知执字〔2015〕第12号 (prefix configurable, unique per year).
    case_number: Mapped[str | None] = mapped_column(String(60), nullable=True, unique=True)
    case_type: Mapped[str] = mapped_column(String(30), nullable=False)
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=CaseStatus.received.value)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), nullable=True, index=True)
    #: Receipt (disputes) or discovery/report (counterfeit) date: picks the rule set and starts the filing clock.
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    rule_set_code: Mapped[str] = mapped_column(ForeignKey("rule_sets.code"), nullable=False)

    requester_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    respondent_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: ``person`` or ``organization``: persons' names are partly masked on the public page.
    respondent_kind: Mapped[str] = mapped_column(String(20), nullable=False, default="organization")
    #: 法定代表人 of an organization respondent: published with its name (2014 意见); a person has none.
    respondent_legal_rep: Mapped[str | None] = mapped_column(String(50), nullable=True)
    patent_number: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    patent_type: Mapped[str | None] = mapped_column(String(20), nullable=True)
    summary: Mapped[str] = mapped_column(String(1000), nullable=False)

    amount_involved: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    fine_amount: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    confiscated_amount: Mapped[Decimal | None] = mapped_column(Money, nullable=True)

    is_major: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_exhibition: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_ecommerce: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    foreign_related: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: The trade fair (展会) the case comes from or concerns (hotline.campaigns); a linked case is an exhibition case.
    exhibition_id: Mapped[int | None] = mapped_column(ForeignKey("exhibitions.id"), nullable=True, index=True)

    filed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    rejected_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    reject_reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    suspended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(30), nullable=True)
    judicial_confirmation: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    transferred_judicial: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    close_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    #: Penalty decision text shown on the public page: facts, legal basis, how and by when to comply.
    violation_facts: Mapped[str | None] = mapped_column(Text, nullable=True)
    penalty_basis: Mapped[str | None] = mapped_column(String(500), nullable=True)
    penalty_terms: Mapped[str | None] = mapped_column(String(500), nullable=True)
    published_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    publication_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    publish_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    #: Withdrawn from the public page (市场监督管理行政处罚信息公示规定 §11: within 3 working days after the decision
    #: is changed, revoked or annulled), with the reason and the approving supervisor.
    publication_withdrawn_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    publication_withdrawal_reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    withdrawal_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    #: Current deadlines, recomputed by every operation (so lists can filter on them in SQL).
    file_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    close_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    publish_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: The earliest deadline not yet met (null when none is pending).
    next_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    search_vector = mapped_column(SearchVector, nullable=True, deferred=True)

    officers = relationship("User", secondary=case_officers, lazy="selectin", order_by="User.id")
    call = relationship("Call", foreign_keys=[call_id], backref="cases")
    suspensions: Mapped[list[CaseSuspension]] = relationship(back_populates="case", order_by="CaseSuspension.id",
                                                             lazy="selectin")
    extensions: Mapped[list[CaseExtension]] = relationship(back_populates="case", order_by="CaseExtension.id",
                                                           lazy="selectin")
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case",
                                                   order_by="(CaseEvent.occurred_on, CaseEvent.id)")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="case", order_by="Attachment.id")
    #: 专项行动 the case is counted in (hotline.campaigns.models.case_campaigns).
    campaigns = relationship("Campaign", secondary="case_campaigns", order_by="Campaign.starts_on")
    exhibition = relationship("Exhibition", foreign_keys=[exhibition_id])

    @property
    def type_enum(self) -> CaseType:
        return CaseType(self.case_type)

    @property
    def is_dispute(self) -> bool:
        return self.type_enum.is_dispute

    @property
    def display_number(self) -> str:
        return self.case_number or f"#{self.id}"

    def can_decide(self, user, officer_ids=()) -> bool:
        """May ``user`` give the approval this case's extension, penalty, publication, withdrawal (or filing)
        needs? An active supervisor of the case's region or above who is not one of its officers (nor one of
        ``officer_ids``, the officers a filing would give it): nobody approves their own work."""
        from hotline.core.permissions import supervises

        if user is None or not getattr(user, "is_active", False) or not supervises(user, self.region_code):
            return False
        return user.id not in {o.id for o in self.officers} and user.id not in set(officer_ids or ())

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.case_type} {self.status}>"


class CaseSuspension(db.Model):
    """中止: the closing clock stops from suspended_on until resumed_on."""

    __tablename__ = "case_suspensions"
    __table_args__ = (CheckConstraint("resumed_on IS NULL OR resumed_on >= suspended_on", name="order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    suspended_on: Mapped[date] = mapped_column(Date, nullable=False)
    resumed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    reason: Mapped[str] = mapped_column(String(1000), nullable=False)

    case: Mapped[Case] = relationship(back_populates="suspensions")

    @property
    def days(self) -> int | None:
        return (self.resumed_on - self.suspended_on).days if self.resumed_on else None


class CaseExtension(db.Model):
    """An approved extension of the closing deadline (延期), capped by the rule's maximum."""

    __tablename__ = "case_extensions"
    __table_args__ = (CheckConstraint("months >= 0 AND days >= 0 AND months + days > 0", name="positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    months: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    approved_on: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)

    case: Mapped[Case] = relationship(back_populates="extensions")
    approved_by = relationship("User", foreign_keys=[approved_by_id], lazy="joined")


class CaseEvent(db.Model):
    """A step on the case's timeline (served, hearing, decision …), with a note and its author."""

    __tablename__ = "case_events"
    __table_args__ = (CheckConstraint(f"kind IN ({_values(EventKind)})", name="kind"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    occurred_on: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="events")
    author = relationship("User", lazy="joined")


class Attachment(db.Model):
    """Evidence file: stored under a random name outside the static folder; type checked by content."""

    __tablename__ = "attachments"
    __audit_type__ = "attachment"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    original_name: Mapped[str] = mapped_column(String(255), nullable=False)
    #: Random hex key in the evidence storage (the file name in a local folder); never derived from user input.
    stored_name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    description: Mapped[str | None] = mapped_column(String(500), nullable=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="attachments")
    uploaded_by = relationship("User", lazy="joined")

    @property
    def region_code(self) -> str:
        return self.case.region_code


class OverdueRecord(db.Model):
    """A deadline that passed unmet, recorded once by the daily task (idempotent by its unique key)."""

    __tablename__ = "overdue_records"
    __table_args__ = (UniqueConstraint("object_type", "object_id", "kind", "due_on", name="uq_overdue_records_once"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    object_type: Mapped[str] = mapped_column(String(20), nullable=False)
    object_id: Mapped[int] = mapped_column(BigId, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    detected_on: Mapped[date] = mapped_column(Date, nullable=False)
