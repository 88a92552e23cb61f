"""Health checks for /api/v1/health: database, Redis, worker heartbeat. No secrets in the output."""

from __future__ import annotations

import time

from flask import current_app
from sqlalchemy import text

from hotline.extensions import db

#: Redis key the worker's heartbeat task writes (unix time); beat runs it every 30 s.
HEARTBEAT_KEY = "hotline:worker:heartbeat"
HEARTBEAT_STALE_SECONDS = 120


def check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception:  # noqa: BLE001 - any failure means "down" to a health probe
        db.session.rollback()
        return "down"


def redis_client():
    """A Redis client with short timeouts (a hung Redis must not hang a web request), or None."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = current_app.extensions.get("hotline_redis")
    if client is None:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0,
                                      health_check_interval=30)
        current_app.extensions["hotline_redis"] = client
    return client


def check_redis_and_worker() -> tuple[str, str]:
    client = redis_client()
    if client is None:
        # Embedded mode: tasks run in-process, so there is no separate worker to be stale.
        return "not_configured", "in_process"
    try:
        client.ping()
        beat = client.get(HEARTBEAT_KEY)
    except Exception:  # noqa: BLE001
        return "down", "unknown"
    if beat is None:
        return "ok", "missing"
    age = time.time() - float(beat)
    return "ok", "ok" if age <= HEARTBEAT_STALE_SECONDS else "stale"


def health_report() -> dict[str, str]:
    redis_state, worker_state = check_redis_and_worker()
    return {"database": check_database(), "redis": redis_state, "worker": worker_state}
