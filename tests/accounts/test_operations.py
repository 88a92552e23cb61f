"""Account operations: create_user, update_user, set_password, issue_token, revoke_token (no HTTP)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from hotline.accounts.models import ApiToken, User, UserSession
from hotline.accounts.operations import create_user, issue_token, revoke_token, set_password, update_user
from hotline.accounts.security import load_session_user, sha256_hex, start_session, verify_password
from hotline.core.errors import ValidationFailed
from hotline.core.models import AuditEvent
from hotline.extensions import db

GOOD_PASSWORD = "correct horse battery staple"


def _new(**overrides):
    fields = {"username": "zhang.san", "display_name": "张三", "password": GOOD_PASSWORD, "role": "operator",
              "region_code": "430100", "actor": None}
    fields.update(overrides)
    return create_user(**fields)


def _events(object_type, object_id):
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == object_type,
                                                               AuditEvent.object_id == object_id)
                                   .order_by(AuditEvent.id)))


def _get(user):
    return db.session.get(User, user.id)


# create_user ------------------------------------------------------------------------------------------


def test_create_user_normalizes_the_username_hashes_the_password_and_audits(app):
    with app.app_context():
        user = _new(username="  Zhang.San ", display_name="  张三  ")
        db.session.commit()
        assert user.username == "zhang.san"
        assert user.display_name == "张三"
        assert user.is_active
        assert user.password_hash.startswith("$argon2id$")
        assert GOOD_PASSWORD not in user.password_hash
        assert verify_password(user, GOOD_PASSWORD)
        [event] = _events("user", user.id)
        assert event.action == "create"
        assert event.changes == {"username": [None, "zhang.san"], "role": [None, "operator"],
                                 "region_code": [None, "430100"]}
        assert "argon2" not in json.dumps(event.changes)


@pytest.mark.parametrize("username", ["ab", "op-1", "a.b_c-d", "x" * 40, "12330"])
def test_create_user_accepts_valid_usernames(app, username):
    with app.app_context():
        assert _new(username=username).username == username


@pytest.mark.parametrize("username", ["", "a", "x" * 41, "-dash", ".dot", "has space", "张三", "a@b", "semi;colon"])
def test_create_user_rejects_bad_usernames(app, username):
    with app.app_context():
        with pytest.raises(ValidationFailed) as failed:
            _new(username=username)
        assert set(failed.value.errors) == {"username"}


def test_create_user_rejects_a_taken_username_in_any_case(app):
    with app.app_context():
        _new(username="zhang.san")
        db.session.commit()
        with pytest.raises(ValidationFailed) as failed:
            _new(username="ZHANG.SAN")
        assert "taken" in failed.value.errors["username"][0]


@pytest.mark.parametrize(("password", "username", "message"), [
    ("short", "zhang.san", "12 characters"),
    ("elevenchars", "zhang.san", "12 characters"),
    ("x" * 129, "zhang.san", "128"),
    ("Longusername1", "longusername1", "username"),
])
def test_create_user_rejects_weak_passwords(app, password, username, message):
    with app.app_context():
        with pytest.raises(ValidationFailed) as failed:
            _new(password=password, username=username)
        assert set(failed.value.errors) == {"password"}
        assert message in " ".join(failed.value.errors["password"])


def test_create_user_accepts_a_long_passphrase_without_composition_rules(app):
    with app.app_context():
        assert verify_password(_new(password="长沙 市 知识产权 局 热线"), "长沙 市 知识产权 局 热线")


def test_create_user_reports_every_problem_at_once_and_saves_nothing(app):
    with app.app_context():
        with pytest.raises(ValidationFailed) as failed:
            _new(username="-", password="short", role="root", region_code="999999")
        assert set(failed.value.errors) == {"username", "password", "role", "region_code"}
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


# update_user -----------------------------------------------------------------------------------------


@pytest.fixture
def admin(create_user):
    return create_user("admin", "430000", username="admin")


@pytest.fixture
def officer(create_user):
    return create_user("officer", "430100", username="officer")


def _live_session(user) -> str:
    raw = start_session(_get(user))
    db.session.commit()
    assert load_session_user(raw) is not None
    return raw


@pytest.mark.parametrize("data", [{"role": "supervisor"}, {"region_code": "430200"}, {"is_active": False}])
def test_rights_changes_end_the_users_sessions(app, admin, officer, data):
    with app.app_context():
        raw = _live_session(officer)
        changes = update_user(_get(officer), data, actor=_get(admin))
        db.session.commit()
        assert set(changes) == set(data)
        assert load_session_user(raw) is None
        [event] = _events("user", officer.id)[-1:]
        assert event.action == "update"
        assert event.actor_id == admin.id
        assert set(event.changes) == set(data)


def test_display_name_change_keeps_sessions(app, admin, officer):
    with app.app_context():
        raw = _live_session(officer)
        update_user(_get(officer), {"display_name": "李四"}, actor=_get(admin))
        db.session.commit()
        assert load_session_user(raw).display_name == "李四"


def test_update_without_changes_writes_nothing(app, admin, officer):
    with app.app_context():
        raw = _live_session(officer)
        before = len(_events("user", officer.id))
        assert update_user(_get(officer), {"role": "officer", "region_code": "430100"}, actor=_get(admin)) == {}
        db.session.commit()
        assert len(_events("user", officer.id)) == before
        assert load_session_user(raw) is not None


@pytest.mark.parametrize("data", [{"role": "operator"}, {"is_active": False}, {"role": "officer", "is_active": False}])
def test_admin_cannot_demote_or_deactivate_themselves(app, admin, data):
    with app.app_context():
        raw = _live_session(admin)
        with pytest.raises(ValidationFailed) as failed:
            update_user(_get(admin), data, actor=_get(admin))
        assert "role" in failed.value.errors
        db.session.rollback()
        me = _get(admin)
        assert me.role == "admin"
        assert me.is_active
        assert load_session_user(raw) is not None


def test_admin_may_rename_themselves(app, admin):
    with app.app_context():
        assert update_user(_get(admin), {"display_name": "系统管理员", "role": "admin", "is_active": True},
                           actor=_get(admin)) == {"display_name": ("admin", "系统管理员")}


@pytest.mark.parametrize(("data", "field"), [({"role": "root"}, "role"), ({"region_code": "999999"}, "region_code")])
def test_update_user_rejects_unknown_role_or_region(app, admin, officer, data, field):
    with app.app_context():
        with pytest.raises(ValidationFailed) as failed:
            update_user(_get(officer), data, actor=_get(admin))
        assert field in failed.value.errors


# Passwords -------------------------------------------------------------------------------------------


def test_set_password_rehashes_audits_without_the_hash_and_ends_sessions(app, admin, officer):
    with app.app_context():
        raw = _live_session(officer)
        old_hash = _get(officer).password_hash
        set_password(_get(officer), "a completely new passphrase", actor=_get(admin))
        db.session.commit()
        me = _get(officer)
        assert me.password_hash != old_hash
        assert verify_password(me, "a completely new passphrase")
        assert not verify_password(me, GOOD_PASSWORD)
        assert load_session_user(raw) is None
        event = _events("user", officer.id)[-1]
        assert event.action == "set_password"
        assert event.changes == {"password": ["***", "***"], "must_change_password": [False, True]}


def test_set_password_refuses_weak_passwords(app, officer):
    with app.app_context():
        with pytest.raises(ValidationFailed) as failed:
            set_password(_get(officer), "officer", actor=None)
        assert "password" in failed.value.errors


# API tokens ------------------------------------------------------------------------------------------


def test_issue_token_stores_only_its_sha256(app, admin, officer):
    with app.app_context():
        token, raw = issue_token(_get(officer), "  12345 对接  ", actor=_get(admin))
        db.session.commit()
        assert raw.startswith("hl_")
        assert len(raw) >= 40
        assert token.name == "12345 对接"
        assert token.token_hash == sha256_hex(raw)
        assert raw.startswith(token.prefix)
        row = db.session.execute(sa.select(ApiToken.__table__).where(ApiToken.id == token.id)).mappings().one()
        assert all(raw not in str(value) for value in row.values())
        stored = db.session.execute(sa.text("SELECT * FROM api_tokens")).all()
        assert raw not in repr(stored)
        event = _events("api_token", token.id)[-1]
        assert event.action == "create"
        assert event.region_code == "430100"
        assert raw not in json.dumps(event.changes)


def test_issued_tokens_are_distinct(app, officer):
    with app.app_context():
        raws = {issue_token(_get(officer), "t", actor=None)[1] for _ in range(5)}
        assert len(raws) == 5


def test_issue_token_gets_a_default_name(app, officer):
    with app.app_context():
        assert issue_token(_get(officer), "   ", actor=None)[0].name == "api"


def test_revoke_token_is_audited_once(app, admin, officer):
    with app.app_context():
        token, _ = issue_token(_get(officer), "t", actor=None)
        db.session.commit()
        revoke_token(token, actor=_get(admin))
        db.session.commit()
        first = token.revoked_at
        assert first is not None
        revoke_token(token, actor=_get(admin))
        db.session.commit()
        assert token.revoked_at == first
        assert [e.action for e in _events("api_token", token.id)] == ["create", "revoke"]


def test_sessions_table_keeps_no_raw_session_ids(app, officer):
    with app.app_context():
        raw = _live_session(officer)
        stored = db.session.execute(sa.select(UserSession.__table__)).all()
        assert raw not in repr(stored)
        assert db.session.scalar(sa.select(UserSession.token_hash)) == sha256_hex(raw)


@pytest.mark.parametrize("name", ["   ", "名" * 81], ids=["blank", "81-characters"])
def test_update_user_validates_the_display_name(app, admin, officer, name):
    with app.app_context():
        with pytest.raises(ValidationFailed) as failed:
            update_user(_get(officer), {"display_name": name}, actor=_get(admin))
        assert "display_name" in failed.value.errors
