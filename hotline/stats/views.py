"""Statistics pages: the monthly snapshot (charts beside tables, lock, rebuild, revisions), rebuild progress,
the yearly summary with its narrative, and the downloads.

Officers and supervisors read statistics; a 市州 user sees only their own region (another region's figures
answer 404), province users pick any region or the whole province. Only supervisors rebuild, lock (报送) and
decide revisions. Operators and administrators get 403.
"""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Response, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from hotline.accounts.models import User
from hotline.cases.forms import OUTCOME_LABELS
from hotline.cases.models import ALL_OUTCOMES
from hotline.core.clock import local_today
from hotline.core.errors import StateError, ValidationFailed
from hotline.core.forms import ConfirmForm
from hotline.core.permissions import Role, province_code, region_subtree, role_required, sees_region
from hotline.extensions import db
from hotline.reference import queries as ref
from hotline.stats import bp, exports
from hotline.stats.compute import Month
from hotline.stats.forms import FIRST_YEAR, MonthlyFilterForm, RebuildForm, YearlyFilterForm, parse_month, parse_year
from hotline.stats.models import MonthlySnapshot, SnapshotRevision, TaskRun
from hotline.stats.operations import (
    county_rows,
    decide_revision,
    dispatch_rebuild,
    get_snapshot,
    lock_month,
    month_range,
)
from hotline.stats.operations import start_rebuild as op_start_rebuild
from hotline.stats.yearly import yearly_summary

STATS_ROLES = (Role.officer, Role.supervisor)

# ---------------------------------------------------------------------------------------------------------------
# Labels (English msgids; the zh_CN catalog translates them)


CALL_FIGURES = (
    ("total", _l("Calls received")),
    ("phone_total", _l("of which by phone")),
    ("reports_and_complaints", _l("Reports and complaints")),
    ("exhibition", _l("Calls at trade fairs")),
)
DECISION_FIGURES = (
    ("transferred", _l("Transferred")),
    ("case_opened", _l("Case opened")),
    ("not_accepted", _l("Not accepted")),
    ("answered", _l("Answered")),
    ("closed", _l("Closed with feedback")),
    ("decided_in_time", _l("Decided within the time limit")),
    ("undecided_overdue", _l("Undecided past the time limit")),
)
#: The decisions a call gets (each call at most one): the only rows of DECISION_FIGURES the chart shows.
EXCLUSIVE_DECISIONS = ("transferred", "case_opened", "not_accepted", "answered")
TRANSFER_FIGURES = (
    ("transfers_signed", _l("Transfers signed for")),
    ("transfers_signed_on_time", _l("of which within the time limit")),
    ("transfers_answered", _l("Transfers answered")),
    ("transfers_answered_on_time", _l("of which within the time limit")),
    ("callers_satisfied", _l("Callers satisfied")),
    ("callers_basically_satisfied", _l("Callers basically satisfied")),
    ("callers_dissatisfied", _l("Callers dissatisfied")),
)
FILED_FIGURES = (
    ("infringement_disputes", _l("Infringement disputes")),
    ("other_disputes", _l("Other patent disputes")),
    ("counterfeit", _l("Counterfeit patents")),
)
CASE_FIGURES = (
    ("received", _l("Cases received")),
    ("filed", _l("Cases handled (filed)")),
    ("disputes", _l("Patent disputes")),
    ("infringement_disputes", _l("of which infringement disputes")),
    ("other_disputes", _l("Other patent disputes")),
    ("counterfeit", _l("Counterfeit patents")),
    ("not_accepted", _l("Not accepted")),
    ("closed", _l("Closed")),
    ("pending_end", _l("Pending at month end")),
    ("overdue", _l("Overdue")),
    ("transferred_judicial", _l("Transferred to judicial organs")),
    ("mediated", _l("Mediated")),
    ("judicial_confirmation", _l("Judicial confirmation")),
    ("exhibition", _l("Exhibition cases")),
    ("campaign", _l("Cases in campaigns (专项行动)")),
    ("ecommerce", _l("E-commerce cases")),
    ("major", _l("Major cases (督办)")),
    ("foreign_related", _l("Foreign-related cases")),
    ("supervised_opened", _l("Supervised cases opened (督办)")),
    ("supervised_closed", _l("Supervised cases closed (督办结束)")),
)
MONEY_FIGURES = (
    ("amount_involved", _l("Amount involved")),
    ("fines", _l("Fines")),
    ("confiscated", _l("Confiscated gains")),
)
#: The yearly totals table: (dotted key, label, kind).
YEARLY_FIGURES = (
    ("cases.total", _l("Cases handled (办案总量)"), "count"),
    ("cases.disputes", _l("Patent disputes"), "count"),
    ("cases.infringement_disputes", _l("of which infringement disputes"), "count"),
    ("cases.other_disputes", _l("Other patent disputes"), "count"),
    ("cases.counterfeit", _l("Counterfeit patents"), "count"),
    ("cases.closed", _l("Closed"), "count"),
    ("cases.mediated", _l("Mediated"), "count"),
    ("cases.transferred_judicial", _l("Transferred to judicial organs"), "count"),
    ("cases.exhibition", _l("Exhibition cases"), "count"),
    ("cases.campaign", _l("Cases in campaigns (专项行动)"), "count"),
    ("cases.ecommerce", _l("E-commerce cases"), "count"),
    ("cases.amount_involved", _l("Amount involved"), "money"),
    ("cases.fines", _l("Fines"), "money"),
    ("cases.confiscated", _l("Confiscated gains"), "money"),
    ("calls.total", _l("Calls received"), "count"),
    ("calls.phone_total", _l("of which by phone"), "count"),
    ("calls.reports_and_complaints", _l("Reports and complaints"), "count"),
    ("calls.exhibition", _l("Calls at trade fairs"), "count"),
    ("calls.transfers_signed", _l("Transfers signed for"), "count"),
    ("calls.transfers_signed_on_time", _l("of which within the time limit"), "count"),
    ("calls.transfers_answered", _l("Transfers answered"), "count"),
    ("calls.transfers_answered_on_time", _l("of which within the time limit"), "count"),
    ("calls.callers_satisfied", _l("Callers satisfied"), "count"),
    ("calls.callers_basically_satisfied", _l("Callers basically satisfied"), "count"),
    ("calls.callers_dissatisfied", _l("Callers dissatisfied"), "count"),
)
EXPORT_FORMATS = {
    "xlsx": (exports.MIME_XLSX, exports.yearly_xlsx),
    "docx": (exports.MIME_DOCX, exports.yearly_docx),
    "csv": (exports.MIME_CSV, exports.yearly_csv),
}


