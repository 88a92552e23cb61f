"""Approvals (审批): an officer's request, the supervisor's decision, the requester's cancellation.

``act_or_request`` is the one entry for an approval-bound case action (extend, close as penalized, publish,
withdraw; file when FILING_NEEDS_APPROVAL): a supervisor who may decide it acts directly — the case records them
as the approver, as deciding it themselves, and no approval row is written — anyone else gets a pending request,
checked in full against the case operation first (422 field errors, 409 for a wrong case status) and the case
unchanged. Approving runs the same case operation with the decider as approver, in the same transaction.
Operations flush and audit; the caller commits.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select

from hotline.approvals.models import CHANGEABLE, Approval, ApprovalAction, ApprovalStatus
from hotline.cases import operations as case_ops
from hotline.cases.models import Case, CaseStatus
from hotline.core import outbox
from hotline.core.audit import _plain, record_event
from hotline.core.clock import local_today
from hotline.core.errors import NotAllowed, StaleVersion, StateError, ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.i18n import pgettext
from hotline.core.permissions import supervises
from hotline.core.types import utcnow
from hotline.deadlines.calendar import CalendarMissing, WorkCalendar
from hotline.deadlines.engine import find_rule
from hotline.extensions import db
from hotline.notifications import events

DECISIONS = ("approve", "reject")
MONEY_FIELDS = ("fine_amount", "confiscated_amount")
CHANGEABLE_FIELDS = frozenset(f for fields in CHANGEABLE.values() for f in fields)


def status_word(status: str) -> str:
    words = {
        ApprovalStatus.pending.value: pgettext("approval status", "pending"),
        ApprovalStatus.approved.value: pgettext("approval status", "approved"),
        ApprovalStatus.rejected.value: pgettext("approval status", "rejected"),
        ApprovalStatus.cancelled.value: pgettext("approval status", "cancelled"),
        ApprovalStatus.obsolete.value: pgettext("approval status", "obsolete"),
    }
    return words.get(status, status)


def approval_action(action: str, data: dict) -> ApprovalAction | None:
    """The approval a case action needs with this input (None: it needs none)."""
    if not case_ops.needs_approval(action, data):
        return None
    return ApprovalAction.close_penalized if action == "close" else ApprovalAction(action)


def applies(action: str, case: Case) -> bool:
    """Could the request still be carried out on the case as it is now?"""
    status = case.status
    if action == ApprovalAction.extend:
        if status not in (CaseStatus.filed.value, CaseStatus.suspended.value):
            return False
        rule = find_rule(case.rule_set_code, "close", case.case_type)
        if rule is None or not rule.extension_amount:
            return False
        used = sum(e.months if rule.extension_unit == "months" else e.days for e in case.extensions)
        return used < rule.extension_amount
    if action == ApprovalAction.close_penalized:
        return status == CaseStatus.filed.value
    if action == ApprovalAction.publish:
        return status == CaseStatus.closed.value and case.outcome == "penalized" and not case.published_on
    if action == ApprovalAction.withdraw:
        return (status == CaseStatus.closed.value and bool(case.published_on)
                and not case.publication_withdrawn_on)
    if action == ApprovalAction.file:
        return status == CaseStatus.received.value
    return False


def approval_due_on(region_code: str, today: date, cal: WorkCalendar | None = None) -> date | None:
    """The approval clock: APPROVAL_WORKING_DAYS working days of the region after ``today`` (None when that
    year's calendar is not loaded)."""
    cal = (cal or WorkCalendar()).for_region(region_code)
    try:
        return cal.add_working_days(today, int(current_app.config.get("APPROVAL_WORKING_DAYS", 2)))
    except CalendarMissing:
        return None


def _check_request(case: Case, action: str, data: dict, *, actor) -> None:
    """Run the case operation on ``data`` in a savepoint that is rolled back: the request is refused exactly as
    the action would be (field errors, wrong status), and nothing of it stays."""
    info = {key: set(value) for key, value in db.session.info.items()
            if key in (outbox._WRITTEN, outbox._PENDING_TOPICS)}
    savepoint = db.session.begin_nested()
    try:
        case_ops.ACTIONS[action](case, dict(data), actor=actor, approver=case_ops.REQUEST_CHECK)
    finally:
        savepoint.rollback()
        for key in (outbox._WRITTEN, outbox._PENDING_TOPICS):
            db.session.info.pop(key, None)
        db.session.info.update(info)


def request_approval(case: Case, action: str, data: dict[str, Any], *, actor,
                     expected_version: int | None) -> Approval:
    """An officer asks for an approval-bound action: checked in full now, nothing changes on the case."""
    kind = approval_action(action, data)
    if kind is None:
        raise ValidationFailed(_("This action needs no approval."), {"action": [_("Needs no approval.")]})
    if "approved_by_id" in data:
        raise case_ops.retired_approver_field()
    case_ops._require_role(actor, case_ops.CASE_ROLES)
    case_ops._check_version(case, expected_version)
    data = dict(data)
    # The why of the request: extend and withdraw carry it into the case (their operations keep a reason),
    # close and publish only on the approval.
    keeps_reason = kind in (ApprovalAction.extend, ApprovalAction.withdraw)
    reason = data.get("reason") if keeps_reason else data.pop("reason", None)
    errors = case_ops._Errors()
    reason = case_ops._note({"reason": reason}, "reason", errors, required=kind is ApprovalAction.extend)
    if kind in (ApprovalAction.extend, ApprovalAction.withdraw):
        data["reason"] = reason
    pending = db.session.scalar(select(Approval.id).where(
        Approval.case_id == case.id, Approval.action == kind.value, Approval.status == ApprovalStatus.pending.value))
    if pending is not None:
        raise StateError(_("A request for this is already pending (approval #%(id)s).", id=pending))
    try:
        _check_request(case, action, data, actor=actor)
    except ValidationFailed as exc:  # the action's field errors and the request's own, together
        for field, messages in exc.errors.items():
            for message in messages:
                errors.add(field, message)
        if not errors:
            raise
    errors.raise_if_any()
    params = {key: _plain(case_ops.parse_money(value, key, case_ops._Errors()) if key in MONEY_FIELDS else value)
              for key, value in data.items() if value not in (None, "") and key != "reason"}
    if keeps_reason and reason:
        params["reason"] = reason
    approval = Approval(case_id=case.id, region_code=case.region_code, action=kind.value, params=params,
                        reason=reason, status=ApprovalStatus.pending.value, requested_by_id=actor.id,
                        requested_at=utcnow(), due_on=approval_due_on(case.region_code, local_today()))
    db.session.add(approval)
    db.session.flush()
    record_event(approval, "request", actor, {"status": (None, approval.status), "action": (None, kind.value),
                                              "case_id": (None, case.id), "due_on": (None, approval.due_on)},
                 note=reason)
    record_event(case, "approval_request", actor, {"approval_id": (None, approval.id),
                                                   "approval_action": (None, kind.value)}, note=reason)
    events.approval_requested(approval, actor)
    return approval


def act_or_request(case: Case, action: str, data: dict[str, Any], *, actor,
                   expected_version: int | None) -> Approval | None:
    """A workflow action as the user sent it: approval-bound and not theirs to decide → a pending request
    (returned); otherwise carried out at once (None), a deciding supervisor being recorded as the approver."""
    if "approved_by_id" in data:
        raise case_ops.retired_approver_field()
    kind = approval_action(action, data)
    if kind is not None:
        officer_ids = data.get("officer_ids") if kind is ApprovalAction.file else ()
        ids = [i for i in officer_ids or () if isinstance(i, int)]
        if not case.can_decide(actor, ids):
            return request_approval(case, action, data, actor=actor, expected_version=expected_version)
    case_data = {k: v for k, v in data.items() if not (k == "reason" and action in ("close", "publish"))}
    case_ops.perform_action(case, action, case_data, actor=actor, expected_version=expected_version)
    return None


def _check_approval_version(approval: Approval, expected: int | None) -> None:
    if expected is None:
        return
    try:
        expected = int(expected)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(_("Bad version."), {"version": [_("Must be a number.")]}) from exc
    if expected != approval.version:
        raise StaleVersion(_("This approval was changed by someone else (now version %(version)s).",
                             version=approval.version), current=approval)


def _require_pending(approval: Approval) -> None:
    if not approval.is_pending:
        raise StateError(_("This request is already %(status)s.", status=status_word(approval.status)))


def _changes(approval: Approval, changes: Any) -> dict[str, tuple[Any, Any]]:
    """The decider's changes to the amounts or days, as {field: (asked, approved)}; 422 for anything else."""
    if changes in (None, {}):
        return {}
    if not isinstance(changes, dict):
        raise ValidationFailed(_("Invalid changes."), {"changes": [_("An object of fields to change.")]})
    allowed = CHANGEABLE.get(approval.action, ())
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        message = (_("Only these may be changed: %(fields)s.", fields=", ".join(allowed)) if allowed
                   else _("Nothing of this request can be changed: approve or reject it."))
        raise ValidationFailed(_("Invalid changes."), {f"changes.{f}": [message] for f in unknown})
    errors = case_ops._Errors()
    out = {}
    for field, value in changes.items():
        if field in ("months", "days"):
            if value is None:
                value = 0
            if not isinstance(value, int) or isinstance(value, bool) or value < 0 or value > 3650:
                errors.add(f"changes.{field}", _("A whole number of 0 or more."))
                continue
        else:
            parsed = case_ops.parse_money(value, f"changes.{field}", errors)
            value = _plain(parsed)
        if approval.params.get(field) != value:
            out[field] = (approval.params.get(field), value)
    errors.raise_if_any()
    return out


def decide_approval(approval: Approval, decision: str, *, actor, reason: Any = None, changes: Any = None,
                    expected_version: int | None = None) -> None:
    """Approve (optionally with changes to the days or amounts, within the rule's maximum) or reject (with a
    reason). The requester and the case's officers may not decide (403); the case must still allow the action
    (409 naming its status)."""
    case = approval.case
    if not supervises(actor, approval.region_code):
        raise NotAllowed(_("Only a supervisor of the case's region or above decides approvals."))
    if actor.id == approval.requested_by_id:
        raise NotAllowed(_("Nobody decides their own request."))
    officer_ids = approval.params.get("officer_ids") if approval.action == ApprovalAction.file else ()
    if not case.can_decide(actor, [i for i in officer_ids or () if isinstance(i, int)]):
        raise NotAllowed(_("You are one of this case's officers: another supervisor decides it."))
    _check_approval_version(approval, expected_version)
    _require_pending(approval)
    errors = case_ops._Errors()
    if decision not in DECISIONS:
        errors.add("decision", _("approve or reject."))
    note = case_ops._note({"reason": reason}, "reason", errors, required=decision == "reject")
    errors.raise_if_any()
    before = approval.status
    if decision == "reject":
        if changes not in (None, {}):
            raise ValidationFailed(_("Invalid changes."), {"changes": [_("Only an approval has changes.")]})
        applied: dict = {}
    else:
        applied = _changes(approval, changes)
        data = dict(approval.params)
        data.update({field: new for field, (_old, new) in applied.items()})
        if not applies(approval.action, case):
            raise StateError(_("The case is now in status '%(status)s': this request no longer applies.",
                               status=case_ops.status_word(case.status)))
        # Decided before the case action runs, so the action's sweep of pending requests leaves this one alone;
        # a refused action rolls the whole decision back with it.
        _decided(approval, ApprovalStatus.approved, actor, note)
        approval.changes = {k: [_plain(a), _plain(b)] for k, (a, b) in applied.items()} or None
        db.session.flush()
        try:
            case_ops.perform_action(case, approval.action_enum.case_action, data, actor=actor,
                                    expected_version=case.version, approver=actor)
        except ValidationFailed as exc:
            if not applied:
                raise
            # The rule refused the changed amount or days: say so on the change.
            raise ValidationFailed(exc.message, {_change_field(field, applied): messages
                                                 for field, messages in exc.errors.items()}) from None
    if decision == "reject":
        _decided(approval, ApprovalStatus.rejected, actor, note)
    db.session.flush()
    record_event(approval, decision, actor, {"status": (before, approval.status),
                                             **{f"changes.{k}": v for k, v in applied.items()}}, note=note)
    record_event(case, f"approval_{decision}", actor, {"approval_id": (None, approval.id),
                                                       "approval_action": (None, approval.action)}, note=note)
    events.approval_decided(approval, actor)


def _change_field(field: str, applied: dict) -> str:
    """The ``changes.*`` name of a case operation's error field (an extension's limit is reported on months)."""
    if field == "months" and "days" in applied:
        return "changes.days"
    return f"changes.{field}" if field in CHANGEABLE_FIELDS else field


def _decided(approval: Approval, status: ApprovalStatus, actor, note: str | None) -> None:
    approval.status = status.value
    approval.decided_by_id = actor.id
    approval.decided_at = utcnow()
    approval.decision_reason = note


def cancel_approval(approval: Approval, *, actor, expected_version: int | None = None) -> None:
    """The requester takes back a pending request."""
    if actor.id != approval.requested_by_id:
        raise NotAllowed(_("Only the requester may cancel a request."))
    _check_approval_version(approval, expected_version)
    _require_pending(approval)
    approval.status = ApprovalStatus.cancelled.value
    approval.decided_at = utcnow()
    db.session.flush()
    record_event(approval, "cancel", actor, {"status": ("pending", "cancelled")})
    record_event(approval.case, "approval_cancel", actor, {"approval_id": (None, approval.id),
                                                           "approval_action": (None, approval.action)})


def retire_inapplicable(case: Case, *, actor) -> list[Approval]:
    """After a change to ``case``: its pending requests that can no longer be carried out become ``obsolete``
    (a pending extension once the case is closed, a publication once it is published …)."""
    db.session.flush()
    rows = db.session.scalars(select(Approval).where(Approval.case_id == case.id,
                                                     Approval.status == ApprovalStatus.pending.value)).all()
    retired = []
    for approval in rows:
        if applies(approval.action, case):
            continue
        approval.status = ApprovalStatus.obsolete.value
        approval.decided_at = utcnow()
        retired.append(approval)
    if retired:
        db.session.flush()
        for approval in retired:
            record_event(approval, "obsolete", actor, {"status": ("pending", "obsolete")},
                         note=case.status)
    return retired
