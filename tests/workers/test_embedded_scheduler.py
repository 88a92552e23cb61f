"""The embedded scheduler: each job runs once per due time however many web workers tick, at the Beijing times
of the beat schedule, a missed run once at start, and a run that died midway is not run again for that due time
(at most once per due time)."""

from __future__ import annotations

import multiprocessing
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from celery.schedules import crontab

from hotline.core.models import ScheduledRun
from hotline.core.scheduler import EMBEDDED_JOBS, latest_due, start_embedded, tick
from hotline.extensions import db
from workers.schedule import BEAT_SCHEDULE

BEIJING = ZoneInfo("Asia/Shanghai")


def _bj(*args) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


def _runs(app) -> list[tuple[str, datetime, str]]:
    with app.app_context():
        runs = db.session.scalars(sa.select(ScheduledRun).order_by(ScheduledRun.id))
        return [(r.job, r.due_at, r.state) for r in runs]


@pytest.mark.parametrize(("job", "now", "due"), [
    # The overdue sweep: 00:30 Beijing.
    ("cases.mark_overdue", _bj(2026, 12, 8, 0, 29), _bj(2026, 12, 7, 0, 30)),
    ("cases.mark_overdue", _bj(2026, 12, 8, 0, 30), _bj(2026, 12, 8, 0, 30)),
    # The digest: 08:00 Beijing.
    ("notifications.digest", _bj(2026, 12, 8, 7, 59), _bj(2026, 12, 7, 8, 0)),
    ("notifications.digest", _bj(2026, 12, 8, 8, 0, 20), _bj(2026, 12, 8, 8, 0)),
    # The month build: 09:00 Beijing on the 1st.
    ("stats.build_previous_month", _bj(2026, 12, 1, 8, 59), _bj(2026, 11, 1, 9, 0)),
    ("stats.build_previous_month", _bj(2026, 12, 20, 12, 0), _bj(2026, 12, 1, 9, 0)),
    # Housekeeping: 03:30 Beijing.
    ("maintenance.purge_login_failures", _bj(2026, 12, 8, 3, 45), _bj(2026, 12, 8, 3, 30)),
    # Hourly reminders at :05; every minute for mail.
    ("notifications.remind", _bj(2026, 12, 8, 10, 4), _bj(2026, 12, 8, 9, 5)),
    ("notifications.send_email", _bj(2026, 12, 8, 10, 4, 59), _bj(2026, 12, 8, 10, 4)),
])
def test_due_times_follow_the_beat_schedule_in_beijing_time(job, now, due):
    assert latest_due(BEAT_SCHEDULE[job]["schedule"], now) == due


def test_the_embedded_jobs_are_the_beat_schedule_less_the_redis_heartbeat():
    assert set(EMBEDDED_JOBS) == set(BEAT_SCHEDULE) - {"maintenance.heartbeat"}


def _counting_job(log: list, seconds: float = 0.3):
    def run():
        log.append(threading.current_thread().name)
        time.sleep(seconds)  # long enough for the other worker to reach the same due time meanwhile
        return True
    return run


def test_two_workers_ticking_the_same_due_time_run_the_job_once(app):
    ran: list[str] = []
    jobs = {"test.daily": (crontab(hour=16, minute=30), _counting_job(ran))}
    now = _bj(2026, 12, 8, 0, 31)
    start = threading.Barrier(2)
    results = {}

    def worker(name):
        start.wait()
        results[name] = tick(app, now, jobs)

    threads = [threading.Thread(target=worker, args=(f"w{i}",), name=f"w{i}") for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ran) == 1
    assert sorted(len(r) for r in results.values()) == [0, 1]
    assert _runs(app) == [("test.daily", _bj(2026, 12, 8, 0, 30).astimezone(UTC), "done")]
    # A tick later that day (any worker) does not run it again; the next day's due time does.
    assert tick(app, now + timedelta(hours=5), jobs) == []
    assert tick(app, now + timedelta(days=1), jobs) == [("test.daily", _bj(2026, 12, 9, 0, 30).astimezone(UTC))]
    assert len(ran) == 2


def _process_worker(app, now, marker: str, barrier) -> None:
    with app.app_context():
        db.engine.dispose(close=False)  # a forked process opens its own connections

    def run():
        with open(marker, "a") as fh:
            fh.write("ran\n")
        time.sleep(0.3)
        return True

    barrier.wait()
    tick(app, now, {"test.minute": (60.0, run)})


