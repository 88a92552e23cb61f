"""Read side of transfers: scoped loading, the list, and the rows transfers put in inboxes and due lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import aliased, selectinload

from hotline.calls.models import Call, CallStatus
from hotline.core.i18n import gettext as _
from hotline.core.permissions import Role, region_clause
from hotline.deadlines.calendar import WorkCalendar
from hotline.extensions import db
from hotline.inbox.items import InboxItem, working_days_left
from hotline.transfers.models import LIVE_SQL, Transfer, TransferStatus
from hotline.transfers.operations import HOTLINE_ROLES, RECEIVING_ROLES, sees_transfer

MAX_ID = 2**63 - 1
MAX_PAGE_SIZE = 200

#: Which deadline is running in each status (None: nothing is due from anyone).
RUNNING = {
    TransferStatus.pending.value: "sign",
    TransferStatus.reopened.value: "sign",
    TransferStatus.signed.value: "answer",
    TransferStatus.answered.value: "callback",
    TransferStatus.called_back.value: "callback",
}
#: The deadline names the due lists filter on (hotline.inbox.due.DEADLINE_FILTERS uses the same messages).
DEADLINE_LABELS = {"sign": _l("Signing"), "answer": _l("Answer"), "callback": _l("Call-back")}


def visible(user):
    """SQL condition: transfers the user sees (sent from or to a region they see)."""
    return or_(region_clause(Transfer.from_region_code, user),
               and_(Transfer.to_region_code.is_not(None), region_clause(Transfer.to_region_code, user)))


def preload_transfers(calls: list[Call]) -> None:
    """Load the transfers of a page of calls in one query (the API shows each call's current transfer)."""
    from collections import defaultdict

    from sqlalchemy.orm.attributes import set_committed_value

    ids = [c.id for c in calls if c.transfer_status is not None]
    if not ids:
        return
    by_call: dict[int, list[Transfer]] = defaultdict(list)
    for transfer in db.session.scalars(select(Transfer).where(Transfer.call_id.in_(ids)).order_by(Transfer.id)):
        by_call[transfer.call_id].append(transfer)
    for call in calls:
        if call.transfer_status is not None:
            set_committed_value(call, "transfers", by_call[call.id])


def get_transfer_or_404(transfer_id: int, user) -> Transfer:
    """A transfer the user may see; 404 when missing or in other regions (never say which)."""
    if not 0 < transfer_id <= MAX_ID:
        abort(404)
    transfer = db.session.get(Transfer, transfer_id)
    if transfer is None or not sees_transfer(user, transfer):
        abort(404)
    return transfer


@dataclass
class TransferFilters:
    status: str | None = None
    region_code: str | None = None
    overdue: bool | None = None
    call_id: int | None = None
    #: Only those sent from or to the user's own office (not every region they see).
    mine: bool = False


def _latest():
    """SQL condition: the transfer is its call's latest (a returned one sent elsewhere is history)."""
    # A correlated subquery, not NOT EXISTS: PostgreSQL runs it only for the rows the cheap conditions leave (an
    # anti-join hashed the whole table, every migrated transfer included, for each inbox).
    newer = aliased(Transfer)
    return Transfer.id == select(func.max(newer.id)).where(newer.call_id == Transfer.call_id).correlate(
        Transfer).scalar_subquery()


def _live():
    """SQL condition: not a transfer migrated from before the cycle (answered without anyone answering in the system,
    no clock). Literal SQL, the predicate of the partial indexes ix_transfers_*_live, so PostgreSQL uses them."""
    return text(f"({LIVE_SQL})")


def _overdue_clause(today: date):
    return or_(
        and_(Transfer.status.in_([TransferStatus.pending.value, TransferStatus.reopened.value]),
             Transfer.sign_due_on < today),
        and_(Transfer.status == TransferStatus.signed.value, Transfer.answer_due_on < today),
        and_(Transfer.status == TransferStatus.answered.value, Transfer.callback_due_on < today),
        and_(Transfer.status == TransferStatus.called_back.value, Transfer.reached.is_not(True),
             Transfer.callback_due_on < today),
    )


def list_transfers(user, filters: TransferFilters, *, today: date, cursor: int | None = None,
                   page_size: int = 50, max_page_size: int = MAX_PAGE_SIZE) -> tuple[list[Transfer], int | None]:
    """Newest first, in the user's regions; ``cursor`` is the last id of the previous page. ``max_page_size``:
    larger batches for the XLSX export."""
    page_size = max(1, min(page_size, max_page_size))
    stmt = select(Transfer).where(visible(user)).options(selectinload(Transfer.call))
    if filters.status:
        stmt = stmt.where(Transfer.status == filters.status)
    if filters.region_code:
        stmt = stmt.where(Transfer.to_region_code == filters.region_code)
    if filters.call_id:
        stmt = stmt.where(Transfer.call_id == filters.call_id)
    if filters.mine:
        stmt = stmt.where(or_(Transfer.to_region_code == user.region_code,
                              Transfer.from_region_code == user.region_code))
    if filters.overdue is not None:
        clause = _overdue_clause(today)
        stmt = stmt.where(clause if filters.overdue else ~clause)
    if cursor is not None:
        stmt = stmt.where(Transfer.id < cursor)
    rows = list(db.session.scalars(stmt.order_by(Transfer.id.desc()).limit(page_size + 1)))
    next_cursor = rows[page_size - 1].id if len(rows) > page_size else None
    return rows[:page_size], next_cursor


def running_deadline(transfer: Transfer, cal: WorkCalendar | None = None) -> tuple[str | None, date | None,
                                                                                     int | None]:
    """``(kind, due_on, missing calendar year)`` of the deadline that is running now."""
    kind = RUNNING.get(transfer.status)
    if kind is None or (transfer.status == TransferStatus.called_back and transfer.reached):
        return None, None, None
    due = {"sign": transfer.sign_due_on, "answer": transfer.answer_due_on,
           "callback": transfer.callback_due_on}[kind]
    if due is not None:
        return kind, due, None
    from hotline.deadlines.engine import transfer_deadlines

    for deadline in transfer_deadlines(transfer, cal):
        if deadline.kind == kind:
            return kind, deadline.due_on, deadline.missing_year
    return kind, None, None


def is_overdue(transfer: Transfer, today: date) -> bool:
    kind, due, _year = running_deadline(transfer)
    return kind is not None and due is not None and due < today


_TITLES = {
    "transfer_sign": lambda ref: _("Transfer %(ref)s: sign or return", ref=ref),
    "transfer_answer": lambda ref: _("Transfer %(ref)s: answer", ref=ref),
    "callback": lambda ref: _("Transfer %(ref)s: call the caller back", ref=ref),
    "transfer_returned": lambda ref: _("Transfer %(ref)s was returned", ref=ref),
}


def _item(transfer: Transfer, kind: str, today: date, cal: WorkCalendar) -> InboxItem:
    from hotline.transfers import bp

    region_cal = cal.for_region(transfer.region_code)
    deadline, due, missing = running_deadline(transfer, region_cal)
    if kind == "transfer_returned":
        deadline, due, missing = None, None, None
    left, overdue, missing_left = working_days_left(region_cal, today, due)
    return InboxItem(kind=kind, title=_TITLES[kind](transfer.call.ref),
                     deadline=str(DEADLINE_LABELS.get(deadline, "退回")) if kind != "transfer_returned" else "退回",
                     url=f"{bp.url_prefix}/{transfer.id}", due_on=due,  # no request in the workers' reminders
                     working_days_left=left, overdue=overdue, missing_year=missing or missing_left,
                     call_id=transfer.call_id, case_id=transfer.case_id, transfer_id=transfer.id)


def _kind_for(transfer: Transfer, user) -> str | None:
    """The inbox kind this transfer is for ``user``'s office, or None."""
    status = transfer.status
    receiving = transfer.to_region_code == user.region_code and user.role in RECEIVING_ROLES
    # For an agency the hotline signs and enters its answer.
    hotline = transfer.from_region_code == user.region_code and user.role in HOTLINE_ROLES
    agency_desk = transfer.to_region_code is None and hotline
    if status in (TransferStatus.pending, TransferStatus.reopened):
        if receiving:
            return "transfer_sign"
        if agency_desk:
            return "transfer_answer"
    if status == TransferStatus.signed and (receiving or agency_desk):
        return "transfer_answer"
    if hotline and (status == TransferStatus.answered
                    or (status == TransferStatus.called_back and not transfer.reached)):
        return "callback"
    if hotline and status == TransferStatus.returned:
        return "transfer_returned"
    return None


def inbox_items(user, today: date, cal: WorkCalendar) -> list[InboxItem]:
    """What waits for the user's office: signing and answering transfers to it (officers, supervisors); calling
    callers back, answers of agencies and returned transfers (the hotline: operators, supervisors)."""
    if user.role not in (Role.operator, Role.officer, Role.supervisor):
        return []
    mine = or_(Transfer.to_region_code == user.region_code, Transfer.from_region_code == user.region_code)
    waiting = [TransferStatus.pending.value, TransferStatus.reopened.value, TransferStatus.signed.value,
               TransferStatus.answered.value, TransferStatus.called_back.value, TransferStatus.returned.value]
    stmt = (select(Transfer).join(Call, Call.id == Transfer.call_id)
            .where(mine, Transfer.status.in_(waiting), _latest(), _live(),
                   Call.status != CallStatus.closed.value)
            .options(selectinload(Transfer.call)).order_by(Transfer.id))
    items = []
    for transfer in db.session.scalars(stmt):
        kind = _kind_for(transfer, user)
        if kind is not None:
            items.append(_item(transfer, kind, today, cal))
    return sorted(items, key=InboxItem.sort_key)


_DUE_KINDS = {"sign": "transfer_sign", "answer": "transfer_answer", "callback": "callback"}


def due_items(user, today: date, cal: WorkCalendar, until: date | None = None, *,
              mine: bool = False) -> list[InboxItem]:
    """Pending 签收 / 反馈 / 回访 deadlines of the transfers in the user's regions, due by ``until`` (None: every
    pending one, overdue and due). Deadlines the calendar cannot compute yet are listed with the missing year.
    ``mine``: the transfers the user sent or signed for."""
    running = [TransferStatus.pending.value, TransferStatus.reopened.value, TransferStatus.signed.value,
               TransferStatus.answered.value, TransferStatus.called_back.value]
    stmt = (select(Transfer).join(Call, Call.id == Transfer.call_id)
            .where(visible(user), Transfer.status.in_(running), _live(), Call.status != CallStatus.closed.value)
            .options(selectinload(Transfer.call)).order_by(Transfer.id))
    if mine:
        stmt = stmt.where(or_(Transfer.created_by_id == user.id, Transfer.signed_by_id == user.id))
    items = []
    for transfer in db.session.scalars(stmt):
        kind, due, _missing = running_deadline(transfer, cal.for_region(transfer.region_code))
        if kind is None or (until is not None and due is not None and due > until):
            continue
        items.append(_item(transfer, _DUE_KINDS[kind], today, cal))
    return sorted(items, key=InboxItem.sort_key)


#: The deadlines of a transfer the daily sweep records when they pass unmet (OverdueRecord.kind).
OVERDUE_KINDS = {"sign": "transfer_sign", "answer": "transfer_answer", "callback": "transfer_callback"}


def overdue_rows(today: date) -> list[dict]:
    """Rows for ``OverdueRecord``: each transfer deadline still pending and already past on ``today`` (sign while
    pending or reopened; answer until answered; call back until the caller was reached)."""
    waiting_sign = Transfer.status.in_([TransferStatus.pending.value, TransferStatus.reopened.value])
    waiting_answer = Transfer.status.in_([TransferStatus.pending.value, TransferStatus.reopened.value,
                                          TransferStatus.signed.value])
    waiting_callback = or_(Transfer.status == TransferStatus.answered.value,
                           and_(Transfer.status == TransferStatus.called_back.value, Transfer.reached.is_not(True)))
    region = func.coalesce(Transfer.to_region_code, Transfer.from_region_code)
    rows = []
    for kind, column, waiting in (("sign", Transfer.sign_due_on, waiting_sign),
                                  ("answer", Transfer.answer_due_on, waiting_answer),
                                  ("callback", Transfer.callback_due_on, waiting_callback)):
        stmt = select(Transfer.id, column, region).where(waiting, column < today, _latest())
        for transfer_id, due_on, region_code in db.session.execute(stmt):
            rows.append({"object_type": "transfer", "object_id": transfer_id, "kind": OVERDUE_KINDS[kind],
                         "due_on": due_on, "region_code": region_code, "detected_on": today})
    return rows
