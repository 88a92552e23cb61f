"""API: the inbox (``GET /inbox``) and notifications (``GET /notifications``, ``POST /notifications/{id}/read``)."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from hotline.api.registry import api_route
from hotline.api.schemas import Out, Query
from hotline.core.errors import ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.inbox.items import KINDS
from hotline.inbox.queries import inbox_page, item_id
from hotline.notifications.models import NotificationKind
from hotline.notifications.operations import mark_read
from hotline.notifications.queries import get_notification_or_404, list_notifications


class InboxQuery(Query):
    page_size: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=1000, description="Opaque; from the previous page's next_cursor.")


class InboxItemOut(Out):
    kind: Literal[KINDS]  # type: ignore[valid-type]
    id: str = Field(description="Stable id of the row: what it is about and which deadline.")
    title: str
    deadline: str = Field(description="Which deadline: 立案 / 结案 / 公示 / 受理 / 签收 / 反馈 / 回访 / 审批 …")
    url: str = Field(description="The page of this app that works the item.")
    call_id: int | None
    case_id: int | None
    transfer_id: int | None
    approval_id: int | None
    assist_id: int | None
    due_on: date | None
    working_days_left: int | None = Field(description="0: due today; negative: overdue by that many working days; "
                                                      "null when the date cannot be computed.")
    overdue: bool
    missing_year: int | None = Field(description="The calendar year to load before the deadline can be computed.")


class InboxOut(Out):
    items: list[InboxItemOut]
    next_cursor: str | None


class NotificationQuery(Query):
    unread: bool = False
    page_size: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=40, description="Opaque; from the previous page's next_cursor.")


class NotificationOut(Out):
    id: int
    kind: Literal[tuple(k.value for k in NotificationKind)]  # type: ignore[valid-type]
    title: str
    url: str
    body: str | None
    object_type: str | None
    object_id: int | None
    created_at: datetime
    read_at: datetime | None


class NotificationPageOut(Out):
    items: list[NotificationOut]
    next_cursor: str | None


def _inbox_item(item) -> dict:
    data = item.as_dict()
    data["id"] = item_id(item)
    return data


def _notification(n) -> dict:
    return {"id": n.id, "kind": n.kind, "title": n.title, "url": n.url, "body": n.body,
            "object_type": n.object_type, "object_id": n.object_id, "created_at": n.created_at.isoformat(),
            "read_at": n.read_at.isoformat() if n.read_at else None}


@api_route("/inbox", "GET", summary="My inbox (我的待办), most urgent first", tag="inbox", query=InboxQuery,
           responses={200: InboxOut})
def inbox(user, query: InboxQuery):
    """What waits for the token's user and their office: overdue longest first, then soonest due, then the rows
    whose deadline cannot be computed (``missing_year``)."""
    items, next_cursor = inbox_page(user, cursor=query.cursor, page_size=query.page_size)
    return {"items": [_inbox_item(i) for i in items], "next_cursor": next_cursor}


def _decode_before(cursor: str) -> int:
    try:
        value = int(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode())
        if value <= 0:
            raise ValueError(cursor)
        return value
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed(_("Invalid cursor."),
                               {"cursor": [_("Invalid cursor; start again from the first page.")]}) from None


@api_route("/notifications", "GET", summary="My notifications, newest first", tag="inbox", query=NotificationQuery,
           responses={200: NotificationPageOut})
def notifications(user, query: NotificationQuery):
    before = _decode_before(query.cursor) if query.cursor else None
    rows, next_before = list_notifications(user, unread=query.unread, before_id=before, page_size=query.page_size)
    cursor = base64.urlsafe_b64encode(str(next_before).encode()).decode().rstrip("=") if next_before else None
    return {"items": [_notification(n) for n in rows], "next_cursor": cursor}


@api_route("/notifications/<int:notification_id>/read", "POST", summary="Mark one of my notifications read",
           tag="inbox", errors=[404], responses={200: NotificationOut})
def read_notification(user, notification_id: int):
    """Another user's notification answers 404. Marking a read one again changes nothing."""
    notification = get_notification_or_404(notification_id, user)
    mark_read(notification, actor=user)
    return _notification(notification)
