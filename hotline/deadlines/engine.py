"""Deadline engine: which rule applies, and the due date it gives, with the semantics of product.md.

- the start day is not counted;
- working-day periods count only working days (calendar_days table);
- an N-month period ends on the same day-number N months later (clamped to the month's last day);
- a calendar-day or month period ending on a non-working day moves to the next working day;
- suspension (中止) moves the closing deadline by the days suspended (resumed_on − suspended_on), before the
  non-working-day rule; an ongoing suspension holds the clock (the deadline is shown as paused);
- approved extensions add at most the rule's maximum.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from hotline.core.clock import local_today
from hotline.core.errors import DomainError
from hotline.core.i18n import gettext as _
from hotline.deadlines.calendar import CalendarMissing, WorkCalendar, add_months
from hotline.deadlines.data import DISCOVERED_SOURCES
from hotline.deadlines.models import DeadlineRule, PeriodUnit, RuleSet
from hotline.extensions import db


class NoRuleSet(DomainError):
    def __init__(self, on: date):
        message = _("No deadline rule set is in force on %(date)s.", date=on.isoformat())
        super().__init__(message, {"received_on": [message]})


@dataclass
class Deadline:
    kind: str
    due_on: date | None
    met_on: date | None
    rule: str
    label: str
    base_on: date
    #: Adjustments applied, for display: ["+12 days suspended", "+1 month extension", "moved from 2015-10-03"],
    #: in the language of the request (or app context) that computed them.
    notes: list[str] = field(default_factory=list)
    paused: bool = False
    #: A target, not a legal limit (the 7-working-day publication goal).
    is_target: bool = False
    #: Why there is no due date (e.g. the calendar of the year it falls in is not loaded).
    error: str | None = None
    #: The calendar year that must be loaded before ``due_on`` can be computed.
    missing_year: int | None = None

    def overdue(self, today: date) -> bool:
        if self.due_on is None or self.paused:
            return False
        return (self.met_on or today) > self.due_on

    def as_dict(self, today: date) -> dict:
        return {"kind": self.kind, "due_on": self.due_on.isoformat() if self.due_on else None,
                "met_on": self.met_on.isoformat() if self.met_on else None, "overdue": self.overdue(today),
                "rule": self.rule, "label": self.label, "notes": self.notes, "paused": self.paused,
                "target": self.is_target, "error": self.error}


@dataclass(frozen=True)
class RuleSetInfo:
    code: str
    name: str
    effective_from: date


@dataclass(frozen=True)
class RuleInfo:
    rule_set_code: str
    rule_set_name: str
    kind: str
    applies_to: str
    source_group: str
    amount: int
    unit: str
    from_event: str
    extension_amount: int | None
    extension_unit: str | None
    label: str
    article: str


_SNAPSHOT: dict[str, tuple[float, list[RuleSetInfo], list[RuleInfo]]] = {}
_SNAPSHOT_TTL_SECONDS = 60.0


def invalidate_rules_cache() -> None:
    _SNAPSHOT.clear()


def _snapshot() -> tuple[list[RuleSetInfo], list[RuleInfo]]:
    """All rule sets and rules (a few dozen rows), cached per process for a minute."""
    hit = _SNAPSHOT.get("rules")
    if hit and time.monotonic() - hit[0] < _SNAPSHOT_TTL_SECONDS:
        return hit[1], hit[2]
    sets = db.session.scalars(select(RuleSet).order_by(RuleSet.effective_from)).all()
    names = {s.code: s.name for s in sets}
    set_infos = [RuleSetInfo(s.code, s.name, s.effective_from) for s in sets]
    rule_infos = [
        RuleInfo(r.rule_set_code, names[r.rule_set_code], r.kind, r.applies_to, r.source_group, r.amount, r.unit,
                 r.from_event, r.extension_amount, r.extension_unit, r.label, r.article)
        for r in db.session.scalars(select(DeadlineRule).order_by(DeadlineRule.id))
    ]
    _SNAPSHOT["rules"] = (time.monotonic(), set_infos, rule_infos)
    return set_infos, rule_infos


def rule_set_for(on: date) -> RuleSetInfo:
    """The rule set in force on ``on`` (the latest whose effective date is not after it)."""
    candidates = [s for s in _snapshot()[0] if s.effective_from <= on]
    if not candidates:
        raise NoRuleSet(on)
    return candidates[-1]


def find_rule(rule_set_code: str, kind: str, applies_to: str, source_group: str = "any") -> RuleInfo | None:
    """The rule of that kind; a rule for the specific source group wins over the ``any`` rule."""
    matches = [r for r in _snapshot()[1] if r.rule_set_code == rule_set_code and r.kind == kind
               and r.applies_to == applies_to and r.source_group in (source_group, "any")]
    matches.sort(key=lambda r: r.source_group == "any")
    return matches[0] if matches else None


def _describe(rule: RuleInfo) -> str:
    # The article names its source (the 办法 of that year, or the disclosure rules); the rule set says which
    # version of the rules the case falls under.
    return f"{rule.article}（规则集 {rule.rule_set_code}）"


def apply_period(cal: WorkCalendar, base: date, amount: int, unit: str) -> date:
    """End of a period without the non-working-day roll (working-day periods end on a working day anyway)."""
    if unit == PeriodUnit.working_days:
        return cal.add_working_days(base, amount)
    if unit == PeriodUnit.months:
        return add_months(base, amount)
    return base + timedelta(days=amount)


def compute(cal: WorkCalendar, rule: RuleInfo, base: date, *, met_on: date | None = None,
            suspended_days: int = 0, paused: bool = False, extension_months: int = 0,
            extension_days: int = 0) -> Deadline:
    """Due date of ``rule`` counted from ``base``, with suspensions and (capped) extensions."""
    notes: list[str] = []
    raw = apply_period(cal, base, rule.amount, rule.unit)
    # The extension lengthens the period; the days suspended then move the (extended) deadline by exactly
    # that many days. The other order would let a month extension re-clamp the shifted date (12-01 + 1 month
    # is 01-01, but 11-30 + 1 month + 1 day is 12-31).
    if extension_months:
        raw = add_months(raw, extension_months)
        notes.append(_("+%(months)d month extension", months=extension_months))
    if extension_days:
        raw += timedelta(days=extension_days)
        notes.append(_("+%(days)d days extension", days=extension_days))
    if suspended_days:
        raw += timedelta(days=suspended_days)
        notes.append(_("+%(days)d days suspended", days=suspended_days))
    due = raw
    if rule.unit != PeriodUnit.working_days or suspended_days or extension_months or extension_days:
        due = cal.roll_forward(raw)
        if due != raw:
            notes.append(_("moved from %(date)s (non-working day)", date=raw.isoformat()))
    return Deadline(kind=rule.kind, due_on=due, met_on=met_on, rule=_describe(rule), label=rule.label,
                    base_on=base, notes=notes, paused=paused, is_target=rule.kind.endswith("_target"))


def capped_extension(rule: RuleInfo, months: int, days: int) -> tuple[int, int]:
    """Clamp requested extension totals to the rule's maximum."""
    if rule.extension_amount is None:
        return 0, 0
    if rule.extension_unit == PeriodUnit.months:
        return min(months, rule.extension_amount), 0
    return 0, min(days, rule.extension_amount)


