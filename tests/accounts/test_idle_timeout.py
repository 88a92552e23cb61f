"""Session inactivity timeout (ASVS 7.3.1): idle sessions end, active ones live on, last_seen_at is cheap."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hotline.accounts.models import LoginFailure, User, UserSession
from hotline.accounts.security import load_session_user, start_session
from hotline.core.types import utcnow
from hotline.extensions import db

PAGE = "/admin/users"  # any page behind the login; an admin's own domain


class Clock:
    """The sessions' clock, moved by hand."""

    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Stands in for ``utcnow`` where sessions are started, looked up and touched."""
    clock = Clock()
    monkeypatch.setattr("hotline.accounts.security.utcnow", clock)
    return clock


@pytest.fixture
def statements(app):
    """The SQL the app sends while the test runs (a list of statement strings)."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


def _session_rows(app, user_id: int) -> list[UserSession]:
    with app.app_context():
        rows = db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user_id)).all()
        db.session.expunge_all()
        return rows


def _updates_of_sessions(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("UPDATE USER_SESSIONS")]


def test_default_idle_timeout_is_30_minutes(app):
    assert app.config["SESSION_IDLE_TIMEOUT"] == 30 * 60
    assert app.config["SESSION_LAST_SEEN_RESOLUTION_SECONDS"] == 60


def test_idle_31_minutes_sends_to_login_and_deletes_the_session(app, client, create_user, login, clock):
    user = create_user("admin")
    assert login(user).status_code == 302
    assert client.get(PAGE).status_code == 200
    assert len(_session_rows(app, user.id)) == 1

    clock.advance(minutes=31)
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.location.startswith("/login")
    assert _session_rows(app, user.id) == []
    page = client.get(response.location)
    assert page.status_code == 200
    assert "Your session ended after 30 minutes of inactivity. Please log in again." in page.get_data(as_text=True)
    # Told once: the next page is plain anonymous, the cookie gets nothing back.
    again = client.get(PAGE)
    assert again.status_code == 302 and again.location.startswith("/login")
    assert "inactivity" not in client.get(again.location).get_data(as_text=True)
    # Logging in again works as usual.
    assert login(user).status_code == 302
    assert client.get(PAGE).status_code == 200


def test_idle_just_under_the_timeout_is_fine(client, create_user, login, clock):
    login(create_user("admin"))
    clock.advance(minutes=29, seconds=59)
    assert client.get(PAGE).status_code == 200
    clock.advance(minutes=29, seconds=59)   # counted from the last request, not from login
    assert client.get(PAGE).status_code == 200


def test_activity_every_10_minutes_for_2_hours_keeps_the_session(app, client, create_user, login, clock):
    user = create_user("admin")
    login(user)
    started = clock.now
    for _ in range(12):
        clock.advance(minutes=10)
        assert client.get(PAGE).status_code == 200
        [row] = _session_rows(app, user.id)
        assert row.last_seen_at == clock.now
    assert clock.now - started == timedelta(hours=2)
    [row] = _session_rows(app, user.id)
    assert row.revoked_at is None


def test_absolute_lifetime_still_applies_to_an_active_session(client, create_user, login, clock):
    login(create_user("admin"))
    for _ in range(8 * 6 - 1):
        clock.advance(minutes=10)
        assert client.get(PAGE).status_code == 200
    clock.advance(minutes=10, seconds=1)  # 8 h after login
    response = client.get(PAGE)
    assert response.status_code == 302 and response.location.startswith("/login")
    assert "inactivity" not in client.get(response.location).get_data(as_text=True)


