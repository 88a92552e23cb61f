"""Read side of reference data, cached per process for a short time (it changes a few times a year)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import select

from hotline.core.permissions import province_code
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
    parent_code: str | None = None
    #: The 案号 pattern of the office when it numbers its own cases (None: its parent's numbering).
    case_number_format: str | None = None


@dataclass(frozen=True)
class CategoryInfo:
    code: str
    name_zh: str
    name_en: str

    def label(self, locale: str) -> str:
        return self.name_en if str(locale).startswith("en") else self.name_zh


def _cached(key: str, load):
    # One process may serve several apps (tests build an app per province): the cache is per database.
    if has_app_context():
        key = f"{current_app.config.get('SQLALCHEMY_DATABASE_URI')}|{key}"
    now = time.monotonic()
    hit = _cache.get(key)
    if hit and now - hit[0] < _TTL_SECONDS:
        return hit[1]
    value = load()
    with _lock:
        _cache[key] = (now, value)
    return value


#: For other modules' values derived from reference data (the permissions' region subtrees): same TTL, same clear.
cached = _cached


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _all_regions() -> list[RegionInfo]:
    """Every active region of the tree: the province, the 市州 in the official order, each 市州's counties in
    code order (after all 市州)."""

    def load():
        rows = db.session.scalars(select(Region).where(Region.is_active)
                                  .order_by(Region.sort_order, Region.code)).all()
        return [RegionInfo(r.code, r.name, r.short_name, r.stat_label, r.level, r.area_code, r.sort_order,
                           r.authority_name, r.parent_code, r.case_number_format) for r in rows]

    return _cached("regions", load)


def list_regions() -> list[RegionInfo]:
    """Prefectures in the official order, then the province (the rows of the statistics tables; counties are in
    ``list_counties`` and ``region_map``)."""
    return [r for r in _all_regions() if r.level != "county"]


def list_counties(prefecture_code: str | None = None) -> list[RegionInfo]:
    """The counties (县/市/区) of one 市州, or of the whole province, in code order."""
    return [r for r in _all_regions()
            if r.level == "county" and (prefecture_code is None or r.parent_code == prefecture_code)]


def region_map() -> dict[str, RegionInfo]:
    """Every active region by code, counties included."""
    return _cached("region_map", lambda: {r.code: r for r in _all_regions()})


def region_parents() -> dict[str, str | None]:
    """Every region's parent code (inactive regions too: a record keeps its region), cached per process."""

    def load():
        return dict(db.session.execute(select(Region.code, Region.parent_code)).tuples().all())

    return _cached("region_parents", load)


def region_children() -> dict[str, tuple[str, ...]]:
    def load():
        out: dict[str, list[str]] = {}
        for code, parent in sorted(region_parents().items()):
            if parent:
                out.setdefault(parent, []).append(code)
        return {k: tuple(v) for k, v in out.items()}

    return _cached("region_children", load)


def region_choices(visible=None, *, include_province: bool = False) -> list:
    """Select choices as a tree: each 市州, then its counties indented under it (``visible(code)`` filters)."""
    province = province_code()
    out = []
    for region in list_regions():
        if region.code == province:
            if include_province and (visible is None or visible(province)):
                out.insert(0, (region.code, region.name))
            continue
        if visible is None or visible(region.code):
            out.append((region.code, region.name))
        for county in list_counties(region.code):
            if visible is None or visible(county.code):
                out.append((county.code, f"\u3000{county.name}"))
    return out


def province_region() -> RegionInfo | None:
    return region_map().get(province_code())


def default_area_code() -> str | None:
    """The area code of landlines given without one: the setting's when set, else the province's data (an admin
    edits it on /admin/regions)."""
    configured = current_app.config.get("DEFAULT_AREA_CODE") if has_app_context() else None
    if configured:
        return configured
    province = province_region()
    return province.area_code if province else None


def office_name() -> str:
    """The office that runs the hotline: the setting's when set, else the province's deciding authority."""
    configured = current_app.config.get("OFFICE_NAME") if has_app_context() else None
    if configured:
        return configured
    province = province_region()
    return province.authority_name if province else ""


def case_number_office(region_code: str) -> tuple[str | None, str | None]:
    """(the office whose numbering ``region_code``'s cases take, its 案号 pattern): the nearest region at or above
    ``region_code`` that numbers its own cases — a 市州 that does, else the province."""
    regions = region_map()
    parents = region_parents()
    code: str | None = region_code
    seen = set()
    while code and code not in seen:
        seen.add(code)
        region = regions.get(code)
        if region is not None and region.case_number_format:
            return code, region.case_number_format
        code = parents.get(code)
    return None, None


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
    region = regions.get(region_code) or regions.get(province_code())
    return region.authority_name if region else ""
