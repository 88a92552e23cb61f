"""Domain errors as API responses: 422 with field errors, 409 for state and version conflicts."""

from __future__ import annotations

from flask import g, jsonify
from sqlalchemy.orm.exc import StaleDataError

from hotline.api import bp, logger
from hotline.api.serializers import call_json
from hotline.calls.models import Call
from hotline.core.errors import DomainError, NotAllowed, StaleVersion, StateError
from hotline.core.i18n import gettext as _
from hotline.extensions import db


def _current_call_json(record) -> dict | None:
    """The record (a call or a case) as it is now, read after the rollback (masked for the requesting user)."""
    user = g.get("api_user")
    if record is None or user is None:
        return None
    db.session.refresh(record)
    if isinstance(record, Call):
        return call_json(record, user)
    from hotline.api.case_serializers import case_detail_json

    return case_detail_json(record, user)


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError):
    db.session.rollback()
    if isinstance(exc, StaleVersion):
        return jsonify({"error": "Conflict", "message": exc.message,
                        "current": _current_call_json(exc.current)}), 409
    if isinstance(exc, StateError):
        return jsonify({"error": "Conflict", "message": exc.message}), 409
    if isinstance(exc, NotAllowed):
        return jsonify({"error": "Forbidden", "message": exc.message}), 403
    return jsonify({"error": "Unprocessable Entity", "message": exc.message, "errors": exc.errors}), exc.status_code


@bp.errorhandler(StaleDataError)
def concurrent_update(exc: StaleDataError):
    """Two requests passed the version check at once; the database kept the first one."""
    db.session.rollback()
    logger.info("concurrent update refused: %s", type(exc).__name__)
    call_id = g.get("api_call_id")
    call = db.session.get(Call, call_id) if call_id else None
    return jsonify({"error": "Conflict", "message": _("This call was changed by someone else at the same time."),
                    "current": _current_call_json(call)}), 409
