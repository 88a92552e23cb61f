"""Beat schedule. Times are UTC (the Celery app's timezone); comments give Beijing time."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "maintenance.heartbeat": {"task": "maintenance.heartbeat", "schedule": 30.0},
    # 03:30 Beijing time: drop failed-login records older than a day.
    "maintenance.purge_login_failures": {"task": "maintenance.purge_login_failures",
                                         "schedule": crontab(hour=19, minute=30)},
}
