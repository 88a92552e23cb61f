"""API v1 endpoints (api.md). Each view: load → authorize → operation → respond; @api_route authenticates,
validates the input and commits."""

from __future__ import annotations

from flask import abort, g, jsonify, url_for

from hotline.api import (
    errors,  # noqa: F401  (registers the API error handlers)
    logger,
)
from hotline.api import schemas as s
from hotline.api.queries import call_filters, expected_version, list_users
from hotline.api.registry import Binary, api_route, build_openapi
from hotline.api.serializers import (
    call_json,
    call_summary_json,
    caller_fields,
    duplicate_json,
    phone_for,
    sees_pii,
    user_json,
)
from hotline.calls import operations, queries
from hotline.calls.models import Call
from hotline.calls.phones import PhoneError, parse_phone
from hotline.core.errors import ValidationFailed
from hotline.core.health import health_report
from hotline.core.i18n import gettext as _
from hotline.core.permissions import CALL_READ_ROLES, CALL_WRITE_ROLES, REVEAL_ROLES, Role, require
from hotline.core.xlsx import XLSX_MIMETYPE, xlsx_response
from hotline.reference.queries import default_area_code as _default_area_code
from hotline.reference.queries import list_regions
from hotline.transfers.queries import preload_transfers

MAX_ID = 2**63 - 1
IF_MATCH = {"If-Match": "The version you edited (alternative to \"version\" in the body)."}


def _load_call(call_id: int, user) -> Call:
    """The call if it is in the user's region (404 otherwise); remembered for the conflict handler."""
    if call_id > MAX_ID:  # the int converter has no upper bound; the databases do
        abort(404)
    call = queries.get_call_or_404(call_id, user)
    g.api_call_id = call.id
    return call


def _call_response(call: Call, user, status: int = 200, **extra):
    response = jsonify({**call_json(call, user), **extra})
    response.status_code = status
    response.headers["ETag"] = f'"{call.version}"'
    return response


# Calls --------------------------------------------------------------------------------------------------------

@api_route("/calls", "POST", summary="Log a call", roles=CALL_WRITE_ROLES, body=s.CallCreate, errors=[409],
           responses={201: s.CallCreatedOut, 200: s.CallCreatedOut})
def create_call(user, body: s.CallCreate):
    """Intake: the call is stored at once; possible duplicates of the last 90 days are listed in the answer.
    With a ``cti_call_id`` already logged: 200 and that call (a retried POST never makes a second call)."""
    call, created, hints = operations.record_call_once_with_duplicates(body.model_dump(exclude_unset=True),
                                                                       actor=user)
    if not created:
        return _call_response(call, user, 200, possible_duplicates=[])
    response = _call_response(call, user, 201, possible_duplicates=[duplicate_json(h) for h in hints])
    response.headers["Location"] = url_for("api.get_call", call_id=call.id)
    return response


@api_route("/calls", "GET", summary="List calls (newest first)", roles=CALL_READ_ROLES, query=s.CallListQuery,
           responses={200: s.CallPageOut})
def list_calls(user, query: s.CallListQuery):
    """Filters combine with AND. A region outside yours matches nothing."""
    filters = call_filters(query)
    calls, next_cursor = queries.list_calls(user, filters, cursor=query.cursor, page_size=query.page_size)
    preload_transfers(calls)
    return jsonify({"items": [call_json(c, user) for c in calls], "next_cursor": next_cursor})


@api_route("/calls.xlsx", "GET", summary="The call list as a spreadsheet", roles=CALL_READ_ROLES,
           query=s.CallListQuery,
           responses={200: Binary(XLSX_MIMETYPE, "XLSX: every call of the list with these filters, newest first "
                                                 "(callers masked as in the list for roles that see them masked; "
                                                 "page_size and cursor do not apply). Content-Disposition: "
                                                 "attachment.")})
def export_calls(user, query: s.CallListQuery):
    """The same filters as GET /calls (unknown codes → 422). The export is audited (rows and filter names)."""
    from hotline.calls.exports import export_calls as write
    from hotline.core.exports import api_filters, audit_export

    filters = call_filters(query.model_copy(update={"cursor": None}))
    shown, codes = api_filters(query)
    out, count = write(user, filters, shown)
    audit_export(user, "calls", count, filters=codes)
    return xlsx_response(out, "calls.xlsx")


