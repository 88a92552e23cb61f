"""Snapshots: building is idempotent (twice, or killed halfway and run again), locked months are never
overwritten (rebuilds become revisions to accept or discard), rebuild requests and their progress."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hotline.accounts.models import User
from hotline.calls.operations import update_call
from hotline.core.errors import StateError, ValidationFailed
from hotline.core.models import AuditEvent, OutboxMessage
from hotline.core.permissions import DEFAULT_PROVINCE as PROVINCE_CODE
from hotline.extensions import db
from hotline.stats.compute import Month
from hotline.stats.models import MonthlySnapshot, SnapshotRevision, TaskRun
from hotline.stats.operations import (
    MAX_REBUILD_MONTHS,
    build_month,
    decide_revision,
    get_snapshot,
    lock_month,
    month_range,
    start_rebuild,
)
from tests.stats.builders import CHANGSHA, ZHUZHOU, add_call, add_case, beijing

MAY = Month(2015, 5)


@pytest.fixture
def supervisor(ctx, create_user):
    return db.session.get(User, create_user("supervisor", PROVINCE_CODE).id)


def snapshot_data(month: Month) -> dict[str, dict]:
    db.session.expire_all()
    rows = db.session.scalars(select(MonthlySnapshot).where(MonthlySnapshot.month == month.first_day))
    return {s.region_code: s.data for s in rows}


def snapshot(month: Month, region_code: str) -> MonthlySnapshot:
    return get_snapshot(month, region_code, build_missing=False)


def some_activity(month: Month = MAY) -> None:
    add_call(beijing(month.year, month.month, 3))
    add_call(beijing(month.year, month.month, 4), region_code=ZHUZHOU, channel="wechat")
    add_call(beijing(month.year, month.month, 5), region_code=PROVINCE_CODE)
    add_case(received_on=month.first_day, filed_on=month.first_day, amount_involved="12500.00")
    add_case(case_type="counterfeit", received_on=month.first_day, filed_on=month.first_day,
             closed_on=month.last_day, fine_amount="0.10")


# Idempotency -------------------------------------------------------------------------------------------------

def test_build_month_twice_stores_the_same_snapshot(ctx):
    some_activity()
    first = build_month(MAY)
    db.session.commit()
    assert set(first.values()) == {"created"}
    assert len(first) == 15  # 14 市州 and the province
    data = snapshot_data(MAY)
    second = build_month(MAY)
    db.session.commit()
    assert set(second.values()) == {"unchanged"}
    assert snapshot_data(MAY) == data
    assert db.session.scalar(select(func.count()).select_from(MonthlySnapshot)) == 15
    assert data[CHANGSHA]["calls"]["total"] == 1
    assert data[PROVINCE_CODE]["calls"]["total"] == 3
    assert data[CHANGSHA]["cases"]["amount_involved"] == "12500.00"


def test_build_month_updates_an_unlocked_snapshot(ctx):
    some_activity()
    build_month(MAY)
    db.session.commit()
    add_call(beijing(2015, 5, 20))
    outcome = build_month(MAY)
    db.session.commit()
    assert outcome[CHANGSHA] == "updated" and outcome[PROVINCE_CODE] == "updated"
    assert outcome[ZHUZHOU] == "unchanged"
    assert snapshot_data(MAY)[CHANGSHA]["calls"]["total"] == 2


def test_get_snapshot_computes_a_missing_month_on_demand(ctx):
    some_activity()
    db.session.commit()
    assert get_snapshot(MAY, CHANGSHA, build_missing=False) is None
    found = get_snapshot(MAY, CHANGSHA)
    assert found.data["calls"]["total"] == 1
    assert found.locked is False
    assert get_snapshot(MAY, "999999") is None


class Killed(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs (no FAILURE bookkeeping either)."""


def _rebuild_run(supervisor, months) -> str:
    run = start_rebuild(months, region_code=PROVINCE_CODE, actor=supervisor)
    db.session.commit()
    return run.id


