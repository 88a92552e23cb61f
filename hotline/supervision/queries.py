"""Read side of supervision: scoped loading, the list, inbox rows, due-list rows, the statistics' figures."""

from __future__ import annotations

from datetime import date

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from hotline.cases.models import Case, case_officers
from hotline.core.permissions import Role, region_clause, sees_region
from hotline.extensions import db
from hotline.supervision.models import ReportKind, Supervision, SupervisionReport, SupervisionStatus

MAX_ID = 2**63 - 1
LIST_LIMIT = 200
REPORT_LABELS = {ReportKind.progress.value: _l("Progress report"), ReportKind.final.value: _l("Final report")}
STATUS_LABELS = {SupervisionStatus.active.value: _l("Under supervision"),
                 SupervisionStatus.closed.value: _l("Supervision ended")}


def visible(user):
    """SQL: the supervisions ``user`` sees: of the cases of their regions, and those their office supervises."""
    return or_(region_clause(Supervision.region_code, user), Supervision.supervising_region_code == user.region_code)


def get_supervision_or_404(supervision_id: int, user) -> Supervision:
    if not 0 < supervision_id <= MAX_ID:
        abort(404)
    supervision = db.session.get(Supervision, supervision_id)
    if supervision is None or not (sees_region(user, supervision.region_code)
                                   or user.region_code == supervision.supervising_region_code):
        abort(404)
    return supervision


def list_supervisions(user, status: str | None = None, *, limit: int = LIST_LIMIT) -> list[Supervision]:
    """Newest designation first."""
    stmt = select(Supervision).where(visible(user))
    if status:
        stmt = stmt.where(Supervision.status == status)
    return list(db.session.scalars(stmt.order_by(Supervision.designated_on.desc(), Supervision.id.desc())
                                   .limit(limit)))


def supervisions_of(case: Case) -> list[Supervision]:
    return list(db.session.scalars(select(Supervision).where(Supervision.case_id == case.id)
                                   .order_by(Supervision.id.desc())))


def _pending(stmt):
    return (stmt.join(Supervision, Supervision.id == SupervisionReport.supervision_id)
            .join(Case, Case.id == Supervision.case_id)
            .where(SupervisionReport.submitted_on.is_(None), Supervision.status == SupervisionStatus.active.value))


def _item(report: SupervisionReport, supervision: Supervision, case: Case, today: date, cal):
    from hotline.inbox.items import InboxItem, working_days_left

    left, overdue, missing = working_days_left(cal.for_region(supervision.region_code), today, report.due_on)
    label = str(REPORT_LABELS[report.kind])
    return InboxItem(kind="report", title=f"{label} {case.display_number} {case.respondent_name or ''}".strip(),
                     deadline=label, url=f"/supervisions/{supervision.id}", due_on=report.due_on,
                     working_days_left=left, overdue=overdue, missing_year=missing, case_id=case.id)


def _handled_by(user):
    """SQL: supervisions whose reports ``user`` gives: one of the case's officers, or a supervisor of the
    handling office."""
    mine = Supervision.case_id.in_(select(case_officers.c.case_id).where(case_officers.c.user_id == user.id))
    if user.role == Role.supervisor:
        return or_(mine, Supervision.region_code == user.region_code)
    return mine


def inbox_items(user, today: date, cal) -> list:
    """Reports waiting for ``user``: for the handling office (the case's officers, its region's supervisors)
    each supervision's next report due and any overdue ones; for the supervising office's supervisors the
    overdue reports of the cases it supervises."""
    if user.role not in (Role.officer, Role.supervisor):
        return []
    stmt = _pending(select(SupervisionReport, Supervision, Case))
    handling = _handled_by(user)
    if user.role == Role.supervisor:
        supervising = and_(Supervision.supervising_region_code == user.region_code, SupervisionReport.due_on < today)
        stmt = stmt.where(or_(handling, supervising))
    else:
        stmt = stmt.where(handling)
    items, next_seen = [], set()
    for report, supervision, case in db.session.execute(stmt.order_by(SupervisionReport.due_on,
                                                                      SupervisionReport.id)):
        overdue = report.due_on < today
        next_due = supervision.id not in next_seen
        next_seen.add(supervision.id)
        if overdue or next_due:
            items.append(_item(report, supervision, case, today, cal))
    return items


def due_items(user, today: date, cal, until: date | None = None, *, mine: bool = False) -> list:
    """Report-back dates pending in ``user``'s regions (and of the cases their office supervises), overdue or due
    by ``until`` (all when None). ``mine``: the cases the user is an officer of."""
    if user.role not in (Role.officer, Role.supervisor):
        return []
    stmt = _pending(select(SupervisionReport, Supervision, Case)).where(visible(user))
    if until is not None:
        stmt = stmt.where(SupervisionReport.due_on <= until)
    if mine:
        stmt = stmt.where(Supervision.case_id.in_(select(case_officers.c.case_id)
                                                  .where(case_officers.c.user_id == user.id)))
    rows = db.session.execute(stmt.order_by(SupervisionReport.due_on, SupervisionReport.id).limit(500))
    return [_item(report, supervision, case, today, cal) for report, supervision, case in rows]


def supervision_figures(first: date, last: date) -> dict[str, dict[str, int]]:
    """Per handling region: supervisions opened (designated) and closed (ended) in [first, last]."""
    out: dict[str, dict[str, int]] = {}
    for column, key in ((Supervision.designated_on, "supervised_opened"), (Supervision.closed_on,
                                                                           "supervised_closed")):
        rows = db.session.execute(select(Supervision.region_code, func.count()).where(column.between(first, last))
                                  .group_by(Supervision.region_code))
        for region_code, count in rows:
            out.setdefault(region_code, {"supervised_opened": 0, "supervised_closed": 0})[key] = count
    return out
