"""Campaigns (专项行动: name, period, regions) and trade fairs (展会: name, venue, dates, region, 入驻), and the
links cases and calls keep to them (a case: several campaigns and one fair; a call: one fair)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Column, Date, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.core.models import BigId, TimestampMixin
from hotline.extensions import db

campaign_regions = Table(
    "campaign_regions",
    db.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", name="fk_campaign_regions_campaign_id_campaigns"),
           primary_key=True),
    Column("region_code", ForeignKey("regions.code", name="fk_campaign_regions_region_code_regions"),
           primary_key=True, index=True),
)

#: A case counted in a campaign (a case can belong to several).
case_campaigns = Table(
    "case_campaigns",
    db.metadata,
    Column("case_id", BigId, ForeignKey("cases.id", name="fk_case_campaigns_case_id_cases"), primary_key=True),
    Column("campaign_id", ForeignKey("campaigns.id", name="fk_case_campaigns_campaign_id_campaigns"),
           primary_key=True, index=True),
)


class Campaign(TimestampMixin, db.Model):
    """专项行动: a named enforcement campaign over a period, in one or more regions (the province: all of them)."""

    __tablename__ = "campaigns"
    __audit_type__ = "campaign"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="period"),
        Index("ix_campaigns_starts_on", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    regions = relationship("Region", secondary=campaign_regions, lazy="selectin", order_by="Region.sort_order")

    @property
    def region_codes(self) -> list[str]:
        return [r.code for r in self.regions]

    @property
    def region_code(self) -> str | None:
        """The audit row's region: the single region, or None for a campaign of several."""
        codes = self.region_codes
        return codes[0] if len(codes) == 1 else None

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.name}>"


class Exhibition(TimestampMixin, db.Model):
    """展会: a trade fair in one region; ``stationed`` when the office stationed a booth there (入驻)."""

    __tablename__ = "exhibitions"
    __audit_type__ = "exhibition"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="period"),
        Index("ix_exhibitions_region_starts_on", "region_code", "starts_on"),
        Index("ix_exhibitions_starts_on", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: Required for new records; empty for fairs made from the names calls gave before fairs were records.
    venue: Mapped[str | None] = mapped_column(String(200), nullable=True)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False)
    stationed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    region = relationship("Region", lazy="joined")

    def __repr__(self) -> str:
        return f"<Exhibition {self.id} {self.name}>"