@api_route("/calls/<int:call_id>", "GET", summary="Read a call", roles=CALL_READ_ROLES, errors=[404],
           responses={200: s.CallOut})
def get_call(user, call_id: int):
    """The ETag header carries the version to send back as If-Match."""
    return _call_response(_load_call(call_id, user), user)


@api_route("/calls/<int:call_id>", "PATCH", summary="Edit a call", roles=CALL_WRITE_ROLES, body=s.CallPatch,
           errors=[404, 409], headers=IF_MATCH, responses={200: s.CallOut})
def patch_call(user, call_id: int, body: s.CallPatch):
    """Only the fields sent change. A stale version answers 409 with the current call."""
    call = _load_call(call_id, user)
    data = body.model_dump(exclude_unset=True)
    version = expected_version(data.pop("version", None))
    operations.update_call(call, data, actor=user, expected_version=version)
    return _call_response(call, user)


@api_route("/calls/<int:call_id>/transfer", "POST", summary="Transfer a call", roles=CALL_WRITE_ROLES,
           body=s.TransferIn, errors=[404, 409], headers=IF_MATCH, responses={200: s.CallOut})
def transfer_call(user, call_id: int, body: s.TransferIn):
    """To a 市州 office (``to`` is its region code; the call moves to that region) or another agency (its name).
    The answer carries the new ``transfer`` (pending: the region signs for it); a call whose transfer was returned
    may be transferred again, elsewhere."""
    call = _load_call(call_id, user)
    operations.transfer_call(call, body.to, body.note, actor=user, expected_version=expected_version(body.version))
    return _call_response(call, user)


@api_route("/calls/<int:call_id>/status", "POST", summary="Mark a call answered or not accepted",
           roles=CALL_WRITE_ROLES, body=s.StatusIn, errors=[404, 409], headers=IF_MATCH, responses={200: s.CallOut})
def set_call_status(user, call_id: int, body: s.StatusIn):
    """Extension: ``answered`` (consultation dealt with) or ``not_accepted`` (with a reason)."""
    call = _load_call(call_id, user)
    operations.set_call_status(call, body.status, reason=body.reason, actor=user,
                               expected_version=expected_version(body.version))
    return _call_response(call, user)


@api_route("/calls/<int:call_id>/feedback", "POST", summary="Record the feedback given to the caller",
           roles=CALL_WRITE_ROLES, body=s.FeedbackIn, errors=[404, 409], headers=IF_MATCH, responses={200: s.CallOut})
def record_feedback(user, call_id: int, body: s.FeedbackIn):
    """Extension: records how and what the caller was told; this closes the call."""
    call = _load_call(call_id, user)
    operations.record_feedback(call, method=body.method, note=body.note, given_at=body.given_at, actor=user,
                               expected_version=expected_version(body.version))
    return _call_response(call, user)


@api_route("/calls/<int:call_id>/reveal", "POST", summary="Reveal the caller's name and number",
           roles=CALL_READ_ROLES, errors=[404], responses={200: s.RevealOut})
def reveal_caller(user, call_id: int):
    """Extension: full personal data for a role that sees it masked; every reveal is audited.
    Roles that see it anyway (operators) get the same answer without an audit entry."""
    call = _load_call(call_id, user)
    if sees_pii(user):
        return jsonify(caller_fields(call, user))
    require(user.role in REVEAL_ROLES)
    return jsonify(operations.reveal_caller(call, actor=user))


@api_route("/callers/<phone>/history", "GET", summary="Earlier calls of a number", roles=CALL_READ_ROLES,
           errors=[422, 429], responses={200: s.CallerHistoryOut})
