"""Read side of notifications: a user's own, newest first; another user's answer 404."""

from __future__ import annotations

from flask import abort, g, has_request_context
from sqlalchemy import select

from hotline.extensions import db
from hotline.notifications.models import Notification
from hotline.notifications.operations import unread_count

MAX_ID = 2**63 - 1


def get_notification_or_404(notification_id: int, user) -> Notification:
    """One of ``user``'s notifications; 404 for a missing one and for anybody else's."""
    if not 0 < notification_id <= MAX_ID:
        abort(404)
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        abort(404)
    return notification


def list_notifications(user, *, unread: bool = False, before_id: int | None = None,
                       page_size: int = 50) -> tuple[list[Notification], int | None]:
    """``user``'s notifications, newest first (keyset on id), and the id to continue before (None: last page)."""
    stmt = select(Notification).where(Notification.user_id == user.id)
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    if before_id:
        stmt = stmt.where(Notification.id < before_id)
    rows = list(db.session.scalars(stmt.order_by(Notification.id.desc()).limit(page_size + 1)))
    return rows[:page_size], (rows[page_size - 1].id if len(rows) > page_size else None)


def unread_count_cached(user) -> int:
    """The bell's number, computed once per request."""
    if not has_request_context():
        return unread_count(user)
    cache = g.setdefault("_unread_notifications", {})
    if user.id not in cache:
        cache[user.id] = unread_count(user)
    return cache[user.id]
