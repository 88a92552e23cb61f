"""State changes on transfers. Each validates, mutates, flushes and writes its audit event; the caller commits.

Who does what: the receiving region (its officers and supervisors, or the province's) signs, returns and answers
a transfer to a 市州 office; for a transfer to another agency the hotline records the agency's receipt and answer.
The hotline (operators and supervisors of the region that sent it) calls the caller back and reopens a matter
once when the caller is dissatisfied. The call's ``transfer_status`` follows the transfer's every step.
"""

from __future__ import annotations

from typing import Any

from hotline.calls.models import Call, CallStatus
from hotline.core.audit import record_event
from hotline.core.clock import local_date, local_today
from hotline.core.errors import NotAllowed, StaleVersion, StateError, ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.i18n import pgettext
from hotline.core.permissions import Role, sees_region
from hotline.core.text import clean_text
from hotline.core.types import utcnow
from hotline.extensions import db
from hotline.notifications import events
from hotline.stats.operations import mark_stale
from hotline.transfers.models import Satisfaction, Transfer, TransferOutcome, TransferStatus

#: The receiving side of a transfer to a 市州 office.
RECEIVING_ROLES = frozenset({Role.officer, Role.supervisor})
#: The hotline side: calls back, reopens, and acts for agencies.
HOTLINE_ROLES = frozenset({Role.operator, Role.supervisor})
#: Everyone who may read transfers (in the regions they see).
READ_ROLES = frozenset({Role.operator, Role.officer, Role.supervisor})

_LIMITS = {"note": 2000, "reason": 500, "result": 2000}


def status_word(status: str) -> str:
    """A transfer status as state messages quote it: the code in English, a word in Chinese."""
    words = {
        TransferStatus.pending.value: pgettext("transfer status", "pending"),
        TransferStatus.signed.value: pgettext("transfer status", "signed"),
        TransferStatus.returned.value: pgettext("transfer status", "returned"),
        TransferStatus.answered.value: pgettext("transfer status", "answered"),
        TransferStatus.called_back.value: pgettext("transfer status", "called_back"),
        TransferStatus.reopened.value: pgettext("transfer status", "reopened"),
        TransferStatus.closed.value: pgettext("transfer status", "closed"),
    }
    return words.get(status, status)


# Who may act ---------------------------------------------------------------------------------------------------

def sees_transfer(user, transfer: Transfer) -> bool:
    """The sending side and the receiving region both see the transfer (and the call)."""
    return sees_region(user, transfer.from_region_code) or (
        transfer.to_region_code is not None and sees_region(user, transfer.to_region_code))


def is_hotline_side(user, transfer: Transfer) -> bool:
    return user.role in HOTLINE_ROLES and sees_region(user, transfer.from_region_code)


def is_receiving_side(user, transfer: Transfer) -> bool:
    """The receiving region's officers and supervisors (or the province's); for an agency, the hotline."""
    if transfer.to_region_code is None:
        return is_hotline_side(user, transfer)
    return user.role in RECEIVING_ROLES and sees_region(user, transfer.to_region_code)


def can_sign(user, transfer: Transfer) -> bool:
    """Officers and supervisors of the receiving side (for an agency: the hotline's supervisor records it)."""
    return (transfer.status in (TransferStatus.pending, TransferStatus.reopened) and user.role in RECEIVING_ROLES
            and is_receiving_side(user, transfer))


def can_return(user, transfer: Transfer) -> bool:
    return (transfer.status == TransferStatus.pending and user.role in RECEIVING_ROLES
            and is_receiving_side(user, transfer))


def pass_down_targets(transfer: Transfer) -> list:
    """The offices a transfer to ``transfer.to_region_code`` may be passed down to: the regions directly below it
    (a 市州's counties)."""
    from hotline.reference.queries import list_counties

    if transfer.to_region_code is None:
        return []
    return list_counties(transfer.to_region_code)


