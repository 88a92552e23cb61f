"""The transactional outbox: domains write work for the workers in the transaction that made the change.

A domain calls ``write(topic, payload)``; nothing is queued until the transaction commits, and then only a nudge
(``hotline.core.dispatch``). Handlers claim rows with ``claim`` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so a
nudged task and beat's sweep never take the same row) and mark them processed in the same transaction as the
work, so a crash before that commit leaves the rows to be taken again. Payloads carry ids and dates only: never
personal data (they are stored and sent to the broker).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select

from hotline.core.models import OutboxMessage
from hotline.core.types import utcnow
from hotline.extensions import db

_PENDING_TOPICS = "outbox_topics"
_WRITTEN = "outbox_written_keys"


def written(topic: str) -> None:
    """Note that the session's transaction wrote a ``topic`` row: its commit nudges that topic's task.
    For operations that INSERT the row themselves with Core (intake); ``write`` does it for the others."""
    db.session.info.setdefault(_PENDING_TOPICS, set()).add(topic)


def write(topic: str, payload: dict[str, Any]) -> bool:
    """Add one outbox row in the caller's transaction. The same topic and payload twice in one transaction is
    written once (a bulk recompute marking the same month stale for every case it touches). Returns whether a
    row was added."""
    key = (topic, json.dumps(payload, sort_keys=True, default=str))
    seen = db.session.info.setdefault(_WRITTEN, set())
    if key in seen:
        return False
    seen.add(key)
    db.session.add(OutboxMessage(topic=topic, payload=payload))
    written(topic)
    return True


def pending_topics(session) -> set[str]:
    """The topics the session's transaction wrote (and forget them, with the de-duplication keys)."""
    session.info.pop(_WRITTEN, None)
    return session.info.pop(_PENDING_TOPICS, None) or set()


def forget(session) -> None:
    """A rolled-back transaction wrote nothing."""
    session.info.pop(_WRITTEN, None)
    session.info.pop(_PENDING_TOPICS, None)


def claim(topic: str, limit: int = 1000) -> list[OutboxMessage]:
    """Pending rows of ``topic``, oldest first, locked against concurrent claimers on PostgreSQL."""
    stmt = (select(OutboxMessage).where(OutboxMessage.processed_at.is_(None), OutboxMessage.topic == topic)
            .order_by(OutboxMessage.id).limit(limit))
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(db.session.scalars(stmt))


def mark_processed(ids: list[int]) -> None:
    """Mark rows done, in the transaction of the work they asked for."""
    if ids:
        db.session.execute(OutboxMessage.__table__.update().where(OutboxMessage.id.in_(ids))
                           .values(processed_at=utcnow()))


def purge_processed(before: datetime) -> int:
    """Delete rows processed before ``before``; returns how many."""
    result = db.session.execute(OutboxMessage.__table__.delete().where(OutboxMessage.processed_at < before))
    return result.rowcount or 0
