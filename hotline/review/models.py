"""Checklist items, reviews of sampled case files, and per-item scores."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.core.types import UTCDateTime, utcnow
from hotline.extensions import db

Points = Numeric(5, 1)


class ReviewItem(db.Model):
    """One checklist item: a veto item (any failure makes the file 不合格) or a deduction in points."""

    __tablename__ = "review_items"
    __audit_type__ = "review_item"
    __table_args__ = (
        CheckConstraint("category IN ('veto', 'form', 'content')", name="category"),
        CheckConstraint("deduction >= 0", name="deduction_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    category: Mapped[str] = mapped_column(String(10), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    #: Points deducted when the item fails (0 for veto items).
    deduction: Mapped[Decimal] = mapped_column(Points, nullable=False, default=Decimal("0"))
    #: Name of an automatic check (deadlines met, officer count …) or null for items a reviewer judges.
    auto_check: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: Which case types it applies to: all / dispute / counterfeit.
    applies_to: Mapped[str] = mapped_column(String(20), nullable=False, default="all")
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class CaseReview(db.Model):
    """The review of one closed case file, drawn in a random sample."""

    __tablename__ = "case_reviews"
    __audit_type__ = "case_review"
    __table_args__ = (
        UniqueConstraint("case_id", "sample_label", name="uq_case_reviews_once_per_sample"),
        CheckConstraint("status IN ('pending', 'done')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    #: The sample it was drawn in (e.g. "2015 年度评查").
    sample_label: Mapped[str] = mapped_column(String(100), nullable=False)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    score: Mapped[Decimal | None] = mapped_column(Points, nullable=True)
    grade: Mapped[str | None] = mapped_column(String(10), nullable=True)
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    case = relationship("Case", lazy="joined")
    scores: Mapped[list[CaseReviewScore]] = relationship(back_populates="review", order_by="CaseReviewScore.id",
                                                         cascade="all, delete-orphan")


class CaseReviewScore(db.Model):
    __tablename__ = "case_review_scores"
    __table_args__ = (UniqueConstraint("review_id", "item_id", name="uq_case_review_scores_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("case_reviews.id"), nullable=False, index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id"), nullable=False)
    #: None = not judged yet; True = passes; False = fails (deduction applies / veto).
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    #: Set by an automatic check (the reviewer may still override it).
    automatic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    note: Mapped[str | None] = mapped_column(String(1000), nullable=True)

    review: Mapped[CaseReview] = relationship(back_populates="scores")
    item: Mapped[ReviewItem] = relationship(lazy="joined")