def test_a_rebuild_killed_halfway_and_run_again_ends_like_an_uninterrupted_one(ctx, supervisor, monkeypatch):
    import workers.tasks.stats as tasks

    months = month_range(Month(2015, 1), Month(2015, 6))
    for month in months:
        some_activity(month)
    # Months 1–2 already have (now stale) snapshots, as after an earlier build.
    build_month(months[0])
    build_month(months[1])
    add_call(beijing(2015, 1, 20))
    add_call(beijing(2015, 2, 20), region_code=ZHUZHOU)
    db.session.commit()
    run_id = _rebuild_run(supervisor, months)

    real_build = tasks.build_month
    built = []

    def dies_at_the_fourth_month(month):
        if len(built) == 3:
            raise Killed
        built.append(month)
        return real_build(month)

    monkeypatch.setattr(tasks, "build_month", dies_at_the_fourth_month)
    with pytest.raises(Killed):
        tasks.rebuild.run(run_id)
    db.session.rollback()
    run = db.session.get(TaskRun, run_id)
    assert (run.state, run.steps_done, run.steps_total) == ("STARTED", 3, 6)
    assert run.progress == pytest.approx(0.5)
    assert snapshot_data(months[4]) == {}  # never reached

    monkeypatch.setattr(tasks, "build_month", real_build)
    tasks.rebuild.run(run_id)  # the redelivered task
    db.session.expire_all()
    run = db.session.get(TaskRun, run_id)
    assert (run.state, run.progress, run.steps_done) == ("SUCCESS", 1.0, 6)
    assert sorted(run.result["months"]) == [str(m) for m in months]
    resumed = {m: snapshot_data(m) for m in months}

    # The same rebuild from nothing, uninterrupted.
    db.session.execute(MonthlySnapshot.__table__.delete())
    db.session.commit()
    tasks.rebuild.run(_rebuild_run(supervisor, months))
    assert {m: snapshot_data(m) for m in months} == resumed
    assert resumed[months[0]][CHANGSHA]["calls"]["total"] == 2
    assert resumed[months[1]][ZHUZHOU]["calls"]["total"] == 2
    assert resumed[months[5]][PROVINCE_CODE]["cases"]["total"] == 2


def test_a_failed_rebuild_is_recorded_and_can_run_again(ctx, supervisor, monkeypatch):
    import workers.tasks.stats as tasks

    run_id = _rebuild_run(supervisor, [Month(2015, 1), Month(2015, 2)])
    real_build = tasks.build_month

    def broken(month):
        if month == Month(2015, 2):
            raise RuntimeError("database went away")
        return real_build(month)

    monkeypatch.setattr(tasks, "build_month", broken)
    with pytest.raises(RuntimeError):
        tasks.rebuild.run(run_id)
    db.session.expire_all()
    run = db.session.get(TaskRun, run_id)
    assert run.state == "FAILURE"
    assert "database went away" not in str(run.result)  # no internals in what users see
    monkeypatch.setattr(tasks, "build_month", real_build)
    tasks.rebuild.run(run_id)
    db.session.expire_all()
    assert db.session.get(TaskRun, run_id).state == "SUCCESS"
    # A finished run is not repeated.
    before = snapshot(Month(2015, 1), CHANGSHA).computed_at
    tasks.rebuild.run(run_id)
    db.session.expire_all()
    assert snapshot(Month(2015, 1), CHANGSHA).computed_at == before


# Rebuild requests ----------------------------------------------------------------------------------------------

def test_start_rebuild_records_the_months_and_validates(ctx, supervisor):
    run = start_rebuild([Month(2015, 3), Month(2015, 1), Month(2015, 3)], region_code=CHANGSHA, actor=supervisor)
    assert run.params == {"months": ["2015-01", "2015-03"]}
    assert (run.state, run.steps_total, run.progress, run.region_code) == ("PENDING", 2, 0.0, CHANGSHA)
    with pytest.raises(ValidationFailed):
        start_rebuild([], region_code=CHANGSHA, actor=supervisor)
    with pytest.raises(ValidationFailed):
        start_rebuild(month_range(Month(2000, 1), Month(2010, 12)), region_code=CHANGSHA, actor=supervisor)
    assert len(month_range(Month(2000, 1), Month(2009, 12))) == MAX_REBUILD_MONTHS
    with pytest.raises(ValidationFailed):
        start_rebuild([Month(2099, 1)], region_code=CHANGSHA, actor=supervisor)


