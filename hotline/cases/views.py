"""Cases UI for officers and supervisors: the list, the day's deadlines, the month calendar, opening a case
(directly or from a call), the case page with its deadlines, timeline, audit trail, evidence and actions.

Every route loads the case through ``get_case_or_404`` (404 outside the user's region), changes it through
``hotline.cases.operations`` and commits once; domain errors come back as form errors (422) or, for a stale
version or a move the status no longer allows, as a conflict (409) that keeps the user's input.
"""

from __future__ import annotations

import calendar as pycal
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2.filters import do_truncate
from sqlalchemy import or_, select
from sqlalchemy.orm.exc import StaleDataError

from hotline.approvals.forms import ACTION_LABELS as APPROVAL_ACTION_LABELS
from hotline.approvals.forms import STATUS_LABELS as APPROVAL_STATUS_LABELS
from hotline.approvals.models import Approval
from hotline.approvals.operations import act_or_request
from hotline.approvals.queries import case_approvals
from hotline.cases import bp, logger
from hotline.cases.forms import (
    ACTION_FORMS,
    CASE_FIELDS,
    CASE_STATUS_LABELS,
    CASE_TYPE_LABELS,
    DEADLINE_KIND_LABELS,
    EVENT_KIND_LABELS,
    OUTCOME_LABELS,
    PATENT_TYPE_LABELS,
    RESPONDENT_KIND_LABELS,
    SOURCE_LABELS,
    AttachmentForm,
    CaseFilterForm,
    CaseFromCallForm,
    CloseForm,
    EditCaseForm,
    EventForm,
    ExtendForm,
    FileForm,
    NewCaseForm,
    PublishForm,
    WithdrawForm,
    form_values,
    label_of,
)
from hotline.cases.models import Case, CaseEvent, CaseStatus, EventKind, case_officers
from hotline.cases.operations import (
    CASE_ROLES,
    OPEN_FROM_CALL_ROLES,
    add_event,
    create_case,
    open_case_from_call,
    update_case,
)
from hotline.cases.queries import (
    CaseFilters,
    case_audit,
    case_events,
    deadlines_of,
    get_attachment_or_404,
    get_case_or_404,
    leads_case,
    list_cases,
    officer_choices,
    scope,
)
from hotline.core.clock import local_date, local_today
from hotline.core.errors import DomainError, StaleVersion, StateError
from hotline.core.forms import HotlineForm
from hotline.core.permissions import province_code, reload_visible, role_required, sees_region
from hotline.core.text import clean_text
from hotline.deadlines.calendar import CalendarMissing, WorkCalendar
from hotline.deadlines.engine import find_rule
from hotline.deadlines.models import WORKING_KINDS, CalendarDay
from hotline.extensions import db
from hotline.templating import local_tz

DEFAULT_PAGE_SIZE = 50

STALE_MESSAGE = _l("Someone else changed this case meanwhile; your input is kept below. Check the case and "
                   "submit again.")
STALE_CALL_MESSAGE = _l("Someone else changed this call meanwhile; your input is kept below. Check the call and "
                        "submit again.")

#: What each audited action on a case is called on its audit trail.
AUDIT_ACTION_LABELS = {
    "create": _l("Opened"),
    "update": _l("Edited"),
    "file": _l("Filed"),
    "reject": _l("Not accepted"),
    "suspend": _l("Suspended"),
    "resume": _l("Resumed"),
    "extend": _l("Deadline extended"),
    "close": _l("Closed"),
    "publish": _l("Decision published"),
    "withdraw_publication": _l("Publication withdrawn"),
    "event": _l("Event recorded"),
    "approval_request": _l("Approval requested"),
    "approval_approve": _l("Approval given"),
    "approval_reject": _l("Approval refused"),
    "approval_cancel": _l("Approval request cancelled"),
    "supervise": _l("Put under supervision (督办)"),
    "assist_request": _l("Assistance requested (协查)"),
    "assist_answer": _l("Assistance answered (协查)"),
    "assist_decline": _l("Assistance declined (协查)"),
    "joint": _l("Run jointly (联合办案)"),
}