def test_two_worker_processes_sharing_the_database_run_the_job_once(app, tmp_path):
    """Like gunicorn's workers: separate processes, one database (on SQLite, one file)."""
    context = multiprocessing.get_context("fork")
    marker = tmp_path / "ran.txt"
    barrier = context.Barrier(3)
    now = datetime(2026, 12, 8, 2, 0, 30, tzinfo=UTC)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    processes = [context.Process(target=_process_worker, args=(app, now, str(marker), barrier)) for _ in range(3)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(30)
    assert [p.exitcode for p in processes] == [0, 0, 0]
    assert Path(marker).read_text() == "ran\n"
    assert _runs(app) == [("test.minute", datetime(2026, 12, 8, 2, 0, tzinfo=UTC), "done")]


class Crash(BaseException):
    """The process dies mid-job (killed, out of memory): nothing after this line runs."""


def test_a_crash_mid_job_does_not_make_it_run_twice_for_that_due_time(app):
    ran: list[str] = []

    def crashing():
        ran.append("started")
        raise Crash

    now = _bj(2026, 12, 8, 8, 5)
    with pytest.raises(Crash):
        tick(app, now, {"test.digest": (crontab(hour=0, minute=0), crashing)})
    assert _runs(app) == [("test.digest", _bj(2026, 12, 8, 8, 0).astimezone(UTC), "running")]
    # Another worker (or the restarted one) ticks the same due time: at most once — it is not run again.
    assert tick(app, now + timedelta(minutes=1), {"test.digest": (crontab(hour=0, minute=0), _counting_job(ran, 0))}
                ) == []
    assert ran == ["started"]
    # The next due time runs as usual.
    assert len(tick(app, now + timedelta(days=1), {"test.digest": (crontab(hour=0, minute=0),
                                                                     _counting_job(ran, 0))})) == 1


def test_missed_runs_while_down_run_once_at_start(app):
    ran: list[str] = []
    jobs = {"test.daily": (crontab(hour=16, minute=30), _counting_job(ran, 0))}
    # Down since 2026-12-04; starts on 2026-12-08 at 10:00 Beijing: four due times missed, the latest runs once.
    assert tick(app, _bj(2026, 12, 8, 10, 0), jobs) == [("test.daily", _bj(2026, 12, 8, 0, 30).astimezone(UTC))]
    assert tick(app, _bj(2026, 12, 8, 10, 0, 20), jobs) == []
    assert len(ran) == 1


def test_the_real_beat_jobs_run_in_process_once_and_a_failure_is_recorded(app, monkeypatch):
    now = datetime.now(UTC)
    ran = tick(app, now)
    assert sorted(job for job, _ in ran) == sorted(EMBEDDED_JOBS)
    assert {state for _, _, state in _runs(app)} == {"done"}
    assert tick(app, now) == []

    from workers.tasks import notifications

    def broken():
        raise RuntimeError("mail queue unreadable")

    monkeypatch.setattr(notifications.send_email, "run", broken)
    later = now + timedelta(minutes=1)
    ran = tick(app, later)
    assert ("notifications.send_email", latest_due(60.0, later)) in ran
    states = {(job, due): state for job, due, state in _runs(app)}
    assert states[("notifications.send_email", latest_due(60.0, later))] == "failed"


def test_the_scheduler_thread_starts_only_without_redis(app, monkeypatch):
    import hotline.core.scheduler as scheduler

    ticks = []
    monkeypatch.setattr(scheduler, "tick", lambda a: ticks.append(a))
    monkeypatch.setattr(scheduler, "purge", lambda a: 0)
    monkeypatch.setattr(scheduler.random, "uniform", lambda a, b: 0)
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    assert start_embedded(app) is None
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    monkeypatch.setitem(app.config, "SCHEDULER_TICK_SECONDS", 0.05)
    running = start_embedded(app)
    try:
        deadline = time.monotonic() + 5
        while len(ticks) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        running.stop()
    assert len(ticks) >= 2 and ticks[0] is app


def test_jobs_take_sqlites_write_lock_up_front_like_requests(app):
    """Beside the web workers' requests a job's read-then-write transaction must wait for the lock, not fail."""
    from hotline.extensions import sqlite_write_lock_first

    seen = []
    tick(app, datetime(2026, 12, 8, 2, 0, tzinfo=UTC), {"test.job": (60.0, lambda: seen.append(
        sqlite_write_lock_first.get()) or True)})
    assert seen == [True] and sqlite_write_lock_first.get() is False
