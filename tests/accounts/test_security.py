"""Passwords (argon2id), login sessions, API token authentication, login throttling, client address."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hotline.accounts.models import ApiToken, LoginFailure, User, UserSession
from hotline.accounts.operations import issue_token, revoke_token
from hotline.accounts.security import (
    authenticate_token,
    client_address,
    end_all_sessions,
    end_session,
    hash_password,
    load_session_user,
    login_wait,
    purge_old_login_failures,
    record_login_failure,
    start_session,
    verify_password,
)
from hotline.core.types import utcnow
from hotline.extensions import db

PASSWORD = "correct horse battery staple"


def _get(user):
    return db.session.get(User, user.id)


# Passwords -------------------------------------------------------------------------------------------


def test_hashes_are_salted_argon2id(app):
    with app.app_context():
        first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("$argon2id$v=19$")
    assert first != second


def test_verify_password(app, create_user):
    user = create_user("officer", "430100", password=PASSWORD)
    with app.app_context():
        me = _get(user)
        assert verify_password(me, PASSWORD)
        assert not verify_password(me, PASSWORD.upper())
        assert not verify_password(me, "")
        assert not verify_password(None, PASSWORD)   # unknown user: same work, still False
        me.password_hash = "not-a-hash"
        assert not verify_password(me, PASSWORD)


def test_verify_password_rehashes_when_parameters_increase(app, create_user, monkeypatch):
    user = create_user("officer", "430100", password=PASSWORD)
    old_hash = user.password_hash
    assert ",t=1," in old_hash
    monkeypatch.setitem(app.config, "ARGON2_TIME_COST", 2)
    with app.app_context():
        me = _get(user)
        assert not verify_password(me, "wrong password here")
        assert me.password_hash == old_hash            # no rehash on a failed attempt
        assert verify_password(me, PASSWORD)
        db.session.commit()
        me = _get(user)
        assert me.password_hash != old_hash
        assert me.password_hash.startswith("$argon2id$")
        assert ",t=2," in me.password_hash
        assert verify_password(me, PASSWORD)
        rehashed = me.password_hash
        assert verify_password(me, PASSWORD)
        assert me.password_hash == rehashed            # up to date: left alone


# Sessions --------------------------------------------------------------------------------------------


def test_session_lifecycle(app, create_user):
    user = create_user("officer", "430100")
    with app.app_context():
        raw = start_session(_get(user))
        db.session.commit()
        loaded = load_session_user(raw)
        assert loaded.id == user.id
        assert loaded.get_id() == raw
        assert load_session_user(raw + "x") is None
        end_session(raw)
        db.session.commit()
        assert load_session_user(raw) is None


def test_expired_session_is_refused(app, create_user):
    user = create_user("officer", "430100")
    with app.app_context():
        raw = start_session(_get(user))
        db.session.commit()
        db.session.execute(sa.update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert load_session_user(raw) is None


def test_deactivated_user_loses_every_session(app, create_user):
    user = create_user("officer", "430100")
    with app.app_context():
        raws = [start_session(_get(user)) for _ in range(2)]
        db.session.commit()
        _get(user).is_active = False
        db.session.commit()
        assert [load_session_user(raw) for raw in raws] == [None, None]


def test_end_all_sessions_spares_other_users(app, create_user):
    mine, theirs = create_user("officer", "430100"), create_user("officer", "430100")
    with app.app_context():
        raw_mine, raw_theirs = start_session(_get(mine)), start_session(_get(theirs))
        db.session.commit()
        end_all_sessions(_get(mine))
        db.session.commit()
        assert load_session_user(raw_mine) is None
        assert load_session_user(raw_theirs).id == theirs.id


# API tokens ------------------------------------------------------------------------------------------


def _token(user, name="t"):
    token, raw = issue_token(_get(user), name, actor=None)
    db.session.commit()
    return token, raw


def test_authenticate_token(app, create_user):
    user = create_user("officer", "430100")
    with app.app_context():
        _, raw = _token(user)
        assert authenticate_token(raw).id == user.id
        for wrong in (raw[:-1], raw + "a", "hl_" + "a" * 43, raw[3:], "", "hl_" + "a" * 300):
            assert authenticate_token(wrong) is None


def test_revoked_token_is_refused(app, create_user):
    user = create_user("officer", "430100")
    with app.app_context():
        token, raw = _token(user)
        _, other_raw = _token(user)
        revoke_token(token, actor=None)
        db.session.commit()
        assert authenticate_token(raw) is None
        assert authenticate_token(other_raw).id == user.id


def test_token_of_a_deactivated_user_is_refused(app, create_user):
    user = create_user("officer", "430100")
    with app.app_context():
        _, raw = _token(user)
        _get(user).is_active = False
        db.session.commit()
        assert authenticate_token(raw) is None


def test_last_used_at_is_written_at_most_once_a_minute(app, create_user):
    user = create_user("officer", "430100")
    with app.app_context():
        token, raw = _token(user)
        assert token.last_used_at is None
        authenticate_token(raw)
        db.session.commit()
        first = db.session.get(ApiToken, token.id).last_used_at
        assert first is not None
        assert utcnow() - first < timedelta(seconds=30)
        authenticate_token(raw)
        assert not db.session.dirty                       # nothing to write on the next request
        db.session.commit()
        assert db.session.get(ApiToken, token.id).last_used_at == first
        # a minute and a bit later, the next use is recorded
        older = utcnow() - timedelta(seconds=61)
        db.session.execute(sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=older))
        db.session.commit()
        db.session.expire_all()
        authenticate_token(raw)
        db.session.commit()
        assert db.session.get(ApiToken, token.id).last_used_at > older + timedelta(seconds=30)


# Login throttling ------------------------------------------------------------------------------------


def _fail(username, address, times=1):
    for _ in range(times):
        record_login_failure(username, address)
    db.session.commit()


def _age_failures(seconds: float) -> None:
    """Move every recorded failure ``seconds`` into the past (time passing, without sleeping)."""
    for failure in db.session.scalars(sa.select(LoginFailure)):
        failure.occurred_at -= timedelta(seconds=seconds)
    db.session.commit()


def _near(wait: timedelta, seconds: float) -> bool:
    return abs(wait.total_seconds() - seconds) < 1.5


def test_account_waits_after_its_free_failures_growing_and_capped(app, monkeypatch):
    """No lock: after the free failures each further one doubles the wait, up to the cap; other accounts and
    addresses go on."""
    monkeypatch.setitem(app.config, "LOGIN_DELAY_BASE_SECONDS", 10)
    monkeypatch.setitem(app.config, "LOGIN_DELAY_MAX_SECONDS", 900)
    free = app.config["LOGIN_FREE_FAILURES_PER_ACCOUNT"]
    with app.app_context():
        for i in range(free - 1):
            _fail("zhang.san", f"10.0.0.{i}")
        assert login_wait("zhang.san", "10.0.1.1") == timedelta(0)
        _fail("zhang.san", "10.0.0.99")
        assert _near(login_wait("zhang.san", "10.0.1.1"), 10)     # per account, whatever the address
        assert login_wait("li.si", "10.0.1.1") == timedelta(0)   # other accounts are unaffected
        _fail("zhang.san", "10.0.0.98")
        assert _near(login_wait("zhang.san", "10.0.1.1"), 20)
        _fail("zhang.san", "10.0.0.97")
        assert _near(login_wait("zhang.san", "10.0.1.1"), 40)
        _fail("zhang.san", "10.0.0.96", times=20)
        assert _near(login_wait("zhang.san", "10.0.1.1"), 900)    # capped at 15 minutes, never a lock
        _age_failures(901)
        assert login_wait("zhang.san", "10.0.1.1") == timedelta(0)


def test_the_wait_is_the_same_for_an_unknown_account(app, create_user):
    user = create_user("officer", "430100", username="real.one")
    free = app.config["LOGIN_FREE_FAILURES_PER_ACCOUNT"]
    with app.app_context():
        for name in (user.username, "made.up"):
            _fail(name, f"10.1.{len(name)}.1", times=free + 2)
        real, made_up = login_wait(user.username, "10.2.0.1"), login_wait("made.up", "10.2.0.1")
        assert real > timedelta(0) and abs((real - made_up).total_seconds()) < 1


def test_a_successful_login_starts_the_account_count_afresh_but_keeps_the_record(app, create_user):
    user = create_user("officer", "430100")
    free = app.config["LOGIN_FREE_FAILURES_PER_ACCOUNT"]
    with app.app_context():
        _fail(user.username, "10.0.0.1", times=free + 1)
        _age_failures(3600)
        assert login_wait(user.username, "10.0.0.2") == timedelta(0)  # waited long enough
        _get(user).last_login_at = utcnow()
        db.session.commit()
        _fail(user.username, "10.0.0.1")
        assert login_wait(user.username, "10.0.0.2") == timedelta(0)  # one failure since the login
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == free + 2


def test_address_waits_after_its_free_failures_on_any_accounts(app):
    free = app.config["LOGIN_FREE_FAILURES_PER_ADDRESS"]
    assert free > app.config["LOGIN_FREE_FAILURES_PER_ACCOUNT"]
    with app.app_context():
        for i in range(free - 1):
            _fail(f"user{i}", "203.0.113.7")
        assert login_wait("fresh", "203.0.113.7") == timedelta(0)
        _fail("user-last", "203.0.113.7")
        assert login_wait("fresh", "203.0.113.7") > timedelta(0)
        assert login_wait("fresh", "203.0.113.8") == timedelta(0)


def test_failures_outside_the_window_do_not_count(app):
    free = app.config["LOGIN_FREE_FAILURES_PER_ACCOUNT"]
    window = timedelta(seconds=app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    with app.app_context():
        old = utcnow() - window - timedelta(seconds=5)
        for _ in range(free * 5):
            db.session.add(LoginFailure(username="zhang.san", address="10.0.0.1", occurred_at=old))
        db.session.commit()
        assert login_wait("zhang.san", "10.0.0.1") == timedelta(0)
        _fail("zhang.san", "10.0.0.1", times=free)
        assert login_wait("zhang.san", "10.0.0.1") > timedelta(0)
        assert purge_old_login_failures(utcnow() - window) == free * 5
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == free


# Client address --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("proxies", "forwarded", "expected"), [
    (0, "198.51.100.1", "192.0.2.10"),                       # no trusted proxy: the header is ignored
    (1, "198.51.100.1", "198.51.100.1"),
    (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),            # a client cannot prepend a fake address
    (2, "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
    (2, "198.51.100.1", "192.0.2.10"),                       # fewer hops than proxies: not trusted
    (1, "", "192.0.2.10"),
])
def test_client_address_trusts_only_configured_proxies(app, monkeypatch, proxies, forwarded, expected):
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", proxies)
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    with app.test_request_context("/", headers=headers, environ_base={"REMOTE_ADDR": "192.0.2.10"}):
        assert client_address() == expected