def case_deadlines(case, cal: WorkCalendar | None = None, *, today: date | None = None) -> list[Deadline]:
    """Every deadline of ``case`` under its rule set: file, close, publish (+ the 7-day target), counted in the
    working days of the case's region (its own holidays included)."""
    cal = (cal or WorkCalendar()).for_region(case.region_code)
    today = today or local_today()
    deadlines: list[Deadline] = []

    def add(rule: RuleInfo, base: date, **kwargs) -> None:
        # One deadline in a year without calendar data must not hide the others.
        try:
            deadlines.append(compute(cal, rule, base, **kwargs))
        except CalendarMissing as exc:
            deadlines.append(Deadline(kind=rule.kind, due_on=None, met_on=kwargs.get("met_on"), rule=_describe(rule),
                                      label=rule.label, base_on=base, paused=kwargs.get("paused", False),
                                      is_target=rule.kind.endswith("_target"), error=exc.message,
                                      missing_year=exc.year))

    group = "discovered" if case.source in DISCOVERED_SOURCES else "reported"
    file_rule = find_rule(case.rule_set_code, "file", case.case_type, group)
    if file_rule is not None:
        add(file_rule, case.received_on, met_on=case.filed_on or case.rejected_on)
    if case.filed_on:
        close_rule = find_rule(case.rule_set_code, "close", case.case_type)
        if close_rule is not None:
            done = [s for s in case.suspensions if s.resumed_on]
            ongoing = next((s for s in case.suspensions if not s.resumed_on), None)
            months = sum(e.months for e in case.extensions)
            days = sum(e.days for e in case.extensions)
            months, days = capped_extension(close_rule, months, days)
            suspended = sum(s.days for s in done)
            if ongoing is not None:
                # While suspended the clock is held: show the deadline as if resumed today.
                suspended += max((today - ongoing.suspended_on).days, 0)
            add(close_rule, case.filed_on, met_on=case.closed_on, suspended_days=suspended,
                paused=ongoing is not None, extension_months=months, extension_days=days)
    if case.case_type == "counterfeit" and case.outcome == "penalized" and case.closed_on:
        for kind in ("publish", "publish_target"):
            rule = find_rule(case.rule_set_code, kind, "counterfeit")
            if rule is not None:
                add(rule, case.closed_on, met_on=case.published_on)
    return deadlines


