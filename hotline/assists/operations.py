"""State changes of cooperation across regions. Each validates, mutates, flushes and writes its audit events (on
the request and on the asking case, whose audit trail tells the story); the caller commits.

协查: an officer or supervisor of the case's lead region asks another region (any active region of the
installation other than the case's own, read from the regions table) for an investigation, evidence or service,
with a due date. The assisting region's officers and supervisors answer it (a result and evidence files) or
decline it with a reason; pending → answered | declined, nothing after. The assisting region reads only what the
request shares: ``case_summary`` and ``request`` — never the case.

联合办案: a supervisor of the lead region joins other regions to a case; they read it and add events, the lead
region keeps its steps (file, close, decide) and the statistics count the case there only.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hotline.assists.models import Assist, AssistFile, AssistKind, AssistStatus, CaseJointRegion
from hotline.core.audit import record_event
from hotline.core.clock import local_date, local_today
from hotline.core.errors import NotAllowed, StaleVersion, StateError, ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.i18n import pgettext
from hotline.core.permissions import Role, sees_region, supervises
from hotline.core.text import clean_text
from hotline.core.types import utcnow
from hotline.extensions import db
from hotline.notifications import events

#: Who asks for and answers assistance, and reads requests (in the regions they see).
ROLES = frozenset({Role.officer, Role.supervisor})
#: The latest due date a request may ask for.
MAX_DUE_DAYS = 366
_LIMITS = {"request": 5000, "case_summary": 2000, "result": 5000, "reason": 500}
#: Cases that take no more work: nobody asks for assistance on them, nor joins regions to them.
CLOSED_CASE_STATUSES = ("closed", "not_accepted")


def status_word(status: str) -> str:
    """An assistance status as state messages quote it: the code in English, a word in Chinese."""
    words = {
        AssistStatus.pending.value: pgettext("assist status", "pending"),
        AssistStatus.answered.value: pgettext("assist status", "answered"),
        AssistStatus.declined.value: pgettext("assist status", "declined"),
    }
    return words.get(status, status)


# Who may act ---------------------------------------------------------------------------------------------------

def sees_assist(user, assist: Assist) -> bool:
    """The asking region and the assisting region both read the request (and the province)."""
    return sees_region(user, assist.from_region_code) or sees_region(user, assist.region_code)


def is_asking_side(user, assist: Assist) -> bool:
    return user.role in ROLES and sees_region(user, assist.from_region_code)


def is_assisting_side(user, assist: Assist) -> bool:
    return user.role in ROLES and sees_region(user, assist.region_code)


def can_answer(user, assist: Assist) -> bool:
    return assist.is_pending and is_assisting_side(user, assist)


def may_ask(user, case) -> bool:
    """An officer or supervisor of the case's lead region (or above), on a case still being worked."""
    return user.role in ROLES and sees_region(user, case.region_code) and case.status not in CLOSED_CASE_STATUSES


def may_join(user, case) -> bool:
    """A supervisor of the case's lead region (or above)."""
    return supervises(user, case.region_code) and case.status not in CLOSED_CASE_STATUSES


def assisting_regions(case) -> list:
    """The regions a request may go to: every active 市州 and county of the installation but the case's own, each
    市州 in the official order followed by its counties."""
    from hotline.reference import queries as ref

    out = []
    for prefecture in ref.list_regions():
        if prefecture.level == "province":
            continue
        out += [r for r in (prefecture, *ref.list_counties(prefecture.code)) if r.code != case.region_code]
    return out


# Helpers -------------------------------------------------------------------------------------------------------

def _text(data: dict[str, Any], field: str, errors: dict[str, list[str]], *, required: bool,
          message: str | None = None) -> str | None:
    value = data.get(field)
    if value is not None and not isinstance(value, str):
        errors.setdefault(field, []).append(_("Must be text."))
        return None
    value = clean_text(value, multiline=True)
    if required and not value:
        errors.setdefault(field, []).append(message or _("Required."))
    elif value and len(value) > _LIMITS[field]:
        errors.setdefault(field, []).append(_("At most %(limit)d characters.", limit=_LIMITS[field]))
    return value


