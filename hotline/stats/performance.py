"""Performance of the regions (绩效考核): indicators, their monthly counts, the ranked table of a period.

product.md "The office's reports": a table per month and per year ranking the child regions of a region (the 14
市州 of the province; within a 市州, its counties, when the region table has them) on defined indicators.

Counting (each month by the Beijing calendar; every count is kept for the region the record belongs to: a case's
region, a transfer's receiving region (an agency's: the hotline's), a review's region):
- filed on time: of the filing decisions made in the period (filed or not accepted) that had a filing deadline,
  those made by it;
- closed on time: of the cases closed in the period that had a closing deadline, those closed by it;
- closure rate: closed ÷ (pending at the start + filed), both in the period (never above 100 %);
- transfers signed / answered on time: of the transfers signed / answered in the period with a deadline, those
  within it;
- callers satisfied: of the callers reached at a call-back in the period who gave their satisfaction, those
  satisfied or basically satisfied;
- review score: the average score of the case files whose review (评查) was completed in the period;
- overdue at the end: cases past their filing or closing deadline and live transfers past their signing or
  answering deadline, still not done at the end of the period (the current month: at the time of the last
  refresh). Its score is the share of the open items at the end that are not overdue.

A percentage is null where nothing was due (no decision, no call-back ...), never 0 % or 100 %. The score is the
weighted mean of the indicators that have a value, the weights (setting PERFORMANCE_WEIGHTS) renormalised over
them; a region with no indicator has no score and no rank. Equal scores share a rank (1, 1, 3), listed in the
official order.

The workers store the counts per month and region in ``performance_months`` when they build a month; a year sums
twelve monthly rows (stocks: pending at the start of its first month, overdue at the end of its last), so its cost
does not depend on the number of calls and cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select

from config import PERFORMANCE_INDICATORS, performance_weights
from hotline.core.clock import local_today
from hotline.core.permissions import province_code
from hotline.core.types import utcnow
from hotline.extensions import db
from hotline.stats.compute import Month
from hotline.stats.models import PerformanceMonth

#: Counts summed over the months of a period.
FLOW_KEYS = ("filed_due", "filed_on_time", "closed_due", "closed_on_time", "closed", "filed", "signed_due",
             "signed_on_time", "answered_due", "answered_on_time", "callbacks", "satisfied", "reviews",
             "review_tenths")
#: Stocks: the first month's (pending at the start) or the last month's (overdue and open at the end).
START_KEYS = ("pending_start",)
END_KEYS = ("overdue_end", "open_end")
COUNT_KEYS = FLOW_KEYS + START_KEYS + END_KEYS


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    formula: str
    #: "percent", "score" (0-100 points) or "count" (lower is better).
    kind: str


#: The indicators in the order of the table (names and formulas as the office writes them).
INDICATORS: tuple[Indicator, ...] = (
    Indicator("filed_on_time", "按期立案率",
              "期内作出立案决定(立案或不予受理)且在立案期限内作出的件数 ÷ 期内作出立案决定的件数 × 100%",
              "percent"),
    Indicator("closed_on_time", "按期结案率",
              "期内结案且在结案期限内结案的件数 ÷ 期内结案的件数 × 100%", "percent"),
    Indicator("closure_rate", "结案率",
              "期内结案数 ÷ (期初未结案数 + 期内立案数) × 100%(不超过100%)", "percent"),
    Indicator("transfers_signed_on_time", "转办按期签收率",
              "期内签收且在签收期限内签收的转办件数 ÷ 期内签收的转办件数 × 100%", "percent"),
    Indicator("transfers_answered_on_time", "转办按期答复率",
              "期内答复且在答复期限内答复的转办件数 ÷ 期内答复的转办件数 × 100%", "percent"),
    Indicator("satisfaction", "来电人满意率",
              "期内回访联系到的来电人中满意和基本满意的人数 ÷ 作出评价的人数 × 100%", "percent"),
    Indicator("review_score", "案卷评查平均分",
              "期内完成评查的案卷得分之和 ÷ 评查案卷数(百分制)", "score"),
    Indicator("overdue_end", "期末逾期件数",
              "期末超过立案或结案期限未办结的案件数 + 超过签收或答复期限未办结的转办件数;"
              "计分:(1 − 逾期件数 ÷ 期末在办件数) × 100",
              "count"),
)
assert tuple(i.code for i in INDICATORS) == PERFORMANCE_INDICATORS  # noqa: S101 - config and module agree

SCORE_RULE = ("综合得分 = Σ(指标得分 × 权重) ÷ Σ权重,只计有数值的指标(无应办事项的指标不计入,权重按其余指标重新折算);"
              "百分率指标的得分即其百分数,案卷评查按百分制得分,期末逾期按(1 − 逾期件数 ÷ 期末在办件数) × 100计分;"
              "得分相同名次并列,按官方顺序排列;没有任何指标数值的地区不排名。")


def weights() -> dict[str, float]:
    """The configured weights, checked again (a test or an admin may have set the dict directly)."""
    return performance_weights(current_app.config.get("PERFORMANCE_WEIGHTS"))


# Computing a month ------------------------------------------------------------------------------------------------

def _count(condition) -> Any:
    return func.count().filter(condition)


def _cutoff(month: Month) -> date:
    """The end of the period as a day boundary: the first day after the month, or today for the current month
    (an item is overdue at the end when its deadline fell before the cutoff and it was not done before it)."""
    return min(month.next().first_day, local_today())


def _case_counts(month: Month) -> dict[str, dict[str, int]]:
    from hotline.cases.models import Case

    first, last, cutoff = month.first_day, month.last_day, _cutoff(month)
    decided_on = func.coalesce(Case.filed_on, Case.rejected_on)
    decided = decided_on.between(first, last)
    closed = Case.closed_on.between(first, last)
    not_decided_by_cutoff = or_(decided_on.is_(None), decided_on >= cutoff)
    not_closed_by_cutoff = or_(Case.closed_on.is_(None), Case.closed_on >= cutoff)
    filing_overdue = and_(Case.received_on < cutoff, Case.file_due_on < cutoff, not_decided_by_cutoff,
                          not_closed_by_cutoff)
    closing_overdue = and_(Case.filed_on < cutoff, Case.close_due_on < cutoff, not_closed_by_cutoff)
    open_end = and_(Case.received_on < cutoff, not_closed_by_cutoff,
                    or_(Case.rejected_on.is_(None), Case.rejected_on >= cutoff))
    pending_start = and_(Case.filed_on < first, or_(Case.closed_on.is_(None), Case.closed_on >= first))
    columns = [
        Case.region_code,
        _count(and_(decided, Case.file_due_on.is_not(None))).label("filed_due"),
        _count(and_(decided, decided_on <= Case.file_due_on)).label("filed_on_time"),
        _count(and_(closed, Case.close_due_on.is_not(None))).label("closed_due"),
        _count(and_(closed, Case.closed_on <= Case.close_due_on)).label("closed_on_time"),
        _count(closed).label("closed"),
        _count(Case.filed_on.between(first, last)).label("filed"),
        _count(pending_start).label("pending_start"),
        _count(or_(filing_overdue, closing_overdue)).label("overdue_end"),
        _count(open_end).label("open_end"),
    ]
    # Every case some count reads: decided or closed in the month, or open at its start or end.
    relevant = or_(decided, closed, Case.closed_on.is_(None), Case.closed_on >= first)
    stmt = select(*columns).where(relevant, Case.received_on < cutoff).group_by(Case.region_code)
    return {row["region_code"]: {k: int(v) for k, v in row.items() if k != "region_code"}
            for row in db.session.execute(stmt).mappings()}


def _transfer_counts(month: Month) -> dict[str, dict[str, int]]:
    from hotline.transfers.models import Transfer

    first, last, cutoff = month.first_day, month.last_day, _cutoff(month)
    signed = Transfer.signed_on.between(first, last)
    answered = Transfer.answered_on.between(first, last)
    called_back = and_(Transfer.called_back_on.between(first, last), Transfer.reached.is_(True),
                       Transfer.satisfaction.is_not(None))
    # Live transfers (not migrated history answered before the cycle existed), not returned, open at the cutoff.
    live = and_(or_(Transfer.answered_on.is_not(None), Transfer.status.not_in(("answered", "called_back"))),
                Transfer.status != "returned")
    open_end = and_(live, Transfer.sent_on < cutoff, or_(Transfer.answered_on.is_(None),
                                                          Transfer.answered_on >= cutoff))
    sign_overdue = and_(Transfer.sign_due_on < cutoff, or_(Transfer.signed_on.is_(None),
                                                           Transfer.signed_on >= cutoff))
    answer_overdue = Transfer.answer_due_on < cutoff
    region = func.coalesce(Transfer.to_region_code, Transfer.from_region_code)
    columns = [
        region.label("region_code"),
        _count(and_(signed, Transfer.sign_due_on.is_not(None))).label("signed_due"),
        _count(and_(signed, Transfer.signed_on <= Transfer.sign_due_on)).label("signed_on_time"),
        _count(and_(answered, Transfer.answer_due_on.is_not(None))).label("answered_due"),
        _count(and_(answered, Transfer.answered_on <= Transfer.answer_due_on)).label("answered_on_time"),
        _count(called_back).label("callbacks"),
        _count(and_(called_back, Transfer.satisfaction.in_(("satisfied", "basically_satisfied")))).label(
            "satisfied"),
        _count(and_(open_end, or_(sign_overdue, answer_overdue))).label("transfers_overdue"),
        _count(open_end).label("transfers_open"),
    ]
    relevant = or_(signed, answered, Transfer.called_back_on.between(first, last), open_end)
    stmt = select(*columns).where(relevant).group_by(region)
    out: dict[str, dict[str, int]] = {}
    for row in db.session.execute(stmt).mappings():
        out[row["region_code"]] = {k: int(row[k]) for k in ("signed_due", "signed_on_time", "answered_due",
                                                            "answered_on_time", "callbacks", "satisfied")}
        out[row["region_code"]]["overdue_end"] = int(row["transfers_overdue"])
        out[row["region_code"]]["open_end"] = int(row["transfers_open"])
    return out


def _review_counts(month: Month) -> dict[str, dict[str, int]]:
    from hotline.review.models import CaseReview

    start, end = month.utc_bounds()
    stmt = (select(CaseReview.region_code, func.count(), func.coalesce(func.sum(CaseReview.score), 0))
            .where(CaseReview.status == "done", CaseReview.score.is_not(None), CaseReview.reviewed_at >= start,
                   CaseReview.reviewed_at < end)
            .group_by(CaseReview.region_code))
    return {code: {"reviews": int(n), "review_tenths": int((Decimal(str(total)) * 10).to_integral_value())}
            for code, n, total in db.session.execute(stmt)}


def compute_counts(month: Month) -> dict[str, dict[str, int]]:
    """{region_code: counts} for every region with something to count in ``month`` (and the province itself,
    always: its row marks the month as computed)."""
    out: dict[str, dict[str, int]] = {province_code(): dict.fromkeys(COUNT_KEYS, 0)}
    for part in (_case_counts(month), _transfer_counts(month), _review_counts(month)):
        for code, counts in part.items():
            row = out.setdefault(code, dict.fromkeys(COUNT_KEYS, 0))
            for key, value in counts.items():
                row[key] += value
    return out


def store_month(month: Month) -> int:
    """Compute and store the month's counts (idempotent: the same data leave the rows as they are). Returns the
    number of rows written or removed."""
    counts = compute_counts(month)
    existing = {row.region_code: row for row in db.session.scalars(
        select(PerformanceMonth).where(PerformanceMonth.month == month.first_day))}
    now, changed = utcnow(), 0
    for code, data in counts.items():
        row = existing.pop(code, None)
        if row is None:
            db.session.add(PerformanceMonth(month=month.first_day, region_code=code, data=data, computed_at=now))
            changed += 1
        else:
            if row.data != data:
                row.data = data
                changed += 1
            row.computed_at = now
    if existing:
        db.session.execute(delete(PerformanceMonth).where(PerformanceMonth.id.in_([r.id for r in existing.values()])))
        changed += len(existing)
    db.session.flush()
    return changed


# Reading a period -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """A month (``YYYY-MM``) or a year (``YYYY``): its begun months."""

    text: str
    months: tuple[Month, ...]

    @property
    def is_year(self) -> bool:
        return len(self.text) == 4

    @classmethod
    def parse(cls, text: str) -> Period:
        """``YYYY`` or ``YYYY-MM`` of a period that has begun (from 2000); ValueError otherwise."""
        today = local_today()
        text = (text or "").strip()
        if len(text) == 4 and text.isascii() and text.isdigit():
            year = int(text)
            if not 2000 <= year <= today.year:
                raise ValueError(text)
            last = 12 if year < today.year else today.month
            return cls(text, tuple(Month(year, m) for m in range(1, last + 1)))
        if not (text.isascii() and len(text) == 7 and text[:4].isdigit() and text[5:].isdigit()):
            raise ValueError(text)
        month = Month.parse(text)
        if month.first_day > today:
            raise ValueError(text)
        return cls(text, (month,))


def _region_tree() -> tuple[dict[str, dict[str, Any]], dict[str, list[str]]]:
    """Active regions {code: {name, label, sort_order, parent_code}} and {parent: [children in official order]}."""
    from hotline.reference.models import Region

    rows = db.session.execute(select(Region.code, Region.name, Region.stat_label, Region.sort_order,
                                     Region.parent_code).where(Region.is_active)
                              .order_by(Region.sort_order, Region.code)).all()
    info = {r.code: {"name": r.name, "label": r.stat_label or r.name, "sort_order": r.sort_order,
                     "parent_code": r.parent_code} for r in rows}
    children: dict[str, list[str]] = {}
    for r in rows:
        if r.parent_code:
            children.setdefault(r.parent_code, []).append(r.code)
    return info, children


def _subtree(code: str, children: dict[str, list[str]]) -> list[str]:
    out, stack = [], [code]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(children.get(current, []))
    return out


def child_regions(region_code: str) -> list[str]:
    """The child regions of ``region_code`` in the official order (the 14 市州 of the province; a 市州's counties)."""
    return _region_tree()[1].get(region_code, [])


def ensure_months(months: list[Month] | tuple[Month, ...]) -> None:
    """Compute the months that have no stored counts yet (a database from before this table, a month never built)."""
    if not months:
        return
    built = set(db.session.scalars(select(PerformanceMonth.month).where(
        PerformanceMonth.region_code == province_code(), PerformanceMonth.month.in_([m.first_day for m in months]))))
    missing = [m for m in months if m.first_day not in built]
    for month in missing:
        store_month(month)
    if missing:
        db.session.commit()


def _load(months: list[Month] | tuple[Month, ...]) -> dict[date, dict[str, dict[str, int]]]:
    rows = db.session.execute(select(PerformanceMonth.month, PerformanceMonth.region_code, PerformanceMonth.data)
                              .where(PerformanceMonth.month.in_([m.first_day for m in months]))).all()
    out: dict[date, dict[str, dict[str, int]]] = {}
    for day, code, data in rows:
        out.setdefault(day, {})[code] = data
    return out


def _sum_counts(per_month: dict[date, dict[str, dict[str, int]]], months, codes: list[str]) -> dict[str, int]:
    total = dict.fromkeys(COUNT_KEYS, 0)
    if not months:
        return total
    first, last = months[0].first_day, months[-1].first_day
    for month in months:
        regions = per_month.get(month.first_day, {})
        for code in codes:
            data = regions.get(code)
            if not data:
                continue
            for key in FLOW_KEYS:
                total[key] += int(data.get(key, 0))
            if month.first_day == first:
                for key in START_KEYS:
                    total[key] += int(data.get(key, 0))
            if month.first_day == last:
                for key in END_KEYS:
                    total[key] += int(data.get(key, 0))
    return total


def _pct(numerator: int, denominator: int) -> float | None:
    if denominator <= 0:
        return None
    value = Decimal(min(numerator, denominator)) * 100 / Decimal(denominator)
    return float(value.quantize(Decimal("0.1"), ROUND_HALF_UP))


def values_of(counts: dict[str, int]) -> dict[str, float | int | None]:
    """The indicators' values from a period's counts (percent with one decimal; null where nothing was due)."""
    from hotline.stats.yearly import closure_rate

    reviews = counts["reviews"]
    review = None if not reviews else float((Decimal(counts["review_tenths"]) / 10 / reviews).quantize(
        Decimal("0.1"), ROUND_HALF_UP))
    return {
        "filed_on_time": _pct(counts["filed_on_time"], counts["filed_due"]),
        "closed_on_time": _pct(counts["closed_on_time"], counts["closed_due"]),
        "closure_rate": closure_rate(counts["closed"], counts["pending_start"], counts["filed"]),
        "transfers_signed_on_time": _pct(counts["signed_on_time"], counts["signed_due"]),
        "transfers_answered_on_time": _pct(counts["answered_on_time"], counts["answered_due"]),
        "satisfaction": _pct(counts["satisfied"], counts["callbacks"]),
        "review_score": review,
        "overdue_end": counts["overdue_end"],
    }


def indicator_points(counts: dict[str, int], values: dict[str, Any]) -> dict[str, float | None]:
    """Each indicator's points (0-100) for the score; None where it has no value."""
    points: dict[str, float | None] = {code: values[code] for code in PERFORMANCE_INDICATORS if code != "overdue_end"}
    open_end = counts["open_end"]
    points["overdue_end"] = _pct(max(open_end - counts["overdue_end"], 0), open_end)
    return points


def score_of(points: dict[str, float | None], weight_map: dict[str, float]) -> float | None:
    """Weighted mean of the indicators that have points, weights renormalised over them; None if none has."""
    used = [(Decimal(str(points[c])), Decimal(str(weight_map.get(c, 0)))) for c in PERFORMANCE_INDICATORS
            if points.get(c) is not None and weight_map.get(c, 0) > 0]
    total_weight = sum((w for _, w in used), Decimal(0))
    if not used or total_weight <= 0:
        return None
    score = sum((p * w for p, w in used), Decimal(0)) / total_weight
    return float(score.quantize(Decimal("0.1"), ROUND_HALF_UP))


def rank_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Competition ranking by score (1, 1, 3): equal scores share a rank and keep the official order; rows
    without a score get no rank and come last (in the official order). ``rows`` are in the official order."""
    scored = sorted((r for r in rows if r["score"] is not None), key=lambda r: -r["score"])  # stable: official order
    previous, rank = None, 0
    for position, row in enumerate(scored, start=1):
        if row["score"] != previous:
            rank, previous = position, row["score"]
        row["rank"] = rank
    unscored = [r for r in rows if r["score"] is None]
    for row in unscored:
        row["rank"] = None
    return scored + unscored


def performance_table(period: Period, region_code: str | None = None) -> dict[str, Any]:
    """The API's document (api.md "Reports"): indicators with formula and weight, and the child regions of
    ``region_code`` ranked (an empty ``rows`` where the region has no child regions), plus ``total`` (the region
    as a whole) and ``counts`` per row for the page and the exports. ``region_code`` None: the province."""
    region_code = region_code or province_code()
    ensure_months(period.months)
    per_month = _load(period.months)
    info, children = _region_tree()
    weight_map = weights()
    rows = []
    for code in children.get(region_code, []):
        counts = _sum_counts(per_month, period.months, _subtree(code, children))
        values = values_of(counts)
        rows.append({"region_code": code, "name": info[code]["label"], "values": values,
                     "score": score_of(indicator_points(counts, values), weight_map), "rank": None,
                     "counts": counts})
    total_counts = _sum_counts(per_month, period.months, _subtree(region_code, children))
    total_values = values_of(total_counts)
    return {
        "period": period.text,
        "region_code": region_code,
        "indicators": [{"code": i.code, "name": i.name, "formula": i.formula, "weight": weight_map[i.code]}
                       for i in INDICATORS],
        "score_rule": SCORE_RULE,
        "rows": rank_rows(rows),
        "total": {"region_code": region_code, "name": "全省" if region_code == province_code() else
                  info.get(region_code, {}).get("name", region_code), "values": total_values,
                  "score": score_of(indicator_points(total_counts, total_values), weight_map),
                  "counts": total_counts},
        "computed_at": _computed_at(period),
    }


def _computed_at(period: Period) -> datetime | None:
    value = db.session.scalar(select(func.min(PerformanceMonth.computed_at)).where(
        PerformanceMonth.region_code == province_code(),
        PerformanceMonth.month.in_([m.first_day for m in period.months])))
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def trend(last: Month, region_code: str | None = None, months: int = 12) -> dict[str, Any]:
    """Each indicator over the ``months`` months ending with ``last``: the region as a whole and each child
    region (its subtree): {"months": [...], "regions": [{code, name, values: {indicator: [..]}}], "score": ...}.
    ``region_code`` None: the province."""
    region_code = region_code or province_code()
    series: list[Month] = [last]
    while len(series) < months:
        series.insert(0, series[0].previous())
    series = [m for m in series if m.year >= 2000]
    ensure_months(series)
    per_month = _load(series)
    info, children = _region_tree()
    weight_map = weights()
    out_regions = []
    for code in [region_code, *children.get(region_code, [])]:
        subtree = _subtree(code, children)
        values: dict[str, list[Any]] = {c: [] for c in PERFORMANCE_INDICATORS}
        scores: list[float | None] = []
        for month in series:
            counts = _sum_counts(per_month, [month], subtree)
            month_values = values_of(counts)
            for c in PERFORMANCE_INDICATORS:
                values[c].append(month_values[c])
            scores.append(score_of(indicator_points(counts, month_values), weight_map))
        name = "全省" if code == province_code() else info.get(code, {}).get("label", code)
        out_regions.append({"region_code": code, "name": name, "values": values, "scores": scores})
    return {"months": [str(m) for m in series], "regions": out_regions}
