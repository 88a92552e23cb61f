"""Housekeeping tasks: worker heartbeat, purge of old failed-login records."""

from __future__ import annotations

import time
from datetime import timedelta

from celery import shared_task
from flask import current_app

from hotline.accounts.security import purge_old_login_failures
from hotline.core.health import HEARTBEAT_KEY, redis_client
from hotline.core.types import utcnow
from hotline.extensions import db


@shared_task(name="maintenance.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Record that a worker is alive (shown by /api/v1/health). Idempotent."""
    client = redis_client()
    if client is not None:
        client.set(HEARTBEAT_KEY, str(time.time()), ex=3600)


@shared_task(name="maintenance.purge_login_failures", ignore_result=True)
def purge_login_failures() -> int:
    """Delete failed-login records past their keeping time (90 days by default; never inside the throttling window).

    Idempotent.
    """
    cfg = current_app.config
    keep = max(timedelta(days=cfg["LOGIN_FAILURE_KEEP_DAYS"]), timedelta(seconds=cfg["LOGIN_FAILURE_WINDOW_SECONDS"]))
    removed = purge_old_login_failures(utcnow() - keep)
    db.session.commit()
    return removed