def _day(value: Any, field: str, errors: dict[str, list[str]]) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    errors.setdefault(field, []).append(_("A date (YYYY-MM-DD)."))
    return None


def _check_version(assist: Assist, expected: int | None) -> None:
    if expected is None:
        raise ValidationFailed(_("Version required."), {"version": [_("Send the version you edited (If-Match).")]})
    if int(expected) != assist.version:
        raise StaleVersion(_("This request was changed by someone else (now version %(version)s).",
                             version=assist.version), current=assist)


def require_step(step: str, user, assist: Assist) -> None:
    """409 naming the status when the request is no longer pending; 403 when the user is not the assisting
    region."""
    if not assist.is_pending:
        messages = {
            "answer": _("Cannot answer a request in status '%(status)s'.", status=status_word(assist.status)),
            "decline": _("Cannot decline a request in status '%(status)s'.", status=status_word(assist.status)),
            "upload": _("Cannot add files to a request in status '%(status)s'.", status=status_word(assist.status)),
        }
        raise StateError(messages[step])
    if not is_assisting_side(user, assist):
        raise NotAllowed(_("Only the assisting region answers, declines or sends files for a request."))


def _audit(assist: Assist, action: str, actor, changes: dict, note: str | None = None) -> None:
    """The request's own audit row and one on the asking case (its audit trail records every step)."""
    db.session.flush()
    record_event(assist, action, actor, changes, note=note, region_code=assist.region_code)
    case_changes = {"assist_id": (None, assist.id), "region_code": (None, assist.region_code)}
    if "status" in changes:
        case_changes["assist_status"] = changes["status"]
    record_event(assist.case, f"assist_{action}", actor, case_changes, note=note,
                 region_code=assist.from_region_code)


# Operations ----------------------------------------------------------------------------------------------------

def request_assist(case, data: dict[str, Any], *, actor) -> Assist:
    """协查: ask ``data["region_code"]`` for assistance on ``case``. ``request`` (what is asked) and ``due_on``
    are required; ``kind`` defaults to an investigation; ``case_summary`` (what the assisting region reads of the
    case) defaults to the case's summary."""
    if actor.role not in ROLES or not sees_region(actor, case.region_code):
        raise NotAllowed(_("Only the case's own region asks for assistance."))
    if case.status in CLOSED_CASE_STATUSES:
        from hotline.cases.operations import status_word as case_status_word

        raise StateError(_("Cannot ask for assistance on a case in status '%(status)s'.",
                           status=case_status_word(case.status)))
    errors: dict[str, list[str]] = {}
    region_code = data.get("region_code")
    allowed = {r.code for r in assisting_regions(case)}
    if not isinstance(region_code, str) or not region_code:
        errors["region_code"] = [_("Required.")]
    elif region_code == case.region_code:
        errors["region_code"] = [_("Ask another region: this is the case's own.")]
    elif region_code not in allowed:
        errors["region_code"] = [_("Unknown region %(code)r.", code=region_code)]
    kind = data.get("kind") or AssistKind.investigation.value
    if kind not in {k.value for k in AssistKind}:
        errors["kind"] = [_("One of: %(choices)s.", choices=", ".join(k.value for k in AssistKind))]
    request = _text(data, "request", errors, required=True, message=_("Say what is asked."))
    summary = _text(data, "case_summary", errors, required=False)
    if summary is None and "case_summary" not in errors:
        summary = clean_text(case.summary, multiline=True) or case.display_number
        summary = summary[:_LIMITS["case_summary"]]
    due_on = _day(data.get("due_on"), "due_on", errors)
    today = local_today()
    if due_on is not None and due_on < today:
        errors.setdefault("due_on", []).append(_("Cannot be in the past."))
    elif due_on is not None and due_on > today + timedelta(days=MAX_DUE_DAYS):
        errors.setdefault("due_on", []).append(_("At most a year from today."))
    if errors:
        raise ValidationFailed(_("Invalid request for assistance."), errors)
    now = utcnow()
    assist = Assist(version=1, case=case, case_id=case.id, from_region_code=case.region_code,
                    region_code=region_code, kind=kind, case_summary=summary, request=request, due_on=due_on,
                    status=AssistStatus.pending.value, created_by_id=actor.id, sent_on=local_date(now),
                    created_at=now, updated_at=now)
    db.session.add(assist)
    _audit(assist, "request", actor, {"status": (None, assist.status), "region_code": (None, region_code),
                                      "due_on": (None, due_on)}, note=request)
    events.assist_requested(assist, actor)
    return assist


