"""Idempotent loading of reference data: inserts what is missing, updates names, never deletes."""

from __future__ import annotations

from hotline.extensions import db
from hotline.reference import data
from hotline.reference.models import Channel, IpType, Region, RequestType


def _upsert(model, key: str, rows: list[dict]) -> int:
    changed = 0
    for row in rows:
        obj = db.session.get(model, row[key])
        if obj is None:
            db.session.add(model(**row))
            changed += 1
            continue
        for field, value in row.items():
            if getattr(obj, field) != value:
                setattr(obj, field, value)
                changed += 1
    db.session.flush()
    return changed


def seed_reference_data() -> dict[str, int]:
    """Load regions and categories; returns the number of rows inserted or updated per table."""
    province = dict(data.PROVINCE, level="province", parent_code=None, sort_order=99)
    prefectures = [
        {"code": code, "name": name, "short_name": short, "stat_label": label, "area_code": area,
         "level": "prefecture", "parent_code": data.PROVINCE["code"], "sort_order": index}
        for index, (code, name, short, label, area) in enumerate(data.PREFECTURES, start=1)
    ]
    counts = {"regions": _upsert(Region, "code", [province]) + _upsert(Region, "code", prefectures)}
    for model, rows in ((RequestType, data.REQUEST_TYPES), (Channel, data.CHANNELS), (IpType, data.IP_TYPES)):
        counts[model.__tablename__] = _upsert(
            model, "code",
            [{"code": c, "name_zh": zh, "name_en": en, "sort_order": i} for i, (c, zh, en) in enumerate(rows, 1)],
        )
    return counts
