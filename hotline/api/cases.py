"""API v1: enforcement cases (api.md "Cases"): open (directly or from a hotline call), list, read with deadlines
and timeline, edit, workflow actions, timeline events and evidence files.

Reads and writes are for officers and supervisors of the case's region (404 outside it); opening a case from a
call is open to operators too. @api_route authenticates, checks the role, validates the input and commits.
"""

from __future__ import annotations

from flask import g, jsonify, request, url_for

from hotline.api import approval_schemas as aps
from hotline.api import case_schemas as cs
from hotline.api.approvals import approval_json
from hotline.api.case_serializers import attachment_json, case_detail_json, case_json
from hotline.api.queries import expected_version
from hotline.api.registry import Binary, api_route
from hotline.approvals.operations import act_or_request
from hotline.calls import queries as call_queries
from hotline.calls.models import Call
from hotline.cases import operations, queries
from hotline.cases.attachments import open_attachment, store_attachment
from hotline.cases.models import Case
from hotline.cases.operations import retired_approver_field
from hotline.core.errors import StaleVersion, ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.permissions import sees_region
from hotline.core.xlsx import XLSX_MIMETYPE, xlsx_response
from hotline.extensions import db
from hotline.reference import queries as ref

CASE_ROLES = operations.CASE_ROLES
IF_MATCH = {"If-Match": "The version you edited (alternative to \"version\" in the body)."}
CONFLICT = {409: cs.CaseConflictOut}


def _load(case_id: int, user) -> Case:
    """The case if it is in the user's region (404 otherwise, ids beyond BIGINT included)."""
    case = queries.get_case_or_404(case_id, user)
    g.api_case_id = case.id
    return case


def _load_lead(case_id: int, user) -> Case:
    """A case whose own steps the user may take: a region joined to it (联合办案) reads it and adds events only
    (403 for the rest)."""
    case = _load(case_id, user)
    queries.require_lead(user, case)
    return case


def _case_response(case: Case, user, status: int = 200):
    db.session.flush()  # the version in the answer is the one the commit writes
    response = jsonify(case_detail_json(case, user))
    response.status_code = status
    response.headers["ETag"] = f'"{case.version}"'
    if status == 201:
        response.headers["Location"] = url_for("api.get_case", case_id=case.id)
    return response


def _stale(case: Case, user, exc: StaleVersion):
    """409 with the case as it is now (the shared handler only knows calls)."""
    db.session.rollback()
    db.session.refresh(case)
    return jsonify({"error": "Conflict", "message": exc.message, "current": case_detail_json(case, user)}), 409


# Cases --------------------------------------------------------------------------------------------------------

@api_route("/cases", "POST", summary="Open a case", tag="cases", roles=CASE_ROLES, body=cs.CaseCreate,
           errors=[409], error_models=CONFLICT, responses={201: cs.CaseDetailOut})
def create_case(user, body: cs.CaseCreate):
    """The case starts in status ``received``; its filing deadline follows from the rule set in force on
    ``received_on``. With ``call_id`` (a call in your region) the case is opened from that call, which becomes
    ``case_opened`` (409 when the call's status does not allow it); POST /calls/{call_id}/case does the same with
    the call's facts as defaults."""
    data = body.model_dump(exclude_unset=True)
    call_id = data.pop("call_id", None)
    if call_id is None:
        case = operations.create_case(data, actor=user)
    else:
        call = db.session.get(Call, call_id)
        if call is None or not sees_region(user, call.region_code):
            raise ValidationFailed(_("Unknown call."), {"call_id": [_("No such call in your region.")]})
        g.api_call_id = call.id
        case = operations.open_case_from_call(call, data, actor=user, expected_version=call.version)
    return _case_response(case, user, 201)


#: users.id is an INTEGER column.
MAX_USER_ID = 2**31 - 1


def _case_filters(query: cs.CaseListQuery) -> queries.CaseFilters:
    """The list's filters (unknown region or an empty filing range → 422)."""
    if query.region_code and query.region_code not in ref.region_map():
        raise ValidationFailed(_("Unknown region."),
                               {"region_code": [_("Unknown region %(code)r.", code=query.region_code)]})
    if query.filed_from and query.filed_to and query.filed_from > query.filed_to:
        raise ValidationFailed(_("Empty range."), {"filed_to": [_("Must not be before filed_from.")]})
    officer_id = query.officer_id
    if officer_id is not None and officer_id > MAX_USER_ID:
        officer_id = -1  # beyond users.id's INTEGER: no such user, so no case (the database would refuse the value)
    return queries.CaseFilters(status=query.status, case_type=query.case_type, region_code=query.region_code,
                               overdue=query.overdue, filed_from=query.filed_from, filed_to=query.filed_to,
                               is_major=query.is_major, officer_id=officer_id, q=query.q)


