"""Calendar admin: access, the year view, changing one day, importing a year's arrangement, and the deadlines of
open cases following every change."""

from __future__ import annotations

from datetime import date
from html import unescape

import pytest
from sqlalchemy import func, select

from hotline.cases.models import Case
from hotline.core.models import AuditEvent
from hotline.deadlines.forms import parse_holidays, parse_makeup_days
from hotline.deadlines.models import CalendarDay
from hotline.extensions import db
from tests.factories import PASSWORD

REGION = "430100"

ARRANGEMENT_2027 = """\
2027-01-01..2027-01-03 元旦
2027-02-06..2027-02-13 春节
2027-04-03..2027-04-05 清明节
2027-05-01..2027-05-05 劳动节
2027-06-09..2027-06-11 端午节
2027-09-15..2027-09-17 中秋节
2027-10-01..2027-10-07 国庆节
"""
MAKEUP_2027 = "2027-02-20 春节\n2027-04-25 劳动节\n2027-10-09 国庆节\n"


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def as_user(app, create_user):
    def factory(role: str = "admin", region_code: str = "430000"):
        user = create_user(role, region_code)
        client = app.test_client()
        assert client.post("/language/en").status_code == 302
        assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
        return client, user

    return factory


@pytest.fixture
def officers(create_user):
    return [create_user("officer", REGION) for _ in range(3)]


@pytest.fixture
def make_case(app):
    from hotline.accounts.models import User
    from hotline.cases.operations import create_case, perform_action

    def factory(actor, *, filed_on: str | None = None, officers=(), **fields) -> int:
        data = {"case_type": "infringement_dispute", "region_code": REGION, "source": "request",
                "received_on": "2015-09-30", "summary": "请求人称被请求人销售的产品侵犯其专利权"}
        data.update(fields)
        with app.app_context():
            user = db.session.get(User, actor.id)
            case = create_case(data, actor=user)
            if filed_on:
                perform_action(case, "file", {"filed_on": filed_on, "officer_ids": [o.id for o in officers]},
                               actor=user, expected_version=case.version)
            db.session.commit()
            return case.id

    return factory


def stored(app, case_id: int) -> Case:
    with app.app_context():
        case = db.session.get(Case, case_id)
        db.session.expunge(case)
        return case


def day_row(app, day: date) -> CalendarDay | None:
    with app.app_context():
        row = db.session.get(CalendarDay, day)
        if row is not None:
            db.session.expunge(row)
        return row


def year_days(app, year: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CalendarDay).where(
            CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)))


