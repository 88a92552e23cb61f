"""Due lists that can be worked from: every row names its deadline and the working days late or left; calls'
acceptance deadline is listed; deadlines the calendar cannot compute stay listed with the missing year; old
unpublished penalty decisions are a "to complete" list; the holiday-arrangement banner."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html import unescape

import pytest
from sqlalchemy import delete

from hotline.extensions import db
from tests.factories import PASSWORD

REGION, OTHER_REGION = "430100", "430200"
TODAY = date(2016, 3, 1)  # a Tuesday; the seeded calendar covers 2004–2026


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return unescape(response.get_data(as_text=True))


def section(page: str, key: str) -> str:
    return page.split(f'id="due-{key}"', 1)[1].split("</section>", 1)[0]


def row_of(page: str, href: str) -> str:
    return next(row for row in re.findall(r"<tr class=\"due-row.*?</tr>", page, re.S) if f'href="{href}"' in row)


@pytest.fixture
def freeze(monkeypatch):
    """Beijing "today" for the due pages, the case operations and the API."""

    def set_today(day: date) -> None:
        for module in ("hotline.inbox.due_views", "hotline.api.supervision", "hotline.cases.views",
                       "hotline.cases.queries", "hotline.cases.operations", "hotline.inbox.queries"):
            monkeypatch.setattr(f"{module}.local_today", lambda: day)

    set_today(TODAY)
    return set_today


@pytest.fixture
def as_user(app, create_user):
    def factory(role: str = "officer", region_code: str = REGION, user=None):
        user = user or create_user(role, region_code)
        client = app.test_client()
        assert client.post("/language/en").status_code == 302
        assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
        return client, user

    return factory


@pytest.fixture
def crew(create_user):
    from types import SimpleNamespace

    return SimpleNamespace(
        officers=[create_user("officer", REGION, display_name=f"办案员{i}") for i in range(1, 4)],
        supervisor=create_user("supervisor", REGION, display_name="科长"),
        operator=create_user("operator", REGION, display_name="接线员"),
        outsider=create_user("officer", OTHER_REGION, display_name="株洲办案员"),
    )


@pytest.fixture
def make_case(app):
    from hotline.accounts.models import User
    from hotline.cases.operations import create_case, perform_action

    def factory(actor, *, filed_on=None, officers=(), close=None, closed_by=None, **fields):
        data = {"case_type": "infringement_dispute", "region_code": REGION, "source": "request",
                "received_on": "2015-09-30", "summary": "请求人称被请求人销售的产品落入其专利保护范围",
                "respondent_name": "长沙某某贸易有限公司"}
        data.update(fields)
        with app.app_context():
            user = db.session.get(User, actor.id)
            case = create_case(data, actor=user)
            if filed_on:
                perform_action(case, "file", {"filed_on": filed_on, "officer_ids": [o.id for o in officers]},
                               actor=user, expected_version=case.version)
            if close:  # a penalty decision is a supervisor's: one acting directly decides it themselves
                closer = db.session.get(User, closed_by.id) if closed_by else user
                perform_action(case, "close", close, actor=closer, expected_version=case.version)
            db.session.commit()
            return case.id

    return factory


def working_days(app, start: date, end: date, region: str = REGION) -> int:
    from hotline.deadlines.calendar import WorkCalendar

    with app.app_context():
        return WorkCalendar(region).working_days_between(start, end)


def stored(app, case_id: int, column: str):
    from hotline.cases.models import Case

    with app.app_context():
        return getattr(db.session.get(Case, case_id), column)


def test_rows_name_their_deadline_and_the_working_days_late(app, as_user, crew, make_case, freeze):
    filed = make_case(crew.officers[0], filed_on="2015-10-12", officers=crew.officers)
    unfiled = make_case(crew.officers[1], respondent_name="未立案的被请求人")
    not_mine = make_case(crew.officers[1], filed_on="2015-10-12",
                         officers=[crew.officers[1], crew.officers[2], crew.supervisor])
    elsewhere = make_case(crew.outsider, region_code=OTHER_REGION, respondent_name="株洲的被请求人")
    close_due, file_due = stored(app, filed, "close_due_on"), stored(app, unfiled, "file_due_on")

    client, _ = as_user(user=crew.officers[0])
    page = text(client.get("/due"))
    overdue = section(page, "overdue")
    row = row_of(overdue, f"/cases/{filed}")
    assert "Closing" in row and close_due.isoformat() in row
    assert f"{working_days(app, close_due, TODAY)} working days late" in row
    row = row_of(overdue, f"/cases/{unfiled}")  # not filed yet: every officer of the region sees it
    assert "Filing" in row and f"{working_days(app, file_due, TODAY)} working days late" in row
    assert f"/cases/{not_mine}" not in page and f"/cases/{elsewhere}" not in page

    supervisor, _ = as_user(user=crew.supervisor)
    page = text(supervisor.get("/due"))  # supervisors start on the region's list
    assert f"/cases/{not_mine}" in page and f"/cases/{filed}" in page and f"/cases/{elsewhere}" not in page
    only_filing = text(supervisor.get("/due?scope=region&deadline=file"))
    assert f"/cases/{unfiled}" in only_filing and f"/cases/{filed}" not in only_filing

    # /cases/due, the first release's page, leads here
    response = client.get("/cases/due?scope=region")
    assert response.status_code == 302 and response.headers["Location"].endswith("/due?scope=region")


def test_calls_waiting_for_acceptance_are_due_for_the_desk(app, as_user, crew, create_call, freeze):
    from hotline.calls.models import Call
    from hotline.calls.operations import set_call_status

    late = create_call(actor=crew.operator, received_at=datetime(2016, 2, 1, 2, 0, tzinfo=UTC))
    fresh = create_call(actor=crew.operator, received_at=datetime(2016, 2, 26, 2, 0, tzinfo=UTC))
    elsewhere = create_call(region_code=OTHER_REGION,
                            received_at=datetime(2016, 2, 1, 2, 0, tzinfo=UTC))
    client, _ = as_user(user=crew.operator)
    page = text(client.get("/due"))
    row = row_of(section(page, "overdue"), f"/calls/{late.id}")
    assert "Acceptance" in row and late.accept_due_on.isoformat() in row
    assert f"{working_days(app, late.accept_due_on, TODAY)} working days late" in row
    row = row_of(section(page, "week"), f"/calls/{fresh.id}")
    assert f"{working_days(app, TODAY, fresh.accept_due_on)} working days left" in row
    assert f"/calls/{elsewhere.id}" not in page

    with app.app_context():  # decided: no longer due
        call = db.session.get(Call, late.id)
        set_call_status(call, "answered", actor=db.session.get(type(call.operator), crew.operator.id),
                        expected_version=call.version)
        db.session.commit()
    assert f"/calls/{late.id}" not in text(client.get("/due"))
    # officers do not decide calls: none on their list
    officer, _ = as_user(user=crew.officers[0])
    assert f"/calls/{fresh.id}" not in text(officer.get("/due?scope=region"))


@pytest.fixture
def without_2016(app):
    """The 2016 holiday arrangement is not loaded (put back afterwards)."""
    from hotline.deadlines.calendar import invalidate_calendar_cache
    from hotline.deadlines.models import CalendarDay
    from hotline.deadlines.seed import seed_calendar

    with app.app_context():
        db.session.execute(delete(CalendarDay).where(CalendarDay.day >= date(2016, 1, 1),
                                                     CalendarDay.day <= date(2016, 12, 31)))
        db.session.commit()
    invalidate_calendar_cache()
    yield
    with app.app_context():
        seed_calendar()
        db.session.commit()
    invalidate_calendar_cache()


def test_a_deadline_without_its_calendar_year_stays_listed(app, as_user, crew, make_case, api, freeze,
                                                            without_2016):
    freeze(date(2015, 12, 1))
    case_id = make_case(crew.officers[0], filed_on="2015-10-12", officers=crew.officers)
    assert stored(app, case_id, "close_due_on") is None  # the closing deadline falls in 2016

    client, _ = as_user(user=crew.officers[0])
    page = text(client.get("/due"))
    row = row_of(section(page, "undated"), f"/cases/{case_id}")
    assert "Closing" in row and "Calendar 2016 not loaded" in row
    items = api(crew.officers[0]).get("/api/v1/due").get_json()["items"]
    item = next(i for i in items if i["case_id"] == case_id)
    assert item["missing_year"] == 2016 and item["due_on"] is None and item["deadline"] == "Closing"
    # "overdue only" keeps it: nobody can tell it is not late
    assert f"/cases/{case_id}" in text(client.get("/due?overdue=y"))


def _penalized(make_case, crew, closed_on: str, **fields) -> int:
    return make_case(crew.officers[0], case_type="counterfeit", source="inspection", filed_on=closed_on,
                     received_on=closed_on, officers=crew.officers[:2], respondent_kind="organization",
                     close={"outcome": "penalized", "closed_on": closed_on, "fine_amount": "5000.00"},
                     closed_by=crew.supervisor, **fields)


def test_old_unpublished_decisions_are_a_list_to_complete(app, as_user, crew, make_case, api, freeze):
    old = _penalized(make_case, crew, "2014-06-10", respondent_name="二〇一四年的被处罚人")
    recent = _penalized(make_case, crew, "2016-01-15", respondent_name="最近的被处罚人")
    assert stored(app, old, "publish_due_on") < date(2015, 1, 1)

    client, _ = as_user(user=crew.supervisor)
    page = text(client.get("/due?horizon=all"))
    assert f"/cases/{old}" not in page
    assert "Publication" in row_of(section(page, "overdue"), f"/cases/{recent}")
    backlog = text(client.get("/due/backlog"))
    assert f"/cases/{old}" in backlog and f"/cases/{recent}" not in backlog
    assert all(i["case_id"] != old for i in api(crew.supervisor).get("/api/v1/due").get_json()["items"])
    # nor in the inbox of the decision's officers, where the recent one is
    inbox = {i["case_id"] for i in api(crew.officers[0]).get("/api/v1/inbox").get_json()["items"]}
    assert old not in inbox and recent in inbox
    # nor among the overdue cases of the case list (web and API)
    listed = text(client.get("/cases?overdue=y"))
    assert f"/cases/{old}" not in listed and f"/cases/{recent}" in listed
    ids = [c["id"] for c in api(crew.supervisor).get("/api/v1/cases?overdue=true").get_json()["items"]]
    assert old not in ids and recent in ids

    # decisions closed before the system went live are data to complete too
    app.config["HOTLINE_GO_LIVE_ON"] = date(2016, 1, 20)
    try:
        assert f"/cases/{recent}" in text(client.get("/due/backlog"))
        assert f"/cases/{recent}" not in text(client.get("/due?horizon=all"))
    finally:
        app.config["HOTLINE_GO_LIVE_ON"] = None
    # another region's backlog is not shown
    outsider, _ = as_user(user=crew.outsider)
    assert f"/cases/{old}" not in text(outsider.get("/due/backlog"))


@pytest.mark.parametrize(("role", "shown"), [("supervisor", True), ("admin", True), ("officer", False),
                                             ("operator", False)])
def test_banner_from_november_until_next_year_is_loaded(as_user, freeze, role, shown):
    from hotline.deadlines.seed import chinesecalendar_years

    last_loaded = max(chinesecalendar_years())
    client, _ = as_user(role, REGION if role != "admin" else "430000")
    page_url = "/account/password"  # every page: base.html (one every role may open)
    freeze(date(last_loaded, 11, 1))
    page = text(client.get(page_url))
    assert (f"The {last_loaded + 1} holiday arrangement is not loaded" in page) is shown
    assert (f'href="/admin/calendar?year={last_loaded + 1}"' in page) is (role == "admin")
    freeze(date(last_loaded, 10, 31))  # before November: no banner
    assert "holiday arrangement is not loaded" not in text(client.get(page_url))
    freeze(date(last_loaded - 1, 11, 20))  # next year loaded: no banner
    assert "holiday arrangement is not loaded" not in text(client.get(page_url))


def test_api_due_list_filters_and_scopes(app, crew, make_case, api, freeze):
    filed = make_case(crew.officers[0], filed_on="2015-10-12", officers=crew.officers)
    unfiled = make_case(crew.officers[1])
    client = api(crew.officers[0])
    body = client.get("/api/v1/due?overdue=true").get_json()
    assert [i["case_id"] for i in body["items"]][:2] == [unfiled, filed]  # the longest late first
    assert all(i["overdue"] and i["working_days_left"] < 0 for i in body["items"])
    assert {i["deadline"] for i in body["items"]} == {"Filing", "Closing"}
    only = client.get("/api/v1/due?deadline=close").get_json()["items"]
    assert [i["case_id"] for i in only] == [filed]
    assert client.get("/api/v1/due?deadline=nope").status_code == 422
    assert client.get("/api/v1/due?until=2016-13-01").status_code == 422
    assert api(crew.outsider).get("/api/v1/due").get_json()["items"] == []


def test_the_due_lists_item_column_is_an_item_not_a_review_item(app, as_user, crew, create_call, freeze):
    """In Chinese the due list's 'Item' column reads 事项; it used to borrow the case review's 评查项目."""
    create_call(actor=crew.operator, received_at=datetime(2016, 2, 1, 2, 0, tzinfo=UTC))
    client, _ = as_user(user=crew.operator)
    assert client.post("/language/zh_CN").status_code in (302, 303)
    page = client.get("/due").get_data(as_text=True)
    assert 'lang="zh-CN"' in page
    assert "<th scope=\"col\">事项</th>" in page and "评查项目" not in page