#: Field names on the audit trail.
FIELD_LABELS = {
    "case_type": _l("Case type"),
    "region_code": _l("Region"),
    "approval_id": _l("Approval"),
    "approval_action": _l("Request"),
    "source": _l("Source"),
    "received_on": _l("Received on"),
    "rule_set_code": _l("Rule set"),
    "requester_name": _l("Requester"),
    "respondent_name": _l("Respondent"),
    "respondent_kind": _l("Respondent is"),
    "respondent_legal_rep": _l("Legal representative"),
    "patent_number": _l("Patent number"),
    "patent_type": _l("Patent type"),
    "amount_involved": _l("Amount involved"),
    "is_major": _l("Major case"),
    "is_exhibition": _l("Exhibition case"),
    "campaign_ids": _l("Campaigns (专项行动)"),
    "exhibition_id": _l("Trade fair (展会)"),
    "is_ecommerce": _l("E-commerce case"),
    "foreign_related": _l("Foreign-related"),
    "summary": _l("Summary"),
    "status": _l("Status"),
    "filed_on": _l("Filed on"),
    "case_number": _l("Case number"),
    "officer_ids": _l("Officers"),
    "rejected_on": _l("Not accepted on"),
    "suspended_on": _l("Suspended on"),
    "resumed_on": _l("Resumed on"),
    "suspended_days": _l("Days suspended"),
    "close_due_on": _l("Close by"),
    "approved_by_id": _l("Approved by"),
    "outcome": _l("Outcome"),
    "closed_on": _l("Closed on"),
    "fine_amount": _l("Fine"),
    "confiscated_amount": _l("Confiscated gains"),
    "transferred_judicial": _l("Transferred to judicial organs"),
    "published_on": _l("Published on"),
    "publication_withdrawn_on": _l("Withdrawn on"),
    "publication_withdrawal_reason": _l("Reason for the withdrawal"),
    "kind": _l("Event"),
    "occurred_on": _l("On"),
    "assist_id": _l("Assistance request"),
    "assist_status": _l("Assistance status"),
    "joint_region_codes": _l("Joined regions"),
}

_MONEY_FIELDS = {"amount_involved", "fine_amount", "confiscated_amount"}
_USER_FIELDS = {"approved_by_id", "officer_ids"}


# ---------------------------------------------------------------------------------------------------------------
# helpers


@bp.before_request
def _no_store():
    # Case pages carry parties' names and evidence: never cache them.
    g.no_store = True


def money(value) -> str:
    """``Decimal("12500")`` → ``¥12,500.00``; empty for no amount."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    return f"¥{amount:,.2f}"


def _region_label(code: str | None) -> str:
    from hotline.reference.queries import region_map

    region = region_map().get(code) if code else None
    return region.name if region else (code or "")


class CaseRow(NamedTuple):
    """One line of a case table, ready to print (the template does no lookups or macro calls per row)."""

    url: str
    number: str
    received: str
    flags: list[tuple[str, str, str]]  # (label, title, extra CSS class)
    type_label: str
    respondent: str
    summary: str
    region: str
    status: str
    status_label: str
    due: str
    due_state: str  # "overdue", "today" or ""
    officers: str


def case_rows(cases: list[Case]) -> list[CaseRow]:
    from hotline.reference.queries import region_map

    today = local_today()
    regions = region_map()
    types = {code: str(label) for code, label in CASE_TYPE_LABELS.items()}
    statuses = {code: str(label) for code, label in CASE_STATUS_LABELS.items()}
    received = _("received %(day)s", day="%(day)s")  # translated once; the day goes in per row
    major = (_("Major"), _("Major case (督办)"), " badge-major")
    exhibition, ecommerce, foreign = ((_("Exhibition"), "", ""), (_("E-commerce"), "", ""),
                                      (_("Foreign-related"), "", ""))
    detail = url_for("cases.detail", case_id=0).removesuffix("0")  # one url_for for every row
    officers = _officer_names([c.id for c in cases])
    rows = []
    for c in cases:
        flags = [flag for flag, on in ((major, c.is_major), (exhibition, c.is_exhibition),
                                       (ecommerce, c.is_ecommerce), (foreign, c.foreign_related)) if on]
        due = c.next_due_on
        region = regions.get(c.region_code)
        rows.append(CaseRow(
            url=f"{detail}{c.id}", number=c.display_number, received=received % {"day": c.received_on.isoformat()},
            flags=flags, type_label=types.get(c.case_type, c.case_type or ""), respondent=c.respondent_name or "—",
            summary=do_truncate(current_app.jinja_env, c.summary or "", 60),
            region=region.name if region else (c.region_code or ""), status=c.status,
            status_label=statuses.get(c.status, c.status),
            due=due.isoformat() if due else "",
            due_state="overdue" if due and due < today else "today" if due == today else "",
            officers=", ".join(officers.get(c.id, ()))))
    return rows


def _officer_names(case_ids: list[int]) -> dict[int, list[str]]:
    """case id → its officers' names (in the order of Case.officers), in one statement for a whole table."""
    from hotline.accounts.models import User

    names: dict[int, list[str]] = {}
    if case_ids:
        for case_id, name in db.session.execute(
                select(case_officers.c.case_id, User.display_name).join(User, User.id == case_officers.c.user_id)
                .where(case_officers.c.case_id.in_(case_ids)).order_by(User.id)):
            names.setdefault(case_id, []).append(name)
    return names


