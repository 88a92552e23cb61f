"""API v1: transfers (api.md "Transfers (转办)"): list, read, and the steps of the cycle.

The receiving region signs, returns and answers; the hotline calls the caller back and reopens once. Records
outside the user's regions answer 404; a step that does not fit the status 409 naming it; the wrong side 403.
@api_route authenticates, checks the role, validates the input and commits.
"""

from __future__ import annotations

from flask import jsonify

from hotline.api import schemas as s
from hotline.api.queries import _decode_id_cursor, _encode_id_cursor, expected_version
from hotline.api.registry import api_route
from hotline.api.transfer_serializers import transfer_json
from hotline.core.clock import local_today
from hotline.core.errors import StaleVersion, ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.extensions import db
from hotline.reference import queries as ref
from hotline.transfers import operations, queries
from hotline.transfers.models import Transfer

READ_ROLES = operations.READ_ROLES
RECEIVING_ROLES = operations.RECEIVING_ROLES
IF_MATCH = {"If-Match": "The transfer's version (alternative to \"version\" in the body)."}
CONFLICT = {409: s.TransferConflictOut}


def _response(transfer: Transfer, status: int = 200):
    db.session.flush()  # the version in the answer is the one the commit writes
    response = jsonify(transfer_json(transfer))
    response.status_code = status
    response.headers["ETag"] = f'"{transfer.version}"'
    return response


def _run(transfer: Transfer, step):
    """Run a step; a stale version answers 409 with the transfer as it is now."""
    try:
        step()
    except StaleVersion as exc:
        db.session.rollback()
        db.session.refresh(transfer)
        return jsonify({"error": "Conflict", "message": exc.message, "current": transfer_json(transfer)}), 409
    return _response(transfer)


@api_route("/transfers", "GET", summary="List transfers (newest first)", tag="transfers", roles=READ_ROLES,
           query=s.TransferListQuery, responses={200: s.TransferPageOut})
def list_transfers(user, query: s.TransferListQuery):
    """Transfers sent from or to the regions you see. ``region_code`` is the receiving region; a region outside
    yours matches nothing."""
    if query.region_code and query.region_code not in ref.region_map():
        raise ValidationFailed(_("Unknown region."),
                               {"region_code": [_("Unknown region %(code)r.", code=query.region_code)]})
    cursor = _decode_id_cursor(query.cursor) if query.cursor else None
    filters = queries.TransferFilters(status=query.status, region_code=query.region_code, overdue=query.overdue,
                                      call_id=query.call_id)
    today = local_today()
    rows, next_cursor = queries.list_transfers(user, filters, today=today, cursor=cursor,
                                               page_size=query.page_size)
    return jsonify({"items": [transfer_json(t, today) for t in rows],
                    "next_cursor": _encode_id_cursor(next_cursor) if next_cursor else None})


@api_route("/transfers/<int:transfer_id>", "GET", summary="Read a transfer", tag="transfers", roles=READ_ROLES,
           errors=[404], responses={200: s.TransferOut})
def get_transfer(user, transfer_id: int):
    """With ``deadlines`` (签收, 反馈, 回访), each naming the rule that produced it. The ETag header carries the
    version to send back as If-Match."""
    return _response(queries.get_transfer_or_404(transfer_id, user))


@api_route("/transfers/<int:transfer_id>/sign", "POST", summary="Sign for a transfer (签收)", tag="transfers",
           roles=RECEIVING_ROLES, body=s.SignIn, body_required=False, errors=[404, 409], error_models=CONFLICT,
           headers=IF_MATCH, responses={200: s.TransferOut})
def sign_transfer(user, transfer_id: int, body: s.SignIn):
    """The receiving region (officer, supervisor, or the province's) takes the matter; ``complex`` gives 120 days
    to answer instead of 90. For another agency the hotline's supervisor records its receipt."""
    transfer = queries.get_transfer_or_404(transfer_id, user)
    return _run(transfer, lambda: operations.sign_transfer(
        transfer, complex_matter=body.complex, actor=user, expected_version=expected_version(body.version)))


