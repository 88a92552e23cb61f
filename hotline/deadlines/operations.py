"""Admin changes to the working-day calendar: one day, a whole year's State Council arrangement, or a holiday of
one region (an autonomous prefecture's ethnic holiday).

Both write ``source='admin'`` rows, audit the change, clear the calendar cache and recompute the stored
deadlines of the cases whose clock still runs, all in the caller's transaction (the caller commits, then clears
the cache again so that this process does not keep days read before the commit).
"""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, or_, select

from hotline.core.audit import record_event
from hotline.core.errors import NotAllowed, ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.permissions import province_code, sees_region
from hotline.core.text import clean_text
from hotline.deadlines.calendar import WorkCalendar, invalidate_calendar_cache
from hotline.deadlines.models import WORKING_KINDS, CalendarDay, DayKind, RegionHoliday
from hotline.extensions import db

MIN_YEAR, MAX_YEAR = 2000, 2099
NAME_LIMIT = 40
#: Kinds that only make sense on a Saturday or Sunday, and the one that only makes sense on a weekday.
WEEKEND_KINDS = frozenset({DayKind.weekend.value, DayKind.makeup_workday.value})


@dataclass(frozen=True)
class HolidayRange:
    """Consecutive days off (放假), both ends included, e.g. 2027-02-06..2027-02-13 春节."""

    start: date
    end: date
    name: str | None = None

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()} {self.name or ''}".strip()


class CalendarYear:
    """The audit subject of a whole-year import (object type ``calendar_year``, id = the year)."""

    __audit_type__ = "calendar_year"
    __tablename__ = "calendar_days"
    region_code = None

    def __init__(self, year: int):
        self.id = year


def _require_national_admin(actor) -> None:
    """The national calendar sets every region's deadlines: only the province's administrators change it (a
    ``None`` actor is the system)."""
    if actor is not None and actor.region_code != province_code():
        raise NotAllowed(_("Only the province's administrators change the national calendar."))


def _require_region_admin(actor, region_code) -> None:
    """A 市州's administrators set that region's holidays only; the province's set any region's."""
    if actor is not None and isinstance(region_code, str) and not sees_region(actor, region_code):
        raise NotAllowed(_("You can only change your own region's holidays."))


def _is_weekend(day: date) -> bool:
    return day.weekday() >= 5


def _default_kind(day: date) -> str:
    return DayKind.weekend.value if _is_weekend(day) else DayKind.workday.value


def _kind_fits_day(kind: str, day: date) -> str | None:
    """Why ``kind`` cannot be given to ``day`` (None when it can)."""
    if kind in WEEKEND_KINDS and not _is_weekend(day):
        if kind == DayKind.makeup_workday.value:
            return _("%(date)s is a weekday: a make-up workday is a Saturday or Sunday worked in lieu.",
                     date=day.isoformat())
        return _("%(date)s is a weekday, not a weekend day.", date=day.isoformat())
    if kind == DayKind.workday.value and _is_weekend(day):
        return _("%(date)s is a Saturday or Sunday: mark it as a make-up workday instead.", date=day.isoformat())
    return None


def recompute_open_cases(until: date, region_code: str | None = None) -> int:
    """Recompute the stored deadlines of every case whose clock may still run and that was received by ``until``
    (only ``region_code``'s cases when given).

    Running clocks: cases received, filed or suspended, and penalized closed cases not yet published (their
    publication deadline). Returns how many cases got different due dates.
    """
    from hotline.cases.models import Case, CaseStatus
    from hotline.cases.operations import recompute_deadlines

    running = or_(
        Case.status.in_((CaseStatus.received.value, CaseStatus.filed.value, CaseStatus.suspended.value)),
        and_(Case.status == CaseStatus.closed.value, Case.outcome == "penalized", Case.published_on.is_(None)),
    )
    cal = WorkCalendar()
    changed = 0
    stmt = select(Case).where(running, Case.received_on <= until)
    if region_code is not None:
        stmt = stmt.where(Case.region_code == region_code)
    cases = db.session.scalars(stmt.order_by(Case.id)).all()
    for case in cases:
        before = (case.file_due_on, case.close_due_on, case.publish_due_on, case.next_due_on)
        recompute_deadlines(case, cal)
        if before != (case.file_due_on, case.close_due_on, case.publish_due_on, case.next_due_on):
            changed += 1
    db.session.flush()
    return changed