def calendar_audit(app) -> list[AuditEvent]:
    with app.app_context():
        rows = list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_type.in_(("calendar_day", "calendar_year"))).order_by(AuditEvent.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


@pytest.fixture(autouse=True)
def _no_2027(app):
    """These tests load 2027 themselves; they need a calendar package that does not know it yet."""
    with app.app_context():
        if year_days(app, 2027):
            pytest.skip("the seeded calendar already covers 2027")


# ---------------------------------------------------------------------------------------------------------------
# access


def test_calendar_admin_needs_login(client):
    response = client.get("/admin/calendar")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(("role", "region", "status"), [
    ("officer", REGION, 403), ("supervisor", "430000", 403), ("operator", "430000", 403), ("admin", "430000", 200)])
def test_calendar_admin_by_role(as_user, role, region, status):
    client, _user = as_user(role, region)
    assert client.get("/admin/calendar").status_code == status
    assert client.get("/admin/calendar?year=2015").status_code == status


def test_officer_cannot_change_the_calendar(app, as_user):
    client, _user = as_user("officer", REGION)
    assert client.post("/admin/calendar/day", data={"day": "2015-10-12", "kind": "holiday"}).status_code == 403
    assert day_row(app, date(2015, 10, 12)).kind == "workday"
    assert client.post("/admin/calendar/import", data={"year": "2027", "holidays": ARRANGEMENT_2027}
                       ).status_code == 403
    assert year_days(app, 2027) == 0


# ---------------------------------------------------------------------------------------------------------------
# the year view


def test_year_view_lists_holidays_and_makeup_days(as_user):
    client, _admin = as_user()
    page = text(client.get("/admin/calendar?year=2015"))
    assert "2015-10-01 – 2015-10-07</span> · 国庆节" in page
    assert "2015-10-10" in page  # the Saturday worked for 国庆节
    assert "Years loaded" in page and 'href="/admin/calendar?year=2026"' in page
    assert "No calendar data" not in page
    assert 'class="kind-holiday' in page and 'class="kind-makeup_workday' in page


def test_year_view_of_an_unloaded_year(as_user):
    client, _admin = as_user()
    response = client.get("/admin/calendar?year=2027")
    assert response.status_code == 200
    page = text(response)
    assert "No calendar data for 2027" in page
    assert 'name="year" type="text" value="2027"' in page or 'value="2027"' in page


@pytest.mark.parametrize("year", ["abc", "1999", "2100", "-1", "99999999999999999999"])
def test_year_view_with_a_bad_year(as_user, year):
    client, _admin = as_user()
    response = client.get(f"/admin/calendar?year={year}")
    assert response.status_code == 200
    assert "showing this year" in text(response)


def test_the_day_link_prefills_the_form(as_user):
    client, _admin = as_user()
    page = text(client.get("/admin/calendar?year=2015&day=2015-10-10"))
    form = page.split('id="set-day"', 1)[1]
    assert 'value="2015-10-10"' in form and '<option selected value="makeup_workday">' in form
    assert client.get("/admin/calendar?year=2015&day=nonsense").status_code == 200


# ---------------------------------------------------------------------------------------------------------------
# one day


def test_marking_a_day_a_holiday_moves_a_cases_deadline(app, as_user, officers, make_case):
    case_id = make_case(officers[0])
    assert stored(app, case_id).file_due_on == date(2015, 10, 13)
    filed_id = make_case(officers[0], filed_on="2015-10-09", officers=officers)
    assert stored(app, filed_id).close_due_on == date(2016, 1, 11)

    client, admin = as_user()
    response = client.post("/admin/calendar/day", data={"day": "2015-10-12", "kind": "holiday", "name": "测试休假"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/calendar?year=2015")
    row = day_row(app, date(2015, 10, 12))
    assert (row.kind, row.name, row.source) == ("holiday", "测试休假", "admin")
    # the stored deadline of the open case follows (5 working days now end a day later)
    assert stored(app, case_id).file_due_on == date(2015, 10, 14)
    (event,) = calendar_audit(app)
    assert (event.object_type, event.object_id, event.action, event.actor_id) == (
        "calendar_day", 20151012, "update", admin.id)
    assert event.changes["kind"] == ["workday", "holiday"] and event.changes["source"] == ["chinesecalendar", "admin"]

    # the officer's case page shows the new date, and the day's name on the month calendar
    officer_client = app.test_client()
    officer_client.post("/language/en")
    officer_client.post("/login", data={"username": officers[0].username, "password": PASSWORD})
    page = text(officer_client.get(f"/cases/{case_id}"))
    assert "2015-10-14" in page and "2015-10-13" not in page
    assert "测试休假" in text(officer_client.get("/cases/calendar?month=2015-10"))

    # a month deadline landing on the new holiday rolls forward too
    client.post("/admin/calendar/day", data={"day": "2016-01-11", "kind": "holiday", "name": "测试"})
    assert stored(app, filed_id).close_due_on == date(2016, 1, 12)


def test_changing_a_day_back_and_nothing_to_change(app, as_user, officers, make_case):
    case_id = make_case(officers[0])
    client, _admin = as_user()
    client.post("/admin/calendar/day", data={"day": "2015-10-12", "kind": "holiday"})
    client.post("/admin/calendar/day", data={"day": "2015-10-12", "kind": "workday"})
    assert stored(app, case_id).file_due_on == date(2015, 10, 13)
    response = client.post("/admin/calendar/day", data={"day": "2015-10-12", "kind": "workday"}, follow_redirects=True)
    assert "Nothing was changed." in text(response)
    assert len(calendar_audit(app)) == 2


@pytest.mark.parametrize(("data", "message"), [
    ({"day": "2015-10-17", "kind": "workday"}, "mark it as a make-up workday instead"),  # a Saturday
    ({"day": "2015-10-14", "kind": "makeup_workday"}, "is a weekday"),
    ({"day": "2015-10-14", "kind": "weekend"}, "is a weekday"),
    ({"day": "2015-10-14", "kind": "bogus"}, "Not a valid choice"),
    ({"day": "2015-02-30", "kind": "holiday"}, "Not a valid date value"),
    ({"day": "", "kind": "holiday"}, "Give the date."),
    ({"day": "2027-03-01", "kind": "holiday"}, "import 2027's arrangement first"),
    ({"day": "1999-03-01", "kind": "holiday"}, "A date between 2000 and 2099"),
    ({"day": "2015-10-14", "kind": "holiday", "name": "名" * 41}, "Field cannot be longer than 40 characters"),
])
def test_set_day_bad_input(app, as_user, data, message):
    client, _admin = as_user()
    response = client.post("/admin/calendar/day", data=data)
    assert response.status_code == 422
    assert message in text(response)
    assert calendar_audit(app) == []
    assert day_row(app, date(2015, 10, 14)).kind == "workday"


# ---------------------------------------------------------------------------------------------------------------
# a year's arrangement


def test_import_2027_makes_2027_deadlines_computable(app, as_user, officers, make_case):
    # filed 2026-10-15: the dispute must be closed 3 months later, in 2027
    case_id = make_case(officers[0], received_on="2026-10-12", filed_on="2026-10-15", officers=officers)
    assert stored(app, case_id).close_due_on is None

    officer = app.test_client()
    officer.post("/language/en")
    officer.post("/login", data={"username": officers[0].username, "password": PASSWORD})
    response = officer.get(f"/cases/{case_id}")
    assert response.status_code == 200
    assert "no data for 2027" in text(response)

    client, admin = as_user()
    response = client.post("/admin/calendar/import", data={"year": "2027", "holidays": ARRANGEMENT_2027,
                                                            "makeup_days": MAKEUP_2027})
    assert response.status_code == 302
    assert year_days(app, 2027) == 365
    assert day_row(app, date(2027, 1, 1)).kind == "holiday" and day_row(app, date(2027, 1, 1)).name == "元旦"
    assert day_row(app, date(2027, 1, 9)).kind == "weekend"
    assert day_row(app, date(2027, 1, 11)).kind == "workday"
    makeup = day_row(app, date(2027, 2, 20))
    assert (makeup.kind, makeup.name, makeup.source) == ("makeup_workday", "春节", "admin")

    assert stored(app, case_id).close_due_on == date(2027, 1, 15)
    page = text(officer.get(f"/cases/{case_id}"))
    assert "no data for 2027" not in page and "2027-01-15" in page
    (event,) = calendar_audit(app)
    assert (event.object_type, event.object_id, event.action, event.actor_id) == (
        "calendar_year", 2027, "import", admin.id)
    assert "2027-02-06..2027-02-13 春节" in event.changes["holidays"][1]
    page = text(client.get("/admin/calendar?year=2027"))
    assert "2027-10-01 – 2027-10-07</span> · 国庆节" in page
    assert "No calendar data for 2027" not in page


def test_import_refuses_a_loaded_year_unless_replace(app, as_user, officers, make_case):
    case_id = make_case(officers[0])
    client, _admin = as_user()
    response = client.post("/admin/calendar/import", data={"year": "2015", "holidays": "2015-10-01..2015-10-07 国庆节"})
    assert response.status_code == 422
    assert "2015 already has calendar data (365 days)" in text(response)
    assert day_row(app, date(2015, 10, 10)).kind == "makeup_workday"

    # replace: the new arrangement lacks the make-up Saturday, so the filing deadline moves a day later
    response = client.post("/admin/calendar/import", data={
        "year": "2015", "holidays": "2015-10-01..2015-10-07 国庆节", "replace": "y"})
    assert response.status_code == 302
    assert day_row(app, date(2015, 10, 10)).kind == "weekend"
    assert day_row(app, date(2015, 2, 19)).kind == "workday"  # 春节 is not in this arrangement
    assert stored(app, case_id).file_due_on == date(2015, 10, 14)
    assert calendar_audit(app)[-1].action == "replace"


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"holidays": "2026-12-31..2027-01-02 元旦"}, "holidays", "not inside 2027"),
    ({"holidays": "元旦 2027-01-01"}, "holidays", "Line 1"),
    ({"holidays": "2027-01-01..2027-01-03 元旦\n2027-02-30 春节"}, "holidays",
     "Line 2 (2027-02-30 春节): not a valid date"),
    ({"holidays": "2027-01-03..2027-01-01 元旦"}, "holidays", "ends before it starts"),
    ({"holidays": "2027-01-01..2027-01-03 元旦\n2027-01-03..2027-01-04 重复"}, "holidays", "in another range too"),
    ({"makeup_days": "2027-02-22"}, "makeup_days", "is a weekday"),
    ({"makeup_days": "2028-02-19"}, "makeup_days", "not in 2027"),
    ({"makeup_days": "next saturday"}, "makeup_days", "one date per line"),
    ({"holidays": "2027-01-02 元旦", "makeup_days": "2027-01-02"}, "makeup_days", "also listed as a holiday"),
    ({"year": "1999"}, "year", "Number must be between 2000 and 2099"),
    ({"year": "abc"}, "year", "Not a valid integer value"),
    ({"year": ""}, "year", "Give the year."),
])
def test_import_bad_input_writes_nothing(app, as_user, data, field, message):
    client, _admin = as_user()
    form = {"year": "2027", "holidays": "", "makeup_days": ""}
    form.update(data)
    response = client.post("/admin/calendar/import", data=form)
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert f'id="{field}-errors"' in page or f'id="{field}"' in page
    assert year_days(app, 2027) == 0
    assert calendar_audit(app) == []


