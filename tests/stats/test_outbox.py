"""The transactional outbox: a change writes a ``stats.stale`` row in its own transaction; a Redis outage (dead
port or a Redis that never answers) neither fails nor hangs an intake, and the statistics catch up when the
sweep runs."""

from __future__ import annotations

import os
import socket
import time

import pytest
from sqlalchemy import func, select

from hotline.accounts.models import User
from hotline.calls.operations import record_call, update_call
from hotline.core.errors import ValidationFailed
from hotline.core.models import OutboxMessage
from hotline.extensions import db
from hotline.stats.compute import Month
from hotline.stats.operations import STALE_TOPIC, build_month, get_snapshot
from tests.api.conftest import payload
from tests.conftest import IN_CI
from tests.stats.builders import CHANGSHA, add_call, beijing, celery_broker, province_operator

MAY = Month(2015, 5)
REDIS_URL = os.environ.get("TEST_STATS_REDIS_URL", "redis://127.0.0.1:6379/13")
DEAD_REDIS = "redis://127.0.0.1:1/0"


def outbox_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def pending_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.processed_at.is_(None)))


def test_an_intake_writes_the_outbox_row_in_its_own_transaction(ctx):
    call = add_call(beijing(2015, 5, 31, 23, 30))
    # Flushed with the call, before any commit: the same transaction.
    [row] = db.session.scalars(select(OutboxMessage)).all()
    assert (row.topic, row.payload, row.processed_at) == (STALE_TOPIC, {"months": ["2015-05"]}, None)
    db.session.commit()
    assert [r.payload for r in outbox_rows()] == [{"months": ["2015-05"]}]
    assert call.id is not None


def test_the_month_is_the_beijing_month(ctx):
    add_call(beijing(2015, 6, 1, 0, 30))  # 2015-05-31 16:30 UTC
    db.session.commit()
    assert [r.payload for r in outbox_rows()] == [{"months": ["2015-06"]}]


def test_a_rolled_back_intake_leaves_no_outbox_row(ctx):
    province_operator()
    db.session.commit()
    add_call(beijing(2015, 5, 4))
    db.session.rollback()
    assert outbox_rows() == []
    with pytest.raises(ValidationFailed):
        record_call({"received_at": beijing(2015, 5, 4), "channel": "pigeon", "request_type": "report",
                     "region_code": CHANGSHA, "summary": "x"}, actor=province_operator())
    db.session.rollback()
    assert outbox_rows() == []
    assert not db.session.info.get("outbox_pending")


def test_a_refused_api_intake_leaves_no_outbox_row(app, api, operator):
    response = api(operator).post("/api/v1/calls", json=payload(channel="pigeon"))
    assert response.status_code == 422
    with app.app_context():
        assert outbox_rows() == []


def test_an_edit_marks_the_old_and_the_new_month(ctx):
    call = add_call(beijing(2015, 5, 4))
    db.session.commit()
    update_call(call, {"received_at": beijing(2015, 7, 1)}, actor=db.session.get(User, call.operator_id),
                expected_version=call.version)
    db.session.commit()
    months = sorted(m for row in outbox_rows() for m in row.payload["months"])
    assert months == ["2015-05", "2015-05", "2015-07"]


def test_case_operations_mark_their_months(app, create_user):
    from hotline.cases.operations import create_case

    officer = create_user("officer", CHANGSHA)
    with app.app_context():
        create_case({"case_type": "counterfeit", "region_code": CHANGSHA, "received_on": "2015-05-20",
                     "source": "inspection", "summary": "商场检查发现假冒专利标识"},
                    actor=db.session.get(User, officer.id))
        db.session.commit()
        assert "2015-05" in {m for row in outbox_rows() for m in row.payload["months"]}


def test_refresh_marks_rows_processed_and_builds_each_month_once(ctx, monkeypatch):
    import workers.tasks.stats as tasks

    for day in (3, 4, 5):
        add_call(beijing(2015, 5, day))
    add_call(beijing(2015, 6, 3))
    db.session.commit()
    built = []
    real = tasks.build_month
    monkeypatch.setattr(tasks, "build_month", lambda month: built.append(month) or real(month))
    assert tasks.refresh_stale.run() == ["2015-05", "2015-06"]
    assert built == [Month(2015, 5), Month(2015, 6)]
    assert pending_count() == 0
    assert tasks.refresh_stale.run() == []
    assert get_snapshot(MAY, CHANGSHA, build_missing=False).data["calls"]["total"] == 3


