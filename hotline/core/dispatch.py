"""After a commit that wrote outbox rows, nudge the task that handles each topic. Never fails the request.

This module is the one place that knows the workers: ``ROUTES`` maps an outbox topic to its Celery task. Domains
only write outbox rows (``hotline.core.outbox``). If Redis is down the rows simply wait: beat's sweeps run the
same handlers every minute, so an outage only delays the work. In embedded mode (no Redis) a route either runs
its task in a background thread after the commit (``embedded=True``: mail must go out without a worker) or
leaves the rows to their reader (the statistics refresh stale months when they are read).
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
import weakref
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from hotline.core import outbox

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Route:
    #: "module:attribute" of the Celery task that drains the topic (imported only when a nudge is sent).
    task: str
    #: Seconds to wait for more rows before running (one run per window); 0 runs at once.
    debounce: int = 0
    #: In embedded mode (no Redis), run the task in a background thread after the commit.
    embedded: bool = False


ROUTES: dict[str, Route] = {
    # Months whose figures changed: refreshed within 30 s (the current month follows new data within 5 minutes).
    "stats.stale": Route("workers.tasks.stats:refresh_stale", debounce=30),
    # Notification e-mail: sent at once, by a thread in embedded mode too (beat's minute sweep retries).
    "notifications.email": Route("workers.tasks.notifications:send_email", embedded=True),
}

#: Seconds to wait for more changes before refreshing the statistics (kept for callers of the old module).
DEBOUNCE_SECONDS = ROUTES["stats.stale"].debounce
_DEBOUNCE_PREFIX = "hotline:outbox:scheduled:"
_DEBOUNCE_KEY = _DEBOUNCE_PREFIX + "stats.stale"
#: Per Redis client and topic: until when (time.monotonic) this process knows the debounce key is set. Until
#: then a SET NX cannot succeed, so the intake skips that round trip (a Redis call on every commit was about a
#: tenth of an intake's CPU). Only an early loss of the key (Redis flushed or restarted within the window) makes a
#: difference: the nudges of the rest of the window are skipped, and beat's sweep catches up within a minute.
_KEY_SET_UNTIL: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: Try again this long before the key's expiry as Redis reported it (the two clocks, the round trip).
_MARGIN_SECONDS = 1.0


def task_for(topic: str):
    route = ROUTES[topic]
    module, _, name = route.task.partition(":")
    return getattr(importlib.import_module(module), name)


def nudge(topic: str) -> bool:
    """Queue the topic's task (once per debounce window). Returns True if a task was queued."""
    from hotline.core.health import redis_client

    route = ROUTES.get(topic)
    if route is None:
        logger.error("outbox topic %r has no route; its rows wait", topic)
        return False
    client = redis_client()
    if client is None:
        return False
    try:
        if route.debounce:
            known = _KEY_SET_UNTIL.setdefault(client, {})
            if time.monotonic() < known.get(topic, 0.0):
                return False
            key = _DEBOUNCE_PREFIX + topic
            pipe = client.pipeline(transaction=False)  # one round trip: claim the window, and learn when it ends
            pipe.set(key, "1", nx=True, ex=route.debounce)
            pipe.pttl(key)
            claimed, ttl_ms = pipe.execute()
            if ttl_ms and ttl_ms > 0:
                known[topic] = time.monotonic() + ttl_ms / 1000 - _MARGIN_SECONDS
            if not claimed:
                return False
        task_for(topic).apply_async(countdown=route.debounce or None, retry=False)
        return True
    except Exception as exc:  # noqa: BLE001 - the sweeper will catch up; the request must not fail
        logger.warning("%s not queued (%s); the periodic sweep will pick it up", topic, type(exc).__name__)
        return False


def nudge_refresh() -> bool:
    """Queue one statistics refresh within the debounce window."""
    return nudge("stats.stale")


def run_in_process(app, task, label: str) -> bool:
    """Embedded mode: run a Celery task's body here, in its own app context and session. True if it finished;
    a failure is logged (never raised: the caller is a background thread)."""
    try:
        with app.app_context():
            task.run()
        return True
    except Exception:  # noqa: BLE001 - logged; outbox rows stay pending, a scheduled job runs at its next due time
        logger.exception("embedded run of %s failed", label)
        return False


def _run_embedded(app, topic: str) -> None:
    # The topic's rows stay pending when it fails: the next commit or the embedded scheduler's sweep runs it again.
    run_in_process(app, task_for(topic), topic)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    topics = outbox.pending_topics(session)
    if not topics or not has_app_context():
        return
    if current_app.config.get("REDIS_URL"):
        for topic in sorted(topics):
            nudge(topic)
        return
    app = current_app._get_current_object()
    for topic in sorted(topics):
        route = ROUTES.get(topic)
        if route is not None and route.embedded:
            threading.Thread(target=_run_embedded, args=(app, topic), name=f"outbox-{topic}", daemon=True).start()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    outbox.forget(session)