@api_route("/cases", "GET", summary="List cases (newest receipt first)", tag="cases", roles=CASE_ROLES,
           query=cs.CaseListQuery, responses={200: cs.CasePageOut})
def list_cases(user, query: cs.CaseListQuery):
    """Filters combine with AND; a region outside yours matches nothing. ``overdue=true``: a pending deadline
    is already past."""
    filters = _case_filters(query)
    cases, next_cursor = queries.list_cases(user, filters, cursor=query.cursor, page_size=query.page_size)
    readable = call_queries.readable_call_ids(user, (c.call_id for c in cases))
    return jsonify({"items": [case_json(c, call_readable=c.call_id in readable) for c in cases],
                    "next_cursor": next_cursor})


@api_route("/cases.xlsx", "GET", summary="The case list as a spreadsheet", tag="cases", roles=CASE_ROLES,
           query=cs.CaseListQuery,
           responses={200: Binary(XLSX_MIMETYPE, "XLSX: every case of the list with these filters, newest receipt "
                                                 "first (page_size and cursor do not apply). Content-Disposition: "
                                                 "attachment.")})
def export_cases(user, query: cs.CaseListQuery):
    """The same filters as GET /cases (unknown region → 422). The export is audited (rows and filter names)."""
    from hotline.cases.exports import export_cases as write
    from hotline.core.exports import api_filters, audit_export

    filters = _case_filters(query)
    shown, codes = api_filters(query)
    out, count = write(user, filters, shown)
    audit_export(user, "cases", count, filters=codes)
    return xlsx_response(out, "cases.xlsx")


@api_route("/cases/<int:case_id>", "GET", summary="Read a case", tag="cases", roles=CASE_ROLES, errors=[404],
           responses={200: cs.CaseDetailOut})
def get_case(user, case_id: int):
    """With ``deadlines`` (each naming the rule that produced it; ``deadlines_error`` when the calendar lacks a
    year), the timeline (``events``), officers, suspensions, extensions and attachments. The ETag header carries
    the version to send back as If-Match."""
    return _case_response(_load(case_id, user), user)


@api_route("/cases/<int:case_id>", "PATCH", summary="Edit a case", tag="cases", roles=CASE_ROLES,
           body=cs.CasePatch, errors=[404, 409], error_models=CONFLICT, headers=IF_MATCH,
           responses={200: cs.CaseDetailOut})
def patch_case(user, case_id: int, body: cs.CasePatch):
    """Only the fields sent change. A closed case cannot be edited (409); a stale version answers 409 with the
    current case."""
    case = _load_lead(case_id, user)
    data = body.model_dump(exclude_unset=True)
    version = expected_version(data.pop("version", None))
    try:
        operations.update_case(case, data, actor=user, expected_version=version)
    except StaleVersion as exc:
        return _stale(case, user, exc)
    return _case_response(case, user)


@api_route("/cases/<int:case_id>/actions", "POST", summary="Run a workflow action", tag="cases", roles=CASE_ROLES,
           body=cs.CaseActionIn, errors=[404, 409], error_models=CONFLICT, headers=IF_MATCH,
           responses={200: cs.CaseDetailOut, 202: aps.ApprovalWrapOut})
def case_action(user, case_id: int, body: cs.CaseActionIn):
    """``file`` (received → filed, with the officers; gives the 案号), ``reject`` (received → not_accepted),
    ``suspend`` / ``resume`` (filed ⇄ suspended; the closing deadline moves by the days suspended), ``extend``
    (within the rule's maximum), ``close`` (filed → closed with an outcome), ``publish`` (a penalty decision),
    ``withdraw`` (a published decision). An action not allowed from the current status answers 409 naming the
    status.

    Approvals (审批): ``extend``, ``close`` as ``penalized``, ``publish``, ``withdraw`` (and ``file`` where the
    office's FILING_NEEDS_APPROVAL setting is on) need a supervisor's approval. Sent by a supervisor of the
    case's region or above who is not one of its officers, they take effect at once (200) with that supervisor
    recorded as the approver. Sent by anyone else, they are checked in full (422, 409) and become a pending
    request: **202** ``{"approval": {...}}``, the case unchanged; a supervisor decides it at
    POST /approvals/{id}/decision. ``approved_by_id`` is retired (422)."""
    case = _load_lead(case_id, user)
    data = body.model_dump(exclude_unset=True)
    action = data.pop("action")
    version = expected_version(data.pop("version", None))
    unused = sorted(set(data) - cs.ACTION_FIELDS[action])
    if unused:
        raise ValidationFailed(_("Unknown fields."),
                               {f: [_("Not used by the '%(action)s' action.", action=action)] for f in unused})
    if "approved_by_id" in data:
        raise retired_approver_field()
    data = {k: v for k, v in data.items() if v is not None}  # null is "not given"
    try:
        approval = act_or_request(case, action, data, actor=user, expected_version=version)
    except StaleVersion as exc:
        return _stale(case, user, exc)
    if approval is not None:
        db.session.flush()
        response = jsonify({"approval": approval_json(approval)})
        response.status_code = 202
        response.headers["Location"] = url_for("api.get_approval", approval_id=approval.id)
        return response
    return _case_response(case, user)


