"""Read side of assistance requests (协查): scoped loading, the list (sent / received), the case page's requests,
and the rows pending requests put in the assisting region's inbox and on the due lists."""

from __future__ import annotations

from datetime import date

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from hotline.assists.models import Assist, AssistStatus
from hotline.assists.operations import ROLES, sees_assist
from hotline.core.i18n import gettext as _
from hotline.core.permissions import region_clause
from hotline.deadlines.calendar import WorkCalendar
from hotline.extensions import db
from hotline.inbox.items import InboxItem, working_days_left

MAX_ID = 2**63 - 1
MAX_PAGE_SIZE = 200
#: The deadline's name on inbox rows and due lists (hotline.inbox.due.DEADLINE_FILTERS uses the same message).
DEADLINE_LABEL = _l("Assistance")
DIRECTIONS = ("sent", "received")


def visible(user):
    """SQL condition: requests sent from or to a region the user sees."""
    return or_(region_clause(Assist.from_region_code, user), region_clause(Assist.region_code, user))


def get_assist_or_404(assist_id: int, user) -> Assist:
    """A request the user may read (asking or assisting region); 404 otherwise (never say which)."""
    if not 0 < assist_id <= MAX_ID:
        abort(404)
    assist = db.session.get(Assist, assist_id)
    if assist is None or not sees_assist(user, assist):
        abort(404)
    return assist


def list_assists(user, *, status: str | None = None, direction: str | None = None, cursor: int | None = None,
                 page_size: int = 50) -> tuple[list[Assist], int | None]:
    """Newest first. ``direction``: ``sent`` (asked by the user's own region) or ``received`` (asked of it);
    None: both, every region the user sees. ``cursor`` is the last id of the previous page."""
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    stmt = select(Assist).where(visible(user)).options(selectinload(Assist.case))
    if status:
        stmt = stmt.where(Assist.status == status)
    if direction == "sent":
        stmt = stmt.where(region_clause(Assist.from_region_code, user))
    elif direction == "received":
        stmt = stmt.where(region_clause(Assist.region_code, user))
    if cursor is not None:
        stmt = stmt.where(Assist.id < cursor)
    rows = list(db.session.scalars(stmt.order_by(Assist.id.desc()).limit(page_size + 1)))
    return rows[:page_size], (rows[page_size - 1].id if len(rows) > page_size else None)


def case_assists(case) -> list[Assist]:
    """The requests made on ``case``, oldest first (its page shows them to the regions that read the case)."""
    return list(db.session.scalars(select(Assist).where(Assist.case_id == case.id).order_by(Assist.id)))


def is_overdue(assist: Assist, today: date) -> bool:
    return assist.is_pending and assist.due_on < today


def _item(assist: Assist, today: date, cal: WorkCalendar) -> InboxItem:
    from hotline.assists import bp

    left, overdue, missing = working_days_left(cal.for_region(assist.region_code), today, assist.due_on)
    title = _("Assistance (协查) for %(region)s: %(summary)s", region=_region_name(assist.from_region_code),
              summary=assist.case_summary[:40])
    # The case id is not on the row: the assisting region cannot open the case.
    return InboxItem(kind="assist", title=title, deadline=str(DEADLINE_LABEL), url=f"{bp.url_prefix}/{assist.id}",
                     due_on=assist.due_on, working_days_left=left, overdue=overdue, missing_year=missing,
                     assist_id=assist.id)


def _region_name(code: str) -> str:
    from hotline.reference import queries as ref

    region = ref.region_map().get(code)
    return region.name if region else code


def inbox_items(user, today: date, cal: WorkCalendar) -> list[InboxItem]:
    """The requests pending at the user's own office (its officers and supervisors answer them)."""
    if user.role not in ROLES:
        return []
    stmt = select(Assist).where(Assist.region_code == user.region_code,
                                Assist.status == AssistStatus.pending.value).order_by(Assist.id)
    return sorted((_item(a, today, cal) for a in db.session.scalars(stmt)), key=InboxItem.sort_key)


def due_items(user, today: date, cal: WorkCalendar, until: date | None = None, *,
              mine: bool = False) -> list[InboxItem]:
    """Pending requests sent from or to the user's regions, due by ``until`` (None: every pending one, overdue
    ones included). ``mine``: those the user asked, and those asked of their own office."""
    if user.role not in ROLES:
        return []
    stmt = select(Assist).where(visible(user), Assist.status == AssistStatus.pending.value)
    if until is not None:
        stmt = stmt.where(Assist.due_on <= until)
    if mine:
        stmt = stmt.where(or_(Assist.created_by_id == user.id, Assist.region_code == user.region_code))
    return sorted((_item(a, today, cal) for a in db.session.scalars(stmt.order_by(Assist.id))),
                  key=InboxItem.sort_key)
