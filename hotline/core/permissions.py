"""Roles, role checks and region scoping shared by every domain."""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l

PROVINCE_CODE = "430000"


class Role(enum.StrEnum):
    operator = "operator"
    officer = "officer"
    supervisor = "supervisor"
    admin = "admin"


ROLE_LABELS = {
    Role.operator: _l("Hotline operator"),
    Role.officer: _l("Enforcement officer"),
    Role.supervisor: _l("Supervisor"),
    Role.admin: _l("Administrator"),
}

#: Roles that see callers' full names and numbers without asking: operators call people back.
#: Everyone else who can read a call sees them masked and may reveal one, which is audited.
PII_ROLES = frozenset({Role.operator})
#: Roles that may reveal masked personal data on a record they can read.
REVEAL_ROLES = frozenset({Role.officer, Role.supervisor})

#: Who reads calls, who logs and handles them.
CALL_READ_ROLES = frozenset({Role.operator, Role.officer, Role.supervisor})
CALL_WRITE_ROLES = frozenset({Role.operator, Role.supervisor})


def require(condition: bool) -> None:
    """Abort with 403 unless ``condition`` holds."""
    if not condition:
        abort(403)


def role_required(*roles: Role) -> Callable:
    """View decorator: the logged-in user must have one of ``roles`` (403 otherwise)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            from flask_login import current_user

            if not current_user.is_authenticated:
                from hotline.extensions import login_manager

                return login_manager.unauthorized()
            require(current_user.role in roles)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def sees_region(user, region_code: str | None) -> bool:
    """A province user sees every region; a 市州 user only their own. (The one place that says who sees which
    region: records, queries and approvals all ask here or ``region_clause``.)"""
    return user.region_code == PROVINCE_CODE or user.region_code == region_code


def region_clause(column, user):
    """SQL condition on a region-code ``column``: the rows of the regions ``user`` sees."""
    from sqlalchemy import true

    if user.region_code == PROVINCE_CODE:
        return true()
    return column == user.region_code


def supervises(user, region_code: str | None) -> bool:
    """A supervisor of ``region_code`` or of a region above it (the province): who may decide its approvals."""
    return getattr(user, "role", None) == Role.supervisor and sees_region(user, region_code)


def is_ancestor_region(ancestor_code: str | None, region_code: str | None) -> bool:
    """``ancestor_code`` is a region strictly above ``region_code`` (today: the province over a 市州). The one
    place that knows the region tree's shape; the tree of issue 12 changes only this function."""
    return bool(ancestor_code and region_code) and ancestor_code == PROVINCE_CODE and region_code != PROVINCE_CODE


def supervises_from_above(user, region_code: str | None) -> bool:
    """A supervisor of an office above ``region_code``'s (the province over a 市州): who may designate and end a
    major-case supervision (重大案件督办) of that region's case."""
    return getattr(user, "role", None) == Role.supervisor and is_ancestor_region(user.region_code, region_code)


def mask_phone(value: str | None) -> str | None:
    """``13812345678`` → ``138****5678``; short or odd values keep only their ends."""
    if not value:
        return value
    digits = value.lstrip("+")
    if digits.startswith("86") and len(digits) > 11:
        digits = "0" + digits[2:] if not digits[2:].startswith("1") else digits[2:]
    if len(digits) <= 5:
        return digits[:2] + "*" * (len(digits) - 2) if len(digits) > 2 else "*" * len(digits)
    return digits[:3] + "****" + digits[-4:]


def mask_name(value: str | None) -> str | None:
    """``张三丰`` → ``张**``; ``Li Lei`` → ``L*****``: the first character only."""
    if not value:
        return value
    return value[0] + "*" * max(len(value) - 1, 1)


def reload_visible(record):
    """A call or case as it is now, after a rollback (refreshed from the database); 404 if it has left the
    current user's region meanwhile."""
    from flask_login import current_user

    from hotline.extensions import db

    db.session.refresh(record)
    if getattr(record, "__tablename__", None) == "cases":
        from hotline.cases.queries import sees_case

        visible = sees_case(current_user, record)  # a joint case's joined regions read it too
    else:
        visible = sees_region(current_user, record.region_code)
    if not visible:
        abort(404)
    return record
