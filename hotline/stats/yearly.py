"""The yearly summary, built from the twelve monthly snapshots (its cost does not depend on the rows)."""

from __future__ import annotations

import copy
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from hotline.core.clock import local_today
from hotline.core.permissions import province_code
from hotline.extensions import db
from hotline.reference import queries as ref
from hotline.stats.compute import Month, _add, empty_figures, subtract
from hotline.stats.enforcement import ENFORCEMENT_KEYS, enforcement_block, enforcement_sentence
from hotline.stats.models import MonthlySnapshot
from hotline.stats.operations import build_month

#: Figures with a year-over-year growth line, as the summary reports them.
GROWTH_KEYS = (
    "calls.total", "calls.phone_total", "calls.reports_and_complaints", "cases.total", "cases.disputes",
    "cases.infringement_disputes", "cases.other_disputes", "cases.counterfeit", "cases.closed",
    "cases.transferred_judicial", "cases.mediated", "cases.amount_involved", "cases.fines", "cases.confiscated",
    "cases.exhibition", "cases.ecommerce",
)


def growth(current: Any, base: Any) -> float | None:
    """Year-over-year growth in percent, one decimal, half up (359 vs 211 → 70.1); None when the base is 0."""
    current, base = Decimal(str(current)), Decimal(str(base))
    if base == 0:
        return None
    return float(((current - base) * 100 / base).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _get(data: dict[str, Any], dotted: str) -> Any:
    section, key = dotted.split(".")
    return data[section][key]


def months_of(year: int) -> list[Month]:
    """The months of ``year`` that have begun (all twelve for a past year)."""
    today = local_today()
    last = 12 if year < today.year else (today.month if year == today.year else 0)
    return [Month(year, m) for m in range(1, last + 1)]


def monthly_snapshots(year: int, *, build_missing: bool = True) -> dict[Month, dict[str, dict[str, Any]]]:
    """{month: {region_code: data}} for the begun months of ``year``, computing missing months once."""
    months = months_of(year)
    if not months:
        return {}
    rows = db.session.execute(
        select(MonthlySnapshot.month, MonthlySnapshot.region_code, MonthlySnapshot.data)
        .where(MonthlySnapshot.month >= months[0].first_day, MonthlySnapshot.month <= months[-1].first_day)
    ).all()
    found: dict[Month, dict[str, dict[str, Any]]] = {}
    for month_day, region_code, data in rows:
        found.setdefault(Month.of(month_day), {})[region_code] = data
    missing = [m for m in months if m not in found]
    if missing and build_missing:
        for month in missing:
            build_month(month)
        db.session.commit()
        return monthly_snapshots(year, build_missing=False)
    return found


def _total(per_month: dict[Month, dict[str, dict[str, Any]]], region_code: str) -> dict[str, Any]:
    total = empty_figures()
    for regions in per_month.values():
        if region_code in regions:
            _add(total, regions[region_code])
    return total


def _pending_end(per_month, region_code: str) -> int:
    if not per_month:
        return 0
    last = max(per_month)
    return per_month[last].get(region_code, {}).get("cases", {}).get("pending_end", 0)


def _pending_start(per_month, months: list[Month], region_code: str) -> int:
    """The stock at the start of the period: cases filed and not closed by the end of the month before its first
    month (that month's snapshot ``pending_end``)."""
    if not months:
        return 0
    before = months[0].previous()
    return per_month.get(before, {}).get(region_code, {}).get("cases", {}).get("pending_end", 0)


def closure_rate(closed: int, pending_start: int, filed: int) -> float | None:
    """结案率 (product.md, "Performance of the regions"): closed ÷ (pending at the start + filed), both in the
    period, in percent with one decimal, half up; None when there was nothing to close.

    Every case closed in the period was either pending at its start or filed in it, so the rate cannot pass
    100 %. Figures locked at different times can disagree by a case; the rate still never reads above 100 %."""
    workload = pending_start + filed
    if workload <= 0:
        return None
    rate = (Decimal(min(closed, workload)) * 100 / workload).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return float(rate)


def _row(label: str, code: str, current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    cases, calls = current["cases"], current["calls"]
    return {
        "region_code": code, "label": label,
        "calls_total": calls["total"], "calls_phone": calls["phone_total"],
        "cases_total": cases["total"], "disputes": cases["disputes"],
        "infringement_disputes": cases["infringement_disputes"], "other_disputes": cases["other_disputes"],
        "counterfeit": cases["counterfeit"], "closed": cases["closed"],
        "transferred_judicial": cases["transferred_judicial"], "amount_involved": cases["amount_involved"],
        "fines": cases["fines"], "growth_cases_total": growth(cases["total"], previous["cases"]["total"]),
    }


def yearly_summary(year: int, region_code: str | None = None) -> dict[str, Any]:
    """The yearly report for a region (or the province): totals, growth, monthly average of phone calls,
    the per-region table in the official order (14 市州, 其他, 全省), monthly series, the narrative."""
    region_code = region_code or province_code()
    current_months = monthly_snapshots(year)
    previous_months = monthly_snapshots(year - 1)
    n_months = len(months_of(year))
    # Year over year means against the same period: for a year in progress, the same months of the year before.
    same_period = {m: regions for m, regions in previous_months.items() if m.month <= n_months}
    current = _total(current_months, region_code)
    previous = _total(same_period, region_code)
    # A stock, not a flow: the last month's figure, not the sum of the months.
    current["cases"]["pending_end"] = _pending_end(current_months, region_code)
    previous["cases"]["pending_end"] = _pending_end(same_period, region_code)
    # The stock at the start: the end of last December (a snapshot of the year before, computed when missing).
    pending_start = _pending_start(previous_months, months_of(year), region_code)
    closed, filed = current["cases"]["closed"], current["cases"]["filed"]
    calls = current["calls"]
    monthly_average_phone = (Decimal(calls["phone_total"]) / n_months).quantize(Decimal("1"), ROUND_HALF_UP) \
        if n_months else Decimal(0)
    summary: dict[str, Any] = {
        "year": year,
        "region_code": region_code,
        "months": n_months,
        "calls": {**calls, "monthly_average_phone": int(monthly_average_phone),
                  "monthly_average_reports_and_complaints": int(
                      (Decimal(calls["reports_and_complaints"]) / n_months).quantize(Decimal("1"), ROUND_HALF_UP))
                  if n_months else 0},
        "cases": {**current["cases"], "pending_start": pending_start,
                  "closure_rate": closure_rate(closed, pending_start, filed)},
        "previous": {"calls": previous["calls"], "cases": previous["cases"]},
        "growth": {key: growth(_get(current, key), _get(previous, key)) for key in GROWTH_KEYS},
        "monthly": [
            {"month": str(m), "calls": current_months[m].get(region_code, empty_figures())["calls"]["total"],
             "calls_by_request_type": current_months[m].get(region_code, empty_figures())["calls"]["by_request_type"],
             "cases_filed": current_months[m].get(region_code, empty_figures())["cases"]["filed"],
             "disputes": current_months[m].get(region_code, empty_figures())["cases"]["disputes"],
             "counterfeit": current_months[m].get(region_code, empty_figures())["cases"]["counterfeit"]}
            for m in sorted(current_months)
        ],
        "monthly_previous": [
            {"month": str(m), "calls": previous_months[m].get(region_code, empty_figures())["calls"]["total"],
             "cases_filed": previous_months[m].get(region_code, empty_figures())["cases"]["filed"]}
            for m in sorted(previous_months)
        ],
    }
    if region_code == province_code():
        rows = []
        other_current, other_previous = _total(current_months, province_code()), _total(same_period, province_code())
        for region in ref.list_regions():
            if region.code == province_code():
                continue
            cur, prev = _total(current_months, region.code), _total(same_period, region.code)
            rows.append(_row(region.stat_label, region.code, cur, prev))
            subtract(other_current, cur)
            subtract(other_previous, prev)
        rows.append(_row("其他", "other", other_current, other_previous))
        rows.append(_row("全省", province_code(), current, previous))
        summary["by_region"] = rows
    elif (region := ref.region_map().get(region_code)) is not None and region.level != "county" and any(
            county.code in regions for county in ref.list_counties(region_code)
            for regions in (*current_months.values(), *same_period.values())):
        # A 市州 whose counties have figures: every county in the official (GB/T 2260 code) order, its own row
        # (市本级: the records of the 市州 itself), then the 市州's total. (Without county figures there is
        # nothing to break down: the 市州's own figures are its total.)
        rows = []
        own_current, own_previous = copy.deepcopy(current), copy.deepcopy(previous)
        for county in ref.list_counties(region_code):
            cur, prev = _total(current_months, county.code), _total(same_period, county.code)
            rows.append(_row(county.stat_label, county.code, cur, prev))
            subtract(own_current, cur)
            subtract(own_previous, prev)
        rows.append(_row(own_label(region), "own", own_current, own_previous))
        rows.append(_row(region.stat_label, region_code, current, previous))
        summary["by_region"] = rows
    # Beside the cases: decisions published, files reviewed, judicial organs, campaigns, fairs (hotline.campaigns).
    if n_months:
        last_day = months_of(year)[-1].last_day
        summary["enforcement"], fair_names = enforcement_block(date(year, 1, 1), last_day, region_code,
                                                               summary["cases"])
    else:
        summary["enforcement"], fair_names = dict.fromkeys(ENFORCEMENT_KEYS, 0), []
    summary["narrative"] = narrative(summary, fair_names)
    return summary


def own_label(region) -> str:
    """The row of a 市州's own records in its table of counties: 市本级 (a 市), 州本级 (a 州), else 本级."""
    suffix = region.name[-1] if region.name and region.name[-1] in "市州盟" else ""
    return f"{suffix}本级"


def _pct(value: float | None) -> str:
    if value is None:
        return ""
    if value == 0:
        return "与上年持平"
    return f"同比增长{value:.1f}%" if value > 0 else f"同比下降{abs(value):.1f}%"


def _yuan(amount: str) -> str:
    value = Decimal(amount)
    if value >= 10000:
        return f"{(value / 10000).quantize(Decimal('0.01'), ROUND_HALF_UP)}万元"
    return f"{value.quantize(Decimal('0.01'))}元"


def narrative(summary: dict[str, Any], fair_names: list[str] | None = None) -> str:
    """The Chinese paragraph in the style of the office's yearly summary (seed document)."""
    region = ref.region_map().get(summary["region_code"])
    where = "全省" if summary["region_code"] == province_code() else (region.name if region else summary["region_code"])
    cases, calls, g = summary["cases"], summary["calls"], summary["growth"]
    period = f"{summary['year']}年" if summary["months"] == 12 else f"{summary['year']}年1—{summary['months']}月"

    def with_growth(text: str, key: str) -> str:
        pct = _pct(g.get(key))
        return f"{text}，{pct}" if pct else text

    parts = [with_growth(f"{period}，{where}专利行政执法办案{cases['total']}件", "cases.total")]
    parts.append(with_growth(f"其中专利纠纷{cases['disputes']}件", "cases.disputes"))
    parts.append(with_growth(f"查处假冒专利案件{cases['counterfeit']}件", "cases.counterfeit"))
    closing = f"结案{cases['closed']}件"
    if cases.get("closure_rate") is not None:
        closing += f"，结案率{cases['closure_rate']:.1f}%"
    parts.append(closing)
    if cases["transferred_judicial"]:
        parts.append(f"移送司法机关{cases['transferred_judicial']}件")
    if Decimal(cases["amount_involved"]) > 0:
        parts.append(f"涉案金额{_yuan(cases['amount_involved'])}")
    penalties = Decimal(cases["fines"]) + Decimal(cases["confiscated"])  # 罚没款: fines and confiscated gains
    if penalties > 0:
        parts.append(f"罚没款{_yuan(str(penalties))}")
    text = "；".join(parts) + "。"
    text += (f"12330知识产权维权援助与举报投诉热线接听来电{calls['total']}个"
             + (f"，{_pct(g.get('calls.total'))}" if g.get("calls.total") is not None else "")
             + f"，月平均接听举报投诉电话{calls['monthly_average_phone']}个。")
    if summary.get("enforcement"):
        text += enforcement_sentence(summary["enforcement"], fair_names or [])
    return text

