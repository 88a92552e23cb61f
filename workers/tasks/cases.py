"""Daily deadline bookkeeping: record deadlines that passed unmet (cases, calls, transfers), fill in what a missing
calendar year left open. Beat runs it at 00:30 Beijing time; it is idempotent, so a rerun or an overlap is harmless.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from datetime import date

from celery import shared_task
from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import lazyload

from hotline.calls.models import Call
from hotline.cases.models import Case, OverdueRecord
from hotline.cases.operations import recompute_deadlines
from hotline.core.clock import local_date, local_today
from hotline.core.errors import DomainError
from hotline.core.health import redis_client
from hotline.deadlines.calendar import WorkCalendar
from hotline.deadlines.engine import call_accept_deadline, case_deadlines
from hotline.extensions import db
from hotline.transfers.operations import fill_missing_deadlines as fill_transfer_deadlines
from hotline.transfers.queries import overdue_rows as transfer_overdue_rows

logger = logging.getLogger(__name__)

LOCK_KEY = "hotline:lock:cases.mark_overdue"
LOCK_SECONDS = 3600
#: Deadlines whose passing is recorded (the 7-working-day publication goal is a target, not a limit).
CASE_KINDS = ("file", "close", "publish")
BATCH = 500
#: Compare-and-delete: release the lock only if this run still holds it (it may have expired and been retaken).
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


def _chunks(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def fill_call_deadlines(cal: WorkCalendar) -> int:
    """Set ``accept_due_on`` on calls logged while their year's calendar was missing. Returns the count.

    A plain UPDATE (not the ORM unit of work) so the call's optimistic-locking version is not bumped: an operator
    editing the call at that moment must not get a conflict for a field they cannot edit.
    """
    rows = db.session.execute(select(Call.id, Call.received_at).where(Call.accept_due_on.is_(None))).all()
    by_due: dict[date, list[int]] = defaultdict(list)
    for call_id, received_at in rows:
        try:
            found = call_accept_deadline(local_date(received_at), cal)
        except DomainError:
            continue  # that year is still not loaded
        if found:
            by_due[found[0]].append(call_id)
    filled = 0
    for due_on, ids in by_due.items():
        for chunk in _chunks(ids):
            db.session.execute(update(Call).where(Call.id.in_(chunk), Call.accept_due_on.is_(None))
                               .values(accept_due_on=due_on).execution_options(synchronize_session=False))
            filled += len(chunk)
    return filled


def fill_case_deadlines(cal: WorkCalendar) -> int:
    """Recompute the stored due dates of cases that lack one they should have (calendar year loaded later)."""
    missing = or_(
        Case.file_due_on.is_(None),
        and_(Case.filed_on.is_not(None), Case.close_due_on.is_(None)),
        and_(Case.case_type == "counterfeit", Case.outcome == "penalized", Case.publish_due_on.is_(None)),
    )
    ids = list(db.session.scalars(select(Case.id).where(missing).order_by(Case.id)))
    changed = 0
    for chunk in _chunks(ids):
        for case in db.session.scalars(select(Case).where(Case.id.in_(chunk)).options(lazyload(Case.officers))):
            before = (case.file_due_on, case.close_due_on, case.publish_due_on, case.next_due_on)
            recompute_deadlines(case, cal)
            if before != (case.file_due_on, case.close_due_on, case.publish_due_on, case.next_due_on):
                changed += 1
        db.session.flush()
    return changed


def overdue_rows(today: date, cal: WorkCalendar) -> list[dict]:
    """Every deadline still pending and already past on ``today``: cases (file / close / publish) and calls
    (accept or transfer). The stored ``next_due_on`` preselects the cases; the engine names which deadlines."""
    rows: dict[tuple, dict] = {}

    def add(object_type: str, object_id: int, kind: str, due_on: date, region_code: str) -> None:
        key = (object_type, object_id, kind, due_on)
        rows.setdefault(key, {"object_type": object_type, "object_id": object_id, "kind": kind, "due_on": due_on,
                              "region_code": region_code, "detected_on": today})

    ids = list(db.session.scalars(select(Case.id).where(Case.next_due_on < today).order_by(Case.id)))
    for chunk in _chunks(ids):
        for case in db.session.scalars(select(Case).where(Case.id.in_(chunk)).options(lazyload(Case.officers))):
            try:
                deadlines = case_deadlines(case, cal, today=today)
            except DomainError:
                continue
            for d in deadlines:
                if (d.kind in CASE_KINDS and not d.is_target and not d.paused and d.met_on is None
                        and d.due_on is not None and d.due_on < today):
                    add("case", case.id, d.kind, d.due_on, case.region_code)

    calls = db.session.execute(select(Call.id, Call.accept_due_on, Call.region_code)
                               .where(Call.accept_due_on < today, Call.decided_at.is_(None)))
    for call_id, due_on, region_code in calls:
        add("call", call_id, "accept", due_on, region_code)
    return list(rows.values())


def insert_overdue(rows: list[dict]) -> int:
    """INSERT … ON CONFLICT DO NOTHING on ``uq_overdue_records_once``; returns the number of new rows."""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    added = 0
    for chunk in _chunks(rows):
        stmt = (insert(OverdueRecord).values(chunk)
                .on_conflict_do_nothing(index_elements=["object_type", "object_id", "kind", "due_on"])
                .returning(OverdueRecord.id))
        added += len(db.session.execute(stmt).all())
    return added


def record_overdue(today: date) -> int:
    """The whole daily pass, in the caller's transaction: fill missing due dates, then record what is overdue."""
    cal = WorkCalendar()
    filled_calls = fill_call_deadlines(cal)
    filled_cases = fill_case_deadlines(cal)
    filled_transfers = fill_transfer_deadlines()
    added = insert_overdue(overdue_rows(today, cal) + transfer_overdue_rows(today))
    logger.info("mark_overdue %s: %d new overdue records; due dates filled on %d calls, %d cases and %d transfers",
                today.isoformat(), added, filled_calls, filled_cases, filled_transfers)
    return added


def _acquire_lock():
    """``(client, token)`` when this run holds the lock, ``(None, None)`` without Redis, False when taken."""
    client = redis_client()
    if client is None:
        return None, None  # in-process mode: one process, no overlap to guard against
    token = secrets.token_hex(16)
    try:
        if not client.set(LOCK_KEY, token, nx=True, ex=LOCK_SECONDS):
            return False
    except Exception:  # noqa: BLE001 - the run is idempotent: without Redis it proceeds unguarded
        logger.warning("mark_overdue: Redis unavailable, running without the overlap lock")
        return None, None
    return client, token


@shared_task(name="cases.mark_overdue", ignore_result=True)
def mark_overdue(today_iso: str | None = None) -> int:
    """Record every deadline that passed unmet (once per deadline), fill in due dates a missing calendar year
    left empty, commit. Idempotent. Takes an ISO date (default: today in Beijing time) and nothing else.

    :returns: the number of new overdue records (0 when another run holds the lock).
    """
    today = date.fromisoformat(today_iso) if today_iso else local_today()
    lock = _acquire_lock()
    if lock is False:
        logger.info("mark_overdue %s: another run holds the lock; skipped", today.isoformat())
        return 0
    client, token = lock
    try:
        added = record_overdue(today)
        db.session.commit()
        return added
    except Exception:
        db.session.rollback()
        raise
    finally:
        if client is not None:
            try:
                client.eval(_RELEASE, 1, LOCK_KEY, token)
            except Exception:  # noqa: BLE001 - the lock expires by itself
                logger.warning("mark_overdue: could not release the lock; it expires in %d s", LOCK_SECONDS)
