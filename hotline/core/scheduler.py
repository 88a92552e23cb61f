"""The embedded scheduler: with no Redis (``make run``), the beat schedule runs inside the web processes.

Every gunicorn worker runs a thread (started by ``gunicorn.conf.py``'s ``post_worker_init``) that wakes every
``SCHEDULER_TICK_SECONDS`` and, for each job of :data:`EMBEDDED_JOBS`, works out its latest due time from the
same schedule Celery beat uses (``workers/schedule.py``; crontab fields in UTC, Beijing = UTC+8). Before running
a due time it INSERTs a ``scheduled_runs`` row (job, due_at) — unique, so across all workers and hosts sharing the
database exactly one INSERT succeeds, and only that process runs the job. The task body runs in-process as the
outbox's embedded routes do (``hotline.core.dispatch.run_in_process``).

Missed runs: only the latest due time counts, so a server that was down over several due times runs each job once
when it starts (every job here is idempotent and works on "today", so one run catches up).

Delivery is **at most once per due time**: the row is committed before the job starts, so a process that dies
mid-job leaves it "running" and nobody reruns that due time; the job's next due time (a minute, an hour or a day
later) does the work, since each job is idempotent and cumulative (overdue records, reminders and digests by key,
statistics rebuilt whole). At-least-once would need a lease and a takeover after a timeout, and could run a long
job twice side by side; the jobs' own catch-up makes that unnecessary.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from hotline.core.models import ScheduledRun
from hotline.core.types import utcnow
from hotline.extensions import db, sqlite_write_lock_first

logger = logging.getLogger(__name__)

#: The beat jobs the embedded mode runs (the heartbeat only feeds Redis; there is none here).
EMBEDDED_JOBS = ("cases.mark_overdue", "stats.build_previous_month", "stats.sweep",
                 "maintenance.purge_login_failures", "notifications.remind", "notifications.digest",
                 "notifications.send_email")
#: Rows of past runs are kept this long (the record of what ran), then deleted by the tick.
KEEP_DAYS = 7
TABLE = ScheduledRun.__table__


def latest_due(schedule, now: datetime) -> datetime | None:
    """The latest due time at or before ``now`` (UTC) of a beat schedule entry: an interval in seconds (runs at
    every multiple of it since the epoch) or a Celery ``crontab`` (fields read in UTC, as beat does here)."""
    now = now.astimezone(UTC)
    seconds = schedule.total_seconds() if isinstance(schedule, timedelta) else schedule
    if isinstance(seconds, int | float):
        step = int(seconds)
        return datetime.fromtimestamp(int(now.timestamp()) // step * step, UTC)
    if hasattr(schedule, "run_every") and not hasattr(schedule, "hour"):
        return latest_due(schedule.run_every, now)
    minutes, hours = sorted(schedule.minute, reverse=True), sorted(schedule.hour, reverse=True)
    day = now.date()
    for _ in range(400):
        # Celery numbers weekdays from Sunday = 0.
        if (day.month in schedule.month_of_year and day.day in schedule.day_of_month
                and day.isoweekday() % 7 in schedule.day_of_week):
            for hour in hours:
                for minute in minutes:
                    candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
                    if candidate <= now:
                        return candidate
        day -= timedelta(days=1)
    return None


def _runner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def claim(job: str, due_at: datetime) -> bool:
    """Insert the (job, due_at) row in a transaction of its own; True if this process inserted it."""
    try:
        with db.engine.begin() as conn:
            conn.execute(sa.insert(TABLE).values(job=job, due_at=due_at, state="running", started_at=utcnow(),
                                                 runner=_runner()))
        return True
    except sa.exc.IntegrityError:
        return False


def _finish(job: str, due_at: datetime, state: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.update(TABLE).where(TABLE.c.job == job, TABLE.c.due_at == due_at)
                     .values(state=state, finished_at=utcnow()))


def beat_jobs(app) -> dict[str, tuple[object, Callable[[], bool]]]:
    """name → (schedule, run) for :data:`EMBEDDED_JOBS`, each run being the Celery task's body in-process."""
    from hotline.core.dispatch import run_in_process
    from workers.schedule import BEAT_SCHEDULE

    celery = app.extensions["celery"]
    celery.loader.import_default_modules()  # the task modules (``include``): a web process has not loaded them
    jobs = {}
    for name in EMBEDDED_JOBS:
        entry = BEAT_SCHEDULE[name]
        task = celery.tasks[entry["task"]]
        jobs[name] = (entry["schedule"], lambda task=task, name=name: run_in_process(app, task, name))
    return jobs


def tick(app, now: datetime | None = None, jobs: Mapping[str, tuple] | None = None) -> list[tuple[str, datetime]]:
    """Run every job whose latest due time no process has claimed yet. Returns the (job, due_at) run here."""
    now = now or utcnow()
    ran = []
    with app.app_context():
        jobs = jobs if jobs is not None else beat_jobs(app)
        for name, (schedule, run) in jobs.items():
            due = latest_due(schedule, now)
            if due is None or not claim(name, due):
                continue
            logger.info("scheduler: %s due %s starts", name, due.isoformat())
            # On SQLite a job's read-then-write transaction would fail at once ("database is locked") when another
            # process wrote in between; taking the write lock up front makes it wait like a request.
            token = sqlite_write_lock_first.set(True)
            try:
                ok = run()
            finally:
                sqlite_write_lock_first.reset(token)
            _finish(name, due, "done" if ok else "failed")
            ran.append((name, due))
    return ran


def purge(app, now: datetime | None = None) -> int:
    """Delete the record of runs older than KEEP_DAYS."""
    cutoff = (now or utcnow()) - timedelta(days=KEEP_DAYS)
    with app.app_context(), db.engine.begin() as conn:
        return conn.execute(sa.delete(TABLE).where(TABLE.c.due_at < cutoff)).rowcount


class EmbeddedScheduler:
    """The thread of one web process: ticks until the process ends."""

    def __init__(self, app, interval: float | None = None):
        self.app = app
        self.interval = float(interval or app.config.get("SCHEDULER_TICK_SECONDS") or 20)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_purge = 0.0

    def start(self) -> EmbeddedScheduler:
        self._thread = threading.Thread(target=self._loop, name="embedded-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        # A little jitter: the workers started together do not all hit the database in the same millisecond.
        self._stop.wait(random.uniform(0, 2))  # noqa: S311 - not security
        while not self._stop.is_set():
            try:
                tick(self.app)
                if time.monotonic() - self._last_purge > 3600:
                    purge(self.app)
                    self._last_purge = time.monotonic()
            except Exception:  # noqa: BLE001 - the database may be away for a moment; try at the next tick
                logger.exception("embedded scheduler tick failed")
            self._stop.wait(self.interval)


def start_embedded(app) -> EmbeddedScheduler | None:
    """Start the scheduler thread in this process when the app runs without Redis (embedded mode)."""
    if app.config.get("REDIS_URL") or not app.config.get("EMBEDDED_SCHEDULER", True):
        return None
    logger.info("embedded scheduler started (%s)", _runner())
    return EmbeddedScheduler(app).start()
