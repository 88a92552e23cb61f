"""Snapshots: build a month (all regions at once), lock it, keep later rebuilds of locked months as revisions;
the outbox that marks months stale when calls and cases change."""

from __future__ import annotations

import copy
import logging
import uuid
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select

from hotline.core import outbox
from hotline.core.audit import record_event
from hotline.core.clock import local_today
from hotline.core.errors import StateError, ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.i18n import pgettext
from hotline.core.permissions import province_code
from hotline.core.types import utcnow
from hotline.extensions import db
from hotline.stats.compute import (
    Month,
    _add,
    compute_month,
    diff_records,
    empty_figures,
    empty_records,
    merge_changes,
    record_sets,
    subtract,
)
from hotline.stats.models import MonthlySnapshot, SnapshotRevision, TaskRun

logger = logging.getLogger(__name__)

STALE_TOPIC = "stats.stale"


def stale_payload(*days: date | None) -> dict[str, list[str]] | None:
    """The ``stats.stale`` outbox payload for the months of ``days`` (None when there are none)."""
    months = sorted({str(Month.of(d)) for d in days if d is not None})
    return {"months": months} if months else None


def mark_stale(*days: date | None) -> None:
    """Record, in the caller's transaction, that the months of ``days`` need their figures refreshed (once per
    transaction for the same months)."""
    payload = stale_payload(*days)
    if payload:
        outbox.write(STALE_TOPIC, payload)


def _snapshots(month: Month) -> dict[str, MonthlySnapshot]:
    rows = db.session.scalars(select(MonthlySnapshot).where(MonthlySnapshot.month == month.first_day))
    return {s.region_code: s for s in rows}


def same_figures(locked: dict[str, Any], fresh: dict[str, Any]) -> bool:
    """Whether fresh figures agree with a locked snapshot. A figure the snapshot never had (added to the product
    after it was locked, such as the transfer figures) cannot contradict it and is not compared."""
    for key, value in locked.items():
        if key not in fresh:
            return False
        other = fresh[key]
        if isinstance(value, dict) and isinstance(other, dict):
            if not same_figures(value, other):
                return False
        elif value != other:
            return False
    return True


def build_month(month: Month) -> dict[str, str]:
    """Compute the month for every region and store it. Idempotent: same data, same snapshot.

    A locked snapshot is never overwritten: different figures become (or refresh) a pending revision, which
    lists the calls and cases that differ from those behind the locked figures; when the figures are the locked
    ones again, a pending revision is out of date and is discarded (by the system).

    The province row is the sum of what its 市州 rows hold (a locked 市州 counts with its locked figures) plus
    the calls and cases recorded against the province itself, so it always agrees with them; a locked province
    row gets a revision when that sum (with the 市州 revisions) differs.
    Returns {region_code: "created" | "updated" | "unchanged" | "revision" | "locked"}.
    """
    figures = compute_month(month)
    other = figures.pop("other")
    figures.pop(province_code())
    existing = _snapshots(month)
    # The records behind the figures are needed only to explain revisions of locked months.
    sets, refs = record_sets(month) if any(s.locked for s in existing.values()) else ({}, {})
    now = utcnow()
    outcome: dict[str, str] = {}
    superseded: list[SnapshotRevision] = []
    held, proposed, parts = empty_figures(), empty_figures(), []
    for region_code, data in figures.items():
        outcome[region_code], revision = _store(month, existing.get(region_code), region_code, data, now,
                                                sets.get(region_code, empty_records()), refs, superseded)
        _add(held, existing[region_code].data if region_code in existing else data)
        _add(proposed, revision.data if revision is not None else
             (existing[region_code].data if region_code in existing else data))
        if revision is not None:
            parts.append(revision.changes)
    _add(held, other)
    _add(proposed, other)
    province = existing.get(province_code())
    if province is None or not province.locked:
        outcome[province_code()], _revision = _store(month, province, province_code(), held, now, None, refs,
                                                   superseded)
    else:
        own = sets.get("other", empty_records())
        changes = None if province.records is None else merge_changes(
            [*parts, diff_records(province.records, own, refs)])
        outcome[province_code()], _revision = _store(month, province, province_code(), proposed, now, own, refs,
                                                   superseded, changes=changes)
    db.session.flush()
    for revision in superseded:
        record_event(revision, "discard", None, {"status": ("pending", "discarded")},
                     note=f"{month} {revision.region_code}: the figures are the locked ones again")
    # The performance indicators (绩效考核) of the month, beside the snapshots (never locked).
    from hotline.stats.performance import store_month

    store_month(month)
    return outcome


