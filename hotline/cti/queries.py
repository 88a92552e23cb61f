"""Read side of the switch's events: a call's duration, the agent's ringing calls."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hotline.core.types import utcnow
from hotline.cti.models import CtiEvent, CtiEventKind
from hotline.extensions import db

#: A ringing call older than this without a hang-up is stale (a lost push): no longer shown.
RINGING_WINDOW = timedelta(minutes=15)


def events_of(cti_call_id: str) -> dict[str, CtiEvent]:
    """The stored events of a switch call, by kind."""
    rows = db.session.scalars(select(CtiEvent).where(CtiEvent.cti_call_id == cti_call_id))
    return {e.event: e for e in rows}


def duration_from(events: dict[str, CtiEvent]) -> int | None:
    """Seconds from answered to hung up, whichever order the two arrived in; None until both are known (or when
    the switch's clocks put the hang-up first: no duration rather than a wrong one)."""
    answered, hangup = events.get(CtiEventKind.answered), events.get(CtiEventKind.hangup)
    if answered is None or hangup is None:
        return None
    seconds = round((hangup.occurred_at - answered.occurred_at).total_seconds())
    return seconds if 0 <= seconds <= 24 * 3600 else None


def switch_duration(cti_call_id: str) -> int | None:
    return duration_from(events_of(cti_call_id))


def ringing_for(agent, *, now=None) -> list[dict]:
    """The agent's switch calls that rang in the last RINGING_WINDOW and are not logged yet and not hung up, newest
    first: [{"cti_call_id", "state" (ringing | answered), "caller_phone", "rang_at"}]. The caller's number is the
    switch's, for the agent's page only."""
    from hotline.calls.models import Call

    now = now or utcnow()
    recent = list(db.session.scalars(
        select(CtiEvent).where(CtiEvent.agent_id == agent.id, CtiEvent.occurred_at >= now - RINGING_WINDOW)
        .order_by(CtiEvent.occurred_at.desc(), CtiEvent.id.desc()).limit(50)))
    ids = list(dict.fromkeys(e.cti_call_id for e in recent))
    if not ids:
        return []
    # Every event of these calls, whoever it names (a hang-up may come without the agent).
    by_call: dict[str, dict[str, CtiEvent]] = {}
    for e in db.session.scalars(select(CtiEvent).where(CtiEvent.cti_call_id.in_(ids))):
        by_call.setdefault(e.cti_call_id, {})[e.event] = e
    logged = set(db.session.scalars(select(Call.cti_call_id).where(Call.cti_call_id.in_(ids))))
    items = []
    for cti_call_id in ids:
        events = by_call.get(cti_call_id, {})
        ringing = events.get(CtiEventKind.ringing)
        # The agent who answered it, else the one it rang for.
        holder = (events.get(CtiEventKind.answered) or ringing).agent_id if ringing else None
        if holder != agent.id or CtiEventKind.hangup in events or cti_call_id in logged:
            continue
        items.append({"cti_call_id": cti_call_id,
                      "state": CtiEventKind.answered.value if CtiEventKind.answered in events else "ringing",
                      "caller_phone": ringing.caller_phone, "rang_at": ringing.occurred_at})
    return items