def set_day(day: date, kind: str, name: str | None, *, actor) -> dict:
    """Change one day's kind and name. The year must be loaded (a lone day of an unloaded year would not make
    its deadlines computable). Returns ``{field: (old, new)}``; empty when nothing changed.

    :raises NotAllowed: the actor is not an administrator of the province."""
    _require_national_admin(actor)
    errors: dict[str, list[str]] = {}
    if not isinstance(day, date) or not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValidationFailed(_("Bad day."), {"day": [_("A date between %(first)d and %(last)d.", first=MIN_YEAR,
                                                           last=MAX_YEAR)]})
    if kind not in {k.value for k in DayKind}:
        errors.setdefault("kind", []).append(_("One of workday, weekend, holiday, makeup_workday."))
    elif problem := _kind_fits_day(kind, day):
        errors.setdefault("kind", []).append(problem)
    name = clean_text(name)
    if name and len(name) > NAME_LIMIT:
        errors.setdefault("name", []).append(_("At most %(limit)d characters.", limit=NAME_LIMIT))
    row = db.session.get(CalendarDay, day)
    if row is None:
        errors.setdefault("day", []).append(
            _("The calendar has no data for %(year)s: import %(year)s's arrangement first.", year=day.year))
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), errors)
    changes = {}
    for field, new in (("kind", kind), ("name", name)):
        old = getattr(row, field)
        if old != new:
            setattr(row, field, new)
            changes[field] = (old, new)
    if not changes:
        return {}
    if row.source != "admin":
        changes["source"] = (row.source, "admin")
        row.source = "admin"
    db.session.flush()
    invalidate_calendar_cache()
    recomputed = recompute_open_cases(date(day.year, 12, 31))
    record_event(row, "update", actor, changes, note=f"deadlines changed for {recomputed} case(s)")
    return changes


def _validate_year(year, errors: dict) -> int | None:
    if not isinstance(year, int) or isinstance(year, bool) or not MIN_YEAR <= year <= MAX_YEAR:
        errors.setdefault("year", []).append(_("A year between %(first)d and %(last)d.", first=MIN_YEAR, last=MAX_YEAR))
        return None
    return year


def import_year(year: int, holidays: list[HolidayRange], makeup_days: list, *, actor, replace: bool = False) -> int:
    """Load a year's arrangement: every day of ``year`` (weekends by weekday), the given holidays and make-up
    workdays. Refuses a year that already has data unless ``replace``. Returns how many cases' deadlines changed.

    :param holidays: :class:`HolidayRange` items, each inside the year, not overlapping.
    :param makeup_days: dates, or ``(date, name)`` pairs: Saturdays or Sundays worked in lieu.
    :raises ValidationFailed: ``year``, ``holidays`` or ``makeup_days`` errors; nothing is written then.
    :raises NotAllowed: the actor is not an administrator of the province.
    """
    _require_national_admin(actor)
    errors: dict[str, list[str]] = {}
    year = _validate_year(year, errors)
    if year is None:
        raise ValidationFailed(_("Please correct the highlighted fields."), errors)

    plan: dict[date, tuple[str, str | None]] = {}
    for item in sorted(holidays, key=lambda h: h.start):
        label = str(item)
        name = clean_text(item.name)
        if item.end < item.start:
            errors.setdefault("holidays", []).append(_("%(range)s: the range ends before it starts.", range=label))
            continue
        if item.start.year != year or item.end.year != year:
            errors.setdefault("holidays", []).append(_("%(range)s: not inside %(year)s.", range=label, year=year))
            continue
        if name and len(name) > NAME_LIMIT:
            errors.setdefault("holidays", []).append(_("%(range)s: a name of at most %(limit)d characters.",
                                                       range=label, limit=NAME_LIMIT))
            continue
        day = item.start
        while day <= item.end:
            if day in plan:
                errors.setdefault("holidays", []).append(_("%(range)s: %(date)s is in another range too.", range=label,
                                                          date=day.isoformat()))
                break
            plan[day] = (DayKind.holiday.value, name)
            day += timedelta(days=1)

    seen: set[date] = set()
    for entry in makeup_days:
        day, name = entry if isinstance(entry, tuple) else (entry, None)
        name = clean_text(name)
        if day.year != year:
            errors.setdefault("makeup_days", []).append(_("%(date)s: not in %(year)s.", date=day.isoformat(),
                                                          year=year))
        elif day in seen:
            errors.setdefault("makeup_days", []).append(_("%(date)s: given twice.", date=day.isoformat()))
        elif plan.get(day, ("",))[0] == DayKind.holiday.value:
            errors.setdefault("makeup_days", []).append(_("%(date)s: also listed as a holiday.", date=day.isoformat()))
        elif problem := _kind_fits_day(DayKind.makeup_workday.value, day):
            errors.setdefault("makeup_days", []).append(problem)
        elif name and len(name) > NAME_LIMIT:
            errors.setdefault("makeup_days", []).append(
                _("%(date)s: a name of at most %(limit)d characters.", date=day.isoformat(), limit=NAME_LIMIT))
        else:
            plan[day] = (DayKind.makeup_workday.value, name)
        seen.add(day)

    first, last = date(year, 1, 1), date(year, 12, 31)
    existing = {row.day: row for row in db.session.scalars(
        select(CalendarDay).where(CalendarDay.day >= first, CalendarDay.day <= last))}
    if existing and not replace:
        errors.setdefault("year", []).append(
            _("%(year)s already has calendar data (%(count)d days). Tick 'replace' to overwrite it.", year=year,
              count=len(existing)))
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), errors)

    changed_days = 0
    day = first
    while day <= last:
        kind, name = plan.get(day, (_default_kind(day), None))
        row = existing.get(day)
        if row is None:
            db.session.add(CalendarDay(day=day, kind=kind, name=name, source="admin"))
            changed_days += 1
        elif (row.kind, row.name) != (kind, name):
            row.kind, row.name, row.source = kind, name, "admin"
            changed_days += 1
        day += timedelta(days=1)
    db.session.flush()
    invalidate_calendar_cache()
    recomputed = recompute_open_cases(last)
    days_in_year = 366 if _cal.isleap(year) else 365
    record_event(CalendarYear(year), "replace" if existing else "import", actor, {
        "days": (len(existing) or None, days_in_year),
        "holidays": (None, [str(h) for h in sorted(holidays, key=lambda h: h.start)]),
        "makeup_days": (None, sorted(d.isoformat() for d in seen)),
    }, note=f"{changed_days} day(s) written; deadlines changed for {recomputed} case(s)")
    return recomputed


