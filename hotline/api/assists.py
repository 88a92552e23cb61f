"""API v1: cooperation across regions (api.md "Regions and cooperation").

协查: the case's lead region asks another region (POST /cases/{id}/assists); both regions read the request; the
assisting region answers, declines or sends evidence files (409 naming the status once it is no longer pending,
403 for the asking side). The assisting region reads only what the request shares: the case itself stays 404 to
it. 联合办案: a supervisor of the lead region joins other regions to a case (POST /cases/{id}/joint).
@api_route authenticates, checks the role, validates the input and commits.
"""

from __future__ import annotations

from flask import jsonify, request, url_for

from hotline.api import assist_schemas as ass
from hotline.api import case_schemas as cs
from hotline.api.queries import _decode_id_cursor, _encode_id_cursor, expected_version
from hotline.api.registry import Binary, api_route
from hotline.assists import operations, queries
from hotline.assists.models import Assist
from hotline.cases import queries as case_queries
from hotline.cases.attachments import open_attachment
from hotline.core.clock import local_today
from hotline.core.errors import StaleVersion, ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.deadlines.calendar import WorkCalendar
from hotline.extensions import db

ROLES = operations.ROLES
IF_MATCH = {"If-Match": "The request's version (alternative to \"version\" in the body)."}
CONFLICT = {409: ass.AssistConflictOut}


def assist_json(assist: Assist, today=None, cal=None) -> dict:
    """The request as both regions read it, with the working days of the assisting region left until it is due."""
    from hotline.api.serializers import iso
    from hotline.deadlines.calendar import WorkCalendar
    from hotline.inbox.items import working_days_left

    today = today or local_today()
    cal = cal or WorkCalendar()
    left, overdue, _missing = working_days_left(cal.for_region(assist.region_code), today, assist.due_on)
    return {
        "id": assist.id,
        "version": assist.version,
        "case_id": assist.case_id,
        "case_number": assist.case.case_number,
        "case_summary": assist.case_summary,
        "from_region_code": assist.from_region_code,
        "region_code": assist.region_code,
        "kind": assist.kind,
        "request": assist.request,
        "due_on": assist.due_on.isoformat(),
        "overdue": assist.is_pending and overdue,
        "working_days_left": left if assist.is_pending else None,
        "status": assist.status,
        "result": assist.result,
        "decline_reason": assist.decline_reason,
        "files": [{"id": f.attachment.id, "original_name": f.attachment.original_name, "size": f.attachment.size,
                   "content_type": f.attachment.content_type, "sha256": f.attachment.sha256,
                   "description": f.attachment.description, "uploaded_at": iso(f.attachment.uploaded_at),
                   "url": url_for("api.download_assist_file", assist_id=assist.id, attachment_id=f.attachment.id)}
                  for f in assist.files],
        "sent_on": assist.sent_on.isoformat(),
        "answered_at": iso(assist.answered_at),
        "declined_at": iso(assist.declined_at),
        "created_at": iso(assist.created_at),
        "updated_at": iso(assist.updated_at),
    }


def _response(assist: Assist, status: int = 200):
    db.session.flush()  # the version in the answer is the one the commit writes
    response = jsonify(assist_json(assist))
    response.status_code = status
    response.headers["ETag"] = f'"{assist.version}"'
    if status == 201:
        response.headers["Location"] = url_for("api.get_assist", assist_id=assist.id)
    return response


def _run(assist: Assist, step):
    """Run a step; a stale version answers 409 with the request as it is now."""
    try:
        step()
    except StaleVersion as exc:
        db.session.rollback()
        db.session.refresh(assist)
        return jsonify({"error": "Conflict", "message": exc.message, "current": assist_json(assist)}), 409
    return _response(assist)


@api_route("/cases/<int:case_id>/assists", "POST", summary="Ask another region for assistance (协查)",
           tag="cooperation", roles=ROLES, body=ass.AssistIn, errors=[404, 409], responses={201: ass.AssistOut})
def request_assist(user, case_id: int, body: ass.AssistIn):
    """An officer or supervisor of the case's lead region asks another region (422 for the case's own or an
    unknown one) with what is asked and a due date. The assisting region reads ``case_summary`` and ``request``
    only. 409 on a closed or not accepted case; 403 for a region joined to the case (the lead region asks)."""
    case = case_queries.get_case_or_404(case_id, user)
    assist = operations.request_assist(case, body.model_dump(exclude_unset=True), actor=user)
    return _response(assist, 201)


@api_route("/assists", "GET", summary="List assistance requests (newest first)", tag="cooperation", roles=ROLES,
           query=ass.AssistListQuery, responses={200: ass.AssistPageOut})
