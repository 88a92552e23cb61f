"""Test fixtures: a migrated database per backend (SQLite or PostgreSQL), reset between tests.

Choose the backend with ``--db=sqlite`` (default) or ``--db=postgresql``. PostgreSQL tests run in their own
database (``hotline_test_<pid>``), created here and dropped at the end. With ``CI`` set, a PostgreSQL or Redis
that cannot be reached fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

pytest_plugins = ["tests.factories"]

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REFERENCE_TABLES = {"regions", "request_types", "channels", "ip_types", "alembic_version", "calendar_days",
                    "rule_sets", "deadline_rules", "review_items"}
IN_CI = bool(os.environ.get("CI"))


def pytest_addoption(parser):
    parser.addoption("--db", choices=["sqlite", "postgresql"], default=os.environ.get("HOTLINE_TEST_DB", "sqlite"),
                     help="database backend for the suite")


def pytest_report_header(config):
    return f"hotline test database: {config.getoption('--db')}"


def _unavailable(what: str, exc: Exception):
    message = f"{what} is not reachable: {type(exc).__name__}: {exc}"
    if IN_CI:
        pytest.fail(f"{message} (CI is set: services-backed tests must run)", pytrace=False)
    pytest.skip(message)


def _pg_url(dbname: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{dbname}"


@pytest.fixture(scope="session")
def backend(request) -> str:
    return request.config.getoption("--db")


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory):
    """A fresh, empty database for this test session."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("db") / "hotline.sqlite3"
        yield f"sqlite:///{path}"
        return
    from config import database_url as to_driver_url

    name = f"hotline_test_{os.getpid()}"
    try:
        admin = sa.create_engine(to_driver_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        _unavailable("PostgreSQL", exc)
    yield _pg_url(name)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def app(database_url, backend, tmp_path_factory):
    """One app per session, on a database migrated with the real migrations and seeded."""
    import flask_migrate

    from config import TestingConfig
    from config import database_url as to_driver_url
    from hotline import create_app
    from hotline.extensions import db
    from hotline.seed import seed_all

    cfg = type("SuiteConfig", (TestingConfig,), {
        "SQLALCHEMY_DATABASE_URI": to_driver_url(database_url),
        "HOTLINE_UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
    })
    app = create_app(cfg)
    with app.app_context():
        flask_migrate.upgrade()
        seed_all()
        db.session.commit()
        db.session.remove()
        if backend == "sqlite":
            # Outside any transaction (SQLAlchemy's would take the write lock first: BEGIN IMMEDIATE).
            raw = db.engine.raw_connection()
            try:
                raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()
        db.engine.dispose()
    if backend == "sqlite":
        db_path = Path(database_url[len("sqlite:///"):])
        template = db_path.with_suffix(".template")
        shutil.copyfile(db_path, template)
        app.config["_SQLITE_PATHS"] = (db_path, template)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(app, backend):
    """Every test starts from the migrated, seeded database and nothing else."""
    from hotline.core.models import forget_reference_sequences
    from hotline.deadlines.calendar import invalidate_calendar_cache
    from hotline.deadlines.engine import invalidate_rules_cache
    from hotline.extensions import db
    from hotline.reference.queries import clear_cache

    # Tests that build their own app (create_app) make its Celery app the current one; shared tasks would then
    # run against that app's database. Every test starts with the suite's app current again.
    app.extensions["celery"].set_current()
    app.extensions["celery"].set_default()
    clear_cache()
    forget_reference_sequences()
    invalidate_calendar_cache()
    invalidate_rules_cache()
    yield
    with app.app_context():
        db.session.remove()
        if backend == "sqlite":
            db.engine.dispose()
            db_path, template = app.config["_SQLITE_PATHS"]
            for suffix in ("-wal", "-shm"):
                Path(str(db_path) + suffix).unlink(missing_ok=True)
            shutil.copyfile(template, db_path)
        else:
            tables = [t.name for t in db.metadata.sorted_tables if t.name not in REFERENCE_TABLES]
            with db.engine.begin() as conn:
                # DELETE with triggers off (the audit log's append-only guard, FK checks) is far cheaper than
                # TRUNCATE for the handful of rows a test writes; then every id sequence starts again at 1.
                conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
                for table in tables:
                    conn.execute(sa.text(f'DELETE FROM "{table}"'))
                conn.execute(sa.text(
                    "SELECT setval(pg_get_serial_sequence(quote_ident(table_name), column_name), 1, false) "
                    "FROM information_schema.columns WHERE table_schema = current_schema() "
                    "AND column_default LIKE 'nextval%' AND table_name = ANY(:tables)"), {"tables": tables})
                # Reference-number sequences start again too (HL-YYYY-000001 in every test).
                for (name,) in conn.execute(sa.text(
                        "SELECT sequence_name FROM information_schema.sequences WHERE sequence_name LIKE 'ref_seq_%'")):
                    conn.execute(sa.text(f'DROP SEQUENCE "{name}"'))
                # Calendar edits made by a test are undone: admin rows go, the seed puts the originals back.
                edited = conn.execute(sa.text("DELETE FROM calendar_days WHERE source <> 'chinesecalendar'")).rowcount
            if edited:
                from hotline.deadlines.seed import seed_calendar

                seed_calendar()
                db.session.commit()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    """An app context for direct database work in a test (not around client requests)."""
    with app.app_context() as context:
        yield context