def _region_holiday_errors(region_code, day, errors: dict) -> None:
    from hotline.reference import queries as ref

    region = ref.region_map().get(region_code) if isinstance(region_code, str) else None
    if region is None or region.level != "prefecture":
        errors.setdefault("region_code", []).append(_("Choose one of the 14 市州."))
    if not isinstance(day, date) or not MIN_YEAR <= day.year <= MAX_YEAR:
        errors.setdefault("day", []).append(_("A date between %(first)d and %(last)d.", first=MIN_YEAR,
                                              last=MAX_YEAR))


def add_region_holiday(region_code: str, day: date, name: str | None, *, actor) -> RegionHoliday:
    """Make ``day`` a day off for ``region_code``'s offices only (an autonomous prefecture's ethnic holiday, 放假办法
    §4), and recompute the deadlines of that region's running cases. The day must be a working day of the national
    calendar, in a loaded year (a holiday or weekend is off already)."""
    _require_region_admin(actor, region_code)
    errors: dict[str, list[str]] = {}
    _region_holiday_errors(region_code, day, errors)
    name = clean_text(name)
    if not name:
        errors.setdefault("name", []).append(_("Name the holiday (e.g. 四月八)."))
    elif len(name) > NAME_LIMIT:
        errors.setdefault("name", []).append(_("At most %(limit)d characters.", limit=NAME_LIMIT))
    if "day" not in errors:
        national = db.session.get(CalendarDay, day)
        if national is None:
            errors["day"] = [_("The calendar has no data for %(year)s: import %(year)s's arrangement first.",
                               year=day.year)]
        elif national.kind not in WORKING_KINDS:
            errors["day"] = [_("%(date)s is not a working day anywhere in the province (%(kind)s).",
                               date=day.isoformat(), kind=national.name or national.kind)]
        elif "region_code" not in errors and db.session.get(RegionHoliday, (region_code, day)) is not None:
            errors["day"] = [_("%(date)s is already a holiday of this region.", date=day.isoformat())]
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), errors)
    row = RegionHoliday(region_code=region_code, day=day, name=name)
    db.session.add(row)
    db.session.flush()
    invalidate_calendar_cache()
    recomputed = recompute_open_cases(date(day.year, 12, 31), region_code)
    record_event(row, "create", actor, {"day": (None, day.isoformat()), "name": (None, name)},
                 note=f"deadlines changed for {recomputed} case(s)")
    return row


def remove_region_holiday(region_code: str, day: date, *, actor) -> int:
    """Make ``day`` a working day again for ``region_code``; returns how many cases' deadlines changed."""
    _require_region_admin(actor, region_code)
    errors: dict[str, list[str]] = {}
    _region_holiday_errors(region_code, day, errors)
    row = None if errors else db.session.get(RegionHoliday, (region_code, day))
    if row is None and not errors:
        errors["day"] = [_("%(date)s is not a holiday of this region.", date=day.isoformat())]
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), errors)
    record_event(row, "delete", actor, {"day": (day.isoformat(), None), "name": (row.name, None)})
    db.session.delete(row)
    db.session.flush()
    invalidate_calendar_cache()
    return recompute_open_cases(date(day.year, 12, 31), region_code)
