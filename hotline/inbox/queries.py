"""The inbox (我的待办): every domain's ``inbox_items(user, today, cal)`` merged, most urgent first.

Adding a domain is one line in ``PROVIDERS``. A request computes a user's inbox once (``g``): the top bar's count
and the inbox page share it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import date

from flask import g, has_request_context

from hotline.approvals import queries as approval_queries
from hotline.assists import queries as assist_queries
from hotline.calls.queries import inbox_items as call_items
from hotline.cases.queries import inbox_items as case_items
from hotline.core.clock import local_today
from hotline.core.errors import ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.deadlines.calendar import WorkCalendar
from hotline.inbox.items import InboxItem
from hotline.supervision import queries as supervision_queries
from hotline.transfers import queries as transfer_queries

#: ``(user, today, cal) -> list[InboxItem]`` of every domain that puts work in someone's inbox.
PROVIDERS: list[Callable] = [
    case_items,
    call_items,
    transfer_queries.inbox_items,
    approval_queries.inbox_items,
    supervision_queries.inbox_items,
    assist_queries.inbox_items,
]


def item_id(item: InboxItem) -> str:
    """A stable id of the row: what it is about and which deadline (``deadline:case=12:结案``)."""
    for name in ("transfer_id", "approval_id", "assist_id", "case_id", "call_id"):
        value = getattr(item, name)
        if value is not None:
            return f"{item.kind}:{name.removesuffix('_id')}={value}:{item.deadline}"
    return f"{item.kind}:{item.url}:{item.deadline}"


def _order(item: InboxItem) -> tuple:
    return (*item.sort_key(), item_id(item))


def inbox_items(user, today: date | None = None, cal: WorkCalendar | None = None) -> list[InboxItem]:
    """Everything waiting for ``user``, most urgent first (overdue longest first, then soonest due, then the rows
    without a computable date). Cached for the request when called with the defaults."""
    cacheable = today is None and cal is None and has_request_context()
    if cacheable:
        cache = g.setdefault("_inbox_items", {})
        if user.id in cache:
            return cache[user.id]
    today = today or local_today()
    cal = cal or WorkCalendar()
    items: list[InboxItem] = []
    for provider in PROVIDERS:
        items.extend(provider(user, today, cal))
    items.sort(key=_order)
    if cacheable:
        cache[user.id] = items
    return items


def inbox_count(user) -> int:
    """Open items of ``user`` (the top bar's number)."""
    return len(inbox_items(user))


def _encode(item: InboxItem) -> str:
    return base64.urlsafe_b64encode(json.dumps(_order(item), default=str, ensure_ascii=False)
                                    .encode()).decode().rstrip("=")


def _cursor_shape(value: list) -> bool:
    """The types of a sort key as ``_encode`` writes it: two integers, then text (due date, kind, title, id)."""
    return (all(isinstance(v, int) and not isinstance(v, bool) for v in value[:2])
            and all(isinstance(v, str) for v in value[2:]))


def _decode(cursor: str) -> list:
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode())
        value = json.loads(raw.decode())
        if not isinstance(value, list) or len(value) != 6 or not _cursor_shape(value):
            raise ValueError(cursor)
        return value
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed(_("Invalid cursor."),
                               {"cursor": [_("Invalid cursor; start again from the first page.")]}) from None


def _comparable(key: tuple) -> list:
    """A sort key as JSON gives it back (dates as ISO text, which sorts the same)."""
    return json.loads(json.dumps(key, default=str, ensure_ascii=False))


def inbox_page(user, *, cursor: str | None = None, page_size: int = 50) -> tuple[list[InboxItem], str | None]:
    """One page of the inbox and the cursor of the next (None on the last). The cursor is the last row's place
    in the order, so a row done meanwhile does not shift the next page."""
    items = inbox_items(user)
    if cursor:
        after = _decode(cursor)
        items = [item for item in items if _comparable(_order(item)) > after]
    page = items[:page_size]
    return page, (_encode(page[-1]) if len(items) > page_size else None)