def test_a_month_before_2000_does_not_block_the_outbox(app, api, operator):
    """2000-01-01 00:00 at UTC+14 is accepted (the year is 2000 where it was said) but is 1999-12 in Beijing."""
    from workers.tasks.stats import refresh_stale

    response = api(operator).post("/api/v1/calls", json=payload(received_at="2000-01-01T00:00:00+14:00"))
    assert response.status_code == 201
    response = api(operator).post("/api/v1/calls", json=payload(received_at="2015-05-04T10:00:00+08:00"))
    assert response.status_code == 201
    with app.app_context():
        assert refresh_stale.run() == ["2015-05"]
        assert pending_count() == 0
        assert get_snapshot(MAY, CHANGSHA, build_missing=False).data["calls"]["total"] == 1


# Redis outage ------------------------------------------------------------------------------------------------

@pytest.fixture(params=["dead_port", "never_answers"])
def broken_redis(request):
    """A Redis URL that refuses connections, or one whose server accepts and never replies."""
    if request.param == "dead_port":
        yield DEAD_REDIS
        return
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    try:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    finally:
        server.close()


def test_intake_survives_a_redis_outage_and_statistics_catch_up(app, api, operator, create_user, broken_redis):
    from tests.factories import PASSWORD
    from workers.tasks.stats import refresh_stale

    with app.app_context():
        add_call(beijing(2015, 5, 4))
        build_month(MAY)  # the month's snapshot exists before the outage
        refresh_stale.run()
        db.session.commit()
    web_user = create_user("operator", "430000")
    web = app.test_client()
    assert web.post("/login", data={"username": web_user.username, "password": PASSWORD}).status_code == 302

    with celery_broker(app, broken_redis):
        started = time.monotonic()
        response = api(operator).post("/api/v1/calls", json=payload(received_at="2015-05-20T09:00:00+08:00"))
        assert response.status_code == 201, response.get_json()
        assert time.monotonic() - started < 5
        started = time.monotonic()
        response = web.post("/calls/new", data={
            "received_at": "2015-05-21T09:00", "channel": "phone", "request_type": "complaint", "ip_type": "patent",
            "region_code": CHANGSHA, "caller_phone": "13812345678", "summary": "商场销售的电饭煲涉嫌假冒专利"})
        assert response.status_code == 302
        assert time.monotonic() - started < 5
        with app.app_context():
            assert pending_count() == 2
            # Nothing refreshed the month: its figures are behind.
            assert get_snapshot(MAY, CHANGSHA, build_missing=False).data["calls"]["total"] == 1

    # Redis is back: the sweep's refresh catches up.
    with app.app_context():
        assert refresh_stale.run() == ["2015-05"]
        assert pending_count() == 0
        assert get_snapshot(MAY, CHANGSHA, build_missing=False).data["calls"]["total"] == 3


QUEUE = f"hotline-test-outbox-{os.getpid()}"


@pytest.fixture
def live_redis(app):
    """Redis db 13 without the keys this test reads (other test sessions' keys are left alone)."""
    import redis as redis_lib

    from hotline.core.dispatch import _DEBOUNCE_KEY

    client = redis_lib.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis_lib.exceptions.ConnectionError as exc:
        if IN_CI:
            pytest.fail(f"Redis is not reachable at {REDIS_URL} (CI is set): {exc}", pytrace=False)
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    keys = (_DEBOUNCE_KEY, "hotline:lock:stats.refresh_stale", QUEUE)
    client.delete(*keys)
    yield client
    client.delete(*keys)


@pytest.mark.services
def test_changes_nudge_one_debounced_refresh_through_redis(app, api, operator, live_redis):
    from hotline.core.dispatch import _DEBOUNCE_KEY, DEBOUNCE_SECONDS

    with celery_broker(app, REDIS_URL, QUEUE):
        for day in (20, 21, 22):
            response = api(operator).post("/api/v1/calls", json=payload(received_at=f"2015-05-{day}T09:00:00+08:00"))
            assert response.status_code == 201
        assert 0 < live_redis.ttl(_DEBOUNCE_KEY) <= DEBOUNCE_SECONDS
        queued = live_redis.lrange(QUEUE, 0, -1)
        assert len(queued) == 1  # three changes, one refresh
        assert b"stats.refresh_stale" in queued[0]
        with app.app_context():
            assert pending_count() == 3
            from workers.tasks.stats import refresh_stale

            assert refresh_stale.run() == ["2015-05"]  # what the worker runs, with the Redis lock
            assert pending_count() == 0
            assert live_redis.get("hotline:lock:stats.refresh_stale") is None


def test_no_nudge_in_embedded_mode(app, api, operator, monkeypatch):
    import hotline.core.dispatch as dispatch

    nudged = []
    monkeypatch.setattr(dispatch, "nudge", lambda topic: nudged.append(topic))
    response = api(operator).post("/api/v1/calls", json=payload(received_at="2015-05-20T09:00:00+08:00"))
    assert response.status_code == 201
    assert nudged == []


