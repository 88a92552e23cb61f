"""The yearly summary: built from the monthly snapshots, year-over-year growth against the same period, the
monthly average of phone calls, the per-region table in the official order and the Chinese narrative."""

from __future__ import annotations

import copy
from datetime import date

import pytest
from sqlalchemy import delete

from hotline.calls.models import Call
from hotline.cases.models import Case, CaseEvent
from hotline.core.models import OutboxMessage
from hotline.core.permissions import DEFAULT_PROVINCE as PROVINCE_CODE
from hotline.extensions import db
from hotline.reference.queries import list_regions
from hotline.stats.compute import Month, _add, empty_figures
from hotline.stats.models import MonthlySnapshot
from hotline.stats.operations import build_month, month_range
from hotline.stats.yearly import growth, months_of, yearly_summary
from tests.stats.builders import CHANGSHA, ZHUZHOU, add_call, add_case, beijing

REGIONS = ["430100", "430200", "430300", "430400", "430500", "430600", "430700", "430800", "430900", "431000",
           "431100", "431200", "431300", "433100"]


@pytest.mark.parametrize(("current", "base", "expected"), [
    (359, 211, 70.1),
    (3115, 2815, 10.7),
    (2756, 2604, 5.8),
    (90, 100, -10.0),
    (1, 3, -66.7),
    (10005, 10000, 0.1),      # half up, not to even
    (9995, 10000, -0.1),
    (0, 5, -100.0),
    (5, 0, None),
    (0, 0, None),
    ("12500.10", "10000.00", 25.0),
])
def test_growth(current, base, expected):
    assert growth(current, base) == expected


# Snapshots written directly: the summary must read them, whatever the raw rows say ---------------------------

def _store(month: Month, per_region: dict[str, dict], other: dict | None = None) -> None:
    """Snapshots of every region for ``month``; the province row is the sum, as build_month stores it."""
    total = empty_figures()
    for code in REGIONS:
        data = per_region.get(code, empty_figures())
        _add(total, data)
        db.session.add(MonthlySnapshot(month=month.first_day, region_code=code, data=data))
    if other:
        _add(total, other)
    db.session.add(MonthlySnapshot(month=month.first_day, region_code=PROVINCE_CODE, data=total))


def _figures(*, disputes=0, infringement=None, counterfeit=0, phone=0, wechat=0, closed=0, amount="0.00",
             fines="0.00", confiscated="0.00", transferred_judicial=0, pending_end=0) -> dict:
    data = empty_figures()
    infringement = disputes if infringement is None else infringement
    data["cases"].update(disputes=disputes, infringement_disputes=infringement,
                         other_disputes=disputes - infringement, counterfeit=counterfeit,
                         filed=disputes + counterfeit, total=disputes + counterfeit, closed=closed,
                         amount_involved=amount, fines=fines, confiscated=confiscated,
                         transferred_judicial=transferred_judicial,
                         pending_end=pending_end)
    data["calls"].update(total=phone + wechat, phone_total=phone, reports_and_complaints=phone)
    data["calls"]["by_channel"].update(phone=phone, wechat=wechat)
    return data


@pytest.fixture
def hunan_2014_2015(ctx):
    """The seed document's figures: 2014 办案 2815 (纠纷 211), 2015 办案 3115 (纠纷 359), phone calls 3588 in
    2015; spread over 长沙 (most), 株洲 and calls logged against the province itself (其他)."""
    for month in month_range(Month(2014, 1), Month(2014, 12)):
        june = month.month == 6
        _store(month, {
            CHANGSHA: _figures(disputes=211 if june else 0, infringement=200 if june else 0,
                               counterfeit=2602 - 11 * 200 if june else 200, phone=100),
            ZHUZHOU: _figures(counterfeit=2 if june else 0, phone=50),
        }, other=_figures(phone=10))
    for month in month_range(Month(2015, 1), Month(2015, 12)):
        june = month.month == 6
        _store(month, {
            CHANGSHA: _figures(disputes=359 if june else 0, infringement=300 if june else 0,
                               counterfeit=2756 - 11 * 220 if june else 220, phone=200, wechat=5,
                               closed=250 if june else 0, amount="12500.00" if june else "0.10",
                               transferred_judicial=3 if june else 0, pending_end=month.month),
            ZHUZHOU: _figures(counterfeit=1 if june else 0, phone=80, fines="0.05"),
        }, other=_figures(phone=19))
    db.session.commit()


