"""A real Celery worker (a separate process on Redis db 13 with this session's own queue, and the test
database) runs statistics rebuilds; a worker killed with SIGKILL in the middle of a rebuild loses nothing: the
task is redelivered (acks_late, reject_on_worker_lost, a short visibility timeout) and the snapshots end as an
uninterrupted run leaves them.

With CI set, an unreachable Redis fails these tests instead of skipping them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis as redis_lib
import sqlalchemy as sa

from hotline.accounts.models import User
from hotline.core.permissions import DEFAULT_PROVINCE as PROVINCE_CODE
from hotline.extensions import db
from hotline.stats.compute import Month, compute_month
from hotline.stats.models import MonthlySnapshot, TaskRun
from hotline.stats.operations import dispatch_rebuild, month_range, start_rebuild
from tests.conftest import IN_CI
from tests.stats.builders import CHANGSHA, ZHUZHOU, add_call, add_case, beijing, celery_broker

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_WORKER_REDIS_URL", "redis://127.0.0.1:6379/13")
VISIBILITY_TIMEOUT = 3
#: This session's own queue: test sessions running side by side on one Redis never take each other's tasks.
QUEUE = f"hotline-test-stats-{os.getpid()}"
pytestmark = pytest.mark.services


@pytest.fixture
def broker(app):
    """Redis db 13, without this session's queue before and after (other sessions' keys are left alone)."""
    client = redis_lib.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis_lib.exceptions.ConnectionError as exc:
        if IN_CI:
            pytest.fail(f"Redis is not reachable at {REDIS_URL} (CI is set): {exc}", pytrace=False)
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    client.delete(QUEUE)
    yield client
    client.delete(QUEUE)


def _unacked(client, task_id: str) -> int:
    """Messages of ``task_id`` taken by a worker and not acknowledged."""
    return sum(task_id.encode() in message for message in client.hvals("unacked"))


def _stop(proc: subprocess.Popen) -> None:
    """End the worker and its pool children (its own process group): SIGTERM, then SIGKILL if it lingers."""
    with contextlib.suppress(ProcessLookupError):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
                return
            except subprocess.TimeoutExpired:
                pass
        os.killpg(proc.pid, signal.SIGKILL)  # also pool children left behind by a killed main process
        proc.wait(timeout=15)


@pytest.fixture
def worker(database_url, tmp_path, broker):
    """``worker()`` starts ``celery -A workers.celery_app worker --concurrency=1`` on Redis db 13 and the test
    database; every worker started is stopped at the end of the test, whatever happens."""
    started: list[subprocess.Popen] = []
    instance = tmp_path / "instance"
    instance.mkdir()

    def start() -> subprocess.Popen:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("TEST_", "HOTLINE_"))}
        env.update(REDIS_URL=REDIS_URL, DATABASE_URL=database_url, HOTLINE_CONFIG="development",
                   SECRET_KEY="stats-worker-test-secret", HOTLINE_INSTANCE_DIR=str(instance),
                   CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT), PYTHONUNBUFFERED="1")
        log = open(tmp_path / f"worker{len(started)}.log", "w")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(  # noqa: S603 - a fixed command line
            [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker", "--concurrency=1",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", QUEUE,
             "-n", f"stats-test-{os.getpid()}-{len(started)}@%h"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        proc.log_path = log.name
        log.close()
        started.append(proc)
        return proc

    try:
        yield start
    finally:
        for proc in started:
            _stop(proc)


def _log(proc) -> str:
    return Path(proc.log_path).read_text(errors="replace")


def _task_run(app, run_id: str) -> TaskRun:
    with app.app_context():
        run = db.session.get(TaskRun, run_id)
        db.session.expunge(run)
        return run


def _wait(app, run_id: str, done: Callable[[TaskRun], bool], proc, timeout: float, poll: float = 0.2) -> TaskRun:
    deadline = time.monotonic() + timeout
    while True:
        run = _task_run(app, run_id)
        if done(run):
            return run
        if proc.poll() is not None:
            pytest.fail(f"the worker exited ({proc.returncode}):\n{_log(proc)[-4000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out: task {run.state} {run.steps_done}/{run.steps_total}\n{_log(proc)[-4000:]}")
        time.sleep(poll)


def _dispatch(app, supervisor, months: list[Month]) -> str:
    """What the API does: record the run, commit, queue it (here on the real broker)."""
    with app.app_context():
        run = start_rebuild(months, region_code=PROVINCE_CODE, actor=db.session.get(User, supervisor.id))
        db.session.commit()
        dispatch_rebuild(run)
        return run.id


def _stored(app, months: list[Month]) -> dict[str, dict[str, dict]]:
    with app.app_context():
        rows = db.session.scalars(sa.select(MonthlySnapshot).where(
            MonthlySnapshot.month.in_([m.first_day for m in months])))
        out: dict[str, dict[str, dict]] = {}
        for row in rows:
            out.setdefault(f"{row.month:%Y-%m}", {})[row.region_code] = row.data
        return out


def _computed(app, months: list[Month]) -> dict[str, dict[str, dict]]:
    """What an uninterrupted build stores: the figures computed afresh (nothing stored here)."""
    with app.app_context():
        out = {}
        for month in months:
            figures = compute_month(month)
            figures.pop("other")
            out[str(month)] = figures
        return out


def _activity(app, months: list[Month]) -> None:
    with app.app_context():
        for i, month in enumerate(months):
            add_call(beijing(month.year, month.month, 3))
            add_call(beijing(month.year, month.month, 4), region_code=ZHUZHOU, channel="wechat")
            if i % 2:
                add_case(received_on=month.first_day, filed_on=month.first_day, amount_involved=f"{i}.10",
                         region_code=CHANGSHA)
        db.session.commit()


def test_a_worker_runs_a_rebuild(app, worker, create_user):
    supervisor = create_user("supervisor", PROVINCE_CODE)
    may = Month(2015, 5)
    _activity(app, [may])
    proc = worker()
    with celery_broker(app, REDIS_URL, QUEUE):
        run_id = _dispatch(app, supervisor, [may])
        run = _wait(app, run_id, lambda r: r.state in ("SUCCESS", "FAILURE"), proc, timeout=60)
    assert run.state == "SUCCESS", _log(proc)[-4000:]
    assert (run.progress, run.steps_done, run.steps_total) == (1.0, 1, 1)
    assert run.result["months"]["2015-05"][CHANGSHA] == "created"
    stored = _stored(app, [may])["2015-05"]
    assert len(stored) == 15
    assert stored[CHANGSHA]["calls"]["total"] == 1
    assert stored[PROVINCE_CODE]["calls"]["total"] == 2
    assert stored == _computed(app, [may])["2015-05"]
    assert f"stats.rebuild[{run_id}] succeeded" in _log(proc)


class _WriteFreeze:
    """Hold the database's write lock (SQLite) or the task run's row lock (PostgreSQL), so the worker cannot
    record another step while the test kills it."""

    def __init__(self, app, run_id: str):
        self.app, self.run_id = app, run_id

    def __enter__(self):
        with self.app.app_context():
            self.conn = db.engine.connect()
        if self.conn.dialect.name == "sqlite":
            raw = self.conn.connection.driver_connection
            raw.execute("BEGIN IMMEDIATE")
        else:
            self.conn.execute(sa.select(TaskRun.id).where(TaskRun.id == self.run_id).with_for_update())
        return self

    def __exit__(self, *exc):
        if self.conn.dialect.name == "sqlite":
            self.conn.connection.driver_connection.execute("ROLLBACK")
        else:
            self.conn.rollback()
        self.conn.close()


def test_a_killed_worker_s_rebuild_is_redelivered_and_ends_as_an_uninterrupted_one(app, worker, create_user,
                                                                                     broker):
    supervisor = create_user("supervisor", PROVINCE_CODE)
    months = month_range(Month(2014, 1), Month(2015, 12))
    _activity(app, months)
    first = worker()
    with celery_broker(app, REDIS_URL, QUEUE):
        run_id = _dispatch(app, supervisor, months)
        _wait(app, run_id, lambda r: r.steps_done >= 1, first, timeout=60, poll=0.01)
        with _WriteFreeze(app, run_id):
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=15)
        killed_at = time.monotonic()
        run = _task_run(app, run_id)
        assert run.state == "STARTED" and 1 <= run.steps_done < len(months), (run.state, run.steps_done)
        assert _unacked(broker, run_id) == 1  # taken, never acknowledged

        # After the visibility timeout, Redis gives the task to the next worker that asks.
        time.sleep(max(0.0, VISIBILITY_TIMEOUT + 1 - (time.monotonic() - killed_at)))
        second = worker()
        run = _wait(app, run_id, lambda r: r.state in ("SUCCESS", "FAILURE"), second, timeout=60)
    assert run.state == "SUCCESS", _log(second)[-4000:]
    assert (run.steps_done, run.steps_total, run.progress) == (len(months), len(months), 1.0)
    assert f"stats.rebuild[{run_id}]" in _log(second)
    assert _stored(app, months) == _computed(app, months)
    assert _unacked(broker, run_id) == 0