def can_pass_down(user, transfer: Transfer) -> bool:
    """下转: the receiving 市州 office (or an office above it) hands a transfer it has not signed for yet to one of
    its counties."""
    return (transfer.status in (TransferStatus.pending, TransferStatus.reopened) and user.role in RECEIVING_ROLES
            and transfer.to_region_code is not None and is_receiving_side(user, transfer)
            and bool(pass_down_targets(transfer)))


def _answerable_from(transfer: Transfer) -> set[str]:
    if transfer.to_region_code is None:  # nobody signs in the system for an agency
        return {TransferStatus.pending.value, TransferStatus.signed.value, TransferStatus.reopened.value}
    return {TransferStatus.signed.value}


def can_answer(user, transfer: Transfer) -> bool:
    return transfer.status in _answerable_from(transfer) and is_receiving_side(user, transfer)


def can_callback(user, transfer: Transfer) -> bool:
    callable_again = transfer.status == TransferStatus.called_back and not transfer.reached
    return (transfer.status == TransferStatus.answered or callable_again) and is_hotline_side(user, transfer)


def can_reopen(user, transfer: Transfer) -> bool:
    return (transfer.status == TransferStatus.called_back and transfer.satisfaction == Satisfaction.dissatisfied
            and transfer.reopen_count == 0 and is_hotline_side(user, transfer))


def step_fits(step: str, transfer: Transfer) -> bool:
    """Whether ``step`` fits the transfer's status, whoever asks (409 when not; 403 when it fits another side)."""
    status = transfer.status
    return {
        "sign": status in (TransferStatus.pending, TransferStatus.reopened),
        "return": status == TransferStatus.pending,
        "answer": status in _answerable_from(transfer),
        "callback": status == TransferStatus.answered or (status == TransferStatus.called_back
                                                          and not transfer.reached),
        "reopen": (status == TransferStatus.called_back and transfer.satisfaction == Satisfaction.dissatisfied
                   and transfer.reopen_count == 0),
        "pass_down": (status in (TransferStatus.pending, TransferStatus.reopened)
                      and transfer.to_region_code is not None),
    }[step]


def step_refusal(step: str, user, transfer: Transfer) -> StateError | NotAllowed:
    """The error for a step ``user`` may not take now: 409 naming the status, or 403 for the wrong side."""
    if not step_fits(step, transfer):
        if step == "reopen" and transfer.reopen_count:
            return StateError(_("This transfer was already reopened once."))
        return _wrong_step(transfer, step)
    return NotAllowed(_("Only the receiving region or the hotline, as the step requires, may do this."))


def can_open_case(user, transfer: Transfer | None) -> bool:
    """The receiving region may open a case from a signed transfer to it."""
    return (transfer is not None and transfer.to_region_code is not None
            and transfer.status == TransferStatus.signed and transfer.case_id is None
            and user.role in RECEIVING_ROLES and sees_region(user, transfer.to_region_code))


def current_transfer(call: Call) -> Transfer | None:
    """The call's latest transfer (None when it was never transferred)."""
    return call.transfers[-1] if call.transfers else None


# Helpers -------------------------------------------------------------------------------------------------------

def _check_version(transfer: Transfer, expected: int | None) -> None:
    if expected is None:
        raise ValidationFailed(_("Version required."), {"version": [_("Send the version you edited (If-Match).")]})
    if int(expected) != transfer.version:
        raise StaleVersion(_("This transfer was changed by someone else (now version %(version)s).",
                             version=transfer.version), current=transfer)


def _wrong_step(transfer: Transfer, step: str) -> StateError:
    messages = {
        "sign": _("Cannot sign for a transfer in status '%(status)s'.", status=status_word(transfer.status)),
        "return": _("Cannot return a transfer in status '%(status)s'.", status=status_word(transfer.status)),
        "answer": _("Cannot answer a transfer in status '%(status)s'.", status=status_word(transfer.status)),
        "callback": _("Cannot record a call-back on a transfer in status '%(status)s'.",
                      status=status_word(transfer.status)),
        "reopen": _("Cannot reopen a transfer in status '%(status)s'.", status=status_word(transfer.status)),
        "close": _("Cannot close a transfer in status '%(status)s'.", status=status_word(transfer.status)),
        "pass_down": _("Cannot pass down a transfer in status '%(status)s'.", status=status_word(transfer.status)),
    }
    return StateError(messages[step])


