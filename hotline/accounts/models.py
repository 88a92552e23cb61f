"""Users, their server-side login sessions, API tokens and failed-login records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.core.models import BigId, TimestampMixin
from hotline.core.permissions import Role, province_code
from hotline.core.types import UTCDateTime, utcnow
from hotline.extensions import db

ROLE_VALUES = ", ".join(f"'{r.value}'" for r in Role)


class User(TimestampMixin, db.Model):
    __tablename__ = "users"
    __audit_type__ = "user"
    __table_args__ = (CheckConstraint(f"role IN ({ROLE_VALUES})", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-case login name.
    username: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(String(80), nullable=False)
    #: argon2id PHC string.
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), nullable=False, index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: An integration's account (the telephony switch, the WeChat backend): it never logs in through the web form and
    #: holds tokens an administrator issues; its role says what it may call.
    is_service: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    #: The password was set by an administrator: until the user sets their own, every page leads to the
    #: change-password page and the API answers 403.
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                       server_default=false())
    #: Where e-mail notifications go (the user sets it on the notification settings page); null: none.
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)

    region = relationship("Region")
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", order_by="ApiToken.id")

    #: Set by the session loader: the id of the login session this request runs under.
    session_id = None

    # Flask-Login protocol -------------------------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        # Flask-Login keeps this in the cookie: it is the revocable session id, not the user id.
        return self.session_id

    # Permissions ------------------------------------------------------------------------------
    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_province(self) -> bool:
        return self.region_code == province_code()

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def may_hold_tokens(self) -> bool:
        """API tokens go to those who use them: officers (执法通 handhelds), supervisors (report tools),
        administrators (who issue them to service accounts) and service accounts; operators work in the web UI."""
        return self.is_service or self.role != Role.operator

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}@{self.region_code}>"


class UserSession(db.Model):
    """A login. The cookie holds a random id; only its SHA-256 is stored. Logout revokes the row.

    A session ends at ``expires_at`` (absolute lifetime) or after ``SESSION_IDLE_TIMEOUT`` seconds without a
    request (the row is then deleted).
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    #: Last request under this session, for the inactivity timeout; written at most once a minute.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()


class ApiToken(db.Model):
    """A bearer token for integrations. Only the SHA-256 of the token is stored.

    A token lives ``API_TOKEN_DAYS`` and is revoked when its user's password, role or region changes or the user is
    deactivated (operations.py), so a reactivated user needs a new one.
    """

    __tablename__ = "api_tokens"
    __audit_type__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    #: First characters of the token, shown in the UI to tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(12), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    #: Why it was revoked: 'revoked' (by hand), 'password', 'role', 'region_code' or 'is_active' (the user changed).
    revoked_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)

    user: Mapped[User] = relationship(back_populates="tokens")

    @property
    def region_code(self) -> str:
        return self.user.region_code

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > utcnow()

    @property
    def is_expired(self) -> bool:
        return self.revoked_at is None and self.expires_at <= utcnow()


class LoginFailure(db.Model):
    """One failed login, for throttling per account and per client address (shared by all workers)."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username_at", "username", "occurred_at"),
        Index("ix_login_failures_address_at", "address", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), nullable=False)
    address: Mapped[str] = mapped_column(String(64), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
