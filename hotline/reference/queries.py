"""Read side of reference data, cached per process for a short time (it changes a few times a year)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import select

from hotline.core.permissions import PROVINCE_CODE
from hotline.extensions import db
from hotline.reference.models import Channel, IpType, Region, RequestType

_TTL_SECONDS = 60.0
_lock = threading.Lock()
_cache: dict[str, tuple[float, object]] = {}


@dataclass(frozen=True)
class RegionInfo:
    code: str
    name: str
    short_name: str
    stat_label: str
    level: str
    area_code: str | None
    sort_order: int
    #: The office that decides the region's cases (printed on its decisions and public pages).
    authority_name: str


@dataclass(frozen=True)
class CategoryInfo:
    code: str
    name_zh: str
    name_en: str

    def label(self, locale: str) -> str:
        return self.name_en if str(locale).startswith("en") else self.name_zh


def _cached(key: str, load):
    now = time.monotonic()
    hit = _cache.get(key)
    if hit and now - hit[0] < _TTL_SECONDS:
        return hit[1]
    value = load()
    with _lock:
        _cache[key] = (now, value)
    return value


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def list_regions() -> list[RegionInfo]:
    """Prefectures in the official order, then the province."""

    def load():
        rows = db.session.scalars(select(Region).where(Region.is_active).order_by(Region.sort_order)).all()
        return [RegionInfo(r.code, r.name, r.short_name, r.stat_label, r.level, r.area_code, r.sort_order,
                           r.authority_name) for r in rows]

    return _cached("regions", load)


def region_map() -> dict[str, RegionInfo]:
    return {r.code: r for r in list_regions()}


def _categories(model) -> list[CategoryInfo]:
    def load():
        rows = db.session.scalars(select(model).where(model.is_active).order_by(model.sort_order)).all()
        return [CategoryInfo(r.code, r.name_zh, r.name_en) for r in rows]

    return _cached(model.__tablename__, load)


def list_request_types() -> list[CategoryInfo]:
    return _categories(RequestType)


def list_channels() -> list[CategoryInfo]:
    return _categories(Channel)


def list_ip_types() -> list[CategoryInfo]:
    return _categories(IpType)


def authority_name(region_code: str) -> str:
    """The deciding authority of ``region_code``'s cases (the province's when the region is unknown)."""
    regions = region_map()
    region = regions.get(region_code) or regions.get(PROVINCE_CODE)
    return region.authority_name if region else ""