_CAN = {}


def _require(step: str, user, transfer: Transfer) -> None:
    """409 naming the status when the step does not fit it; 403 when it fits but the user is the wrong side."""
    if not _CAN[step](user, transfer):
        raise step_refusal(step, user, transfer)


def _text(data: dict[str, Any], field: str, errors: dict[str, list[str]], *, required: bool,
          message: str | None = None, multiline: bool = True) -> str | None:
    value = data.get(field)
    if value is not None and not isinstance(value, str):
        errors.setdefault(field, []).append(_("Must be text."))
        return None
    value = clean_text(value, multiline=multiline)
    if required and not value:
        errors.setdefault(field, []).append(message or _("Required."))
    elif value and len(value) > _LIMITS.get(field, 2000):
        errors.setdefault(field, []).append(_("At most %(limit)d characters.", limit=_LIMITS.get(field, 2000)))
    return value


def refresh_deadlines(transfer: Transfer) -> list:
    """Store the due dates of the transfer's clock (None where the calendar lacks the year); returns them all."""
    from hotline.deadlines.engine import transfer_deadlines

    # Reading the rules and the calendar must not flush the half-made change (one version bump per step).
    with db.session.no_autoflush:
        found = transfer_deadlines(transfer)
    due = {d.kind: d.due_on for d in found}
    transfer.sign_due_on = due.get("sign")
    transfer.answer_due_on = due.get("answer")
    transfer.callback_due_on = due.get("callback")
    return found


def fill_missing_deadlines() -> int:
    """Set the due dates that a missing calendar year left empty on transfers still running (daily sweep, once the
    year is loaded). A plain UPDATE, so the transfer's version is not bumped under someone editing it."""
    from sqlalchemy import and_, or_, select, update

    from hotline.deadlines.calendar import WorkCalendar
    from hotline.deadlines.engine import transfer_deadlines

    running = [TransferStatus.pending, TransferStatus.reopened, TransferStatus.signed, TransferStatus.answered,
               TransferStatus.called_back]
    missing = or_(Transfer.sign_due_on.is_(None), Transfer.answer_due_on.is_(None),
                  and_(Transfer.answered_on.is_not(None), Transfer.callback_due_on.is_(None)))
    cal = WorkCalendar()
    filled = 0
    for transfer in db.session.scalars(select(Transfer).where(Transfer.status.in_(running), missing)):
        due = {d.kind: d.due_on for d in transfer_deadlines(transfer, cal)}
        values = {f"{kind}_due_on": due.get(kind) for kind in ("sign", "answer", "callback")}
        if any(getattr(transfer, k) != v and v is not None for k, v in values.items()):
            db.session.execute(update(Transfer).where(Transfer.id == transfer.id).values(**values)
                               .execution_options(synchronize_session=False))
            filled += 1
    return filled


def _sync_call(transfer: Transfer) -> None:
    """The call shows where its transfer stands."""
    call = transfer.call
    if call.transfer_status != transfer.status:
        call.transfer_status = transfer.status


