"""State changes on cases: create, open from a call, edit, the workflow actions, events.

Every operation validates, mutates, recomputes the stored deadlines, flushes and writes its audit event; the
caller commits. Actions check the role, the preconditions and the current status (StateError → 409).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from hotline.calls.models import CallStatus
from hotline.cases.models import (
    COUNTERFEIT_OUTCOMES,
    DISPUTE_OUTCOMES,
    MANUAL_EVENT_KINDS,
    Case,
    CaseEvent,
    CaseExtension,
    CaseSource,
    CaseStatus,
    CaseSuspension,
    CaseType,
    EventKind,
    PatentType,
)
from hotline.core.audit import record_event
from hotline.core.clock import local_date, local_today
from hotline.core.errors import DomainError, NotAllowed, StaleVersion, StateError, ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.i18n import pgettext
from hotline.core.models import next_reference_number
from hotline.core.patents import PatentNumberError, parse_patent_number
from hotline.core.permissions import Role, province_code, region_ancestors, sees_region
from hotline.core.text import bigram_tokens, clean_text
from hotline.core.types import utcnow
from hotline.deadlines.calendar import WorkCalendar
from hotline.deadlines.engine import capped_extension, case_deadlines, find_rule, rule_set_for
from hotline.extensions import db
from hotline.reference import queries as ref
from hotline.stats.operations import mark_stale

MAX_MONEY = Decimal("999999999999.99")
#: Decimal yuan: digits (or 12,500 with thousands separators), an optional point and up to two decimals;
#: no exponent. A minus sign passes here so the "must not be negative" message can say so.
_MONEY = re.compile(r"^-?(\d{1,12}|\d{1,3}(,\d{3}){1,3})(\.\d{1,2})?$")
#: users.id is a 32-bit INTEGER.
MAX_USER_ID = 2**31 - 1
EDITABLE_FIELDS = (
    "source", "received_on", "requester_name", "respondent_name", "respondent_kind", "respondent_legal_rep",
    "patent_number", "patent_type", "amount_involved", "is_major", "is_exhibition", "is_ecommerce", "foreign_related",
    "summary", "campaign_ids", "exhibition_id",
)
_TEXT_LIMITS = {"requester_name": 200, "respondent_name": 200, "respondent_legal_rep": 50, "summary": 1000}
CASE_ROLES = frozenset({Role.officer, Role.supervisor})
OPEN_FROM_CALL_ROLES = frozenset({Role.operator, Role.officer, Role.supervisor})


class _Errors(dict):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self, message: str | None = None) -> None:
        if self:
            raise ValidationFailed(message or _("Please correct the highlighted fields."), dict(self))


def status_word(status: str) -> str:
    """A case status code as state messages quote it: the code itself in English, a word in Chinese."""
    words = {
        CaseStatus.received.value: pgettext("case status", "received"),
        CaseStatus.filed.value: pgettext("case status", "filed"),
        CaseStatus.not_accepted.value: pgettext("case status", "not_accepted"),
        CaseStatus.suspended.value: pgettext("case status", "suspended"),
        CaseStatus.closed.value: pgettext("case status", "closed"),
    }
    return words.get(status, status)


def parse_money(value: Any, field: str, errors: _Errors) -> Decimal | None:
    """Money in yuan as a decimal string or integer ("12500.00"); floats are refused (precision)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool | float):
        errors.add(field, _("Send money as a decimal string, e.g. \"12500.00\"."))
        return None
    text = str(value).strip()
    if not _MONEY.match(text):
        errors.add(field, _("Not an amount of money."))
        return None
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation:
        errors.add(field, _("Not an amount of money."))
        return None
    if not amount.is_finite():
        errors.add(field, _("Not an amount of money."))
        return None
    if amount < 0:
        errors.add(field, _("Must not be negative."))
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors.add(field, _("At most two decimals (fen)."))
        return None
    if amount > MAX_MONEY:
        errors.add(field, _("Too large."))
        return None
    return amount.quantize(Decimal("0.01"))


def parse_day(value: Any, field: str, errors: _Errors, *, required: bool = True, not_future: bool = True
              ) -> date | None:
    if value is None or value == "":
        if required:
            errors.add(field, _("A date is required (YYYY-MM-DD)."))
        return None
    if isinstance(value, datetime):
        errors.add(field, _("Not a valid date (YYYY-MM-DD)."))
        return None
    if isinstance(value, date):
        day = value
    elif isinstance(value, str):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            errors.add(field, _("Not a valid date (YYYY-MM-DD)."))
            return None
    else:
        errors.add(field, _("Not a valid date (YYYY-MM-DD)."))
        return None
    if day.year < 2000:
        errors.add(field, _("Dates before 2000 are not accepted."))
        return None
    if not_future and day > local_today():
        errors.add(field, _("Cannot be in the future."))
        return None
    return day


