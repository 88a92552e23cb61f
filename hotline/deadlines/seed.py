"""Seeding: the calendar from chinesecalendar (every year it covers) and the shipped rule sets. Idempotent."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from hotline.deadlines.data import RULE_SETS
from hotline.deadlines.models import CalendarDay, DayKind, DeadlineRule, RuleSet
from hotline.extensions import db


def chinesecalendar_days(year: int) -> list[dict]:
    """Every day of ``year`` classified by chinesecalendar (raises NotImplementedError outside its data)."""
    import chinese_calendar as cc
    from chinese_calendar.constants import Holiday

    chinese = {h.value: h.chinese for h in Holiday}
    days = []
    day = date(year, 1, 1)
    while day.year == year:
        if day in cc.workdays and day.weekday() >= 5:
            kind, label = DayKind.makeup_workday, cc.workdays[day]
        elif day in cc.holidays:
            kind, label = DayKind.holiday, cc.holidays[day]
        elif day.weekday() >= 5:
            kind, label = DayKind.weekend, None
        else:
            kind, label = DayKind.workday, None
        days.append({"day": day, "kind": kind.value, "name": chinese.get(label, label) if label else None,
                     "source": "chinesecalendar"})
        day += timedelta(days=1)
    return days


def chinesecalendar_years() -> range:
    import chinese_calendar as cc

    first = min(cc.holidays).year
    last = max(cc.holidays).year
    return range(first, last + 1)


def seed_calendar() -> int:
    """Insert days chinesecalendar knows and the table lacks. Days an admin edited are never overwritten."""
    existing = set(db.session.scalars(select(CalendarDay.day)))
    added = 0
    for year in chinesecalendar_years():
        for row in chinesecalendar_days(year):
            if row["day"] not in existing:
                db.session.add(CalendarDay(**row))
                added += 1
    db.session.flush()
    return added


def seed_rule_sets() -> int:
    changed = 0
    for spec in RULE_SETS:
        rule_set = db.session.get(RuleSet, spec["code"])
        if rule_set is None:
            rule_set = RuleSet(code=spec["code"], name=spec["name"], effective_from=spec["effective_from"])
            db.session.add(rule_set)
            changed += 1
        existing = {(r.kind, r.applies_to, r.source_group): r for r in rule_set.rules}
        for rule in spec["rules"]:
            key = (rule["kind"], rule["applies_to"], rule["source_group"])
            if key not in existing:
                db.session.add(DeadlineRule(rule_set_code=spec["code"], **rule))
                changed += 1
    db.session.flush()
    return changed