def answer_assist(assist: Assist, result: Any, *, actor, expected_version: int | None) -> None:
    """The assisting region's result (files are sent with ``add_file``, before or with the answer)."""
    require_step("answer", actor, assist)
    _check_version(assist, expected_version)
    errors: dict[str, list[str]] = {}
    result = _text({"result": result}, "result", errors, required=True, message=_("Say what was found or done."))
    if errors:
        raise ValidationFailed(_("Invalid answer."), errors)
    now = utcnow()
    assist.status = AssistStatus.answered.value
    assist.result = result
    assist.answered_by_id = actor.id
    assist.answered_at = now
    _audit(assist, "answer", actor, {"status": (AssistStatus.pending.value, assist.status)}, note=result)
    events.assist_closed(assist, actor)


def decline_assist(assist: Assist, reason: Any, *, actor, expected_version: int | None) -> None:
    """The assisting region declines, saying why."""
    require_step("decline", actor, assist)
    _check_version(assist, expected_version)
    errors: dict[str, list[str]] = {}
    reason = _text({"reason": reason}, "reason", errors, required=True,
                   message=_("Say why the request is declined."))
    if errors:
        raise ValidationFailed(_("Reason required."), errors)
    assist.status = AssistStatus.declined.value
    assist.decline_reason = reason
    assist.declined_by_id = actor.id
    assist.declined_at = utcnow()
    _audit(assist, "decline", actor, {"status": (AssistStatus.pending.value, assist.status)}, note=reason)
    events.assist_closed(assist, actor)


def add_file(assist: Assist, file_storage, *, description: str | None, actor):
    """An evidence file of the assisting region, stored as an attachment of the asking case (through
    ``hotline.cases.attachments``) and linked to the request: the asking region downloads it from the case."""
    from hotline.cases.attachments import store_attachment

    require_step("upload", actor, assist)
    attachment = store_attachment(assist.case, file_storage, description=description, actor=actor)
    db.session.add(AssistFile(assist_id=assist.id, attachment_id=attachment.id))
    db.session.flush()
    record_event(assist, "file", actor, {"attachment_id": (None, attachment.id),
                                         "original_name": (None, attachment.original_name)},
                 region_code=assist.region_code)
    return attachment


def join_regions(case, region_codes: Any, *, actor) -> list[str]:
    """联合办案: join ``region_codes`` to ``case`` (those already joined stay). Returns the codes added."""
    from hotline.cases.queries import joint_region_codes

    if not supervises(actor, case.region_code):
        raise NotAllowed(_("Only a supervisor of the case's lead region joins other regions to it."))
    if case.status in CLOSED_CASE_STATUSES:
        from hotline.cases.operations import status_word as case_status_word

        raise StateError(_("Cannot run a case in status '%(status)s' jointly.",
                           status=case_status_word(case.status)))
    allowed = {r.code for r in assisting_regions(case)}
    if (not isinstance(region_codes, list) or not region_codes
            or not all(isinstance(c, str) for c in region_codes)):
        raise ValidationFailed(_("Invalid regions."), {"region_codes": [_("Name one region or more.")]})
    unknown = [c for c in region_codes if c not in allowed]
    if unknown:
        raise ValidationFailed(_("Invalid regions."), {"region_codes": [
            _("Not a region that may join this case: %(codes)s.", codes=", ".join(unknown))]})
    already = set(joint_region_codes(case))
    added = [c for c in dict.fromkeys(region_codes) if c not in already]
    now = utcnow()
    for code in added:
        db.session.add(CaseJointRegion(case_id=case.id, region_code=code, added_by_id=actor.id, added_at=now))
    if added:
        db.session.flush()
        record_event(case, "joint", actor, {"joint_region_codes": (sorted(already), sorted(already | set(added)))},
                     region_code=case.region_code)
        events.case_joined(case, added, actor)
    return added
