"""What the switch told us: one row per (switch call id, event)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.core.models import BigId
from hotline.core.types import UTCDateTime, utcnow
from hotline.extensions import db


class CtiEventKind(enum.StrEnum):
    ringing = "ringing"
    answered = "answered"
    hangup = "hangup"


_KINDS = ", ".join(f"'{k.value}'" for k in CtiEventKind)


class CtiEvent(db.Model):
    """A call event pushed by the switch. The switch retries (and may reorder) its pushes: the same event of the
    same call is stored once (the unique constraint decides, also between two requests at the same moment)."""

    __tablename__ = "cti_events"
    __table_args__ = (
        UniqueConstraint("cti_call_id", "event", name="uq_cti_events_call_event"),
        CheckConstraint(f"event IN ({_KINDS})", name="event"),
        # The agent's ringing calls: their latest events.
        Index("ix_cti_events_agent_occurred_at", "agent_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: The switch's own id of the call.
    cti_call_id: Mapped[str] = mapped_column(String(64), nullable=False)
    event: Mapped[str] = mapped_column(String(12), nullable=False)
    #: The caller's number as the switch sent it (personal data: never logged); null when withheld.
    caller_phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: The agent's username as the switch sent it, and the user it names (null: no such agent here).
    agent_username: Mapped[str | None] = mapped_column(String(80), nullable=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    #: When it happened at the switch (UTC), and when we stored it.
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: The service account that posted it.
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
