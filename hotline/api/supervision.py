"""API v1: major-case supervision (重大案件督办) and the due lists.

``POST /cases/{id}/supervision`` (a supervisor of a higher office designates the case), ``GET /supervisions``,
``POST /supervisions/{id}/reports`` (the handling office gives a report due on a date),
``POST /supervisions/{id}/close`` (the supervising office ends it), ``GET /due`` (the merged due list). Versions
and If-Match as for calls and cases; other regions' records answer 404; a wrong step 409 naming the status.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from flask import jsonify, url_for
from pydantic import Field

from hotline.api.case_schemas import Day, Id
from hotline.api.queries import expected_version
from hotline.api.registry import api_route
from hotline.api.schemas import Body, Out, Query, Text, Version
from hotline.cases import queries as case_queries
from hotline.core.clock import local_today
from hotline.core.errors import StaleVersion, ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.permissions import Role
from hotline.extensions import db
from hotline.inbox.due import DEADLINE_FILTERS, due_list
from hotline.supervision import operations, queries
from hotline.supervision.models import Supervision

IF_MATCH = {"If-Match": "The version you edited (alternative to \"version\" in the body)."}
ROLES = (Role.officer, Role.supervisor)


class ReportDueIn(Body):
    kind: Literal["progress", "final"] = Field(description="progress: 进展报告; final: 结案报告 (exactly one, last).")
    due_on: Day


class SupervisionIn(Body):
    instructions: Text = Field(max_length=operations.INSTRUCTIONS_LIMIT, description="督办意见: what to do.")
    reports: list[ReportDueIn] = Field(min_length=1, max_length=operations.MAX_REPORTS,
                                       description="Report-back dates: progress reports, then one final report.")
    version: Version | None = Field(None, description="The case's version (or send If-Match).")


class ReportIn(Body):
    report_id: Id | None = Field(None, description="The report to give (or its due_on).")
    due_on: Day | None = Field(None, description="The due date of the report to give (when no report_id).")
    text: Text = Field(max_length=operations.REPORT_LIMIT)
    version: Version | None = Field(None, description="The supervision's version (or send If-Match).")


class CloseIn(Body):
    note: Text | None = Field(None, max_length=operations.NOTE_LIMIT)
    version: Version | None = Field(None, description="The supervision's version (or send If-Match).")


class SupervisionListQuery(Query):
    status: Literal["active", "closed"] | None = None


class ReportOut(Out):
    id: int
    kind: Literal["progress", "final"]
    due_on: date
    overdue: bool
    submitted_on: date | None
    submitted_by_id: int | None
    text: str | None
    case_event_id: int | None


class SupervisionOut(Out):
    id: int
    version: int
    case_id: int
    case_number: str | None
    region_code: str
    supervising_region_code: str
    status: Literal["active", "closed"]
    instructions: str
    designated_on: date
    designated_by_id: int
    closed_on: date | None
    closed_by_id: int | None
    close_note: str | None
    reports: list[ReportOut]


class SupervisionPageOut(Out):
    items: list[SupervisionOut]
    next_cursor: str | None


class SupervisionConflictOut(Out):
    error: str
    message: str
    current: SupervisionOut | None = None


class DueQuery(Query):
    deadline: Literal[tuple(DEADLINE_FILTERS)] | None = Field(  # type: ignore[valid-type]
        None, description="Only this deadline: " + ", ".join(DEADLINE_FILTERS) + ".")
    overdue: bool = Field(False, description="Only the late ones (and those whose date cannot be computed).")
    mine: bool = Field(False, description="Only your own (your cases, the region's unfiled ones, calls you logged).")
    until: Day | None = Field(None, description="Due on or before this day (default: every pending deadline).")


class DueItemOut(Out):
    kind: str
    title: str
    deadline: str = Field(description="Which deadline: 立案 / 结案 / 公示 / 受理 / 签收 / 反馈 / 回访 / 进展报告 / "
                                      "结案报告.")
    url: str
    due_on: date | None
    working_days_left: int | None = Field(description="Negative: working days late.")
    overdue: bool
    missing_year: int | None = Field(description="The calendar year to load before due_on can be computed.")
    call_id: int | None
    case_id: int | None
    transfer_id: int | None
    approval_id: int | None
    assist_id: int | None


class DueOut(Out):
    items: list[DueItemOut]
    truncated: bool = Field(description="More rows matched than the list holds (the most urgent are given).")


def supervision_json(supervision: Supervision) -> dict:
    today = local_today()
    return {
        "id": supervision.id, "version": supervision.version, "case_id": supervision.case_id,
        "case_number": supervision.case.case_number, "region_code": supervision.region_code,
        "supervising_region_code": supervision.supervising_region_code, "status": supervision.status,
        "instructions": supervision.instructions, "designated_on": supervision.designated_on.isoformat(),
        "designated_by_id": supervision.designated_by_id,
        "closed_on": supervision.closed_on.isoformat() if supervision.closed_on else None,
        "closed_by_id": supervision.closed_by_id, "close_note": supervision.close_note,
        "reports": [{"id": r.id, "kind": r.kind, "due_on": r.due_on.isoformat(),
                     "overdue": r.submitted_on is None and r.due_on < today,
                     "submitted_on": r.submitted_on.isoformat() if r.submitted_on else None,
                     "submitted_by_id": r.submitted_by_id, "text": r.text, "case_event_id": r.case_event_id}
                    for r in supervision.reports],
    }


def _response(supervision: Supervision, status: int = 200):
    db.session.flush()
    response = jsonify(supervision_json(supervision))
    response.status_code = status
    response.headers["ETag"] = f'"{supervision.version}"'
    return response


def _stale(supervision: Supervision, exc: StaleVersion):
    db.session.rollback()
    db.session.refresh(supervision)
    return jsonify({"error": "Conflict", "message": exc.message, "current": supervision_json(supervision)}), 409


@api_route("/cases/<int:case_id>/supervision", "POST", summary="Put a case under supervision (督办)",
           tag="supervision", roles=(Role.supervisor,), body=SupervisionIn, headers=IF_MATCH, errors=[404, 409],
           responses={201: SupervisionOut})
def designate_supervision(user, case_id: int, body: SupervisionIn):
    """A supervisor of a higher office (the province over a 市州 case; 403 otherwise) designates the case with
    instructions and report-back dates; the case becomes major (督办) and its timeline records it. 409 when the
    case is closed or not accepted, or already under supervision."""
    case = case_queries.get_case_or_404(case_id, user)
    data = body.model_dump(exclude_unset=True)
    version = expected_version(data.pop("version", None))
    supervision = operations.designate(case, data, actor=user, expected_version=version)
    response = _response(supervision, 201)
    response.headers["Location"] = url_for("api.list_supervisions")
    return response


@api_route("/supervisions", "GET", summary="List supervisions", tag="supervision", roles=ROLES,
           query=SupervisionListQuery, responses={200: SupervisionPageOut})
def list_supervisions(user, query: SupervisionListQuery):
    """The supervisions of the cases of your regions and those your office supervises, newest first (at most
    200)."""
    rows = queries.list_supervisions(user, query.status)
    return jsonify({"items": [supervision_json(s) for s in rows], "next_cursor": None})


@api_route("/supervisions/<int:supervision_id>/reports", "POST", summary="Give a report due on a date",
           tag="supervision", roles=ROLES, body=ReportIn, headers=IF_MATCH, errors=[404, 409],
           error_models={409: SupervisionConflictOut}, responses={200: SupervisionOut})
def submit_supervision_report(user, supervision_id: int, body: ReportIn):
    """The case's officers or the handling office's supervisors (403 others) give the report due on a date
    (``report_id`` or ``due_on``); it becomes a case event. 409 when the supervision ended, the report was given
    already, or a final report before the case is closed."""
    supervision = queries.get_supervision_or_404(supervision_id, user)
    data = body.model_dump(exclude_unset=True)
    version = expected_version(data.pop("version", None))
    report_id = data.pop("report_id", None)
    due_on = data.pop("due_on", None)
    if report_id is None:
        matches = [r for r in supervision.reports if r.due_on == due_on] if due_on else []
        pending = [r for r in matches if r.submitted_on is None]
        if not matches:
            raise ValidationFailed(_("Unknown report."), {"due_on": [_("No report of this supervision is due on "
                                                                      "that day.")]} if due_on else
                                   {"report_id": [_("Give report_id or due_on.")]})
        report_id = (pending or matches)[0].id
    try:
        operations.submit_report(supervision, report_id, data, actor=user, expected_version=version)
    except StaleVersion as exc:
        return _stale(supervision, exc)
    return _response(supervision)


@api_route("/supervisions/<int:supervision_id>/close", "POST", summary="End a supervision", tag="supervision",
           roles=(Role.supervisor,), body=CloseIn, headers=IF_MATCH, errors=[404, 409],
           error_models={409: SupervisionConflictOut}, responses={200: SupervisionOut}, body_required=False)
def close_supervision(user, supervision_id: int, body: CloseIn):
    """The supervising office's supervisor (403 others) ends the supervision, with an optional note; 409 when it
    has ended already."""
    supervision = queries.get_supervision_or_404(supervision_id, user)
    data = body.model_dump(exclude_unset=True)
    version = expected_version(data.pop("version", None))
    try:
        operations.close_supervision(supervision, data, actor=user, expected_version=version)
    except StaleVersion as exc:
        return _stale(supervision, exc)
    return _response(supervision)


@api_route("/due", "GET", summary="The due list", tag="inbox", roles=(Role.operator, Role.officer, Role.supervisor),
           query=DueQuery, responses={200: DueOut})
def due(user, query: DueQuery):
    """Pending deadlines of your regions (cases 立案/结案/公示, calls' 受理, supervision reports), most urgent
    first: overdue longest first, then soonest due, then those whose calendar year is not loaded
    (``missing_year``). At most 500 rows (``truncated``)."""
    result = due_list(user, local_today(), until=query.until, mine=query.mine, deadline=query.deadline,
                      overdue_only=query.overdue)
    return jsonify({"items": [item.as_dict() for item in result.items], "truncated": result.truncated})
