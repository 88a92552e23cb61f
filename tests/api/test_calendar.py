"""GET /api/v1/calendar/{year}: the working-day calendar the deadlines use, and a clear 404 for a year without
data."""

from __future__ import annotations

import pytest


def test_2015_with_its_holidays_and_make_up_workdays(users, api, documented):
    response = api(users.officer_cs).get("/api/v1/calendar/2015")
    assert response.status_code == 200
    body = documented(response)
    assert body["year"] == 2015
    days = {d["date"]: d for d in body["days"]}
    assert len(body["days"]) == 365
    assert [d["date"] for d in body["days"]] == sorted(days)
    assert days["2015-10-10"] == {"date": "2015-10-10", "kind": "makeup_workday", "name": "国庆节"}
    assert days["2015-10-01"]["kind"] == "holiday"
    assert days["2015-10-01"]["name"] == "国庆节"
    assert days["2015-10-11"] == {"date": "2015-10-11", "kind": "weekend", "name": None}
    assert days["2015-10-12"]["kind"] == "workday"
    assert days["2015-02-15"]["kind"] == "makeup_workday"  # 春节
    # 2015 had 249 working days: 261 weekdays − 17 holidays on weekdays + 5 make-up weekend days.
    assert body["working_days"] == 249
    assert body["working_days"] == sum(d["kind"] in ("workday", "makeup_workday") for d in body["days"])


def test_a_leap_year_has_366_days(users, api):
    body = api(users.op).get("/api/v1/calendar/2016").get_json()
    assert len(body["days"]) == 366
    assert body["days"][59]["date"] == "2016-02-29"


@pytest.mark.parametrize("year", ["2031", "1990", "0", "9999", "10000"])
def test_a_year_without_data_is_404_naming_it(users, api, documented, year):
    response = api(users.admin).get(f"/api/v1/calendar/{year}")
    assert response.status_code == 404
    body = documented(response)
    assert str(int(year)) in body["message"]


def test_a_number_beyond_any_year_is_404(users, api):
    """Beyond the range of the URL's int (2³¹−1) the route does not match: a plain 404."""
    response = api(users.admin).get("/api/v1/calendar/99999999999999999999")
    assert response.status_code == 404
    assert response.get_json()["error"] == "Not Found"


def test_2031_explains_what_is_missing(users, api):
    message = api(users.sup).get("/api/v1/calendar/2031").get_json()["message"]
    assert message == ("The working-day calendar has no data for 2031. An administrator must load 2031's holiday "
                       "arrangement (State Council notice) before deadlines in that year can be computed.")


@pytest.mark.parametrize("path", ["/api/v1/calendar/twenty", "/api/v1/calendar/-2015", "/api/v1/calendar/2015.5"])
def test_not_a_year_is_404(users, api, path):
    assert api(users.op).get(path).status_code == 404


def test_any_authenticated_user_but_not_anonymous(client, users, api):
    assert client.get("/api/v1/calendar/2015").status_code == 401
    for user in (users.op_cs, users.officer_zz, users.sup_cs, users.admin_cs):
        assert api(user).get("/api/v1/calendar/2015").status_code == 200


def test_the_calendar_is_documented(openapi_doc):
    operation = openapi_doc["paths"]["/api/v1/calendar/{year}"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/CalendarYearOut")
    assert {"401", "404"} <= set(operation["responses"])
    assert "403" not in operation["responses"]


def test_a_regions_calendar_includes_its_own_holidays(app, users, api, documented):
    from datetime import date

    from hotline.deadlines.operations import add_region_holiday
    from hotline.extensions import db

    with app.app_context():
        from hotline.accounts.models import User

        add_region_holiday("433100", date(2015, 10, 12), "四月八", actor=db.session.get(User, users.admin.id))
        db.session.commit()
    client = api(users.officer_cs)
    national = client.get("/api/v1/calendar/2015").get_json()
    response = client.get("/api/v1/calendar/2015?region_code=433100")
    assert response.status_code == 200
    body = documented(response)
    days = {d["date"]: d for d in body["days"]}
    assert body["region_code"] == "433100" and national["region_code"] is None
    assert days["2015-10-12"] == {"date": "2015-10-12", "kind": "holiday", "name": "四月八"}
    assert body["working_days"] == national["working_days"] - 1 == 248
    other = client.get("/api/v1/calendar/2015?region_code=430100").get_json()
    assert other["working_days"] == 249


@pytest.mark.parametrize("region", ["999999", "abc"])
def test_an_unknown_region_is_422(users, api, documented, region):
    response = api(users.op).get(f"/api/v1/calendar/2015?region_code={region}")
    assert response.status_code == 422
    assert "region_code" in documented(response)["errors"]
