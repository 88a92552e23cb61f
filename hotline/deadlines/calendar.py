"""Working-day arithmetic over the ``calendar_days`` table. Never guesses: a missing year is an error."""

from __future__ import annotations

import bisect
import calendar as _cal
import time
from datetime import date, timedelta

from sqlalchemy import select

from hotline.core.errors import DomainError
from hotline.core.i18n import gettext as _
from hotline.deadlines.models import WORKING_KINDS, CalendarDay, DayKind, RegionHoliday
from hotline.extensions import db


class CalendarMissing(DomainError):
    """The calendar has no data for a date, so no deadline can be computed."""

    status_code = 422

    def __init__(self, year: int):
        super().__init__(
            _("The working-day calendar has no data for %(year)s. An administrator must load %(year)s's "
              "holiday arrangement (State Council notice) before deadlines in that year can be computed.", year=year),
            {"calendar": [_("No calendar data for %(year)s.", year=year)]},
        )
        self.year = year


#: Process-wide cache of loaded years: {year: (loaded_at_monotonic, {date: kind})}, and of regional holidays:
#: {(year, region_code): (loaded_at_monotonic, {date: name})}. Admin edits clear them here; other processes see
#: an edit within the TTL.
_CACHE: dict[int, tuple[float, dict[date, str]]] = {}
_REGION_CACHE: dict[tuple[int, str], tuple[float, dict[date, str]]] = {}
#: Cumulative working-day counts by (year, region code or None), for working_days_between.
_COUNTS_CACHE: dict[tuple[int, str | None], tuple[float, list[int]]] = {}
_CACHE_TTL_SECONDS = 60.0


def invalidate_calendar_cache() -> None:
    _CACHE.clear()
    _REGION_CACHE.clear()
    _COUNTS_CACHE.clear()


