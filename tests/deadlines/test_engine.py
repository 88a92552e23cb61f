"""The deadline engine: rule-set selection, the pinned examples of product.md, suspension, extension, publication."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from hotline.deadlines import engine
from hotline.deadlines.calendar import WorkCalendar
from hotline.deadlines.data import DISCOVERED_SOURCES, REPORTED_SOURCES, RULE_SETS
from hotline.deadlines.engine import (
    Deadline,
    NoRuleSet,
    call_accept_deadline,
    capped_extension,
    case_deadlines,
    compute,
    find_rule,
    rule_set_for,
)

D = date.fromisoformat
FAR_FUTURE = date(2026, 12, 1)


def fake_case(case_type="infringement_dispute", *, received_on="2015-09-30", source="request", rule_set=None,
              filed_on=None, rejected_on=None, closed_on=None, outcome=None, published_on=None,
              suspensions=(), extensions=(), region_code="430100"):
    """Just the attributes case_deadlines reads. ``suspensions``: [(suspended_on, resumed_on|None)];
    ``extensions``: [(months, days)]."""
    received = D(received_on)
    return SimpleNamespace(
        case_type=case_type, source=source, received_on=received, region_code=region_code,
        rule_set_code=rule_set or rule_set_for(received).code,
        filed_on=D(filed_on) if filed_on else None, rejected_on=D(rejected_on) if rejected_on else None,
        closed_on=D(closed_on) if closed_on else None, outcome=outcome,
        published_on=D(published_on) if published_on else None,
        suspensions=[SimpleNamespace(suspended_on=D(s), resumed_on=D(r) if r else None,
                                     days=(D(r) - D(s)).days if r else None) for s, r in suspensions],
        extensions=[SimpleNamespace(months=m, days=d) for m, d in extensions],
    )


def by_kind(deadlines: list[Deadline]) -> dict[str, Deadline]:
    kinds = [d.kind for d in deadlines]
    assert len(kinds) == len(set(kinds)), kinds
    return {d.kind: d for d in deadlines}


def deadlines(case, today=FAR_FUTURE) -> dict[str, Deadline]:
    return by_kind(case_deadlines(case, WorkCalendar(), today=today))


# Rule sets -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("on", "code", "close_months"), [
    ("2011-02-01", "2011", 4),
    ("2015-06-30", "2011", 4),
    ("2015-07-01", "2015", 3),
    ("2025-09-30", "2015", 3),
])
def test_rule_set_in_force_on_the_receipt_date(app, on, code, close_months):
    with app.app_context():
        rule_set = rule_set_for(D(on))
        assert rule_set.code == code
        close = find_rule(code, "close", "infringement_dispute")
        assert (close.amount, close.unit, close.extension_amount, close.extension_unit) == (
            close_months, "months", 1, "months")
        assert find_rule(code, "close", "other_dispute").amount == close_months


def test_no_rule_set_before_the_first_one(app):
    with app.app_context(), pytest.raises(NoRuleSet) as info:
        rule_set_for(D("2011-01-31"))
    assert "2011-01-31" in info.value.message
    assert "received_on" in info.value.errors


def test_shipped_rule_sets_are_seeded(app):
    with app.app_context():
        for spec in RULE_SETS:
            for rule in spec["rules"]:
                found = find_rule(spec["code"], rule["kind"], rule["applies_to"], rule["source_group"])
                assert (found.amount, found.unit, found.article) == (rule["amount"], rule["unit"], rule["article"])


def test_seed_rule_sets_is_idempotent(app):
    from hotline.deadlines.seed import seed_rule_sets

    with app.app_context():
        assert seed_rule_sets() == 0


def test_source_groups_partition_the_case_sources():
    from hotline.cases.models import CaseSource

    assert {s.value for s in CaseSource} == REPORTED_SOURCES | DISCOVERED_SOURCES
    assert not REPORTED_SOURCES & DISCOVERED_SOURCES


# Filing deadlines: the pinned examples -------------------------------------------------------------------------


@pytest.mark.parametrize(("case_type", "received_on", "due_on", "rule_set"), [
    ("infringement_dispute", "2015-09-30", "2015-10-13", "2015"),
    ("infringement_dispute", "2025-09-30", "2025-10-14", "2015"),
    ("other_dispute", "2015-09-30", "2015-10-13", "2015"),
    # Spring Festival 2015: Sunday 02-15 is a make-up workday, 02-18 … 02-24 are off
    ("infringement_dispute", "2015-02-13", "2015-02-26", "2011"),
])
def test_dispute_filing_deadline(app, case_type, received_on, due_on, rule_set):
    with app.app_context():
        case = fake_case(case_type, received_on=received_on)
        assert case.rule_set_code == rule_set
        file = deadlines(case)["file"]
    assert file.due_on == D(due_on)
    assert file.base_on == D(received_on)
    assert file.notes == []  # a working-day period ends on a working day: nothing to move
    assert file.label == "立案或不予受理"
    assert "5个工作日" in file.rule


@pytest.mark.parametrize(("source", "due_on", "amount"), [
    ("hotline_call", "2015-10-20", 10),
    ("request", "2015-10-20", 10),
    ("referral", "2015-10-20", 10),
    ("inspection", "2015-10-13", 5),
    ("exhibition", "2015-10-13", 5),
    ("ecommerce", "2015-10-13", 5),
])
def test_counterfeit_filing_deadline_depends_on_the_source(app, source, due_on, amount):
    with app.app_context():
        file = deadlines(fake_case("counterfeit", source=source))["file"]
    assert file.due_on == D(due_on)
    assert f"{amount}个工作日" in file.rule


def test_every_deadline_names_its_rule_set_article_and_label(app):
    with app.app_context():
        case = fake_case("counterfeit", source="inspection", filed_on="2015-10-08", closed_on="2015-10-09",
                         outcome="penalized")
        found = case_deadlines(case, WorkCalendar(), today=FAR_FUTURE)
        code = rule_set_for(case.received_on).code
        assert [d.kind for d in found] == ["file", "close", "publish", "publish_target"]
        for deadline in found:
            rule = find_rule("2015", deadline.kind, "counterfeit", "discovered")
            # The article (which names its own source) once, then the rule set — no repeated document name.
            assert deadline.rule == f"{rule.article}（规则集 {code}）"
            assert deadline.rule.count("专利行政执法办法") <= 1
            assert deadline.label == rule.label


def test_filing_deadline_met_by_filing_or_rejection(app):
    with app.app_context():
        assert deadlines(fake_case(filed_on="2015-10-09"))["file"].met_on == D("2015-10-09")
        rejected = deadlines(fake_case(rejected_on="2015-10-14"))
    assert list(rejected) == ["file"]
    assert rejected["file"].met_on == D("2015-10-14")
    assert rejected["file"].overdue(FAR_FUTURE)  # rejected one working day late


# Closing deadlines ------------------------------------------------------------------------------------------------


def test_close_deadline_moved_off_a_saturday_with_a_note(app):
    with app.app_context():
        close = deadlines(fake_case(received_on="2015-07-28", filed_on="2015-07-31"))["close"]
    assert close.due_on == D("2015-11-02")  # 2015-10-31 is a Saturday
    assert close.base_on == D("2015-07-31")
    assert close.notes == ["moved from 2015-10-31 (non-working day)"]
    assert close.label == "结案"
    assert "3个月" in close.rule


def test_close_deadline_on_a_working_day_has_no_note(app):
    with app.app_context():
        close = deadlines(fake_case(received_on="2015-07-16", filed_on="2015-07-20"))["close"]
    assert (close.due_on, close.notes) == (D("2015-10-20"), [])


def test_close_deadline_follows_the_rule_set_of_the_receipt_date(app):
    with app.app_context():
        old = deadlines(fake_case(received_on="2015-06-30", filed_on="2015-07-06"))["close"]
        new = deadlines(fake_case(received_on="2015-07-01", filed_on="2015-07-06"))["close"]
    assert old.due_on == D("2015-11-06")  # 4 months under the 2011 rule set
    assert new.due_on == D("2015-10-08")  # 3 months: 10-06 is 国庆节 → 10-08
    assert "4个月" in old.rule and "3个月" in new.rule


def test_close_deadline_clamps_to_the_end_of_the_month(app):
    with app.app_context():
        # 2015-11-30 + 3 months → 2016-02-29 (leap year), a Monday
        close = deadlines(fake_case(received_on="2015-11-25", filed_on="2015-11-30"))["close"]
    assert close.due_on == D("2016-02-29")


def test_counterfeit_close_is_one_month_plus_at_most_15_days(app):
    with app.app_context():
        plain = deadlines(fake_case("counterfeit", filed_on="2015-10-08"))["close"]
        extended = deadlines(fake_case("counterfeit", filed_on="2015-10-08", extensions=[(0, 15)]))["close"]
        too_long = deadlines(fake_case("counterfeit", filed_on="2015-10-08", extensions=[(0, 10), (0, 10)]))["close"]
    assert plain.due_on == D("2015-11-09")  # 11-08 is a Sunday
    assert extended.due_on == D("2015-11-23")  # 11-08 + 15 days, a Monday
    assert "+15 days extension" in extended.notes
    assert too_long.due_on == extended.due_on
    assert "15日" in plain.rule


def test_dispute_extension_is_at_most_one_month(app):
    with app.app_context():
        one = deadlines(fake_case(received_on="2015-07-16", filed_on="2015-07-20", extensions=[(1, 0)]))["close"]
        two = deadlines(fake_case(received_on="2015-07-16", filed_on="2015-07-20", extensions=[(1, 0), (1, 0)]))
    assert one.due_on == D("2015-11-20")
    assert "+1 month extension" in one.notes
    assert two["close"].due_on == one.due_on


def test_capped_extension(app):
    with app.app_context():
        dispute = find_rule("2015", "close", "infringement_dispute")
        counterfeit = find_rule("2015", "close", "counterfeit")
        publish = find_rule("2015", "publish", "counterfeit")
    assert capped_extension(dispute, 0, 0) == (0, 0)
    assert capped_extension(dispute, 1, 0) == (1, 0)
    assert capped_extension(dispute, 3, 0) == (1, 0)
    assert capped_extension(dispute, 0, 20) == (0, 0)  # a month rule takes no days
    assert capped_extension(counterfeit, 0, 10) == (0, 10)
    assert capped_extension(counterfeit, 0, 40) == (0, 15)
    assert capped_extension(counterfeit, 2, 5) == (0, 5)
    assert capped_extension(publish, 1, 1) == (0, 0)  # no extension at all


# Suspension -------------------------------------------------------------------------------------------------------


def test_suspension_moves_the_close_deadline_before_the_weekend_rule(app):
    with app.app_context():
        # filed 07-20 → 10-20 (Tue); suspended 08-03 … 08-07 = 4 days → 10-24, a Saturday → 10-26
        close = deadlines(fake_case(received_on="2015-07-16", filed_on="2015-07-20",
                                    suspensions=[("2015-08-03", "2015-08-07")]))["close"]
    assert close.due_on == D("2015-10-26")
    assert close.notes == ["+4 days suspended", "moved from 2015-10-24 (non-working day)"]
    assert not close.paused


def test_suspended_days_are_added_to_the_raw_date_not_the_rolled_one(app):
    with app.app_context():
        # raw 2015-10-31 (Sat) + 1 day = 11-01 (Sun) → 11-02; rolling first would give 11-02 + 1 = 11-03
        close = deadlines(fake_case(received_on="2015-07-28", filed_on="2015-07-31",
                                    suspensions=[("2015-08-10", "2015-08-11")]))["close"]
    assert close.due_on == D("2015-11-02")


def test_several_suspensions_add_up(app):
    with app.app_context():
        close = deadlines(fake_case(received_on="2015-07-16", filed_on="2015-07-20",
                                    suspensions=[("2015-08-03", "2015-08-05"), ("2015-09-01", "2015-09-03")]))["close"]
    assert close.due_on == D("2015-10-26")  # 10-20 + 4 days = Saturday → Monday
    assert close.notes[0] == "+4 days suspended"


def test_suspension_and_extension_together_move_the_extended_deadline_by_the_days_suspended(app):
    """product.md: the closing deadline moves by the days suspended, then the non-working-day rule applies.

    Filed 2015-08-30: 3 months → 11-30, extended by 1 month → 12-30 (Wed). A one-day suspension makes it
    12-31 (Thu); adding the day before the extension month instead gives 12-01 + 1 month = 2016-01-01 (元旦)
    → 2016-01-04.
    """
    with app.app_context():
        extended = deadlines(fake_case(received_on="2015-08-25", filed_on="2015-08-30", extensions=[(1, 0)]))
        both = deadlines(fake_case(received_on="2015-08-25", filed_on="2015-08-30", extensions=[(1, 0)],
                                   suspensions=[("2015-09-07", "2015-09-08")]))
    assert extended["close"].due_on == D("2015-12-30")
    assert both["close"].due_on == D("2015-12-31")


def test_ongoing_suspension_pauses_the_clock(app):
    with app.app_context():
        case = fake_case(received_on="2015-07-16", filed_on="2015-07-20", suspensions=[("2015-09-01", None)])
        close = deadlines(case, today=D("2015-09-11"))["close"]
        later = deadlines(case, today=D("2016-06-01"))["close"]
    assert close.paused
    assert close.due_on == D("2015-10-30")  # as if resumed today: 10-20 + 10 days
    assert "+10 days suspended" in close.notes
    assert not later.overdue(D("2016-06-01"))
    assert later.due_on > D("2016-06-01")


def test_ongoing_suspension_after_a_finished_one(app):
    with app.app_context():
        case = fake_case(received_on="2015-07-16", filed_on="2015-07-20",
                         suspensions=[("2015-08-03", "2015-08-07"), ("2015-09-01", None)])
        close = deadlines(case, today=D("2015-09-01"))["close"]
    assert close.paused
    assert close.due_on == D("2015-10-26")


def test_default_today_is_the_beijing_date(app, monkeypatch):
    """Without ``today``, an ongoing suspension is held up to today in Beijing (clock.local_today), not the
    server's local date."""

    class ServerDate(date):
        @classmethod
        def today(cls):
            return date(2015, 9, 5)

    monkeypatch.setattr(engine, "date", ServerDate)
    monkeypatch.setattr(engine, "local_today", lambda: date(2015, 9, 11), raising=False)
    with app.app_context():
        case = fake_case(received_on="2015-07-16", filed_on="2015-07-20", suspensions=[("2015-09-01", None)])
        close = by_kind(case_deadlines(case, WorkCalendar()))["close"]
    assert close.due_on == D("2015-10-30")


