"""Statistics tasks: refresh stale months from the outbox, build months, user-started rebuilds with progress.

Tasks take month strings and task-run ids only. Every one is idempotent: building a month twice stores the
same snapshot; a rebuild killed halfway and run again (acks_late + reject_on_worker_lost) ends identical.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import timedelta

from celery import shared_task

from hotline.core.clock import local_today
from hotline.core.health import redis_client
from hotline.core.outbox import mark_processed, purge_processed
from hotline.core.types import utcnow
from hotline.extensions import db
from hotline.stats.compute import Month
from hotline.stats.models import TaskRun
from hotline.stats.operations import build_month, claim_stale_months

logger = logging.getLogger(__name__)


#: Compare-and-delete: release the lock only if it is still this run's (it may have expired and been taken).
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
#: Compare-and-extend: keep the lock while this run is alive.
_EXTEND = ("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('expire', KEYS[1], ARGV[2]) "
           "else return 0 end")


@contextmanager
def single_run(name: str, ttl: int = 30):
    """Skip a periodic task while another run holds its Redis lock (no lock needed in-process).

    The lock lives ``ttl`` seconds and a thread of the holder extends it every ``ttl / 3`` while the run goes on,
    so a worker killed mid-run (SIGKILL, a lost host) frees it within ``ttl`` seconds instead of blocking every
    later run for a fixed long expiry. Only the holder's token releases or extends it."""
    import secrets
    import threading

    client = redis_client()
    key = f"hotline:lock:{name}"
    if client is None:
        yield True
        return
    token = secrets.token_hex(8)
    acquired = client.set(key, token, nx=True, ex=ttl)
    done = threading.Event()

    def keep_alive() -> None:
        while not done.wait(ttl / 3):
            try:
                if not client.eval(_EXTEND, 1, key, token, ttl):
                    return
            except Exception:  # Redis away for a moment: the lock may lapse; the run's work is idempotent
                logger.warning("could not extend the lock %s", key)

    keeper = threading.Thread(target=keep_alive, name=f"lock-{name}", daemon=True) if acquired else None
    if keeper is not None:
        keeper.start()
    try:
        yield bool(acquired)
    finally:
        done.set()
        if keeper is not None:
            keeper.join(timeout=5)
        if acquired:
            client.eval(_RELEASE, 1, key, token)


@shared_task(name="stats.refresh_stale", ignore_result=True)
def refresh_stale() -> list[str]:
    """Rebuild the months named by pending outbox rows, then mark those rows processed."""
    with single_run("stats.refresh_stale") as mine:
        if not mine:
            return []
        ids, months = claim_stale_months()
        for month in months:
            build_month(month)
        mark_processed(ids)
        db.session.commit()
        if months:
            logger.info("refreshed %d month(s): %s", len(months), ", ".join(map(str, months)))
        return [str(m) for m in months]


@shared_task(name="stats.build_month", ignore_result=True)
def build_month_task(month: str) -> dict[str, str]:
    outcome = build_month(Month.parse(month))
    db.session.commit()
    return outcome


@shared_task(name="stats.build_previous_month", ignore_result=True)
def build_previous_month() -> str:
    """Beat, 01:00 Beijing time on the 1st: the month that just ended."""
    month = Month.of(local_today()).previous()
    build_month(month)
    db.session.commit()
    return str(month)


@shared_task(name="stats.rebuild", ignore_result=True)
def rebuild(task_run_id: str) -> None:
    """A supervisor's rebuild of one or more months; progress is stored on the TaskRun row."""
    run = db.session.get(TaskRun, task_run_id)
    if run is None or run.state == "SUCCESS":
        return
    months = [Month.parse(m) for m in run.params["months"]]
    run.state, run.steps_total, run.steps_done, run.progress = "STARTED", len(months), 0, 0.0
    db.session.commit()
    outcomes: dict[str, dict[str, str]] = {}
    try:
        for index, month in enumerate(months, start=1):
            outcomes[str(month)] = build_month(month)
            run.steps_done, run.progress = index, index / len(months)
            db.session.commit()
    except Exception:
        db.session.rollback()
        run = db.session.get(TaskRun, task_run_id)
        run.state = "FAILURE"
        run.result = {"error": "The rebuild failed; it has been logged. Try again."}
        db.session.commit()
        raise
    run.state, run.progress = "SUCCESS", 1.0
    run.result = {"months": outcomes}
    db.session.commit()


@shared_task(name="stats.sweep", ignore_result=True)
def sweep() -> dict[str, int]:
    """Beat, every minute: refresh stale months, re-queue rebuilds that never started, purge old outbox rows."""
    refreshed = refresh_stale.run()
    requeued = 0
    cutoff = utcnow() - timedelta(minutes=2)
    for run in db.session.query(TaskRun).filter(TaskRun.state == "PENDING", TaskRun.created_at < cutoff).limit(50):
        rebuild.apply_async(args=[run.id], task_id=f"{run.id}-{int(utcnow().timestamp())}", retry=False)
        requeued += 1
    purged = purge_processed(utcnow() - timedelta(days=1))
    db.session.commit()
    return {"refreshed": len(refreshed), "requeued": requeued, "purged": purged}