class WorkCalendar:
    """Working days by year, loaded lazily from the table (and cached per process for a minute).

    With a ``region_code``, that region's own holidays (RegionHoliday) are days off too: ``for_region`` gives the
    view of one region, sharing the national years already loaded.
    """

    def __init__(self, region_code: str | None = None, *, _years: dict[int, dict[date, str]] | None = None,
                 _views: dict[str | None, WorkCalendar] | None = None) -> None:
        self.region_code = region_code
        self._years: dict[int, dict[date, str]] = {} if _years is None else _years
        self._regional: dict[int, dict[date, str]] = {}
        #: {year: [working days from 1 January up to the n-th day of the year]}: counting long spans in O(1).
        self._cumulative: dict[int, list[int]] = {}
        #: The views of every region made from this calendar (each made once, with what it has loaded).
        self._views: dict[str | None, WorkCalendar] = {} if _views is None else _views
        self._views.setdefault(region_code, self)

    def for_region(self, region_code: str | None) -> WorkCalendar:
        """This calendar as ``region_code``'s offices work (the national one for None)."""
        if region_code == self.region_code:
            return self
        view = self._views.get(region_code)
        if view is None:
            view = WorkCalendar(region_code, _years=self._years, _views=self._views)
        return view

    def regional_holidays(self, year: int) -> dict[date, str]:
        """{day: name} of this calendar's region's own holidays in ``year`` (none without a region)."""
        if not self.region_code:
            return {}
        days = self._regional.get(year)
        if days is not None:
            return days
        key = (year, self.region_code)
        hit = _REGION_CACHE.get(key)
        if hit and time.monotonic() - hit[0] < _CACHE_TTL_SECONDS:
            days = hit[1]
        else:
            from hotline.core.permissions import province_code, region_ancestors

            # A county's offices keep its 市州's holidays too (湘西州's 四月八 is a day off in 吉首市).
            codes = [self.region_code, *(c for c in region_ancestors(self.region_code) if c != province_code())]
            days = dict(db.session.execute(
                select(RegionHoliday.day, RegionHoliday.name)
                .where(RegionHoliday.region_code.in_(codes),
                       RegionHoliday.day >= date(year, 1, 1), RegionHoliday.day <= date(year, 12, 31))).all())
            _REGION_CACHE[key] = (time.monotonic(), days)
        self._regional[year] = days
        return days

    def _year(self, year: int) -> dict[date, str]:
        days = self._years.get(year)
        if days is not None:
            return days
        hit = _CACHE.get(year)
        if hit and time.monotonic() - hit[0] < _CACHE_TTL_SECONDS:
            self._years[year] = hit[1]
            return hit[1]
        rows = db.session.execute(
            select(CalendarDay.day, CalendarDay.kind)
            .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        ).all()
        days = dict(rows)
        if len(days) < (366 if _cal.isleap(year) else 365):
            raise CalendarMissing(year)
        _CACHE[year] = (time.monotonic(), days)
        self._years[year] = days
        return days

    def kind(self, day: date) -> str:
        kind = self._year(day.year)[day]
        if self.region_code and kind in WORKING_KINDS and day in self.regional_holidays(day.year):
            return DayKind.holiday.value
        return kind

    def is_working(self, day: date) -> bool:
        return self.kind(day) in WORKING_KINDS

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (the start day is not counted): found in each year's cumulative
        working-day counts (a bisection, not a walk day by day); CalendarMissing when it runs into a year the
        calendar does not have."""
        if n <= 0:
            return start
        first = start + timedelta(days=1)
        year, before = first.year, first.timetuple().tm_yday - 1
        while True:
            counts = self._year_counts(year)
            target = counts[before] + n
            if target <= counts[-1]:
                return date(year, 1, 1) + timedelta(days=bisect.bisect_left(counts, target) - 1)
            n -= counts[-1] - counts[before]
            year, before = year + 1, 0

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: how many working days after ``start`` ``end`` is."""
        if end <= start:
            return 0
        total = 0
        for year in range(start.year, end.year + 1):
            low = max(start, date(year, 1, 1) - timedelta(days=1))
            high = min(end, date(year, 12, 31))
            if high <= low:
                continue
            counts = self._year_counts(year)
            total += counts[high.timetuple().tm_yday] - (counts[low.timetuple().tm_yday] if low.year == year else 0)
        return total

    def _year_counts(self, year: int) -> list[int]:
        """Cumulative working days of ``year`` by day of the year (index 0: none yet); raises CalendarMissing."""
        counts = self._cumulative.get(year)
        if counts is not None:
            return counts
        key = (year, self.region_code)
        hit = _COUNTS_CACHE.get(key)
        if hit and time.monotonic() - hit[0] < _CACHE_TTL_SECONDS:
            counts = hit[1]
        else:
            kinds, days_off = self._year(year), self.regional_holidays(year)
            counts = [0]
            day, one = date(year, 1, 1), timedelta(days=1)
            while day.year == year:
                counts.append(counts[-1] + (kinds[day] in WORKING_KINDS and day not in days_off))
                day += one
            _COUNTS_CACHE[key] = (time.monotonic(), counts)
        self._cumulative[year] = counts
        return counts

    def roll_forward(self, day: date) -> date:
        """``day`` if it is a working day, else the next working day."""
        while not self.is_working(day):
            day += timedelta(days=1)
        return day

    def years_covered(self) -> list[int]:
        return sorted(self._years)


def add_months(start: date, months: int) -> date:
    """Same day-number ``months`` later; the month's last day when that day does not exist (1-31 → 2-28)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, _cal.monthrange(year, month)[1]))




def covered_years() -> list[int]:
    """Years with a full calendar in the table."""
    from sqlalchemy import extract, func

    year = extract("year", CalendarDay.day)
    rows = db.session.execute(select(year, func.count()).group_by(year).order_by(year)).all()
    return [int(y) for y, n in rows if n >= (366 if _cal.isleap(int(y)) else 365)]
