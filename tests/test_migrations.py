"""Migrations: an empty database upgrades to head, the schema matches the models, and downgrade works."""

from __future__ import annotations

import os
import warnings

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from config import TestingConfig
from config import database_url as to_driver_url
from hotline import create_app
from hotline.core.models import POSTGRES_ONLY_INDEXES
from hotline.extensions import db
from tests.conftest import PG_ADMIN_URL, _pg_url


@pytest.fixture
def empty_database(backend, tmp_path):
    """A database nobody has touched, on the suite's backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"hotline_migr_{os.getpid()}"
    admin = sa.create_engine(to_driver_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield _pg_url(name)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _schema_diff(connection):
    def include_object(obj, name, type_, reflected, compare_to):
        return not (type_ == "index" and name in POSTGRES_ONLY_INDEXES and connection.dialect.name != "postgresql")

    context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include_object})
    with warnings.catch_warnings():
        # SQLite cannot reflect an expression index: alembic says so before include_object leaves it out.
        warnings.filterwarnings("ignore", message=".*expression-based index 'ix_cases_due_except_publication'.*")
        diff = compare_metadata(context, db.metadata)
    # PostgreSQL prints an index expression back on several lines, with casts and parentheses, which alembic does
    # not normalize away: a remove and an add of the same index whose expressions are equal once spelled alike are
    # no difference (any other change of the expression still is one).
    removed = {d[1].name: d[1] for d in diff if d[0] == "remove_index"}
    added = {d[1].name: d[1] for d in diff if d[0] == "add_index"}
    same = {name for name in removed.keys() & added.keys()
            if _index_spelling(removed[name], connection) == _index_spelling(added[name], connection)}
    return [d for d in diff if not (d[0] in ("remove_index", "add_index") and d[1].name in same)]


def _index_spelling(index: sa.Index, connection) -> tuple:
    """An index as comparable text: its expressions without casts, parentheses, quotes, case or white space."""
    import re

    def spelled(expr) -> str:
        text = str(expr.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
        text = re.sub(r"::(character varying|double precision|time(stamp)? with(out)? time zone|\w+)(\[\])?", "",
                      text.lower())
        return re.sub(r"[\s()\"']", "", text)

    return index.unique, tuple(spelled(e) for e in index.expressions), str(index.dialect_options["postgresql"]
                                                                            .get("where"))


def test_upgrade_from_empty_matches_models_and_downgrades(empty_database, backend):
    cfg = type("MigrationConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": to_driver_url(empty_database)})
    app = create_app(cfg)
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            assert _schema_diff(conn) == []
            tables = set(sa.inspect(conn).get_table_names())
        assert {"calls", "callers", "users", "audit_events", "regions", "api_tokens", "user_sessions"} <= tables
        if backend == "postgresql":
            with db.engine.connect() as conn:
                indexes = {ix["name"] for ix in sa.inspect(conn).get_indexes("calls")}
            assert "ix_calls_search_vector" in indexes

        flask_migrate.downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            assert _schema_diff(conn) == []
        db.session.remove()
        db.engine.dispose()


def test_seed_is_idempotent(app):
    from hotline.reference.models import Region
    from hotline.seed import seed_all

    with app.app_context():
        seed_all()  # PostgreSQL's cleanup between tests empties the knowledge base: the first run may refill it
        db.session.commit()
        assert seed_all() == {"regions": 0, "request_types": 0, "channels": 0, "ip_types": 0, "calendar_days": 0,
                              "deadline_rules": 0, "review_items": 0, "standard_answers": 0}
        regions = db.session.scalars(sa.select(Region).where(Region.level != "county")
                                     .order_by(Region.sort_order)).all()
        assert [r.code for r in regions][:3] == ["430100", "430200", "430300"]
        assert regions[13].code == "433100" and regions[13].stat_label == "湘西州"
        assert regions[-1].code == "430000"
        assert len(regions) == 15
        counties = db.session.scalars(sa.select(Region).where(Region.level == "county")).all()
        assert len(counties) == 122 and {c.parent_code for c in counties} == {r.code for r in regions[:14]}


def test_existing_regions_get_their_deciding_authority(empty_database):
    """The migration that adds ``regions.authority_name`` fills the regions already there."""
    cfg = type("MigrationConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": to_driver_url(empty_database)})
    app = create_app(cfg)
    with app.app_context():
        flask_migrate.upgrade(revision="c4d9e2a7b136-1")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO regions (code, name, short_name, stat_label, level, parent_code, area_code, sort_order, "
                "is_active) VALUES ('430000', '湖南省', '湖南', '全省', 'province', NULL, NULL, 99, true), "
                "('430100', '长沙市', '长沙', '长沙市', 'prefecture', '430000', '0731', 1, true), "
                "('433100', '湘西土家族苗族自治州', '湘西', '湘西州', 'prefecture', '430000', '0743', 14, true)"))
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            names = dict(conn.execute(sa.text("SELECT code, authority_name FROM regions")).all())
        db.session.remove()
        db.engine.dispose()  # its pooled connections closed now, not by the garbage collector in a later test
        assert names == {"430000": "湖南省知识产权局", "430100": "长沙市知识产权局",
                         "433100": "湘西土家族苗族自治州知识产权局"}


def test_approvals_migration_keeps_recorded_approvers_and_invents_no_approvals(empty_database):
    """Cases closed, published and extended before approvals existed keep the supervisors recorded on them; the
    migration adds the approvals table empty (those approvals were never requested nor decided here)."""
    from hotline.seed import seed_all

    cfg = type("MigrationConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": to_driver_url(empty_database)})
    app = create_app(cfg)
    with app.app_context():
        flask_migrate.upgrade(revision="af82e4687df0-1")  # the schema just before approvals
        seed_all()
        db.session.commit()
        with db.engine.begin() as conn:
            now = "2015-06-01 00:00:00+00:00"
            conn.execute(sa.text(
                "INSERT INTO users (id, username, display_name, role, region_code, password_hash, is_active, "
                "created_at, updated_at) VALUES (7, 'kezhang', '科长', 'supervisor', '430100', 'x', true, :now, :now)"),
                {"now": now})
            rule_set = conn.execute(sa.text("SELECT code FROM rule_sets ORDER BY code LIMIT 1")).scalar_one()
            conn.execute(sa.text(
                "INSERT INTO cases (id, version, case_type, source, region_code, status, received_on, rule_set_code, "
                "respondent_kind, summary, is_major, is_exhibition, is_ecommerce, foreign_related, filed_on, "
                "closed_on, outcome, judicial_confirmation, transferred_judicial, close_approved_by_id, "
                "published_on, publish_approved_by_id, created_at, updated_at) VALUES (1, 3, 'counterfeit', "
                "'inspection', '430100', 'closed', '2015-06-01', :rs, 'organization', '假冒专利', false, false, "
                "false, false, '2015-06-02', '2015-06-20', 'penalized', false, false, 7, '2015-06-25', 7, :now, "
                ":now)"), {"rs": rule_set, "now": now})
            conn.execute(sa.text("INSERT INTO case_extensions (id, case_id, months, days, approved_by_id, "
                                 "approved_on, reason) VALUES (1, 1, 0, 10, 7, '2015-06-10', '案情复杂')"))
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM approvals")).scalar_one() == 0
            assert conn.execute(sa.text("SELECT close_approved_by_id, publish_approved_by_id FROM cases")).one() == (
                7, 7)
            assert conn.execute(sa.text("SELECT approved_by_id FROM case_extensions")).scalar_one() == 7
        flask_migrate.downgrade(revision="f6845ad3fbe8")
        with db.engine.connect() as conn:
            assert "approvals" not in sa.inspect(conn).get_table_names()
            assert conn.execute(sa.text("SELECT count(*) FROM cases")).scalar_one() == 1
        db.session.remove()
        db.engine.dispose()


def test_campaigns_migration_makes_fairs_of_unambiguous_call_names(empty_database):
    """A fair name every call of which belongs to one region becomes a fair record (dated by its calls, stationed
    when one came through the booth channel), linked from its calls and from the exhibition case opened from one;
    a name found in two regions stays a name; the downgrade keeps every call and case."""
    from hotline.seed import seed_all

    cfg = type("MigrationConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": to_driver_url(empty_database)})
    app = create_app(cfg)
    with app.app_context():
        flask_migrate.upgrade(revision="e7b4c2a9d351")
        seed_all()
        db.session.commit()
        with db.engine.begin() as conn:
            calls = [(1, "430100", "2015-09-19 17:00:00+00:00", "exhibition", "矿物宝石博览会"),  # 09-20 in Beijing
                     (2, "430100", "2015-09-23 03:00:00+00:00", "phone", "矿物宝石博览会"),
                     (3, "430100", "2015-10-01 03:00:00+00:00", "phone", "农博会"),
                     (4, "430200", "2015-10-02 03:00:00+00:00", "phone", "农博会"),
                     (5, "430100", "2015-10-03 03:00:00+00:00", "phone", None)]
            for call_id, region, at, channel, fair in calls:
                conn.execute(sa.text(
                    "INSERT INTO calls (id, ref, version, received_at, channel, request_type, region_code, status, "
                    "is_anonymous, summary, exhibition_name, created_at, updated_at) VALUES (:id, :ref, 1, :at, "
                    ":channel, 'complaint', :region, 'open', false, '展会投诉', :fair, :at, :at)"),
                    {"id": call_id, "ref": f"HL-2015-{call_id:06d}", "at": at, "channel": channel, "region": region,
                     "fair": fair})
            rule_set = conn.execute(sa.text("SELECT code FROM rule_sets ORDER BY code LIMIT 1")).scalar_one()
            conn.execute(sa.text(
                "INSERT INTO cases (id, version, case_type, source, region_code, status, received_on, rule_set_code, "
                "respondent_kind, summary, is_major, is_exhibition, is_ecommerce, foreign_related, "
                "judicial_confirmation, transferred_judicial, call_id, created_at, updated_at) VALUES (1, 1, "
                "'counterfeit', 'exhibition', '430100', 'received', '2015-09-23', :rs, 'organization', '展会假冒', "
                "false, true, false, false, false, false, 2, :now, :now)"),
                {"rs": rule_set, "now": "2015-09-23 04:00:00+00:00"})
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            fairs = conn.execute(sa.text("SELECT id, name, region_code, starts_on, ends_on, stationed, venue "
                                         "FROM exhibitions")).all()
            assert len(fairs) == 1
            fair_id, name, region, starts, ends, stationed, venue = fairs[0]
            assert (name, region, str(starts), str(ends), bool(stationed), venue) == (
                "矿物宝石博览会", "430100", "2015-09-20", "2015-09-23", True, None)
            linked = conn.execute(sa.text("SELECT id, exhibition_id FROM calls ORDER BY id")).all()
            assert [tuple(r) for r in linked] == [(1, fair_id), (2, fair_id), (3, None), (4, None), (5, None)]
            assert conn.execute(sa.text("SELECT exhibition_id FROM cases")).scalar_one() == fair_id
            assert conn.execute(sa.text("SELECT exhibition_name FROM calls WHERE id = 3")).scalar_one() == "农博会"
        flask_migrate.downgrade(revision="e7b4c2a9d351")
        with db.engine.connect() as conn:
            assert "exhibitions" not in sa.inspect(conn).get_table_names()
            assert conn.execute(sa.text("SELECT count(*) FROM calls")).scalar_one() == 5
            assert conn.execute(sa.text("SELECT count(*) FROM cases")).scalar_one() == 1
        db.session.remove()
        db.engine.dispose()
