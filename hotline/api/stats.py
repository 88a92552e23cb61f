"""API v1: monthly statistics, rebuilds with progress, locking (报送) and revisions, the yearly report and its
downloads (api.md "Statistics and reports").

Officers and supervisors read; supervisors rebuild, lock and decide revisions (operators and admins: 403).
``region_code`` defaults to the user's region; a 市州 user asking for another region gets 404, a province user
may ask for any region or the province's code (the whole province). In embedded mode (no Redis, no worker) months marked
stale by the outbox are refreshed before answering, so the figures follow the data.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from flask import Response, abort, current_app, jsonify, url_for
from pydantic import Field
from sqlalchemy.exc import IntegrityError

from hotline.api.registry import Binary, api_route
from hotline.api.schemas import Body, Out, Query, RegionCode
from hotline.api.serializers import iso
from hotline.core.clock import local_today
from hotline.core.errors import ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.permissions import Role, sees_region
from hotline.extensions import db
from hotline.reference import queries as ref
from hotline.stats import exports
from hotline.stats.compute import Month
from hotline.stats.models import MonthlySnapshot, SnapshotRevision, TaskRun
from hotline.stats.operations import (
    county_rows,
    decide_revision,
    dispatch_rebuild,
    get_snapshot,
    lock_month,
    month_range,
    start_rebuild,
)
from hotline.stats.yearly import GROWTH_KEYS, yearly_summary

READ_ROLES = frozenset({Role.officer, Role.supervisor})
WRITE_ROLES = frozenset({Role.supervisor})
FIRST_YEAR = 2000
MAX_ID = 2**63 - 1
TAG = "statistics"

_MONTH = re.compile(r"^[0-9]{4}-[0-9]{2}$")
_YEAR = re.compile(r"^[0-9]{4}$")
_TASK_ID = re.compile(r"^[0-9a-f-]{1,36}$")


# Schemas -----------------------------------------------------------------------------------------------------

MonthText = Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}$", description="YYYY-MM (Beijing calendar).")]
Money = Annotated[str, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", description="Yuan, as a decimal string.")]
Counts = Annotated[dict[str, int], Field(description="Code → count, every code of the reference list present.")]


class StatsQuery(Query):
    region_code: RegionCode | None = Field(None, description="The province's code for the whole province; "
                                                        "default: yours.")


class RebuildIn(Body):
    to: MonthText | None = Field(None, description="Rebuild every month from the one in the path to this one "
                                                   "(at most 120 months).")


class CallFiguresOut(Out):
    total: int = Field(description="Calls received in the month (Beijing time).")
    by_request_type: Counts
    by_channel: Counts
    by_ip_type: Counts = Field(description="IP type code → count; ``unspecified`` for calls without one.")
    phone_total: int
    reports_and_complaints: int
    transferred: int
    case_opened: int
    not_accepted: int
    answered: int
    closed: int
    decided_in_time: int = Field(description="Decided (accepted, answered, transferred …) by the 5-working-day "
                                             "deadline.")
    undecided_overdue: int
    transfers_signed: int = Field(0, description="Transfers signed for in the month (0 in snapshots locked before "
                                                 "transfers were counted).")
    transfers_signed_on_time: int = Field(0, description="… by their 15-working-day deadline.")
    transfers_answered: int = Field(0, description="Transfers answered in the month.")
    transfers_answered_on_time: int = Field(0, description="… by their 90 (complex: 120) day deadline.")
    callers_satisfied: int = Field(0, description="Call-backs in the month that reached the caller: satisfied.")
    callers_basically_satisfied: int = 0
    callers_dissatisfied: int = 0
    exhibition: int = Field(0, description="Calls at a trade fair (linked to one or naming one; 0 in snapshots "
                                          "locked before fairs were records).")


class CaseFiguresOut(Out):
    received: int
    filed: int = Field(description="立案 in the month.")
    total: int = Field(description="办案总量 = disputes + counterfeit cases filed.")
    disputes: int = Field(description="Infringement + other disputes filed.")
    infringement_disputes: int
    other_disputes: int
    counterfeit: int
    not_accepted: int
    closed: int = Field(description="By closing date.")
    closed_by_outcome: Counts
    pending_end: int = Field(description="Filed and not closed by the last day of the month.")
    overdue: int
    transferred_judicial: int
    mediated: int
    judicial_confirmation: int
    exhibition: int
    ecommerce: int
    major: int
    foreign_related: int
    amount_involved: Money
    fines: Money
    confiscated: Money
    supervised_opened: int = Field(0, description="Cases put under supervision (督办) in the period (0 in snapshots "
                                                  "locked before supervision was recorded).")
    supervised_closed: int = Field(0, description="Supervisions of cases ended in the period.")
    campaign: int = Field(0, description="Cases filed that count in a campaign (专项行动).")


class RecordRefOut(Out):
    id: int
    ref: str = Field(description="A call's reference (HL-…) or a case's number (#id before it has one).")


class RecordChangesOut(Out):
    added: list[RecordRefOut] = Field(description="Counted now, not in the locked figures.")
    removed: list[RecordRefOut] = Field(description="In the locked figures, not counted now (moved to another "
                                                    "region or month, or deleted).")
    changed: list[RecordRefOut] = Field(description="In both, with a different value of what the figures count.")


class RevisionChangesOut(Out):
    calls: RecordChangesOut
    cases: RecordChangesOut


class RevisionOut(Out):
    id: int
    status: str = Field(description="pending, accepted or discarded.")
    computed_at: datetime
    calls: CallFiguresOut
    cases: CaseFiguresOut
    changes: RevisionChangesOut | None = Field(description="The calls and cases that caused the revision; null "
                                                           "when the month was locked before records were kept.")


class RegionBelowOut(Out):
    region_code: str = Field(description="A county code (GB/T 2260 order), ``own`` (市本级: logged against the "
                                         "市州 itself) or the 市州's code (its total, last).")
    label: str
    calls: CallFiguresOut
    cases: CaseFiguresOut


class SnapshotOut(Out):
    month: MonthText
    region_code: str
    computed_at: datetime
    locked: bool = Field(description="报送: locked figures are never overwritten; rebuilds become revisions.")
    locked_at: datetime | None
    calls: CallFiguresOut
    cases: CaseFiguresOut
    revision: RevisionOut | None = Field(description="The pending revision of a locked month (a later rebuild "
                                                     "with different figures), to accept or discard.")
    regions_below: list[RegionBelowOut] | None = Field(None, description="Only for a 市州 whose counties have "
                                                                         "figures: its table of counties (the "
                                                                         "市州's figures include theirs).")


class TaskAcceptedOut(Out):
    task_id: str


class TaskOut(Out):
    id: str
    kind: str
    state: str = Field(description="PENDING, STARTED, SUCCESS or FAILURE.")
    progress: float = Field(ge=0, le=1)
    steps_done: int
    steps_total: int
    params: dict[str, Any]
    result: dict[str, Any] | None = Field(description="When finished: ``months`` (month → region → created, "
                                                      "updated, unchanged, revision or locked) or ``error``.")
    region_code: str
    created_at: datetime
    updated_at: datetime


class YearlyCallsOut(CallFiguresOut):
    monthly_average_phone: int = Field(description="Phone calls / months, rounded half up.")
    monthly_average_reports_and_complaints: int


class YearlyCasesOut(CaseFiguresOut):
    pending_start: int = Field(description="Cases filed and not closed at the start of the period (the end of "
                                           "the month before it).")
    closure_rate: float | None = Field(description="结案率: closed ÷ (pending at the start + filed), both in the "
                                                   "period, in percent with one decimal (never above 100); null when "
                                                   "there was nothing to close.")


class PeriodOut(Out):
    calls: CallFiguresOut
    cases: CaseFiguresOut


class MonthPointOut(Out):
    month: MonthText
    calls: int
    calls_by_request_type: Counts
    cases_filed: int
    disputes: int
    counterfeit: int


class PreviousMonthPointOut(Out):
    month: MonthText
    calls: int
    cases_filed: int


class RegionRowOut(Out):
    region_code: str = Field(description="A 市州 code, ``other`` (calls logged against the province itself) or "
                                         "the province's code (全省); in a 市州's report: a county code, ``own`` "
                                         "(市本级: logged against the 市州 itself) or the 市州's code (its total).")
    label: str
    calls_total: int
    calls_phone: int
    cases_total: int
    disputes: int
    infringement_disputes: int
    other_disputes: int
    counterfeit: int
    closed: int
    transferred_judicial: int
    amount_involved: Money
    fines: Money
    growth_cases_total: float | None


class EnforcementOut(Out):
    decisions_published: int = Field(description="Penalty decisions published online (网上公开) in the period and "
                                                 "not withdrawn.")
    files_reviewed: int = Field(description="Case files whose review (评查) was completed in the period.")
    files_excellent: int = Field(description="… rated 优秀.")
    transferred_judicial: int = Field(description="Cases closed in the period and transferred to judicial organs.")
    judicial_confirmations: int = Field(description="Mediated cases closed in the period with a judicial "
                                                    "confirmation (司法确认).")
    campaigns: int = Field(description="Campaigns (专项行动) begun in the period in the region (the province: all).")
    exhibitions_stationed: int = Field(description="Trade fairs begun in the period where the office stationed a "
                                                   "booth (入驻).")


class YearlyOut(Out):
    year: int
    region_code: str
    months: int = Field(description="Months of the year included (12, or those begun in the current year).")
    calls: YearlyCallsOut
    cases: YearlyCasesOut
    previous: PeriodOut = Field(description="The same period of the year before.")
    growth: dict[str, float | None] = Field(description="Year-over-year growth in percent, one decimal, null "
                                                        "where the base is 0. Keys: " + ", ".join(GROWTH_KEYS) + ".")
    monthly: list[MonthPointOut]
    monthly_previous: list[PreviousMonthPointOut]
    by_region: list[RegionRowOut] = Field(description="The province: its 市州 in the official order, 其他, 全省. "
                                                      "A 市州 whose counties have figures: its counties in "
                                                      "GB/T 2260 order, 市本级, its total. Otherwise empty.")
    enforcement: EnforcementOut = Field(description="What the summary counts beside the cases, in the period.")
    narrative: str = Field(description="The Chinese summary paragraph.")


# Input -------------------------------------------------------------------------------------------------------

def parse_month(text: str, field: str = "month") -> Month:
    """``YYYY-MM`` (ASCII digits) of a month that has begun; 422 otherwise."""
    try:
        if not _MONTH.match(text):
            raise ValueError
        month = Month.parse(text)
    except ValueError:
        raise ValidationFailed(_("Invalid month."), {field: [
            _("Give a month as YYYY-MM (2000-01 or later), e.g. 2015-05.")]}) from None
    if month.first_day > local_today():
        raise ValidationFailed(_("Future month."), {field: [_("This month has not started yet.")]})
    return month


def parse_year(text: str) -> int:
    """A four-digit year from 2000 to this year; 422 otherwise."""
    year = int(text) if _YEAR.match(text) else None
    if year is None or not FIRST_YEAR <= year <= local_today().year:
        raise ValidationFailed(_("Invalid year."), {"year": [
            _("Give a year from %(first)d to this year as YYYY.", first=FIRST_YEAR)]})
    return year


def region_for(user, requested: str | None) -> str:
    """The region asked for (default: the user's). Another region than a 市州 user's own → 404."""
    code = requested or user.region_code
    if not sees_region(user, code):
        abort(404)
    if code not in ref.region_map():
        raise ValidationFailed(_("Unknown region."), {"region_code": [_("Unknown region %(code)r.", code=code)]})
    return code


def refresh_if_embedded() -> None:
    """Embedded mode has no worker: bring months marked stale up to date before reading them."""
    if not current_app.config.get("REDIS_URL"):
        from workers.tasks.stats import refresh_stale

        refresh_stale.run()


# Output ------------------------------------------------------------------------------------------------------

def revision_json(revision: SnapshotRevision) -> dict[str, Any]:
    return {"id": revision.id, "status": revision.status, "computed_at": iso(revision.computed_at),
            "calls": revision.data["calls"], "cases": revision.data["cases"], "changes": revision.changes}


def snapshot_json(snapshot: MonthlySnapshot) -> dict[str, Any]:
    pending = next((r for r in snapshot.revisions if r.status == "pending"), None)
    out = {
        "month": f"{snapshot.month:%Y-%m}",
        "region_code": snapshot.region_code,
        "computed_at": iso(snapshot.computed_at),
        "locked": snapshot.locked,
        "locked_at": iso(snapshot.locked_at),
        "calls": snapshot.data["calls"],
        "cases": snapshot.data["cases"],
        "revision": revision_json(pending) if pending else None,
    }
    below = county_rows(Month.of(snapshot.month), snapshot.region_code)
    if below:
        out["regions_below"] = [{"region_code": row["region_code"], "label": row["label"],
                                 "calls": row["data"]["calls"], "cases": row["data"]["cases"]} for row in below]
    return out


def task_json(run: TaskRun) -> dict[str, Any]:
    return {"id": run.id, "kind": run.kind, "state": run.state, "progress": min(max(run.progress, 0.0), 1.0),
            "steps_done": run.steps_done, "steps_total": run.steps_total, "params": run.params,
            "result": run.region_result(), "region_code": run.region_code, "created_at": iso(run.created_at),
            "updated_at": iso(run.updated_at)}


def _snapshot_or_build(month: Month, region_code: str) -> MonthlySnapshot:
    try:
        snapshot = get_snapshot(month, region_code)
    except IntegrityError:
        # Another request (or the worker) stored the month at the same moment: read theirs.
        db.session.rollback()
        snapshot = get_snapshot(month, region_code, build_missing=False)
    if snapshot is None:  # a region code without figures (not a 市州 or the province)
        abort(404)
    return snapshot


# Monthly -----------------------------------------------------------------------------------------------------

@api_route("/stats/monthly/<month>", "GET", summary="A month's figures", tag=TAG, roles=READ_ROLES,
           query=StatsQuery, errors=[404], responses={200: SnapshotOut})
def monthly_snapshot(user, month: str, query: StatsQuery):
    """The stored snapshot of the month for the region (computed on demand when the month has none yet).
    Calls count by received time with Beijing-time month boundaries; cases by filing and closing date."""
    month_ = parse_month(month)
    region_code = region_for(user, query.region_code)
    refresh_if_embedded()
    return jsonify(snapshot_json(_snapshot_or_build(month_, region_code)))


@api_route("/stats/monthly/<month>/rebuild", "POST", summary="Rebuild a month (or a range of months)", tag=TAG,
           roles=WRITE_ROLES, body=RebuildIn, body_required=False, responses={202: TaskAcceptedOut},
           description="Recomputes the figures from the data, for every region, in the background; follow it "
                       "at GET /api/v1/tasks/{task_id}. The body is optional: ``{\"to\": \"YYYY-MM\"}`` for a "
                       "range. Locked months keep their figures: different results become pending revisions.")
def rebuild_month(user, month: str, body: RebuildIn):
    first = parse_month(month)
    months = month_range(first, parse_month(body.to, "to")) if body.to else [first]
    run = start_rebuild(months, region_code=user.region_code, actor=user)
    db.session.commit()  # the worker must find the run
    dispatch_rebuild(run)
    response = jsonify({"task_id": run.id})
    response.status_code = 202
    response.headers["Location"] = url_for("api.get_task", task_id=run.id)
    return response


@api_route("/stats/monthly/<month>/lock", "POST", summary="Lock a month (报送)", tag=TAG, roles=WRITE_ROLES,
           query=StatsQuery, errors=[404], responses={200: SnapshotOut})
def lock_snapshot(user, month: str, query: StatsQuery):
    """Locks the region's snapshot of the month (the province's code: every region's). Locking a locked month changes
    nothing. A month that has not started cannot be locked."""
    month_ = parse_month(month)
    region_code = region_for(user, query.region_code)
    refresh_if_embedded()
    lock_month(month_, region_code, actor=user)
    return jsonify(snapshot_json(_snapshot_or_build(month_, region_code)))


def _revision(user, month: str, revision_id: int) -> SnapshotRevision:
    month_ = parse_month(month)
    revision = db.session.get(SnapshotRevision, revision_id) if revision_id <= MAX_ID else None
    if revision is None or revision.snapshot.month != month_.first_day or not sees_region(user,
                                                                                          revision.region_code):
        abort(404)
    return revision


@api_route("/stats/monthly/<month>/revisions/<int:revision_id>/accept", "POST", summary="Accept a revision",
           tag=TAG, roles=WRITE_ROLES, errors=[404, 409, 422], responses={200: SnapshotOut})
def accept_revision(user, month: str, revision_id: int):
    """Extension: the locked month takes the revision's figures (it stays locked). 409 when already decided."""
    revision = _revision(user, month, revision_id)
    decide_revision(revision, True, actor=user)
    return jsonify(snapshot_json(revision.snapshot))


@api_route("/stats/monthly/<month>/revisions/<int:revision_id>/discard", "POST", summary="Discard a revision",
           tag=TAG, roles=WRITE_ROLES, errors=[404, 409, 422], responses={200: SnapshotOut})
def discard_revision(user, month: str, revision_id: int):
    """Extension: the locked figures stay as they are. 409 when already decided."""
    revision = _revision(user, month, revision_id)
    decide_revision(revision, False, actor=user)
    return jsonify(snapshot_json(revision.snapshot))


@api_route("/tasks/<task_id>", "GET", summary="Progress of a background task", tag=TAG, roles=READ_ROLES,
           errors=[404], responses={200: TaskOut})
def get_task(user, task_id: str):
    """A rebuild's state and progress (0 to 1); tasks started in another region are 404. The result names the
    outcome of each month for the run's region (a province run: for every region)."""
    run = db.session.get(TaskRun, task_id) if _TASK_ID.match(task_id) else None
    if run is None or not sees_region(user, run.region_code):
        abort(404)
    return jsonify(task_json(run))


# Yearly ------------------------------------------------------------------------------------------------------

def _summary(user, year: str, query: StatsQuery) -> dict[str, Any]:
    year_ = parse_year(year)
    region_code = region_for(user, query.region_code)
    refresh_if_embedded()
    return yearly_summary(year_, region_code)


@api_route("/reports/yearly/<year>", "GET", summary="The yearly report", tag=TAG, roles=READ_ROLES,
           query=StatsQuery, errors=[404], responses={200: YearlyOut})
def yearly_report(user, year: str, query: StatsQuery):
    """Built from the monthly snapshots: totals, year-over-year growth against the same period, the monthly
    average of phone calls, the per-region table and the Chinese narrative."""
    summary = _summary(user, year, query)
    summary.setdefault("by_region", [])
    return jsonify(summary)


def _download(summary: dict[str, Any], ext: str, media_type: str, body: bytes | str) -> Response:
    response = Response(body.encode("utf-8") if isinstance(body, str) else body, content_type=media_type)
    response.headers["Content-Disposition"] = exports.content_disposition(exports.yearly_filename(summary, ext))
    return response


@api_route("/reports/yearly/<year>.xlsx", "GET", summary="The yearly report as a spreadsheet", tag=TAG,
           roles=READ_ROLES, query=StatsQuery, errors=[404],
           responses={200: Binary(exports.MIME_XLSX, "XLSX: sheets 概要, 分地区 and 月度 (Content-Disposition: "
                                                     "attachment).")})
def yearly_report_xlsx(user, year: str, query: StatsQuery):
    summary = _summary(user, year, query)
    return _download(summary, "xlsx", exports.MIME_XLSX, exports.yearly_xlsx(summary))


@api_route("/reports/yearly/<year>.docx", "GET", summary="The yearly report as a Word document", tag=TAG,
           roles=READ_ROLES, query=StatsQuery, errors=[404],
           responses={200: Binary(exports.MIME_DOCX, "DOCX: title, narrative and tables (Content-Disposition: "
                                                     "attachment).")})
def yearly_report_docx(user, year: str, query: StatsQuery):
    summary = _summary(user, year, query)
    return _download(summary, "docx", exports.MIME_DOCX, exports.yearly_docx(summary))


@api_route("/reports/yearly/<year>.csv", "GET", summary="The yearly region table as CSV", tag=TAG,
           roles=READ_ROLES, query=StatsQuery, errors=[404],
           responses={200: Binary("text/csv", "UTF-8 CSV with a BOM: the per-region table (a 市州: its totals).")})
def yearly_report_csv(user, year: str, query: StatsQuery):
    summary = _summary(user, year, query)
    return _download(summary, "csv", exports.MIME_CSV, exports.yearly_csv(summary))



# Performance of the regions (绩效考核) -----------------------------------------------------------------------------

Percent = Annotated[float | None, Field(description="Percent with one decimal; null where nothing was due.")]


class PerformanceQuery(Query):
    region_code: RegionCode | None = Field(None, description="Whose child regions to rank: the province (default) "
                                                             "ranks its 市州; a 市州 ranks its counties.")


class IndicatorOut(Out):
    code: str
    name: str = Field(description="The indicator's official name (Chinese).")
    formula: str = Field(description="How it is computed, as printed on the page and in the downloads.")
    weight: float = Field(description="Its weight in the score (setting PERFORMANCE_WEIGHTS).")


class PerformanceValuesOut(Out):
    filed_on_time: Percent
    closed_on_time: Percent
    closure_rate: Percent = Field(description="closed ÷ (pending at the start + filed), never above 100.")
    transfers_signed_on_time: Percent
    transfers_answered_on_time: Percent
    satisfaction: Percent
    review_score: float | None = Field(description="Average case-file review score (0-100, one decimal); null "
                                                   "when no review was completed in the period.")
    overdue_end: int = Field(description="Cases and transfers past a deadline and not done at the end of the "
                                         "period.")


class PerformanceRowOut(Out):
    region_code: str
    name: str
    values: PerformanceValuesOut
    score: float | None = Field(description="Weighted mean of the indicators with a value (weights renormalised "
                                            "over them), one decimal; null when no indicator has a value.")
    rank: int | None = Field(description="1 = best; equal scores share a rank; null without a score.")


class PerformanceTotalOut(Out):
    region_code: str
    name: str
    values: PerformanceValuesOut
    score: float | None


class PerformanceOut(Out):
    period: str = Field(description="YYYY or YYYY-MM, as asked.")
    region_code: str
    indicators: list[IndicatorOut]
    score_rule: str = Field(description="How the score and the rank follow from the indicators (Chinese).")
    rows: list[PerformanceRowOut] = Field(description="The child regions of region_code ranked (ties in the "
                                                      "official order, regions without a score last); empty when "
                                                      "the region has none.")
    total: PerformanceTotalOut = Field(description="region_code as a whole (its own records and its subtree's).")


def performance_region(user, requested: str | None) -> str:
    """The province table (the 14 市州 ranked) is open to every reader of statistics; a region's internal table
    (its counties) to that region and the regions above it (404 otherwise)."""
    from hotline.core.permissions import province_code

    code = requested or province_code()
    if code != province_code() and not sees_region(user, code):
        abort(404)
    if code not in ref.region_map():
        raise ValidationFailed(_("Unknown region."), {"region_code": [_("Unknown region %(code)r.", code=code)]})
    return code


def performance_json(table: dict[str, Any]) -> dict[str, Any]:
    """The API's shape of a performance table (counts stay internal)."""
    return {
        "period": table["period"], "region_code": table["region_code"], "indicators": table["indicators"],
        "score_rule": table["score_rule"],
        "rows": [{k: row[k] for k in ("region_code", "name", "values", "score", "rank")} for row in table["rows"]],
        "total": {k: table["total"][k] for k in ("region_code", "name", "values", "score")},
    }


@api_route("/reports/performance/<period>", "GET", summary="Performance of the regions (绩效考核)", tag=TAG,
           roles=READ_ROLES, query=PerformanceQuery, errors=[404], responses={200: PerformanceOut})
def performance_report(user, period: str, query: PerformanceQuery):
    """A month (YYYY-MM) or a year (YYYY): the child regions of ``region_code`` ranked on the indicators, each with
    its formula and weight. Read from the monthly counts the workers store (a year sums twelve monthly rows)."""
    from hotline.stats.performance import Period, performance_table

    try:
        period_ = Period.parse(period)
    except ValueError:
        raise ValidationFailed(_("Invalid period."), {"period": [
            _("Give a year (YYYY) or a month (YYYY-MM) from 2000 that has begun, e.g. 2015 or 2015-05.")]}) from None
    region_code = performance_region(user, query.region_code)
    refresh_if_embedded()
    return jsonify(performance_json(performance_table(period_, region_code)))
