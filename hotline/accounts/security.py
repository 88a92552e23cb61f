"""Passwords (argon2id), revocable login sessions, API bearer tokens and login throttling."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, request
from sqlalchemy import bindparam, delete, func, select, update

from hotline.accounts.models import ApiToken, LoginFailure, User, UserSession
from hotline.core.fastsql import FastStatement
from hotline.core.models import as_loaded
from hotline.core.types import utcnow
from hotline.extensions import db

TOKEN_PREFIX = "hl_"  # noqa: S105 - a public prefix, not a secret


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST"],
        parallelism=cfg["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


#: Verified against on unknown usernames so a miss costs as much time as a wrong password: one hash per set of
#: parameters, computed on first use and kept (hashing it again on every miss would make a miss cost twice as much
#: as a wrong password, telling which usernames exist).
_DUMMY_HASH: dict[tuple[int, int, int], str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    dummy = _DUMMY_HASH.get(key)
    if dummy is None:
        dummy = _DUMMY_HASH[key] = hasher.hash(secrets.token_urlsafe(16))
    return dummy


def verify_password(user: User | None, password: str) -> bool:
    """Check ``password``; rehash transparently when the configured parameters went up."""
    hasher = _hasher()
    if user is None:
        with contextlib.suppress(VerificationError):
            hasher.verify(_dummy_hash(hasher), password)
        return False
    try:
        hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# Login sessions -------------------------------------------------------------------------------

def start_session(user: User) -> str:
    """Create a server-side session row; returns the random id the cookie will carry."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    lifetime = timedelta(seconds=current_app.config["PERMANENT_SESSION_LIFETIME"])
    db.session.add(UserSession(user_id=user.id, token_hash=sha256_hex(raw), created_at=now, last_seen_at=now,
                               expires_at=now + lifetime))
    user.session_id = raw
    return raw


#: The session lookup, built once: it runs on every page, and building the statement costs more than running it.
_SESSION_USER = (
    select(User, UserSession.id, UserSession.last_seen_at)
    .join(UserSession, UserSession.user_id == User.id)
    .where(
        UserSession.token_hash == bindparam("token_hash"),
        UserSession.revoked_at.is_(None),
        UserSession.expires_at > bindparam("now", type_=UserSession.expires_at.type),
        User.is_active.is_(True),
    )
)


def load_session_user(raw: str, *, on_idle: Callable[[], None] | None = None, touch: bool = True) -> User | None:
    """The user of a live session (not revoked, not expired, not idle, user active), or None.

    One indexed SELECT on the hot path, which also reads the session's id and last_seen_at. A session without a
    request for longer than ``SESSION_IDLE_TIMEOUT`` is refused like an expired one and deleted; ``on_idle`` is
    then called (the web UI tells the user why). Otherwise last_seen_at moves forward by a single UPDATE, and only
    when it is older than ``SESSION_LAST_SEEN_RESOLUTION_SECONDS`` (a minute), never on every request.
    ``touch=False``: a page's background poll (the intake page's ringing calls) is no activity: it leaves
    last_seen_at as it is, so an unattended page still times out.
    """
    cfg = current_app.config
    now = utcnow()
    # The lookup is normally the first database work of a request; then its own write may be committed right away.
    session = db.session()
    alone = not session.in_transaction() and not (session.new or session.dirty or session.deleted)
    found = session.execute(_SESSION_USER, {"token_hash": sha256_hex(raw), "now": now}).first()
    if found is None:
        return None
    user, row_id, last_seen_at = found
    idle = now - last_seen_at
    if idle > timedelta(seconds=cfg["SESSION_IDLE_TIMEOUT"]):
        session.execute(delete(UserSession).where(UserSession.id == row_id))
        _commit_session_bookkeeping(alone)
        if on_idle is not None:
            on_idle()
        return None
    if touch and idle > timedelta(seconds=cfg["SESSION_LAST_SEEN_RESOLUTION_SECONDS"]):
        session.execute(update(UserSession).where(UserSession.id == row_id).values(last_seen_at=now))
        _commit_session_bookkeeping(alone)
    user.session_id = raw
    return user


def _commit_session_bookkeeping(alone: bool) -> None:
    """Commit the session lookup's own write (last_seen_at, or deleting an idle session).

    Only when the lookup began the transaction with nothing else pending, so the commit holds nothing but that
    write: many pages (GET) never commit, and the write must not depend on them. The user just loaded stays loaded
    (no expiry, so no SELECT again after the commit). Inside a transaction someone else began, the write goes with
    that transaction's commit; if it never commits, a later request writes it again.
    """
    if not alone:
        return
    session = db.session()
    expire_on_commit = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire_on_commit


def end_session(raw: str | None) -> None:
    if raw:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == sha256_hex(raw), UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def end_all_sessions(user: User, *, keep: str | None = None) -> None:
    """Revoke every open session of ``user`` but the one whose raw id is ``keep`` (the user's own, when they
    changed their password)."""
    stmt = update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep:
        stmt = stmt.where(UserSession.token_hash != sha256_hex(keep))
    db.session.execute(stmt.values(revoked_at=utcnow()))


