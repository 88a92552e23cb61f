"""Snapshots: build a month (all regions at once), lock it, keep later rebuilds of locked months as revisions;
the outbox that marks months stale when calls and cases change."""

from __future__ import annotations

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
from hotline.core.permissions import PROVINCE_CODE
from hotline.core.types import utcnow
from hotline.extensions import db
from hotline.stats.compute import Month, compute_month
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

    A locked snapshot is never overwritten: different figures become (or refresh) a pending revision; when the
    figures are the locked ones again, a pending revision is out of date and is discarded (by the system).
    Returns {region_code: "created" | "updated" | "unchanged" | "revision" | "locked"}.
    """
    figures = compute_month(month)
    figures.pop("other", None)
    existing = _snapshots(month)
    now = utcnow()
    outcome: dict[str, str] = {}
    superseded: list[SnapshotRevision] = []
    for region_code, data in figures.items():
        snapshot = existing.get(region_code)
        if snapshot is None:
            db.session.add(MonthlySnapshot(month=month.first_day, region_code=region_code, data=data,
                                           computed_at=now))
            outcome[region_code] = "created"
        elif not snapshot.locked:
            if snapshot.data != data:
                snapshot.data = data
                outcome[region_code] = "updated"
            else:
                outcome[region_code] = "unchanged"
            snapshot.computed_at = now
        elif same_figures(snapshot.data, data):
            # The figures are the locked ones again: an earlier pending revision is out of date.
            for stale in (r for r in snapshot.revisions if r.status == "pending"):
                stale.status, stale.decided_at = "discarded", now
                superseded.append(stale)
            outcome[region_code] = "locked"
        else:
            pending = next((r for r in snapshot.revisions if r.status == "pending"), None)
            if pending is None:
                db.session.add(SnapshotRevision(snapshot=snapshot, data=data, computed_at=now))
            elif pending.data != data:
                pending.data, pending.computed_at = data, now
            outcome[region_code] = "revision"
    db.session.flush()
    for revision in superseded:
        record_event(revision, "discard", None, {"status": ("pending", "discarded")},
                     note=f"{month} {revision.region_code}: the figures are the locked ones again")
    return outcome


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
    snapshots = _snapshots(month)
    if not snapshots:
        build_month(month)
        snapshots = _snapshots(month)
    targets = list(snapshots.values()) if region_code == PROVINCE_CODE else [snapshots[region_code]]
    now = utcnow()
    locked = []
    for snapshot in targets:
        if snapshot.locked:
            continue
        snapshot.locked, snapshot.locked_at, snapshot.locked_by_id = True, now, actor.id
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
    if accept:
        snapshot.data = revision.data
        snapshot.computed_at = revision.computed_at
    db.session.flush()
    record_event(revision, "accept" if accept else "discard", actor, changes,
                 note=f"{snapshot.month:%Y-%m} {snapshot.region_code}")


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
