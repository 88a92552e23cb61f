"""Transfers → JSON-ready dicts (api.md "Transfers (转办)"), with the deadlines and the rule behind each."""

from __future__ import annotations

from datetime import date

from hotline.core.clock import local_today
from hotline.deadlines.engine import transfer_deadlines
from hotline.transfers.models import Transfer
from hotline.transfers.queries import is_overdue


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def transfer_json(transfer: Transfer, today: date | None = None) -> dict:
    from hotline.api.serializers import iso

    today = today or local_today()
    return {
        "id": transfer.id,
        "version": transfer.version,
        "call_id": transfer.call_id,
        "call_ref": transfer.call.ref,
        "from_region_code": transfer.from_region_code,
        "to_region_code": transfer.to_region_code,
        "to_agency": transfer.to_agency,
        "status": transfer.status,
        "note": transfer.note,
        "sent_on": _day(transfer.sent_on),
        "sign_due_on": _day(transfer.sign_due_on),
        "answer_due_on": _day(transfer.answer_due_on),
        "callback_due_on": _day(transfer.callback_due_on),
        "complex": transfer.complex,
        "outcome": transfer.outcome,
        "result": transfer.result,
        "case_id": transfer.case_id,
        "satisfaction": transfer.satisfaction,
        "reached": transfer.reached,
        "callback_note": transfer.callback_note,
        "return_reason": transfer.return_reason,
        "reopen_reason": transfer.reopen_reason,
        "reopen_count": transfer.reopen_count,
        "signed_by_id": transfer.signed_by_id,
        "signed_at": iso(transfer.signed_at),
        "answered_by_id": transfer.answered_by_id,
        "answered_at": iso(transfer.answered_at),
        "called_back_by_id": transfer.called_back_by_id,
        "called_back_at": iso(transfer.called_back_at),
        "returned_at": iso(transfer.returned_at),
        "reopened_at": iso(transfer.reopened_at),
        "closed_at": iso(transfer.closed_at),
        "overdue": is_overdue(transfer, today),
        "deadlines": [d.as_dict(today) for d in transfer_deadlines(transfer)],
        "created_at": iso(transfer.created_at),
        "updated_at": iso(transfer.updated_at),
    }
