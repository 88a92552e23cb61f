"""Out-of-range input answers like any other bad input, never a 500: ids beyond the id columns on every route with
an ``<int:...>`` (web and API), and NUL in the fields of every admin form."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.factories import PASSWORD
from tests.security.conftest import REGION, issue_raw_token, login_client
from tests.security.test_access_matrix import BODIES, _placeholder_url, is_api, url_map_routes

PROVINCE = "430000"
_INT = re.compile(r"<int(?:\([^)]*\))?:\w+>")
TOO_BIG = (2**31, 2**63 - 1, 2**63, 2**64, 10**30)


def _with_number(rule: str, index: int, number: int) -> str:
    """``rule`` with its ``index``-th ``<int:...>`` replaced by ``number`` (the others stay for _placeholder_url)."""
    slots = iter(range(len(_INT.findall(rule))))
    return _INT.sub(lambda m: str(number) if next(slots) == index else m.group(0), rule)


def _int_routes(app) -> list[tuple[str, str]]:
    return sorted(key for key in url_map_routes(app) if _INT.search(key[1]))


@pytest.fixture
def askers(app, staff):
    """Province administrator and supervisor, 长沙 officer and operator: each with a web session and a token."""
    users = [staff.get("admin", PROVINCE, "hn"), staff.get("supervisor", PROVINCE, "hn"), staff.officer,
             staff.operator]
    return [(user.username, login_client(app, user), issue_raw_token(app, user)) for user in users]


def test_the_int_pattern_matches_exactly_the_numbers_in_range():
    import random

    from hotline.core.urls import MAX_URL_INT, _up_to

    pattern = re.compile(_up_to(MAX_URL_INT) + r"\Z")
    rng = random.Random(11)
    numbers = [0, 1, 9, 10, 999_999_999, 1_000_000_000, 1_999_999_999, 2_147_483_639, 2_147_483_640,
               MAX_URL_INT - 1, MAX_URL_INT, MAX_URL_INT + 1, 2_147_483_650, 2_999_999_999, 9_999_999_999,
               *(rng.randrange(2**34) for _ in range(20_000))]
    assert [n for n in numbers if bool(pattern.match(str(n))) != (n <= MAX_URL_INT)] == []
    for limit in (0, 5, 10, 19, 100, 305):
        pattern = re.compile(_up_to(limit) + r"\Z")
        assert [n for n in range(1000) if bool(pattern.match(str(n))) != (n <= limit)] == []


def test_the_int_routes_are_found(app):
    routes = {rule for _, rule in _int_routes(app)}
    assert {"/admin/users/<int:user_id>", "/tokens/<int:token_id>/revoke", "/calls/<int:call_id>",
            "/api/v1/stats/monthly/<month>/revisions/<int:revision_id>/accept"} <= routes


@pytest.mark.parametrize("number", TOO_BIG)
def test_an_id_beyond_the_id_columns_is_not_found_on_every_route(app, askers, number):
    """Each ``<int:...>`` of the URL in turn gets a number beyond the range of an INTEGER column: the route does not
    match (404), whoever asks, on the web and the API, before any record or role is looked at."""
    wrong = []
    for method, rule in _int_routes(app):
        for index in range(len(_INT.findall(rule))):
            url = _placeholder_url(_with_number(rule, index, number))
            for username, web, token in askers:
                if is_api(rule):
                    response = app.test_client().open(url, method=method, json=BODIES.get((method, rule), {}),
                                                      headers={"Authorization": f"Bearer {token}"})
                else:
                    response = web.open(url, method=method, data={})
                if response.status_code != 404:
                    wrong.append(f"{method} {url} as {username}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_the_largest_id_in_range_is_looked_up_safely(app, askers):
    """2³¹−1 passes the route and reaches the database: an id that does not exist (or a refused role), no 500."""
    wrong = []
    for method, rule in _int_routes(app):
        url = _placeholder_url(_INT.sub(str(2**31 - 1), rule))
        for username, web, token in askers:
            if is_api(rule):
                response = app.test_client().open(url, method=method, json=BODIES.get((method, rule), {}),
                                                  headers={"Authorization": f"Bearer {token}"})
            else:
                response = web.open(url, method=method, data={})
            if response.status_code >= 500:
                wrong.append(f"{method} {url} as {username}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------------------------------------------------------
# NUL in form fields


NUL_MESSAGE = "Contains a character that is not allowed (NUL)."


def _admin_posts(staff) -> list[tuple[str, dict, str]]:
    """(url, form data, the field holding NUL) of every admin form and the token form."""
    new_user = {"username": "new-user", "display_name": "新用户", "role": "officer", "region_code": REGION,
                "password": "a long enough passphrase"}
    edit_user = {"display_name": "改名", "role": "operator", "region_code": REGION, "is_active": "y"}
    edit_url = f"/admin/users/{staff.operator.id}"
    return [
        ("/admin/users/new", {**new_user, "username": "new\x00user"}, "username"),
        ("/admin/users/new", {**new_user, "display_name": "新\x00用户"}, "display_name"),
        ("/admin/users/new", {**new_user, "password": "a long enough\x00passphrase"}, "password"),
        (edit_url, {**edit_user, "display_name": "改\x00名"}, "display_name"),
        (edit_url, {**edit_user, "password": "a long enough\x00passphrase"}, "password"),
        ("/admin/calendar/day", {"day": "2015-10-12", "kind": "holiday", "name": "某\x00节"}, "name"),
        ("/admin/calendar/day", {"day": "2015-10-12\x00", "kind": "holiday", "name": "某节"}, "day"),
        ("/admin/calendar/import", {"year": "2030", "holidays": "2030-01-01 元\x00旦", "makeup_days": ""},
         "holidays"),
        ("/admin/calendar/import", {"year": "2030", "holidays": "", "makeup_days": "2030-01-05\x00"}, "makeup_days"),
        ("/admin/calendar/regional", {"region_code": "433100", "day": "2015-10-12", "name": "四\x00月八"}, "name"),
        ("/tokens", {"name": "CTI\x00system"}, "name"),
    ]


def test_nul_in_an_admin_form_is_a_field_error(app, staff):
    """Every field: 422 with the field's error, nothing written (PostgreSQL cannot store NUL: it was a 500)."""
    from sqlalchemy import func, select

    from hotline.accounts.models import ApiToken, User
    from hotline.core.models import AuditEvent
    from hotline.extensions import db

    admin = login_client(app, staff.get("admin", PROVINCE, "hn"))
    posts = _admin_posts(staff)
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    wrong = []
    for url, data, field in posts:
        response = admin.post(url, data=data)
        page = unescape(response.get_data(as_text=True))
        if response.status_code != 422 or NUL_MESSAGE not in page:
            wrong.append(f"{url} {field}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
        assert db.session.get(User, staff.operator.id).display_name == "csoperator"
        assert not db.session.scalar(select(func.count()).select_from(ApiToken))
    # the same forms without NUL pass
    assert admin.post(f"/admin/users/{staff.operator.id}", data={
        "display_name": "改名", "role": "operator", "region_code": REGION, "is_active": "y"}).status_code == 302
    assert login_client(app, staff.operator, PASSWORD)
