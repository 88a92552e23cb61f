"""Read side of approvals: scoped loading, lists, a case's requests, and the to-do rows (inbox, due lists)."""

from __future__ import annotations

from datetime import date

from flask import abort
from sqlalchemy import and_, exists, select
from sqlalchemy import case as sql_case

from hotline.approvals import bp
from hotline.approvals.models import Approval, ApprovalStatus
from hotline.cases.models import Case, case_officers
from hotline.core.i18n import gettext as _
from hotline.core.permissions import Role, region_clause, sees_region
from hotline.deadlines.calendar import WorkCalendar
from hotline.extensions import db
from hotline.inbox.items import InboxItem, working_days_left

MAX_ID = 2**63 - 1
DECIDED = (ApprovalStatus.approved.value, ApprovalStatus.rejected.value, ApprovalStatus.cancelled.value,
           ApprovalStatus.obsolete.value)


def get_approval_or_404(approval_id: int, user) -> Approval:
    """An approval of a case in a region the user sees; 404 otherwise."""
    if not 0 < approval_id <= MAX_ID:
        abort(404)
    approval = db.session.get(Approval, approval_id)
    if approval is None or not sees_region(user, approval.region_code):
        abort(404)
    return approval


def _decidable_by(user):
    """SQL: pending approvals ``user`` may decide — a supervisor of the region or above, not the requester, not
    one of the case's officers."""
    if user.role != Role.supervisor:
        return None
    is_officer = exists().where(case_officers.c.case_id == Approval.case_id, case_officers.c.user_id == user.id)
    return and_(Approval.status == ApprovalStatus.pending.value, region_clause(Approval.region_code, user),
                Approval.requested_by_id != user.id, ~is_officer)


def list_approvals(user, *, status: str | None = None, region_code: str | None = None,
                   limit: int = 200) -> list[Approval]:
    """Approvals in the user's regions: those waiting for the user first (oldest clock first), then the rest,
    newest request first."""
    stmt = select(Approval).where(region_clause(Approval.region_code, user))
    if status:
        stmt = stmt.where(Approval.status == status)
    if region_code:
        stmt = stmt.where(Approval.region_code == region_code)
    mine = _decidable_by(user)
    order = [Approval.requested_at.desc(), Approval.id.desc()]
    if mine is not None:
        order = [sql_case((mine, 0), else_=1), sql_case((mine, Approval.due_on), else_=None), *order]
    return list(db.session.scalars(stmt.order_by(*order).limit(limit)))


def case_approvals(case: Case) -> list[Approval]:
    """A case's requests, newest first (shown on the case page)."""
    return list(db.session.scalars(select(Approval).where(Approval.case_id == case.id)
                                   .order_by(Approval.requested_at.desc(), Approval.id.desc())))


def pending_for_case(case: Case) -> list[Approval]:
    return [a for a in case_approvals(case) if a.is_pending]


def _title(approval: Approval) -> str:
    from hotline.approvals.forms import ACTION_LABELS

    label = ACTION_LABELS.get(approval.action, approval.action)
    return _("%(what)s %(case)s", what=label, case=approval.case.display_number)


def _item(approval: Approval, today: date, cal: WorkCalendar) -> InboxItem:
    left, overdue, missing = working_days_left(cal.for_region(approval.region_code), today, approval.due_on)
    return InboxItem(kind="approval", title=_title(approval), deadline=_("Approval"),
                     url=f"{bp.url_prefix}/{approval.id}", due_on=approval.due_on,
                     working_days_left=left, overdue=overdue, missing_year=missing, case_id=approval.case_id,
                     approval_id=approval.id)


def inbox_items(user, today: date, cal: WorkCalendar) -> list[InboxItem]:
    """Pending approvals this user may decide (supervisors), with the approval clock."""
    mine = _decidable_by(user)
    if mine is None:
        return []
    rows = db.session.scalars(select(Approval).where(mine).order_by(Approval.due_on, Approval.id))
    return [_item(a, today, cal) for a in rows]


def due_items(user, today: date, cal: WorkCalendar, until: date | None = None, *,
              mine: bool = False) -> list[InboxItem]:
    """Pending approvals in the user's regions whose clock has run out (``until=None``: due today or overdue), or
    falls on or before ``until``. ``mine``: the requests the user made. Only for those who may read approvals
    (officers, supervisors): an operator's due list has no row that opens on a 403."""
    if user.role not in (Role.officer, Role.supervisor):
        return []
    limit = until or today
    stmt = (select(Approval).where(Approval.status == ApprovalStatus.pending.value,
                                   region_clause(Approval.region_code, user), Approval.due_on <= limit)
            .order_by(Approval.due_on, Approval.id))
    if mine:
        stmt = stmt.where(Approval.requested_by_id == user.id)
    return [_item(a, today, cal) for a in db.session.scalars(stmt)]
