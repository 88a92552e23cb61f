"""The agent's ringing calls, polled by the intake page (hotline/static/js/intake.js)."""

from __future__ import annotations

from flask import current_app, g, jsonify, url_for
from flask_login import current_user

from hotline.calls.phones import PhoneError, display_number, parse_phone
from hotline.core.permissions import CALL_WRITE_ROLES, PII_ROLES, mask_phone, role_required
from hotline.cti import bp
from hotline.cti.queries import ringing_for
from hotline.templating import format_local


@bp.before_request
def _no_store():
    g.no_store = True


def _phone_view(raw: str | None, *, full: bool) -> dict:
    """How the ringing number shows: as the calls show it to this role; unparseable text as the switch sent it."""
    if not raw:
        return {"display": None, "valid": False}
    try:
        phone = parse_phone(raw, current_app.config["DEFAULT_AREA_CODE"])
    except PhoneError:
        phone = None
    if phone is None:
        return {"display": raw if full else mask_phone(raw), "valid": False}
    return {"display": display_number(phone.key) if full else mask_phone(phone.key), "valid": True}


@bp.route("/ringing")
@role_required(*CALL_WRITE_ROLES)
def ringing():
    """JSON: the switch calls ringing (or answered, not yet logged) for the logged-in agent only, newest first.

    ``caller_phone`` is the number as the switch sent it: the page puts it into the form when the agent picks up
    (the agent is the one on the line), and asks the side panel's look-up (``lookup_url``) for its earlier calls.
    """
    full = current_user.role in PII_ROLES
    items = []
    for item in ringing_for(current_user):
        phone = item["caller_phone"]
        items.append({
            "cti_call_id": item["cti_call_id"], "state": item["state"], "caller_phone": phone,
            "phone": _phone_view(phone, full=full), "rang_at": format_local(item["rang_at"]),
            "lookup_url": url_for("calls.lookup", phone=phone) if phone else None,
        })
    return jsonify({"items": items})
