"""Snapshots: build a month (all regions at once), lock it, keep later rebuilds of locked months as revisions;
the outbox that marks months stale when calls and cases change."""

from __future__ import annotations

import copy
import json
import logging
import uuid
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.orm.attributes import set_committed_value

from hotline.core import outbox
from hotline.core.audit import record_event
from hotline.core.clock import local_today
from hotline.core.errors import StateError, ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.i18n import pgettext
from hotline.core.permissions import province_code, region_ancestors, region_subtree
from hotline.core.types import utcnow
from hotline.extensions import db
from hotline.reference import queries as ref
from hotline.stats.compute import (
    Month,
    _add,
    copy_figures,
    diff_records,
    empty_figures,
    empty_records,
    merge_changes,
    own_figures,
    record_sets,
    stat_tree,
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


def _records_of(sets: dict[str, dict[str, dict[str, str]]], code: str,
                tree: dict[str, list[str]]) -> dict[str, dict[str, str]]:
    """The records behind a snapshot, as kept when it is locked: the province row's are those logged against the
    province itself (其他); a 市州's, its own and its counties'; a county's, its own."""
    if code == province_code():
        return sets.get("other", empty_records())
    out = empty_records()
    for part in (code, *tree.get(code, ())):
        for kind, records in sets.get(part, {}).items():
            out[kind].update(records)
    return out


def build_month(month: Month) -> dict[str, str]:
    """Compute the month for every region and store it. Idempotent: same data, same snapshot.

    A locked snapshot is never overwritten: different figures become (or refresh) a pending revision, which
    lists the calls and cases that differ from those behind the locked figures; when the figures are the locked
    ones again, a pending revision is out of date and is discarded (by the system).

    The figures are computed once (GROUP BY region, ``own_figures``) and rolled up along the tree, bottom up:
    a 市州 row is its own records plus what its county rows hold (a locked county counts with its locked
    figures), the province row what its 市州 rows hold plus the calls and cases recorded against the province
    itself, so every level always agrees with the one below. A county has a snapshot once it has records. A
    locked row gets a revision when that sum (with the revisions below it) differs.
    Returns {region_code: "created" | "updated" | "unchanged" | "revision" | "locked"}.
    """
    own = own_figures(month)
    existing = _snapshots(month)
    tree = stat_tree({*own, *existing})
    # The records behind the figures are needed only to explain revisions of locked months.
    sets, refs = record_sets(month) if any(s.locked for s in existing.values()) else ({}, {})
    now = utcnow()
    outcome: dict[str, str] = {}
    superseded: list[SnapshotRevision] = []
    province = province_code()

    # Nothing locked: what a row would hold with the pending revisions is what it holds (not summed twice).
    any_locked = any(s.locked for s in existing.values())
    zero = empty_figures()

    def build(code: str) -> tuple[dict[str, Any], dict[str, Any], list[Any]]:
        """(what the row holds, what it would hold with the pending revisions, the changes of those revisions)."""
        children = tree.get(code, ())
        # A leaf (a county) holds its own figures as computed (fresh dicts of this build: no copy needed).
        held = (own[code] if not children else copy_figures(own[code])) if code in own else copy_figures(zero)
        proposed = copy_figures(held) if any_locked else held
        parts: list[Any] = []
        for child in children:
            child_held, child_proposed, child_parts = build(child)
            _add(held, child_held)
            if any_locked:
                _add(proposed, child_proposed)
            parts.extend(child_parts)
        snapshot = existing.get(code)
        if snapshot is None or not snapshot.locked:
            outcome[code], _revision = _store(month, snapshot, code, held, now, None, refs, superseded,
                                              created=created, touched=touched)
            # Revisions below an unlocked row are still part of the locked rows above it.
            return held, proposed, parts
        records = _records_of(sets, code, tree)
        if code == province:
            # The province keeps only its own records: its changes are its 市州' changes and its own.
            changes = None if snapshot.records is None else merge_changes(
                [*parts, diff_records(snapshot.records, records, refs)])
            outcome[code], revision = _store(month, snapshot, code, proposed, now, records, refs, superseded,
                                             changes=changes)
        else:
            outcome[code], revision = _store(month, snapshot, code, proposed, now, records, refs, superseded)
        return (snapshot.data, revision.data if revision is not None else snapshot.data,
                [revision.changes] if revision is not None else [])

    created: list[dict[str, Any]] = []
    touched: list[int] = []
    build(province)
    if created:
        _insert_snapshots(created)
    if touched:
        db.session.execute(update(MonthlySnapshot).where(MonthlySnapshot.id.in_(touched))
                           .values(computed_at=now).execution_options(synchronize_session=False))
    db.session.flush()
    for revision in superseded:
        record_event(revision, "discard", None, {"status": ("pending", "discarded")},
                     note=f"{month} {revision.region_code}: the figures are the locked ones again")
    # The performance indicators (绩效考核) of the month, beside the snapshots (never locked).
    from hotline.stats.performance import store_month

    store_month(month)
    return outcome


def _insert_snapshots(rows: list[dict[str, Any]]) -> None:
    """Insert a month's new snapshots (a province with its counties has ~140). On PostgreSQL one statement with
    one JSON parameter (``jsonb_to_recordset``): an executemany would send a statement per row, a multi-row
    VALUES compiles thousands of parameters. Elsewhere an executemany."""
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(insert(MonthlySnapshot), rows)
        return
    payload = json.dumps([{"month": row["month"].isoformat(), "region_code": row["region_code"],
                           "data": row["data"], "computed_at": row["computed_at"].isoformat()} for row in rows],
                         ensure_ascii=False, separators=(",", ":"))
    db.session.execute(sql_text(
        "INSERT INTO monthly_snapshots (month, region_code, data, computed_at, locked) "
        "SELECT r.month, r.region_code, r.data, r.computed_at, false "
        "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) "
        "AS r(month date, region_code varchar, data jsonb, computed_at timestamptz)"), {"rows": payload})


#: ``_store``'s default: the revision's changes are the diff of the locked records and ``records``.
_DIFF = object()


def _store(month: Month, snapshot: MonthlySnapshot | None, region_code: str, data: dict[str, Any], now,
           records: dict[str, dict[str, str]] | None, refs: dict[str, dict[str, str]],
           superseded: list[SnapshotRevision], *, changes: Any = _DIFF,
           created: list[dict[str, Any]] | None = None,
           touched: list[int] | None = None) -> tuple[str, SnapshotRevision | None]:
    """Store one region's figures: (what happened, the pending revision when there is one). New snapshots are
    added to ``created`` when it is given (inserted together by the caller), else to the session; the ids of
    unchanged rows whose computation time moves go to ``touched`` when it is given (updated by the caller)."""
    if snapshot is None:
        if created is None:
            db.session.add(MonthlySnapshot(month=month.first_day, region_code=region_code, data=data,
                                           computed_at=now))
        else:
            created.append({"month": month.first_day, "region_code": region_code, "data": data, "computed_at": now,
                            "locked": False})
        return "created", None
    if not snapshot.locked:
        changed = snapshot.data != data
        if changed:
            snapshot.data = data
            snapshot.computed_at = now
        elif touched is None:
            snapshot.computed_at = now
        else:
            # Only the time of the computation changes: one UPDATE for all of them (the caller's).
            set_committed_value(snapshot, "computed_at", now)
            touched.append(snapshot.id)
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
    """The stored snapshot, computed on demand when the month has none yet. A county without records in the
    month gets its (zero) snapshot when it is asked for (then kept up to date by every build)."""
    snapshot = _find(month, region_code)
    if snapshot is None and build_missing:
        build_month(month)
        snapshot = _find(month, region_code)
        if snapshot is None and region_code in ref.region_map() and region_code in stat_regions():
            snapshot = MonthlySnapshot(month=month.first_day, region_code=region_code, data=empty_figures(),
                                       computed_at=utcnow())
            db.session.add(snapshot)
            db.session.flush()
    return snapshot


def _find(month: Month, region_code: str) -> MonthlySnapshot | None:
    return db.session.scalar(select(MonthlySnapshot).where(MonthlySnapshot.month == month.first_day,
                                                           MonthlySnapshot.region_code == region_code))


def stat_regions() -> set[str]:
    """The regions with statistics: the province, its 市州 and their counties (active regions of the tree)."""
    tree = stat_tree({c.code for c in ref.list_counties()})
    return set(tree) | {c for children in tree.values() for c in children}


def county_rows(month: Month, region_code: str) -> list[dict[str, Any]]:
    """A 市州's table of the month: each of its counties in the official (GB/T 2260 code) order, its own row
    (市本级: the records of the 市州 itself) and its total, each ``{"region_code", "label", "data"}`` (a county
    without a snapshot: zeros). Empty for the province, a county, or a 市州 none of whose counties has figures.
    (The rows a table of "the child regions of X" reads, e.g. the performance table within a 市州.)"""
    from hotline.stats.yearly import own_label

    region = ref.region_map().get(region_code)
    if region is None or region.level == "county" or region_code == province_code():
        return []
    counties = ref.list_counties(region_code)
    snapshots = {s.region_code: s for s in db.session.scalars(select(MonthlySnapshot).where(
        MonthlySnapshot.month == month.first_day,
        MonthlySnapshot.region_code.in_([region_code, *(c.code for c in counties)])))}
    if region_code not in snapshots or not any(c.code in snapshots for c in counties):
        return []
    total = snapshots[region_code].data
    own = copy.deepcopy(total)
    rows = []
    for county in counties:
        data = snapshots[county.code].data if county.code in snapshots else empty_figures()
        subtract(own, data)
        rows.append({"region_code": county.code, "label": county.stat_label, "data": data})
    rows.append({"region_code": "own", "label": own_label(region), "data": own})
    rows.append({"region_code": region_code, "label": region.stat_label, "data": total})
    return rows


def lock_month(month: Month, region_code: str, *, actor) -> list[MonthlySnapshot]:
    """报送: lock the month for a region (the province locks every region's snapshot of that month)."""
    if month.first_day > local_today().replace(day=1):
        raise ValidationFailed(_("Month in the future."),
                               {"month": [_("A month that has not started cannot be locked.")]})
    # What is locked is what the calls and cases say now, with the records behind it (to explain revisions).
    build_month(month)
    get_snapshot(month, region_code)
    snapshots = _snapshots(month)
    # A region locks its own snapshot and those below it (the province: every region's).
    below = set(region_subtree(region_code))
    targets = [s for code, s in snapshots.items() if region_code == province_code() or code in below]
    sets, _refs = record_sets(month)
    tree = stat_tree(snapshots)
    now = utcnow()
    locked = []
    for snapshot in targets:
        if snapshot.locked:
            continue
        snapshot.locked, snapshot.locked_at, snapshot.locked_by_id = True, now, actor.id
        # The province row keeps its own records (calls and cases recorded against the province itself); a 市州
        # its own and its counties', a county its own.
        snapshot.records = _records_of(sets, snapshot.region_code, tree)
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
        # A row's figures are the sum of the rows below it: their pending revisions are part of this one.
        below = set(region_subtree(snapshot.region_code)) - {snapshot.region_code}
        for sibling in siblings.values():
            part = next((r for r in sibling.revisions if r.status == "pending"), None)
            if sibling is not snapshot and part is not None and (
                    snapshot.region_code == province_code() or sibling.region_code in below):
                part.status, part.decided_by_id, part.decided_at = "accepted", actor.id, revision.decided_at
                _apply(part, sibling)
                accepted_parts.append(part)
        # The rows above move with this one, locked or not (a county: its 市州 and the province).
        for above in region_ancestors(snapshot.region_code):
            upper = siblings.get(above)
            if upper is None:
                continue
            total = copy.deepcopy(upper.data)
            subtract(total, snapshot.data)
            _add(total, revision.data)
            upper.data = total
            stale = next((r for r in upper.revisions if r.status == "pending"), None)
            if stale is not None and stale.data == total:
                # The upper row's own revision was only this one's: it is done.
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
