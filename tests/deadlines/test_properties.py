"""Properties of the working-day and deadline arithmetic (hypothesis), over the seeded calendar (2004–2026).

Dates are drawn within 2005-01-01 … 2026-06-30, and periods are short enough to stay inside the seeded years.
"""

from __future__ import annotations

import calendar as _cal
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.deadlines.calendar import WorkCalendar, add_months
from hotline.deadlines.engine import capped_extension, case_deadlines, compute, find_rule, rule_set_for

SETTINGS = settings(deadline=None, max_examples=200,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
FIRST, LAST = date(2005, 1, 1), date(2026, 6, 30)
RULES_FROM = date(2011, 2, 1)  # the first rule set

days = st.dates(min_value=FIRST, max_value=LAST)
rule_days = st.dates(min_value=RULES_FROM, max_value=LAST)
counts = st.integers(min_value=1, max_value=60)
case_types = st.sampled_from(["infringement_dispute", "other_dispute", "counterfeit"])


@pytest.fixture
def cal(app):
    with app.app_context():
        yield WorkCalendar()


# Working days ---------------------------------------------------------------------------------------------------


@SETTINGS
@given(start=days, end=days)
def test_working_days_between_counts_each_working_day_of_the_span(cal, start, end):
    """The per-year cumulative counts give what counting the days one by one gives, across years too (a due
    list counts spans of years: a case overdue since 2014)."""
    one_by_one = sum(1 for i in range(1, (end - start).days + 1) if cal.is_working(start + timedelta(days=i)))
    assert cal.working_days_between(start, end) == max(one_by_one, 0)
    regional = cal.for_region("430100")
    assert regional.working_days_between(start, end) == sum(
        1 for i in range(1, (end - start).days + 1) if regional.is_working(start + timedelta(days=i)))


@SETTINGS
@given(day=days, n=counts)
def test_add_working_days_lands_n_working_days_later(cal, day, n):
    result = cal.add_working_days(day, n)
    assert result > day
    assert cal.is_working(result)
    assert cal.working_days_between(day, result) == n
    # and it is the first such day: one day earlier there were only n − 1
    assert cal.working_days_between(day, result - timedelta(days=1)) == n - 1


@SETTINGS
@given(a=days, b=days, n=counts)
def test_add_working_days_is_monotonic_in_the_start(cal, a, b, n):
    a, b = min(a, b), max(a, b)
    assert cal.add_working_days(a, n) <= cal.add_working_days(b, n)


@SETTINGS
@given(day=days, n=counts, m=counts)
def test_add_working_days_is_strictly_monotonic_in_n(cal, day, n, m):
    n, m = min(n, m), max(n, m)
    if n == m:
        assert cal.add_working_days(day, n) == cal.add_working_days(day, m)
    else:
        assert cal.add_working_days(day, n) < cal.add_working_days(day, m)


@SETTINGS
@given(day=days, n=st.integers(0, 30), m=st.integers(0, 30))
def test_add_working_days_composes(cal, day, n, m):
    assert cal.add_working_days(cal.add_working_days(day, n), m) == cal.add_working_days(day, n + m)


@SETTINGS
@given(day=days)
def test_roll_forward_is_the_first_working_day_on_or_after(cal, day):
    rolled = cal.roll_forward(day)
    assert rolled >= day
    assert cal.is_working(rolled)
    assert cal.roll_forward(rolled) == rolled
    assert all(not cal.is_working(day + timedelta(days=i)) for i in range((rolled - day).days))
    assert (rolled - day).days <= 12  # the longest break (春节 2004–2026) is shorter than two weeks
    if cal.is_working(day):
        assert rolled == day


@SETTINGS
@given(day=days)
def test_one_working_day_after_is_the_roll_of_the_next_day(cal, day):
    assert cal.add_working_days(day, 1) == cal.roll_forward(day + timedelta(days=1))


# Months ------------------------------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(day=days, months=st.integers(min_value=0, max_value=60))
def test_add_months_keeps_the_day_number_or_clamps(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day == min(day.day, _cal.monthrange(result.year, result.month)[1])


@settings(max_examples=200, deadline=None)
@given(a=days, b=days, months=st.integers(min_value=0, max_value=60))
def test_add_months_is_monotonic(a, b, months):
    a, b = min(a, b), max(a, b)
    assert add_months(a, months) <= add_months(b, months)


# Suspension and extension -----------------------------------------------------------------------------------------


def _close_rule(case_type: str, filed_on: date):
    return find_rule(rule_set_for(filed_on).code, "close", case_type)


@SETTINGS
@given(case_type=case_types, filed_on=rule_days, s1=st.integers(0, 45), s2=st.integers(0, 45),
       ext=st.integers(0, 15))
def test_a_longer_suspension_never_gives_an_earlier_close_deadline(cal, case_type, filed_on, s1, s2, ext):
    rule = _close_rule(case_type, filed_on)
    months, ext_days = capped_extension(rule, ext, ext)
    short, long = min(s1, s2), max(s1, s2)
    a = compute(cal, rule, filed_on, suspended_days=short, extension_months=months, extension_days=ext_days)
    b = compute(cal, rule, filed_on, suspended_days=long, extension_months=months, extension_days=ext_days)
    assert a.due_on <= b.due_on


@SETTINGS
@given(case_type=case_types, filed_on=rule_days, suspended=st.integers(0, 45), ext=st.integers(0, 15))
def test_suspension_moves_the_deadline_by_exactly_the_days_then_rolls(cal, case_type, filed_on, suspended, ext):
    rule = _close_rule(case_type, filed_on)
    months, ext_days = capped_extension(rule, ext, ext)
    unsuspended = add_months(add_months(filed_on, rule.amount), months) + timedelta(days=ext_days)
    due = compute(cal, rule, filed_on, suspended_days=suspended, extension_months=months,
                  extension_days=ext_days).due_on
    assert due == cal.roll_forward(unsuspended + timedelta(days=suspended))


@SETTINGS
@given(case_type=case_types, filed_on=rule_days, e1=st.integers(0, 3), e2=st.integers(0, 3),
       d1=st.integers(0, 30), d2=st.integers(0, 30))
def test_an_extension_never_gives_an_earlier_deadline(cal, case_type, filed_on, e1, e2, d1, d2):
    rule = _close_rule(case_type, filed_on)
    small = capped_extension(rule, min(e1, e2), min(d1, d2))
    large = capped_extension(rule, max(e1, e2), max(d1, d2))
    plain = compute(cal, rule, filed_on).due_on
    a = compute(cal, rule, filed_on, extension_months=small[0], extension_days=small[1]).due_on
    b = compute(cal, rule, filed_on, extension_months=large[0], extension_days=large[1]).due_on
    assert plain <= a <= b


def _case(case_type, filed_on, extensions, suspensions=()):
    return SimpleNamespace(
        region_code="430100", case_type=case_type, source="request", received_on=filed_on,
        rule_set_code=rule_set_for(filed_on).code,
        filed_on=filed_on, rejected_on=None, closed_on=None, outcome=None, published_on=None,
        suspensions=[SimpleNamespace(suspended_on=filed_on, resumed_on=filed_on + timedelta(days=s), days=s)
                     for s in suspensions],
        extensions=[SimpleNamespace(months=m, days=d) for m, d in extensions])


def _close_due(cal, case) -> date:
    return next(d for d in case_deadlines(case, cal, today=date(2026, 12, 1)) if d.kind == "close").due_on


@SETTINGS
@given(case_type=case_types, filed_on=rule_days,
       asked=st.lists(st.integers(min_value=1, max_value=20), min_size=1, max_size=4))
def test_asking_more_than_the_maximum_extension_gives_the_maximum(cal, case_type, filed_on, asked):
    rule = _close_rule(case_type, filed_on)
    months_rule = rule.extension_unit == "months"
    extensions = [(a, 0) if months_rule else (0, a) for a in asked]
    maximum = [(rule.extension_amount, 0) if months_rule else (0, rule.extension_amount)]
    due = _close_due(cal, _case(case_type, filed_on, extensions))
    if sum(asked) >= rule.extension_amount:
        assert due == _close_due(cal, _case(case_type, filed_on, maximum))
    else:
        assert due <= _close_due(cal, _case(case_type, filed_on, maximum))
    assert due >= _close_due(cal, _case(case_type, filed_on, []))


@SETTINGS
@given(case_type=case_types, filed_on=rule_days, s1=st.integers(0, 40), s2=st.integers(0, 40),
       months=st.integers(0, 1), ext_days=st.integers(0, 15))
def test_case_deadlines_longer_suspensions_never_close_earlier(cal, case_type, filed_on, s1, s2, months, ext_days):
    extensions = [(months, 0)] if case_type != "counterfeit" else [(0, ext_days)]
    extensions = [e for e in extensions if sum(e)]
    short = _close_due(cal, _case(case_type, filed_on, extensions, [min(s1, s2)]))
    long = _close_due(cal, _case(case_type, filed_on, extensions, [max(s1, s2)]))
    assert short <= long