#: ``_store``'s default: the revision's changes are the diff of the locked records and ``records``.
_DIFF = object()


def _store(month: Month, snapshot: MonthlySnapshot | None, region_code: str, data: dict[str, Any], now,
           records: dict[str, dict[str, str]] | None, refs: dict[str, dict[str, str]],
           superseded: list[SnapshotRevision], *, changes: Any = _DIFF) -> tuple[str, SnapshotRevision | None]:
    """Store one region's figures: (what happened, the pending revision when there is one)."""
    if snapshot is None:
        db.session.add(MonthlySnapshot(month=month.first_day, region_code=region_code, data=data, computed_at=now))
        return "created", None
    if not snapshot.locked:
        changed = snapshot.data != data
        if changed:
            snapshot.data = data
        snapshot.computed_at = now
        return ("updated" if changed else "unchanged"), None
    pending = next((r for r in snapshot.revisions if r.status == "pending"), None)
    if same_figures(snapshot.data, data):
        # The figures are the locked ones again: an earlier pending revision is out of date.
        if pending is not None:
            pending.status, pending.decided_at = "discarded", now
            superseded.append(pending)
        return "locked", None
    if changes is _DIFF:
        changes = None if snapshot.records is None or records is None else diff_records(snapshot.records, records,
                                                                                          refs)
    if pending is None:
        pending = SnapshotRevision(snapshot=snapshot, data=data, computed_at=now, records=records, changes=changes)
        db.session.add(pending)
    elif pending.data != data or pending.changes != changes or pending.records != records:
        pending.data, pending.computed_at, pending.records, pending.changes = data, now, records, changes
    return "revision", pending


def get_snapshot(month: Month, region_code: str, *, build_missing: bool = True) -> MonthlySnapshot | None:
    """The stored snapshot, computed on demand when the month has none yet."""
    snapshot = db.session.scalar(select(MonthlySnapshot).where(MonthlySnapshot.month == month.first_day,
                                                               MonthlySnapshot.region_code == region_code))
    if snapshot is None and build_missing:
        build_month(month)
        snapshot = db.session.scalar(select(MonthlySnapshot).where(MonthlySnapshot.month == month.first_day,
                                                                   MonthlySnapshot.region_code == region_code))
    return snapshot


def lock_month(month: Month, region_code: str, *, actor) -> list[MonthlySnapshot]:
    """报送: lock the month for a region (the province locks every region's snapshot of that month)."""
    if month.first_day > local_today().replace(day=1):
        raise ValidationFailed(_("Month in the future."),
                               {"month": [_("A month that has not started cannot be locked.")]})
    # What is locked is what the calls and cases say now, with the records behind it (to explain revisions).
    build_month(month)
    snapshots = _snapshots(month)
    if region_code != province_code() and region_code not in snapshots:
        # A county office: its figures count in its 市州's snapshot until statistics are kept per level.
        raise ValidationFailed(_("No monthly figures are kept for this office."),
                               {"region_code": [_("No monthly figures are kept for this office.")]})
    targets = list(snapshots.values()) if region_code == province_code() else [snapshots[region_code]]
    sets, _refs = record_sets(month)
    now = utcnow()
    locked = []
    for snapshot in targets:
        if snapshot.locked:
            continue
        snapshot.locked, snapshot.locked_at, snapshot.locked_by_id = True, now, actor.id
        # The province row keeps its own records (calls and cases recorded against the province itself); its
        # 市州 keep theirs.
        key = "other" if snapshot.region_code == province_code() else snapshot.region_code
        snapshot.records = sets.get(key, empty_records())
        locked.append(snapshot)
    db.session.flush()
    for snapshot in locked:
        record_event(snapshot, "lock", actor, {"locked": (False, True)}, note=str(month))
    return locked


