"""Beat schedule. Crontab fields are UTC (the Celery app's timezone; China has no daylight saving, so Beijing is
always UTC+8); comments give Beijing time."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "maintenance.heartbeat": {"task": "maintenance.heartbeat", "schedule": 30.0},
    # 03:30 Beijing time: drop failed-login records older than a day.
    "maintenance.purge_login_failures": {"task": "maintenance.purge_login_failures",
                                         "schedule": crontab(hour=19, minute=30)},
    # Every minute: refresh months marked stale by the outbox (catches up after a Redis outage), re-queue
    # rebuilds that never started, purge processed outbox rows.
    "stats.sweep": {"task": "stats.sweep", "schedule": 60.0},
    # 01:00 UTC on the 1st (09:00 Beijing, nine hours after the Beijing month ended): the month that just ended.
    # Crontab fields are read in the app's timezone (UTC) whatever ``nowfun`` says (tests/workers/test_schedule.py).
    "stats.build_previous_month": {"task": "stats.build_previous_month",
                                   "schedule": crontab(minute=0, hour=1, day_of_month=1)},
    # 00:30 Beijing time (16:30 UTC the day before): record the deadlines that passed unmet (cases and calls).
    "cases.mark_overdue": {"task": "cases.mark_overdue", "schedule": crontab(hour=16, minute=30)},
    # Every minute: notification e-mail still pending (the mail server was down, Redis missed the nudge).
    "notifications.send_email": {"task": "notifications.send_email", "schedule": 60.0},
    # Hourly at :05: due-tomorrow and became-overdue notifications (idempotent by key).
    "notifications.remind": {"task": "notifications.remind", "schedule": crontab(minute=5)},
    # 08:00 Beijing time (00:00 UTC; China has no daylight saving): the daily digest. Written in UTC because
    # Celery 5.7's crontab reads its fields in the app's timezone (UTC) whatever ``nowfun`` returns.
    "notifications.digest": {"task": "notifications.digest", "schedule": crontab(minute=0, hour=0)},
}
