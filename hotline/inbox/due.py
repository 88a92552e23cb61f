"""The due lists (到期 / 超期): every domain's pending deadlines in one list of ``InboxItem`` rows, each naming its
deadline (立案 / 结案 / 公示 / 受理 / 签收 / 反馈 / 回访 / 进展报告 / 结案报告) and the working days left or late.
Queries only: the due pages and ``GET /api/v1/due`` read it.

``DUE_PROVIDERS`` is the one place that lists the domains taking part. A provider is
``due_items(user, today, cal, until=None, *, mine=False) -> list[InboxItem]``: the deadlines pending in the
user's regions, overdue or due by ``until`` (all pending ones when None), ``mine`` limiting them to the user's own
records. A deadline that cannot be computed (its calendar year is not loaded) is still a row, with
``missing_year`` set and no date.

The "to complete" (待补录) list is apart: penalty decisions closed long ago whose publication was never recorded
(``hotline.cases.queries.publication_backlog``) are data to complete, not work overdue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hotline.approvals import queries as approval_queries
from hotline.assists import queries as assist_queries
from hotline.calls import queries as call_queries
from hotline.cases import queries as case_queries
from hotline.core.permissions import Role
from hotline.deadlines.calendar import WorkCalendar
from hotline.deadlines.models import CalendarDay
from hotline.extensions import db
from hotline.inbox.items import InboxItem
from hotline.supervision import queries as supervision_queries
from hotline.transfers import queries as transfer_queries

#: Every domain's due-list rows.
DUE_PROVIDERS: list[Callable[..., list[InboxItem]]] = [
    case_queries.due_items,
    call_queries.due_items,
    transfer_queries.due_items,
    approval_queries.due_items,
    supervision_queries.due_items,
    assist_queries.due_items,
]

#: The deadline filter: code → the label its rows carry (InboxItem.deadline).
DEADLINE_FILTERS = {
    "file": case_queries.DEADLINE_LABELS["file"],
    "close": case_queries.DEADLINE_LABELS["close"],
    "publish": case_queries.DEADLINE_LABELS["publish"],
    "accept": _l("Acceptance"),
    "sign": _l("Signing"),
    "answer": _l("Answer"),
    "callback": _l("Call-back"),
    "approval": _l("Approval"),
    "report_progress": supervision_queries.REPORT_LABELS["progress"],
    "report_final": supervision_queries.REPORT_LABELS["final"],
    "assist": assist_queries.DEADLINE_LABEL,
}
#: The most rows a due list shows (the most urgent ones).
DUE_LIST_LIMIT = 500
#: The holiday-arrangement banner shows from this day of the year (month, day) until next year is loaded.
CALENDAR_BANNER_FROM = (11, 1)


@dataclass
class DueList:
    items: list[InboxItem]
    #: More rows matched than the list shows (the most urgent ones are shown).
    truncated: bool
    overdue: int
    undated: int


def due_list(user, today: date, *, until: date | None = None, mine: bool = False, deadline: str | None = None,
             overdue_only: bool = False, cal: WorkCalendar | None = None,
             providers: list[Callable[..., list[InboxItem]]] | None = None) -> DueList:
    """The merged due list of ``user``, most urgent first (overdue longest first, then soonest due, then the rows
    whose date cannot be computed). ``deadline``: a code of DEADLINE_FILTERS; ``overdue_only``: only the late
    ones (those without a computable date stay: nobody can tell they are not late)."""
    cal = cal or WorkCalendar()
    if overdue_only:
        until = today - timedelta(days=1)
    items: list[InboxItem] = []
    for provider in providers if providers is not None else DUE_PROVIDERS:
        items.extend(provider(user, today, cal, until, mine=mine))
    if deadline in DEADLINE_FILTERS:
        label = str(DEADLINE_FILTERS[deadline])
        items = [item for item in items if item.deadline == label]
    if overdue_only:
        items = [item for item in items if item.overdue or item.due_on is None]
    items.sort(key=InboxItem.sort_key)
    return DueList(items=items[:DUE_LIST_LIMIT], truncated=len(items) > DUE_LIST_LIMIT,
                   overdue=sum(1 for item in items if item.overdue),
                   undated=sum(1 for item in items if item.due_on is None))


def week_end(today: date) -> date:
    """The Sunday of ``today``'s week."""
    return today + timedelta(days=6 - today.weekday())


def missing_next_year(user, today: date) -> int | None:
    """From 1 November, for administrators and supervisors: next year when its holiday arrangement is not loaded
    (calendar_days has no row in it), so the deadlines that fall there cannot be computed."""
    if getattr(user, "role", None) not in (Role.admin, Role.supervisor):
        return None
    if (today.month, today.day) < CALENDAR_BANNER_FROM:
        return None
    year = today.year + 1
    loaded = db.session.scalar(select(CalendarDay.day).where(CalendarDay.day >= date(year, 1, 1),
                                                             CalendarDay.day <= date(year, 12, 31)).limit(1))
    return None if loaded is not None else year
