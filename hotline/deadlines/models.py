"""Calendar days and deadline rule sets: data, not code."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.core.types import UTCDateTime, utcnow
from hotline.extensions import db


class DayKind(enum.StrEnum):
    workday = "workday"
    weekend = "weekend"
    holiday = "holiday"
    #: 调休上班日: a weekend day worked to make up for a holiday.
    makeup_workday = "makeup_workday"


WORKING_KINDS = frozenset({DayKind.workday, DayKind.makeup_workday})
_KINDS = ", ".join(f"'{k.value}'" for k in DayKind)


class CalendarDay(db.Model):
    """One day of the State Council's working calendar. Deadline code reads only this table."""

    __tablename__ = "calendar_days"
    __audit_type__ = "calendar_day"
    __table_args__ = (CheckConstraint(f"kind IN ({_KINDS})", name="kind"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    #: Holiday name (国庆节) or the holiday a make-up day belongs to.
    name: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: ``chinesecalendar`` or ``admin``.
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    @property
    def id(self) -> int:
        # audit events key objects by an integer id: the date as YYYYMMDD
        return int(self.day.strftime("%Y%m%d"))

    @property
    def is_working(self) -> bool:
        return self.kind in WORKING_KINDS


class RegionHoliday(db.Model):
    """A day off in one 市州 only: an ethnic holiday of an autonomous prefecture (湘西州), which 全国年节及纪念日放假
    办法 §4 lets it set. Deadlines of that region's cases skip it; the national calendar is unchanged."""

    __tablename__ = "region_holidays"
    __audit_type__ = "region_holiday"

    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    @property
    def id(self) -> int:
        # audit events key objects by an integer id: region code and date, 433100 + YYYYMMDD
        return int(self.region_code + self.day.strftime("%Y%m%d"))


class PeriodUnit(enum.StrEnum):
    working_days = "working_days"
    days = "days"
    months = "months"


_UNITS = ", ".join(f"'{u.value}'" for u in PeriodUnit)


class RuleSet(db.Model):
    """A version of the deadline rules; a case uses the set in force on its receipt date."""

    __tablename__ = "rule_sets"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    effective_from: Mapped[date] = mapped_column(Date, nullable=False, unique=True)

    rules: Mapped[list[DeadlineRule]] = relationship(back_populates="rule_set", order_by="DeadlineRule.id")


class DeadlineRule(db.Model):
    """One limit: ``amount unit`` from ``from_event`` for a case type (or ``call``), optionally extendable."""

    __tablename__ = "deadline_rules"
    __table_args__ = (
        UniqueConstraint("rule_set_code", "kind", "applies_to", "source_group", name="uq_deadline_rules_rule"),
        CheckConstraint(f"unit IN ({_UNITS})", name="unit"),
        CheckConstraint(f"extension_unit IS NULL OR extension_unit IN ({_UNITS})", name="extension_unit"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_set_code: Mapped[str] = mapped_column(ForeignKey("rule_sets.code"), nullable=False, index=True)
    #: file / close / publish / publish_target / accept
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    #: infringement_dispute / other_dispute / counterfeit / call
    applies_to: Mapped[str] = mapped_column(String(30), nullable=False)
    #: For counterfeit filing: ``reported`` (report/complaint/referral) or ``discovered`` (found by the office).
    source_group: Mapped[str] = mapped_column(String(20), nullable=False, default="any")
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    unit: Mapped[str] = mapped_column(String(16), nullable=False)
    #: received / filed / decided
    from_event: Mapped[str] = mapped_column(String(16), nullable=False)
    extension_amount: Mapped[int | None] = mapped_column(Integer, nullable=True)
    extension_unit: Mapped[str | None] = mapped_column(String(16), nullable=True)
    label: Mapped[str] = mapped_column(String(80), nullable=False)
    #: Where the rule comes from (article), shown with every deadline.
    article: Mapped[str] = mapped_column(String(300), nullable=False)

    rule_set: Mapped[RuleSet] = relationship(back_populates="rules")
