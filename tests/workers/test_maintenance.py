"""Worker housekeeping against the real Redis on this machine (db 15): heartbeat and health."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import redis as redis_lib
from sqlalchemy import func, select

from hotline.accounts.models import LoginFailure
from hotline.core.health import HEARTBEAT_KEY
from hotline.core.types import utcnow
from hotline.extensions import db
from tests.conftest import IN_CI

# Its own variable: TEST_REDIS_URL would also put the whole testing configuration in Redis mode (config.py).
REDIS_URL = os.environ.get("TEST_TASKS_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url(app, monkeypatch):
    client = redis_lib.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis_lib.exceptions.ConnectionError as exc:
        if IN_CI:
            pytest.fail(f"Redis is not reachable at {REDIS_URL} (CI is set): {exc}", pytrace=False)
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    client.flushdb()
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    app.extensions.pop("hotline_redis", None)
    yield client
    client.flushdb()
    app.extensions.pop("hotline_redis", None)


def test_health_without_redis_reports_embedded_mode(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "redis": "not_configured", "worker": "in_process"}


@pytest.mark.services
def test_health_reports_missing_then_live_worker_heartbeat(app, client, redis_url):
    assert client.get("/api/v1/health").get_json()["worker"] == "missing"
    from workers.tasks.maintenance import heartbeat

    with app.app_context():
        heartbeat.run()
    assert redis_url.get(HEARTBEAT_KEY) is not None
    assert client.get("/api/v1/health").get_json() == {"database": "ok", "redis": "ok", "worker": "ok"}
    redis_url.set(HEARTBEAT_KEY, "0")
    assert client.get("/api/v1/health").get_json()["worker"] == "stale"


@pytest.mark.services
def test_health_reports_redis_down_quickly(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    app.extensions.pop("hotline_redis", None)
    body = client.get("/api/v1/health").get_json()
    app.extensions.pop("hotline_redis", None)
    assert body["redis"] == "down" and body["database"] == "ok"


def test_purge_login_failures_is_idempotent(app):
    from workers.tasks.maintenance import purge_login_failures

    with app.app_context():
        db.session.add_all([LoginFailure(username="a", address="1.1.1.1", occurred_at=utcnow() - timedelta(days=91)),
                            LoginFailure(username="a", address="1.1.1.1", occurred_at=utcnow())])
        db.session.commit()
        assert purge_login_failures.run() == 1
        assert purge_login_failures.run() == 0
        assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 1
