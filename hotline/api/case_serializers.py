"""Cases → JSON-ready dicts: dates ``YYYY-MM-DD``, times in Beijing time with offset, money as decimal strings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import url_for

from hotline.api.serializers import iso
from hotline.calls.queries import may_read_call
from hotline.cases import queries
from hotline.cases.models import Attachment, Case, CaseEvent
from hotline.core.clock import local_today
from hotline.reference.queries import authority_name

_CENTS = Decimal("0.01")


def money(value: Decimal | None) -> str | None:
    """``Decimal("12500")`` → ``"12500.00"``: exact, two decimals, never a float."""
    return None if value is None else str(Decimal(value).quantize(_CENTS))


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def case_json(case: Case, today: date | None = None, *, call_readable: bool) -> dict:
    """The case's own fields (list items and the start of the detail). ``call_readable``: whether the reader may
    read the call the case was opened from; when not, ``call_id`` is null (the source still says hotline_call)."""
    today = today or local_today()
    return {
        "id": case.id,
        "case_number": case.case_number,
        "version": case.version,
        "case_type": case.case_type,
        "source": case.source,
        "region_code": case.region_code,
        "status": case.status,
        "call_id": case.call_id if call_readable else None,
        "received_on": day(case.received_on),
        "rule_set_code": case.rule_set_code,
        "requester_name": case.requester_name,
        "respondent_name": case.respondent_name,
        "respondent_kind": case.respondent_kind,
        "respondent_legal_rep": case.respondent_legal_rep,
        "patent_number": case.patent_number,
        "patent_type": case.patent_type,
        "summary": case.summary,
        "amount_involved": money(case.amount_involved),
        "fine_amount": money(case.fine_amount),
        "confiscated_amount": money(case.confiscated_amount),
        "is_major": case.is_major,
        "is_exhibition": case.is_exhibition,
        "exhibition_id": case.exhibition_id,
        "is_ecommerce": case.is_ecommerce,
        "foreign_related": case.foreign_related,
        "filed_on": day(case.filed_on),
        "rejected_on": day(case.rejected_on),
        "reject_reason": case.reject_reason,
        "suspended_on": day(case.suspended_on),
        "closed_on": day(case.closed_on),
        "outcome": case.outcome,
        "judicial_confirmation": case.judicial_confirmation,
        "transferred_judicial": case.transferred_judicial,
        "close_approved_by_id": case.close_approved_by_id,
        "violation_facts": case.violation_facts,
        "penalty_basis": case.penalty_basis,
        "penalty_terms": case.penalty_terms,
        "published_on": day(case.published_on),
        "publication_url": case.publication_url,
        "publish_approved_by_id": case.publish_approved_by_id,
        "publication_withdrawn_on": day(case.publication_withdrawn_on),
        "publication_withdrawal_reason": case.publication_withdrawal_reason,
        "withdrawal_approved_by_id": case.withdrawal_approved_by_id,
        "authority_name": authority_name(case.region_code),
        "file_due_on": day(case.file_due_on),
        "close_due_on": day(case.close_due_on),
        "publish_due_on": day(case.publish_due_on),
        "next_due_on": day(case.next_due_on),
        "overdue": bool(case.next_due_on and case.next_due_on < today),
        "officers": [{"id": u.id, "display_name": u.display_name} for u in case.officers],
        "created_by_id": case.created_by_id,
        "created_at": iso(case.created_at),
        "updated_at": iso(case.updated_at),
    }


def event_json(event: CaseEvent) -> dict:
    return {"id": event.id, "kind": event.kind, "occurred_on": day(event.occurred_on), "note": event.note,
            "author_id": event.author_id, "author_name": event.author.display_name if event.author else None,
            "created_at": iso(event.created_at)}


def attachment_json(attachment: Attachment) -> dict:
    return {
        "id": attachment.id,
        "original_name": attachment.original_name,
        "size": attachment.size,
        "content_type": attachment.content_type,
        "sha256": attachment.sha256,
        "description": attachment.description,
        "uploaded_by_id": attachment.uploaded_by_id,
        "uploaded_at": iso(attachment.uploaded_at),
        "url": url_for("api.download_attachment", case_id=attachment.case_id, attachment_id=attachment.id),
    }


def case_detail_json(case: Case, user) -> dict:
    """The case with its deadlines (each naming its rule), timeline, suspensions, extensions and evidence, as
    ``user`` may see it: the linked call only when ``user`` may read that call."""
    today = local_today()
    deadlines, deadlines_error = queries.deadlines_of(case)
    call = case.call if may_read_call(user, case.call) else None
    return {
        **case_json(case, today, call_readable=call is not None),
        "deadlines": [d.as_dict(today) for d in deadlines],
        "deadlines_error": deadlines_error,
        "events": [event_json(e) for e in queries.case_events(case)],
        "suspensions": [{"id": s.id, "suspended_on": day(s.suspended_on), "resumed_on": day(s.resumed_on),
                         "reason": s.reason, "days": s.days} for s in case.suspensions],
        "extensions": [{"id": e.id, "months": e.months, "days": e.days, "approved_by_id": e.approved_by_id,
                        "approved_by_name": e.approved_by.display_name if e.approved_by else None,
                        "approved_on": day(e.approved_on), "reason": e.reason} for e in case.extensions],
        "attachments": [attachment_json(a) for a in case.attachments],
        "call": {"id": call.id, "ref": call.ref, "status": call.status} if call is not None else None,
        "joint_region_codes": queries.joint_region_codes(case),
        "campaign_ids": [c.id for c in case.campaigns],
    }
