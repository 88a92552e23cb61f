"""The working-day calendar: seeded kinds, working-day arithmetic, month arithmetic, missing years, seeding."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
import sqlalchemy as sa

from hotline.deadlines.calendar import (
    CalendarMissing,
    WorkCalendar,
    add_months,
    covered_years,
    invalidate_calendar_cache,
)
from hotline.deadlines.models import WORKING_KINDS, CalendarDay, DayKind
from hotline.deadlines.seed import chinesecalendar_days, seed_calendar
from hotline.extensions import db

D = date.fromisoformat

MAKEUP_2025 = ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]
MAKEUP_2026 = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
WORKING_DAYS_2025 = [19, 19, 21, 22, 19, 20, 23, 21, 23, 18, 20, 23]


def _row(day: str) -> CalendarDay:
    return db.session.get(CalendarDay, D(day))


# Seeded kinds ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "kind", "name"), [
    ("2015-10-01", DayKind.holiday, "国庆节"),
    ("2015-10-03", DayKind.holiday, "国庆节"),  # a Saturday inside the holiday is a holiday, not a weekend
    ("2015-10-07", DayKind.holiday, "国庆节"),
    ("2015-10-08", DayKind.workday, None),
    ("2015-10-10", DayKind.makeup_workday, "国庆节"),
    ("2015-02-15", DayKind.makeup_workday, "春节"),
    ("2015-02-28", DayKind.makeup_workday, "春节"),
    ("2015-02-18", DayKind.holiday, "春节"),
    ("2015-02-24", DayKind.holiday, "春节"),
    ("2015-10-17", DayKind.weekend, None),
    ("2015-10-18", DayKind.weekend, None),
    ("2015-10-19", DayKind.workday, None),
    ("2016-02-29", DayKind.workday, None),
])
def test_seeded_kinds_of_known_days(app, day, kind, name):
    with app.app_context():
        row = _row(day)
        assert (row.kind, row.name, row.source) == (kind.value, name, "chinesecalendar")
        assert row.is_working is (kind in WORKING_KINDS)
        assert WorkCalendar().kind(D(day)) == kind.value


@pytest.mark.parametrize("day", MAKEUP_2025 + MAKEUP_2026)
def test_2025_and_2026_makeup_workdays(app, day):
    with app.app_context():
        assert D(day).weekday() >= 5
        assert _row(day).kind == DayKind.makeup_workday
        assert WorkCalendar().is_working(D(day))


@pytest.mark.parametrize("year", [2025, 2026])
def test_makeup_workdays_are_exactly_the_published_ones(app, year):
    with app.app_context():
        days = db.session.scalars(sa.select(CalendarDay.day).where(
            CalendarDay.kind == DayKind.makeup_workday.value,
            CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))).order_by(CalendarDay.day)).all()
    assert [d.isoformat() for d in days] == (MAKEUP_2025 if year == 2025 else MAKEUP_2026)


def test_2025_working_days_per_month_from_the_table(app):
    with app.app_context():
        cal = WorkCalendar()
        counted = [cal.working_days_between(date(2025, m, 1) - timedelta(days=1), add_months(date(2025, m, 1), 1)
                                            - timedelta(days=1)) for m in range(1, 13)]
        by_rows = []
        for m in range(1, 13):
            first, last = date(2025, m, 1), add_months(date(2025, m, 1), 1) - timedelta(days=1)
            by_rows.append(db.session.scalar(sa.select(sa.func.count()).where(
                CalendarDay.day.between(first, last), CalendarDay.kind.in_([k.value for k in WORKING_KINDS]))))
    assert counted == WORKING_DAYS_2025
    assert by_rows == WORKING_DAYS_2025
    assert sum(WORKING_DAYS_2025) == 248


def test_2025_spring_festival_and_national_day_breaks(app):
    """2025 is the first year of the 13-day rule (domain-reference §6): 春节 01-28 … 02-04, 国庆/中秋 10-01 … 10-08."""
    with app.app_context():
        cal = WorkCalendar()
        spring = [cal.kind(D("2025-01-28") + timedelta(days=i)) for i in range(8)]
        national = [cal.kind(D("2025-10-01") + timedelta(days=i)) for i in range(8)]
        assert _row("2025-01-28").name == "春节"
        assert _row("2025-10-01").name == "国庆节"
    assert spring == ["holiday"] * 8
    assert national == ["holiday"] * 8


# Working-day arithmetic --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "n", "expected"), [
    ("2015-10-19", 1, "2015-10-20"),   # Monday + 1 → Tuesday: the start day is not counted
    ("2015-10-19", 0, "2015-10-19"),
    ("2015-10-16", 1, "2015-10-19"),   # Friday + 1 → Monday
    ("2015-10-17", 1, "2015-10-19"),   # from a Saturday
    ("2015-09-30", 1, "2015-10-08"),   # over the National Day holiday
    ("2015-10-08", 1, "2015-10-09"),
    ("2015-10-09", 1, "2015-10-10"),   # Saturday 10-10 is a make-up workday
    ("2015-09-30", 5, "2015-10-13"),
    ("2025-09-30", 5, "2025-10-14"),
    ("2015-02-13", 1, "2015-02-15"),   # Sunday 02-15 is a make-up workday
    ("2015-02-13", 5, "2015-02-26"),   # 02-16, 02-17, (02-18…24 off), 02-25, 02-26
    ("2015-12-31", 1, "2016-01-04"),   # 2016-01-01 元旦, then the weekend
])
def test_add_working_days(app, start, n, expected):
    with app.app_context():
        assert WorkCalendar().add_working_days(D(start), n) == D(expected)


@pytest.mark.parametrize(("day", "expected"), [
    ("2015-10-19", "2015-10-19"),
    ("2015-10-17", "2015-10-19"),
    ("2015-10-01", "2015-10-08"),
    ("2015-10-10", "2015-10-10"),
    ("2015-10-31", "2015-11-02"),
    ("2015-02-14", "2015-02-15"),
])
def test_roll_forward(app, day, expected):
    with app.app_context():
        assert WorkCalendar().roll_forward(D(day)) == D(expected)


@pytest.mark.parametrize(("start", "end", "expected"), [
    ("2015-10-19", "2015-10-19", 0),
    ("2015-10-19", "2015-10-20", 1),
    ("2015-10-20", "2015-10-19", 0),
    ("2015-09-30", "2015-10-13", 5),
    ("2015-09-30", "2015-10-07", 0),
    ("2015-10-16", "2015-10-18", 0),
    ("2014-12-31", "2015-12-31", 249),
])
def test_working_days_between_counts_the_half_open_interval(app, start, end, expected):
    with app.app_context():
        assert WorkCalendar().working_days_between(D(start), D(end)) == expected


def test_working_days_between_inverts_add_working_days(app):
    with app.app_context():
        cal = WorkCalendar()
        for n in (1, 5, 10, 20, 60):
            assert cal.working_days_between(D("2015-09-30"), cal.add_working_days(D("2015-09-30"), n)) == n


# Months ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "months", "expected"), [
    ("2015-01-31", 1, "2015-02-28"),
    ("2016-01-31", 1, "2016-02-29"),
    ("2015-11-30", 3, "2016-02-29"),
    ("2015-07-31", 3, "2015-10-31"),
    ("2015-08-31", 3, "2015-11-30"),
    ("2015-03-15", 1, "2015-04-15"),
    ("2015-12-15", 1, "2016-01-15"),
    ("2015-10-31", 14, "2016-12-31"),
    ("2015-05-31", 0, "2015-05-31"),
    ("2015-03-31", -1, "2015-02-28"),
])
def test_add_months_clamps_to_the_end_of_the_month(start, months, expected):
    assert add_months(D(start), months) == D(expected)


# Missing years: never a guess ----------------------------------------------------------------------------------


def test_year_without_rows_raises_calendar_missing_naming_the_year(app):
    with app.app_context():
        cal = WorkCalendar()
        with pytest.raises(CalendarMissing) as info:
            cal.is_working(date(2031, 3, 2))
    assert info.value.year == 2031
    assert "2031" in info.value.message
    assert "2031" in str(info.value)
    assert info.value.errors == {"calendar": ["No calendar data for 2031."]}
    assert info.value.status_code == 422


def test_arithmetic_running_into_a_missing_year_raises(app):
    with app.app_context():
        cal = WorkCalendar()
        with pytest.raises(CalendarMissing, match="2027"):
            cal.add_working_days(D("2026-12-28"), 10)
        with pytest.raises(CalendarMissing, match="2027"):
            cal.roll_forward(D("2027-01-01"))
        with pytest.raises(CalendarMissing, match="2003"):
            cal.working_days_between(D("2003-12-30"), D("2004-01-05"))


def test_covered_years_are_the_seeded_ones(app):
    with app.app_context():
        assert covered_years() == list(range(2004, 2027))


def test_deleting_one_day_makes_its_year_missing(app):
    with app.app_context():
        db.session.delete(_row("2016-07-14"))
        db.session.flush()
        invalidate_calendar_cache()
        cal = WorkCalendar()
        with pytest.raises(CalendarMissing, match="2016"):
            cal.is_working(D("2016-03-01"))  # any day of the year, not only the deleted one
        with pytest.raises(CalendarMissing, match="2016"):
            cal.add_working_days(D("2015-12-30"), 3)
        assert cal.add_working_days(D("2015-10-19"), 1) == D("2015-10-20")  # other years unaffected
        assert 2016 not in covered_years()
        assert 2015 in covered_years()
        db.session.rollback()


def test_calendar_edits_are_seen_after_the_cache_is_invalidated(app):
    with app.app_context():
        assert WorkCalendar().is_working(D("2015-10-19"))
        row = _row("2015-10-19")
        row.kind, row.name, row.source = DayKind.holiday.value, "测试", "admin"
        db.session.flush()
        invalidate_calendar_cache()
        assert not WorkCalendar().is_working(D("2015-10-19"))
        assert WorkCalendar().add_working_days(D("2015-10-16"), 1) == D("2015-10-20")
        db.session.rollback()


# Seeding ---------------------------------------------------------------------------------------------------------


def test_seed_calendar_is_idempotent(app):
    with app.app_context():
        total = db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay))
        assert seed_calendar() == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay)) == total
        assert total == (date(2027, 1, 1) - date(2004, 1, 1)).days
        db.session.rollback()


def test_seed_calendar_never_overwrites_an_admin_day_and_restores_a_deleted_one(app):
    with app.app_context():
        admin_day = _row("2015-10-10")
        admin_day.kind, admin_day.name, admin_day.source = DayKind.weekend.value, None, "admin"
        db.session.delete(_row("2015-10-20"))
        db.session.flush()
        assert seed_calendar() == 1
        db.session.expire_all()
        assert (_row("2015-10-10").kind, _row("2015-10-10").source) == ("weekend", "admin")
        restored = _row("2015-10-20")
        assert (restored.kind, restored.source) == ("workday", "chinesecalendar")
        db.session.rollback()


def test_chinesecalendar_days_classify_a_whole_year():
    days = chinesecalendar_days(2016)
    assert len(days) == 366
    assert [d["day"] for d in days] == [date(2016, 1, 1) + timedelta(days=i) for i in range(366)]
    kinds = {d["day"]: d["kind"] for d in days}
    assert kinds[date(2016, 1, 1)] == "holiday"
    assert kinds[date(2016, 2, 6)] == "makeup_workday"  # Saturday before 春节 2016
    working = sum(k in ("workday", "makeup_workday") for k in kinds.values())
    assert working == len(chinese_calendar.get_workdays(date(2016, 1, 1), date(2016, 12, 31))) == 250


def test_table_agrees_with_chinesecalendar_on_every_seeded_day(app):
    with app.app_context():
        rows = db.session.execute(sa.select(CalendarDay.day, CalendarDay.kind)).all()
    assert len(rows) == (date(2027, 1, 1) - date(2004, 1, 1)).days
    wrong = [(d, k) for d, k in rows if (k in WORKING_KINDS) != chinese_calendar.is_workday(d)]
    assert wrong == []


def test_calendar_day_id_is_the_date_as_an_integer(app):
    with app.app_context():
        assert _row("2015-10-01").id == 20151001


def test_long_spans_count_the_same_working_days_as_day_by_day(app):
    """Spans of years (an inbox row overdue since 2014) use per-year running counts: the same answer."""
    with app.app_context():
        cal = WorkCalendar("430100")
        for start, end in [(date(2014, 3, 5), date(2026, 11, 30)), (date(2015, 9, 9), date(2015, 12, 31)),
                           (date(2015, 12, 31), date(2016, 1, 4)), (date(2015, 1, 1), date(2015, 3, 10))]:
            by_day = sum(1 for i in range(1, (end - start).days + 1) if cal.is_working(start + timedelta(days=i)))
            assert cal.working_days_between(start, end) == by_day, (start, end)


def test_add_working_days_by_running_counts_is_the_day_by_day_walk(app):
    """add_working_days bisects the per-year running counts: the day a walk day by day reaches, for the nation and
    a region with its own holidays, over year ends, the start counted or not."""
    with app.app_context():
        for cal in (WorkCalendar(), WorkCalendar("433100")):
            start = date(2014, 12, 20)
            while start < date(2016, 1, 10):
                for n in (0, 1, 2, 7, 15, 30, 250):
                    day, counted = start, 0
                    while counted < n:
                        day += timedelta(days=1)
                        counted += cal.is_working(day)
                    assert cal.add_working_days(start, n) == day, (cal.region_code, start, n)
                start += timedelta(days=5)
