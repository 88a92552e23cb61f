"""State changes on users and tokens. They flush and audit; the caller commits."""

from __future__ import annotations

import re
import secrets
import threading
import unicodedata
from datetime import timedelta

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from zxcvbn import zxcvbn

from hotline.accounts.models import ApiToken, User
from hotline.accounts.security import end_all_sessions, hash_password, new_token_value, sha256_hex, verify_password
from hotline.core.audit import apply_changes, record_event
from hotline.core.errors import NotAllowed, ValidationFailed
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


#: zxcvbn's minimum score (0–4): 3 is "safely unguessable: moderate protection from offline slow-hash scenario".
MIN_PASSWORD_SCORE = 3
#: zxcvbn looks at no more than this many characters (it refuses longer input).
_ZXCVBN_MAX_LENGTH = 72
#: Words of the product and the office that make a password guessable here, whoever the user is.
PRODUCT_WORDS = ("hotline", "12330", "ipr", "zscq", "zhishichanquan", "weiquan", "hunan", "xiang", "changsha",
                 "admin", "administrator", "password", "mima")
#: zxcvbn keeps the user's words in a module global while it scores: one check at a time (gthread workers).
_ZXCVBN_LOCK = threading.Lock()
#: zxcvbn's feedback (English, fixed strings), said in the user's language.
ZXCVBN_MESSAGES = {
    "Use a few words, avoid common phrases.": _l("Use a few words, avoid common phrases."),
    "No need for symbols, digits, or uppercase letters.": _l("No need for symbols, digits, or uppercase letters."),
    "Add another word or two. Uncommon words are better.": _l("Add another word or two. Uncommon words are better."),
    "Straight rows of keys are easy to guess.": _l("Straight rows of keys are easy to guess."),
    "Short keyboard patterns are easy to guess.": _l("Short keyboard patterns are easy to guess."),
    "Use a longer keyboard pattern with more turns.": _l("Use a longer keyboard pattern with more turns."),
    'Repeats like "aaa" are easy to guess.': _l('Repeats like "aaa" are easy to guess.'),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".':
        _l('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    "Avoid repeated words and characters.": _l("Avoid repeated words and characters."),
    'Sequences like "abc" or "6543" are easy to guess.': _l('Sequences like "abc" or "6543" are easy to guess.'),
    "Avoid sequences.": _l("Avoid sequences."),
    "Recent years are easy to guess.": _l("Recent years are easy to guess."),
    "Avoid recent years.": _l("Avoid recent years."),
    "Avoid years that are associated with you.": _l("Avoid years that are associated with you."),
    "Dates are often easy to guess.": _l("Dates are often easy to guess."),
    "Avoid dates and years that are associated with you.": _l("Avoid dates and years that are associated with you."),
    "This is a top-10 common password.": _l("This is a top-10 common password."),
    "This is a top-100 common password.": _l("This is a top-100 common password."),
    "This is a very common password.": _l("This is a very common password."),
    "This is similar to a commonly used password.": _l("This is similar to a commonly used password."),
    "A word by itself is easy to guess.": _l("A word by itself is easy to guess."),
    "Names and surnames by themselves are easy to guess.": _l("Names and surnames by themselves are easy to guess."),
    "Common names and surnames are easy to guess.": _l("Common names and surnames are easy to guess."),
    "Capitalization doesn't help very much.": _l("Capitalization doesn't help very much."),
    "All-uppercase is almost as easy to guess as all-lowercase.":
        _l("All-uppercase is almost as easy to guess as all-lowercase."),
    "Reversed words aren't much harder to guess.": _l("Reversed words aren't much harder to guess."),
    "Predictable substitutions like '@' instead of 'a' don't help very much.":
        _l("Predictable substitutions like '@' instead of 'a' don't help very much."),
}


def _context_words(*values: str | None) -> list[str]:
    """The words a guesser would try first for this user: their names (and their parts) and the product's."""
    words = list(PRODUCT_WORDS)
    if has_app_context():
        cfg = current_app.config
        from hotline.reference.queries import office_name

        words += [office_name(), cfg.get("CALL_REF_PREFIX") or ""]
    for value in values:
        if value:
            words.append(value)
            words += [part for part in re.split(r"[\s._@-]+", value) if len(part) > 1]
    return [w for w in words if w]


def check_password_strength(password: str, username: str = "", *, display_name: str | None = None) -> list[str]:
    """At least 12 characters (ASVS 6.2.1) and not guessable: zxcvbn scores it at least MIN_PASSWORD_SCORE with the
    user's and the product's words as known inputs (common, dictionary and context-specific passwords fail)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_("At least %(limit)d characters.", limit=MIN_PASSWORD_LENGTH))
    if len(password) > 128:
        problems.append(_("At most %(limit)d characters.", limit=128))
    if username and password.lower() == username.lower():
        problems.append(_("Must not be the username."))
    if problems:
        return problems
    words = _context_words(username, display_name)
    candidate = password[:_ZXCVBN_MAX_LENGTH]
    # The account's and the product's words add nothing: what is left without them must be strong by itself
    # (zxcvbn alone takes "hotline-12330" as a known word plus six random characters).
    rest = candidate
    for word in sorted({w.lower() for w in words if len(w) >= 3}, key=len, reverse=True):
        rest = re.sub(re.escape(word), "", rest, flags=re.IGNORECASE)
    with _ZXCVBN_LOCK:
        result = zxcvbn(candidate, user_inputs=words)
        if rest != candidate and result["score"] >= MIN_PASSWORD_SCORE:
            result = zxcvbn(rest, user_inputs=words)
    if result["score"] < MIN_PASSWORD_SCORE:
        problems.append(_("Too easy to guess: common words, names, dates, keyboard patterns and words of this product "
                          "or of your account are tried first."))
        feedback = result["feedback"]
        for message in [feedback.get("warning") or "", *feedback.get("suggestions", [])]:
            if message:
                problems.append(str(ZXCVBN_MESSAGES.get(message, message)))
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


def create_user(*, username: str, display_name: str, password: str | None, role: str, region_code: str,
                actor: User | None, is_service: bool = False, must_change_password: bool | None = None) -> User:
    """Create an account. Raises ValidationFailed with field errors.

    :param is_service: an integration's account: no usable password (a random one nobody sees; it cannot log in
        through the web form anyway), tokens issued by an administrator.
    :param must_change_password: the user must set their own password at first login; by default when an
        administrator (``actor``) chose it, never for a service account.
    """
    username = normalize_username(username)
    if is_service:
        password = secrets.token_urlsafe(32)
        must_change_password = False
    elif must_change_password is None:
        must_change_password = actor is not None
    errors = _validate_user_fields(role=role, region_code=region_code)
    if not USERNAME_RE.match(username):
        errors["username"] = [_("2–40 characters: lower-case letters, digits, '.', '_' or '-'.")]
    elif db.session.scalar(select(func.count()).where(User.username == username)):
        errors["username"] = [_("This username is taken.")]
    if not password:
        errors["password"] = [_("Required.")]
    elif problems := check_password_strength(password, username, display_name=display_name):
        errors["password"] = problems
    display_name, problems = check_display_name(display_name or username)
    if problems:
        errors["display_name"] = problems
    if errors:
        raise ValidationFailed(_("Invalid user."), errors)
    user = User(username=username, display_name=display_name,
                password_hash=hash_password(password), role=role, region_code=region_code, is_active=True,
                is_service=is_service, must_change_password=must_change_password)
    db.session.add(user)
    db.session.flush()
    changes = {"username": (None, username), "role": (None, role), "region_code": (None, region_code)}
    if is_service:
        changes["is_service"] = (None, True)
    if must_change_password:
        changes["must_change_password"] = (None, True)
    record_event(user, "create", actor, changes)
    return user


def update_user(user: User, data: dict, *, actor: User) -> dict:
    """Change display name, role, region or active flag.

    A change of role or region, or deactivation, ends the user's sessions and revokes their API tokens (a reactivated
    user logs in again and needs new tokens).
    """
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
        if reasons := [k for k in ("role", "region_code", "is_active") if k in changes]:
            # New rights take effect now: every open session starts over, and every token dies.
            end_all_sessions(user)
            revoke_user_tokens(user, reason=reasons[0], actor=actor)
    return changes


def set_password(user: User, password: str, *, actor: User | None, must_change: bool | None = None,
                 keep_session: str | None = None) -> None:
    """Give ``user`` a new password; their sessions end (but ``keep_session``) and their tokens are revoked.

    :param must_change: the user must change it at next login; by default when someone else (an administrator)
        set it, not when the user set their own.
    :param keep_session: the raw id of the session the user changed their own password in, which goes on.
    """
    if problems := check_password_strength(password, user.username, display_name=user.display_name):
        raise ValidationFailed(_("Weak password."), {"password": problems})
    if must_change is None:
        must_change = actor is None or actor.id != user.id
    user.password_hash = hash_password(password)
    changes = {"password": ("***", "***")}
    if user.must_change_password != must_change:
        changes["must_change_password"] = (user.must_change_password, must_change)
        user.must_change_password = must_change
    db.session.flush()
    record_event(user, "set_password", actor, changes)
    end_all_sessions(user, keep=keep_session)
    revoke_user_tokens(user, reason="password", actor=actor)


def change_own_password(user: User, *, current_password: str, new_password: str, session_id: str | None) -> None:
    """The user changes their own password: the current one must be right, the new one strong and different.

    Their other sessions end and their API tokens are revoked; this session goes on. Audited as ``set_password``
    by the user themselves.
    """
    if not verify_password(user, current_password):
        raise ValidationFailed(_("Wrong password."), {"current_password": [_("This is not your current password.")]})
    if current_password == new_password:
        raise ValidationFailed(_("Weak password."), {"new_password": [_("Choose a password you have not used here.")]})
    try:
        set_password(user, new_password, actor=user, must_change=False, keep_session=session_id)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, {"new_password": exc.errors["password"]}) from None


def revoke_user_tokens(user: User, *, reason: str, actor: User | None) -> int:
    """Revoke every live token of ``user`` (one audit row each); returns how many."""
    live = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).all()
    now = utcnow()
    for token in live:
        token.revoked_at = now
        token.revoked_reason = reason
    if live:
        db.session.flush()
    for token in live:
        record_event(token, "revoke", actor, {"revoked_at": (None, now), "revoked_reason": (None, reason)},
                     region_code=user.region_code)
    return len(live)


def issue_token(user: User, name: str, *, actor: User | None) -> tuple[ApiToken, str]:
    """Create an API token living ``API_TOKEN_DAYS``; returns the row and the raw value, shown once, never stored.

    :raises NotAllowed: the user is deactivated, or a person asks for a token for an account that may not hold one
        (an operator's, see ``User.may_hold_tokens``) or, but for an administrator, for someone else's.
    """
    if not user.is_active:
        raise NotAllowed(_("A deactivated user cannot hold API tokens."))
    if actor is not None:
        if not user.may_hold_tokens:
            raise NotAllowed(_("Operators work in the web pages; API tokens go to officers, supervisors and service "
                               "accounts."))
        if actor.id != user.id and actor.role != Role.admin:
            raise NotAllowed(_("Only an administrator issues tokens for another account."))
    raw = new_token_value()
    now = utcnow()
    token = ApiToken(user_id=user.id, name=(clean_text(name) or "api")[:80], token_hash=sha256_hex(raw),
                     prefix=raw[:10], created_at=now,
                     expires_at=now + timedelta(days=current_app.config["API_TOKEN_DAYS"]))
    db.session.add(token)
    db.session.flush()
    record_event(token, "create", actor, {"name": (None, token.name), "prefix": (None, token.prefix),
                                          "expires_at": (None, token.expires_at)},
                 region_code=user.region_code)
    return token, raw


def revoke_token(token: ApiToken, *, actor: User) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    token.revoked_reason = "revoked"
    db.session.flush()
    record_event(token, "revoke", actor, {"revoked_at": (None, token.revoked_at)}, region_code=token.user.region_code)
