"""record_event(): the one way every operation writes its audit row, in the caller's transaction."""

from __future__ import annotations

import logging
from typing import Any

from hotline.core.models import AuditEvent
from hotline.extensions import db

logger = logging.getLogger(__name__)


def _plain(value: Any) -> Any:
    """JSON-safe rendering of a changed value (dates, Decimals and enums as strings)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def event_values(object_type: str, action: str, actor: Any | None,
                 changes: dict[str, tuple[Any, Any]] | None = None, *, note: str | None = None,
                 region_code: str | None = None) -> dict[str, Any]:
    """The columns of an audit row, except ``object_id`` and ``occurred_at``: what ``record_event`` stores, for
    operations that write the row with a Core INSERT in the same round trip as their own record (intake)."""
    return {
        "actor_id": getattr(actor, "id", None),
        "actor_name": getattr(actor, "username", None) or "system",
        "object_type": object_type,
        "action": action,
        "changes": {k: [_plain(old), _plain(new)] for k, (old, new) in (changes or {}).items()},
        "region_code": region_code,
        "note": note,
    }


def log_event(values: dict[str, Any], object_id: int) -> None:
    """The log line of an audit row. Ids and field names only: values may be personal data and never go to the
    log."""
    logger.info("audit %s %s:%s by %s fields=%s", values["action"], values["object_type"], object_id,
                values["actor_name"], sorted(values["changes"]))


def record_event(
    obj: Any,
    action: str,
    actor: Any | None,
    changes: dict[str, tuple[Any, Any]] | None = None,
    *,
    note: str | None = None,
    region_code: str | None = None,
) -> AuditEvent:
    """Append an audit event for ``obj`` (which must already have an id: flush first).

    :param obj: the changed record; its ``__audit_type__`` (or table name) names the object type.
    :param action: what happened (``create``, ``update``, ``transfer``, ``reveal_phone`` …).
    :param actor: the user who did it, or ``None`` for the system.
    :param changes: ``{field: (old, new)}``; callers mask personal data before passing it.
    """
    if obj.id is None:
        raise RuntimeError("record_event needs a flushed object (no id yet)")
    values = event_values(getattr(obj, "__audit_type__", obj.__tablename__), action, actor, changes, note=note,
                          region_code=region_code if region_code is not None else getattr(obj, "region_code", None))
    event = AuditEvent(object_id=obj.id, **values)
    db.session.add(event)
    log_event(values, obj.id)
    return event


def apply_changes(obj: Any, data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, tuple[Any, Any]]:
    """Set whitelisted ``fields`` from ``data`` on ``obj``; return ``{field: (old, new)}`` for real changes."""
    changed: dict[str, tuple[Any, Any]] = {}
    for field in fields:
        if field not in data:
            continue
        old, new = getattr(obj, field), data[field]
        if old != new:
            setattr(obj, field, new)
            changed[field] = (old, new)
    return changed
