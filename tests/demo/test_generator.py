"""Demo data (`flask demo-data`): reproducible, consistent with the model's rules, refuses to double up."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from hotline.calls.models import Call, Caller
from hotline.calls.phones import parse_phone
from hotline.cases.models import COUNTERFEIT_OUTCOMES, DISPUTE_OUTCOMES, Case, case_officers
from hotline.core.models import AuditEvent
from hotline.core.patents import parse_patent_number
from hotline.deadlines.engine import call_accept_deadline, case_deadlines, rule_set_for
from hotline.deadlines.models import CalendarDay
from hotline.demo.generator import (
    DEMO_USERNAME,
    FILLED_TABLES,
    DemoDataError,
    DemoOptions,
    apportion,
    generate,
    parse_years,
    tsvector_literal,
)
from hotline.extensions import db
from hotline.reference.data import PREFECTURES
from hotline.reference.queries import default_area_code as _default_area_code
from hotline.stats.models import MonthlySnapshot
from hotline.stats.yearly import yearly_summary

BEIJING = ZoneInfo("Asia/Shanghai")
REF = re.compile(r"^HL-(\d{4})-(\d{6,})$")


def _quiet(_message: str) -> None:
    pass


def _generate(**overrides):
    options = {"years": [2015], "scale": 0.05, "seed": 7, "progress": _quiet, **overrides}
    return generate(DemoOptions(**options))


def _call_fingerprint():
    rows = db.session.execute(sa.select(
        Call.received_at, Call.region_code, Call.channel, Call.request_type, Call.ip_type, Call.status,
        Call.summary, Call.caller_phone_raw, Call.patent_number, Call.decided_at, Call.closed_at,
    ).order_by(Call.received_at, Call.summary)).all()
    return [tuple(r) for r in rows]


def _case_fingerprint():
    rows = db.session.execute(sa.select(
        Case.case_type, Case.region_code, Case.source, Case.status, Case.received_on, Case.filed_on, Case.closed_on,
        Case.outcome, Case.amount_involved, Case.fine_amount, Case.summary, Case.next_due_on,
    ).order_by(Case.received_on, Case.summary)).all()
    return [tuple(r) for r in rows]


def test_apportion_adds_up_exactly():
    parts = apportion(1001, {"a": 60, "b": 15, "c": 15, "d": 5, "e": 5})
    assert sum(parts.values()) == 1001
    assert parts["a"] == 601
    assert apportion(0, {"a": 1}) == {"a": 0}


@pytest.mark.parametrize(("text", "years"), [("2014-2015", [2014, 2015]), ("2015", [2015]),
                                             ("2015,2013", [2013, 2015])])
def test_parse_years_accepts_ranges_and_lists(text, years):
    assert parse_years(text) == years


@pytest.mark.parametrize("text", ["", "2015-2014", "15", "abc", "2010-2040"])
def test_parse_years_rejects_nonsense(text):
    with pytest.raises(DemoDataError):
        parse_years(text)


def test_same_seed_gives_the_same_data(ctx):
    first = _generate()
    calls, cases = _call_fingerprint(), _case_fingerprint()
    figures = {s.month: s.data for s in db.session.scalars(sa.select(MonthlySnapshot)
                                                             .where(MonthlySnapshot.region_code == "430000"))}
    assert first.counts["calls"] == len(calls) > 100
    assert len(figures) == 12

    again = _generate(replace=True)
    assert again.counts == first.counts
    assert _call_fingerprint() == calls
    assert _case_fingerprint() == cases
    rebuilt = {s.month: s.data for s in db.session.scalars(sa.select(MonthlySnapshot)
                                                              .where(MonthlySnapshot.region_code == "430000"))}
    assert rebuilt == figures

    _generate(replace=True, seed=8)
    assert _call_fingerprint() != calls


def test_generated_rows_keep_the_model_rules(ctx, app):
    _generate(scale=0.1)
    calls = db.session.scalars(sa.select(Call)).all()
    assert len(calls) > 300
    refs = [c.ref for c in calls]
    assert len(set(refs)) == len(refs)
    for call in calls:
        assert REF.match(call.ref) and call.ref.startswith(f"HL-{call.received_at.astimezone(BEIJING).year}-")
        assert (call.status == "closed") == (call.closed_at is not None)
        assert not (call.is_anonymous and (call.caller_id or call.caller_name))
        expected_due = call_accept_deadline(call.received_at.astimezone(BEIJING).date())[0]
        assert call.accept_due_on == expected_due
        if call.decision is None:
            assert call.status == "open" and call.decided_at is None and call.decided_on is None
        else:
            assert call.status in (call.decision, "closed")
            assert call.decided_on == call.decided_at.astimezone(BEIJING).date()
            assert call.decided_at >= call.received_at
        assert (call.transferred_at is not None) == (call.decision == "transferred")
        assert (call.not_accepted_reason is not None) == (call.decision == "not_accepted")
        if call.closed_at:
            assert call.feedback_at == call.closed_at and call.feedback_method and call.feedback_note
        if call.patent_number:
            assert parse_patent_number(call.patent_number_raw).normalized == call.patent_number
        if call.caller_phone_raw:
            phone = parse_phone(call.caller_phone_raw, _default_area_code())
            assert phone.key == call.caller.phone_key
        assert call.region_code != "430000" or call.decision not in ("case_opened",)
    # Phone mostly in office hours, on working days; the request-type mix as configured.
    phone = [c for c in calls if c.channel == "phone"]
    in_hours = sum(8 <= c.received_at.astimezone(BEIJING).hour < 18 for c in phone)
    assert in_hours / len(phone) > 0.95
    types = Counter(c.request_type for c in calls)
    assert types.most_common(1)[0][0] == "consultation" and 0.55 < types["consultation"] / len(calls) < 0.65
    assert sum(c.channel == "phone" for c in calls) / len(calls) == pytest.approx(0.8, abs=0.01)
    # Repeat callers reuse their caller row; first/last seen cover their calls.
    per_caller = Counter(c.caller_id for c in calls if c.caller_id)
    assert max(per_caller.values()) > 1
    for caller in db.session.scalars(sa.select(Caller)):
        seen = [c.received_at for c in calls if c.caller_id == caller.id]
        assert caller.first_seen_at == min(seen) and caller.last_seen_at == max(seen)

    cases = db.session.scalars(sa.select(Case)).all()
    numbers = [c.case_number for c in cases if c.case_number]
    assert len(numbers) == len(set(numbers)) == sum(1 for c in cases if c.filed_on)
    officers = Counter(row.case_id for row in db.session.execute(sa.select(case_officers)))
    for case in cases:
        assert (case.status == "closed") == (case.closed_on is not None and case.outcome is not None)
        assert case.outcome is None or case.outcome in (DISPUTE_OUTCOMES if case.is_dispute else COUNTERFEIT_OUTCOMES)
        assert parse_patent_number(case.patent_number).patent_type == case.patent_type
        assert case.rule_set_code == rule_set_for(case.received_on).code
        assert case.fine_amount is None or case.outcome == "penalized"
        assert case.published_on is None or (case.outcome == "penalized" and case.published_on >= case.closed_on)
        # an organization has its 法定代表人 (published with its name), a person none
        assert bool(case.respondent_legal_rep) == (case.respondent_kind == "organization")
        if case.filed_on:
            assert case.filed_on >= case.received_on
            n = officers[case.id]
            assert (n >= 3 and n % 2 == 1) if case.is_dispute else n >= 2
        if case.closed_on:
            assert case.closed_on >= case.filed_on
        if case.call_id:
            assert case.source == "hotline_call" and case.call.decision == "case_opened"
            assert case.call.region_code == case.region_code
        deadlines = {d.kind: d for d in case_deadlines(case)}
        assert case.file_due_on == deadlines["file"].due_on
        assert case.close_due_on == (deadlines["close"].due_on if "close" in deadlines else None)
        assert case.publish_due_on == (deadlines["publish"].due_on if "publish" in deadlines else None)
        pending = [d.due_on for d in deadlines.values()
                   if d.met_on is None and not d.paused and not d.is_target and d.due_on]
        assert case.next_due_on == (min(pending) if pending else None)
    statuses = Counter(c.status for c in cases)
    assert statuses["closed"] > 0 and statuses["not_accepted"] > 0
    # Long past: everything has closed since, but some were still pending at the year's end.
    assert any(c.closed_on and c.closed_on.year == 2016 for c in cases)
    assert any(c.suspensions for c in cases) or len(cases) < 100
    # Most filed on time, most closed on time, yet a few late: the review checklist has something to find.
    late_filing = sum(1 for c in cases if c.filed_on and c.filed_on > c.file_due_on)
    assert 0 < late_filing < 0.15 * len(numbers)
    # One create audit event per call and per case, by the demo user.
    audit = Counter(db.session.execute(sa.select(AuditEvent.object_type).where(
        AuditEvent.actor_name == DEMO_USERNAME, AuditEvent.action == "create")).scalars())
    assert audit == {"call": len(calls), "case": len(cases)}


def test_seed_figures_at_scale_one(ctx):
    """Hunan: 2,815 cases in 2014; 3,115 in 2015, disputes 359 (+70.1 %); about 300 phone calls a month."""
    _generate(years=[2014, 2015], scale=1)
    summary = yearly_summary(2015)
    assert summary["cases"]["total"] == 3115
    assert summary["cases"]["disputes"] == 359
    assert summary["cases"]["counterfeit"] == 2756
    assert summary["previous"]["cases"]["total"] == 2815
    assert summary["previous"]["cases"]["disputes"] == 211
    assert summary["growth"]["cases.total"] == 10.7
    assert summary["growth"]["cases.disputes"] == 70.1
    assert summary["calls"]["monthly_average_phone"] == 299
    assert 0.5 < summary["calls"]["by_ip_type"]["patent"] / summary["calls"]["total"] < 0.6
    rows = {row["region_code"]: row for row in summary["by_region"]}
    assert max((r for r in rows.values() if r["region_code"] not in ("other", "430000")),
               key=lambda r: r["cases_total"])["region_code"] == "430100"
    assert "办案3115件" in summary["narrative"] and "70.1%" in summary["narrative"]


def test_refuses_to_generate_twice_and_replaces(ctx):
    first = _generate(scale=0.02)
    with pytest.raises(DemoDataError, match="--replace"):
        _generate(scale=0.02)
    again = _generate(scale=0.02, replace=True)
    assert again.replaced["calls"] == first.counts["calls"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Call)) == first.counts["calls"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == first.counts["cases"]
    # Another year is not demo data "for those years".
    other = _generate(years=[2014], scale=0.02)
    assert other.counts["calls"] > 0


def test_intake_continues_after_the_demo_numbers(ctx, operator):
    from hotline.calls.operations import record_call
    from hotline.cases.operations import make_case_number

    _generate(scale=0.02)
    last = max(int(REF.match(r).group(2)) for r in db.session.scalars(
        sa.select(Call.ref).where(Call.ref.like("HL-2015-%"))))
    call = record_call({"received_at": datetime(2015, 12, 30, 2, 0, tzinfo=UTC), "channel": "phone",
                        "request_type": "consultation", "region_code": "430100", "summary": "咨询专利申请流程",
                        "caller_phone": "13912345678"}, actor=operator)
    db.session.commit()
    assert call.ref == f"HL-2015-{last + 1:06d}"
    filed_2015 = db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(
        Case.filed_on >= datetime(2015, 1, 1).date(), Case.filed_on <= datetime(2015, 12, 31).date()))
    assert make_case_number("430100", 2015) == f"湘知执字〔2015〕第{filed_2015 + 1}号"


def test_regions_option_limits_the_data(ctx):
    _generate(regions=["430800"], scale=0.5)
    regions = set(db.session.scalars(sa.select(Case.region_code).distinct()))
    assert regions == {"430800"}
    assert set(db.session.scalars(sa.select(Call.region_code).distinct())) == {"430800"}
    with pytest.raises(DemoDataError, match="Unknown"):
        _generate(regions=["999999"], replace=True)


def test_cli_prints_counts_and_refuses_a_second_run(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo-data", "--years", "2015", "--scale", "0.02", "--no-stats"])
    assert result.exit_code == 0, result.output
    assert "Rows:" in result.output and "calls" in result.output
    again = runner.invoke(args=["demo-data", "--years", "2015", "--scale", "0.02", "--no-stats"])
    assert again.exit_code == 1
    assert "--replace" in again.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MonthlySnapshot)) == 0


def test_search_documents_match_intake(ctx, backend):
    from hotline.core.text import bigram_tokens

    _generate(scale=0.02)
    rows = db.session.execute(sa.select(Call.id, Call.summary, Call.accused_party, Call.caller_name,
                                        Call.search_vector)).all()
    for call_id, summary, accused, name, vector in rows:
        tokens = bigram_tokens(summary, accused, name)
        if backend == "postgresql":
            from sqlalchemy.dialects.postgresql import TSVECTOR

            document = sa.func.to_tsvector("simple", tokens)
            assert db.session.scalar(sa.select(document == Call.search_vector).where(Call.id == call_id))
            assert db.session.scalar(sa.select(document == sa.cast(tsvector_literal(tokens), TSVECTOR)))
        else:
            assert vector == tokens


def test_current_year_up_to_december_has_open_work(ctx):
    """The last year the calendar knows, generated up to 7 December: deadlines that fall in the next year (no
    calendar yet) stay empty instead of failing, requests still being examined are kept, and there is live work:
    open calls, running cases due soon and overdue ones."""
    from datetime import date, timedelta

    from hotline.deadlines.seed import chinesecalendar_years

    year = max(chinesecalendar_years())
    today = date(year, 12, 7)
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay).where(
        CalendarDay.day >= date(year + 1, 1, 1)))
    result = _generate(years=[year], scale=0.3, today=today)
    assert len(result.months) == 12
    calls = db.session.scalars(sa.select(Call)).all()
    assert all(c.received_at.astimezone(BEIJING).date() <= today for c in calls)
    assert any(c.status == "open" for c in calls)
    assert all(c.decided_on is None or c.decided_on <= today for c in calls)
    cases = db.session.scalars(sa.select(Case)).all()
    running = [c for c in cases if c.status in ("filed", "suspended")]
    assert any(c.next_due_on and today <= c.next_due_on <= today + timedelta(days=14) for c in running)
    assert any(c.next_due_on and c.next_due_on < today for c in running)
    # A closing deadline in the next year cannot be computed yet: the case runs with it empty.
    assert any(c.close_due_on is None for c in running if c.status == "filed")
    assert all(c.closed_on is None or c.closed_on <= today for c in cases)
    # Requests received in the last days and not yet decided stay "received".
    assert any(c.status == "received" and c.rejected_on is None for c in cases)
    for case in cases:
        deadlines = {d.kind: d for d in case_deadlines(case, today=today)}
        assert case.close_due_on == (deadlines["close"].due_on if "close" in deadlines else None)
        assert case.next_due_on == min((d.due_on for d in deadlines.values() if d.met_on is None and not d.paused
                                        and not d.is_target and d.due_on), default=None)
        assert (case.status == "closed") == (case.closed_on is not None)
    # Every region's inbox has work: an open call and a running case past its deadline.
    regions = {code for code, *_ in PREFECTURES}
    assert {c.region_code for c in calls if c.status == "open"} >= regions | {"430000"}
    assert {c.region_code for c in running if c.next_due_on and c.next_due_on < today} == regions
    for call in calls:
        assert (call.decision is None) == (call.status == "open") == (call.decided_at is None)
        assert (call.status == "closed") == (call.closed_at is not None)


def test_cli_for_the_current_year_does_not_fail(app):
    """`flask demo-data --years <this year>` on the real clock: figures or a clear message, never a traceback."""
    from hotline.core.clock import local_today

    with app.app_context():
        year = local_today().year
    result = app.test_cli_runner().invoke(args=["demo-data", "--years", str(year), "--scale", "0.02",
                                                "--no-stats", "--no-search"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0 or "calendar" in result.output, result.output


def _schema_objects(backend):
    """The indexes and foreign keys of the tables the generator fills (PostgreSQL's catalogue)."""
    if backend != "postgresql":
        return None
    return sorted(db.session.execute(sa.text(
        "SELECT t.relname, i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = ANY(:t) UNION ALL "
        "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname = ANY(:t) AND c.contype = 'f'"),
        {"t": list(FILLED_TABLES)}).all())


@pytest.mark.parametrize("held_back", [500_000, 10])
def test_bulk_load_gives_the_same_rows_and_keeps_indexes_and_keys(ctx, backend, monkeypatch, held_back):
    """The bulk path (indexes and foreign keys dropped for the load, built again after) writes exactly the rows
    of the ordinary path, and leaves every index and key as it found them; its callers (written after the calls,
    or early when more than ``DEFERRED_CALLERS`` wait) are seen first and last at their first and last call."""
    from hotline.demo import generator

    monkeypatch.setattr(generator, "DEFERRED_CALLERS", held_back)
    before = _schema_objects(backend)
    plain = _generate(scale=0.05, bulk=False)
    calls, cases = _call_fingerprint(), _case_fingerprint()
    bulk = _generate(scale=0.05, bulk=True, replace=True)
    assert bulk.counts == plain.counts and bulk.counts["calls"] > 100
    assert _call_fingerprint() == calls
    assert _case_fingerprint() == cases
    seen = db.session.execute(sa.select(Call.caller_id, sa.func.min(Call.received_at), sa.func.max(Call.received_at))
                              .where(Call.caller_id.is_not(None)).group_by(Call.caller_id)).all()
    callers = {c.id: (c.first_seen_at, c.last_seen_at) for c in db.session.scalars(sa.select(Caller))}
    assert {cid: (first, last) for cid, first, last in seen} == callers
    assert any(first != last for first, last in callers.values())
    assert _schema_objects(backend) == before
    if backend == "postgresql":
        assert len(before) > 50
        # The rebuilt search index answers like intake's: a word of a stored summary finds its call.
        word = db.session.scalar(sa.select(Call.summary).where(Call.summary.like("%专利%")).limit(1))
        assert word
        found = db.session.scalar(sa.text(
            "SELECT count(*) FROM calls WHERE search_vector @@ to_tsquery('simple', '专利')"))
        assert found > 0
        # The search documents the worker process made in binary form are intake's, position for position.
        from hotline.core.text import bigram_tokens

        for table, texts in (("calls", "summary, accused_party, caller_name"),
                             ("cases", "summary, respondent_name, requester_name")):
            rows = db.session.execute(sa.text(f"SELECT id, {texts} FROM {table}")).all()
            assert rows
            wrong = db.session.scalar(sa.text(
                f"SELECT count(*) FROM {table} t JOIN unnest(CAST(:ids AS bigint[]), CAST(:tokens AS text[])) "
                "AS d(id, tokens) ON d.id = t.id "
                "WHERE t.search_vector IS DISTINCT FROM to_tsvector('simple', d.tokens)"),
                {"ids": [r[0] for r in rows], "tokens": [bigram_tokens(*r[1:]) for r in rows]})
            assert wrong == 0, table


def test_a_failed_write_rolls_back_and_ends_the_writer(ctx, backend, monkeypatch):
    """A COPY failing on the writer's thread fails the run: nothing is kept, no thread or worker is left."""
    import threading

    from hotline.demo import generator

    if backend != "postgresql":
        pytest.skip("the writer's thread exists on PostgreSQL only")
    copies = []
    real_copy = generator.Writer._copy

    def failing_copy(self, *args):
        copies.append(args[0])
        if len(copies) == 2:
            raise RuntimeError("disk full")
        return real_copy(self, *args)

    monkeypatch.setattr(generator.Writer, "_copy", failing_copy)
    with pytest.raises(RuntimeError, match="disk full"):
        _generate(scale=0.05, bulk=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Call)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
    assert not [t for t in threading.enumerate() if t.name == "demo-data-copy"]


def test_ten_years_from_2016_to_2025(ctx):
    """--years 2016-2025: every year is generated (the shipped calendar covers them), numbered per year."""
    assert parse_years("2016-2025") == list(range(2016, 2026))
    result = _generate(years=parse_years("2016-2025"), calls_per_month=4, cases_per_month=2, build_stats=False,
                       today=datetime(2026, 6, 30).date())
    assert result.counts["calls"] == 4 * 120
    assert len(result.months) == 120
    per_year = Counter(REF.match(ref).group(1) for ref in db.session.scalars(sa.select(Call.ref)))
    assert per_year == {str(y): 48 for y in range(2016, 2026)}
    filed = Counter(d.year for d in db.session.scalars(sa.select(Case.filed_on).where(Case.filed_on.is_not(None))))
    assert set(filed) == set(range(2016, 2026))
    assert all(n == 24 for n in filed.values())
    # Every year the calendar needs is in it: no deadline left empty for want of calendar data.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(
        Case.status == "filed", Case.close_due_on.is_(None))) == 0


def test_cli_bulk_flag(app, backend):
    """--bulk forces the bulk path even for a small load (on PostgreSQL; SQLite has no such path)."""
    result = app.test_cli_runner().invoke(args=["demo-data", "--years", "2015", "--scale", "0.02", "--no-stats",
                                                "--bulk"])
    assert result.exit_code == 0, result.output
    assert "calls" in result.output
    dropped = re.search(r"\d+ secondary indexes and \d+ foreign keys dropped", result.output)
    assert bool(dropped) == (backend == "postgresql")
    assert ("Indexes built again" in result.output) == (backend == "postgresql")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Call)) > 0