def caller_history(user, phone: str):
    """Within your region, newest first; the number is masked for roles that do not see personal data.
    An unknown number answers an empty list. For those roles a full number is a reveal: the calls it shows are
    audited, and distinct numbers are limited per user (429 with Retry-After beyond the limit)."""
    try:
        parsed = parse_phone(phone, _default_area_code())
    except PhoneError as exc:
        raise ValidationFailed(_("Invalid number."), {"phone": [str(exc)]}) from None
    if parsed is None:
        raise ValidationFailed(_("Invalid number."), {"phone": [_("A phone number is required.")]})
    try:
        counted = operations.record_number_lookup(user, parsed.key)
    except operations.TooManyLookups as exc:
        logger.warning("number look-ups of user %s throttled", user.id)
        response = jsonify({"error": "Too Many Requests", "message": exc.message})
        response.headers["Retry-After"] = str(exc.retry_after)
        return response, 429  # committed by @api_route: the refusal's audit row
    caller = queries.find_caller(parsed.key)
    if caller is None:
        return jsonify({"phone": phone_for(user, parsed.key), "calls": [], "total": 0})
    calls = queries.caller_history(user, caller)
    if counted:
        operations.audit_number_lookup(calls, actor=user)
    return jsonify({"phone": phone_for(user, parsed.key), "calls": [call_summary_json(c) for c in calls],
                    "total": queries.count_caller_calls(user, caller)})


# Reference and system -----------------------------------------------------------------------------------------

@api_route("/regions", "GET", summary="The installation's region tree", tag="reference",
           query=s.RegionListQuery, responses={200: s.RegionListOut})
def regions(user, query: s.RegionListQuery):
    """The province's regions: its 市州 in the order of the statistics tables, the province, then every 市州's
    counties. ``parent_code`` lists the regions directly below one region (422 for an unknown one)."""
    from hotline.reference.queries import list_counties, region_map

    rows = [*list_regions(), *list_counties()]
    if query.parent_code is not None:
        if query.parent_code not in region_map():
            raise ValidationFailed(_("Unknown region."), {"parent_code": [_("Unknown region.")]})
        rows = [r for r in rows if r.parent_code == query.parent_code]
    items = [{"code": r.code, "name": r.name, "short_name": r.short_name, "stat_label": r.stat_label,
              "level": r.level, "parent_code": r.parent_code, "area_code": r.area_code,
              "authority_name": r.authority_name} for r in rows]
    return jsonify({"items": items, "next_cursor": None})


@api_route("/me", "GET", summary="The token's user", tag="reference", responses={200: s.MeOut})
def me(user):
    return jsonify(user_json(user))


@api_route("/users", "GET", summary="Users in your region", tag="reference", roles={Role.supervisor, Role.admin},
           query=s.UserListQuery, responses={200: s.UserPageOut})
def users(user, query: s.UserListQuery):
    """Province users see every region's users; others their own region's. A region outside yours matches
    nothing."""
    rows, next_cursor = list_users(user, role=query.role, region_code=query.region_code, cursor=query.cursor,
                                   page_size=query.page_size)
    return jsonify({"items": [user_json(u, with_active=True) for u in rows], "next_cursor": next_cursor})


@api_route("/health", "GET", summary="Health of the database, Redis and the worker", tag="system", auth=False,
           responses={200: s.HealthOut, 503: s.HealthOut})
def health():
    """No authentication, no secrets. 503 when the database is down."""
    report = health_report()
    return jsonify(report), 200 if report["database"] == "ok" else 503


@api_route("/openapi.json", "GET", summary="This document", tag="system", auth=False,
           responses={200: {"type": "object", "description": "OpenAPI 3.1 document."}})
def openapi():
    return jsonify(build_openapi())


from hotline.api import answers as _answer_views  # noqa: E402, F401  (standard answers: search, write, edit)
from hotline.api import approvals as _approval_views  # noqa: E402, F401  (approvals: list, read, decide)
from hotline.api import assists as _assist_views  # noqa: E402, F401  (协查 and 联合办案)
from hotline.api import calendar as _calendar_views  # noqa: E402, F401  (GET /calendar/{year})
from hotline.api import campaigns as _campaign_views  # noqa: E402, F401  (campaigns and trade fairs)
from hotline.api import cases as _case_views  # noqa: E402, F401  (cases, evidence, POST /calls/{id}/case)
from hotline.api import cti as _cti_views  # noqa: E402, F401  (POST /cti/events)
from hotline.api import inbox as _inbox_views  # noqa: E402, F401  (inbox, notifications)
from hotline.api import search as _search_views  # noqa: E402, F401  (GET /search)
from hotline.api import stats as _stats_views  # noqa: E402, F401  (statistics, tasks, yearly reports)
from hotline.api import supervision as _supervision_views  # noqa: E402, F401  (supervision, the due list)
from hotline.api import transfers as _transfer_views  # noqa: E402, F401  (transfers: sign, answer, call back)
