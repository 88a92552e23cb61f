"""The switch's events: stored once each, the agent named, the call's duration kept from them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from hotline.accounts.models import User
from hotline.calls.models import Call
from hotline.core.audit import event_values
from hotline.core.errors import ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.models import AuditEvent
from hotline.core.permissions import CALL_WRITE_ROLES, sees_region
from hotline.core.types import utcnow
from hotline.cti import logger
from hotline.cti.models import CtiEvent, CtiEventKind
from hotline.cti.queries import switch_duration
from hotline.extensions import db

_LIMITS = {"cti_call_id": 64, "caller_phone": 40, "agent": 80}


def _normalize(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    event = data.get("event")
    if event not in {k.value for k in CtiEventKind}:
        errors["event"] = [_("One of: ringing, answered, hangup.")]
    out["event"] = event
    for field, limit in _LIMITS.items():
        value = data.get(field)
        if value is not None and not isinstance(value, str):
            errors[field] = [_("Must be text.")]
            continue
        value = (value or "").strip() or None
        if value is not None and len(value) > limit:
            errors[field] = [_("At most %(limit)d characters.", limit=limit)]
        out[field] = value
    if not out.get("cti_call_id") and "cti_call_id" not in errors:
        errors["cti_call_id"] = [_("Required.")]
    at = data.get("at")
    if at is None:
        at = utcnow()
    elif not isinstance(at, datetime) or at.tzinfo is None:
        errors["at"] = [_("Give the time with its UTC offset (e.g. 2015-05-28T09:15:00+08:00).")]
    elif at > utcnow() + timedelta(minutes=5):
        errors["at"] = [_("The time cannot be in the future.")]
    out["at"] = at
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), errors)
    return out


def _agent(username: str | None, poster) -> User | None:
    """The agent the switch names: an active user who logs calls, in a region the posting account serves."""
    if not username:
        return None
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active or user.role not in CALL_WRITE_ROLES or not sees_region(
            poster, user.region_code):
        return None
    return user


def _insert_once(values: dict[str, Any]) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING on (cti_call_id, event): the id, or None when it was stored already (also
    by a request running at the same moment: the unique constraint decides, nothing fails)."""
    dialect = db.engine.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (insert(CtiEvent.__table__).values(**values)
            .on_conflict_do_nothing(index_elements=["cti_call_id", "event"]).returning(CtiEvent.__table__.c.id))
    return db.session.execute(stmt).scalar()


def post_event(data: dict[str, Any], *, actor) -> dict[str, Any]:
    """Store one switch event. Returns {"stored": False} for a repeat of an event already stored (changes nothing),
    and whether the agent is known here (an unknown agent's event is stored all the same: the call's duration and
    its one-call guarantee need it; it shows on nobody's page)."""
    values = _normalize(data)
    agent = _agent(values["agent"], actor)
    event_id = _insert_once({
        "cti_call_id": values["cti_call_id"], "event": values["event"], "caller_phone": values["caller_phone"],
        "agent_username": values["agent"], "agent_id": agent.id if agent else None, "occurred_at": values["at"],
        "received_at": utcnow(), "posted_by_id": actor.id,
    })
    stored = event_id is not None
    duration = None
    if stored and values["event"] in (CtiEventKind.answered, CtiEventKind.hangup):
        duration = _update_duration(values["cti_call_id"], actor)
    # No number here: personal data stays out of the logs.
    logger.info("cti %s of switch call %s %s (agent %s)", values["event"], values["cti_call_id"],
                "stored" if stored else "repeated", agent.id if agent else "unknown")
    return {"cti_call_id": values["cti_call_id"], "event": values["event"], "stored": stored,
            "agent_known": agent is not None, "duration_seconds": duration}


def _update_duration(cti_call_id: str, actor) -> int | None:
    """Both ends known (answered and hung up, in either order) and the call already logged: its duration is the
    switch's. Audited as an edit by the switch's account; the call's version moves on like any edit's."""
    duration = switch_duration(cti_call_id)
    if duration is None:
        return None
    call = db.session.execute(select(Call.id, Call.version, Call.duration_seconds, Call.region_code)
                              .where(Call.cti_call_id == cti_call_id)).first()
    if call is None or call.duration_seconds == duration:
        return duration
    now = utcnow()
    changed = db.session.execute(
        update(Call).where(Call.id == call.id, Call.version == call.version)
        .values(duration_seconds=duration, version=Call.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if changed:
        db.session.execute(AuditEvent.__table__.insert().values(
            object_id=call.id, occurred_at=now,
            **event_values(Call.__audit_type__, "update", actor, {"duration_seconds": (call.duration_seconds,
                                                                                       duration)},
                           region_code=call.region_code, note="switch (CTI)")))
        # A Call loaded earlier in this session is out of date now.
        for obj in list(db.session.identity_map.values()):
            if isinstance(obj, Call) and obj.id == call.id:
                db.session.expire(obj)
    return duration