def test_month_range(ctx):
    assert month_range(Month(2014, 11), Month(2015, 2)) == [Month(2014, 11), Month(2014, 12), Month(2015, 1),
                                                            Month(2015, 2)]
    assert month_range(MAY, MAY) == [MAY]
    with pytest.raises(ValidationFailed):
        month_range(MAY, Month(2015, 4))


def test_dispatch_in_embedded_mode_runs_the_rebuild_at_once(ctx, supervisor):
    from hotline.stats.operations import dispatch_rebuild

    some_activity()
    db.session.commit()
    run = start_rebuild([MAY], region_code=PROVINCE_CODE, actor=supervisor)
    db.session.commit()
    dispatch_rebuild(run)
    db.session.commit()  # end this session's read transaction (SQLite reads from its start)
    assert db.session.get(TaskRun, run.id).state == "SUCCESS"
    assert snapshot_data(MAY)[CHANGSHA]["calls"]["total"] == 1


# Locked months ------------------------------------------------------------------------------------------------

def test_a_locked_month_keeps_its_figures_and_a_rebuild_becomes_a_pending_revision(ctx, supervisor):
    some_activity()
    locked = lock_month(MAY, PROVINCE_CODE, actor=supervisor)
    db.session.commit()
    assert len(locked) == 15
    before = snapshot_data(MAY)
    assert before[CHANGSHA]["calls"]["total"] == 1

    add_call(beijing(2015, 5, 20))
    outcome = build_month(MAY)
    db.session.commit()
    assert outcome[CHANGSHA] == "revision" and outcome[PROVINCE_CODE] == "revision"
    assert outcome[ZHUZHOU] == "locked"
    assert snapshot_data(MAY) == before
    changsha = snapshot(MAY, CHANGSHA)
    assert changsha.locked and changsha.locked_by_id == supervisor.id and changsha.locked_at is not None
    [revision] = changsha.revisions
    assert revision.status == "pending"
    assert revision.data["calls"]["total"] == 2

    # Building again with the same data keeps the one pending revision; new data refreshes it.
    build_month(MAY)
    add_call(beijing(2015, 5, 21))
    build_month(MAY)
    db.session.commit()
    db.session.expire_all()
    [revision] = snapshot(MAY, CHANGSHA).revisions
    assert revision.data["calls"]["total"] == 3
    assert snapshot_data(MAY) == before


def test_accepting_a_revision_replaces_the_locked_figures(ctx, supervisor):
    some_activity()
    lock_month(MAY, PROVINCE_CODE, actor=supervisor)
    add_call(beijing(2015, 5, 20))
    build_month(MAY)
    db.session.commit()
    revision = snapshot(MAY, CHANGSHA).revisions[0]
    decide_revision(revision, True, actor=supervisor)
    db.session.commit()
    db.session.expire_all()
    changsha = snapshot(MAY, CHANGSHA)
    assert changsha.locked
    assert changsha.data == changsha.revisions[0].data
    assert changsha.data["calls"]["total"] == 2
    assert (changsha.revisions[0].status, changsha.revisions[0].decided_by_id) == ("accepted", supervisor.id)
    # The province row is the sum of its 市州: it moves with 长沙, and its own revision (only 长沙's call) is
    # decided with it, audited as such.
    province = snapshot(MAY, PROVINCE_CODE)
    assert province.data["calls"]["total"] == 4
    assert [r.status for r in province.revisions] == ["accepted"]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "accept")) == 2
    assert build_month(MAY) == {**dict.fromkeys(snapshot_data(MAY), "locked")}
    with pytest.raises(StateError):
        decide_revision(changsha.revisions[0], False, actor=supervisor)


def test_discarding_a_revision_keeps_the_locked_figures(ctx, supervisor):
    some_activity()
    lock_month(MAY, PROVINCE_CODE, actor=supervisor)
    before = snapshot_data(MAY)
    add_call(beijing(2015, 5, 20))
    build_month(MAY)
    db.session.commit()
    decide_revision(snapshot(MAY, CHANGSHA).revisions[0], False, actor=supervisor)
    db.session.commit()
    db.session.expire_all()
    assert snapshot_data(MAY) == before
    assert snapshot(MAY, CHANGSHA).revisions[0].status == "discarded"