def test_totals_growth_and_average_from_the_snapshots(hunan_2014_2015):
    summary = yearly_summary(2015)
    assert (summary["year"], summary["region_code"], summary["months"]) == (2015, PROVINCE_CODE, 12)
    cases, calls = summary["cases"], summary["calls"]
    assert (cases["total"], cases["disputes"], cases["counterfeit"]) == (3116, 359, 2757)
    assert (cases["infringement_disputes"], cases["other_disputes"]) == (300, 59)
    assert cases["total"] == cases["disputes"] + cases["counterfeit"]
    assert cases["amount_involved"] == "12501.10"
    assert cases["fines"] == "0.60"
    assert cases["transferred_judicial"] == 3
    assert cases["pending_end"] == 12  # the last month's, not a sum
    assert cases["closure_rate"] == 8.0  # 250 / 3116
    assert calls["phone_total"] == 12 * (200 + 80 + 19) == 3588
    assert calls["total"] == 3588 + 60
    assert calls["monthly_average_phone"] == 299
    assert summary["previous"]["cases"]["total"] == 2815
    assert summary["growth"]["cases.disputes"] == 70.1
    assert summary["growth"]["cases.counterfeit"] == 5.9  # 2757 vs 2604
    assert summary["growth"]["cases.total"] == 10.7
    assert summary["growth"]["calls.phone_total"] == 86.9  # 3588 vs 1920
    assert summary["growth"]["cases.closed"] is None  # nothing closed in 2014
    assert summary["growth"]["cases.amount_involved"] is None
    assert [m["month"] for m in summary["monthly"]] == [f"2015-{m:02d}" for m in range(1, 13)]
    assert summary["monthly"][5]["disputes"] == 359


def test_narrative(hunan_2014_2015):
    text = yearly_summary(2015)["narrative"]
    assert text.startswith("2015年，全省专利行政执法办案3116件，同比增长10.7%；其中专利纠纷359件，同比增长70.1%；"
                           "查处假冒专利案件2757件，同比增长5.9%；结案250件，结案率8.0%；")
    assert "移送司法机关3件" in text
    assert "涉案金额1.25万元" in text
    assert "12330知识产权维权援助与举报投诉热线接听来电3648个" in text
    assert text.endswith("月平均接听举报投诉电话299个。")


def test_a_region_summary_and_a_decrease(hunan_2014_2015):
    changsha = yearly_summary(2015, CHANGSHA)
    assert changsha["narrative"].startswith("2015年，长沙市专利行政执法办案3115件，同比增长10.7%；")
    assert changsha["growth"]["calls.total"] == 105.0  # 205 a month against 100
    assert "by_region" not in changsha
    zhuzhou = yearly_summary(2015, ZHUZHOU)
    assert zhuzhou["narrative"].startswith("2015年，株洲市专利行政执法办案1件，同比下降50.0%；其中专利纠纷0件；")


def test_no_growth_is_shown_where_the_base_is_zero(hunan_2014_2015):
    # 2014 against 2013 (no snapshots: built on demand from no rows, all zero).
    summary = yearly_summary(2014)
    assert set(summary["growth"].values()) == {None}
    assert "同比" not in summary["narrative"]


