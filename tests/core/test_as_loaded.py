"""as_loaded(): a row written or read with Core, placed in the session as if a query had loaded it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from hotline.accounts.models import User
from hotline.core.models import as_loaded
from hotline.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def _values(user_id: int, username: str) -> dict:
    now = datetime.now(UTC)
    return {"id": user_id, "username": username, "display_name": username, "password_hash": "x",
            "role": "operator", "region_code": "430100", "is_active": True, "last_login_at": None,
            "created_at": now, "updated_at": now}


def test_the_instance_is_persistent_clean_and_loaded(app, create_user):
    op = create_user("operator", "430100")
    with app.app_context():
        row = db.session.execute(sa.select(*User.__table__.c).where(User.__table__.c.id == op.id)).one()
        user = as_loaded(User, dict(row._mapping))
        assert user in db.session
        assert db.session.get(User, op.id) is user
        assert not (db.session.new or db.session.dirty)
        assert user.username == op.username
        assert user.region.code == "430100"  # relationships load lazily, as after a query
        user.display_name = "改名"
        db.session.commit()
        assert db.session.scalar(sa.select(User.display_name).where(User.id == op.id)) == "改名"


def test_an_instance_already_in_the_session_is_returned_unchanged(app, create_user):
    op = create_user("operator", "430100")
    with app.app_context():
        loaded = db.session.get(User, op.id)
        loaded.display_name = "未保存"
        assert as_loaded(User, _values(op.id, "someone-else")) is loaded
        assert (loaded.username, loaded.display_name) == (op.username, "未保存")


def test_works_before_any_query_in_a_fresh_process():
    """The API token check may be the first ORM use of a worker process: the mappers are configured first."""
    code = textwrap.dedent("""
        from datetime import UTC, datetime
        from config import TestingConfig
        from hotline import create_app
        from hotline.accounts.models import User
        from hotline.core.models import as_loaded
        from hotline.extensions import db

        app = create_app(type("C", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://"}))
        now = datetime.now(UTC)
        with app.app_context():
            user = as_loaded(User, {"id": 1, "username": "a", "display_name": "a", "password_hash": "x",
                                    "role": "operator", "region_code": "430100", "is_active": True,
                                    "last_login_at": None, "created_at": now, "updated_at": now})
            assert user in db.session and user.username == "a"
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)  # noqa: S603
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")
