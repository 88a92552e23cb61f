"""PostgreSQL becomes unreachable: pages and the API answer 503 with a clear message (no traceback), and the
app recovers by itself, without a restart, when the database returns."""

from __future__ import annotations

import pytest

from config import TestingConfig
from config import database_url as to_driver_url
from hotline import create_app
from tests.factories import PASSWORD
from tests.faults.conftest import TcpProxy


@pytest.fixture
def proxied(backend, database_url):
    if backend != "postgresql":
        pytest.skip("a database server outage is a PostgreSQL fault (run with --db=postgresql)")
    proxy = TcpProxy(5432)
    proxy.restore()
    url = database_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    cfg = type("Proxied", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": to_driver_url(url)})
    app = create_app(cfg)
    try:
        yield app, proxy
    finally:
        proxy.cut()
        from hotline.extensions import db

        with app.app_context():
            db.engine.dispose()


def test_database_outage_is_a_503_and_recovers_without_restart(proxied, create_user, make_token):
    app, proxy = proxied
    operator = create_user("operator", "430100")
    token = make_token(operator)
    headers = {"Authorization": f"Bearer {token}"}
    web = app.test_client()
    assert web.post("/login", data={"username": operator.username, "password": PASSWORD}).status_code == 302
    assert web.get("/calls").status_code == 200
    assert web.get("/api/v1/calls", headers=headers).status_code == 200

    proxy.cut()
    api_down = web.get("/api/v1/calls", headers=headers)
    assert api_down.status_code == 503
    assert api_down.get_json()["message"].startswith("The database is unavailable")
    page_down = web.get("/calls")
    assert page_down.status_code == 503
    assert "Traceback" not in page_down.get_data(as_text=True)
    health = web.get("/api/v1/health")
    assert health.status_code == 503
    assert health.get_json()["database"] == "down"

    proxy.restore()
    assert web.get("/api/v1/calls", headers=headers).status_code == 200
    assert web.get("/calls").status_code == 200
    assert web.get("/api/v1/health").get_json()["database"] == "ok"