# ---------------------------------------------------------------------------------------------------------------
# Formatting helpers (also available in the templates)


def fmt_count(value: Any) -> str:
    try:
        return f"{int(value or 0):,}"
    except (TypeError, ValueError):
        return "—"


def fmt_money(value: Any) -> str:
    """¥ with thousands separators and two decimals (money is kept as decimal strings)."""
    try:
        amount = Decimal(str(value if value is not None else "0"))
    except InvalidOperation:
        return "—"
    return f"¥{amount.quantize(Decimal('0.01')):,.2f}"


def fmt_growth(value: float | None) -> str:
    """+70.1% / −5.0% / — (no growth where the base is zero)."""
    if value is None:
        return "—"
    if value > 0:
        return f"+{value:.1f}%"
    if value < 0:
        return f"−{abs(value):.1f}%"
    return "0.0%"


def growth_class(value: float | None) -> str:
    if value is None or value == 0:
        return "flat"
    return "up" if value > 0 else "down"


def _money_number(value: Any) -> float:
    """A money amount for a chart axis (display only; the tables show the exact decimal)."""
    try:
        return float(Decimal(str(value or "0")))
    except InvalidOperation:
        return 0.0


def _locale() -> str:
    return str(get_locale() or "zh_CN")


def _category_rows(kind: str, breakdown: dict[str, int]) -> list[dict[str, Any]]:
    """(code, label, value) of a calls breakdown in the reference order; unknown codes last."""
    source = {"request_type": ref.list_request_types, "channel": ref.list_channels, "ip_type": ref.list_ip_types}
    locale = _locale()
    rows, seen = [], set()
    for item in source[kind]():
        if item.code in breakdown:
            rows.append({"code": item.code, "label": item.label(locale), "value": int(breakdown[item.code] or 0)})
            seen.add(item.code)
    for code, value in breakdown.items():
        if code not in seen:
            label = _("Not specified") if code == "unspecified" else code
            rows.append({"code": code, "label": label, "value": int(value or 0)})
    return rows


def _region_label(code: str) -> str:
    if code == province_code():
        return _("Whole province")
    region = ref.region_map().get(code)
    return region.name if region else code


@bp.app_context_processor
def _stats_helpers():
    return {"fmt_count": fmt_count, "fmt_money": fmt_money, "fmt_growth": fmt_growth, "growth_class": growth_class}


@bp.before_request
def _no_store():
    g.no_store = True


# ---------------------------------------------------------------------------------------------------------------
# Loading and scoping


def _region_or_404(code: str | None) -> str:
    """The region asked for (default: the user's own). Unknown codes and other regions of a 市州 user → 404."""
    code = (code or "").strip() or current_user.region_code
    if code not in ref.region_map() or not sees_region(current_user, code):
        abort(404)
    return code


def _refresh_embedded() -> None:
    """Embedded mode (no Redis, no worker): refresh the months that changed before reading them."""
    if not current_app.config.get("REDIS_URL"):
        from workers.tasks.stats import refresh_stale

        refresh_stale.run()