@bp.context_processor
def _helpers():
    return {
        "money": money,
        "case_type_label": lambda code: label_of(CASE_TYPE_LABELS, code),
        "case_status_label": lambda code: label_of(CASE_STATUS_LABELS, code),
        "outcome_label": lambda code: label_of(OUTCOME_LABELS, code),
        "source_label": lambda code: label_of(SOURCE_LABELS, code),
        "event_kind_label": lambda code: label_of(EVENT_KIND_LABELS, code),
        "patent_type_label": lambda code: label_of(PATENT_TYPE_LABELS, code),
        "respondent_kind_label": lambda code: label_of(RESPONDENT_KIND_LABELS, code),
        "deadline_kind_label": lambda code: label_of(DEADLINE_KIND_LABELS, code),
        "region_label": _region_label,
        "case_rows": case_rows,
        "approval_action_label": lambda code: label_of(APPROVAL_ACTION_LABELS, code),
        "approval_status_label": lambda code: label_of(APPROVAL_STATUS_LABELS, code),
        "today": local_today(),
    }


def _load(case_id: int) -> Case:
    """A case the user may read (its lead region, or a region joined to it): 404 otherwise."""
    return get_case_or_404(case_id, current_user)


def _load_lead(case_id: int) -> Case:
    """A case whose own steps the user may take (file, close, edit, evidence): a joined region's user gets 403."""
    case = _load(case_id)
    if not leads_case(current_user, case):
        abort(403)
    return case


def _page_size() -> int:
    size = request.args.get("page_size", DEFAULT_PAGE_SIZE, type=int)
    return max(1, min(size or DEFAULT_PAGE_SIZE, 200))


# ---------------------------------------------------------------------------------------------------------------
# list


def list_filters() -> tuple[CaseFilterForm, CaseFilters]:
    """The case list's filter form from the query string and the filters it gives: the page and its XLSX
    download read the same ones."""
    form = CaseFilterForm(request.args, user=current_user)
    form.validate()
    return form, CaseFilters(
        status=form.value("status"),
        case_type=form.value("case_type"),
        region_code=form.value("region_code"),
        overdue=bool(form.value("overdue")),
        filed_from=form.value("filed_from"),
        filed_to=form.value("filed_to"),
        is_major=True if form.value("major") else None,
        officer_id=current_user.id if form.value("mine") else None,
        q=clean_text(form.value("q")),
    )


@bp.route("")
@role_required(*CASE_ROLES)
def index():
    form, filters = list_filters()
    page_size = _page_size()
    cursor = request.args.get("cursor") or None
    cursor_error = None
    try:
        cases, next_cursor = list_cases(current_user, filters, cursor=cursor, page_size=page_size, for_list=True)
    except DomainError:
        cursor_error = _("This page link is no longer valid; showing the first page.")
        cursor = None
        cases, next_cursor = list_cases(current_user, filters, page_size=page_size, for_list=True)
    args = form.query_args()
    if page_size != DEFAULT_PAGE_SIZE:
        args["page_size"] = str(page_size)
    return render_template(
        "cases/index.html", form=form, cases=cases, cursor_error=cursor_error,
        next_url=url_for("cases.index", cursor=next_cursor, **args) if next_cursor else None,
        first_url=url_for("cases.index", **args) if cursor else None,
        filtered=bool(args.keys() - {"page_size"}),
        export_url=url_for("cases.export", **form.query_args()),
    )


@bp.route("/export.xlsx")
@role_required(*CASE_ROLES)
def export():
    """The case list with its filters as XLSX."""
    from hotline.cases.exports import export_cases
    from hotline.core.exports import audit_export, describe_filters
    from hotline.core.xlsx import xlsx_response

    form, filters = list_filters()
    out, count = export_cases(current_user, filters, describe_filters(form))
    audit_export(current_user, "cases", count, form)
    db.session.commit()
    return xlsx_response(out, f"cases-{local_today():%Y%m%d}.xlsx")


# ---------------------------------------------------------------------------------------------------------------
# the day's deadlines


@bp.route("/due")
@role_required(*CASE_ROLES)
def due():
    """The first release's due page: the due lists (/due) took its place, with calls, reports and the
    deadline each row is about."""
    from hotline.inbox.due_views import redirect_cases_due

    return redirect_cases_due()


# ---------------------------------------------------------------------------------------------------------------
# month calendar


def _parse_month(value: str | None) -> date | None:
    if not value:
        return None
    try:
        year, month = (int(part) for part in value.strip().split("-"))
        first = date(year, month, 1)
    except (ValueError, OverflowError):
        return None
    return first if 2000 <= first.year <= 2099 else None


def _user_calendar() -> WorkCalendar:
    """The working days of the user's region (its own holidays included); the national ones for the province."""
    return WorkCalendar(None if current_user.region_code == province_code() else current_user.region_code)


def _month_kinds(days: list[date]) -> tuple[dict[date, str], str | None]:
    """Day kinds from the working-day calendar; a year without data is reported, never guessed."""
    cal = _user_calendar()
    kinds: dict[date, str] = {}
    error = None
    for day in days:
        try:
            kinds[day] = cal.kind(day)
        except CalendarMissing as exc:
            error = exc.message
    return kinds, error