# API tokens ------------------------------------------------------------------------------------

def new_token_value() -> str:
    """256 bits from the OS CSPRNG, URL-safe, with a recognisable prefix (for secret scanners)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


#: The token check runs on every API request: a Core SELECT built once (its cache key is computed once, the compiled
#: form reused), the user's columns plus the token's id and last use; the User is then taken from the row.
_USERS, _TOKENS = User.__table__, ApiToken.__table__
_USER_COLUMNS = tuple(_USERS.c)
_TOKEN_USER = (
    select(*_USER_COLUMNS, _TOKENS.c.id.label("token_id"), _TOKENS.c.last_used_at.label("token_last_used_at"))
    .select_from(_USERS.join(_TOKENS, _TOKENS.c.user_id == _USERS.c.id))
    .where(_TOKENS.c.token_hash == bindparam("token_hash"), _TOKENS.c.revoked_at.is_(None),
           _TOKENS.c.expires_at > bindparam("now", type_=ApiToken.expires_at.type), _USERS.c.is_active.is_(True))
)
_TOKEN_USER_FAST = FastStatement(_TOKEN_USER)  # through psycopg directly on PostgreSQL (hotline.core.fastsql)


def authenticate_token(raw: str) -> User | None:
    """The active user behind a live token (not revoked, not expired). Records last use at most once a minute.

    One indexed SELECT on the hot path; the UPDATE of last_used_at happens only when it is due.
    """
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    session = db.session()
    if session.autoflush:
        session.flush()  # as an ORM query would: changes pending in this session count (nothing to do when clean)
    now = utcnow()
    rows = _TOKEN_USER_FAST.run({"token_hash": sha256_hex(raw), "now": now})
    if not rows:
        return None
    found = rows[0]
    *columns, token_id, last_used_at = found
    user = as_loaded(User, {c.key: value for c, value in zip(_USER_COLUMNS, columns, strict=True)})
    resolution = timedelta(seconds=current_app.config["TOKEN_LAST_USED_RESOLUTION_SECONDS"])
    if last_used_at is None or now - last_used_at > resolution:
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    return user


# Throttling ------------------------------------------------------------------------------------

def client_address() -> str:
    """The client's address; X-Forwarded-For is trusted only for the configured number of proxies."""
    hops = current_app.config["TRUSTED_PROXIES"]
    if hops:
        forwarded = [p.strip() for p in request.headers.get("X-Forwarded-For", "").split(",") if p.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops][:64]
    return (request.remote_addr or "unknown")[:64]


def _delay_after(failures: int, free: int) -> timedelta:
    """The wait after ``failures`` recent failures: none for the first ``free``, then base·2ⁿ up to the cap."""
    if failures < free:
        return timedelta(0)
    cfg = current_app.config
    exponent = min(failures - free, 32)  # 2**32 seconds is far past any cap
    return timedelta(seconds=min(cfg["LOGIN_DELAY_BASE_SECONDS"] * 2 ** exponent, cfg["LOGIN_DELAY_MAX_SECONDS"]))


def login_wait(username: str, address: str) -> timedelta:
    """How long this login attempt must still wait (zero: go ahead); never a lock.

    Failures count per account name (only since its last successful login, and whether or not the account exists, so
    the answer tells nothing about existence) and per client address, over ``LOGIN_FAILURE_WINDOW_SECONDS``. After
    the free failures of each, the next attempt waits ``LOGIN_DELAY_BASE_SECONDS`` after the last failure, doubling
    with each further failure up to ``LOGIN_DELAY_MAX_SECONDS``. Attempts refused for waiting are not failures (the
    password is not even checked), so waiting out the delay is always enough for the owner.
    """
    cfg = current_app.config
    now = utcnow()
    since = now - timedelta(seconds=cfg["LOGIN_FAILURE_WINDOW_SECONDS"])
    last_login = db.session.scalar(select(User.last_login_at).where(User.username == username))
    account_since = max(since, last_login) if last_login is not None else since
    wait = timedelta(0)
    for column, key, free, floor in (
        (LoginFailure.username, username, cfg["LOGIN_FREE_FAILURES_PER_ACCOUNT"], account_since),
        (LoginFailure.address, address, cfg["LOGIN_FREE_FAILURES_PER_ADDRESS"], since),
    ):
        count, last = db.session.execute(
            select(func.count(), func.max(LoginFailure.occurred_at)).where(column == key,
                                                                            LoginFailure.occurred_at > floor)
        ).one()
        if count:
            wait = max(wait, last + _delay_after(count, free) - now)
    return max(wait, timedelta(0))


def record_login_failure(username: str, address: str) -> None:
    """Kept (not deleted on the next success) as the record of failed logins; purged after LOGIN_FAILURE_KEEP_DAYS."""
    db.session.add(LoginFailure(username=username[:80], address=address))


def purge_old_login_failures(before: datetime) -> int:
    result = db.session.execute(LoginFailure.__table__.delete().where(LoginFailure.occurred_at < before))
    return result.rowcount or 0
