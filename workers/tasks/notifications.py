"""Notification tasks: send pending e-mail (outbox), hourly reminders, the 08:00 digest. Ids and dates only."""

from __future__ import annotations

import logging
from datetime import date, datetime

from celery import shared_task

from hotline.core.clock import local_today
from hotline.extensions import db
from hotline.notifications.operations import MailUnavailable, create_digests, create_reminders, send_pending_email

logger = logging.getLogger(__name__)


@shared_task(name="notifications.send_email", ignore_result=True)
def send_email() -> dict[str, int]:
    """Send every pending notification e-mail (nudged after the commit that created them; beat runs it every
    minute as the sweep). A mail server that is down leaves the rest pending for the next run."""
    try:
        counts = send_pending_email()
    except MailUnavailable as exc:
        db.session.rollback()
        logger.warning("notification e-mail delayed: the mail server is unavailable (%s)", exc)
        return {"sent": 0, "delayed": 1}
    if counts["sent"]:
        logger.info("notification e-mail: %d sent", counts["sent"])
    return counts


@shared_task(name="notifications.remind", ignore_result=True)
def remind(today_iso: str | None = None) -> int:
    """Hourly: due-tomorrow and became-overdue notifications from the inboxes (idempotent by key)."""
    today = date.fromisoformat(today_iso) if today_iso else local_today()
    try:
        created = create_reminders(today)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    logger.info("reminders %s: %d created", today.isoformat(), created)
    return created


@shared_task(name="notifications.digest", ignore_result=True)
def digest(now_iso: str | None = None) -> int:
    """08:00 Beijing time: each user's digest of the day (one per user and day, idempotent)."""
    from hotline.core.clock import local_date

    today = local_date(datetime.fromisoformat(now_iso)) if now_iso else local_today()
    try:
        created = create_digests(today)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    logger.info("digest %s: %d created", today.isoformat(), created)
    return created