def test_per_region_table_in_the_official_order(hunan_2014_2015):
    rows = yearly_summary(2015)["by_region"]
    assert [r["region_code"] for r in rows] == [*REGIONS, "other", PROVINCE_CODE]
    labels = {r.code: r.stat_label for r in list_regions()}
    assert [r["label"] for r in rows] == [labels[c] for c in REGIONS] + ["其他", "全省"]
    by_code = {r["region_code"]: r for r in rows}
    assert by_code[CHANGSHA]["cases_total"] == 359 + 2756
    assert by_code[ZHUZHOU]["cases_total"] == 1
    assert by_code[ZHUZHOU]["growth_cases_total"] == -50.0
    assert by_code["other"]["calls_phone"] == 12 * 19
    assert by_code["other"]["cases_total"] == 0
    assert by_code[PROVINCE_CODE]["calls_total"] == sum(r["calls_total"] for r in rows[:-1])
    assert by_code[PROVINCE_CODE]["fines"] == "0.60"
    assert by_code[PROVINCE_CODE]["growth_cases_total"] == 10.7


def test_stocks_are_the_last_month_s_not_a_sum(ctx):
    for year in (2014, 2015):
        for month in month_range(Month(year, 1), Month(year, 12)):
            _store(month, {CHANGSHA: _figures(disputes=1, pending_end=month.month + (year - 2014) * 100)})
    db.session.commit()
    summary = yearly_summary(2015)
    assert summary["cases"]["pending_end"] == 112
    assert summary["previous"]["cases"]["pending_end"] == 12


def test_confiscated_gains_alone_appear_in_the_narrative(ctx):
    for month in month_range(Month(2015, 1), Month(2015, 12)):
        _store(month, {CHANGSHA: _figures(counterfeit=1, closed=1,
                                          confiscated="25000.00" if month.month == 3 else "0.00")})
    db.session.commit()
    assert "罚没款2.50万元" in yearly_summary(2015)["narrative"]


# Built from real rows ----------------------------------------------------------------------------------------

def test_the_summary_reads_snapshots_not_the_raw_rows(ctx):
    for year in (2014, 2015):
        for month in (1, 6, 12):
            add_call(beijing(year, month, 10))
            add_call(beijing(year, month, 11), channel="wechat", region_code=ZHUZHOU)
        add_case(received_on=date(year, 3, 2), filed_on=date(year, 3, 5), amount_involved="12500.00")
        add_case(received_on=date(year, 3, 2), filed_on=date(year, 3, 5), amount_involved="0.10")
        add_case(case_type="counterfeit", received_on=date(year, 5, 2), filed_on=date(year, 5, 5),
                 closed_on=date(year, 6, 1), fine_amount="3000.00")
    add_case(received_on=date(2015, 7, 2), filed_on=date(2015, 7, 5))
    db.session.commit()
    for month in month_range(Month(2014, 1), Month(2015, 12)):
        build_month(month)
    db.session.commit()
    summary = yearly_summary(2015)
    assert summary["cases"]["total"] == 4
    assert summary["cases"]["disputes"] == 3
    assert summary["growth"]["cases.disputes"] == 50.0
    assert summary["cases"]["amount_involved"] == "12500.10"
    assert summary["calls"]["total"] == 6
    assert summary["calls"]["monthly_average_phone"] == 0  # 3 / 12 rounds to 0
    assert "专利行政执法办案4件，同比增长33.3%；其中专利纠纷3件，同比增长50.0%" in summary["narrative"]

    expected = copy.deepcopy(summary)
    for model in (CaseEvent, OutboxMessage, Case, Call):  # (audit events are append-only)
        db.session.execute(delete(model))
    db.session.commit()
    assert yearly_summary(2015) == expected