def test_last_seen_at_is_written_at_most_once_a_minute(app, client, create_user, login, clock, statements):
    user = create_user("admin")
    login(user)
    [row] = _session_rows(app, user.id)
    logged_in_at = row.last_seen_at
    assert logged_in_at == clock.now

    statements.clear()
    for seconds in (1, 20, 40, 60):  # within the minute: reads only
        clock.now = logged_in_at + timedelta(seconds=seconds)
        assert client.get(PAGE).status_code == 200
    assert _updates_of_sessions(statements) == []
    assert _session_rows(app, user.id)[0].last_seen_at == logged_in_at

    clock.now = logged_in_at + timedelta(seconds=61)
    assert client.get(PAGE).status_code == 200
    assert len(_updates_of_sessions(statements)) == 1
    touched = _session_rows(app, user.id)[0].last_seen_at
    assert touched == clock.now

    statements.clear()
    for seconds in (62, 90, 121):
        clock.now = logged_in_at + timedelta(seconds=seconds)
        assert client.get(PAGE).status_code == 200
    assert _updates_of_sessions(statements) == []
    assert _session_rows(app, user.id)[0].last_seen_at == touched


def test_session_lookup_is_one_select_and_the_touch_one_update(app, create_user, clock, statements):
    """On the request path: one SELECT for user and session; the UPDATE (by primary key) only when due."""
    user = create_user("admin")
    with app.app_context():
        raw = start_session(db.session.get(User, user.id))
        db.session.commit()
    for advance, expected in ((30, ["SELECT"]), (31, ["SELECT", "UPDATE"])):
        clock.advance(seconds=advance)
        statements.clear()
        with app.app_context():
            loaded = load_session_user(raw)
            assert loaded.id == user.id and loaded.get_id() == raw
            assert loaded.role == "admin"          # still loaded after the touch's commit: no SELECT again
            sent = [s.lstrip().split()[0].upper() for s in statements if "user_sessions" in s]
            assert sent == expected
            if "UPDATE" in sent:
                assert "WHERE user_sessions.id =" in _updates_of_sessions(statements)[0]
            assert not [s for s in statements if "user_sessions" not in s and s.lstrip().upper().startswith("SELECT")]


def test_idle_session_lookup_calls_on_idle_and_deletes(app, create_user, clock):
    user = create_user("admin")
    with app.app_context():
        raw = start_session(db.session.get(User, user.id))
        db.session.commit()
    clock.advance(minutes=30, seconds=1)
    told = []
    with app.app_context():
        assert load_session_user(raw, on_idle=lambda: told.append(True)) is None
    assert told == [True]
    assert _session_rows(app, user.id) == []
    with app.app_context():
        assert load_session_user(raw, on_idle=lambda: told.append(True)) is None
    assert told == [True]   # an unknown session is not "idle"


def test_the_touch_never_commits_someone_elses_work(app, create_user, clock):
    """Inside a transaction with other pending work the touch is not committed on its own (it goes with that
    transaction's commit, or a later request writes it)."""
    user = create_user("admin")
    with app.app_context():
        raw = start_session(db.session.get(User, user.id))
        db.session.commit()
        started = clock.now
    clock.advance(minutes=5)
    with app.app_context():
        db.session.add(LoginFailure(username="someone", address="10.0.0.1"))
        assert load_session_user(raw).id == user.id
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 0
    assert _session_rows(app, user.id)[0].last_seen_at == started
    with app.app_context():                 # the next lookup on its own writes it
        assert load_session_user(raw).id == user.id
    assert _session_rows(app, user.id)[0].last_seen_at == clock.now


def test_idle_timeout_is_configurable(app, client, create_user, login, clock, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_TIMEOUT", 5 * 60)
    login(create_user("admin"))
    clock.advance(minutes=4)
    assert client.get(PAGE).status_code == 200
    clock.advance(minutes=5, seconds=1)
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "after 5 minutes of inactivity" in client.get(response.location).get_data(as_text=True)


def test_api_tokens_are_not_subject_to_the_idle_timeout(client, create_user, login, api, clock):
    user = create_user("operator")
    login(user)
    bearer = api(user)
    clock.advance(minutes=31)
    assert bearer.get("/api/v1/calls").status_code == 200
    web = client.get("/calls")
    assert web.status_code == 302 and web.location.startswith("/login")
