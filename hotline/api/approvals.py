"""API v1: approvals (审批, api.md "Approvals"): list, read, decide, cancel.

An officer's approval-bound case action (POST /cases/{id}/actions) answers 202 with the pending approval (see
hotline/api/cases.py); a supervisor of the case's region or above who is not one of its officers decides it here.
"""

from __future__ import annotations

from flask import abort, jsonify

from hotline.api import approval_schemas as aps
from hotline.api.case_serializers import case_detail_json
from hotline.api.queries import expected_version
from hotline.api.registry import api_route
from hotline.approvals import operations, queries
from hotline.approvals.models import Approval
from hotline.cases.operations import CASE_ROLES
from hotline.core.errors import StaleVersion, ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.permissions import Role
from hotline.extensions import db
from hotline.reference import queries as ref


def approval_json(approval: Approval) -> dict:
    return {
        "id": approval.id, "version": approval.version, "case_id": approval.case_id,
        "case_number": approval.case.case_number, "region_code": approval.region_code, "action": approval.action,
        "params": approval.params, "reason": approval.reason, "status": approval.status,
        "requested_by_id": approval.requested_by_id,
        "requested_by_name": approval.requested_by.display_name if approval.requested_by else None,
        "requested_at": approval.requested_at.isoformat(),
        "due_on": approval.due_on.isoformat() if approval.due_on else None,
        "decided_by_id": approval.decided_by_id,
        "decided_by_name": approval.decided_by.display_name if approval.decided_by else None,
        "decided_at": approval.decided_at.isoformat() if approval.decided_at else None,
        "decision_reason": approval.decision_reason, "changes": approval.changes,
    }


def _stale(approval: Approval, exc: StaleVersion):
    """409 with the approval as it is now."""
    db.session.rollback()
    db.session.refresh(approval)
    return jsonify({"error": "Conflict", "message": exc.message, "current": approval_json(approval)}), 409


def _response(approval: Approval, status: int = 200, **extra):
    db.session.flush()
    response = jsonify({"approval": approval_json(approval), **extra})
    response.status_code = status
    response.headers["ETag"] = f'"{approval.version}"'
    return response


@api_route("/approvals", "GET", summary="List approvals", tag="approvals", roles=CASE_ROLES,
           query=aps.ApprovalListQuery, responses={200: aps.ApprovalListOut})
def list_approvals(user, query: aps.ApprovalListQuery):
    """Approvals of cases in your regions: those you may decide first (oldest clock first), then the others,
    newest request first. At most 200."""
    if query.region_code and query.region_code not in ref.region_map():
        raise ValidationFailed(_("Unknown region."),
                               {"region_code": [_("Unknown region %(code)r.", code=query.region_code)]})
    rows = queries.list_approvals(user, status=query.status, region_code=query.region_code)
    return jsonify({"items": [approval_json(a) for a in rows]})


@api_route("/approvals/<int:approval_id>", "GET", summary="Read an approval", tag="approvals", roles=CASE_ROLES,
           errors=[404], responses={200: aps.ApprovalWrapOut})
def get_approval(user, approval_id: int):
    """What is asked and why, the state and the decision. 404 outside your regions."""
    return _response(queries.get_approval_or_404(approval_id, user))


@api_route("/approvals/<int:approval_id>/decision", "POST", summary="Decide an approval", tag="approvals",
           roles=(Role.supervisor,), body=aps.DecisionIn, errors=[404, 409],
           headers={"If-Match": "The approval's version (optional)."}, responses={200: aps.ApprovalDecidedOut})
def decide_approval(user, approval_id: int, body: aps.DecisionIn):
    """``approve`` applies the case action with you as the approver, in the same transaction (with ``changes``
    to the days or amounts, within the rule's maximum); ``reject`` needs a reason. Only a supervisor of the
    case's region or above who is neither the requester nor one of the case's officers decides (403); a request
    already decided, or one the case no longer allows (closed meanwhile …), answers 409 naming the status."""
    approval = queries.get_approval_or_404(approval_id, user)
    data = body.model_dump(exclude_unset=True)
    try:
        operations.decide_approval(approval, data["decision"], actor=user, reason=data.get("reason"),
                                   changes=data.get("changes"),
                                   expected_version=expected_version(data.get("version")))
    except StaleVersion as exc:
        return _stale(approval, exc)
    db.session.flush()
    return _response(approval, case=case_detail_json(approval.case, user))


@api_route("/approvals/<int:approval_id>/cancel", "POST", summary="Cancel your request", tag="approvals",
           roles=CASE_ROLES, body=aps.CancelIn, body_required=False, errors=[404, 409],
           headers={"If-Match": "The approval's version (optional)."}, responses={200: aps.ApprovalWrapOut})
def cancel_approval(user, approval_id: int, body: aps.CancelIn):
    """The requester takes back a pending request (404 for anyone else: it is not their request; 409 once
    decided)."""
    approval = queries.get_approval_or_404(approval_id, user)
    if approval.requested_by_id != user.id:
        abort(404)
    data = body.model_dump(exclude_unset=True)
    try:
        operations.cancel_approval(approval, actor=user, expected_version=expected_version(data.get("version")))
    except StaleVersion as exc:
        return _stale(approval, exc)
    return _response(approval)