@api_route("/transfers/<int:transfer_id>/return", "POST", summary="Return a transfer (退回)", tag="transfers",
           roles=RECEIVING_ROLES, body=s.ReasonIn, errors=[404, 409], error_models=CONFLICT, headers=IF_MATCH,
           responses={200: s.TransferOut})
def return_transfer(user, transfer_id: int, body: s.ReasonIn):
    """Before signing, the receiving region sends the matter back with a reason; the hotline may transfer the
    call elsewhere."""
    transfer = queries.get_transfer_or_404(transfer_id, user)
    return _run(transfer, lambda: operations.return_transfer(
        transfer, body.reason, actor=user, expected_version=expected_version(body.version)))


@api_route("/transfers/<int:transfer_id>/pass-down", "POST", summary="Pass a transfer down to a county (下转)",
           tag="transfers", roles=RECEIVING_ROLES, body=s.PassDownIn, errors=[404, 409], error_models=CONFLICT,
           headers=IF_MATCH, responses={200: s.TransferOut})
def pass_down_transfer(user, transfer_id: int, body: s.PassDownIn):
    """Before signing, the receiving 市州 office hands the transfer to one of its counties, whose inbox gets it to
    sign for; the deadlines stay. 409 when the transfer is signed, answered or closed; 422 for an office that is
    not below the receiving region."""
    transfer = queries.get_transfer_or_404(transfer_id, user)
    return _run(transfer, lambda: operations.pass_down_transfer(
        transfer, body.region_code, body.note, actor=user, expected_version=expected_version(body.version)))


@api_route("/transfers/<int:transfer_id>/answer", "POST", summary="Answer a transfer (反馈)", tag="transfers",
           roles=READ_ROLES, body=s.AnswerIn, errors=[404, 409], error_models=CONFLICT, headers=IF_MATCH,
           responses={200: s.TransferOut})
def answer_transfer(user, transfer_id: int, body: s.AnswerIn):
    """The result of a signed transfer; ``case_opened`` names the case (the one opened from the transfer by
    default). For another agency the hotline enters the agency's answer."""
    transfer = queries.get_transfer_or_404(transfer_id, user)
    data = body.model_dump(exclude={"version"})
    return _run(transfer, lambda: operations.answer_transfer(
        transfer, data, actor=user, expected_version=expected_version(body.version)))


@api_route("/transfers/<int:transfer_id>/callback", "POST", summary="Record the call-back (回访)",
           tag="transfers", roles=READ_ROLES, body=s.CallbackIn, errors=[404, 409], error_models=CONFLICT,
           headers=IF_MATCH, responses={200: s.TransferOut})
def callback_transfer(user, transfer_id: int, body: s.CallbackIn):
    """The hotline (operator, supervisor) told the caller the answer: reached and satisfied or basically
    satisfied closes the transfer and the call; dissatisfied may be reopened once; not reached, tried again."""
    transfer = queries.get_transfer_or_404(transfer_id, user)
    data = body.model_dump(exclude={"version"})
    return _run(transfer, lambda: operations.callback_transfer(
        transfer, data, actor=user, expected_version=expected_version(body.version)))


@api_route("/transfers/<int:transfer_id>/reopen", "POST", summary="Reopen a transfer (重办)", tag="transfers",
           roles=READ_ROLES, body=s.ReasonIn, errors=[404, 409], error_models=CONFLICT, headers=IF_MATCH,
           responses={200: s.TransferOut})
def reopen_transfer(user, transfer_id: int, body: s.ReasonIn):
    """Once, after a dissatisfied call-back: the matter goes back to the region with new sign and answer
    clocks."""
    transfer = queries.get_transfer_or_404(transfer_id, user)
    return _run(transfer, lambda: operations.reopen_transfer(
        transfer, body.reason, actor=user, expected_version=expected_version(body.version)))
