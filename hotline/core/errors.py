"""Domain errors and the HTTP error handlers (HTML for pages, JSON for the API)."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from hotline.core.i18n import gettext as _
from hotline.extensions import db

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule said no. ``errors`` maps field names to messages, as forms and the API report them."""

    status_code = 422

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class ValidationFailed(DomainError):
    status_code = 422


class NotAllowed(DomainError):
    """The actor's role may not do this (403)."""

    status_code = 403


class StateError(DomainError):
    """An action not allowed from the record's current status."""

    status_code = 409


class StaleVersion(DomainError):
    """Optimistic locking: the client edited an older version."""

    status_code = 409

    def __init__(self, message: str, current: object | None = None):
        super().__init__(message)
        self.current = current


def wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        db.session.rollback()
        # The exception's own headers (Allow on a 405, as HTTP requires) go with our body; its Content-Type does not.
        headers = [(name, value) for name, value in exc.get_headers() if name.lower() != "content-type"]
        if wants_json():
            response = jsonify({"error": exc.name, "message": exc.description})
            if exc.code == 401:
                response.headers["WWW-Authenticate"] = 'Bearer realm="hotline"'
            return response, exc.code, headers
        known = (400, 403, 404, 405, 409, 413, 429)
        template = f"errors/{exc.code}.html" if exc.code in known else "errors/generic.html"
        return render_template(template, error=exc), exc.code, headers

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(exc: Exception):
        db.session.rollback()
        logger.error("database unavailable: %s", type(exc).__name__)
        # Rendering must not touch the database: Flask-Login's context processor would load the user.
        from flask import g

        from hotline.extensions import login_manager

        g._login_user = login_manager.anonymous_user()
        if wants_json():
            return jsonify({"error": "Service Unavailable",
                            "message": _("The database is unavailable; retry shortly.")}), 503
        return render_template("errors/503.html"), 503

    @app.errorhandler(StaleDataError)
    def concurrent_edit(exc: Exception):
        # Two edits of the same version raced past the version check; the database kept the first.
        db.session.rollback()
        if wants_json():
            return jsonify({"error": "Conflict",
                            "message": _("This record was changed by someone else; reload it and try again.")}), 409
        return render_template("errors/409.html"), 409

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        db.session.rollback()
        logger.exception("unhandled error on %s %s", request.method, request.path)
        if app.config.get("PROPAGATE_EXCEPTIONS"):
            raise exc
        if wants_json():
            return jsonify({"error": "Internal Server Error",
                            "message": _("Unexpected error; it has been logged.")}), 500
        return render_template("errors/generic.html", error=None), 500
