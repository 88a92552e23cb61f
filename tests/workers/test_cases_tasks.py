"""The daily overdue task: what it records, that it records it once, its lock, and a run in a real worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis as redis_lib
from sqlalchemy import select, update

from hotline.accounts.models import User
from hotline.calls.models import Call
from hotline.calls.operations import set_call_status
from hotline.cases.models import Case, OverdueRecord
from hotline.extensions import celery_init_app, db
from tests.conftest import IN_CI
from tests.review.builders import build_case, staff
from workers.schedule import BEAT_SCHEDULE
from workers.tasks.cases import LOCK_KEY, mark_overdue

ROOT = Path(__file__).resolve().parents[2]
BEIJING = ZoneInfo("Asia/Shanghai")
# Its own variable: TEST_REDIS_URL would also put the whole testing configuration in Redis mode (config.py).
REDIS_URL = os.environ.get("TEST_TASKS_REDIS_URL", "redis://127.0.0.1:6379/15")
WORKER_REDIS_URL = os.environ.get("TEST_WORKER_REDIS_URL", "redis://127.0.0.1:6379/14")


def reachable_redis(url: str):
    client = redis_lib.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis_lib.exceptions.ConnectionError as exc:
        if IN_CI:
            pytest.fail(f"Redis is not reachable at {url} (CI is set): {exc}", pytrace=False)
        pytest.skip(f"Redis is not reachable at {url}")
    client.flushdb()
    return client


@pytest.fixture
def team(create_user):
    return staff(create_user, "430100")


@pytest.fixture
def received_case(app, team):
    """A dispute received 2015-09-30 (to be filed by 2015-10-13), filed when ``filed_on`` is given."""
    sup, officers = team

    def factory(filed_on=None, **kw):
        return build_case(app, sup, received_on=date(2015, 9, 30), filed_on=filed_on,
                          officers=officers if filed_on else (), **kw)

    return factory


def run(app, today: str) -> int:
    with app.app_context():
        return mark_overdue.run(today)


def records(app) -> list[tuple]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(
            select(OverdueRecord.object_type, OverdueRecord.object_id, OverdueRecord.kind, OverdueRecord.due_on,
                   OverdueRecord.region_code, OverdueRecord.detected_on).order_by(OverdueRecord.id))]


def test_case_whose_file_deadline_passed_unmet_is_recorded(app, received_case):
    case_id = received_case()
    assert run(app, "2015-10-13") == 0  # the last day is not overdue yet
    assert run(app, "2015-10-14") == 1
    assert records(app) == [("case", case_id, "file", date(2015, 10, 13), "430100", date(2015, 10, 14))]


def test_met_deadlines_are_not_recorded(app, received_case):
    received_case(filed_on=date(2015, 10, 12))  # on time
    received_case(filed_on=date(2015, 10, 20))  # late, but met by now: nothing pending to record
    assert run(app, "2015-10-21") == 0
    assert records(app) == []


def test_close_and_publish_deadlines(app, team, received_case):
    sup, officers = team
    open_case = received_case(filed_on=date(2015, 10, 12))  # close by 2016-01-12
    penalty = build_case(app, sup, case_type="counterfeit", source="inspection", received_on=date(2015, 5, 4),
                         filed_on=date(2015, 5, 5), officers=officers[:2], closed_on=date(2015, 5, 20),
                         outcome="penalized")  # publish by 2015-06-17 (the 7-day target is not a limit)
    assert run(app, "2016-01-13") == 2
    assert {r[:4] for r in records(app)} == {("case", open_case, "close", date(2016, 1, 12)),
                                             ("case", penalty, "publish", date(2015, 6, 17))}


def test_suspended_case_is_not_overdue_while_paused(app, team, received_case):
    sup, _ = team
    case_id = received_case(filed_on=date(2015, 10, 12))
    with app.app_context():
        from hotline.cases.operations import perform_action

        case = db.session.get(Case, case_id)
        perform_action(case, "suspend", {"on": "2015-11-02", "reason": "等待无效宣告审查"},
                       actor=db.session.get(User, sup.id), expected_version=case.version)
        db.session.commit()
    assert run(app, "2016-02-01") == 0


def test_call_past_its_acceptance_deadline_is_recorded(app, create_call, operator):
    received = datetime(2015, 9, 30, 10, 0, tzinfo=BEIJING)
    late = create_call(received_at=received, region_code="430200")
    answered = create_call(received_at=received)
    with app.app_context():
        call = db.session.get(Call, answered.id)
        set_call_status(call, "answered", actor=db.session.get(User, operator.id), expected_version=call.version)
        db.session.commit()
    assert late.accept_due_on == date(2015, 10, 13)  # 5 working days after the National Day holiday
    assert run(app, "2015-10-13") == 0
    assert run(app, "2015-10-14") == 1
    assert records(app) == [("call", late.id, "accept", date(2015, 10, 13), "430200", date(2015, 10, 14))]


def test_running_twice_records_nothing_new(app, received_case, create_call):
    received_case()
    create_call(received_at=datetime(2015, 9, 30, 10, 0, tzinfo=BEIJING))
    assert run(app, "2015-10-14") == 2
    first = records(app)
    assert run(app, "2015-10-14") == 0
    assert run(app, "2015-10-15") == 0  # the same deadlines, still unmet: still one record each
    assert records(app) == first


def test_missing_due_dates_are_filled_in(app, received_case, create_call):
    """Rows saved while the calendar lacked their year get their due dates once it is loaded."""
    case_id = received_case()
    call = create_call(received_at=datetime(2015, 9, 30, 10, 0, tzinfo=BEIJING))
    with app.app_context():
        db.session.execute(update(Call).values(accept_due_on=None))
        db.session.execute(update(Case).values(file_due_on=None, next_due_on=None))
        db.session.commit()
    assert run(app, "2015-10-14") == 2
    with app.app_context():
        filled = db.session.get(Call, call.id)
        assert filled.accept_due_on == date(2015, 10, 13)
        assert filled.version == call.version  # an operator editing it meanwhile gets no conflict
        case = db.session.get(Case, case_id)
        assert (case.file_due_on, case.next_due_on) == (date(2015, 10, 13), date(2015, 10, 13))


def test_task_runs_in_process_without_redis(app, received_case):
    received_case()
    # Through this app's Celery app (other tests create apps of their own, which become Celery's current app).
    celery = app.extensions["celery"]
    assert celery.conf.task_always_eager
    assert celery.tasks["cases.mark_overdue"].delay("2015-10-14").get() == 1
    assert len(records(app)) == 1


def test_task_is_scheduled_at_half_past_midnight_beijing_time():
    entry = BEAT_SCHEDULE["cases.mark_overdue"]
    assert entry["task"] == "cases.mark_overdue"
    assert entry["schedule"].hour == {16} and entry["schedule"].minute == {30}  # UTC


@pytest.fixture
def redis_url(app, monkeypatch):
    client = reachable_redis(REDIS_URL)
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    app.extensions.pop("hotline_redis", None)
    yield client
    client.flushdb()
    app.extensions.pop("hotline_redis", None)


@pytest.mark.services
def test_a_run_holding_the_lock_makes_another_skip(app, received_case, redis_url):
    received_case()
    redis_url.set(LOCK_KEY, "another-run", ex=60)
    assert run(app, "2015-10-14") == 0
    assert records(app) == [] and redis_url.get(LOCK_KEY) == b"another-run"
    redis_url.delete(LOCK_KEY)
    assert run(app, "2015-10-14") == 1
    assert redis_url.get(LOCK_KEY) is None  # released after the run


@pytest.mark.services
def test_mark_overdue_in_a_real_celery_worker(app, database_url, received_case, tmp_path):
    """The task goes through Redis to a `celery worker` process that writes to the test database."""
    client = reachable_redis(WORKER_REDIS_URL)
    case_id = received_case()
    env = dict(os.environ, REDIS_URL=WORKER_REDIS_URL, DATABASE_URL=database_url, HOTLINE_CONFIG="development",
               SECRET_KEY="worker-test-secret", HOTLINE_INSTANCE_DIR=str(tmp_path / "instance"))
    log_path = tmp_path / "worker.log"
    old_redis_url = app.config.get("REDIS_URL")
    with open(log_path, "w") as log:
        worker = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
            [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-heartbeat", "--without-gossip", "--without-mingle", "-n", f"overdue-test-{os.getpid()}@%h"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        app.config["REDIS_URL"] = WORKER_REDIS_URL
        app.extensions.pop("hotline_redis", None)
        celery = celery_init_app(app)
        assert not celery.conf.task_always_eager
        mark_overdue.delay("2015-10-14")
        deadline = time.monotonic() + 30
        found = []
        while time.monotonic() < deadline:
            found = [r for r in records(app) if r[1] == case_id]
            if found or worker.poll() is not None:
                break
            time.sleep(0.3)
        assert found == [("case", case_id, "file", date(2015, 10, 13), "430100", date(2015, 10, 14))], (
            f"worker exit code {worker.poll()}; log:\n{log_path.read_text()[-4000:]}")
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        app.config["REDIS_URL"] = old_redis_url
        app.extensions.pop("hotline_redis", None)
        celery_init_app(app)
        client.flushdb()