def call_accept_deadline(received_on: date, cal: WorkCalendar | None = None) -> tuple[date, RuleInfo] | None:
    """The hotline's 5-working-day acceptance/transfer deadline for a call received on ``received_on``."""
    rule_set = rule_set_for(received_on)
    rule = find_rule(rule_set.code, "accept", "call")
    if rule is None:
        return None
    return apply_period(cal or WorkCalendar(), received_on, rule.amount, rule.unit), rule


def transfer_deadlines(transfer, cal: WorkCalendar | None = None) -> list[Deadline]:
    """The transfer's clock: sign (签收), answer (反馈, the longer limit when flagged complex) and call back (回访),
    counted in the working days of the receiving region (the hotline's for another agency). A deadline whose year
    has no calendar data comes with ``due_on`` None and the error; a transfer before the first rule set has none."""
    from hotline.core.clock import local_date

    if transfer.answered_on is None and transfer.status in ("answered", "called_back", "closed"):
        # Migrated from before the transfer cycle: nobody signed or answered in the system, so there is no clock.
        return []
    cal = (cal or WorkCalendar()).for_region(transfer.region_code)
    code = transfer.rule_set_code
    if code is None:
        try:
            code = rule_set_for(transfer.sent_on).code
        except NoRuleSet:
            return []
    deadlines: list[Deadline] = []

    def add(rule: RuleInfo | None, base: date, met_on: date | None) -> None:
        if rule is None:
            return
        try:
            deadlines.append(compute(cal, rule, base, met_on=met_on))
        except CalendarMissing as exc:
            deadlines.append(Deadline(kind=rule.kind, due_on=None, met_on=met_on, rule=_describe(rule),
                                      label=rule.label, base_on=base, error=exc.message, missing_year=exc.year))

    start = transfer.clock_started_on
    returned_on = local_date(transfer.returned_at) if transfer.returned_at else None
    add(find_rule(code, "sign", "transfer"), start, transfer.signed_on or returned_on or transfer.answered_on)
    if returned_on is None:
        group = "complex" if transfer.complex else "ordinary"
        add(find_rule(code, "answer", "transfer", group), start, transfer.answered_on)
    if transfer.answered_on is not None:
        met = transfer.called_back_on if transfer.reached else None
        add(find_rule(code, "callback", "transfer"), transfer.answered_on, met)
    return deadlines
