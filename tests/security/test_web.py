"""Web security: CSRF on every state-changing form, security headers, session fixation and invalidation, cookie
flags, login throttling shared across processes."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import NamedTuple

import pytest
import sqlalchemy as sa

from hotline.extensions import db
from tests.factories import PASSWORD
from tests.security.conftest import ROLES, issue_raw_token, login_client
from tests.security.test_access_matrix import MATRIX, OK, build_url

_TOKEN = re.compile(r'name="(?:[\w-]*-)?csrf_token"[^>]*value="([^"]+)"'
                    r'|value="([^"]+)"[^>]*name="(?:[\w-]*-)?csrf_token"')


def csrf_token(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def csrf_login(client, user, password: str = PASSWORD, **kwargs):
    """Log in through the form with its CSRF token (CSRF enabled)."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": user.username, "password": password, "csrf_token": token},
                       **kwargs)


@pytest.fixture
def csrf_app(make_app):
    """The app with CSRF protection on, as in production (TestingConfig turns it off for the other tests)."""
    return make_app(WTF_CSRF_ENABLED=True)


# ---------------------------------------------------------------------------------------------------------------
# CSRF


def _web_posts() -> list[tuple[str, str]]:
    return sorted(key for key in MATRIX if key[0] == "POST" and not key[1].startswith("/api/"))


def test_the_suite_app_has_csrf_off_and_the_csrf_app_on(app, csrf_app):
    assert app.config["WTF_CSRF_ENABLED"] is False
    assert csrf_app.config["WTF_CSRF_ENABLED"] is True


def test_every_state_changing_form_refuses_a_post_without_a_valid_token(csrf_app, staff, world):
    """Every POST route outside the API, as a user allowed to use it (anonymous for the public ones): no token,
    a forged token, and another session's valid token are all refused with 400 — logout and the destructive
    buttons (revoke, lock, accept) included. Nothing is done: the checks run before the views."""
    routes = _web_posts()
    assert len(routes) >= 25 and ("POST", "/logout") in routes
    clients: dict[str, object] = {}

    def client_for(key):
        row = MATRIX[key]
        if row[5] is not None and row[5].above:  # only an office above 长沙 may: the province's user
            actor, user = f"province {row[5].role}", staff.get(row[5].role, "430000", "prov")
        elif row[0] != OK and OK not in row[1:5]:  # the national calendar: only the province's administrators
            actor, user = "province admin", staff.get("admin", "430000", "prov")
        else:
            actor = "anonymous" if row[0] == OK else next(r for r, e in zip(ROLES, row[1:5], strict=True)
                                                          if e == OK)
            user = None if actor == "anonymous" else staff.get(actor)
        if actor not in clients:
            client = csrf_app.test_client()
            if user is not None:
                assert csrf_login(client, user).status_code == 302
            clients[actor] = client
        return clients[actor]

    stranger = csrf_app.test_client()
    foreign_token = csrf_token(stranger.get("/login").get_data(as_text=True))  # valid, but for another session
    accepted = {}
    for key in routes:
        url = build_url(key, world)
        client = client_for(key)
        for name, data in (("no token", {}), ("forged", {"csrf_token": "forged.token.value"}),
                           ("another session's", {"csrf_token": foreign_token})):
            response = client.post(url, data=data)
            if response.status_code != 400:
                accepted[(url, name)] = response.status_code
            assert "Traceback" not in response.get_data(as_text=True)
    assert not accepted
    # Nothing happened: the officer's token is not revoked, the revision still pending, the user still logged in.
    from hotline.accounts.models import ApiToken
    from hotline.stats.models import SnapshotRevision

    with csrf_app.app_context():
        assert db.session.get(ApiToken, world.token.id).revoked_at is None
        assert db.session.get(SnapshotRevision, world.revision.id).status == "pending"
    assert clients["supervisor"].get("/review").status_code == 200


def test_a_valid_token_is_accepted(csrf_app, staff):
    """The control: the same POST with the session's token goes through (logout ends the session)."""
    client = csrf_app.test_client()
    assert csrf_login(client, staff.officer).status_code == 302
    page = client.get("/cases").get_data(as_text=True)
    token = csrf_token(page)
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/cases").status_code == 302


