"""After a commit that wrote outbox rows, nudge the worker (debounced). Never fails the request.

If Redis is down the rows simply wait: beat's sweeper runs the same refresh every minute, so an outage only
delays the statistics. In embedded mode (no Redis) nothing is queued: snapshots of stale months are refreshed
when the statistics are read.
"""

from __future__ import annotations

import logging
import time
import weakref

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

#: Seconds to wait for more changes before refreshing (the current month follows new data within 5 minutes).
DEBOUNCE_SECONDS = 30
_DEBOUNCE_KEY = "hotline:stats:refresh-scheduled"
#: Per Redis client: until when (time.monotonic) this process knows the debounce key is set. Until then a SET NX
#: cannot succeed, so the intake skips that round trip (a Redis call on every commit was about a tenth of an
#: intake's CPU). Only an early loss of the key (Redis flushed or restarted within the window) makes a difference:
#: the nudges of the rest of the window are then skipped, and beat's sweep refreshes within a minute, as after an
#: outage.
_KEY_SET_UNTIL: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: Try again this long before the key's expiry as Redis reported it (the two clocks, the round trip).
_MARGIN_SECONDS = 1.0


def nudge_refresh() -> bool:
    """Queue one ``stats.refresh_stale`` within the debounce window. Returns True if a task was queued."""
    from hotline.core.health import redis_client

    client = redis_client()
    if client is None:
        return False
    if time.monotonic() < _KEY_SET_UNTIL.get(client, 0.0):
        return False
    try:
        pipe = client.pipeline(transaction=False)  # one round trip: claim the window, and learn when it ends
        pipe.set(_DEBOUNCE_KEY, "1", nx=True, ex=DEBOUNCE_SECONDS)
        pipe.pttl(_DEBOUNCE_KEY)
        claimed, ttl_ms = pipe.execute()
        if ttl_ms and ttl_ms > 0:
            _KEY_SET_UNTIL[client] = time.monotonic() + ttl_ms / 1000 - _MARGIN_SECONDS
        if not claimed:
            return False
        from workers.tasks.stats import refresh_stale

        refresh_stale.apply_async(countdown=DEBOUNCE_SECONDS, retry=False)
        return True
    except Exception as exc:  # noqa: BLE001 - the sweeper will catch up; the request must not fail
        logger.warning("statistics refresh not queued (%s); the periodic sweep will pick it up", type(exc).__name__)
        return False


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop("outbox_pending", False) and has_app_context() and current_app.config.get("REDIS_URL"):
        nudge_refresh()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("outbox_pending", None)