def test_a_year_in_progress_is_compared_with_the_same_months_of_the_year_before(ctx, monkeypatch):
    monkeypatch.setattr("hotline.stats.yearly.local_today", lambda: date(2015, 3, 20))
    assert months_of(2015) == [Month(2015, 1), Month(2015, 2), Month(2015, 3)]
    assert len(months_of(2014)) == 12
    assert months_of(2016) == []
    for _ in range(10):
        add_case(received_on=date(2014, 2, 2), filed_on=date(2014, 2, 5))
    for _ in range(100):
        add_case(received_on=date(2014, 11, 2), filed_on=date(2014, 11, 5))  # after March: not the same period
    for _ in range(15):
        add_case(received_on=date(2015, 2, 2), filed_on=date(2015, 2, 5))
    for _ in range(3):
        add_call(beijing(2015, 1, 10))
    db.session.commit()
    summary = yearly_summary(2015)
    assert summary["months"] == 3
    assert summary["previous"]["cases"]["disputes"] == 10
    assert summary["growth"]["cases.disputes"] == 50.0
    assert summary["calls"]["monthly_average_phone"] == 1  # 3 calls in 3 months
    assert summary["narrative"].startswith("2015年1—3月，全省专利行政执法办案15件，同比增长50.0%；")
    rows = {r["region_code"]: r for r in summary["by_region"]}
    assert rows[CHANGSHA]["growth_cases_total"] == 50.0


# 结案率: closed ÷ (pending at the start + filed), never above 100 % ---------------------------------------------

def _closure_cases(*, pending_from_2014: int, filed_2015: int, closed_of_pending: int, closed_of_filed: int):
    for i in range(pending_from_2014):
        add_case(received_on=date(2014, 11, 3), filed_on=date(2014, 11, 10),
                 closed_on=date(2015, 2, 10 + i) if i < closed_of_pending else None)
    for i in range(filed_2015):
        add_case(received_on=date(2015, 3, 2), filed_on=date(2015, 3, 9),
                 closed_on=date(2015, 6, 1 + i) if i < closed_of_filed else None)
    db.session.commit()


def test_closure_rate_counts_cases_pending_at_the_start(ctx):
    """长沙 2015: 4 cases filed in 2014 and closed in 2015, 10 filed in 2015 of which 9 closed. Closed ÷ filed
    would read 130 %; the workload is 4 pending at the start + 10 filed, so 13 ÷ 14 = 92.9 %."""
    _closure_cases(pending_from_2014=4, filed_2015=10, closed_of_pending=4, closed_of_filed=9)
    summary = yearly_summary(2015, CHANGSHA)
    assert summary["cases"]["closed"] == 13 and summary["cases"]["filed"] == 10
    assert summary["cases"]["pending_start"] == 4
    assert summary["cases"]["closure_rate"] == 92.9
    assert "结案率92.9%" in summary["narrative"]
    assert yearly_summary(2015)["cases"]["closure_rate"] == 92.9  # the province, the same cases


def test_closure_rate_is_100_when_everything_pending_and_filed_closed(ctx):
    """The boundary: every case pending at the start and every case filed is closed in the period."""
    _closure_cases(pending_from_2014=3, filed_2015=2, closed_of_pending=3, closed_of_filed=2)
    summary = yearly_summary(2015, CHANGSHA)
    assert summary["cases"]["closure_rate"] == 100.0
    # Nothing filed in 2016, nothing pending at its start: nothing to close, no rate.
    assert yearly_summary(2016, CHANGSHA)["cases"]["closure_rate"] is None


def test_closure_rate_with_only_old_cases_closed(ctx):
    """Nothing filed in the period, old cases closed: the rate is still a share of the workload."""
    _closure_cases(pending_from_2014=4, filed_2015=0, closed_of_pending=1, closed_of_filed=0)
    summary = yearly_summary(2015, CHANGSHA)
    assert summary["cases"]["filed"] == 0 and summary["cases"]["closure_rate"] == 25.0


def test_closure_rate_never_passes_100_with_figures_locked_apart(ctx):
    """Snapshots stored at different times may disagree (a locked December, later data): still at most 100 %."""
    for month in month_range(Month(2014, 1), Month(2014, 12)):
        _store(month, {CHANGSHA: _figures(pending_end=0)})
    for month in month_range(Month(2015, 1), Month(2015, 12)):
        _store(month, {CHANGSHA: _figures(counterfeit=1 if month.month == 1 else 0,
                                          closed=3 if month.month == 1 else 0)})
    db.session.commit()
    assert yearly_summary(2015, CHANGSHA)["cases"]["closure_rate"] == 100.0