def _user_name(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    return user.display_name if user else None


def _pending_revision(snapshot: MonthlySnapshot) -> SnapshotRevision | None:
    return next((r for r in snapshot.revisions if r.status == "pending"), None)


def _regions_with_revisions(month: Month) -> list[dict[str, str]]:
    """Province users: the regions whose locked snapshot of ``month`` has a pending revision."""
    codes = db.session.scalars(
        select(MonthlySnapshot.region_code).join(SnapshotRevision)
        .where(MonthlySnapshot.month == month.first_day, SnapshotRevision.status == "pending")).all()
    order = {r.code: r.sort_order for r in ref.list_regions()}
    return [{"code": c, "label": _region_label(c)} for c in sorted(set(codes), key=lambda c: order.get(c, 999))]


# ---------------------------------------------------------------------------------------------------------------
# Monthly page


def _monthly_tables(data: dict[str, Any]) -> dict[str, Any]:
    calls, cases = data.get("calls", {}), data.get("cases", {})
    return {
        "calls": [{"key": k, "label": label, "value": calls.get(k, 0)} for k, label in CALL_FIGURES],
        "request_types": _category_rows("request_type", calls.get("by_request_type", {})),
        "channels": _category_rows("channel", calls.get("by_channel", {})),
        "ip_types": _category_rows("ip_type", calls.get("by_ip_type", {})),
        "decisions": [{"key": k, "label": label, "value": calls.get(k, 0), "alert": k == "undecided_overdue"}
                      for k, label in DECISION_FIGURES],
        "transfers": [{"key": k, "label": label, "value": calls.get(k, 0)} for k, label in TRANSFER_FIGURES],
        "filed": [{"key": k, "label": label, "value": cases.get(k, 0)} for k, label in FILED_FIGURES],
        "outcomes": [{"key": o, "label": OUTCOME_LABELS.get(o, o),
                      "value": cases.get("closed_by_outcome", {}).get(o, 0)} for o in ALL_OUTCOMES],
        "cases": [{"key": k, "label": label, "value": cases.get(k, 0), "alert": k == "overdue"}
                  for k, label in CASE_FIGURES],
        "money": [{"key": k, "label": label, "value": cases.get(k, "0.00")} for k, label in MONEY_FIGURES],
    }


def _monthly_charts(tables: dict[str, Any]) -> dict[str, Any]:
    """Chart specifications for stats.js (labels already translated)."""

    def bar(rows, series_name, horizontal=False, skip_zero=False):
        empty = not any(r["value"] for r in rows)
        rows = [r for r in rows if r["value"] or not skip_zero]
        return {"kind": "hbar" if horizontal else "bar", "categories": [str(r["label"]) for r in rows],
                "series": [{"name": str(series_name), "data": [r["value"] for r in rows]}], "empty": empty}

    def pie(rows, series_name):
        items = [{"name": str(r["label"]), "value": r["value"]} for r in rows if r["value"]]
        return {"kind": "pie", "name": str(series_name), "items": items, "empty": not items}

    # One chart, one partition: the decisions a call gets are exclusive; "closed with feedback" and "decided within
    # the time limit" count calls of those same decisions again, so they stay in the table beside the chart only.
    decisions = [r for r in tables["decisions"] if r["key"] in EXCLUSIVE_DECISIONS]
    return {
        "request_type": bar(tables["request_types"], _("Calls")),
        "channel": pie(tables["channels"], _("Calls")),
        "ip_type": bar(tables["ip_types"], _("Calls"), horizontal=True, skip_zero=True),
        "decisions": bar(decisions, _("Calls"), horizontal=True),
        "filed": pie(tables["filed"], _("Cases")),
        "outcomes": bar(tables["outcomes"], _("Cases"), horizontal=True, skip_zero=True),
    }


#: At most this many records of each list are shown on the page (the API gives them all).
CHANGES_SHOWN = 50


def _revision_changes(revision: SnapshotRevision) -> list[dict[str, Any]] | None:
    """The calls and cases that caused a revision, grouped for the page; None when not known."""
    if revision.changes is None:
        return None
    titles = {("calls", "added"): _("Calls added"), ("calls", "removed"): _("Calls no longer counted"),
              ("calls", "changed"): _("Calls changed"), ("cases", "added"): _("Cases added"),
              ("cases", "removed"): _("Cases no longer counted"), ("cases", "changed"): _("Cases changed")}
    groups = []
    for (kind, what), title in titles.items():
        items = revision.changes.get(kind, {}).get(what, [])
        if items:
            endpoint = "calls.detail" if kind == "calls" else "cases.detail"
            key = "call_id" if kind == "calls" else "case_id"
            groups.append({"title": title, "total": len(items), "more": max(len(items) - CHANGES_SHOWN, 0),
                           "records": [{"ref": item["ref"], "url": url_for(endpoint, **{key: item["id"]})}
                                     for item in items[:CHANGES_SHOWN]]})
    return groups


def _comparison(locked: dict[str, Any], revised: dict[str, Any]) -> list[dict[str, Any]]:
    """Every figure of a locked snapshot beside its pending revision, changed ones flagged."""
    rows = []

    def add(section, label, old, new, kind="count"):
        rows.append({"section": section, "label": label, "old": old, "new": new, "kind": kind,
                     "changed": str(old) != str(new)})

    old_calls, new_calls = locked.get("calls", {}), revised.get("calls", {})
    old_cases, new_cases = locked.get("cases", {}), revised.get("cases", {})
    section = _("Calls")
    for key, label in (*CALL_FIGURES, *DECISION_FIGURES):
        add(section, label, old_calls.get(key, 0), new_calls.get(key, 0))
    for kind, key, title in (("request_type", "by_request_type", _("Calls by request type")),
                             ("channel", "by_channel", _("Calls by channel")),
                             ("ip_type", "by_ip_type", _("Calls by IP type"))):
        old_rows = {r["code"]: r for r in _category_rows(kind, old_calls.get(key, {}))}
        for row in _category_rows(kind, new_calls.get(key, {})):
            add(title, row["label"], old_rows.get(row["code"], {}).get("value", 0), row["value"])
    section = _("Cases")
    for key, label in CASE_FIGURES:
        add(section, label, old_cases.get(key, 0), new_cases.get(key, 0))
    for outcome in ALL_OUTCOMES:
        add(_("Cases closed by outcome"), OUTCOME_LABELS.get(outcome, outcome),
            old_cases.get("closed_by_outcome", {}).get(outcome, 0),
            new_cases.get("closed_by_outcome", {}).get(outcome, 0))
    for key, label in MONEY_FIGURES:
        old, new = old_cases.get(key, "0.00"), new_cases.get(key, "0.00")
        rows.append({"section": section, "label": label, "old": old, "new": new, "kind": "money",
                     "changed": Decimal(str(old)) != Decimal(str(new))})
    return rows


def _kpis(data: dict[str, Any]) -> list[dict[str, Any]]:
    calls, cases = data.get("calls", {}), data.get("cases", {})
    return [
        {"label": _("Calls received"), "value": fmt_count(calls.get("total")),
         "note": _("%(n)s reports and complaints", n=fmt_count(calls.get("reports_and_complaints")))},
        {"label": _("Cases handled"), "value": fmt_count(cases.get("filed")),
         "note": _("%(d)s disputes · %(c)s counterfeit", d=fmt_count(cases.get("disputes")),
                   c=fmt_count(cases.get("counterfeit")))},
        {"label": _("Closed"), "value": fmt_count(cases.get("closed")),
         "note": _("%(n)s mediated", n=fmt_count(cases.get("mediated")))},
        {"label": _("Pending at month end"), "value": fmt_count(cases.get("pending_end")), "note": ""},
        {"label": _("Overdue"), "value": fmt_count(cases.get("overdue")), "note": "",
         "alert": bool(cases.get("overdue"))},
        {"label": _("Amount involved"), "value": fmt_money(cases.get("amount_involved")),
         "note": _("fines %(f)s", f=fmt_money(cases.get("fines"))), "money": True},
    ]


#: The rendered figures of a snapshot (_figures.html), per (snapshot id, computed_at, language). A snapshot's
#: figures never change without computed_at moving (build_month stamps every write, accepting a revision takes
#: the revision's later time), so an entry is never stale; the least recently shown go first.
_FIGURES: OrderedDict[tuple, Markup] = OrderedDict()
FIGURES_CACHE_SIZE = 512


def _figures_html(snapshot: MonthlySnapshot) -> Markup:
    key = (snapshot.id, snapshot.computed_at, str(get_locale()))
    html = _FIGURES.get(key)
    if html is not None:
        _FIGURES.move_to_end(key)
        return html
    tables = _monthly_tables(snapshot.data)
    # The output of an autoescaping template: safe markup already.
    html = Markup(render_template("stats/_figures.html", snapshot=snapshot, tables=tables,  # noqa: S704
                                  charts=_monthly_charts(tables), kpis=_kpis(snapshot.data)))
    _FIGURES[key] = html
    while len(_FIGURES) > FIGURES_CACHE_SIZE:
        _FIGURES.popitem(last=False)
    return html


def _snapshot(month: Month, region_code: str) -> MonthlySnapshot | None:
    """The stored snapshot; a month never computed yet is computed now (and committed: only then, so the loaded
    rows — the user's included — are not expired and read again on every page view)."""
    snapshot = get_snapshot(month, region_code, build_missing=False)
    if snapshot is None:
        snapshot = get_snapshot(month, region_code)
        db.session.commit()
    return snapshot


def _render_monthly(form: MonthlyFilterForm, month: Month | None, region_code: str, *,
                    rebuild_form: RebuildForm | None = None, status: int = 200):
    context: dict[str, Any] = {"form": form, "month": month, "region_code": region_code,
                               "region_label": _region_label(region_code),
                               "is_supervisor": current_user.role == Role.supervisor,
                               "is_province_user": current_user.region_code == province_code()}
    if month is None:
        return render_template("stats/monthly.html", snapshot=None, **context), status
    _refresh_embedded()
    snapshot = _snapshot(month, region_code)
    if snapshot is None:  # a region without statistics (not the province, a 市州 or one of their counties)
        return render_template("stats/monthly.html", snapshot=None, **context), status
    revision = _pending_revision(snapshot)
    this_month = Month.of(local_today())
    own = snapshot if region_code == current_user.region_code else _snapshot(month, current_user.region_code)
    if rebuild_form is None:
        rebuild_form = RebuildForm(formdata=None, data={"month_from": str(month), "month_to": str(month)})
    context.update(
        snapshot=snapshot,
        figures=_figures_html(snapshot),
        locked_by=_user_name(snapshot.locked_by_id),
        revision=revision,
        comparison=_comparison(snapshot.data, revision.data) if revision else None,
        revision_changes=_revision_changes(revision) if revision else None,
        other_revisions=[r for r in _regions_with_revisions(month) if r["code"] != region_code]
        if current_user.region_code == province_code() and current_user.role == Role.supervisor else [],
        previous_month=month.previous(),
        next_month=month.next() if month < this_month else None,
        rebuild_form=rebuild_form,
        lock_form=ConfirmForm(),
        decide_form=ConfirmForm(),
        own_locked=own.locked if own is not None else False,
        own_region_label=_region_label(current_user.region_code),
        month_over=month < this_month,
        answers=_answer_figures(month, region_code),
        overview=_overview(month, region_code),
        county_rows=county_rows(month, region_code),
    )
    return render_template("stats/monthly.html", **context), status


def _overview(month: Month, region_code: str) -> dict[str, Any]:
    """Beside the month: its region's last 12 months (stored snapshots; a month never computed shows a gap) and
    the 市州 ranked on the month's performance score (the province table, open to every reader of statistics)."""
    from hotline.stats.performance import Period, performance_table

    months = [month]
    while len(months) < 12 and months[0].year > 2000:
        months.insert(0, months[0].previous())
    rows = dict(db.session.execute(select(MonthlySnapshot.month, MonthlySnapshot.data).where(
        MonthlySnapshot.region_code == region_code, MonthlySnapshot.month.between(months[0].first_day,
                                                                                  month.first_day))).all())

    def series(section: str, key: str) -> list[int | None]:
        return [rows[m.first_day][section].get(key, 0) if m.first_day in rows else None for m in months]

    table = performance_table(Period(str(month), (month,)), province_code())
    scored = [r for r in table["rows"] if r["score"] is not None]
    charts = {
        "trend_12": {"kind": "lines", "palette": True, "integer": True, "categories": [str(m) for m in months],
                     "series": [
            {"name": _("Calls received"), "data": series("calls", "total")},
            {"name": _("Cases handled (filed)"), "data": series("cases", "filed")},
            {"name": _("Closed"), "data": series("cases", "closed")},
        ]},
        "ranking_month": {"kind": "hbar", "categories": [r["name"] for r in scored],
                          "series": [{"name": _("Score"), "data": [r["score"] for r in scored]}]},
    }
    return {"charts": charts, "ranking": table["rows"], "has_scores": bool(scored), "month": str(month)}


def _answer_figures(month: Month, region_code: str) -> dict[str, Any]:
    """The knowledge base in use this month (live, not part of the locked figures): the standard answers given
    most, and the consultations answered without one — the questions to write answers for next."""
    from hotline.answers.queries import most_used_answers, unanswered_consultations
    from hotline.calls.models import Call

    start, end = month.utc_bounds()
    where = None if region_code == province_code() else Call.region_code.in_(region_subtree(region_code))
    gaps_total, gaps = unanswered_consultations(start, end, region_filter=where, limit=10)
    return {"most_used": most_used_answers(start, end, region_filter=where, limit=10),
            "gaps_total": gaps_total, "gaps": gaps}


@bp.get("/")
@role_required(*STATS_ROLES)
def index():
    return redirect(url_for("stats.monthly"))


@bp.get("/monthly")
@role_required(*STATS_ROLES)
def monthly():
    region_code = _region_or_404(request.args.get("region_code"))
    defaults = {"month": str(Month.of(local_today())), "region_code": region_code}
    if request.args.get("month"):
        form = MonthlyFilterForm(request.args, user=current_user, data=defaults)
        if not form.validate():
            return _render_monthly(form, None, region_code, status=400)
    else:
        form = MonthlyFilterForm(formdata=None, user=current_user, data=defaults)
    form.region_code.data = region_code
    return _render_monthly(form, parse_month(form.month.data), region_code)


def _month_or_404(text: str) -> Month:
    month = parse_month(text)
    if month is None or month.first_day > local_today():
        abort(404)
    return month


@bp.get("/monthly/<month>.xlsx")
@role_required(*STATS_ROLES)
def monthly_export(month: str):
    month_ = _month_or_404(month)
    region_code = _region_or_404(request.args.get("region_code"))
    _refresh_embedded()
    snapshot = get_snapshot(month_, region_code)
    db.session.commit()
    body = exports.monthly_xlsx(snapshot.data, str(month_), region_code)
    response = Response(body, mimetype=exports.MIME_XLSX)
    response.headers["Content-Disposition"] = exports.content_disposition(
        exports.monthly_filename(str(month_), region_code))
    return response


@bp.post("/rebuild")
@role_required(Role.supervisor)
def rebuild():
    """Start a rebuild of a range of months for the supervisor's region; the progress page follows it."""
    region_code = _region_or_404(request.args.get("region_code"))
    shown = parse_month(request.args.get("month")) or Month.of(local_today())
    form = RebuildForm()
    if form.validate_on_submit():
        first, last = form.months()
        try:
            run = op_start_rebuild(month_range(first, last), region_code=current_user.region_code,
                                   actor=current_user)
        except ValidationFailed as exc:
            form.populate_errors({"month_to" if k == "months" else k: v for k, v in exc.errors.items()})
        else:
            db.session.commit()
            dispatch_rebuild(run)
            return redirect(url_for("stats.task", task_id=run.id))
    filter_form = MonthlyFilterForm(formdata=None, user=current_user,
                                    data={"month": str(shown), "region_code": region_code})
    return _render_monthly(filter_form, shown, region_code, rebuild_form=form, status=400)


@bp.post("/monthly/<month>/lock")
@role_required(Role.supervisor)
def lock(month: str):
    """报送: lock the month for the supervisor's region (a province supervisor locks every region)."""
    month_ = _month_or_404(month)
    region_code = _region_or_404(request.args.get("region_code"))
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        locked = lock_month(month_, current_user.region_code, actor=current_user)
    except ValidationFailed as exc:
        db.session.rollback()
        for messages in exc.errors.values():
            for message in messages:
                flash(message, "error")
    else:
        db.session.commit()
        if locked:
            flash(_("%(month)s is locked (报送): %(n)s snapshot(s). Later changes will come as revisions to review.",
                    month=str(month_), n=len(locked)), "success")
        else:
            flash(_("%(month)s was already locked.", month=str(month_)), "info")
    return redirect(url_for("stats.monthly", month=str(month_), region_code=region_code))


@bp.post("/revisions/<int:revision_id>/<any(accept, discard):decision>")
@role_required(Role.supervisor)
def decide(revision_id: int, decision: str):
    """Accept (the locked figures become the revision's) or discard a pending revision of a locked month."""
    revision = db.session.get(SnapshotRevision, revision_id) if revision_id < 2**31 - 1 else None
    if revision is None or not sees_region(current_user, revision.snapshot.region_code):
        abort(404)
    snapshot = revision.snapshot
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        decide_revision(revision, decision == "accept", actor=current_user)
    except StateError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        if decision == "accept":
            flash(_("The revision was accepted: the locked figures are now the recomputed ones."), "success")
        else:
            flash(_("The revision was discarded: the locked figures stay as they were."), "success")
    return redirect(url_for("stats.monthly", month=f"{snapshot.month:%Y-%m}", region_code=snapshot.region_code))


# ---------------------------------------------------------------------------------------------------------------
# Rebuild progress


def _task_or_404(task_id) -> TaskRun:
    run = db.session.get(TaskRun, str(task_id))
    if run is None or not sees_region(current_user, run.region_code):
        abort(404)
    return run


OUTCOME_WORDS = {
    "created": _l("computed"),
    "updated": _l("updated"),
    "unchanged": _l("unchanged"),
    "revision": _l("locked: revision to review"),
    "locked": _l("locked, unchanged"),
}


def _task_payload(run: TaskRun) -> dict[str, Any]:
    """State, progress and, once done, what happened to each month (for a 市州 user: their region only)."""
    months: list[dict[str, Any]] = []
    result = run.region_result() or {}
    for month, outcomes in (result.get("months") or {}).items():
        counts: dict[str, int] = {}
        for outcome in outcomes.values():
            counts[outcome] = counts.get(outcome, 0) + 1
        shown_region = run.region_code
        months.append({
            "month": month,
            "summary": ", ".join(f"{str(OUTCOME_WORDS.get(k, k))}: {n}" for k, n in sorted(counts.items()))
            if run.region_code == province_code() else str(OUTCOME_WORDS.get(next(iter(outcomes.values()), ""), "")),
            "revision": "revision" in counts,
            "url": url_for("stats.monthly", month=month, region_code=shown_region),
        })
    return {
        "id": run.id,
        "state": run.state,
        "progress": round(float(run.progress or 0.0), 4),
        "steps_done": run.steps_done,
        "steps_total": run.steps_total,
        "done": run.state in ("SUCCESS", "FAILURE"),
        "months_requested": list(run.params.get("months", [])),
        "months": months,
        "error": result.get("error") if run.state == "FAILURE" else None,
    }


@bp.get("/tasks/<uuid:task_id>")
@role_required(*STATS_ROLES)
def task(task_id):
    run = _task_or_404(task_id)
    return render_template("stats/task.html", run=run, payload=_task_payload(run),
                           state_labels={"PENDING": _("Waiting for a worker"), "STARTED": _("Running"),
                                         "SUCCESS": _("Done"), "FAILURE": _("Failed")})


@bp.get("/tasks/<uuid:task_id>.json")
@role_required(*STATS_ROLES)
def task_status(task_id):
    run = _task_or_404(task_id)
    return jsonify(_task_payload(run))


# ---------------------------------------------------------------------------------------------------------------
# Yearly page and downloads


def _yearly_totals(summary: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    previous, growth = summary["previous"], summary["growth"]
    for key, label, kind in YEARLY_FIGURES:
        section, name = key.split(".")
        rows.append({"key": key, "label": label, "kind": kind, "current": summary[section].get(name),
                     "previous": previous.get(section, {}).get(name), "growth": growth.get(key)})
    return rows


def _yearly_charts(summary: dict[str, Any]) -> dict[str, Any]:
    year = summary["year"]
    months = [m["month"] for m in summary["monthly"]]
    month_labels = [format_date(Month.parse(m).first_day, "MMM") for m in months]
    locale = _locale()
    rt_labels = {item.code: item.label(locale) for item in ref.list_request_types()}
    codes = [code for code in rt_labels if any(m["calls_by_request_type"].get(code) for m in summary["monthly"])]
    previous_by_month = {m["month"][5:]: m for m in summary["monthly_previous"]}
    monthly = summary["monthly"]
    charts: dict[str, Any] = {
        "calls_monthly": {
            "kind": "stacked", "categories": month_labels,
            "series": [{"name": rt_labels[c], "data": [m["calls_by_request_type"].get(c, 0) for m in monthly]}
                       for c in codes] or [{"name": _("Calls"), "data": [m["calls"] for m in monthly]}],
        },
        "cases_monthly": {
            "kind": "stacked", "categories": month_labels,
            "series": [{"name": _("Patent disputes"), "data": [m["disputes"] for m in summary["monthly"]]},
                       {"name": _("Counterfeit patents"), "data": [m["counterfeit"] for m in summary["monthly"]]}],
        },
        "year_over_year": {
            "kind": "lines", "categories": month_labels,
            "series": [
                {"name": _("Cases %(year)s", year=year), "data": [m["cases_filed"] for m in summary["monthly"]]},
                {"name": _("Cases %(year)s", year=year - 1),
                 "data": [previous_by_month.get(m[5:], {}).get("cases_filed", 0) for m in months], "dashed": True},
                {"name": _("Calls %(year)s", year=year), "data": [m["calls"] for m in summary["monthly"]],
                 "hidden": True},
                {"name": _("Calls %(year)s", year=year - 1),
                 "data": [previous_by_month.get(m[5:], {}).get("calls", 0) for m in months], "dashed": True,
                 "hidden": True},
            ],
        },
    }
    if summary.get("by_region"):
        regions = [r for r in summary["by_region"] if r["region_code"] != province_code()]
        charts["regions"] = {
            "kind": "stacked", "categories": [r["label"] for r in regions], "rotate": True,
            "series": [{"name": _("Patent disputes"), "data": [r["disputes"] for r in regions]},
                       {"name": _("Counterfeit patents"), "data": [r["counterfeit"] for r in regions]}],
        }
    return charts


def _yearly_kpis(summary: dict[str, Any]) -> list[dict[str, Any]]:
    cases, calls, growth = summary["cases"], summary["calls"], summary["growth"]
    rate = cases.get("closure_rate")
    return [
        {"label": _("Cases handled"), "value": fmt_count(cases["total"]), "growth": growth.get("cases.total")},
        {"label": _("Patent disputes"), "value": fmt_count(cases["disputes"]), "growth": growth.get("cases.disputes")},
        {"label": _("Counterfeit patents"), "value": fmt_count(cases["counterfeit"]),
         "growth": growth.get("cases.counterfeit")},
        {"label": _("Closure rate"), "value": "—" if rate is None else f"{rate:.1f}%",
         "note": _("%(n)s closed", n=fmt_count(cases["closed"]))},
        {"label": _("Calls received"), "value": fmt_count(calls["total"]), "growth": growth.get("calls.total")},
        {"label": _("Phone calls per month"), "value": fmt_count(calls["monthly_average_phone"]),
         "note": _("monthly average")},
    ]


def _year_arg() -> tuple[int | None, str | None]:
    text = request.args.get("year")
    if text is None or text == "":
        return local_today().year, None
    year = parse_year(text)
    return year, text


@bp.get("/yearly")
@role_required(*STATS_ROLES)
def yearly():
    region_code = _region_or_404(request.args.get("region_code"))
    year, raw = _year_arg()
    form = YearlyFilterForm(formdata=None, user=current_user, selected=year,
                            data={"year": str(year or local_today().year), "region_code": region_code})
    context = {"form": form, "region_code": region_code, "region_label": _region_label(region_code),
               "is_province_user": current_user.region_code == province_code()}
    if year is None:
        form.year.errors = [_("%(value)s is not a year with statistics: choose a year from %(first)s to %(last)s.",
                              value=raw, first=FIRST_YEAR, last=local_today().year)]
        return render_template("stats/yearly.html", summary=None, year=None, **context), 400
    _refresh_embedded()
    summary = yearly_summary(year, region_code)
    db.session.commit()
    return render_template(
        "stats/yearly.html", summary=summary, year=year, totals=_yearly_totals(summary),
        charts=_yearly_charts(summary), kpis=_yearly_kpis(summary),
        downloads=[(fmt.upper(), url_for("stats.yearly_export", year=year, fmt=fmt, region_code=region_code))
                   for fmt in EXPORT_FORMATS], **context)


@bp.get("/yearly/<int:year>.<fmt>")
@role_required(*STATS_ROLES)
def yearly_export(year: int, fmt: str):
    if fmt not in EXPORT_FORMATS or parse_year(str(year)) is None:
        abort(404)
    region_code = _region_or_404(request.args.get("region_code"))
    _refresh_embedded()
    summary = yearly_summary(year, region_code)
    db.session.commit()
    mimetype, build = EXPORT_FORMATS[fmt]
    body = build(summary)
    response = Response(body.encode("utf-8") if isinstance(body, str) else body, content_type=mimetype)
    response.headers["Content-Disposition"] = exports.content_disposition(exports.yearly_filename(summary, fmt))
    return response


# ---------------------------------------------------------------------------------------------------------------
# Performance of the regions (绩效考核)
#
# Who sees what (as the office publishes its assessment): the province table — the 14 市州 ranked — is open to every
# reader of statistics (officers and supervisors of every region: each 市州 sees where it stands among the others);
# a region's internal table (its counties) to that region and the regions above it (another 市州's: 404).

PERFORMANCE_EXPORTS = {"xlsx": exports.MIME_XLSX, "docx": exports.MIME_DOCX}


def _performance_region_or_404(code: str | None) -> str:
    code = (code or "").strip() or province_code()
    if code not in ref.region_map() or (code != province_code() and not sees_region(current_user, code)):
        abort(404)
    return code


def _performance_period():
    """The period asked for (year and month selects, or ``period``): (Period or None, error text or None)."""
    from hotline.stats.performance import Period

    text = (request.args.get("period") or "").strip()
    if not text:
        year = (request.args.get("year") or "").strip()
        month = (request.args.get("month") or "").strip()
        text = year if year and not month else f"{year}-{month.zfill(2)}" if year else str(Month.of(local_today()))
    try:
        return Period.parse(text), None
    except ValueError:
        return None, _("%(value)s is not a period with figures: choose a year from %(first)s to this year, and a "
                       "month that has begun.", value=text, first=FIRST_YEAR)


def _performance_regions(user) -> list[tuple[str, str]]:
    """Whose regions to rank: the province (everyone); a 市州 user's own 市州; a province user's every 市州."""
    from hotline.stats.performance import child_regions

    choices = [(province_code(), _("The 14 市州 (whole province)"))]
    codes = child_regions(province_code()) if user.region_code == province_code() else [user.region_code]
    regions = ref.region_map()
    choices += [(code, _("Within %(region)s", region=regions[code].name)) for code in codes if code in regions]
    return choices


def _fmt_indicator(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "count":
        return fmt_count(value)
    return f"{value:.1f}%" if kind == "percent" else f"{value:.1f}"


def _performance_charts(table: dict[str, Any], trend: dict[str, Any]) -> dict[str, Any]:
    from hotline.stats.performance import INDICATORS

    scored = [r for r in table["rows"] if r["score"] is not None]
    charts: dict[str, Any] = {
        "ranking": {"kind": "hbar", "categories": [r["name"] for r in scored],
                    "series": [{"name": _("Score"), "data": [r["score"] for r in scored]}], "empty": not scored},
    }
    labels = [format_date(Month.parse(m).first_day, "yyyy-MM") for m in trend["months"]]
    for indicator in INDICATORS:
        charts[f"trend_{indicator.code}"] = {
            "kind": "lines", "categories": labels, "palette": True, "integer": indicator.kind == "count",
            "series": [{"name": region["name"], "data": region["values"][indicator.code], "hidden": index > 0}
                       for index, region in enumerate(trend["regions"])],
        }
    return charts


@bp.get("/performance")
@role_required(*STATS_ROLES)
def performance():
    from hotline.stats.performance import INDICATORS, performance_table
    from hotline.stats.performance import trend as performance_trend

    region_code = _performance_region_or_404(request.args.get("region_code"))
    period, error = _performance_period()
    today = local_today()
    context: dict[str, Any] = {
        "region_code": region_code, "region_label": _region_label(region_code),
        "region_choices": _performance_regions(current_user),
        "years": list(range(today.year, max(FIRST_YEAR, 2010) - 1, -1)),
        "indicators": INDICATORS, "fmt_indicator": _fmt_indicator, "error": error, "period": period,
    }
    if period is None:
        return render_template("stats/performance.html", table=None, **context), 400
    _refresh_embedded()
    table = performance_table(period, region_code)
    trend = performance_trend(period.months[-1], region_code)
    db.session.commit()
    visible = {row["region_code"] for row in table["rows"] if sees_region(current_user, row["region_code"])}
    return render_template(
        "stats/performance.html", table=table, trend=trend, charts=_performance_charts(table, trend),
        drill=visible, downloads=[(fmt.upper(), url_for("stats.performance_export", period=period.text, fmt=fmt,
                                                        region_code=region_code)) for fmt in PERFORMANCE_EXPORTS],
        **context)


@bp.get("/performance/<period>.<fmt>")
@role_required(*STATS_ROLES)
def performance_export(period: str, fmt: str):
    from hotline.stats.performance import Period, performance_table

    if fmt not in PERFORMANCE_EXPORTS:
        abort(404)
    try:
        period_ = Period.parse(period)
    except ValueError:
        abort(404)
    region_code = _performance_region_or_404(request.args.get("region_code"))
    _refresh_embedded()
    table = performance_table(period_, region_code)
    db.session.commit()
    body = exports.performance_xlsx(table) if fmt == "xlsx" else exports.performance_docx(table)
    response = Response(body, content_type=PERFORMANCE_EXPORTS[fmt])
    response.headers["Content-Disposition"] = exports.content_disposition(exports.performance_filename(table, fmt))
    return response
