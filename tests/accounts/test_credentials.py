"""Credentials follow the account (issue 11): token lifetime and death on account changes (item 10), password
quality, changing one's own password and the forced change after an administrator set it (item 15), who holds
API tokens and service accounts (item 18)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.accounts.models import ApiToken, User
from hotline.accounts.operations import check_password_strength, create_user, issue_token
from hotline.core.errors import NotAllowed
from hotline.core.models import AuditEvent
from hotline.core.types import utcnow
from hotline.extensions import db
from tests.factories import PASSWORD

NEW_PASSWORD = "lantern orchard quietly 47 tides"
TOKEN_RE = re.compile(r"hl_[A-Za-z0-9_-]{40,}")


def _me(client, raw):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})


def _token(app, raw):
    from hotline.accounts.security import sha256_hex

    with app.app_context():
        token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == sha256_hex(raw)))
        db.session.expunge(token)
        return token


# Item 10: tokens live API_TOKEN_DAYS and die with the account's changes -------------------------------------------


def test_a_token_lives_api_token_days_and_then_is_refused(app, client, create_user, make_token, monkeypatch):
    officer = create_user("officer", "430100")
    raw = make_token(officer)
    token = _token(app, raw)
    assert abs(token.expires_at - (token.created_at + timedelta(days=180))) < timedelta(seconds=1)
    assert _me(client, raw).status_code == 200
    with app.app_context():
        db.session.get(ApiToken, token.id).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = _me(client, raw)
    assert response.status_code == 401 and "expired" in response.get_json()["message"]
    monkeypatch.setitem(app.config, "API_TOKEN_DAYS", 7)
    short = _token(app, make_token(officer))
    assert abs(short.expires_at - (short.created_at + timedelta(days=7))) < timedelta(seconds=1)


def test_the_tokens_page_shows_expiry(app, client, create_user, login, make_token):
    officer = create_user("officer", "430100")
    token = _token(app, make_token(officer))
    login(officer)
    page = client.get("/tokens").get_data(as_text=True)
    assert "Expires" in page
    from hotline.templating import format_local

    with app.test_request_context():
        assert str(format_local(token.expires_at)) in page


def _admin_edit(client, user, **changes):
    data = {"display_name": user.display_name, "role": user.role, "region_code": user.region_code,
            "is_active": "y", "password": ""}
    data.update(changes)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"/admin/users/{user.id}", data=data)


@pytest.mark.parametrize(("change", "reason"), [
    ({"password": NEW_PASSWORD}, "password"),
    ({"role": "supervisor"}, "role"),
    ({"region_code": "430200"}, "region_code"),
    ({"is_active": None}, "is_active"),
])
def test_an_account_change_by_the_admin_kills_tokens_and_sessions(app, client, create_user, make_token, change,
                                                                   reason):
    officer = create_user("officer", "430100")
    raw = make_token(officer)
    officer_web = app.test_client()
    assert officer_web.post("/login", data={"username": officer.username, "password": PASSWORD}).status_code == 302
    assert officer_web.get("/cases").status_code == 200
    admin_web = app.test_client()
    admin_web.post("/login", data={"username": create_user("admin").username, "password": PASSWORD})
    assert _admin_edit(admin_web, officer, **change).status_code == 302
    assert _me(client, raw).status_code == 401                       # the API token is dead
    assert officer_web.get("/cases").status_code == 302               # the web session is over
    token = _token(app, raw)
    assert token.revoked_reason == reason
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "api_token",
                                                          AuditEvent.object_id == token.id,
                                                          AuditEvent.action == "revoke")) is not None
    page = admin_web.get(f"/admin/users/{officer.id}").get_data(as_text=True)
    assert "Revoked (" in page


def test_a_reactivated_user_needs_a_new_token(app, client, create_user, make_token, login):
    officer = create_user("officer", "430100")
    raw = make_token(officer)
    login(create_user("admin"))
    assert _admin_edit(client, officer, is_active=None).status_code == 302
    assert _admin_edit(client, officer, is_active="y").status_code == 302
    with app.app_context():
        assert db.session.get(User, officer.id).is_active
    assert _me(app.test_client(), raw).status_code == 401
    assert _me(app.test_client(), make_token(officer)).status_code == 200


def test_a_display_name_change_keeps_tokens_and_sessions(app, client, create_user, make_token, login):
    officer = create_user("officer", "430100")
    raw = make_token(officer)
    login(create_user("admin"))
    assert _admin_edit(client, officer, display_name="新名字").status_code == 302
    assert _me(app.test_client(), raw).status_code == 200


# Item 15: password quality ------------------------------------------------------------------------------------


@pytest.mark.parametrize("password", [
    "password1234",             # common
    "qwertyuiop123",            # keyboard pattern
    "1234567890ab",             # sequence
    "hotline12330!",            # the product's words
    "Hunan-12330-hotline",      # the product's words with separators
    "zhang.san2016",            # the username
    "zhangsanzhangsan",         # the display name's pinyin, twice
])
def test_common_and_context_specific_passwords_are_refused(app, password):
    with app.app_context():
        problems = check_password_strength(password, "zhang.san", display_name="Zhang San")
    assert problems and problems[0].startswith("Too easy to guess")


def test_a_strong_password_passes_and_the_advice_is_said_in_chinese(app):
    with app.app_context():
        assert check_password_strength(NEW_PASSWORD, "zhang.san", display_name="张三") == []
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        from flask_babel import force_locale

        with force_locale("zh_CN"):
            problems = check_password_strength("password1234", "zhang.san")
    assert len(problems) >= 2
    assert all(re.search(r"[\u4e00-\u9fff]", p) for p in problems), problems


def test_the_admin_form_refuses_a_guessable_password(app, client, create_user, login):
    login(create_user("admin"))
    response = client.post("/admin/users/new", data={
        "username": "wang.wu", "display_name": "王五", "role": "officer", "region_code": "430100",
        "password": "wang.wu-12330", "is_active": "y"})
    assert response.status_code == 422
    assert "Too easy to guess" in response.get_data(as_text=True)


# Item 15: users change their own password -------------------------------------------------------------------


def test_a_user_changes_their_own_password_which_ends_other_sessions_and_tokens(app, client, create_user, login,
                                                                                  make_token):
    officer = create_user("officer", "430100")
    raw = make_token(officer)
    elsewhere = app.test_client()
    elsewhere.post("/login", data={"username": officer.username, "password": PASSWORD})
    login(officer)
    assert 'href="/account/password"' in client.get("/cases").get_data(as_text=True)   # in the user menu
    wrong = client.post("/account/password", data={"current_password": "not it at all",
                                                   "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 422 and "This is not your current password." in wrong.get_data(as_text=True)
    differ = client.post("/account/password", data={"current_password": PASSWORD,
                                                    "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert differ.status_code == 422 and "The two new passwords differ." in differ.get_data(as_text=True)
    weak = client.post("/account/password", data={"current_password": PASSWORD,
                                                  "new_password": "password1234", "confirm": "password1234"})
    assert weak.status_code == 422 and "Too easy to guess" in weak.get_data(as_text=True)
    assert _me(app.test_client(), raw).status_code == 200     # nothing changed yet
    done = client.post("/account/password", data={"current_password": PASSWORD,
                                                  "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert client.get("/cases").status_code == 200              # this session goes on
    assert elsewhere.get("/cases").status_code == 302           # the other one ended
    assert _me(app.test_client(), raw).status_code == 401       # the token died
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "user",
                                                           AuditEvent.object_id == officer.id,
                                                           AuditEvent.action == "set_password"))
        assert event.actor_id == officer.id and "lantern" not in str(event.changes)
    client.post("/logout")
    assert login(officer).status_code == 401
    assert login(officer, password=NEW_PASSWORD).status_code == 302


# Item 15: a password an administrator set must be changed at first login ----------------------------------


def test_a_user_created_by_an_admin_must_change_the_password_first(app, client, create_user, login):
    admin_web = app.test_client()
    admin_web.post("/login", data={"username": create_user("admin").username, "password": PASSWORD})
    assert admin_web.post("/admin/users/new", data={
        "username": "li.na", "display_name": "李娜", "role": "officer", "region_code": "430100",
        "password": PASSWORD, "is_active": "y"}).status_code == 302
    response = client.post("/login", data={"username": "li.na", "password": PASSWORD})
    assert response.location == "/account/password"
    for url in ("/", "/cases", "/tokens", "/cases/due"):
        page = client.get(url)
        assert page.status_code == 302 and page.location == "/account/password", url
    # The API answers 403 with a clear message until then.
    with app.app_context():
        li = db.session.scalar(select(User).where(User.username == "li.na"))
        _, raw = issue_token(li, "cli", actor=None)
        db.session.commit()
    denied = _me(app.test_client(), raw)
    assert denied.status_code == 403 and "choose your own" in denied.get_json()["message"]
    assert client.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD}).status_code == 302
    assert client.get("/cases").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "li.na")).must_change_password is False


def test_a_password_reset_by_an_admin_must_be_changed_too(app, client, create_user, login):
    officer = create_user("officer", "430100")
    admin_web = app.test_client()
    admin_web.post("/login", data={"username": create_user("admin").username, "password": PASSWORD})
    assert _admin_edit(admin_web, officer, password=NEW_PASSWORD).status_code == 302
    assert login(officer, password=NEW_PASSWORD).location == "/account/password"
    assert client.get("/cases").location == "/account/password"


def test_fixture_users_and_the_seeded_admin_are_not_forced(app, create_user, login, client):
    """Users made by the test factories (no acting admin) log in as before; `users ensure-admin` prints a random
    strong password once, which its reader keeps; `users create` forces the change unless told not to."""
    user = create_user("operator")
    assert login(user).location == "/"
    runner = app.test_cli_runner()
    out = runner.invoke(args=["users", "ensure-admin", "--username", "root"]).output
    password = re.search(r"with password: (\S+)", out).group(1)
    assert app.test_client().post("/login", data={"username": "root", "password": password}).location == "/"
    runner.invoke(args=["users", "create", "cli.user", "--role", "officer", "--region", "430100",
                        "--password-stdin"], input=NEW_PASSWORD + "\n")
    runner.invoke(args=["users", "create", "cli.kept", "--role", "officer", "--region", "430100",
                        "--password-stdin", "--no-must-change"], input=NEW_PASSWORD + "\n")
    assert app.test_client().post("/login", data={"username": "cli.user", "password": NEW_PASSWORD}
                                  ).location == "/account/password"
    assert app.test_client().post("/login", data={"username": "cli.kept", "password": NEW_PASSWORD}
                                  ).location == "/"


# Item 18: who holds API tokens; service accounts -----------------------------------------------------------


def test_operators_get_no_tokens(app, client, create_user, login):
    operator = create_user("operator", "430100")
    login(operator)
    assert 'href="/tokens"' not in client.get("/calls").get_data(as_text=True)
    assert client.get("/tokens").status_code == 403
    assert client.post("/tokens", data={"name": "mine"}).status_code == 403
    with app.app_context():
        me = db.session.get(User, operator.id)
        with pytest.raises(NotAllowed):
            issue_token(me, "mine", actor=me)
        assert db.session.scalar(select(ApiToken.id)) is None
    result = app.test_cli_runner().invoke(args=["users", "token", operator.username])
    assert result.exit_code == 1


@pytest.mark.parametrize("role", ["officer", "supervisor"])
def test_officers_and_supervisors_get_tokens(client, create_user, login, role):
    login(create_user(role, "430100"))
    assert 'href="/tokens"' in client.get("/tokens").get_data(as_text=True)
    page = client.post("/tokens", data={"name": "handheld"}).get_data(as_text=True)
    assert _me(client, TOKEN_RE.search(page).group(0)).status_code == 200


def test_an_admin_creates_a_service_account_and_issues_its_token(app, client, create_user, login):
    admin = create_user("admin", "430100")
    login(admin)
    response = client.post("/admin/users/new", data={
        "username": "cti-switch", "display_name": "电话交换机", "role": "operator", "region_code": "430100",
        "password": "", "is_active": "y", "is_service": "y"})
    assert response.status_code == 302
    with app.app_context():
        service = db.session.scalar(select(User).where(User.username == "cti-switch"))
        assert service.is_service and not service.must_change_password
        service_id = service.id
    assert "service account" in client.get("/admin/users").get_data(as_text=True)
    page = client.post(f"/admin/users/{service_id}/tokens", data={"token-name": "switch"})
    assert page.status_code == 200
    raw = TOKEN_RE.search(page.get_data(as_text=True)).group(0)
    me = _me(app.test_client(), raw)
    assert me.status_code == 200 and me.get_json()["role"] == "operator"
    # It calls what its role may: an operator logs calls.
    created = app.test_client().post("/api/v1/calls", headers={"Authorization": f"Bearer {raw}"}, json={
        "received_at": utcnow().isoformat(), "channel": "phone", "request_type": "consultation",
        "ip_type": "patent", "region_code": "430100",
        "summary": "交换机转来的来电"})
    assert created.status_code == 201, created.get_json()
    # It cannot log in through the web form, whatever its password.
    with app.app_context():
        from hotline.accounts.security import hash_password

        db.session.get(User, service_id).password_hash = hash_password(NEW_PASSWORD)
        db.session.commit()
    refused = app.test_client().post("/login", data={"username": "cti-switch", "password": NEW_PASSWORD})
    assert refused.status_code == 403 and "service account" in refused.get_data(as_text=True)
    # Its page has no password field; editing it keeps it a service account.
    edit = client.get(f"/admin/users/{service_id}").get_data(as_text=True)
    assert 'name="password"' not in edit and "Issue token" in edit
    assert client.post(f"/admin/users/{service_id}", data={"display_name": "交换机", "role": "operator",
                                                           "region_code": "430100", "is_active": "y"}
                       ).status_code == 302
    with app.app_context():
        assert db.session.get(User, service_id).is_service
    # Tokens for ordinary users are theirs to make, not the admin's.
    officer = create_user("officer", "430100")
    assert client.post(f"/admin/users/{officer.id}/tokens", data={"token-name": "x"}).status_code == 409


def test_a_service_account_is_created_without_a_password(app):
    with app.app_context():
        user = create_user(username="wechat", display_name="微信后台", password=None, role="officer",
                           region_code="430100", actor=None, is_service=True)
        db.session.commit()
        assert user.password_hash.startswith("$argon2id$") and not user.must_change_password
