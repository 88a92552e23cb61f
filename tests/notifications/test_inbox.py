"""The inbox (我的待办): who sees which deadline, in which order, with how many working days left."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, update

from hotline.accounts.models import User
from hotline.cases.models import Case
from hotline.deadlines.calendar import WorkCalendar, invalidate_calendar_cache
from hotline.deadlines.models import CalendarDay
from hotline.extensions import db
from hotline.inbox import queries as inbox_queries
from hotline.inbox.queries import inbox_items, inbox_page, item_id

TODAY = date(2015, 10, 14)  # a Wednesday


def _items(user, today=TODAY):
    return inbox_items(db.session.get(User, user.id), today, WorkCalendar())


def test_officer_inbox_most_urgent_first_with_working_days_left(app, team, build_case):
    with app.app_context():
        late = build_case("received", received_on="2015-09-01")  # 立案 due 2015-09-09: overdue
        due_today = build_case("received", received_on="2015-10-08")  # 立案 due 2015-10-14 (10 Oct: a workday)
        tomorrow = build_case("received", received_on="2015-10-09")  # 立案 due 2015-10-15
        later = build_case("received", received_on="2015-10-12")  # 立案 due 2015-10-19
        filed = build_case("filed", received_on="2015-10-08", filed_on="2015-10-09")  # 结案 in 2016: not yet
        db.session.commit()
        items = _items(team.officers[0])
        assert [i.case_id for i in items] == [late.id, due_today.id, tomorrow.id, later.id]
        assert filed.id not in {i.case_id for i in items}
        first, today, second, third = items
        assert (today.working_days_left, today.overdue, today.due_on) == (0, False, TODAY)
        assert (first.deadline, first.overdue, first.due_on) == ("立案", True, date(2015, 9, 9))
        # 10 Sep … 14 Oct: 24 working days (1–7 Oct is the National Day holiday, 10 Oct a working Saturday)
        assert first.working_days_left == -WorkCalendar().working_days_between(date(2015, 9, 9), TODAY) < -20
        assert (second.working_days_left, second.overdue, second.due_on) == (1, False, date(2015, 10, 15))
        assert (third.working_days_left, third.due_on) == (3, date(2015, 10, 19))
        assert first.url == f"/cases/{late.id}" and first.title.startswith(f"#{late.id} ")


def test_officer_sees_own_cases_deadlines_not_other_officers(app, team, build_case):
    with app.app_context():
        mine = build_case("filed", received_on="2015-05-04", filed_on="2015-05-05")  # officers[0..2]
        db.session.commit()
        close_due = db.session.get(Case, mine.id).close_due_on
        assert close_due is not None
        on_the_day = _items(team.officers[1], today=close_due)
        assert [(i.case_id, i.deadline, i.working_days_left) for i in on_the_day] == [(mine.id, "结案", 0)]
        assert _items(team.officers[4], today=close_due) == []  # not one of the case's officers
        assert _items(team.other_officer, today=close_due) == []
        assert _items(team.operator, today=close_due) == []


def test_supervisor_gets_the_offices_overdue_cases_but_not_other_offices(app, team, build_case):
    with app.app_context():
        build_case("filed", received_on="2015-01-05", filed_on="2015-01-06")
        db.session.commit()
        today = date(2015, 12, 1)  # the 结案 deadline (3 months + …) has passed
        rows = _items(team.supervisor, today)
        assert [(i.deadline, i.overdue) for i in rows] == [("结案", True)]
        assert _items(team.other_supervisor, today) == []
        assert _items(team.province_supervisor, today) == []  # the province's own cases only


def test_item_without_a_computable_deadline_stays_listed_with_the_missing_year(app, team, build_case):
    with app.app_context():
        case = build_case("received", received_on="2015-10-12")
        db.session.execute(update(Case).where(Case.id == case.id).values(file_due_on=None, next_due_on=None))
        columns = [c.key for c in CalendarDay.__table__.columns]
        saved = [{k: getattr(d, k) for k in columns} for d in db.session.query(CalendarDay)
                 .filter(CalendarDay.day >= date(2015, 1, 1), CalendarDay.day <= date(2015, 12, 31))]
        db.session.execute(delete(CalendarDay).where(CalendarDay.day >= date(2015, 1, 1),
                                                     CalendarDay.day <= date(2015, 12, 31)))
        db.session.commit()
        invalidate_calendar_cache()
        try:
            other = build_case("received", received_on="2016-03-01")  # computable: sorts before
            db.session.commit()
            items = _items(team.officers[0], today=date(2016, 3, 2))
            assert [i.case_id for i in items] == [other.id, case.id]
            missing = items[-1]
            assert (missing.due_on, missing.working_days_left, missing.missing_year) == (None, None, 2015)
        finally:
            db.session.rollback()
            db.session.execute(CalendarDay.__table__.insert(), saved)
            db.session.commit()
            invalidate_calendar_cache()


def test_operator_gets_own_undecided_calls_by_acceptance_deadline(app, team, create_call):
    with app.app_context():
        operator = team.operator
    old = create_call(actor=operator, received_at=datetime(2015, 10, 8, 2, tzinfo=UTC))
    fresh = create_call(actor=operator, received_at=datetime(2015, 10, 13, 2, tzinfo=UTC))
    create_call(received_at=datetime(2015, 10, 13, 3, tzinfo=UTC))  # another operator's
    with app.app_context():
        items = _items(operator)
        assert [(i.call_id, i.deadline) for i in items] == [(old.id, "受理"), (fresh.id, "受理")]
        assert (items[0].due_on, items[0].working_days_left) == (old.accept_due_on, 0) == (TODAY, 0)
        assert items[1].url == f"/calls/{fresh.id}"


def test_adding_a_provider_is_one_line(app, team, monkeypatch):
    from hotline.inbox.items import InboxItem

    extra = InboxItem(kind="approval", title="延期申请", deadline="审批", url="/approvals/1", due_on=TODAY,
                      working_days_left=0, overdue=False, approval_id=1)
    monkeypatch.setattr(inbox_queries, "PROVIDERS", [*inbox_queries.PROVIDERS, lambda u, t, c: [extra]])
    with app.app_context():
        assert _items(team.supervisor) == [extra]
        assert item_id(extra) == "approval:approval=1:审批"


def test_pages_follow_the_cursor_without_repeating(app, team, build_case, monkeypatch):
    with app.app_context():
        for received in ("2015-09-01", "2015-09-02", "2015-10-08", "2015-10-12", "2015-10-13"):
            build_case("received", received_on=received)
        db.session.commit()
        user = db.session.get(User, team.officers[0].id)
        monkeypatch.setattr(inbox_queries, "local_today", lambda: TODAY)
        everything = inbox_items(user, TODAY, WorkCalendar())
        with app.test_request_context():
            seen, cursor = [], None
            while True:
                page, cursor = inbox_page(user, cursor=cursor, page_size=2)
                seen += page
                if cursor is None:
                    break
        assert seen == everything and len(seen) == 5


@pytest.mark.parametrize("cursor", ["nonsense", "W10", "eyJhIjoxfQ"])
def test_a_bad_cursor_is_a_field_error(app, team, cursor):
    from hotline.core.errors import ValidationFailed

    with app.test_request_context():
        with pytest.raises(ValidationFailed) as exc:
            inbox_page(db.session.get(User, team.officers[0].id), cursor=cursor)
        assert "cursor" in exc.value.errors


def test_api_inbox_shape_and_order(app, team, build_case, api):
    with app.app_context():
        late = build_case("received", received_on="2015-09-01").id
        filed = build_case("filed", received_on="2015-05-04", filed_on="2015-05-05").id
        db.session.commit()
    body = api(team.officers[0]).get("/api/v1/inbox").get_json()
    assert set(body) == {"items", "next_cursor"} and body["next_cursor"] is None
    # today (the real date) both deadlines are years overdue: the older one (结案 in August 2015) first
    assert [(i["case_id"], i["deadline"]) for i in body["items"]] == [(filed, "结案"), (late, "立案")]
    item = body["items"][1]
    assert set(item) == {"kind", "id", "title", "deadline", "url", "call_id", "case_id", "transfer_id",
                         "approval_id", "assist_id", "due_on", "working_days_left", "overdue", "missing_year"}
    assert (item["kind"], item["deadline"], item["due_on"], item["overdue"]) == ("deadline", "立案", "2015-09-09",
                                                                                 True)
    assert item["working_days_left"] < -2000 and item["id"] == f"deadline:case={late}:立案"
    paged = api(team.officers[0]).get("/api/v1/inbox?page_size=1").get_json()
    assert [i["case_id"] for i in paged["items"]] == [filed] and paged["next_cursor"]
    rest = api(team.officers[0]).get(f"/api/v1/inbox?page_size=1&cursor={paged['next_cursor']}").get_json()
    assert [i["case_id"] for i in rest["items"]] == [late] and rest["next_cursor"] is None
    assert api(team.officers[0]).get("/api/v1/inbox?cursor=garbage").status_code == 422
    assert api(team.officers[0]).get("/api/v1/inbox?page_size=0").status_code == 422
    assert api(team.operator).get("/api/v1/inbox").get_json() == {"items": [], "next_cursor": None}


def test_every_role_lands_in_the_inbox_with_a_count_in_the_top_bar(app, team, build_case, client, login,
                                                                   create_user):
    with app.app_context():
        build_case("received", received_on="2015-09-01")
        build_case("received", received_on="2015-09-02")
        db.session.commit()
    login(team.officers[0])
    landing = client.get("/", follow_redirects=True)
    html = landing.get_data(as_text=True)
    assert landing.request.path == "/inbox"
    assert 'aria-label="2 open items"' in html and "Overdue by" in html and "立案" in html
    assert client.get("/calls").status_code == 200  # old links keep working
    client.post("/logout")
    for user in (team.operator, create_user("admin", "430000")):
        login(user)
        page = client.get("/", follow_redirects=True)
        assert page.request.path == "/inbox" and "Nothing waits for you." in page.get_data(as_text=True)
        assert "open items" not in page.get_data(as_text=True)
        client.post("/logout")


def test_the_inbox_is_computed_once_per_page(app, team, build_case, client, login, monkeypatch):
    with app.app_context():
        build_case("received", received_on="2015-09-01")
        db.session.commit()
    calls = []
    original = list(inbox_queries.PROVIDERS)

    def counting(user, today, cal):
        calls.append(user.id)
        return []

    monkeypatch.setattr(inbox_queries, "PROVIDERS", [*original, counting])
    login(team.officers[0])
    client.get("/inbox")  # the page and the top bar's count
    client.get("/calls")  # any page: the top bar's count
    assert calls == [team.officers[0].id, team.officers[0].id]
