"""The audit log: record_event, apply_changes, and the database refusing UPDATE/DELETE on audit_events."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from hotline.accounts.models import User
from hotline.core.audit import apply_changes, record_event
from hotline.core.models import AuditEvent
from hotline.extensions import db


class Colour(enum.StrEnum):
    red = "red"


class Thing:
    __tablename__ = "things"

    def __init__(self, id, region_code=None):  # noqa: A002 - mirrors a model's column
        self.id = id
        self.region_code = region_code


def _audit_rows():
    return list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))


def test_record_event_stores_who_what_and_json_safe_values(app, create_user):
    admin = create_user("admin", "430000", username="boss")
    with app.app_context():
        actor = db.session.get(User, admin.id)
        before = len(_audit_rows())
        record_event(Thing(7, "430200"), "update", actor, {
            "when": (None, datetime(2015, 6, 1, 1, 30, tzinfo=UTC)),
            "day": (date(2015, 6, 1), None),
            "amount": (Decimal("10.50"), Decimal("12.00")),
            "colour": (None, Colour.red),
            "tags": ([], ("a", 1)),
            "flag": (False, True),
        }, note="备注")
        db.session.commit()
        event = _audit_rows()[-1]
        assert len(_audit_rows()) == before + 1
        assert (event.actor_id, event.actor_name) == (admin.id, "boss")
        assert (event.object_type, event.object_id, event.action) == ("things", 7, "update")
        assert event.region_code == "430200"
        assert event.note == "备注"
        assert event.occurred_at.tzinfo is not None
        assert event.changes == {
            "when": [None, "2015-06-01T01:30:00+00:00"],
            "day": ["2015-06-01", None],
            "amount": ["10.50", "12.00"],
            "colour": [None, "red"],
            "tags": [[], ["a", 1]],
            "flag": [False, True],
        }


def test_record_event_without_actor_is_the_system(app):
    with app.app_context():
        record_event(Thing(1), "purge", None)
        db.session.commit()
        event = _audit_rows()[-1]
        assert event.actor_id is None
        assert event.actor_name == "system"
        assert event.changes == {}
        assert event.region_code is None


def test_record_event_uses_audit_type_and_explicit_region(app):
    with app.app_context():
        obj = SimpleNamespace(id=3, __audit_type__="call", __tablename__="calls", region_code="430100")
        record_event(obj, "transfer", None, region_code="430200")
        db.session.commit()
        event = _audit_rows()[-1]
        assert (event.object_type, event.region_code) == ("call", "430200")


def test_record_event_needs_a_flushed_object(app):
    with app.app_context(), pytest.raises(RuntimeError, match="flush"):
        record_event(Thing(None), "create", None)


def test_record_event_never_logs_values(app, caplog):
    with app.app_context():
        with caplog.at_level("INFO", logger="hotline.core.audit"):
            record_event(Thing(5), "update", None, {"caller_name": ("张三丰", "欧阳修")})
        db.session.rollback()
    assert "caller_name" in caplog.text
    assert "张三丰" not in caplog.text
    assert "欧阳修" not in caplog.text


def test_apply_changes_sets_only_whitelisted_real_changes():
    obj = SimpleNamespace(name="a", role="operator", secret="x")
    changes = apply_changes(obj, {"name": "b", "role": "operator", "secret": "stolen", "missing": 1},
                            ("name", "role"))
    assert changes == {"name": ("a", "b")}
    assert obj.name == "b"
    assert obj.secret == "x"
    assert not hasattr(obj, "missing")


@pytest.fixture
def audited(app):
    """One committed audit row; returns its id."""
    with app.app_context():
        event = record_event(Thing(9, "430100"), "create", None, {"summary": (None, "原文")})
        db.session.commit()
        return event.id


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET action = 'tampered' WHERE id = :id",
    "UPDATE audit_events SET changes = '{}' WHERE id = :id",
    "DELETE FROM audit_events WHERE id = :id",
    "DELETE FROM audit_events",
])
def test_audit_log_is_append_only_in_the_database(app, audited, statement):
    with app.app_context():
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement), {"id": audited})
        db.session.rollback()
        [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.id == audited)).all()
        assert event.action == "create"
        assert event.changes == {"summary": [None, "原文"]}


def test_audit_log_refuses_orm_edits_too(app, audited):
    with app.app_context():
        event = db.session.get(AuditEvent, audited)
        event.note = "改写历史"
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEvent, audited))
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.flush()
        db.session.rollback()
        assert db.session.get(AuditEvent, audited).note is None