def test_import_an_empty_arrangement(app, as_user):
    """No holidays given: every weekday is a working day (the admin may add holidays day by day)."""
    client, _admin = as_user()
    assert client.post("/admin/calendar/import", data={"year": "2027"}).status_code == 302
    assert year_days(app, 2027) == 365
    assert day_row(app, date(2027, 1, 1)).kind == "workday"
    assert client.post("/admin/calendar/day", data={"day": "2027-01-01", "kind": "holiday", "name": "元旦"}
                       ).status_code == 302
    assert day_row(app, date(2027, 1, 1)).kind == "holiday"


# ---------------------------------------------------------------------------------------------------------------
# parsing


def test_parse_holidays_accepts_the_usual_spellings():
    ranges, problems = parse_holidays(
        "2027-01-01..2027-01-03 元旦\n２０２７－０２－０６～２０２７－０２－１３　春节\n"
        "2027-4-3 至 2027-4-5 清明节\n# comment\n\n2027-06-09 端午节\n2027-09-15 - 2027-09-17")
    assert problems == []
    assert [(r.start, r.end, r.name) for r in ranges] == [
        (date(2027, 1, 1), date(2027, 1, 3), "元旦"),
        (date(2027, 2, 6), date(2027, 2, 13), "春节"),
        (date(2027, 4, 3), date(2027, 4, 5), "清明节"),
        (date(2027, 6, 9), date(2027, 6, 9), "端午节"),
        (date(2027, 9, 15), date(2027, 9, 17), None),
    ]


def test_parse_makeup_days():
    days, problems = parse_makeup_days("2027-02-20 春节\n2027-04-25\nfoo")
    assert days == [(date(2027, 2, 20), "春节"), (date(2027, 4, 25), None)]
    assert problems == ["Line 3 (foo): write one date per line, e.g. 2027-02-20."]