class _FakeRedis:
    """SET NX EX and PTTL on a shared store with a settable clock; counts round trips."""

    def __init__(self, store: dict, clock: list[float]):
        self.store, self.clock, self.round_trips = store, clock, 0

    def pipeline(self, transaction=True):
        redis, commands = self, []

        class Pipe:
            def set(self, key, value, nx=False, ex=None):
                commands.append(("set", key, ex))

            def pttl(self, key):
                commands.append(("pttl", key))

            def execute(self):
                redis.round_trips += 1
                results = []
                for command in commands:
                    expires = redis.store.get(command[1])
                    live = expires is not None and expires > redis.clock[0]
                    if command[0] == "set":
                        if not live:
                            redis.store[command[1]] = redis.clock[0] + command[2]
                        results.append(None if live else True)
                    else:
                        results.append(round((redis.store[command[1]] - redis.clock[0]) * 1000) if live else -2)
                return results

        return Pipe()


def test_each_process_asks_redis_once_per_debounce_window(monkeypatch):
    """A process that saw the debounce key set skips Redis until the key expires: still one refresh per window."""
    import types

    import hotline.core.dispatch as dispatch
    import hotline.core.health as health
    import workers.tasks.stats as tasks

    clock, store, queued = [100.0], {}, []
    monkeypatch.setattr(dispatch, "time", types.SimpleNamespace(monotonic=lambda: clock[0]))
    monkeypatch.setattr(tasks.refresh_stale, "apply_async", lambda **kwargs: queued.append(clock[0]))
    here, there = _FakeRedis(store, clock), _FakeRedis(store, clock)
    client = [here]
    monkeypatch.setattr(health, "redis_client", lambda: client[0])

    def at(t, who):
        clock[0], client[0] = 100.0 + t, who
        return dispatch.nudge_refresh()

    assert at(0, here) is True            # claims the window, queues the refresh
    assert at(5, there) is False          # another process: the key is set, and now it knows until when
    assert [at(t, who) for t in (10, 20, 28) for who in (here, there)] == [False] * 6
    assert (here.round_trips, there.round_trips) == (1, 1)
    assert at(29.5, here) is False        # near the end it asks again (the key still lives)
    assert at(30.5, there) is True        # the next window
    assert queued == [100.0, 130.5]
    assert (here.round_trips, there.round_trips) == (2, 2)


def test_the_same_months_are_marked_stale_once_per_transaction(app):
    """A bulk recompute touching many cases of one month writes one outbox row, not one per case."""
    from datetime import date

    from hotline.stats.operations import mark_stale

    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        for _ in range(50):
            mark_stale(date(2015, 5, 3))
        mark_stale(date(2015, 6, 1))
        db.session.flush()
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()[before:]
        assert [r.payload for r in rows] == [{"months": ["2015-05"]}, {"months": ["2015-06"]}]
        db.session.rollback()


def test_the_dispatcher_routes_every_topic_to_a_task():
    """Only the dispatcher names the workers' tasks; every route names one that exists."""
    from hotline.core.dispatch import ROUTES, task_for

    for topic in ROUTES:
        task = task_for(topic)
        assert task.name.split(".")[0] == topic.split(".")[0]  # a domain's topic goes to that domain's task
        assert callable(task.run)


@pytest.mark.services
def test_a_refresh_lock_left_by_a_killed_worker_lapses_and_a_live_one_is_kept(app, live_redis, monkeypatch):
    """A worker SIGKILLed while refreshing leaves its lock behind: it lapses within the short expiry instead of
    stopping every later refresh for ten minutes; a live run's lock is extended while the run goes on."""
    import time

    from workers.tasks.stats import single_run

    key = "hotline:lock:stats.refresh_stale"
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)  # what a worker has
    monkeypatch.delitem(app.extensions, "hotline_redis", raising=False)
    with app.app_context():
        live_redis.set(key, "a-killed-worker", ex=2)  # what a dead holder leaves (its keeper thread died too)
        with single_run("stats.refresh_stale", ttl=2) as mine:
            assert not mine  # held: this run skips
        time.sleep(2.5)
        with single_run("stats.refresh_stale", ttl=2) as mine:
            assert mine  # lapsed: the next run takes it
            time.sleep(3)  # longer than the expiry: the keeper extends it
            assert live_redis.get(key) is not None
            with single_run("stats.refresh_stale", ttl=2) as other:
                assert not other
        assert live_redis.get(key) is None  # released by its holder
