"""Reference tables. Codes are the lower_snake API values; names are shown in the UI."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.extensions import db


class Region(db.Model):
    """The region tree of the installation's province (``HOTLINE_PROVINCE``): the province, its 市州 in the
    official order of the statistics tables, and their counties (县/市/区), GB/T 2260 codes."""

    __tablename__ = "regions"
    __table_args__ = (CheckConstraint("level IN ('province', 'prefecture', 'county')", name="level"),)

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), nullable=False)
    short_name: Mapped[str] = mapped_column(String(20), nullable=False)
    #: Row label in the statistics tables (湘西州, 张家界).
    stat_label: Mapped[str] = mapped_column(String(20), nullable=False)
    level: Mapped[str] = mapped_column(String(12), nullable=False)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), nullable=True)
    #: Current landline area code (长株潭 share 0731 since 2007).
    area_code: Mapped[str | None] = mapped_column(String(5), nullable=True)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    #: The deciding authority: the office that decides the region's cases, printed on its decisions and public
    #: pages (长沙市知识产权局). Data an admin edits, not code (product.md).
    authority_name: Mapped[str] = mapped_column(String(60), nullable=False)
    #: The 案号 pattern when this office numbers its own cases ({year}, {number}, optionally {region}); None: its
    #: cases take the numbering of the nearest office above that has one (the province's 湘知执字〔YYYY〕第N号).
    case_number_format: Mapped[str | None] = mapped_column(String(60), nullable=True)

    @property
    def is_province(self) -> bool:
        return self.level == "province"

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.short_name}>"


class _Category:
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(40), nullable=False)
    name_en: Mapped[str] = mapped_column(String(60), nullable=False)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    def label(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh


class RequestType(_Category, db.Model):
    __tablename__ = "request_types"


class Channel(_Category, db.Model):
    __tablename__ = "channels"


class IpType(_Category, db.Model):
    __tablename__ = "ip_types"