# Publication -------------------------------------------------------------------------------------------------------


def test_publication_deadline_and_target(app):
    with app.app_context():
        found = deadlines(fake_case("counterfeit", source="inspection", filed_on="2015-10-08",
                                    closed_on="2015-10-09", outcome="penalized"))
    publish, target = found["publish"], found["publish_target"]
    assert publish.due_on == D("2015-11-05")  # 20 working days; Saturday 10-10 is a make-up workday
    assert target.due_on == D("2015-10-19")  # 7 working days
    assert (publish.is_target, target.is_target) == (False, True)
    assert publish.base_on == target.base_on == D("2015-10-09")
    assert "20个工作日" in publish.rule and "7个工作日" in target.rule


@pytest.mark.parametrize("outcome", ["exempted", "revoked", "transferred_police"])
def test_only_penalty_decisions_have_a_publication_deadline(app, outcome):
    with app.app_context():
        found = deadlines(fake_case("counterfeit", filed_on="2015-10-08", closed_on="2015-10-09", outcome=outcome))
    assert list(found) == ["file", "close"]


def test_publication_met(app):
    with app.app_context():
        found = deadlines(fake_case("counterfeit", filed_on="2015-10-08", closed_on="2015-10-09",
                                    outcome="penalized", published_on="2015-10-20"))
    assert found["publish"].met_on == D("2015-10-20")
    assert not found["publish"].overdue(FAR_FUTURE)
    assert found["publish_target"].overdue(FAR_FUTURE)  # missed the 7-day goal by a day


