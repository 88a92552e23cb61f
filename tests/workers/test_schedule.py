"""The beat schedule runs each job at the Beijing time its comment promises (crontab fields are read in UTC)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

BEIJING = ZoneInfo("Asia/Shanghai")


def _next_run(name: str, after: datetime) -> datetime:
    from workers.celery_app import celery
    from workers.schedule import BEAT_SCHEDULE

    schedule = BEAT_SCHEDULE[name]["schedule"]
    schedule.app = celery
    start, delta, _now = schedule.remaining_delta(after)
    return (start + delta).astimezone(BEIJING)


@pytest.mark.parametrize(("name", "after", "expected"), [
    # The daily digest: 08:00 Beijing.
    ("notifications.digest", datetime(2026, 12, 7, 1, 0, tzinfo=UTC), datetime(2026, 12, 8, 8, 0, tzinfo=BEIJING)),
    # The overdue sweep: 00:30 Beijing, just after the day whose deadlines passed.
    ("cases.mark_overdue", datetime(2026, 12, 7, 1, 0, tzinfo=UTC), datetime(2026, 12, 8, 0, 30, tzinfo=BEIJING)),
    # The month that ended: on the 1st, after the Beijing month is over (09:00 Beijing).
    ("stats.build_previous_month", datetime(2026, 11, 30, 12, 0, tzinfo=UTC),
     datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING)),
])
def test_jobs_run_at_the_beijing_time_they_promise(name, after, expected):
    assert _next_run(name, after) == expected
