"""/me, /users, /regions and /health."""

from __future__ import annotations

import pytest


def test_me(users, api, documented):
    body = documented(api(users.officer_cs).get("/api/v1/me"))
    assert body == {"id": users.officer_cs.id, "username": "officer-cs", "display_name": "officer-cs",
                    "role": "officer", "region_code": "430100"}


def test_regions_in_official_order(users, api, documented):
    body = documented(api(users.admin).get("/api/v1/regions"))
    codes = [r["code"] for r in body["items"]]
    assert len(codes) == 15 + 122  # then every 市州's counties
    assert codes[:2] == ["430100", "430200"]
    assert codes[14] == "430000"
    changsha = body["items"][0]
    assert (changsha["name"], changsha["short_name"], changsha["level"], changsha["area_code"],
            changsha["parent_code"]) == ("长沙市", "长沙", "prefecture", "0731", "430000")
    assert body["items"][15]["level"] == "county"
    assert body["next_cursor"] is None


def test_province_admin_lists_every_user(users, api, documented):
    expected = {users.op.id, users.op_cs.id, users.officer_zz.id, users.admin.id}
    body = documented(api(users.admin).get("/api/v1/users"))
    assert {u["id"] for u in body["items"]} == expected
    assert all(u["active"] is True for u in body["items"])


def test_region_supervisor_lists_only_their_region(users, api):
    others = {users.op.id, users.officer_zz.id}
    expected = {users.op_cs.id, users.officer_cs.id, users.sup_cs.id}
    body = api(users.sup_cs).get("/api/v1/users").get_json()
    assert {u["id"] for u in body["items"]} == expected
    assert not others & {u["id"] for u in body["items"]}
    assert api(users.sup_cs).get("/api/v1/users?region_code=430200").get_json()["items"] == []


def test_users_filters(users, api):
    for name in ("op_cs", "op_zz", "officer_cs"):
        getattr(users, name)  # create them
    client = api(users.sup)
    assert {u["id"] for u in client.get("/api/v1/users?role=operator&region_code=430100").get_json()["items"]} == {
        users.op_cs.id}
    assert {u["id"] for u in client.get("/api/v1/users?role=officer").get_json()["items"]} == {users.officer_cs.id}


def test_users_pagination(users, api, create_user):
    for i in range(5):
        create_user("officer", "430100", username=f"officer-page-{i}")
    client = api(users.sup)
    first = client.get("/api/v1/users?page_size=4").get_json()
    second = client.get(f"/api/v1/users?page_size=4&cursor={first['next_cursor']}").get_json()
    ids = [u["id"] for u in first["items"] + second["items"]]
    assert len(ids) == 6
    assert ids == sorted(set(ids))
    assert second["next_cursor"] is None


@pytest.mark.parametrize(("qs", "field"), [("role=king", "role"), ("page_size=500", "page_size"),
                                           ("cursor=%%%", "cursor"), ("cursor=YWJj", "cursor"),
                                           ("region_code=43", "region_code"), ("sort=name", "sort")])
def test_users_invalid_parameters(users, api, documented, qs, field):
    response = api(users.sup).get(f"/api/v1/users?{qs}")
    assert response.status_code == 422
    assert field in documented(response)["errors"]


def test_health_needs_no_token_and_reveals_no_secrets(app, client, documented):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = documented(response)
    assert body["database"] == "ok"
    text = response.get_data(as_text=True)
    assert app.config["SECRET_KEY"] not in text
    assert "postgres" not in text
    assert "sqlite" not in text


def test_health_is_503_when_the_database_is_down(client, monkeypatch, documented):
    monkeypatch.setattr("hotline.api.views.health_report",
                        lambda: {"database": "down", "redis": "not_configured", "worker": "in_process"})
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert documented(response)["database"] == "down"


def test_unknown_api_path_and_method_are_json(users, api):
    client = api(users.op)
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.get_json()["error"] == "Not Found"
    wrong = client.client.delete("/api/v1/calls", headers=client.headers)
    assert wrong.status_code == 405
    assert wrong.is_json
