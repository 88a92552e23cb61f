"""Open redirects (login ``next=``, the language switch), HTTP method confusion, and error answers that give
nothing away (no traceback, no exception text)."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from tests.factories import PASSWORD
from tests.security.conftest import login_client
from tests.security.test_access_matrix import _placeholder_url

HOSTILE_TARGETS = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "////evil.example/x",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    "/%2F%2Fevil.example",
    "/%5Cevil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.example",
    "/\r\nSet-Cookie: x=1",
    "http://localhost@evil.example/",
    "/ /evil.example",
    "\u3002evil.example",
    "/\uff0f\uff0fevil.example",
]


def _stays_here(location: str) -> bool:
    resolved = urlsplit(urljoin("http://localhost/login", location))
    return resolved.scheme == "http" and resolved.netloc == "localhost" and "\n" not in location


def test_login_next_never_leaves_the_site(app, staff):
    """Every hostile ``next`` sends the freshly logged-in user to a page of this site."""
    away = {}
    for target in HOSTILE_TARGETS:
        response = app.test_client().post("/login", query_string={"next": target},
                                          data={"username": staff.officer.username, "password": PASSWORD})
        if response.status_code != 302 or not _stays_here(response.headers["Location"]):
            away[target] = (response.status_code, response.headers.get("Location"))
    assert not away


def test_language_switch_never_leaves_the_site(app):
    away = {}
    for target in HOSTILE_TARGETS:
        response = app.test_client().post("/language/en", data={"next": target})
        if response.status_code != 302 or not _stays_here(response.headers["Location"]):
            away[target] = (response.status_code, response.headers.get("Location"))
    assert not away


def test_a_local_next_is_followed(app, staff):
    """The control: a same-site target is honoured (so the tests above test the filter, not a dead feature)."""
    response = app.test_client().post("/login", query_string={"next": "/cases?status=filed"},
                                      data={"username": staff.officer.username, "password": PASSWORD})
    assert response.headers["Location"] == "/cases?status=filed"
    switched = app.test_client().post("/language/en", data={"next": "/public/decisions"})
    assert switched.headers["Location"] == "/public/decisions"


# ---------------------------------------------------------------------------------------------------------------
# Methods


def _method_cases(app) -> list[tuple[str, str]]:
    """(method, url) for every rule and every method the URL does not answer to."""
    adapter = app.url_map.bind("localhost")
    cases = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = _placeholder_url(rule.rule)
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            try:
                adapter.match(url, method=method)
            except MethodNotAllowed:
                cases.append((method, url))
            except NotFound:
                pytest.fail(f"{url} does not route")
    return cases


def test_unsupported_methods_answer_405(app, staff):
    """GET on a POST-only route (logout, revoke, lock …) and every other unsupported method: 405 with Allow, for
    anonymous and logged-in clients alike — never the action, never a redirect."""
    cases = _method_cases(app)
    assert ("GET", "/logout") in cases and ("GET", "/tokens/1/revoke") in cases
    assert ("DELETE", "/api/v1/calls/1") in cases and ("GET", "/api/v1/calls/1/transfer") in cases
    logged_in = login_client(app, staff.supervisor)
    wrong = []
    for method, url in cases:
        for client in (app.test_client(), logged_in):
            response = client.open(url, method=method)
            body = response.get_data(as_text=True)
            if response.status_code != 405 or "Allow" not in response.headers or "Traceback" in body:
                wrong.append(f"{method} {url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert logged_in.get("/review").status_code == 200  # GET /logout did not log out


# ---------------------------------------------------------------------------------------------------------------
# Error answers

LEAKS = ("Traceback", 'File "', "werkzeug.debug", "sqlalchemy", "psycopg", "sqlite3", "secret-internal-detail")


def _clean(response) -> list[str]:
    body = response.get_data(as_text=True)
    return [leak for leak in LEAKS if leak.lower() in body.lower()]


def test_404_and_405_answers_give_nothing_away(app, staff):
    client = app.test_client()
    officer = login_client(app, staff.officer)
    answers = {
        "web 404": client.get("/no/such/page"),
        "web 404 logged in": officer.get("/cases/999999999"),
        "web huge id": officer.get("/cases/99999999999999999999999"),
        "api 404": client.get("/api/v1/no/such/thing"),
        "api 404 logged in": client.get("/api/v1/calls/99999999999999999999999",
                                        headers={"Authorization": "Bearer hl_x"}),
        "web 405": client.get("/logout"),
        "api 405": client.delete("/api/v1/health"),
        "api 401": client.get("/api/v1/me"),
        "bad json": client.post("/api/v1/calls", data="{not json", content_type="application/json",
                                headers={"Authorization": "Bearer hl_x"}),
    }
    for name, response in answers.items():
        assert response.status_code in (401, 404, 405), name
        assert not _clean(response), name
        if name.startswith("api"):
            assert response.mimetype == "application/json" and set(response.get_json()) == {"error", "message"}


def test_an_unexpected_error_answers_500_without_details(app, monkeypatch):
    """A bug (here: the query behind a page and the health report raising) gives the generic 500 page or JSON:
    no traceback, no exception text."""
    def broken(*args, **kwargs):
        raise RuntimeError("secret-internal-detail: connection string postgresql://u:p@db/x")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr("hotline.public.views._published", broken)
    monkeypatch.setattr("hotline.api.views.health_report", broken)
    client = app.test_client()
    page = client.get("/public/decisions")
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert not _clean(page) and "postgresql://" not in page.get_data(as_text=True)
    api = client.get("/api/v1/health")
    assert api.status_code == 500 and api.get_json() == {"error": "Internal Server Error",
                                                         "message": "Unexpected error; it has been logged."}
    assert "Cache-Control" in api.headers and api.headers["X-Content-Type-Options"] == "nosniff"


def test_health_gives_no_secrets(app):
    health = app.test_client().get("/api/v1/health")
    assert set(health.get_json()) == {"database", "redis", "worker"}
    assert all(re.fullmatch(r"[a-z_]{2,20}", value) for value in health.get_json().values())


def test_production_config_is_not_debug():
    from config import ProductionConfig

    assert not getattr(ProductionConfig, "DEBUG", False) and not getattr(ProductionConfig, "TESTING", False)