@api_route("/cases/<int:case_id>/events", "POST", summary="Record a timeline event", tag="cases", roles=CASE_ROLES,
           body=cs.CaseEventIn, errors=[404, 409], error_models=CONFLICT, responses={201: cs.CaseDetailOut})
def add_case_event(user, case_id: int, body: cs.CaseEventIn):
    """Extension: a step on the timeline (served, defence received, hearing, evidence saved, decision, penalty
    served, fine paid, transfer to judicial organs, note) once the case is filed (409 before). No version is
    needed: events only add to the timeline."""
    case = _load(case_id, user)
    operations.add_event(case, body.model_dump(exclude_unset=True), actor=user)
    return _case_response(case, user, 201)


# Evidence ------------------------------------------------------------------------------------------------------

@api_route("/cases/<int:case_id>/attachments", "POST", summary="Upload an evidence file", tag="cases",
           roles=CASE_ROLES, multipart=cs.UPLOAD_FORM, errors=[404], responses={201: cs.AttachmentOut})
def upload_attachment(user, case_id: int):
    """multipart/form-data with ``file`` and an optional ``description``. The type is detected from the content
    (the name's extension must agree); web pages, SVG, scripts, programs and archives are refused (422). The
    name is kept for display only; the file is stored under a random name and served only by the download
    route. Larger than the upload limit: 413."""
    case = _load_lead(case_id, user)
    if request.mimetype != "multipart/form-data":
        raise ValidationFailed(_("Multipart body required."),
                               {"body": [_("Send multipart/form-data with a 'file' part.")]})
    errors = {name: [_("Unknown field.")] for name in sorted(set(request.form) - {"description"})}
    errors.update({name: [_("Unknown field.")] for name in sorted(set(request.files) - {"file"})})
    if len(request.files.getlist("file")) > 1:
        errors["file"] = [_("Send one file per request.")]
    if len(request.form.getlist("description")) > 1:
        errors["description"] = [_("Send one description.")]
    if "file" not in request.files:
        errors.setdefault("file", []).append(_("Required."))
    if errors:
        raise ValidationFailed(_("Invalid upload."), errors)
    attachment = store_attachment(case, request.files["file"], description=request.form.get("description"),
                                  actor=user)
    response = jsonify(attachment_json(attachment))
    response.status_code = 201
    response.headers["Location"] = attachment_json(attachment)["url"]
    return response


@api_route("/cases/<int:case_id>/attachments/<int:attachment_id>", "GET", summary="Download an evidence file",
           tag="cases", roles=CASE_ROLES, errors=[404],
           responses={200: Binary("application/octet-stream", "The file, as a download (Content-Disposition: "
                                  "attachment; Content-Type: the type detected at upload; nosniff).")})
def download_attachment(user, case_id: int, attachment_id: int):
    """The stored bytes, never rendered by the browser (attachment disposition, nosniff, sandboxing CSP)."""
    case = _load(case_id, user)
    return open_attachment(queries.get_attachment_or_404(case, attachment_id))


# From a hotline call -------------------------------------------------------------------------------------------

@api_route("/calls/<int:call_id>/case", "POST", summary="Open a case from a call", tag="cases",
           roles=operations.OPEN_FROM_CALL_ROLES, body=cs.CallCaseIn, errors=[404, 409],
           headers={"If-Match": "The call's version (alternative to \"version\" in the body)."},
           responses={201: cs.CaseDetailOut})
def open_case_from_call(user, call_id: int, body: cs.CallCaseIn):
    """201 with the new case in status ``received``, linked to the call; the call becomes ``case_opened``. The
    case takes the call's facts (a report opens a counterfeit case, other requests an infringement dispute;
    region, receipt date, accused party, patent number, summary); the fields sent override them (``{}`` for
    none). A stale call version answers 409 with the current call; a call that cannot open a case (already
    transferred, closed …) 409."""
    call = call_queries.get_call_or_404(call_id, user)
    g.api_call_id = call.id
    data = body.model_dump(exclude_unset=True)
    version = expected_version(data.pop("version", None))
    case = operations.open_case_from_call(call, data, actor=user, expected_version=version)
    return _case_response(case, user, 201)