def decide_revision(revision: SnapshotRevision, accept: bool, *, actor) -> None:
    """Accept (the locked figures become the revision's) or discard a pending revision."""
    if revision.status != "pending":
        words = {"accepted": pgettext("revision status", "accepted"),
                 "discarded": pgettext("revision status", "discarded")}
        raise StateError(_("This revision was already %(status)s.",
                           status=words.get(revision.status, revision.status)))
    snapshot = revision.snapshot
    revision.status = "accepted" if accept else "discarded"
    revision.decided_by_id, revision.decided_at = actor.id, utcnow()
    changes: dict[str, Any] = {"status": ("pending", revision.status)}
    accepted_parts: list[SnapshotRevision] = []
    if accept:
        siblings = _snapshots(Month.of(snapshot.month))
        province = siblings.get(province_code())
        if snapshot.region_code == province_code():
            # The province's figures are the sum of its 市州': their pending revisions are part of this one.
            for sibling in siblings.values():
                part = next((r for r in sibling.revisions if r.status == "pending"), None)
                if sibling is not snapshot and part is not None:
                    part.status, part.decided_by_id, part.decided_at = "accepted", actor.id, revision.decided_at
                    _apply(part, sibling)
                    accepted_parts.append(part)
        elif province is not None:
            # The province row is the sum of its 市州 rows: it moves with this one, locked or not.
            total = copy.deepcopy(province.data)
            subtract(total, snapshot.data)
            _add(total, revision.data)
            province.data = total
            stale = next((r for r in province.revisions if r.status == "pending"), None)
            if stale is not None and stale.data == total:
                # The province's own revision was only this 市州's: it is done.
                stale.status, stale.decided_by_id, stale.decided_at = "accepted", actor.id, revision.decided_at
                accepted_parts.append(stale)
        _apply(revision, snapshot)
    db.session.flush()
    record_event(revision, "accept" if accept else "discard", actor, changes,
                 note=f"{snapshot.month:%Y-%m} {snapshot.region_code}")
    for part in accepted_parts:
        record_event(part, "accept", actor, {"status": ("pending", "accepted")},
                     note=f"{snapshot.month:%Y-%m} {part.snapshot.region_code}: decided with "
                                                          f"{snapshot.region_code}'s revision")


def _apply(revision: SnapshotRevision, snapshot: MonthlySnapshot) -> None:
    """The locked figures (and the records behind them) become the revision's."""
    snapshot.data = copy.deepcopy(revision.data)
    snapshot.computed_at = revision.computed_at
    if revision.records is not None:
        snapshot.records = revision.records


def claim_stale_months(limit: int = 1000) -> tuple[list[int], list[Month]]:
    """Pending ``stats.stale`` outbox rows (locked against concurrent sweepers) and the months they name."""
    rows = outbox.claim(STALE_TOPIC, limit)
    months = []
    for text in sorted({m for row in rows for m in row.payload.get("months", [])}):
        try:
            months.append(Month.parse(text))
        except ValueError:
            # Outside the statistics (e.g. 1999-12 in Beijing for a call said at 2000-01-01 00:00+14:00). One
            # such row must not block every refresh after it: its row is marked processed with the others.
            logger.warning("outbox names month %r, which has no statistics; skipped", text)
    return [row.id for row in rows], months


MAX_REBUILD_MONTHS = 120


def start_rebuild(months: list[Month], *, region_code: str, actor) -> TaskRun:
    """Record a rebuild request (committed by the caller); ``dispatch_rebuild`` queues it after the commit."""
    if not months:
        raise ValidationFailed(_("No months."), {"months": [_("Choose at least one month.")]})
    if len(months) > MAX_REBUILD_MONTHS:
        raise ValidationFailed(_("Too many months."), {"months": [_("At most %(limit)d months at once.",
                                                                    limit=MAX_REBUILD_MONTHS)]})
    if max(months).first_day > local_today():
        raise ValidationFailed(_("Future month."), {"months": [_("A month that has not started cannot be built.")]})
    run = TaskRun(id=str(uuid.uuid4()), kind="stats.rebuild", state="PENDING", progress=0.0,
                  params={"months": [str(m) for m in sorted(set(months))]}, region_code=region_code,
                  created_by_id=actor.id, steps_total=len(set(months)))
    db.session.add(run)
    db.session.flush()
    return run


def dispatch_rebuild(run: TaskRun) -> None:
    """Queue the rebuild (in-process in embedded mode). A broker failure leaves it PENDING for the sweeper."""
    from workers.tasks.stats import rebuild

    try:
        rebuild.apply_async(args=[run.id], task_id=run.id, retry=False)
    except Exception as exc:  # noqa: BLE001 - the sweep re-queues PENDING runs
        if current_app.config.get("TESTING") and not current_app.config.get("REDIS_URL"):
            raise
        logger.warning("rebuild %s not queued (%s); the periodic sweep will queue it", run.id, type(exc).__name__)


def month_range(first: Month, last: Month) -> list[Month]:
    if last < first:
        raise ValidationFailed(_("Bad range."), {"months": [_("The last month is before the first.")]})
    months, month = [], first
    while month <= last:
        months.append(month)
        month = month.next()
    return months
