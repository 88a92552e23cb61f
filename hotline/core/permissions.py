"""Roles, role checks and region scoping shared by every domain."""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, has_app_context
from flask_babel import lazy_gettext as _l

#: The province an installation serves when ``HOTLINE_PROVINCE`` is not set (config.py).
DEFAULT_PROVINCE = "430000"


def province_code() -> str:
    """The installation's province (``HOTLINE_PROVINCE``, a GB/T 2260 code like 430000): the top of the region
    tree, whose users see everything."""
    if has_app_context():
        return current_app.config.get("HOTLINE_PROVINCE") or DEFAULT_PROVINCE
    return DEFAULT_PROVINCE


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


def _parents() -> dict[str, str | None]:
    """Every region's parent (county → 市州 → province), from the regions table, cached per process."""
    from hotline.reference.queries import region_parents

    return region_parents()


def region_ancestors(region_code: str | None) -> list[str]:
    """The regions above ``region_code``, nearest first (a county: its 市州, then the province)."""
    parents = _parents()
    out: list[str] = []
    code = parents.get(region_code) if region_code else None
    while code and code not in out:
        out.append(code)
        code = parents.get(code)
    return out


def region_subtree(region_code: str) -> tuple[str, ...]:
    """``region_code`` and every region below it (a 市州 and its counties; a county: itself), cached per process."""
    from hotline.reference.queries import cached, region_children

    def load() -> tuple[str, ...]:
        children = region_children()
        out, todo = [region_code], [region_code]
        while todo:
            for child in children.get(todo.pop(), ()):
                out.append(child)
                todo.append(child)
        return tuple(out)

    return cached(f"subtree:{region_code}", load)


def sees_region(user, region_code: str | None) -> bool:
    """A user sees their own region and every region below it: the province sees all, a 市州 its own and its
    counties', a county only its own. (The one place that says who sees which region: records, queries and
    approvals all ask here or ``region_clause``.)"""
    mine = getattr(user, "region_code", None)
    if mine is None:
        return False
    return mine == province_code() or mine == region_code or is_ancestor_region(mine, region_code)


def region_clause(column, user):
    """SQL condition on a region-code ``column``: the rows of the regions ``user`` sees (the province: every row;
    a 市州: an IN over it and its counties; a county: its own)."""
    from sqlalchemy import true

    if user.region_code == province_code():
        return true()
    codes = region_subtree(user.region_code)
    return column == codes[0] if len(codes) == 1 else column.in_(codes)


def supervises(user, region_code: str | None) -> bool:
    """A supervisor of ``region_code`` or of a region above it: who may decide its approvals."""
    return getattr(user, "role", None) == Role.supervisor and sees_region(user, region_code)


def is_ancestor_region(ancestor_code: str | None, region_code: str | None) -> bool:
    """``ancestor_code`` is a region strictly above ``region_code`` in the tree (the province over a 市州 and a
    county, a 市州 over its counties). The one place that knows the tree's shape."""
    if not (ancestor_code and region_code) or ancestor_code == region_code:
        return False
    if ancestor_code == province_code():
        return True
    return ancestor_code in region_ancestors(region_code)


def supervises_from_above(user, region_code: str | None) -> bool:
    """A supervisor of an office above ``region_code``'s (the province over a 市州, a 市州 over its county): who
    may designate and end a major-case supervision (重大案件督办) of that region's case."""
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
    if not sees_region(current_user, record.region_code):
        abort(404)
    return record