def _day_names(first: date, last: date) -> dict[date, str]:
    rows = db.session.execute(select(CalendarDay.day, CalendarDay.name)
                              .where(CalendarDay.day >= first, CalendarDay.day <= last,
                                     CalendarDay.name.is_not(None))).all()
    names = dict(rows)
    cal = _user_calendar()
    for year in range(first.year, last.year + 1):
        names.update({day: name for day, name in cal.regional_holidays(year).items() if first <= day <= last})
    return names


def _month_entries(first: date, last: date, *, mine: bool) -> dict[date, list[dict]]:
    """Hearings and pending deadlines of the user's region (or of their own cases) within the month."""
    entries: dict[date, list[dict]] = {}
    only_mine = (Case.id.in_(select(case_officers.c.case_id).where(case_officers.c.user_id == current_user.id))
                 if mine else None)

    hearings = scope(select(CaseEvent, Case).join(Case, CaseEvent.case_id == Case.id)
                     .where(CaseEvent.kind == EventKind.hearing.value, CaseEvent.occurred_on >= first,
                            CaseEvent.occurred_on <= last), current_user)
    if only_mine is not None:
        hearings = hearings.where(only_mine)
    for event, case in db.session.execute(hearings.order_by(CaseEvent.occurred_on, CaseEvent.id)).all():
        entries.setdefault(event.occurred_on, []).append(
            {"type": "hearing", "case": case, "label": _("Hearing"), "note": event.note, "overdue": False})

    in_month = [column.between(first, last) for column in (Case.file_due_on, Case.close_due_on, Case.publish_due_on)]
    stmt = scope(select(Case).where(or_(*in_month)), current_user)
    if only_mine is not None:
        stmt = stmt.where(only_mine)
    today = local_today()
    for case in db.session.scalars(stmt.order_by(Case.id)):
        pending = []
        if case.status == CaseStatus.received.value:
            pending.append(("file", case.file_due_on, False))
        if case.status in (CaseStatus.filed.value, CaseStatus.suspended.value):
            pending.append(("close", case.close_due_on, case.status == CaseStatus.suspended.value))
        if case.status == CaseStatus.closed.value and case.outcome == "penalized" and case.published_on is None:
            pending.append(("publish", case.publish_due_on, False))
        for kind, due_on, paused in pending:
            if due_on and first <= due_on <= last:
                entries.setdefault(due_on, []).append(
                    {"type": "deadline", "case": case, "label": label_of(DEADLINE_KIND_LABELS, kind),
                     "note": _("paused while suspended") if paused else None,
                     "overdue": due_on < today and not paused})
    return entries


@bp.route("/calendar")
@role_required(*CASE_ROLES)
def calendar():
    today = local_today()
    month_arg = request.args.get("month")
    first = _parse_month(month_arg)
    month_error = None
    if first is None:
        if month_arg:
            month_error = _("Not a month (YYYY-MM between 2000 and 2099); showing this month.")
        first = today.replace(day=1)
    last = first.replace(day=pycal.monthrange(first.year, first.month)[1])
    mine = request.args.get("mine") == "y"
    weeks = pycal.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    month_days = [first + timedelta(days=i) for i in range(last.day)]
    kinds, calendar_error = _month_kinds(month_days)
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = last + timedelta(days=1)
    return render_template(
        "cases/calendar.html", first=first, last=last, weeks=weeks, kinds=kinds, names=_day_names(first, last),
        working_kinds={k.value for k in WORKING_KINDS}, entries=_month_entries(first, last, mine=mine), mine=mine,
        calendar_error=calendar_error, month_error=month_error,
        prev_month=prev_month if prev_month.year >= 2000 else None,
        next_month=next_month if next_month.year <= 2099 else None,
    )


# ---------------------------------------------------------------------------------------------------------------
# open a case


def _failure_status(form: HotlineForm, exc: DomainError, aliases: dict[str, str] | None = None) -> int:
    """Put a refused operation's message on the form; the response status that goes with it."""
    if exc.status_code == 403:
        abort(403)
    if isinstance(exc, StateError | StaleVersion) or exc.status_code == 409:
        form.form_errors.append(exc.message)
        return 409
    if exc.errors:
        form.apply_domain_errors(exc.errors, aliases)
    else:
        form.form_errors.append(exc.message)
    return 422