def _check_version(case: Case, expected: int | None) -> None:
    if expected is None:
        raise ValidationFailed(_("Version required."), {"version": [_("Send the version you edited (If-Match).")]})
    try:
        expected = int(expected)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(_("Bad version."), {"version": [_("Must be a number.")]}) from exc
    if expected != case.version:
        raise StaleVersion(_("This case was changed by someone else (now version %(version)s).", version=case.version),
                           current=case)


def _bool(data: dict, field: str, errors: _Errors, default: bool = False) -> bool:
    value = data.get(field, default)
    if not isinstance(value, bool):
        errors.add(field, _("Must be true or false."))
        return default
    return value


def _normalize(data: dict[str, Any], *, actor, partial: bool, case: Case | None = None) -> dict[str, Any]:
    errors = _Errors()
    out: dict[str, Any] = {}

    def present(field: str) -> bool:
        return field in data

    if not partial:
        case_type = data.get("case_type")
        if case_type not in {t.value for t in CaseType}:
            errors.add("case_type", _("One of infringement_dispute, other_dispute, counterfeit."))
        else:
            out["case_type"] = case_type
        region_code = data.get("region_code")
        if not region_code or region_code not in ref.region_map():
            errors.add("region_code", _("Unknown region."))
        elif region_code == province_code():
            errors.add("region_code", _("A case belongs to a 市州 office or the provincial office's own docket; "
                                        "choose the region where it is handled."))
        elif not sees_region(actor, region_code):
            errors.add("region_code", _("You can only open cases for your own region."))
        else:
            out["region_code"] = region_code
    if not partial or present("source"):
        source = data.get("source") or "request"
        if source not in {s.value for s in CaseSource}:
            errors.add("source", _("Unknown source."))
        else:
            out["source"] = source
    if not partial or present("received_on"):
        received_on = parse_day(data.get("received_on"), "received_on", errors)
        if received_on is not None:
            try:
                out["rule_set_code"] = rule_set_for(received_on).code
                out["received_on"] = received_on
            except DomainError as exc:
                errors.add("received_on", exc.message)
            if case is not None and case.filed_on and received_on > case.filed_on:
                errors.add("received_on", _("Cannot be after the filing date."))
    for field, limit in _TEXT_LIMITS.items():
        if present(field) or (field == "summary" and not partial):
            value = data.get(field)
            if value is not None and not isinstance(value, str):
                errors.add(field, _("Must be text."))
                continue
            value = clean_text(value, multiline=field == "summary")
            if value and len(value) > limit:
                errors.add(field, _("At most %(limit)d characters.", limit=limit))
            out[field] = value
    if (not partial or present("summary")) and not out.get("summary"):
        errors.add("summary", _("A summary is required."))
    if not partial or present("respondent_kind"):
        kind = data.get("respondent_kind") or "organization"
        if kind not in ("person", "organization"):
            errors.add("respondent_kind", _("person or organization."))
        else:
            out["respondent_kind"] = kind
    # A person has no 法定代表人: refuse one rather than publish it next to a person's masked name.
    kind = out.get("respondent_kind", case.respondent_kind if case is not None else "organization")
    legal_rep = out.get("respondent_legal_rep", case.respondent_legal_rep if case is not None else None)
    if kind == "person" and legal_rep and "respondent_legal_rep" not in errors:
        errors.add("respondent_legal_rep", _("Only an organization has a legal representative (法定代表人); leave "
                                             "it empty when the respondent is a person."))
    if not partial or present("patent_number"):
        raw = data.get("patent_number")
        if raw and isinstance(raw, str) and raw.strip():
            try:
                parsed = parse_patent_number(raw)
                out["patent_number"] = parsed.normalized
                if not data.get("patent_type"):
                    out["patent_type"] = parsed.patent_type
            except PatentNumberError as exc:
                errors.add("patent_number", str(exc))
        elif raw not in (None, ""):
            errors.add("patent_number", _("Must be text."))
        else:
            out["patent_number"] = None
    if present("patent_type") and data.get("patent_type"):
        if data["patent_type"] not in {p.value for p in PatentType}:
            errors.add("patent_type", _("invention, utility_model or design."))
        else:
            out["patent_type"] = data["patent_type"]
    if not partial or present("amount_involved"):
        out["amount_involved"] = parse_money(data.get("amount_involved"), "amount_involved", errors)
    for flag in ("is_major", "is_exhibition", "is_ecommerce", "foreign_related"):
        if not partial or present(flag):
            out[flag] = _bool(data, flag, errors)
    if present("campaign_ids") or present("exhibition_id"):
        # 专项行动 and 展会 (hotline.campaigns): each must run in the case's region.
        from hotline.campaigns.operations import link_values

        region = out.get("region_code") or (case.region_code if case is not None else None)
        links = link_values(data, region, errors, with_campaigns=True)
        links.pop("exhibition", None)
        if links.get("exhibition_id"):
            out["is_exhibition"] = True  # a case linked to a fair is an exhibition case
        out.update(links)
    errors.raise_if_any()
    return out


