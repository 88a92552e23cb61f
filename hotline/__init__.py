"""hotline: 12330 IP hotline and patent enforcement case management."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Flask, g, has_request_context, request, session
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import CONFIGS, INSTANCE_DIR, ProductionConfig
from hotline.extensions import babel, celery_init_app, csrf, db, login_manager, migrate, sqlite_write_lock_first

__all__ = ["create_app"]

ROOT = Path(__file__).resolve().parent.parent


def _config_class(config_class):
    if config_class is None:
        config_class = os.environ.get("HOTLINE_CONFIG", "development")
    if isinstance(config_class, str):
        config_class = CONFIGS[config_class]
    return config_class


def _instance_secret_key() -> str:
    """Development only: a random key kept in instance/secret_key (0600), made on first start."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: enforce foreign keys, WAL for concurrent readers, wait instead of failing on a busy lock."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    # Let SQLAlchemy emit BEGIN itself so transactions and SAVEPOINTs behave as on PostgreSQL.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    """SQLite: a web request's transactions take the write lock when they begin (``BEGIN IMMEDIATE``).

    With a deferred ``BEGIN``, a transaction that reads and then writes (every form post: the session lookup, then
    the insert) fails at once with "database is locked" when another process or thread committed in between: WAL
    cannot move a reader's snapshot forward, and SQLite does not wait in that case. Taking the lock up front makes
    the embedded mode's concurrent requests (gunicorn workers and threads, tasks run in-process by a request) queue
    for up to the busy timeout instead of failing; a request holds it for milliseconds. Outside requests (a Celery
    worker, the CLI) transactions stay deferred: a worker's long statistics reads must not lock the web out.
    The embedded scheduler's jobs (hotline/core/scheduler.py) take it up front too (``sqlite_write_lock_first``):
    they run in the web processes, beside their requests. PostgreSQL, the production database, is unaffected.
    """
    if conn.dialect.name == "sqlite":
        immediate = has_request_context() or sqlite_write_lock_first.get()
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_app(config_class=None) -> Flask:
    """Application factory. ``config_class`` is a class, a name (development/testing/production) or None
    ($HOTLINE_CONFIG, default development)."""
    config_class = _config_class(config_class)
    if issubclass(config_class, ProductionConfig):
        config_class.check()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(INSTANCE_DIR),
    )
    from hotline.core.urls import BoundedIntConverter

    # Before any route is added: every <int:...> of every blueprint is bounded to the id columns' range.
    app.url_map.converters["int"] = BoundedIntConverter
    app.config.from_object(config_class)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key()
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    import hotline.models  # noqa: F401  (complete metadata for migrations)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=lambda: app.config["HOTLINE_TIMEZONE"])
    _init_login(app)
    celery_init_app(app)

    from hotline import templating
    from hotline.core import dispatch as _outbox_dispatch  # noqa: F401  (after-commit nudge)

    templating.init_app(app)

    from hotline.accounts import bp as accounts_bp
    from hotline.accounts import views as _accounts_views  # noqa: F401
    from hotline.answers import bp as answers_bp
    from hotline.answers import views as _answers_views  # noqa: F401
    from hotline.api import bp as api_bp
    from hotline.api import views as _api_views  # noqa: F401
    from hotline.approvals import bp as approvals_bp
    from hotline.approvals import views as _approvals_views  # noqa: F401
    from hotline.calls import bp as calls_bp
    from hotline.calls import views as _calls_views  # noqa: F401
    from hotline.cases import bp as cases_bp
    from hotline.cases import views as _cases_views  # noqa: F401
    from hotline.deadlines import bp as deadlines_bp
    from hotline.deadlines import views as _deadlines_views  # noqa: F401
    from hotline.inbox import bp as inbox_bp
    from hotline.inbox import views as _inbox_views  # noqa: F401
    from hotline.inbox.due_views import bp as due_bp
    from hotline.main import bp as main_bp
    from hotline.notifications import bp as notifications_bp
    from hotline.notifications import views as _notifications_views  # noqa: F401
    from hotline.public import bp as public_bp
    from hotline.public import views as _public_views  # noqa: F401
    from hotline.reference import bp as reference_bp
    from hotline.reference import views as _reference_views  # noqa: F401
    from hotline.review import bp as review_bp
    from hotline.review import views as _review_views  # noqa: F401
    from hotline.stats import bp as stats_bp
    from hotline.stats import views as _stats_views  # noqa: F401
    from hotline.supervision import bp as supervision_bp
    from hotline.supervision import views as _supervision_views  # noqa: F401
    from hotline.transfers import bp as transfers_bp
    from hotline.transfers import views as _transfers_views  # noqa: F401

    app.register_blueprint(main_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(approvals_bp)
    app.register_blueprint(deadlines_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(reference_bp)
    app.register_blueprint(calls_bp)
    app.register_blueprint(answers_bp)
    app.register_blueprint(stats_bp)
    app.register_blueprint(due_bp)
    app.register_blueprint(supervision_bp)
    app.register_blueprint(transfers_bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)

    from hotline.core.errors import register_error_handlers

    register_error_handlers(app)

    from hotline import cli

    cli.init_app(app)

    app.after_request(_security_headers)
    return app


_LOCALES: dict[str, object] = {}


def _select_locale():
    """The UI language: the user's choice (session), else the configured default (Simplified Chinese).

    API clients choose with Accept-Language; without it they get English messages.
    """
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if request and request.path.startswith("/api/"):
        name = request.accept_languages.best_match(languages, default="en")
    else:
        lang = session.get("lang") if request else None
        name = lang if lang in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    # A parsed Locale, made once per name: Flask-Babel would parse the name again on every request.
    try:
        return _LOCALES[name]
    except KeyError:
        from babel import Locale

        return _LOCALES.setdefault(name, Locale.parse(name))


def _init_login(app: Flask) -> None:
    from hotline.accounts.security import load_session_user

    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = None  # sessions are server-side and revocable instead

    @login_manager.user_loader
    def load_user(session_id: str):
        return load_session_user(session_id, on_idle=_flash_session_idle)

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import abort, redirect, url_for

        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            abort(401)
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def _flash_session_idle() -> None:
    """The session ended after inactivity: say so on the login page the user is sent to."""
    from flask import current_app, flash
    from flask_babel import ngettext

    minutes = max(1, current_app.config["SESSION_IDLE_TIMEOUT"] // 60)
    flash(ngettext("Your session ended after %(num)d minute of inactivity. Please log in again.",
                   "Your session ended after %(num)d minutes of inactivity. Please log in again.", minutes),
          "warning")


def _security_headers(response):
    nonce = getattr(g, "csp_nonce", None)
    script_src = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    response.headers.setdefault(
        "Content-Security-Policy",
        f"default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        # Over HTTPS (directly or through a trusted proxy): browsers keep to HTTPS for a year (ASVS 3.4.1).
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    # Pages behind the login hold personal data: never cache them (shared office PCs, browser back button).
    if not request.path.startswith(("/static/", "/public/")):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
