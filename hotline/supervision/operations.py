"""Major-case supervision (重大案件督办): designate, report back, end. Explicit actor; flush + audit; no commit."""

from __future__ import annotations

from datetime import date
from typing import Any

from hotline.cases.models import Case, CaseEvent, CaseStatus, EventKind
from hotline.core.audit import record_event
from hotline.core.clock import local_today
from hotline.core.errors import NotAllowed, StaleVersion, StateError, ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.permissions import Role, supervises_from_above
from hotline.core.text import clean_text
from hotline.core.types import utcnow
from hotline.extensions import db
from hotline.notifications import events
from hotline.stats.operations import mark_stale
from hotline.supervision.models import ReportKind, Supervision, SupervisionReport, SupervisionStatus

INSTRUCTIONS_LIMIT = 4000
REPORT_LIMIT = 10000
NOTE_LIMIT = 2000
#: Report-back dates one supervision may ask for.
MAX_REPORTS = 24
#: Case statuses a supervision can start from (the case is still being handled).
OPEN_CASE_STATUSES = (CaseStatus.received.value, CaseStatus.filed.value, CaseStatus.suspended.value)
#: Case statuses in which the final report (结案报告) can be given.
FINISHED_CASE_STATUSES = (CaseStatus.closed.value, CaseStatus.not_accepted.value)


def _check_version(record, expected: int | None, what: str) -> None:
    if expected is None:
        raise ValidationFailed(_("Version required."), {"version": [_("Send the version you edited (If-Match).")]})
    try:
        expected = int(expected)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(_("Bad version."), {"version": [_("Must be a number.")]}) from exc
    if expected != record.version:
        if what == "case":
            message = _("This case was changed by someone else (now version %(version)s).", version=record.version)
        else:
            message = _("This supervision was changed by someone else (now version %(version)s).",
                        version=record.version)
        raise StaleVersion(message, current=record)


def active_supervision(case: Case) -> Supervision | None:
    from sqlalchemy import select

    return db.session.scalar(select(Supervision).where(Supervision.case_id == case.id,
                                                       Supervision.status == SupervisionStatus.active.value))


def _event(case: Case, kind: EventKind, note: str | None, actor) -> CaseEvent:
    event = CaseEvent(case_id=case.id, kind=kind.value, occurred_on=local_today(), note=note,
                      author_id=getattr(actor, "id", None))
    db.session.add(event)
    return event


def _text(data: dict, field: str, limit: int, errors: dict[str, list[str]], *, required: bool = True) -> str | None:
    value = data.get(field)
    if value is not None and not isinstance(value, str):
        errors.setdefault(field, []).append(_("Must be text."))
        return None
    value = clean_text(value, multiline=True) if value else None
    if required and not value:
        errors.setdefault(field, []).append(_("This field is required."))
    elif value and len(value) > limit:
        errors.setdefault(field, []).append(_("At most %(limit)d characters.", limit=limit))
    return value


def _report_dates(raw: Any, today: date, errors: dict[str, list[str]]) -> list[tuple[str, date]]:
    """``[{"kind": "progress"|"final", "due_on": date}, ...]`` checked: at least one, exactly one final (the
    last), none in the past, no date twice."""
    if not isinstance(raw, list) or not raw:
        errors.setdefault("reports", []).append(
            _("Give the report-back dates: progress reports and one final report."))
        return []
    if len(raw) > MAX_REPORTS:
        errors.setdefault("reports", []).append(_("At most %(limit)d report-back dates.", limit=MAX_REPORTS))
        return []
    reports: list[tuple[str, date]] = []
    for entry in raw:
        kind = entry.get("kind") if isinstance(entry, dict) else None
        due_on = entry.get("due_on") if isinstance(entry, dict) else None
        if kind not in {k.value for k in ReportKind} or not isinstance(due_on, date):
            errors.setdefault("reports", []).append(_("Each report needs a kind (progress or final) and a date."))
            return []
        field = "final_due_on" if kind == ReportKind.final.value else "reports"
        if due_on < today:
            errors.setdefault(field, []).append(
                _("%(date)s is in the past: report-back dates are today or later.", date=due_on.isoformat()))
        elif due_on.year > 2099:
            errors.setdefault(field, []).append(_("Choose a date between 2000 and 2099."))
        reports.append((kind, due_on))
    finals = [d for k, d in reports if k == ReportKind.final.value]
    progress = [d for k, d in reports if k == ReportKind.progress.value]
    if len(finals) != 1:
        errors.setdefault("final_due_on", []).append(_("Exactly one final report (结案报告) date."))
    elif any(d >= finals[0] for d in progress):
        errors.setdefault("reports", []).append(_("Progress reports are due before the final report."))
    if len(set(progress)) != len(progress):
        errors.setdefault("reports", []).append(_("A date is given twice."))
    return sorted(reports, key=lambda r: (r[1], r[0] == ReportKind.final.value))


