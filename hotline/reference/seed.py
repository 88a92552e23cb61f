"""Idempotent loading of reference data: inserts what is missing, updates names, never deletes."""

from __future__ import annotations

import sqlalchemy as sa

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


def _upsert_regions(rows: list[dict], keep: tuple[str, ...]) -> int:
    """``_upsert`` for regions on the table as it is: a database migrated only part of the way (a migration
    test's older schema) lacks the newer columns, which are left out."""
    table = Region.__table__
    with db.engine.connect() as conn:
        present = {c["name"] for c in sa.inspect(conn).get_columns("regions")}
    columns = [c for c in table.c if c.name in present]
    existing = {row.code: row for row in db.session.execute(sa.select(*columns)).all()}
    changed = 0
    for row in rows:
        values = {k: v for k, v in row.items() if k in present}
        old = existing.get(row["code"])
        if old is None:
            db.session.execute(table.insert().values(**values))
            changed += 1
            continue
        update = {k: v for k, v in values.items() if k not in keep and getattr(old, k) != v}
        if update:
            db.session.execute(table.update().where(table.c.code == row["code"]).values(**update))
            changed += len(update)
    return changed


def seed_reference_data() -> dict[str, int]:
    """Load the configured province's region tree (``HOTLINE_PROVINCE``: the province, its 市州 and their
    counties) and the categories; returns the number of rows inserted or updated per table. What an admin edits
    (a region's deciding authority, area code, 案号 pattern) and the 市州's statistics labels and official order
    are set once and never overwritten."""
    from hotline.core.permissions import province_code
    from hotline.reference.queries import clear_cache

    tree = data.province_tree(province_code())
    keep = ("authority_name", "area_code", "case_number_format", "stat_label", "sort_order")
    with db.engine.connect() as conn:
        has_counties = "case_number_format" in {c["name"] for c in sa.inspect(conn).get_columns("regions")}
    rows = [tree["province"], *tree["prefectures"], *(tree["counties"] if has_counties else [])]
    counts = {"regions": _upsert_regions(rows, keep)}
    db.session.flush()
    clear_cache()
    for model, rows in ((RequestType, data.REQUEST_TYPES), (Channel, data.CHANNELS), (IpType, data.IP_TYPES)):
        counts[model.__tablename__] = _upsert(
            model, "code",
            [{"code": c, "name_zh": zh, "name_en": en, "sort_order": i} for i, (c, zh, en) in enumerate(rows, 1)],
        )
    return counts