def test_login_itself_needs_the_token(csrf_app, staff):
    """Login CSRF: a cross-site form cannot log the victim into the attacker's account."""
    client = csrf_app.test_client()
    response = client.post("/login", data={"username": staff.officer.username, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/cases").status_code == 302


# ---------------------------------------------------------------------------------------------------------------
# Security headers


def _csp(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


class Seen(NamedTuple):
    label: str
    status_code: int
    headers: object
    mimetype: str
    text: str
    authenticated: bool


def _sample(app, staff, world) -> list[Seen]:
    """A sample of pages, downloads and API answers, read and closed."""
    anonymous = app.test_client()
    clients = {role: login_client(app, staff.get(role)) for role in ROLES}
    token = {"Authorization": "Bearer " + issue_raw_token(app, staff.officer)}
    requests = [
        ("login page", anonymous, "/login", {}, False),
        ("public decisions", anonymous, "/public/decisions", {}, False),
        ("public decision", anonymous, f"/public/decisions/{world.published.id}", {}, False),
        ("web 404", anonymous, "/no-such-page", {}, False),
        ("health", anonymous, "/api/v1/health", {}, False),
        ("api 401", anonymous, "/api/v1/me", {}, False),
        ("intake", clients["operator"], "/calls/new", {}, True),
        ("call", clients["operator"], f"/calls/{world.call.id}", {}, True),
        ("lookup json", clients["operator"], "/calls/lookup?phone=13812345678", {}, True),
        ("tokens", clients["operator"], "/tokens", {}, True),
        ("case", clients["officer"], f"/cases/{world.case.id}", {}, True),
        ("evidence download", clients["officer"], f"/cases/{world.case.id}/attachments/{world.attachment.id}", {},
         True),
        ("monthly statistics", clients["officer"], "/stats/monthly?month=2015-05", {}, True),
        ("yearly xlsx", clients["officer"], "/stats/yearly/2015.xlsx", {}, True),
        ("review", clients["supervisor"], "/review", {}, True),
        ("users", clients["admin"], "/admin/users", {}, True),
        ("calendar admin", clients["admin"], "/admin/calendar", {}, True),
        ("web 403", clients["admin"], "/calls", {}, True),
        ("api call", anonymous, f"/api/v1/calls/{world.call.id}", token, True),
        ("api 404", anonymous, "/api/v1/calls/999999", token, True),
        ("api xlsx", anonymous, "/api/v1/reports/yearly/2015.xlsx", token, True),
    ]
    seen = []
    for label, client, url, headers, authenticated in requests:
        response = client.get(url, headers=headers)
        text = response.get_data(as_text=True) if response.mimetype in ("text/html", "application/json") else ""
        seen.append(Seen(label, response.status_code, response.headers, response.mimetype, text, authenticated))
        response.close()
    return seen


def test_security_headers_on_a_sample_of_responses(app, staff, world):
    problems = []
    for response in _sample(app, staff, world):
        csp = _csp(response)
        script_src = csp.get("script-src", csp.get("default-src", []))
        checks = {
            # downloads may carry their own sandboxing policy; X-Frame-Options still forbids framing them
            "CSP frame-ancestors": csp.get("frame-ancestors") in (["'none'"], ["'self'"]) or (
                response.mimetype != "text/html" and response.headers.get("X-Frame-Options") == "DENY"),
            # <base> only exists in documents
            "CSP base-uri": response.mimetype != "text/html" or csp.get("base-uri") in (["'none'"], ["'self'"]),
            "CSP object-src": csp.get("object-src", csp.get("default-src")) == ["'none'"],
            "CSP default-src": bool(csp.get("default-src")),
            "CSP scripts": bool(script_src) and not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:",
                                                     "https:"} & set(script_src),
            "nosniff": response.headers.get("X-Content-Type-Options") == "nosniff",
            # same-origin keeps the Referer that Flask-WTF's strict HTTPS check compares with the host
            "Referrer-Policy": response.headers.get("Referrer-Policy") in ("same-origin", "strict-origin",
                                                                           "strict-origin-when-cross-origin"),
            "no CORS": "Access-Control-Allow-Origin" not in response.headers,
        }
        if response.authenticated:
            checks["no-store"] = "no-store" in response.headers.get("Cache-Control", "")
        problems += [f"{response.label} ({response.status_code}): {name}" for name, good in checks.items()
                     if not good]
    assert not problems


def test_pages_run_no_inline_script_without_the_nonce(app, staff, world):
    """script-src allows 'self' and the response's nonce only: every <script> is external or carries the nonce,
    and no inline event handler or javascript: URL (which CSP would block) is used."""
    problems = []
    pages = [seen for seen in _sample(app, staff, world) if seen.mimetype == "text/html"]
    assert len(pages) >= 10
    for response in pages:
        label, html = response.label, response.text
        nonce = next((w.removeprefix("'nonce-").rstrip("'") for w in _csp(response).get("script-src", [])
                      if w.startswith("'nonce-")), None)
        for tag in re.findall(r"<script\b[^>]*>", html, re.I):
            external = re.search(r'\bsrc="/static/', tag)
            data_only = 'type="application/json"' in tag
            if not (external or data_only or (nonce and f'nonce="{nonce}"' in tag)):
                problems.append(f"{label}: {tag}")
        problems += [f"{label}: handler {h}" for h in re.findall(r"\son[a-z]+\s*=", html, re.I)]
        problems += [f"{label}: javascript: URL" for _ in re.findall(r"javascript:", html, re.I)]
    assert not problems


def test_no_cross_origin_api_access(app, staff):
    """No CORS: a browser on another origin cannot read API answers (and gets no preflight approval)."""
    client = app.test_client()
    preflight = client.options("/api/v1/calls", headers={"Origin": "https://evil.example",
                                                          "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
    answer = client.get("/api/v1/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_hsts_on_https(app):
    """Over HTTPS every answer asks the browser to keep to HTTPS for at least a year (ASVS 3.4.1)."""
    client = app.test_client()
    response = client.get("/login", base_url="https://hotline.example")
    hsts = response.headers.get("Strict-Transport-Security", "")
    match = re.search(r"max-age=(\d+)", hsts)
    assert match and int(match.group(1)) >= 365 * 24 * 3600, hsts
    assert client.get("/api/v1/health", base_url="https://hotline.example").headers.get("Strict-Transport-Security")


# ---------------------------------------------------------------------------------------------------------------
# Sessions


def _cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def _with_cookie(app, value: str):
    client = app.test_client()
    client.set_cookie("session", value)
    return client


def test_session_cookie_flags(app, staff):
    from config import ProductionConfig

    client = app.test_client()
    response = client.post("/login", data={"username": staff.officer.username, "password": PASSWORD})
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie or "SameSite=Strict" in session_cookie
    assert not any(c.startswith("remember_token=") for c in cookies)
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.SESSION_COOKIE_HTTPONLY is True


def test_login_issues_a_new_session_and_a_planted_cookie_stays_anonymous(app, staff):
    """Session fixation: the cookie set before login (here by the language switch) is replaced at login, and the
    old cookie does not become logged in."""
    client = app.test_client()
    assert client.post("/language/en", data={}).status_code == 302
    before = _cookie(client)
    assert before
    assert client.post("/login", data={"username": staff.officer.username, "password": PASSWORD}).status_code == 302
    after = _cookie(client)
    assert after and after != before
    assert client.get("/cases").status_code == 200
    planted = _with_cookie(app, before).get("/cases")
    assert planted.status_code == 302 and planted.headers["Location"].startswith("/login")


def test_a_copied_cookie_is_dead_after_logout(app, staff):
    client = login_client(app, staff.supervisor)
    copied = _cookie(client)
    assert _with_cookie(app, copied).get("/review").status_code == 200
    assert client.post("/logout").status_code == 302
    replay = _with_cookie(app, copied).get("/review")
    assert replay.status_code == 302 and replay.headers["Location"].startswith("/login")


@pytest.mark.parametrize("change", ["deactivate", "role", "password"])
def test_account_changes_end_the_users_sessions(app, staff, change):
    """An administrator deactivating a user (or changing their role or password) ends every open session."""
    user = staff.operator
    victim = login_client(app, user)
    second = login_client(app, user)  # another browser
    assert victim.get("/calls").status_code == 200
    admin = login_client(app, staff.admin)
    form = {"display_name": "op", "role": "operator", "region_code": "430100", "is_active": "y"}
    if change == "deactivate":
        del form["is_active"]
    elif change == "role":
        form["role"] = "officer"
    else:
        form["password"] = "a new long passphrase 2026"
    response = admin.post(f"/admin/users/{user.id}", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    for browser in (victim, second):
        answer = browser.get("/calls")
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_an_expired_session_is_refused(app, staff):
    from hotline.accounts.models import UserSession
    from hotline.core.types import utcnow

    client = login_client(app, staff.officer)
    assert client.get("/cases").status_code == 200
    with app.app_context():
        db.session.execute(sa.update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    answer = client.get("/cases")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


# ---------------------------------------------------------------------------------------------------------------
# Login throttling


def _attempt(client, username: str, password: str, address: str = "10.0.0.1", **headers):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def test_account_delay_is_shared_by_two_app_instances(app, make_app, staff):
    """Five failures for an account on one instance make it wait on another one (the counter is in the database):
    during the wait even the right password is refused with 429, from any address; unknown accounts behave the
    same."""
    first, second = app, make_app()
    assert second is not first
    limit = app.config["LOGIN_FREE_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert _attempt(first.test_client(), staff.officer.username, "wrong password!").status_code == 401
    locked = _attempt(second.test_client(), staff.officer.username, PASSWORD, address="10.9.9.9")
    assert locked.status_code == 429
    assert _attempt(second.test_client(), staff.supervisor.username, PASSWORD, address="10.9.9.9").status_code == 302
    # An unknown name answers exactly like a known one (no account enumeration through the delay).
    for _ in range(limit):
        assert _attempt(second.test_client(), "nobody-here", "wrong password!").status_code == 401
    assert _attempt(first.test_client(), "nobody-here", "wrong password!").status_code == 429


def test_address_limit_is_shared_and_not_bypassed_with_x_forwarded_for(app, make_app, staff):
    """Twenty failures from one address (different names) block that address on the other instance too; a forged
    X-Forwarded-For does not help (no proxy is trusted); another address is not affected."""
    second = make_app()
    limit = app.config["LOGIN_FREE_FAILURES_PER_ADDRESS"]
    for i in range(limit):
        assert _attempt(app.test_client(), f"guess{i}", "wrong password!").status_code == 401
    blocked = _attempt(second.test_client(), staff.officer.username, PASSWORD)
    assert blocked.status_code == 429
    spoofed = _attempt(second.test_client(), staff.officer.username, PASSWORD,
                       **{"X-Forwarded-For": "203.0.113.7"})
    assert spoofed.status_code == 429
    assert _attempt(app.test_client(), staff.officer.username, PASSWORD, address="10.0.0.2").status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_address_counts(app, make_app, staff):
    proxied = make_app(TRUSTED_PROXIES=1)
    limit = app.config["LOGIN_FREE_FAILURES_PER_ADDRESS"]
    for i in range(limit):
        assert _attempt(proxied.test_client(), f"guess{i}", "wrong password!", address="10.0.0.254",
                        **{"X-Forwarded-For": "198.51.100.1"}).status_code == 401
    same_client = _attempt(proxied.test_client(), staff.officer.username, PASSWORD, address="10.0.0.254",
                           **{"X-Forwarded-For": "198.51.100.1"})
    assert same_client.status_code == 429
    other_client = _attempt(proxied.test_client(), staff.officer.username, PASSWORD, address="10.0.0.254",
                            **{"X-Forwarded-For": "198.51.100.2"})
    assert other_client.status_code == 302