def designate(case: Case, data: dict[str, Any], *, actor, expected_version: int | None) -> Supervision:
    """A supervisor of a higher office puts ``case`` under supervision (督办) with ``instructions`` and the
    ``reports`` the handling office owes. The case becomes major (督办); its timeline records the designation."""
    if not supervises_from_above(actor, case.region_code):
        raise NotAllowed(_("Only a supervisor of a higher office may designate a case for supervision."))
    _check_version(case, expected_version, "case")
    if case.status not in OPEN_CASE_STATUSES:
        raise StateError(_("A case in status '%(status)s' cannot be put under supervision.", status=case.status))
    if active_supervision(case) is not None:
        raise StateError(_("This case is already under supervision."))
    today = local_today()
    errors: dict[str, list[str]] = {}
    instructions = _text(data, "instructions", INSTRUCTIONS_LIMIT, errors)
    reports = _report_dates(data.get("reports"), today, errors)
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors)
    supervision = Supervision(case_id=case.id, region_code=case.region_code,
                              supervising_region_code=actor.region_code, status=SupervisionStatus.active.value,
                              instructions=instructions, designated_on=today, designated_by_id=actor.id)
    db.session.add(supervision)
    db.session.flush()
    for kind, due_on in reports:
        db.session.add(SupervisionReport(supervision_id=supervision.id, kind=kind, due_on=due_on))
    changes = {}
    if not case.is_major:
        case.is_major = True
        changes["is_major"] = (False, True)
    _event(case, EventKind.supervision_designated, instructions, actor)
    case.updated_at = utcnow()  # the case changed (its timeline): its version moves
    db.session.flush()
    db.session.refresh(supervision, ["reports"])
    record_event(supervision, "designate", actor, {
        "case_id": (None, case.id), "supervising_region_code": (None, actor.region_code),
        "reports": (None, [f"{kind} {due_on.isoformat()}" for kind, due_on in reports])})
    record_event(case, "supervise", actor, {**changes, "supervision_id": (None, supervision.id)})
    events.supervision_designated(supervision, actor)
    mark_stale(today)
    return supervision


def handles(actor, supervision: Supervision) -> bool:
    """One of the case's officers, or a supervisor of the handling office."""
    if actor.role == Role.supervisor and actor.region_code == supervision.region_code:
        return True
    return actor.role in (Role.officer, Role.supervisor) and any(
        officer.id == actor.id for officer in supervision.case.officers)


def submit_report(supervision: Supervision, report_id: int, data: dict[str, Any], *, actor,
                  expected_version: int | None) -> SupervisionReport:
    """The handling office gives the report due on a date: the report's text becomes a case event."""
    if not handles(actor, supervision):
        raise NotAllowed(_("Reports are given by the case's officers or the handling office's supervisors."))
    _check_version(supervision, expected_version, "supervision")
    if not supervision.is_active:
        raise StateError(_("A supervision in status '%(status)s' takes no more reports.", status=supervision.status))
    report = next((r for r in supervision.reports if r.id == report_id), None)
    if report is None:
        raise ValidationFailed(_("Unknown report."), {"report_id": [_("No such report of this supervision.")]})
    if report.submitted_on is not None:
        raise StateError(_("This report was already given on %(date)s.", date=report.submitted_on.isoformat()))
    case = supervision.case
    if report.kind == ReportKind.final.value and case.status not in FINISHED_CASE_STATUSES:
        raise StateError(_("The final report is given once the case is closed; the case is in status "
                           "'%(status)s'.", status=case.status))
    errors: dict[str, list[str]] = {}
    text = _text(data, "text", REPORT_LIMIT, errors)
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors)
    today = local_today()
    event = _event(case, EventKind.supervision_report, text, actor)
    db.session.flush()
    report.submitted_on, report.submitted_by_id, report.submitted_at = today, actor.id, utcnow()
    report.text, report.case_event_id = text, event.id
    supervision.updated_at = utcnow()  # a report given changes the supervision: its version moves
    db.session.flush()
    record_event(supervision, "report", actor, {f"report_{report.id}": (None, f"{report.kind} {today.isoformat()}")})
    events.supervision_report_submitted(supervision, report, actor)
    return report


def close_supervision(supervision: Supervision, data: dict[str, Any], *, actor,
                      expected_version: int | None) -> Supervision:
    """The supervising office ends the supervision (督办结束), with an optional note."""
    if not supervises_from_above(actor, supervision.region_code) \
            or not actor.region_code == supervision.supervising_region_code:
        raise NotAllowed(_("Only a supervisor of the supervising office may end the supervision."))
    _check_version(supervision, expected_version, "supervision")
    if not supervision.is_active:
        raise StateError(_("A supervision in status '%(status)s' cannot be ended.", status=supervision.status))
    errors: dict[str, list[str]] = {}
    note = _text(data, "note", NOTE_LIMIT, errors, required=False)
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors)
    today = local_today()
    supervision.status, supervision.closed_on = SupervisionStatus.closed.value, today
    supervision.closed_by_id, supervision.close_note = actor.id, note
    _event(supervision.case, EventKind.supervision_closed, note, actor)
    db.session.flush()
    record_event(supervision, "close", actor, {"status": (SupervisionStatus.active.value,
                                                          SupervisionStatus.closed.value),
                                               "closed_on": (None, today)})
    mark_stale(today)
    events.supervision_closed(supervision, actor)
    return supervision
