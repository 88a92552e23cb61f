"""Idempotent loading of reference data: inserts what is missing, updates names, never deletes."""

from __future__ import annotations

from hotline.extensions import db
from hotline.reference import data
from hotline.reference.models import Channel, IpType, Region, RequestType


def _upsert(model, key: str, rows: list[dict], *, insert_only: tuple[str, ...] = ()) -> int:
    """Insert missing rows, update the others; ``insert_only`` fields are data an admin edits (set once)."""
    changed = 0
    for row in rows:
        obj = db.session.get(model, row[key])
        if obj is None:
            db.session.add(model(**row))
            changed += 1
            continue
        for field, value in row.items():
            if field not in insert_only and getattr(obj, field) != value:
                setattr(obj, field, value)
                changed += 1
    db.session.flush()
    return changed


def seed_reference_data() -> dict[str, int]:
    """Load regions and categories; returns the number of rows inserted or updated per table."""
    province = dict(data.PROVINCE, level="province", parent_code=None, sort_order=99,
                    authority_name=data.PROVINCE_AUTHORITY)
    prefectures = [
        {"code": code, "name": name, "short_name": short, "stat_label": label, "area_code": area,
         "level": "prefecture", "parent_code": data.PROVINCE["code"], "sort_order": index,
         "authority_name": data.default_authority(name)}
        for index, (code, name, short, label, area) in enumerate(data.PREFECTURES, start=1)
    ]
    keep = ("authority_name",)
    counts = {"regions": _upsert(Region, "code", [province], insert_only=keep)
              + _upsert(Region, "code", prefectures, insert_only=keep)}
    for model, rows in ((RequestType, data.REQUEST_TYPES), (Channel, data.CHANNELS), (IpType, data.IP_TYPES)):
        counts[model.__tablename__] = _upsert(
            model, "code",
            [{"code": c, "name_zh": zh, "name_en": en, "sort_order": i} for i, (c, zh, en) in enumerate(rows, 1)],
        )
    return counts