def test_a_pending_revision_goes_when_the_figures_return_to_the_locked_ones(ctx, supervisor):
    some_activity()
    lock_month(MAY, PROVINCE_CODE, actor=supervisor)
    extra = add_call(beijing(2015, 5, 20))
    build_month(MAY)
    db.session.commit()
    assert [r.status for r in snapshot(MAY, CHANGSHA).revisions] == ["pending"]
    # The call was logged against the wrong region: moved away, 长沙's figures are the locked ones again.
    update_call(extra, {"region_code": ZHUZHOU}, actor=db.session.get(User, extra.operator_id),
                expected_version=extra.version)
    assert build_month(MAY)[CHANGSHA] == "locked"
    db.session.commit()
    db.session.expire_all()
    [stale] = snapshot(MAY, CHANGSHA).revisions
    assert (stale.status, stale.decided_by_id) == ("discarded", None)
    assert snapshot(MAY, CHANGSHA).data["calls"]["total"] == 1
    assert [r.data["calls"]["total"] for r in snapshot(MAY, ZHUZHOU).revisions] == [2]


def test_refresh_stale_never_overwrites_a_locked_month(ctx, supervisor):
    from workers.tasks.stats import refresh_stale

    some_activity()
    lock_month(MAY, CHANGSHA, actor=supervisor)
    db.session.commit()
    refresh_stale.run()
    before = snapshot_data(MAY)
    add_call(beijing(2015, 5, 20))
    add_call(beijing(2015, 5, 21), region_code=ZHUZHOU)
    db.session.commit()
    assert refresh_stale.run() == ["2015-05"]
    after = snapshot_data(MAY)
    assert after[CHANGSHA] == before[CHANGSHA]
    assert after[ZHUZHOU]["calls"]["total"] == before[ZHUZHOU]["calls"]["total"] + 1  # not locked: updated
    # The province row agrees with the locked 长沙: only 株洲's call is new in it.
    assert after[PROVINCE_CODE]["calls"]["total"] == before[PROVINCE_CODE]["calls"]["total"] + 1
    assert snapshot(MAY, CHANGSHA).revisions[0].data["calls"]["total"] == 2
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.processed_at.is_(None))) == 0


def test_a_region_lock_locks_only_that_region(ctx, supervisor):
    some_activity()
    locked = lock_month(MAY, CHANGSHA, actor=supervisor)
    db.session.commit()
    assert [s.region_code for s in locked] == [CHANGSHA]
    assert snapshot(MAY, CHANGSHA).locked
    assert not snapshot(MAY, ZHUZHOU).locked
    assert not snapshot(MAY, PROVINCE_CODE).locked
    assert lock_month(MAY, CHANGSHA, actor=supervisor) == []  # already locked: nothing to do
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "lock")) == 1


def test_a_month_that_has_not_started_cannot_be_locked(ctx, supervisor):
    with pytest.raises(ValidationFailed):
        lock_month(Month(2099, 1), PROVINCE_CODE, actor=supervisor)
    assert db.session.scalar(select(func.count()).select_from(SnapshotRevision)) == 0



# The province agrees with its locked 市州; a revision names the records that caused it -------------------------

def _sum_of_regions(month: Month) -> dict:
    """What the province row must hold: its 市州 rows as stored plus what is recorded against the province."""
    from hotline.stats.compute import _add, compute_month, empty_figures

    data = snapshot_data(month)
    total = empty_figures()
    for code, figures in data.items():
        if code != PROVINCE_CODE:
            _add(total, figures)
    _add(total, compute_month(month)["other"])
    return total