def _link_changes(changes: dict[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
    """Audit the campaigns as ids."""
    if "campaigns" in changes:
        old, new = changes.pop("campaigns")
        changes["campaign_ids"] = ([c.id for c in old or ()], [c.id for c in new or ()])
    return changes


def _search_document(case: Case):
    tokens = bigram_tokens(case.summary, case.respondent_name, case.requester_name)
    if db.engine.dialect.name == "postgresql":
        return func.to_tsvector("simple", tokens)
    return tokens


def recompute_deadlines(case: Case, cal: WorkCalendar | None = None) -> None:
    """Store the current due dates on the row (lists filter on them). A missing calendar year leaves them
    empty; the detail page and API then show the calendar error. Every caller changed the case, so the
    months its figures count in are marked stale for the statistics."""
    mark_stale(case.received_on, case.filed_on, case.rejected_on, case.closed_on, local_today())
    # Compute first (the calendar query must not autoflush a half-updated row), then set every column once.
    with db.session.no_autoflush:
        try:
            deadlines = case_deadlines(case, cal)
        except DomainError:
            deadlines = []
    due = {"file": None, "close": None, "publish": None}
    pending = []
    for d in deadlines:
        if d.kind in due:
            due[d.kind] = d.due_on
        if d.met_on is None and not d.paused and not d.is_target and d.due_on:
            pending.append(d.due_on)
    case.file_due_on, case.close_due_on, case.publish_due_on = due["file"], due["close"], due["publish"]
    case.next_due_on = min(pending) if pending else None


def _record(case: Case, kind: EventKind, on: date, note: str | None, actor) -> CaseEvent:
    event = CaseEvent(case_id=case.id, kind=kind.value, occurred_on=on, note=note,
                      author_id=getattr(actor, "id", None))
    db.session.add(event)
    return event


def _require_role(actor, roles) -> None:
    if actor.role not in roles:
        raise NotAllowed(_("Your role may not do this."))


def create_case(data: dict[str, Any], *, actor, call=None) -> Case:
    """Open a case in status ``received``. Raises ValidationFailed with field errors."""
    _require_role(actor, OPEN_FROM_CALL_ROLES if call is not None else CASE_ROLES)
    values = _normalize(data, actor=actor, partial=False)
    case = Case(status=CaseStatus.received.value, created_by_id=actor.id, call_id=call.id if call else None, **values)
    case.search_vector = _search_document(case)
    recompute_deadlines(case)  # before the INSERT, so the new row is written once (version 1)
    db.session.add(case)
    db.session.flush()
    record_event(case, "create", actor, _link_changes(
        {k: (None, v) for k, v in values.items() if v not in (None, False, [])}))
    return case


def open_case_from_call(call, data: dict[str, Any], *, actor, expected_version: int | None) -> Case:
    """Open a case from a hotline call: both are linked, the call becomes ``case_opened``."""
    from hotline.calls.operations import _check_version as check_call_version
    from hotline.calls.operations import mark_case_opened
    from hotline.calls.operations import status_word as call_status_word
    from hotline.transfers.operations import can_open_case, current_transfer, link_case

    check_call_version(call, expected_version)
    # A transferred call: the receiving region opens the case from the transfer it signed; the call stays
    # transferred (its transfer is answered with the case, then the hotline calls the caller back).
    transfer = current_transfer(call) if call.status == CallStatus.transferred.value else None
    from_transfer = can_open_case(actor, transfer)
    if not from_transfer and not call.can_move_to(CallStatus.case_opened):
        raise StateError(_("A call in status '%(status)s' cannot open a case.", status=call_status_word(call.status)))
    defaults = {
        "case_type": "counterfeit" if call.request_type == "report" else "infringement_dispute",
        "region_code": call.region_code,
        "source": "hotline_call",
        "received_on": local_date(call.received_at).isoformat(),
        "respondent_name": call.accused_party,
        "patent_number": call.patent_number,
        "summary": call.summary,
        "is_exhibition": bool(call.exhibition_name or call.exhibition_id),
        **({"exhibition_id": call.exhibition_id} if call.exhibition_id else {}),
    }
    defaults.update({k: v for k, v in data.items() if v is not None})
    case = create_case(defaults, actor=actor, call=call)
    if from_transfer:
        link_case(transfer, case.id, actor=actor)
    else:
        mark_case_opened(call, case.id, actor=actor)
    return case


def update_case(case: Case, data: dict[str, Any], *, actor, expected_version: int | None) -> dict:
    _check_version(case, expected_version)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown fields."), {f: [_("Unknown or read-only field.")] for f in sorted(unknown)})
    if case.status == CaseStatus.closed.value:
        raise StateError(_("A closed case cannot be edited."))
    values = _normalize(data, actor=actor, partial=True, case=case)
    if values.get("is_major") is False and case.is_major:
        from hotline.supervision.operations import active_supervision

        if active_supervision(case) is not None:
            # The supervising office designated it: the flag goes with the supervision, not with an edit.
            raise ValidationFailed(_("Read-only."), {"is_major": [
                _("The case is under supervision (督办) by a higher office: it stays a major case until that "
                  "office ends the supervision.")]})
    changes_receipt = "received_on" in values and values["received_on"] != case.received_on
    if case.status != CaseStatus.received.value and changes_receipt:
        # Changing the receipt date after filing would silently change the rule set and the deadlines.
        raise ValidationFailed(_("Read-only."), {"received_on": [_("Cannot change the receipt date after filing.")]})
    changes = {}
    for field, new in values.items():
        old = list(getattr(case, field)) if field == "campaigns" else getattr(case, field)
        if old != new:
            setattr(case, field, new)
            changes[field] = (old, new)
    if not changes:
        return {}
    if {"summary", "respondent_name", "requester_name"} & changes.keys():
        case.search_vector = _search_document(case)
    recompute_deadlines(case)
    db.session.flush()
    record_event(case, "update", actor, _link_changes(dict(changes)))
    return changes


# Workflow actions ------------------------------------------------------------------------------

def _state(case: Case, *allowed: CaseStatus, action: str) -> None:
    if case.status not in {s.value for s in allowed}:
        status = status_word(case.status)
        messages = {
            "file": _("Cannot file a case in status '%(status)s'.", status=status),
            "reject": _("Cannot reject a case in status '%(status)s'.", status=status),
            "suspend": _("Cannot suspend a case in status '%(status)s'.", status=status),
            "resume": _("Cannot resume a case in status '%(status)s'.", status=status),
            "extend": _("Cannot extend a case in status '%(status)s'.", status=status),
            "close": _("Cannot close a case in status '%(status)s'.", status=status),
            "publish": _("Cannot publish a case in status '%(status)s'.", status=status),
            "withdraw": _("Cannot withdraw the publication of a case in status '%(status)s'.", status=status),
        }
        raise StateError(messages.get(action) or f"Cannot {action} a case in status '{case.status}'.")


def _officers(ids: Any, case: Case, errors: _Errors):
    from hotline.accounts.models import User

    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        errors.add("officer_ids", _("A list of user ids."))
        return []
    if not all(0 < i <= MAX_USER_ID for i in ids):
        errors.add("officer_ids", _("Every officer must be an active officer or supervisor of this region."))
        return []
    ids = list(dict.fromkeys(ids))
    users = db.session.scalars(select(User).where(User.id.in_(ids))).all() if ids else []
    valid = [u for u in users if u.is_active and u.role in (Role.officer, Role.supervisor)
             and sees_region(u, case.region_code)]
    if len(valid) != len(ids):
        errors.add("officer_ids", _("Every officer must be an active officer or supervisor of this region."))
    count = len(ids)
    if case.is_dispute and (count < 3 or count % 2 == 0):
        errors.add("officer_ids", _("A dispute needs 3 or more officers, an odd number (given %(count)d).",
                                    count=count))
    if not case.is_dispute and count < 2:
        errors.add("officer_ids", _("A counterfeit case needs 2 or more officers (given %(count)d).", count=count))
    return valid


#: Passed as ``approver`` by the approvals domain to check a request's input against the case operation before
#: anyone decides it: the operation validates in full and returns before changing anything (the approvals domain
#: runs it in a savepoint it rolls back all the same).
REQUEST_CHECK = object()


def needs_approval(action: str, data: dict) -> bool:
    """Does this workflow action need a supervisor's approval (审批)? An extension, a penalty decision (closing as
    ``penalized``), publishing and withdrawing a decision; filing too where the office's FILING_NEEDS_APPROVAL
    setting is on."""
    if action in ("extend", "publish", "withdraw"):
        return True
    if action == "close":
        return data.get("outcome") == "penalized"
    if action == "file":
        return bool(current_app.config.get("FILING_NEEDS_APPROVAL"))
    return False


def _decider(case: Case, approver, actor, officer_ids=()):
    """The supervisor whose approval the action records: ``approver`` (an approval's decider) or the acting user.
    Refused (403) unless they may decide it (``Case.can_decide``): an officer asks for it at /approvals."""
    who = approver or actor
    if not case.can_decide(who, officer_ids):
        raise NotAllowed(_("This needs the approval of a supervisor of the case's region who is not one of its "
                           "officers: request it (POST /api/v1/cases/{id}/actions as an officer, then decided at "
                           "/approvals)."))
    return who


def _note(data: dict, field: str, errors: _Errors, *, required: bool = False, limit: int = 1000) -> str | None:
    value = data.get(field)
    if value is not None and not isinstance(value, str):
        errors.add(field, _("Must be text."))
        return None
    value = clean_text(value, multiline=True)
    if required and not value:
        errors.add(field, _("Required."))
    if value and len(value) > limit:
        errors.add(field, _("At most %(limit)d characters.", limit=limit))
    return value


def case_numbering(region_code: str) -> tuple[str, str, str]:
    """How ``region_code``'s cases are numbered: (the 案号 pattern, its counter's name, the {region} short name).

    The pattern is data (regions.case_number_format): a 市州 that numbers its own cases has one and keeps its own
    counter (``case-<code>``); the others — and its counties — take the province's pattern and its one counter
    (``case``), per 市州 when the pattern names the region."""
    regions = ref.region_map()
    office, pattern = ref.case_number_office(region_code)
    if pattern is None:
        from hotline.reference.data import default_case_number_format

        office, pattern = province_code(), (current_app.config.get("CASE_NUMBER_FORMAT")
                                            or default_case_number_format(province_code()))
    prefecture = next((code for code in (region_code, *region_ancestors(region_code))
                       if code in regions and regions[code].level == "prefecture"), region_code)
    if office != province_code():
        counter, named = f"case-{office}", office
    elif "{region}" in pattern:
        counter, named = f"case-{prefecture}", prefecture
    else:
        counter, named = "case", prefecture
    region = regions.get(named)
    return pattern, counter, region.short_name if region else ""


def make_case_number(region_code: str, year: int) -> str:
    """案号 in the office's format, unique per year and counter (see ``case_numbering``)."""
    pattern, counter, region = case_numbering(region_code)
    number = next_reference_number(counter, year)
    return pattern.format(year=year, number=number, region=region)


def file_case(case: Case, data: dict, *, actor, approver=None) -> None:
    _state(case, CaseStatus.received, action="file")
    errors = _Errors()
    filed_on = parse_day(data.get("filed_on"), "filed_on", errors)
    if filed_on and filed_on < case.received_on:
        errors.add("filed_on", _("Cannot be before the receipt date."))
    officers = _officers(data.get("officer_ids"), case, errors)
    errors.raise_if_any()
    if approver is REQUEST_CHECK:  # a request's input is valid: nothing is changed (no 案号 is taken)
        return
    decider = None
    if needs_approval("file", data):
        decider = _decider(case, approver, actor, [u.id for u in officers])
    case.case_number = make_case_number(case.region_code, filed_on.year)
    case.status = CaseStatus.filed.value
    case.filed_on = filed_on
    case.officers = officers
    _record(case, EventKind.filed, filed_on, None, actor)
    recompute_deadlines(case)
    db.session.flush()
    record_event(case, "file", actor, {"status": ("received", "filed"), "filed_on": (None, filed_on),
                                       "case_number": (None, case.case_number),
                                       "officer_ids": (None, [u.id for u in officers]),
                                       **({"approved_by_id": (None, decider.id)} if decider else {})})


def reject_case(case: Case, data: dict, *, actor) -> None:
    _state(case, CaseStatus.received, action="reject")
    errors = _Errors()
    on = parse_day(data.get("on"), "on", errors)
    if on and on < case.received_on:
        errors.add("on", _("Cannot be before the receipt date."))
    reason = _note(data, "reason", errors, required=True)
    errors.raise_if_any()
    case.status = CaseStatus.not_accepted.value
    case.rejected_on = on
    case.reject_reason = reason
    _record(case, EventKind.rejected, on, reason, actor)
    recompute_deadlines(case)
    db.session.flush()
    record_event(case, "reject", actor, {"status": ("received", "not_accepted"), "rejected_on": (None, on)},
                 note=reason)


def suspend_case(case: Case, data: dict, *, actor) -> None:
    _state(case, CaseStatus.filed, action="suspend")
    errors = _Errors()
    on = parse_day(data.get("on"), "on", errors)
    if on and case.filed_on and on < case.filed_on:
        errors.add("on", _("Cannot be before the filing date."))
    last = case.suspensions[-1] if case.suspensions else None
    if on and last and last.resumed_on and on < last.resumed_on:
        errors.add("on", _("Cannot be before the last resumption."))
    reason = _note(data, "reason", errors, required=True)
    errors.raise_if_any()
    db.session.add(CaseSuspension(case=case, suspended_on=on, reason=reason))
    case.status = CaseStatus.suspended.value
    case.suspended_on = on
    _record(case, EventKind.suspended, on, reason, actor)
    db.session.flush()
    recompute_deadlines(case)
    db.session.flush()
    record_event(case, "suspend", actor, {"status": ("filed", "suspended"), "suspended_on": (None, on)}, note=reason)


def resume_case(case: Case, data: dict, *, actor) -> None:
    _state(case, CaseStatus.suspended, action="resume")
    errors = _Errors()
    on = parse_day(data.get("on"), "on", errors)
    open_suspension = next((s for s in case.suspensions if s.resumed_on is None), None)
    if on and open_suspension and on < open_suspension.suspended_on:
        errors.add("on", _("Cannot be before the suspension date."))
    reason = _note(data, "reason", errors)
    errors.raise_if_any()
    open_suspension.resumed_on = on
    case.status = CaseStatus.filed.value
    case.suspended_on = None
    _record(case, EventKind.resumed, on, reason, actor)
    db.session.flush()
    recompute_deadlines(case)
    db.session.flush()
    record_event(case, "resume", actor, {"status": ("suspended", "filed"), "resumed_on": (None, on),
                                         "suspended_days": (None, open_suspension.days)}, note=reason)


def extend_case(case: Case, data: dict, *, actor, approver=None) -> None:
    """An approved extension of the closing deadline, within the rule's maximum."""
    _state(case, CaseStatus.filed, CaseStatus.suspended, action="extend")
    errors = _Errors()
    months, days = data.get("months") or 0, data.get("days") or 0
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (months, days)) or months + days == 0:
        errors.add("months", _("Give a positive whole number of months or days."))
        months = days = 0
    reason = _note(data, "reason", errors)
    rule = find_rule(case.rule_set_code, "close", case.case_type)
    if rule is None or rule.extension_amount is None:
        errors.add("months", _("This case's rules allow no extension."))
    elif months or days:
        if (rule.extension_unit == "months" and days) or (rule.extension_unit == "days" and months):
            errors.add("months", _("The rule allows an extension in months only.") if rule.extension_unit == "months"
                       else _("The rule allows an extension in days only."))
        used_m = sum(e.months for e in case.extensions)
        used_d = sum(e.days for e in case.extensions)
        if capped_extension(rule, used_m + months, used_d + days) != (used_m + months, used_d + days):
            if rule.extension_unit == "months":
                message = _("The rule allows at most %(amount)s month(s) of extension in total "
                            "(%(used)s already approved).", amount=rule.extension_amount, used=used_m or used_d)
            else:
                message = _("The rule allows at most %(amount)s days of extension in total "
                            "(%(used)s already approved).", amount=rule.extension_amount, used=used_m or used_d)
            errors.add("months", message)
    errors.raise_if_any()
    if approver is REQUEST_CHECK:
        return
    approver = _decider(case, approver, actor)
    today = local_today()
    db.session.add(CaseExtension(case=case, months=months, days=days, approved_by_id=approver.id,
                                 approved_on=today, reason=reason))
    _record(case, EventKind.extended, today,
            _("+%(months)d month(s) +%(days)d day(s); approved by %(name)s", months=months, days=days,
              name=approver.display_name), actor)
    db.session.flush()
    old_due = case.close_due_on
    recompute_deadlines(case)
    # The row changes even when the due date does not, so concurrent approvals meet the version check.
    case.updated_at = utcnow()
    db.session.flush()
    record_event(case, "extend", actor, {"close_due_on": (old_due, case.close_due_on),
                                         "approved_by_id": (None, approver.id)}, note=reason)


def close_case(case: Case, data: dict, *, actor, approver=None) -> None:
    _state(case, CaseStatus.filed, action="close")
    errors = _Errors()
    outcome = data.get("outcome")
    valid = DISPUTE_OUTCOMES if case.is_dispute else COUNTERFEIT_OUTCOMES
    if outcome not in valid:
        errors.add("outcome", _("For this case type one of: %(choices)s.", choices=", ".join(valid)))
    closed_on = parse_day(data.get("closed_on"), "closed_on", errors)
    if closed_on and case.filed_on and closed_on < case.filed_on:
        errors.add("closed_on", _("Cannot be before the filing date."))
    resumed = [s.resumed_on for s in case.suspensions if s.resumed_on]
    if closed_on and resumed and closed_on < max(resumed):
        errors.add("closed_on", _("Cannot be before the case resumed (it was suspended then)."))
    fine = parse_money(data.get("fine_amount"), "fine_amount", errors)
    confiscated = parse_money(data.get("confiscated_amount"), "confiscated_amount", errors)
    if outcome != "penalized":
        for field, value in (("fine_amount", fine), ("confiscated_amount", confiscated)):
            if value is not None:
                errors.add(field, _("Only a penalized counterfeit case has fines or confiscated gains."))
    judicial_confirmation = _bool(data, "judicial_confirmation", errors)
    if judicial_confirmation and outcome != "mediated":
        errors.add("judicial_confirmation", _("Judicial confirmation applies to a mediation agreement only."))
    transferred = _bool(data, "transferred_judicial", errors, default=outcome == "transferred_police")
    violation_facts = _note(data, "violation_facts", errors, limit=5000)
    penalty_basis = _note(data, "penalty_basis", errors, limit=500)
    penalty_terms = _note(data, "penalty_terms", errors, limit=500)
    errors.raise_if_any()
    if approver is REQUEST_CHECK:
        return
    approver = _decider(case, approver, actor) if outcome == "penalized" else None
    case.status = CaseStatus.closed.value
    case.closed_on = closed_on
    case.outcome = outcome
    case.fine_amount = fine
    case.confiscated_amount = confiscated
    case.judicial_confirmation = judicial_confirmation
    case.transferred_judicial = transferred
    case.close_approved_by_id = approver.id if approver else None
    case.violation_facts, case.penalty_basis, case.penalty_terms = violation_facts, penalty_basis, penalty_terms
    _record(case, EventKind.closed, closed_on, outcome, actor)
    recompute_deadlines(case)
    db.session.flush()
    changes = {
        "status": ("filed", "closed"), "outcome": (None, outcome), "closed_on": (None, closed_on),
        "fine_amount": (None, fine), "confiscated_amount": (None, confiscated),
        "transferred_judicial": (False, transferred), "approved_by_id": (None, approver.id if approver else None)}
    record_event(case, "close", actor, {k: v for k, v in changes.items() if v[0] != v[1]})


def publish_case(case: Case, data: dict, *, actor, approver=None) -> None:
    """Publish a penalty decision (penalized counterfeit cases), with a supervisor's approval."""
    _state(case, CaseStatus.closed, action="publish")
    if case.outcome != "penalized":
        raise StateError(_("Only penalty decisions (penalized counterfeit cases) are published."))
    if case.published_on:
        raise StateError(_("This decision is already published."))
    errors = _Errors()
    on = parse_day(data.get("published_on"), "published_on", errors)
    if on and on < case.closed_on:
        errors.add("published_on", _("Cannot be before the decision."))
    url = data.get("url")
    if url is not None and (not isinstance(url, str) or len(url) > 500
                            or not (url == "" or url.startswith(("https://", "http://")))):
        errors.add("url", _("An http(s) address of at most 500 characters."))
        url = None
    errors.raise_if_any()
    if approver is REQUEST_CHECK:
        return
    approver = _decider(case, approver, actor)
    case.published_on = on
    case.publication_url = url or None
    case.publish_approved_by_id = approver.id
    _record(case, EventKind.publication, on, url or None, actor)
    recompute_deadlines(case)
    db.session.flush()
    record_event(case, "publish", actor, {"published_on": (None, on), "approved_by_id": (None, approver.id)})


def withdraw_publication(case: Case, data: dict, *, actor, approver=None) -> None:
    """Take a published penalty decision off the public page, with the reason and a supervisor's approval: when
    the decision is changed, revoked or annulled it must be withdrawn within 3 working days (市场监督管理行政处罚
    信息公示规定 §11). The case and its history stay; the public page answers 404 for it from then on."""
    _state(case, CaseStatus.closed, action="withdraw")
    if not case.published_on:
        raise StateError(_("Only a published decision can be withdrawn."))
    if case.publication_withdrawn_on:
        raise StateError(_("This decision's publication is already withdrawn."))
    errors = _Errors()
    on = parse_day(data.get("on"), "on", errors)
    if on and on < case.published_on:
        errors.add("on", _("Cannot be before the publication."))
    reason = _note(data, "reason", errors, required=True)
    errors.raise_if_any()
    if approver is REQUEST_CHECK:
        return
    approver = _decider(case, approver, actor)
    case.publication_withdrawn_on = on
    case.publication_withdrawal_reason = reason
    case.withdrawal_approved_by_id = approver.id
    db.session.flush()
    record_event(case, "withdraw_publication", actor, {
        "publication_withdrawn_on": (None, on), "publication_withdrawal_reason": (None, reason),
        "approved_by_id": (None, approver.id)})


ACTIONS = {
    "file": file_case,
    "reject": reject_case,
    "suspend": suspend_case,
    "resume": resume_case,
    "extend": extend_case,
    "close": close_case,
    "publish": publish_case,
    "withdraw": withdraw_publication,
}


#: Actions that record an approving supervisor (when ``needs_approval`` says so for the input).
APPROVAL_BOUND = ("file", "extend", "close", "publish", "withdraw")


def retired_approver_field() -> ValidationFailed:
    """``approved_by_id`` is no longer accepted: approvals are asked for and decided at /approvals."""
    return ValidationFailed(_("approved_by_id is retired."), {"approved_by_id": [
        _("Approvals are now requested and decided at /approvals: send the action without approved_by_id (as an "
          "officer it becomes a request a supervisor decides at /api/v1/approvals).")]})


def perform_action(case: Case, action: str, data: dict, *, actor, expected_version: int | None,
                   approver=None) -> None:
    """Run a workflow action by name (the API's ``{"action": ...}``). An action that needs an approval takes effect
    only with a supervisor who may decide it: ``approver`` (an approval's decider) or the actor themselves."""
    if action not in ACTIONS:
        raise ValidationFailed(_("Unknown action."),
                               {"action": [_("One of: %(choices)s.", choices=", ".join(ACTIONS))]})
    if "approved_by_id" in data:
        raise retired_approver_field()
    _require_role(actor, CASE_ROLES)
    _check_version(case, expected_version)
    if action in APPROVAL_BOUND:
        ACTIONS[action](case, data, actor=actor, approver=approver)
    else:
        ACTIONS[action](case, data, actor=actor)
    if approver is not REQUEST_CHECK:
        from hotline.approvals.operations import retire_inapplicable

        retire_inapplicable(case, actor=actor)


def add_event(case: Case, data: dict, *, actor) -> CaseEvent:
    """Record a timeline event (served, defence received, hearing …) on an open or closed case."""
    _require_role(actor, CASE_ROLES)
    if case.status in (CaseStatus.received.value, CaseStatus.not_accepted.value):
        raise StateError(_("Events are recorded once the case is filed (status '%(status)s').",
                           status=status_word(case.status)))
    errors = _Errors()
    kind = data.get("kind")
    if kind not in {k.value for k in MANUAL_EVENT_KINDS}:
        errors.add("kind", _("One of: %(choices)s.", choices=", ".join(k.value for k in MANUAL_EVENT_KINDS)))
    on = parse_day(data.get("occurred_on"), "occurred_on", errors)
    if on and case.filed_on and on < case.received_on:
        errors.add("occurred_on", _("Cannot be before the receipt date."))
    note = _note(data, "note", errors, limit=5000)
    errors.raise_if_any()
    event = _record(case, EventKind(kind), on, note, actor)
    if kind == EventKind.transfer_judicial and not case.transferred_judicial:
        case.transferred_judicial = True
    db.session.flush()
    record_event(case, "event", actor, {"kind": (None, kind), "occurred_on": (None, on)})
    return event