@bp.route("/new", methods=["GET", "POST"])
@role_required(*CASE_ROLES)
def new():
    form = NewCaseForm(user=current_user)
    form.set_link_choices(None if current_user.region_code == province_code() else current_user.region_code)
    status = 200
    if request.method == "GET":
        form.received_on.data = local_today()
        if current_user.region_code != province_code():
            form.region_code.data = current_user.region_code
    if form.validate_on_submit():
        try:
            case = create_case(form.data_for_operation(), actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            status = _failure_status(form, exc)
        else:
            db.session.commit()
            logger.info("case %s opened by user %s", case.id, current_user.id)
            flash(_("Case %(number)s opened.", number=case.display_number), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    elif request.method == "POST":
        status = 422
    if status != 200:
        form.lift_hidden_errors()
        form.form_errors.insert(0, _("The case was not opened: correct the highlighted fields."))
    return render_template("cases/new.html", form=form, call=None), status


def _call_defaults(call) -> dict:
    """What a call tells about the case it leads to; the officer or operator checks and completes it."""
    return {
        "case_type": "counterfeit" if call.request_type == "report" else "infringement_dispute",
        "region_code": call.region_code if call.region_code != province_code() else "",
        "source": "hotline_call",
        "received_on": local_date(call.received_at),
        "respondent_name": call.accused_party,
        "respondent_kind": "organization",
        "patent_number": call.patent_number,
        "summary": call.summary,
        "is_exhibition": bool(call.exhibition_name or call.exhibition_id),
        "exhibition_id": str(call.exhibition_id or ""),
        "version": call.version,
    }


@bp.route("/from-call/<int:call_id>", methods=["GET", "POST"])
@role_required(*OPEN_FROM_CALL_ROLES)
def new_from_call(call_id: int):
    from hotline.calls.queries import get_call_or_404

    call = get_call_or_404(call_id, current_user)
    form = CaseFromCallForm(user=current_user, data=_call_defaults(call) if request.method == "GET" else None)
    form.set_link_choices(call.region_code if call.region_code != province_code() else None,
                          exhibition_id=call.exhibition_id)
    status = 200
    if form.validate_on_submit():
        try:
            case = open_case_from_call(call, form.data_for_operation(), actor=current_user,
                                       expected_version=form.version.data)
        except (StaleVersion, StaleDataError):
            db.session.rollback()
            call = get_call_or_404(call_id, current_user)
            form.form_errors.append(str(STALE_CALL_MESSAGE))
            form.reset_version(call.version)
            status = 409
        except DomainError as exc:
            db.session.rollback()
            call = get_call_or_404(call_id, current_user)
            status = _failure_status(form, exc)
        else:
            db.session.commit()
            logger.info("case %s opened from call %s by user %s", case.id, call.id, current_user.id)
            flash(_("Case %(number)s opened from call %(ref)s.", number=case.display_number, ref=call.ref), "success")
            if current_user.role in CASE_ROLES:
                return redirect(url_for("cases.detail", case_id=case.id))
            return redirect(url_for("calls.detail", call_id=call.id))
    elif request.method == "POST":
        status = 422
    if status != 200:
        form.lift_hidden_errors()
        if status == 422:
            form.form_errors.insert(0, _("The case was not opened: correct the highlighted fields."))
    return render_template("cases/new.html", form=form, call=call), status


# ---------------------------------------------------------------------------------------------------------------
# case page


def _actor_names(user_ids: set[int]) -> dict[int, str]:
    from hotline.accounts.models import User

    if not user_ids:
        return {}
    return {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}


def _audit_value(field: str, value, names: dict[int, str]):
    if value is None or value == "" or value == []:
        return None
    if field == "status":
        return label_of(CASE_STATUS_LABELS, value)
    if field == "case_type":
        return label_of(CASE_TYPE_LABELS, value)
    if field == "outcome":
        return label_of(OUTCOME_LABELS, value)
    if field == "source":
        return label_of(SOURCE_LABELS, value)
    if field == "patent_type":
        return label_of(PATENT_TYPE_LABELS, value)
    if field == "respondent_kind":
        return label_of(RESPONDENT_KIND_LABELS, value)
    if field == "kind":
        return label_of(EVENT_KIND_LABELS, value)
    if field == "region_code":
        return _region_label(value)
    if field == "joint_region_codes" and isinstance(value, list):
        return "、".join(_region_label(v) for v in value) or None
    if field == "assist_status":
        from hotline.assists.forms import status_label

        return status_label(value)
    if field in _MONEY_FIELDS:
        return money(value)
    if field == "approval_action":
        return label_of(APPROVAL_ACTION_LABELS, value)
    if field == "approved_by_id" and isinstance(value, int):
        return names.get(value, f"#{value}")
    if field == "officer_ids" and isinstance(value, list):
        return ", ".join(names.get(v, f"#{v}") for v in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value


def audit_entries(case: Case) -> list[dict]:
    events = case_audit(case)
    user_ids: set[int] = set()
    for event in events:
        for field in _USER_FIELDS & set(event.changes or {}):
            for value in event.changes[field]:
                if isinstance(value, int):
                    user_ids.add(value)
                elif isinstance(value, list):
                    user_ids.update(v for v in value if isinstance(v, int))
    names = _actor_names(user_ids)
    entries = []
    for event in events:
        changes = []
        for field, pair in (event.changes or {}).items():
            old, new = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
            changes.append({"field": label_of(FIELD_LABELS, field), "old": _audit_value(field, old, names),
                            "new": _audit_value(field, new, names)})
        entries.append({"at": event.occurred_at, "who": event.actor_name,
                        "action": label_of(AUDIT_ACTION_LABELS, event.action), "changes": changes,
                        "note": event.note})
    return entries


def _offered_actions(case: Case) -> set[str]:
    """The actions the case's status allows (the operations check again)."""
    status = case.status
    actions: set[str] = set()
    if status == CaseStatus.received.value:
        actions |= {"file", "reject"}
    if status == CaseStatus.filed.value:
        actions |= {"suspend", "close"}
    if status == CaseStatus.suspended.value:
        actions.add("resume")
    if status in (CaseStatus.filed.value, CaseStatus.suspended.value):
        rule = _close_rule(case)
        if rule is not None and rule.extension_amount and _extension_used(case, rule) < rule.extension_amount:
            actions.add("extend")
    if status == CaseStatus.closed.value and case.outcome == "penalized" and not case.published_on:
        actions.add("publish")
    if status == CaseStatus.closed.value and case.published_on and not case.publication_withdrawn_on:
        actions.add("withdraw")
    if status not in (CaseStatus.received.value, CaseStatus.not_accepted.value):
        actions.add("event")
    if status != CaseStatus.closed.value:
        actions.add("edit")
    return actions


def _close_rule(case: Case):
    return find_rule(case.rule_set_code, "close", case.case_type)


def _officer_rule(case: Case) -> str:
    if case.is_dispute:
        return _("A dispute needs 3 or more officers, an odd number (3, 5, …).")
    return _("A counterfeit case needs 2 or more officers.")


def _extension_used(case: Case, rule) -> int:
    if rule.extension_unit == "months":
        return sum(e.months for e in case.extensions)
    return sum(e.days for e in case.extensions)


def _extension_hint(case: Case) -> str:
    rule = _close_rule(case)
    if rule is None or not rule.extension_amount:
        return ""
    used = _extension_used(case, rule)
    if rule.extension_unit == "months":
        return _("With a supervisor's approval the closing deadline may be extended by at most %(n)s month(s) in "
                 "total; %(used)s already approved.", n=rule.extension_amount, used=used)
    return _("With a supervisor's approval the closing deadline may be extended by at most %(n)s days in total; "
             "%(used)s already approved.", n=rule.extension_amount, used=used)


def _build_form(case: Case, name: str, *, submitted: bool):
    """The form of one action on ``case``: bound to the request when ``submitted``, else fresh with defaults."""
    today = local_today()
    kwargs: dict = {"prefix": name}
    if not submitted:
        kwargs["formdata"] = None
        kwargs["version"] = case.version
    if name == "file":
        officers = officer_choices(case.region_code)
        if not submitted:
            kwargs["filed_on"] = today
            kwargs["officer_ids"] = [u.id for u in officers if u.id == current_user.id]
        return FileForm(officers=officers, rule=_officer_rule(case), **kwargs)
    if name == "extend":
        rule = _close_rule(case)
        return ExtendForm(unit=rule.extension_unit if rule else None, **kwargs)
    if name == "close":
        if not submitted:
            kwargs["closed_on"] = today
        return CloseForm(case_type=case.case_type, **kwargs)
    if name == "publish":
        if not submitted:
            kwargs["published_on"] = today
        return PublishForm(**kwargs)
    if name == "withdraw":
        if not submitted:
            kwargs["on"] = today
        return WithdrawForm(**kwargs)
    if name == "event":
        if not submitted:
            kwargs["occurred_on"] = today
        return EventForm(**kwargs)
    if name in ("reject", "suspend", "resume"):
        if not submitted:
            kwargs["on"] = today
        return ACTION_FORMS[name](**kwargs)
    raise KeyError(name)


def _render_detail(case: Case, status: int = 200, *, alert: str | None = None, **active):
    approvals = case_approvals(case)
    pending = {a.action for a in approvals if a.is_pending}
    # An action with a request pending is not offered again: the request is decided first.
    actions = {name for name in _offered_actions(case)
               if not ({name} & pending or (name == "close" and "close_penalized" in pending))}
    lead = leads_case(current_user, case)
    if not lead:  # a region joined to the case (联合办案) reads it and adds events; the lead region does the rest
        actions &= {"event"}
    decides = case.can_decide(current_user)
    # Where the user's submit becomes a request (提交审批) instead of the change itself.
    requests = {name for name in actions if name in ("extend", "publish", "withdraw") and not decides}
    if not decides and "file" in actions and current_app.config.get("FILING_NEEDS_APPROVAL"):
        requests.add("file")
    forms = {}
    for name in actions - {"edit"}:
        forms[name] = active.get(name) or _build_form(case, name, submitted=False)
    attachment_form = active.get("attachment") or AttachmentForm(formdata=None, prefix="attachment")
    deadlines, deadline_error = deadlines_of(case)
    call = case.call if case.call_id and case.call and sees_region(current_user, case.call.region_code) else None
    people = _actor_names({i for i in (case.created_by_id, case.close_approved_by_id, case.publish_approved_by_id,
                                       case.withdrawal_approved_by_id)
                           if i})
    return render_template(
        "cases/detail.html", case=case, status=status, alert=alert, actions=actions, forms=forms,
        attachment_form=attachment_form, deadlines=deadlines, deadline_error=deadline_error, call=call,
        people=people, events=case_events(case), audit=audit_entries(case), extension_hint=_extension_hint(case),
        approvals=approvals, requests=requests, penalty_needs_request=not decides, leads=lead,
    ), status


@bp.route("/<int:case_id>")
@role_required(*CASE_ROLES)
def detail(case_id: int):
    return _render_detail(_load(case_id))


@bp.route("/<int:case_id>/file")
@role_required(*CASE_ROLES)
def case_file(case_id: int):
    """The case printed as its file (案卷), laid out for A4: a cover (number, parties, officers, dates), then the
    deadlines and timeline, the decisions and the evidence list. The case page's access and what it shows."""
    case = _load(case_id)
    deadlines, deadline_error = deadlines_of(case)
    call = case.call if case.call_id and case.call and sees_region(current_user, case.call.region_code) else None
    people = _actor_names({i for i in (case.created_by_id, case.close_approved_by_id, case.publish_approved_by_id,
                                       case.withdrawal_approved_by_id) if i})
    return render_template(
        "cases/file.html", case=case, deadlines=deadlines, deadline_error=deadline_error, call=call, people=people,
        events=case_events(case), approvals=case_approvals(case), printed_at=datetime.now(local_tz()),
    )


def _run(case: Case, name: str, form: HotlineForm, perform: Callable[[], object], success: Callable[[], str],
         aliases: dict[str, str] | None = None):
    """The shared POST lifecycle: validate → operation → one commit → flash → redirect; errors re-render the
    case page with the user's input (422 invalid input, 409 stale version or a move no longer allowed)."""
    status = 422
    if form.validate_on_submit():
        try:
            result = perform()
        except (StaleVersion, StaleDataError):
            db.session.rollback()
            case = reload_visible(case)
            form.form_errors.append(str(STALE_MESSAGE))
            form.reset_version(case.version)
            status = 409
        except StateError as exc:
            db.session.rollback()
            case = reload_visible(case)
            form.reset_version(case.version)
            return _render_detail(case, 409, alert=exc.message, **{name: form})
        except DomainError as exc:
            db.session.rollback()
            case = reload_visible(case)
            status = _failure_status(form, exc, aliases)
        else:
            db.session.commit()
            if isinstance(result, Approval):
                flash(_("Sent for approval: %(what)s. Nothing changes on the case until a supervisor approves it.",
                        what=label_of(APPROVAL_ACTION_LABELS, result.action)), "success")
            else:
                flash(success(), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    form.lift_hidden_errors()
    return _render_detail(case, status, **{name: form})


_ACTION_SUCCESS = {
    "file": _l("Case filed as %(number)s."),
    "reject": _l("Case %(number)s not accepted."),
    "suspend": _l("Case %(number)s suspended: the closing clock stops."),
    "resume": _l("Case %(number)s resumed."),
    "extend": _l("Closing deadline of %(number)s extended."),
    "close": _l("Case %(number)s closed."),
    "publish": _l("Publication of %(number)s recorded."),
    "withdraw": _l("The decision %(number)s is withdrawn from the public page."),
}


def _action_data(name: str, form) -> dict:
    if name == "file":
        return {"filed_on": form.filed_on.data, "officer_ids": list(form.officer_ids.data or [])}
    if name in ("reject", "suspend", "resume"):
        return {"on": form.on.data, "reason": (form.reason.data or "").strip() or None}
    if name == "extend":
        data = {"reason": (form.reason.data or "").strip() or None}
        for unit in ("months", "days"):
            if unit in form and form[unit].data is not None:
                data[unit] = form[unit].data
        return data
    return form.data_for_operation()


@bp.route("/<int:case_id>/actions/<name>", methods=["POST"])
@role_required(*CASE_ROLES)
def action(case_id: int, name: str):
    case = _load_lead(case_id)
    if name not in ACTION_FORMS:
        abort(404)
    form = _build_form(case, name, submitted=True)

    def perform():
        return act_or_request(case, name, _action_data(name, form), actor=current_user,
                              expected_version=form.version.data)

    # The extension's limit is reported on "months" whatever the rule's unit.
    aliases = {"months": "days"} if name == "extend" and "days" in form else None
    # The message is made after the operation: filing gives the case its number.
    return _run(case, name, form, perform, lambda: str(_ACTION_SUCCESS[name]) % {"number": case.display_number},
                aliases)


@bp.route("/<int:case_id>/events", methods=["POST"])
@role_required(*CASE_ROLES)
def record(case_id: int):
    case = _load(case_id)
    form = _build_form(case, "event", submitted=True)

    def perform():
        # Events are additive, so a case changed meanwhile is no conflict: the version is not checked.
        add_event(case, {"kind": form.kind.data, "occurred_on": form.occurred_on.data,
                         "note": (form.note.data or "").strip() or None}, actor=current_user)

    return _run(case, "event", form, perform,
                lambda: _("Recorded: %(kind)s.", kind=label_of(EVENT_KIND_LABELS, form.kind.data)))


# ---------------------------------------------------------------------------------------------------------------
# edit


def _edit_values(case: Case) -> dict:
    """The case as the edit form holds it: comparing against this makes the edit a PATCH of what changed."""
    return {
        "source": case.source,
        "received_on": case.received_on,
        "requester_name": case.requester_name or "",
        "respondent_name": case.respondent_name or "",
        "respondent_kind": case.respondent_kind,
        "respondent_legal_rep": case.respondent_legal_rep or "",
        "patent_number": case.patent_number or "",
        "patent_type": case.patent_type or "",
        "amount_involved": f"{case.amount_involved:.2f}" if case.amount_involved is not None else "",
        "is_major": case.is_major,
        "is_exhibition": case.is_exhibition,
        "is_ecommerce": case.is_ecommerce,
        "foreign_related": case.foreign_related,
        "summary": case.summary or "",
        "campaign_ids": sorted((str(c.id) for c in case.campaigns), key=lambda v: (len(v), v)),
        "exhibition_id": str(case.exhibition_id or ""),
    }


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@role_required(*CASE_ROLES)
def edit(case_id: int):
    case = _load_lead(case_id)
    if case.status == CaseStatus.closed.value:
        flash(_("A closed case cannot be edited."), "warning")
        return redirect(url_for("cases.detail", case_id=case.id))
    original = _edit_values(case)
    form = EditCaseForm(data=dict(original, version=case.version) if request.method == "GET" else None)
    form.set_link_choices(case.region_code, campaign_ids=[c.id for c in case.campaigns],
                          exhibition_id=case.exhibition_id)
    status = 200
    if form.validate_on_submit():
        submitted = form_values(form, CASE_FIELDS)
        changes = {name: value for name, value in submitted.items() if value != original[name]}
        if not changes:
            flash(_("Nothing was changed."), "info")
            return redirect(url_for("cases.detail", case_id=case.id))
        try:
            changed = update_case(case, changes, actor=current_user, expected_version=form.version.data)
        except (StaleVersion, StaleDataError):
            db.session.rollback()
            case = reload_visible(case)
            form.form_errors.append(str(STALE_MESSAGE))
            form.reset_version(case.version)
            status = 409
        except DomainError as exc:
            db.session.rollback()
            case = reload_visible(case)
            status = _failure_status(form, exc)
        else:
            db.session.commit()
            flash(_("Saved %(number)s.", number=case.display_number) if changed else _("Nothing was changed."),
                  "success" if changed else "info")
            return redirect(url_for("cases.detail", case_id=case.id))
    elif request.method == "POST":
        status = 422
    if status != 200:
        form.lift_hidden_errors()
    return render_template("cases/edit.html", case=case, form=form), status


# ---------------------------------------------------------------------------------------------------------------
# evidence


@bp.route("/<int:case_id>/attachments", methods=["POST"])
@role_required(*CASE_ROLES)
def upload(case_id: int):
    case = _load_lead(case_id)
    from hotline.cases.attachments import store_attachment

    form = AttachmentForm(prefix="attachment")
    status = 422
    if form.validate_on_submit():
        try:
            attachment = store_attachment(case, form.file.data, description=clean_text(form.description.data),
                                          actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            case = reload_visible(case)
            status = _failure_status(form, exc)
        else:
            db.session.commit()
            logger.info("attachment %s added to case %s by user %s", attachment.id, case.id, current_user.id)
            flash(_("Uploaded %(name)s.", name=attachment.original_name), "success")
            return redirect(url_for("cases.detail", case_id=case.id, _anchor="attachments"))
    form.lift_hidden_errors()
    return _render_detail(case, status, attachment=form)


@bp.route("/<int:case_id>/attachments/<int:attachment_id>")
@role_required(*CASE_ROLES)
def download(case_id: int, attachment_id: int):
    case = _load(case_id)
    attachment = get_attachment_or_404(case, attachment_id)
    from hotline.cases.attachments import open_attachment

    return open_attachment(attachment)