def list_assists(user, query: ass.AssistListQuery):
    """Those sent from and asked of the regions you see; ``direction`` keeps one side."""
    cursor = _decode_id_cursor(query.cursor) if query.cursor else None
    today = local_today()
    rows, next_cursor = queries.list_assists(user, status=query.status, direction=query.direction, cursor=cursor,
                                             page_size=query.page_size)
    cal = WorkCalendar()
    return jsonify({"items": [assist_json(a, today, cal) for a in rows],
                    "next_cursor": _encode_id_cursor(next_cursor) if next_cursor else None})


@api_route("/assists/<int:assist_id>", "GET", summary="Read an assistance request", tag="cooperation",
           roles=ROLES, errors=[404], responses={200: ass.AssistOut})
def get_assist(user, assist_id: int):
    """Both regions read it (404 for any other). The ETag header carries the version to send back as If-Match."""
    return _response(queries.get_assist_or_404(assist_id, user))


@api_route("/assists/<int:assist_id>/answer", "POST", summary="Answer an assistance request", tag="cooperation",
           roles=ROLES, body=ass.AssistAnswerIn, errors=[404, 409], error_models=CONFLICT, headers=IF_MATCH,
           responses={200: ass.AssistOut})
def answer_assist(user, assist_id: int, body: ass.AssistAnswerIn):
    """The assisting region's result (send the evidence files first, POST .../attachments). pending → answered."""
    assist = queries.get_assist_or_404(assist_id, user)
    return _run(assist, lambda: operations.answer_assist(assist, body.result, actor=user,
                                                         expected_version=expected_version(body.version)))


@api_route("/assists/<int:assist_id>/decline", "POST", summary="Decline an assistance request", tag="cooperation",
           roles=ROLES, body=ass.AssistDeclineIn, errors=[404, 409], error_models=CONFLICT, headers=IF_MATCH,
           responses={200: ass.AssistOut})
def decline_assist(user, assist_id: int, body: ass.AssistDeclineIn):
    """The assisting region declines with a reason. pending → declined."""
    assist = queries.get_assist_or_404(assist_id, user)
    return _run(assist, lambda: operations.decline_assist(assist, body.reason, actor=user,
                                                          expected_version=expected_version(body.version)))


@api_route("/assists/<int:assist_id>/attachments", "POST", summary="Send an evidence file with the answer",
           tag="cooperation", roles=ROLES, multipart=cs.UPLOAD_FORM, errors=[404, 409],
           responses={201: ass.AssistOut})
def upload_assist_file(user, assist_id: int):
    """multipart/form-data with ``file`` and an optional ``description``, checked as the case's evidence is (422
    for a refused type). The assisting region sends it while the request is pending (409 after); it becomes
    evidence of the asking case."""
    assist = queries.get_assist_or_404(assist_id, user)
    if request.mimetype != "multipart/form-data":
        raise ValidationFailed(_("Multipart body required."),
                               {"body": [_("Send multipart/form-data with a 'file' part.")]})
    errors = {name: [_("Unknown field.")] for name in sorted(set(request.form) - {"description"})}
    errors.update({name: [_("Unknown field.")] for name in sorted(set(request.files) - {"file"})})
    if len(request.files.getlist("file")) > 1:
        errors["file"] = [_("Send one file per request.")]
    if "file" not in request.files:
        errors.setdefault("file", []).append(_("Required."))
    if errors:
        raise ValidationFailed(_("Invalid upload."), errors)
    operations.add_file(assist, request.files["file"], description=request.form.get("description"), actor=user)
    db.session.refresh(assist, ["files"])
    return _response(assist, 201)


@api_route("/assists/<int:assist_id>/attachments/<int:attachment_id>", "GET",
           summary="Download an evidence file of an assistance request", tag="cooperation", roles=ROLES,
           errors=[404], responses={200: Binary("application/octet-stream", "The file, as a download.")})
def download_assist_file(user, assist_id: int, attachment_id: int):
    """Both regions of the request download the files sent with it."""
    assist = queries.get_assist_or_404(assist_id, user)
    for linked in assist.files:
        if linked.attachment_id == attachment_id:
            return open_attachment(linked.attachment)
    from flask import abort

    abort(404)


@api_route("/cases/<int:case_id>/joint", "POST", summary="Run a case jointly (联合办案)", tag="cooperation",
           roles=(operations.Role.supervisor,), body=ass.JointIn, errors=[404, 409],
           responses={200: cs.CaseDetailOut})
def join_regions(user, case_id: int, body: ass.JointIn):
    """A supervisor of the case's lead region joins other regions: their users read the case (list, search,
    detail, evidence) and add events; the lead region keeps its steps (file, close, decide: 403 for the joined)
    and the statistics count the case in the lead region only. Regions already joined stay."""
    from hotline.api.case_serializers import case_detail_json

    case = case_queries.get_case_or_404(case_id, user)
    operations.join_regions(case, list(body.region_codes), actor=user)
    db.session.flush()
    response = jsonify(case_detail_json(case, user))
    response.headers["ETag"] = f'"{case.version}"'
    return response
