"""One row of a person's to-do list, as every domain's ``inbox_items(user, today, cal)`` query returns it.

Domains build rows from their own records; ``hotline.inbox.queries`` merges them, most urgent first. A row names
its deadline and how many working days are left (negative: overdue by that many); a deadline that cannot be
computed (the calendar of its year is not loaded) stays listed with ``missing_year`` set.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from hotline.deadlines.calendar import CalendarMissing, WorkCalendar

#: The kinds of api.md ("Second release"), plus ``report`` (a supervised case's progress report due).
KINDS = ("transfer_sign", "transfer_answer", "transfer_returned", "callback", "approval", "assist", "deadline",
         "report")


@dataclass(frozen=True)
class InboxItem:
    kind: str
    #: What it is, for a person: "转办 HL-2026-000123 待签收", "延期申请 湘知执字〔2026〕第12号".
    title: str
    #: Which deadline this row is about, as a short label (立案 / 结案 / 公示 / 签收 / 反馈 / 回访 / 审批 …).
    deadline: str
    #: The page that works the item (a path of this app).
    url: str
    due_on: date | None
    #: Working days from today to ``due_on`` (0: due today; negative: overdue by that many working days).
    working_days_left: int | None
    overdue: bool
    #: The calendar year that must be loaded before ``due_on`` can be computed (None when it was computed).
    missing_year: int | None = None
    call_id: int | None = None
    case_id: int | None = None
    transfer_id: int | None = None
    approval_id: int | None = None
    assist_id: int | None = None

    def sort_key(self) -> tuple:
        """Most urgent first: overdue (longest first), then soonest due, then those without a computable date."""
        if self.due_on is None:
            return (2, 0, date.max, self.kind, self.title)
        return (0 if self.overdue else 1, self.working_days_left or 0, self.due_on, self.kind, self.title)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["due_on"] = self.due_on.isoformat() if self.due_on else None
        return data


def working_days_left(cal: WorkCalendar, today: date, due_on: date | None) -> tuple[int | None, bool, int | None]:
    """``(working days left, overdue, missing calendar year)`` for a deadline ``due_on`` seen on ``today``.

    Due today is 0 left and not overdue; due yesterday (a working day) is -1 and overdue. A year without calendar
    data gives ``(None, overdue by date, year)`` so the row stays listed and says which year is missing.
    """
    if due_on is None:
        return None, False, None
    try:
        if due_on >= today:
            return cal.working_days_between(today, due_on), False, None
        return -max(cal.working_days_between(due_on, today), 1), True, None
    except CalendarMissing as exc:
        return None, due_on < today, exc.year
