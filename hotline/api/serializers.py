"""Records → JSON-ready dicts: Beijing-time ISO 8601, E.164 numbers, personal data masked per role."""

from __future__ import annotations

from datetime import datetime

from hotline.calls.models import Call
from hotline.calls.phones import display_number
from hotline.calls.queries import DuplicateHint
from hotline.core.clock import local_tz
from hotline.core.permissions import PII_ROLES, mask_name, mask_phone


def iso(value: datetime | None) -> str | None:
    """``2015-05-28T09:15:00+08:00``: the stored UTC instant shown in the office's time zone."""
    return value.astimezone(local_tz()).isoformat() if value else None


def sees_pii(user) -> bool:
    return user.role in PII_ROLES


def phone_for(user, key: str | None) -> str | None:
    """The caller's number as ``user`` may see it: the key itself, or the masked readable form."""
    if key is None:
        return None
    return key if sees_pii(user) else mask_phone(display_number(key))


def caller_fields(call: Call, user, *, reveal: bool = False) -> dict:
    key = call.caller.phone_key if call.caller else None
    if reveal or sees_pii(user):
        return {"caller_name": call.caller_name, "caller_phone": key, "caller_phone_raw": call.caller_phone_raw}
    masked_phone = mask_phone(display_number(key)) if key else None
    return {
        "caller_name": mask_name(call.caller_name),
        "caller_phone": masked_phone,
        # The raw text may spell the number in any layout, so it is masked from the normalized number.
        "caller_phone_raw": (masked_phone or mask_phone(call.caller_phone_raw)) if call.caller_phone_raw else None,
    }


def call_json(call: Call, user) -> dict:
    return {
        "id": call.id,
        "ref": call.ref,
        "version": call.version,
        "status": call.status,
        "received_at": iso(call.received_at),
        "channel": call.channel,
        "request_type": call.request_type,
        "ip_type": call.ip_type,
        "region_code": call.region_code,
        **caller_fields(call, user),
        "anonymous": call.is_anonymous,
        "accused_party": call.accused_party,
        "patent_number": call.patent_number,
        "product": call.product,
        "place": call.place,
        "summary": call.summary,
        "description": call.description,
        "duration_seconds": call.duration_seconds,
        "exhibition_name": call.exhibition_name,
        "exhibition_id": call.exhibition_id,
        "operator_id": call.operator_id,
        "duplicate_of_id": call.duplicate_of_id,
        "transferred_to_region_code": call.transferred_to_region_code,
        "transferred_to_agency": call.transferred_to_agency,
        "transferred_at": iso(call.transferred_at),
        "transfer_note": call.transfer_note,
        "not_accepted_reason": call.not_accepted_reason,
        "feedback_at": iso(call.feedback_at),
        "feedback_method": call.feedback_method,
        "feedback_note": call.feedback_note,
        "closed_at": iso(call.closed_at),
        "decided_at": iso(call.decided_at),
        "answer_text": call.answer_text,
        "answer_id": call.answer_id,
        "answer_version": call.answer_version,
        "cti_call_id": call.cti_call_id,
        "accept_due_on": call.accept_due_on.isoformat() if call.accept_due_on else None,
        "transfer_status": call.transfer_status,
        "transfer": _current_transfer_json(call),
        "created_at": iso(call.created_at),
        "updated_at": iso(call.updated_at),
    }


def _current_transfer_json(call: Call) -> dict | None:
    if call.transfer_status is None:  # never transferred: no query for the transfers
        return None
    from hotline.api.transfer_serializers import transfer_json
    from hotline.transfers.operations import current_transfer

    transfer = current_transfer(call)
    return transfer_json(transfer) if transfer is not None else None


def call_summary_json(call: Call) -> dict:
    return {
        "id": call.id,
        "ref": call.ref,
        "received_at": iso(call.received_at),
        "status": call.status,
        "channel": call.channel,
        "request_type": call.request_type,
        "ip_type": call.ip_type,
        "region_code": call.region_code,
        "summary": call.summary,
    }


def duplicate_json(hint: DuplicateHint) -> dict:
    return {"id": hint.call.id, "ref": hint.call.ref, "received_at": iso(hint.call.received_at),
            "reasons": hint.reasons}


def user_json(user, *, with_active: bool = False) -> dict:
    data = {"id": user.id, "username": user.username, "display_name": user.display_name, "role": user.role,
            "region_code": user.region_code}
    if with_active:
        data["active"] = user.is_active
    return data