def _diff(transfer: Transfer, old: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {k: (v, getattr(transfer, k)) for k, v in old.items() if v != getattr(transfer, k)}


def _audit(transfer: Transfer, action: str, actor, changes: dict, note: str | None = None) -> None:
    db.session.flush()
    record_event(transfer, action, actor, changes, note=note, region_code=transfer.region_code)
    # The call's timeline says it too, so the call page reads as one story.
    record_event(transfer.call, f"transfer_{action}", actor,
                 {"transfer_status": changes["status"]} if "status" in changes else {}, note=note)


def _stepped(transfer: Transfer, action: str, actor, changes: dict, note: str | None = None) -> None:
    """After a step: the clock, the call's status and the figures follow, and the step is audited."""
    refresh_deadlines(transfer)
    _sync_call(transfer)
    _stale_stats(transfer)
    _audit(transfer, action, actor, changes, note=note)


def _stale_stats(transfer: Transfer) -> None:
    with db.session.no_autoflush:
        # signed_on and today: the performance indicators (signed on time, overdue at the end of the month)
        mark_stale(transfer.sent_on, transfer.signed_on, transfer.answered_on, transfer.called_back_on, local_today())


# Operations ----------------------------------------------------------------------------------------------------

def create_transfer(call: Call, *, to_region_code: str | None, to_agency: str | None, note: str | None,
                    actor, from_region_code: str) -> Transfer:
    """A new transfer of ``call`` (called by ``calls.operations.transfer_call`` in the same transaction), sent from
    ``from_region_code`` (the transferring user's office: the hotline that calls the caller back).

    The clock starts on the Beijing date of the transfer, under the rule set in force then.
    """
    from hotline.deadlines.engine import NoRuleSet, rule_set_for

    now = utcnow()
    sent_on = local_date(now)
    try:
        rule_set_code = rule_set_for(sent_on).code
    except NoRuleSet:
        rule_set_code = None
    transfer = Transfer(version=1, call=call, from_region_code=from_region_code, to_region_code=to_region_code,
                        to_agency=to_agency, status=TransferStatus.pending.value, note=note, sent_on=sent_on,
                        rule_set_code=rule_set_code, complex=False, reopen_count=0,
                        created_by_id=getattr(actor, "id", None), created_at=now, updated_at=now)
    db.session.add(transfer)
    refresh_deadlines(transfer)
    _sync_call(transfer)
    db.session.flush()
    record_event(transfer, "create", actor, {"status": (None, transfer.status),
                                              "to_region_code": (None, to_region_code),
                                              "to_agency": (None, to_agency), "call_id": (None, call.id)},
                 note=note, region_code=transfer.region_code)
    mark_stale(sent_on)
    events.transfer_sent(transfer, actor)
    return transfer


def sign_transfer(transfer: Transfer, *, complex_matter: bool, actor, expected_version: int | None) -> None:
    """签收: the receiving region takes the matter; ``complex_matter`` gives the longer answer limit."""
    _require("sign", actor, transfer)
    _check_version(transfer, expected_version)
    if not isinstance(complex_matter, bool):
        raise ValidationFailed(_("Invalid input."), {"complex": [_("Must be true or false.")]})
    now = utcnow()
    old = {"status": transfer.status, "complex": transfer.complex}
    transfer.status = TransferStatus.signed.value
    transfer.complex = complex_matter
    transfer.signed_by_id = actor.id
    transfer.signed_at = now
    transfer.signed_on = local_date(now)
    _stepped(transfer, "sign", actor, _diff(transfer, old))


def return_transfer(transfer: Transfer, reason: Any, *, actor, expected_version: int | None) -> None:
    """退回: the receiving region sends the matter back to the hotline, saying why; it may transfer it elsewhere."""
    _require("return", actor, transfer)
    _check_version(transfer, expected_version)
    errors: dict[str, list[str]] = {}
    reason = _text({"reason": reason}, "reason", errors, required=True,
                   message=_("Say why the transfer is returned."))
    if errors:
        raise ValidationFailed(_("Reason required."), errors)
    old_status = transfer.status
    transfer.status = TransferStatus.returned.value
    transfer.returned_by_id = actor.id
    transfer.returned_at = utcnow()
    transfer.return_reason = reason
    _stepped(transfer, "return", actor, {"status": (old_status, transfer.status)}, note=reason)
    events.transfer_returned(transfer, actor)


def answer_transfer(transfer: Transfer, data: dict[str, Any], *, actor, expected_version: int | None) -> None:
    """反馈: the result (``outcome``, ``result`` text, ``case_id`` when a case was opened). For an agency the
    hotline enters the answer the agency sent."""
    from hotline.cases.models import Case

    _require("answer", actor, transfer)
    _check_version(transfer, expected_version)
    errors: dict[str, list[str]] = {}
    outcome = data.get("outcome")
    if outcome not in {o.value for o in TransferOutcome}:
        errors["outcome"] = [_("One of: %(choices)s.", choices=", ".join(o.value for o in TransferOutcome))]
    result = _text(data, "result", errors, required=True, message=_("Say what was done."))
    case_id = data.get("case_id")
    if case_id is None and outcome == TransferOutcome.case_opened:
        case_id = transfer.case_id
    if case_id is not None:
        case = db.session.get(Case, case_id) if isinstance(case_id, int) and not isinstance(case_id, bool) else None
        if case is None or not sees_region(actor, case.region_code):
            errors["case_id"] = [_("No such case in your region.")]
    elif outcome == TransferOutcome.case_opened:
        errors["case_id"] = [_("Name the case that was opened.")]
    if errors:
        raise ValidationFailed(_("Invalid answer."), errors)
    now = utcnow()
    old = {"status": transfer.status, "outcome": transfer.outcome, "case_id": transfer.case_id}
    transfer.status = TransferStatus.answered.value
    transfer.outcome = outcome
    transfer.result = result
    transfer.case_id = case_id
    transfer.answered_by_id = actor.id
    transfer.answered_at = now
    transfer.answered_on = local_date(now)
    _stepped(transfer, "answer", actor, _diff(transfer, old), note=result)
    events.transfer_answered(transfer, actor)


def callback_transfer(transfer: Transfer, data: dict[str, Any], *, actor, expected_version: int | None) -> None:
    """回访: the hotline tells the caller the result. Reached and (basically) satisfied closes the transfer and the
    call; dissatisfied leaves it open for one reopening; not reached, for another try."""
    from hotline.calls.operations import close_after_callback

    _require("callback", actor, transfer)
    _check_version(transfer, expected_version)
    errors: dict[str, list[str]] = {}
    reached = data.get("reached")
    if not isinstance(reached, bool):
        errors["reached"] = [_("Must be true or false.")]
    satisfaction = data.get("satisfaction")
    if satisfaction is not None and satisfaction not in {s.value for s in Satisfaction}:
        errors["satisfaction"] = [_("One of: %(choices)s.", choices=", ".join(s.value for s in Satisfaction))]
    elif reached is True and satisfaction is None:
        errors["satisfaction"] = [_("Ask the caller whether they are satisfied.")]
    elif reached is False and satisfaction is not None:
        errors["satisfaction"] = [_("Only a caller who was reached can say.")]
    note = _text(data, "note", errors, required=reached is False, message=_("Say how you tried to reach the caller."))
    if errors:
        raise ValidationFailed(_("Invalid call-back."), errors)
    now = utcnow()
    old = {"status": transfer.status, "reached": transfer.reached, "satisfaction": transfer.satisfaction}
    transfer.status = TransferStatus.called_back.value
    transfer.reached = reached
    transfer.satisfaction = satisfaction
    transfer.callback_note = note
    transfer.called_back_by_id = actor.id
    transfer.called_back_at = now
    transfer.called_back_on = local_date(now)
    _stepped(transfer, "callback", actor, _diff(transfer, old), note=note)
    if reached and satisfaction != Satisfaction.dissatisfied:
        close_transfer(transfer, actor=actor)
        close_after_callback(transfer.call, note=note, given_at=now, actor=actor)


def close_transfer(transfer: Transfer, *, actor) -> None:
    """The matter is done: after a satisfied call-back, or when the hotline records the call's feedback."""
    if not transfer.can_move_to(TransferStatus.closed):
        raise _wrong_step(transfer, "close")
    old_status = transfer.status
    transfer.status = TransferStatus.closed.value
    transfer.closed_at = utcnow()
    _sync_call(transfer)
    _audit(transfer, "close", actor, {"status": (old_status, transfer.status)})


def reopen_transfer(transfer: Transfer, reason: Any, *, actor, expected_version: int | None) -> None:
    """重办: a dissatisfied caller's matter goes back to the region once, with new sign and answer clocks."""
    _require("reopen", actor, transfer)
    _check_version(transfer, expected_version)
    errors: dict[str, list[str]] = {}
    reason = _text({"reason": reason}, "reason", errors, required=True,
                   message=_("Say what the caller is dissatisfied with."))
    if errors:
        raise ValidationFailed(_("Reason required."), errors)
    now = utcnow()
    old = {"status": transfer.status, "outcome": transfer.outcome, "signed_by_id": transfer.signed_by_id,
           "answered_by_id": transfer.answered_by_id}
    transfer.status = TransferStatus.reopened.value
    transfer.reopen_count += 1
    transfer.reopen_reason = reason
    transfer.reopened_at = now
    transfer.reopened_on = local_date(now)
    # The new round is signed and answered afresh; the first round stays in the timeline.
    for field in ("signed_by_id", "signed_at", "signed_on", "answered_by_id", "answered_at", "answered_on",
                  "outcome", "result", "reached", "satisfaction", "callback_note", "called_back_by_id",
                  "called_back_at", "called_back_on"):
        setattr(transfer, field, None)
    _stepped(transfer, "reopen", actor, _diff(transfer, old), note=reason)
    events.transfer_reopened(transfer, actor)


def pass_down_transfer(transfer: Transfer, to_region_code: Any, note: Any, *, actor,
                       expected_version: int | None) -> None:
    """下转: the receiving office hands the transfer, before signing for it, to one of its counties; the county's
    inbox gets it to sign for. The clock goes on from the day the hotline sent it (passing it down gives no more
    time); the office that passed it down still sees it."""
    from hotline.core.permissions import is_ancestor_region
    from hotline.reference.queries import region_map

    _require("pass_down", actor, transfer)
    _check_version(transfer, expected_version)
    errors: dict[str, list[str]] = {}
    target = to_region_code if isinstance(to_region_code, str) else None
    if not target:
        errors["region_code"] = [_("Choose the county office.")]
    elif target not in region_map() or not is_ancestor_region(transfer.to_region_code, target):
        errors["region_code"] = [_("Not an office below %(region)s.", region=transfer.to_region_code)]
    note = _text({"note": note}, "note", errors, required=False)
    if errors:
        raise ValidationFailed(_("Invalid input."), errors)
    old = {"to_region_code": transfer.to_region_code}
    transfer.to_region_code = target
    _stepped(transfer, "pass_down", actor, _diff(transfer, old), note=note)
    events.transfer_sent(transfer, actor)


_CAN.update(sign=can_sign, answer=can_answer, callback=can_callback, reopen=can_reopen, pass_down=can_pass_down)
_CAN["return"] = can_return


def link_case(transfer: Transfer, case_id: int, *, actor) -> None:
    """A case was opened from the signed transfer (cases.operations.open_case_from_call, same transaction)."""
    old = transfer.case_id
    transfer.case_id = case_id
    _audit(transfer, "case_opened", actor, {"case_id": (old, case_id)})


def acts_for_the_call(user, call: Call) -> bool:
    """May ``user`` take the call's own next step (transfer it again after a return, record the feedback that
    closes it)? On a transferred call that is the hotline that sent the transfer, not the receiving office (to
    which the call's region moved); any other call: yes."""
    transfer = current_transfer(call) if call.status == CallStatus.transferred.value else None
    return transfer is None or (user is not None and is_hotline_side(user, transfer))


def require_hotline_for_call(user, call: Call) -> None:
    """``acts_for_the_call`` or 403."""
    if not acts_for_the_call(user, call):
        raise NotAllowed(_("This call was transferred by the hotline: the hotline decides what becomes of it "
                           "(transfer it again, tell the caller and close it)."))


def may_close_call(call: Call) -> bool:
    """A transferred call closes (the caller's feedback) only when its transfer is called back or closed, or was
    returned (the hotline then answers the caller itself instead of transferring again)."""
    if call.status != CallStatus.transferred.value:
        return True
    transfer = current_transfer(call)
    return transfer is None or transfer.status in (TransferStatus.called_back, TransferStatus.closed,
                                                   TransferStatus.returned)