# Calls ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("received_on", "due_on"), [
    ("2015-09-30", "2015-10-13"),
    ("2025-09-30", "2025-10-14"),
    ("2015-10-16", "2015-10-23"),
])
def test_call_acceptance_deadline_is_five_working_days(app, received_on, due_on):
    with app.app_context():
        due, rule = call_accept_deadline(D(received_on))
    assert due == D(due_on)
    assert (rule.amount, rule.unit, rule.kind, rule.applies_to) == (5, "working_days", "accept", "call")
    assert rule.label == "受理或转办"


# Deadline.overdue -----------------------------------------------------------------------------------------------------


def _deadline(due_on, met_on=None, paused=False) -> Deadline:
    return Deadline(kind="close", due_on=D(due_on) if due_on else None, met_on=D(met_on) if met_on else None,
                    rule="r", label="l", base_on=D("2015-01-01"), paused=paused)


@pytest.mark.parametrize(("due_on", "met_on", "today", "overdue"), [
    ("2015-10-13", "2015-10-14", "2015-10-14", True),   # met late
    ("2015-10-13", "2015-10-14", "2015-10-01", True),   # met late, whatever "today" is
    ("2015-10-13", "2015-10-13", "2016-01-01", False),  # met on the last day
    ("2015-10-13", "2015-10-09", "2016-01-01", False),  # met early
    ("2015-10-13", None, "2015-10-13", False),          # unmet, due today
    ("2015-10-13", None, "2015-10-14", True),           # unmet, past due
    ("2015-10-13", None, "2015-10-12", False),
    (None, None, "2016-01-01", False),
])
def test_overdue(due_on, met_on, today, overdue):
    assert _deadline(due_on, met_on).overdue(D(today)) is overdue


def test_paused_deadline_is_never_overdue():
    assert not _deadline("2015-10-13", paused=True).overdue(D("2016-01-01"))


def test_as_dict():
    deadline = _deadline("2015-10-13", "2015-10-14")
    assert deadline.as_dict(D("2015-10-20")) == {
        "kind": "close", "due_on": "2015-10-13", "met_on": "2015-10-14", "overdue": True, "rule": "r",
        "label": "l", "notes": [], "paused": False, "target": False, "error": None}


def test_compute_calendar_day_period_rolls_forward(app):
    with app.app_context():
        rule = engine.RuleInfo("x", "X", "answer", "call", "any", 15, "days", "received", None, None, "答辩", "art")
        deadline = compute(WorkCalendar(), rule, D("2015-09-16"))
    assert deadline.due_on == D("2015-10-08")  # 10-01 is 国庆节 → first working day after the holiday
    assert deadline.notes == ["moved from 2015-10-01 (non-working day)"]
