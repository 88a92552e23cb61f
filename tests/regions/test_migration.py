"""An installation from before the region tree: the migration and the next `flask seed` keep every record and
every permission — each user sees exactly the records they saw, and their counties are added below them."""

from __future__ import annotations

import flask_migrate
import sqlalchemy as sa

from config import TestingConfig
from config import database_url as to_driver_url
from hotline import create_app
from hotline.extensions import db
from tests.test_migrations import empty_database  # noqa: F401  (fixture)

BEFORE = "e7b4c2a9d351"  # the last schema with two levels


def _insert(conn, table: str, row: dict) -> int:
    columns, params = ", ".join(row), ", ".join(f":{k}" for k in row)
    return conn.execute(sa.text(f"INSERT INTO {table} ({columns}) VALUES ({params}) RETURNING id"), row).scalar_one()


def test_users_see_what_they_saw_and_their_counties_appear(empty_database):  # noqa: F811
    from hotline.accounts.models import User
    from hotline.calls import queries as call_queries
    from hotline.calls.models import Call
    from hotline.cases import queries as case_queries
    from hotline.cases.models import Case
    from hotline.cases.operations import make_case_number
    from hotline.reference.models import Region
    from hotline.reference.queries import clear_cache
    from hotline.seed import seed_all

    cfg = type("MigrationConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": to_driver_url(empty_database)})
    app = create_app(cfg)
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        seed_all()
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("regions"))) == 15
        now = "2015-06-01 00:00:00"
        users = {}
        with db.engine.begin() as conn:
            rule_set = conn.execute(sa.text("SELECT code FROM rule_sets ORDER BY code LIMIT 1")).scalar_one()
            for region in ("430000", "430100", "430200"):
                users[region] = _insert(conn, "users", {
                    "username": f"u{region}", "display_name": region, "role": "supervisor", "region_code": region,
                    "password_hash": "x", "is_active": True, "created_at": now, "updated_at": now})
            calls, cases = {}, {}
            for n, region in enumerate(("430000", "430100", "430200", "430100"), start=1):
                calls[n] = (_insert(conn, "calls", {
                    "ref": f"HL-2015-{n:06d}", "version": 1, "received_at": now, "channel": "phone",
                    "request_type": "report", "region_code": region, "status": "open", "is_anonymous": False,
                    "summary": "举报假冒专利", "created_at": now, "updated_at": now}), region)
                if region != "430000":
                    cases[n] = (_insert(conn, "cases", {
                        "version": 1, "case_type": "counterfeit", "source": "inspection", "region_code": region,
                        "status": "filed", "received_on": "2015-06-01", "filed_on": "2015-06-02",
                        "case_number": f"湘知执字〔2015〕第{n}号", "rule_set_code": rule_set,
                        "respondent_kind": "organization", "summary": "假冒专利", "is_major": False,
                        "is_exhibition": False, "is_ecommerce": False, "foreign_related": False,
                        "judicial_confirmation": False, "transferred_judicial": False, "created_at": now,
                        "updated_at": now}), region)
        db.session.remove()

        flask_migrate.upgrade()
        seed_all()
        db.session.commit()
        clear_cache()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Region)) == 137
        province = db.session.get(Region, "430000")
        assert province.case_number_format == "湘知执字〔{year}〕第{number}号" and province.area_code == "0731"
        assert db.session.get(Region, "430102").parent_code == "430100"
        # Nothing lost, nothing moved.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Call)) == 4
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 3
        for region, user_id in users.items():
            user = db.session.get(User, user_id)
            assert user.region_code == region
            seen_calls = set(db.session.scalars(call_queries.scope(sa.select(Call.id), user)))
            seen_cases = set(db.session.scalars(case_queries.scope(sa.select(Case.id), user)))
            # Before: the province saw everything, a 市州 its own region's records.
            assert seen_calls == {cid for cid, r in calls.values() if region == "430000" or r == region}
            assert seen_cases == {cid for cid, r in cases.values() if region == "430000" or r == region}
        # Changsha's users now also see a record of one of its counties; Zhuzhou's do not.
        db.session.rollback()
        with db.engine.begin() as conn:
            county_call = _insert(conn, "calls", {
                "ref": "HL-2015-000099", "version": 1, "received_at": now, "channel": "phone",
                "request_type": "report", "region_code": "430102", "status": "open", "is_anonymous": False,
                "summary": "举报", "created_at": now, "updated_at": now})
        for region, expected in (("430000", True), ("430100", True), ("430200", False)):
            user = db.session.get(User, users[region])
            seen = set(db.session.scalars(call_queries.scope(sa.select(Call.id), user)))
            assert (county_call in seen) is expected
        # The 案号 sequence goes on in the same pattern.
        assert make_case_number("430102", 2016).startswith("湘知执字〔2016〕第")
        db.session.remove()
        db.engine.dispose()