def test_the_province_row_agrees_with_a_locked_region(ctx, supervisor):
    some_activity()
    lock_month(MAY, CHANGSHA, actor=supervisor)
    db.session.commit()
    locked_changsha = snapshot_data(MAY)[CHANGSHA]
    add_call(beijing(2015, 5, 20))                              # 长沙: locked, goes to a revision
    add_call(beijing(2015, 5, 21), region_code=ZHUZHOU)         # 株洲: not locked
    add_case(case_type="counterfeit", received_on=MAY.first_day, filed_on=MAY.first_day, amount_involved="100.00")
    add_call(beijing(2015, 5, 22), region_code=PROVINCE_CODE)   # 其他
    db.session.commit()
    build_month(MAY)
    db.session.commit()
    data = snapshot_data(MAY)
    assert data[CHANGSHA] == locked_changsha
    assert data[PROVINCE_CODE] == _sum_of_regions(MAY)
    assert data[PROVINCE_CODE]["calls"]["total"] == 3 + 2       # 长沙's new call is not in it yet
    assert data[PROVINCE_CODE]["cases"]["amount_involved"] == "12500.00"

    # Accepting 长沙's revision moves the province row with it.
    decide_revision(snapshot(MAY, CHANGSHA).revisions[0], True, actor=supervisor)
    db.session.commit()
    data = snapshot_data(MAY)
    assert data[PROVINCE_CODE] == _sum_of_regions(MAY)
    assert data[PROVINCE_CODE]["calls"]["total"] == 3 + 3
    assert data[PROVINCE_CODE]["cases"]["amount_involved"] == "12600.00"
    assert build_month(MAY)[PROVINCE_CODE] == "unchanged"


def test_a_revision_lists_the_records_that_caused_it(ctx, supervisor):
    from datetime import date

    some_activity()
    moved = add_call(beijing(2015, 5, 6))
    case = add_case(received_on=date(2015, 5, 4), filed_on=date(2015, 5, 6))
    untouched = add_case(received_on=date(2015, 5, 4), filed_on=date(2015, 5, 7))
    db.session.commit()
    lock_month(MAY, PROVINCE_CODE, actor=supervisor)
    db.session.commit()

    added = add_call(beijing(2015, 5, 20))
    operator = db.session.get(User, moved.operator_id)
    update_call(moved, {"region_code": ZHUZHOU}, actor=operator, expected_version=moved.version)
    case.closed_on, case.status, case.outcome = date(2015, 5, 28), "closed", "mediated"
    case.case_number = "湘知执字〔2015〕第7号"
    db.session.commit()
    build_month(MAY)
    db.session.commit()
    db.session.expire_all()

    def refs(changes, kind, what):
        return [item["ref"] for item in changes[kind][what]]

    [changsha] = snapshot(MAY, CHANGSHA).revisions
    assert refs(changsha.changes, "calls", "added") == [added.ref]
    assert refs(changsha.changes, "calls", "removed") == [moved.ref]
    assert refs(changsha.changes, "calls", "changed") == []
    assert refs(changsha.changes, "cases", "changed") == ["湘知执字〔2015〕第7号"]
    assert untouched.id not in [item["id"] for item in changsha.changes["cases"]["changed"]]
    [zhuzhou] = snapshot(MAY, ZHUZHOU).revisions
    assert refs(zhuzhou.changes, "calls", "added") == [moved.ref]
    # The province's revision is the sum of its 市州': the same records.
    [province] = snapshot(MAY, PROVINCE_CODE).revisions
    assert refs(province.changes, "calls", "added") == sorted([added.ref, moved.ref])
    assert refs(province.changes, "calls", "removed") == [moved.ref]
    assert refs(province.changes, "cases", "changed") == ["湘知执字〔2015〕第7号"]

    # Accepted, the revision's records are the locked ones: the next revision lists only what is new since.
    decide_revision(province, True, actor=supervisor)
    db.session.commit()
    assert all(r.status == "accepted" for s in snapshot_data(MAY) for r in snapshot(MAY, s).revisions)
    assert snapshot_data(MAY)[PROVINCE_CODE] == _sum_of_regions(MAY)
    newer = add_call(beijing(2015, 5, 25))
    db.session.commit()
    build_month(MAY)
    db.session.commit()
    pending = [r for r in snapshot(MAY, CHANGSHA).revisions if r.status == "pending"]
    assert [refs(r.changes, "calls", "added") for r in pending] == [[newer.ref]]


def test_a_month_locked_before_records_were_kept_says_so(ctx, supervisor):
    some_activity()
    lock_month(MAY, CHANGSHA, actor=supervisor)
    snapshot(MAY, CHANGSHA).records = None   # as a month locked before this release
    db.session.commit()
    add_call(beijing(2015, 5, 20))
    db.session.commit()
    build_month(MAY)
    db.session.commit()
    [revision] = snapshot(MAY, CHANGSHA).revisions
    assert revision.changes is None and revision.data["calls"]["total"] == 2
