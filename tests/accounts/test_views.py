"""Login, logout, throttling, user administration and token pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hotline.accounts.models import ApiToken, User, UserSession
from hotline.core.models import AuditEvent
from hotline.extensions import db
from tests.factories import PASSWORD


def test_login_redirects_to_the_inbox_and_records_session(app, client, create_user, login):
    user = create_user("operator", "430100")
    response = login(user)
    assert response.status_code == 302
    assert response.location == "/"
    assert client.get("/").location == "/inbox"  # every role starts in its inbox (我的待办)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserSession)
                                 .where(UserSession.user_id == user.id)) == 1
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login")).actor_id == user.id


def test_wrong_password_and_unknown_user_look_the_same(client, create_user, login):
    user = create_user("operator")
    wrong = login(user, password="not the password")
    unknown = client.post("/login", data={"username": "nobody", "password": "whatever-long"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_data(as_text=True).count("form") == unknown.get_data(as_text=True).count("form")


def test_deactivated_user_cannot_log_in(client, create_user, login):
    user = create_user("operator", active=False)
    assert login(user).status_code == 401
    assert client.get("/calls").status_code == 302


def test_logout_ends_the_session_on_the_server(app, client, create_user, login):
    user = create_user("admin")
    login(user)
    stolen = client.get_cookie("session").value
    assert client.get("/admin/users").status_code == 200
    assert client.post("/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.location
    with app.app_context():
        assert db.session.scalar(select(UserSession.revoked_at).where(UserSession.user_id == user.id)) is not None


def test_logout_requires_post(client, create_user, login):
    login(create_user("operator"))
    assert client.get("/logout").status_code == 405


def test_login_gives_a_new_session_cookie(client, create_user, login):
    """Session fixation: whatever the cookie held before login is discarded."""
    with client.session_transaction() as sess:
        sess["planted"] = "by-attacker"
    login(create_user("operator"))
    with client.session_transaction() as sess:
        assert "planted" not in sess


def _age_login_failures(app, seconds: float) -> None:
    """Time passes for the recorded failures (no sleeping in tests)."""
    from hotline.accounts.models import LoginFailure

    with app.app_context():
        for failure in db.session.scalars(select(LoginFailure)):
            failure.occurred_at -= timedelta(seconds=seconds)
        db.session.commit()


def test_login_waits_per_account_and_the_right_password_works_after_the_wait(app, client, create_user, login):
    """Not a lock against the owner: after the free failures the next attempt waits (the page says how long,
    and says the same for an account that does not exist); once the wait is over the right password works."""
    user = create_user("operator")
    free = app.config["LOGIN_FREE_FAILURES_PER_ACCOUNT"]
    for _ in range(free):
        assert login(user, password="wrong password!").status_code == 401
        assert client.post("/login", data={"username": "no.such.user", "password": "wrong password!"}
                           ).status_code == 401
    # During the wait even the right password is refused, with how long to wait.
    response = login(user)
    assert response.status_code == 429
    assert "Wait 60 seconds, then try again." in response.get_data(as_text=True)
    assert response.headers["Retry-After"] in {"59", "60"}
    unknown = client.post("/login", data={"username": "no.such.user", "password": "wrong password!"})
    assert unknown.status_code == 429
    assert unknown.get_data(as_text=True).count("Wait 60 seconds") == 1
    assert client.get("/calls").status_code == 302
    # Attempts during the wait are not failures: waiting it out is enough.
    _age_login_failures(app, 61)
    assert login(user).status_code == 302
    assert client.get("/calls").status_code == 200


def test_login_wait_grows_and_is_capped_at_15_minutes(app, client, create_user, login):
    user = create_user("operator")
    free = app.config["LOGIN_FREE_FAILURES_PER_ACCOUNT"]
    for _ in range(free):
        assert login(user, password="wrong password!").status_code == 401
    waits = []
    for _ in range(6):
        response = login(user, password="wrong password!")
        assert response.status_code == 429
        waits.append(int(response.headers["Retry-After"]))
        _age_login_failures(app, waits[-1] + 1)
        assert login(user, password="wrong password!").status_code == 401   # after the wait: checked again
    assert [round(w, -1) for w in waits] == [60, 120, 240, 480, 900, 900]
    assert "Wait 15 minutes" in login(user).get_data(as_text=True)


def test_login_waits_per_address(app, client, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_FREE_FAILURES_PER_ADDRESS", 3)
    for i in range(3):
        client.post("/login", data={"username": f"guess{i}", "password": "wrong password!"})
    user = create_user("operator")
    assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 429
    _age_login_failures(app, 61)
    assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302


def test_next_parameter_only_redirects_locally(client, create_user):
    user = create_user("operator")
    response = client.post("/login?next=https://evil.example/", data={"username": user.username, "password": PASSWORD})
    assert response.location == "/"
    client.post("/logout")
    response = client.post("/login?next=/calls?status=open", data={"username": user.username, "password": PASSWORD})
    assert response.location == "/calls?status=open"


@pytest.mark.parametrize("role", ["operator", "officer", "supervisor"])
def test_user_admin_is_admin_only(client, create_user, login, role):
    login(create_user(role))
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users/new").status_code == 403


def test_anonymous_is_sent_to_login(client):
    for url in ("/admin/users", "/admin/users/new", "/tokens", "/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location


def test_admin_creates_user_who_can_log_in(app, client, create_user, login):
    login(create_user("admin"))
    response = client.post("/admin/users/new", data={
        "username": "Li.Na", "display_name": "李娜", "role": "operator", "region_code": "430100",
        "password": "a-good-long-password", "is_active": "y"})
    assert response.status_code == 302
    with app.app_context():
        created = db.session.scalar(select(User).where(User.username == "li.na"))
        assert created.role == "operator" and created.region_code == "430100"
        assert created.password_hash.startswith("$argon2id$")
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "user",
                                                          AuditEvent.object_id == created.id)).action == "create"
        assert created.must_change_password is True     # an administrator chose it
    client.post("/logout")
    response = client.post("/login", data={"username": "li.na", "password": "a-good-long-password"})
    assert response.status_code == 302 and response.location == "/account/password"


def test_admin_form_reports_errors_without_saving(app, client, create_user, login):
    login(create_user("admin", username="boss"))
    response = client.post("/admin/users/new", data={
        "username": "boss", "display_name": "x", "role": "operator", "region_code": "430100", "password": "short"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_prefecture_admin_manages_only_own_region(app, client, create_user, login):
    login(create_user("admin", "430200"))
    other = create_user("operator", "430100")
    own = create_user("operator", "430200")
    listing = client.get("/admin/users").get_data(as_text=True)
    assert own.username in listing and other.username not in listing
    assert client.get(f"/admin/users/{other.id}").status_code == 404
    response = client.post("/admin/users/new", data={
        "username": "x1", "display_name": "x", "role": "operator", "region_code": "430100",
        "password": "a-good-long-password"})
    assert response.status_code == 422


def test_changing_role_or_deactivating_ends_sessions(app, client, create_user, login):
    target = create_user("operator", "430100")
    other_client = app.test_client()
    other_client.post("/login", data={"username": target.username, "password": PASSWORD})
    assert other_client.get("/calls").status_code == 200
    login(create_user("admin"))
    response = client.post(f"/admin/users/{target.id}", data={
        "display_name": "x", "role": "operator", "region_code": "430100", "password": ""})  # is_active unchecked
    assert response.status_code == 302
    assert other_client.get("/calls").status_code == 302
    with app.app_context():
        assert db.session.get(User, target.id).is_active is False


def test_admin_cannot_deactivate_self(client, create_user, login):
    admin = create_user("admin")
    login(admin)
    response = client.post(f"/admin/users/{admin.id}", data={
        "display_name": "x", "role": "admin", "region_code": "430000", "password": ""})
    assert response.status_code == 422


def test_token_page_shows_token_once_and_stores_only_its_hash(app, client, create_user, login):
    user = create_user("officer")
    login(user)
    page = client.post("/tokens", data={"name": "CTI"}).get_data(as_text=True)
    import re

    raw = re.search(r"hl_[A-Za-z0-9_-]{40,}", page).group(0)
    assert raw not in client.get("/tokens").get_data(as_text=True)
    with app.app_context():
        token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
        assert raw not in (token.token_hash, token.prefix) and len(token.token_hash) == 64
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    client.post(f"/tokens/{token.id}/revoke")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_users_cannot_revoke_each_others_tokens(app, client, create_user, login, make_token):
    owner = create_user("officer")
    make_token(owner)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    login(create_user("officer"))
    assert client.post(f"/tokens/{token_id}/revoke").status_code == 404
