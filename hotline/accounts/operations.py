"""State changes on users and tokens. They flush and audit; the caller commits."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select

from hotline.accounts.models import ApiToken, User
from hotline.accounts.security import end_all_sessions, hash_password, new_token_value, sha256_hex
from hotline.core.audit import apply_changes, record_event
from hotline.core.errors import ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.permissions import Role
from hotline.core.text import clean_text
from hotline.core.types import utcnow
from hotline.extensions import db
from hotline.reference.models import Region

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD_LENGTH = 12


def normalize_username(value: str) -> str:
    # No control characters: PostgreSQL cannot even compare text holding NUL (a login with one answered 500).
    return (clean_text(value) or "").lower()


def check_password_strength(password: str, username: str = "") -> list[str]:
    """Length-based policy (NIST SP 800-63B / ASVS 6.2): at least 12 characters, not the username."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_("At least %(limit)d characters.", limit=MIN_PASSWORD_LENGTH))
    if len(password) > 128:
        problems.append(_("At most %(limit)d characters.", limit=128))
    if username and password.lower() == username.lower():
        problems.append(_("Must not be the username."))
    return problems


DISPLAY_NAME_LIMIT = 80
#: Unicode categories a display name may not hold: controls, format characters (the bidi embeddings, overrides,
#: isolates and marks that make a name read in another order, zero-width characters that make two names look
#: alike) and line or paragraph separators.
_REFUSED_IN_NAMES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def display_name_key(name: str) -> str:
    """What two display names share when they read the same: NFKC (full-width letters as ASCII), case-folded,
    without whitespace."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


def check_display_name(name: str | None, *, user: User | None = None) -> tuple[str, list[str]]:
    """The display name as stored (NFC, stripped) and what is wrong with it: empty or too long, a control,
    bidi or invisible character, or another user's display name (whatever its case or spacing) — the name must
    tell this user apart in case files, timelines and the audit log. ``user``: the user being renamed (their
    own name is no copy)."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name or len(name) > DISPLAY_NAME_LIMIT:
        return name, [_("1–80 characters.")]
    if any(unicodedata.category(ch) in _REFUSED_IN_NAMES for ch in name):
        return name, [_("No control, text-direction (bidi) or invisible characters.")]
    key = display_name_key(name)
    if user is not None and display_name_key(user.display_name or "") == key:
        return name, []
    others = select(User.display_name)
    if user is not None and user.id is not None:
        others = others.where(User.id != user.id)
    if any(display_name_key(other) == key for other in db.session.scalars(others)):
        return name, [_("Another user already has this display name; choose one that tells them apart.")]
    return name, []


def _validate_user_fields(*, role: str | None = None, region_code: str | None = None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if role is not None and role not in {r.value for r in Role}:
        errors["role"] = [_("Unknown role %(role)r.", role=role)]
    if region_code is not None and db.session.get(Region, region_code) is None:
        errors["region_code"] = [_("Unknown region %(code)r.", code=region_code)]
    return errors


def create_user(*, username: str, display_name: str, password: str, role: str, region_code: str,
                actor: User | None) -> User:
    """Create an account. Raises ValidationFailed with field errors."""
    username = normalize_username(username)
    errors = _validate_user_fields(role=role, region_code=region_code)
    if not USERNAME_RE.match(username):
        errors["username"] = [_("2–40 characters: lower-case letters, digits, '.', '_' or '-'.")]
    elif db.session.scalar(select(func.count()).where(User.username == username)):
        errors["username"] = [_("This username is taken.")]
    if problems := check_password_strength(password, username):
        errors["password"] = problems
    display_name, problems = check_display_name(display_name or username)
    if problems:
        errors["display_name"] = problems
    if errors:
        raise ValidationFailed(_("Invalid user."), errors)
    user = User(username=username, display_name=display_name,
                password_hash=hash_password(password), role=role, region_code=region_code, is_active=True)
    db.session.add(user)
    db.session.flush()
    record_event(user, "create", actor, {"username": (None, username), "role": (None, role),
                                         "region_code": (None, region_code)})
    return user


def update_user(user: User, data: dict, *, actor: User) -> dict:
    """Change display name, role, region or active flag. Deactivation ends the user's sessions."""
    errors = _validate_user_fields(role=data.get("role"), region_code=data.get("region_code"))
    if "display_name" in data:
        name, problems = check_display_name(data["display_name"], user=user)
        if problems:
            errors["display_name"] = problems
        else:
            data = {**data, "display_name": name}
    if actor.id == user.id and (data.get("is_active") is False or data.get("role", user.role) != user.role):
        errors.setdefault("role", []).append(_("You cannot change your own role or deactivate yourself."))
    if errors:
        raise ValidationFailed(_("Invalid user."), errors)
    changes = apply_changes(user, data, ("display_name", "role", "region_code", "is_active"))
    if changes:
        db.session.flush()
        record_event(user, "update", actor, changes)
        if {"role", "region_code", "is_active"} & changes.keys():
            # New rights take effect now: every open session starts over.
            end_all_sessions(user)
    return changes


def set_password(user: User, password: str, *, actor: User | None) -> None:
    if problems := check_password_strength(password, user.username):
        raise ValidationFailed(_("Weak password."), {"password": problems})
    user.password_hash = hash_password(password)
    db.session.flush()
    record_event(user, "set_password", actor, {"password": ("***", "***")})
    end_all_sessions(user)


def issue_token(user: User, name: str, *, actor: User | None) -> tuple[ApiToken, str]:
    """Create an API token; returns the row and the raw value, which is shown once and never stored."""
    raw = new_token_value()
    token = ApiToken(user_id=user.id, name=(clean_text(name) or "api")[:80], token_hash=sha256_hex(raw),
                     prefix=raw[:10])
    db.session.add(token)
    db.session.flush()
    record_event(token, "create", actor, {"name": (None, token.name), "prefix": (None, token.prefix)},
                 region_code=user.region_code)
    return token, raw


def revoke_token(token: ApiToken, *, actor: User) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    db.session.flush()
    record_event(token, "revoke", actor, {"revoked_at": (None, token.revoked_at)}, region_code=token.user.region_code)
