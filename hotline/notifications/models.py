"""A user's notifications and their per-kind e-mail preferences."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.core.models import BigId
from hotline.core.types import UTCDateTime, utcnow
from hotline.extensions import db


class NotificationKind(enum.StrEnum):
    new_item = "new_item"
    due_tomorrow = "due_tomorrow"
    overdue = "overdue"
    approval_decided = "approval_decided"
    digest = "digest"


KIND_LABELS = {
    NotificationKind.new_item: _l("New item in my inbox"),
    NotificationKind.due_tomorrow: _l("Due on the next working day"),
    NotificationKind.overdue: _l("Became overdue"),
    NotificationKind.approval_decided: _l("Approval decided"),
    NotificationKind.digest: _l("Daily digest (08:00)"),
}

_KIND_VALUES = ", ".join(f"'{k.value}'" for k in NotificationKind)


class Notification(db.Model):
    """One reminder for one user. ``key`` names the event: the same event never notifies a user twice."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_KIND_VALUES})", name="kind"),
        UniqueConstraint("user_id", "key", name="uq_notifications_user_key"),
        # The bell's unread count and the "unread" filter; the page lists a user's newest first.
        Index("ix_notifications_user_read_at", "user_id", "read_at"),
        Index("ix_notifications_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    #: The page that works the item (a path of this app).
    url: Mapped[str] = mapped_column(String(500), nullable=False)
    #: Longer text: the digest's list of what is due.
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: What it is about (``case``, ``call``, ``transfer``, ``approval`` …), if one record.
    object_type: Mapped[str | None] = mapped_column(String(20), nullable=True)
    object_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    #: The event, unique per user: ``overdue:deadline:case=12:结案:2015-06-30``, ``digest:2026-12-07``.
    key: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: When the SMTP server accepted its e-mail (null: not e-mailed, or not yet).
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} user={self.user_id}>"


class NotificationPreference(db.Model):
    """Whether a user also gets e-mail for a kind of notification (no row: in-app only)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (CheckConstraint(f"kind IN ({_KIND_VALUES})", name="kind"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
