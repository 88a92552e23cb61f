"""Standard answers and their versions: a call records the version it gave, so it shows the text the caller heard."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.core.models import BigId, TimestampMixin
from hotline.core.types import SearchVector, UTCDateTime, utcnow
from hotline.extensions import db


class AnswerStatus(enum.StrEnum):
    active = "active"
    retired = "retired"


class AnswerCategory(enum.StrEnum):
    patent_dispute = "patent_dispute"
    counterfeit = "counterfeit"
    hotline = "hotline"
    fees = "fees"
    time_limits = "time_limits"
    trademark = "trademark"
    copyright = "copyright"
    other = "other"


_STATUS_VALUES = ", ".join(f"'{s.value}'" for s in AnswerStatus)
_CATEGORY_VALUES = ", ".join(f"'{c.value}'" for c in AnswerCategory)

#: The fields a version holds (an edit of any of them makes a new version).
VERSIONED_FIELDS = ("question", "answer", "category", "basis", "reviewed_on")


class StandardAnswer(TimestampMixin, db.Model):
    """The current text of a standard answer; every edit also writes a :class:`StandardAnswerVersion`."""

    __tablename__ = "standard_answers"
    __audit_type__ = "standard_answer"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUS_VALUES})", name="status"),
        CheckConstraint(f"category IN ({_CATEGORY_VALUES})", name="category"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_standard_answers_search_vector", "search_vector", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: The current version's number (1 for a new answer).
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=AnswerStatus.active.value, index=True)
    category: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    question: Mapped[str] = mapped_column(String(300), nullable=False)
    answer: Mapped[str] = mapped_column(Text, nullable=False)
    #: The rule or law the answer rests on (专利法第六十五条 …).
    basis: Mapped[str] = mapped_column(String(500), nullable=False)
    #: When a supervisor last checked the answer against the rules (Beijing date).
    reviewed_on: Mapped[date] = mapped_column(Date, nullable=False)
    #: Seeded starter answers carry a stable key so `flask seed` does not add them twice.
    seed_key: Mapped[str | None] = mapped_column(String(40), nullable=True, unique=True)
    #: Bigram tokens of question, answer and basis: a tsvector on PostgreSQL, the token text on SQLite.
    search_vector = mapped_column(SearchVector, nullable=True, deferred=True)

    versions: Mapped[list[StandardAnswerVersion]] = relationship(
        back_populates="standard_answer", order_by="StandardAnswerVersion.version.desc()")

    def __repr__(self) -> str:
        return f"<StandardAnswer {self.id} v{self.version} {self.status}>"

    @property
    def is_active(self) -> bool:
        return self.status == AnswerStatus.active.value


class StandardAnswerVersion(db.Model):
    """One version of a standard answer as it was given (never changed once written)."""

    __tablename__ = "standard_answer_versions"
    __table_args__ = (UniqueConstraint("answer_id", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("standard_answers.id"), nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    question: Mapped[str] = mapped_column(String(300), nullable=False)
    answer: Mapped[str] = mapped_column(Text, nullable=False)
    basis: Mapped[str] = mapped_column(String(500), nullable=False)
    reviewed_on: Mapped[date] = mapped_column(Date, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    standard_answer: Mapped[StandardAnswer] = relationship(back_populates="versions")
    created_by = relationship("User", foreign_keys=[created_by_id])
