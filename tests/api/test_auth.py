"""Bearer-token authentication and role checks on every API route."""

from __future__ import annotations

import re

import pytest

from hotline.extensions import db

PUBLIC = {"/api/v1/health", "/api/v1/openapi.json"}


def _protected_routes(app):
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.rule in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, re.sub(r"<int:\w+>", "1", rule.rule).replace("<phone>", "13812345678")))
    return routes


def send(api_client, method: str, url: str, body=None):
    return getattr(api_client, method.lower())(url, json=body)


def _assert_401(response):
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"] == "Unauthorized"


def test_every_protected_route_needs_a_token(app, client):
    routes = _protected_routes(app)
    assert len(routes) >= 12
    for method, url in routes:
        _assert_401(client.open(url, method=method, json={}))


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer hl_not-a-real-token",
                                    "Bearer " + "x" * 300, "bearer hl_\u0000"])
def test_malformed_or_unknown_token_is_401(client, header):
    _assert_401(client.get("/api/v1/me", headers={"Authorization": header}))


def test_revoked_token_is_401_on_every_route(app, client, users, make_token):
    from hotline.accounts.models import ApiToken
    from hotline.accounts.operations import revoke_token

    raw = make_token(users.sup)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    with app.app_context():
        token = db.session.scalars(db.select(ApiToken).where(ApiToken.user_id == users.sup.id)).one()
        revoke_token(token, actor=token.user)
        db.session.commit()
    for method, url in _protected_routes(app):
        _assert_401(client.open(url, method=method, json={}, headers={"Authorization": f"Bearer {raw}"}))


def test_deactivated_users_token_is_401(app, client, create_user, make_token):
    from hotline.accounts.models import User

    user = create_user("operator", "430100", username="leaver")
    raw = make_token(user)
    with app.app_context():
        db.session.get(User, user.id).is_active = False
        db.session.commit()
    for method, url in _protected_routes(app):
        _assert_401(client.open(url, method=method, json={}, headers={"Authorization": f"Bearer {raw}"}))


def test_successful_request_records_token_use(app, users, api):
    from hotline.accounts.models import ApiToken

    assert api(users.op).get("/api/v1/me").status_code == 200
    with app.app_context():
        token = db.session.scalars(db.select(ApiToken).where(ApiToken.user_id == users.op.id)).one()
        assert token.last_used_at is not None


CALL_ROUTES = [("POST", "/api/v1/calls"), ("GET", "/api/v1/calls"), ("GET", "/api/v1/calls/{id}"),
               ("PATCH", "/api/v1/calls/{id}"), ("POST", "/api/v1/calls/{id}/transfer"),
               ("POST", "/api/v1/calls/{id}/status"), ("POST", "/api/v1/calls/{id}/feedback"),
               ("POST", "/api/v1/calls/{id}/reveal"), ("GET", "/api/v1/callers/13812345678/history")]
WRITE_ROUTES = [r for r in CALL_ROUTES if r[0] in ("POST", "PATCH") and not r[1].endswith("/reveal")]


@pytest.mark.parametrize(("method", "url"), CALL_ROUTES)
def test_admin_may_not_touch_calls(users, api, create_call, method, url):
    call = create_call()
    response = send(api(users.admin), method, url.format(id=call.id), {"version": call.version})
    assert response.status_code == 403
    assert response.get_json()["error"] == "Forbidden"


@pytest.mark.parametrize(("method", "url"), WRITE_ROUTES)
def test_officer_may_not_write_calls(users, api, create_call, method, url):
    call = create_call()
    response = send(api(users.officer), method, url.format(id=call.id), {"version": call.version})
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["op", "officer"])
def test_users_list_is_for_supervisors_and_admins(users, api, who):
    assert api(getattr(users, who)).get("/api/v1/users").status_code == 403


@pytest.mark.parametrize(("method", "url"), [r for r in CALL_ROUTES if "{id}" in r[1]])
def test_call_in_another_region_is_404(users, api, create_call, method, url):
    """A 株洲 user asking for a 长沙 call, with a body that would otherwise be valid."""
    call = create_call(region_code="430100")
    user = users.officer_zz if method == "GET" or url.endswith("/reveal") else users.op_zz
    body = {
        "PATCH /api/v1/calls/{id}": {"summary": "x"},
        "POST /api/v1/calls/{id}/transfer": {"to": "长沙海关"},
        "POST /api/v1/calls/{id}/status": {"status": "answered"},
        "POST /api/v1/calls/{id}/feedback": {"method": "phone", "note": "x"},
    }.get(f"{method} {url}")
    if body is not None:
        body["version"] = call.version
    response = send(api(user), method, url.format(id=call.id), body)
    assert response.status_code == 404
    body = response.get_json()
    assert body["error"] == "Not Found"
    assert "假冒" not in response.get_data(as_text=True)


def test_missing_call_is_404(users, api):
    assert api(users.op).get("/api/v1/calls/999999").status_code == 404


@pytest.mark.parametrize("call_id", ["0", "9223372036854775808", "99999999999999999999999999"])
def test_out_of_range_call_ids_are_404(users, api, call_id):
    assert api(users.op).get(f"/api/v1/calls/{call_id}").status_code == 404
    assert api(users.op).post(f"/api/v1/calls/{call_id}/reveal").status_code == 404
