"""Major-case supervision (重大案件督办) as a flow: the province designates a 市州 case with instructions and
report-back dates; the handling office's inboxes hold each report due; reports are case events; overdue reports
show in both offices' inboxes; the supervising office ends it; the statistics count supervised cases."""

from __future__ import annotations

import re
from datetime import date
from html import unescape
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from hotline.extensions import db
from tests.factories import PASSWORD

REGION, OTHER_REGION, PROVINCE = "430100", "430200", "430000"
TODAY = date(2016, 3, 1)  # a Tuesday; the seeded calendar covers 2004–2026
PROGRESS, FINAL = date(2016, 3, 15), date(2016, 5, 31)


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def freeze(monkeypatch):
    def set_today(day: date) -> None:
        for module in ("hotline.supervision.operations", "hotline.supervision.views", "hotline.api.supervision",
                       "hotline.cases.views", "hotline.cases.queries", "hotline.cases.operations",
                       "hotline.inbox.due_views"):
            monkeypatch.setattr(f"{module}.local_today", lambda: day)

    set_today(TODAY)
    return set_today


@pytest.fixture
def people(create_user):
    return SimpleNamespace(
        officers=[create_user("officer", REGION, display_name=f"办案员{i}") for i in range(1, 4)],
        other_officer=create_user("officer", REGION, display_name="别的办案员"),
        supervisor=create_user("supervisor", REGION, display_name="长沙科长"),
        province=create_user("supervisor", PROVINCE, display_name="省局处长"),
        province_officer=create_user("officer", PROVINCE, display_name="省局办案员"),
        outsider=create_user("supervisor", OTHER_REGION, display_name="株洲科长"),
    )


@pytest.fixture
def login(app):
    def factory(user):
        client = app.test_client()
        assert client.post("/language/en").status_code == 302
        assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
        return client

    return factory


@pytest.fixture
def filed_case(app, people, freeze):
    """A filed case of 长沙 (officers: the three 办案员)."""
    from hotline.accounts.models import User
    from hotline.cases.operations import create_case, perform_action

    with app.app_context():
        actor = db.session.get(User, people.officers[0].id)
        case = create_case({"case_type": "infringement_dispute", "region_code": REGION, "source": "request",
                            "received_on": "2016-01-05", "summary": "被请求人大量制造销售侵权产品，涉案金额巨大",
                            "respondent_name": "长沙某某机械有限公司"}, actor=actor)
        perform_action(case, "file", {"filed_on": "2016-01-06", "officer_ids": [o.id for o in people.officers]},
                       actor=actor, expected_version=case.version)
        db.session.commit()
        return case.id


def case_row(app, case_id):
    from hotline.cases.models import Case

    with app.app_context():
        case = db.session.get(Case, case_id)
        db.session.refresh(case)
        return SimpleNamespace(version=case.version, is_major=case.is_major, status=case.status,
                               events=[(e.kind, e.note) for e in case.events])


def designate_by_web(app, login, people, case_id) -> int:
    client = login(people.province)
    page = text(client.get(f"/cases/{case_id}"))
    assert f'href="/supervisions/designate/{case_id}"' in page  # the case page offers it to the province
    response = client.post(f"/supervisions/designate/{case_id}", data={
        "version": case_row(app, case_id).version, "instructions": "限期查处，每两周报告进展",
        "progress_dates": PROGRESS.isoformat(), "final_due_on": FINAL.isoformat()})
    assert response.status_code == 302, text(response)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def inbox(app, user, today=TODAY):
    from hotline.accounts.models import User
    from hotline.deadlines.calendar import WorkCalendar
    from hotline.supervision.queries import inbox_items

    with app.app_context():
        return inbox_items(db.session.get(User, user.id), today, WorkCalendar())


def test_the_province_designates_and_the_handling_office_reports(app, login, people, filed_case):
    supervision_id = designate_by_web(app, login, people, filed_case)
    case = case_row(app, filed_case)
    assert case.is_major and ("supervision_designated", "限期查处，每两周报告进展") in case.events

    # the handling office's inbox holds the next report due: the case's officers and 长沙's supervisor
    for user in (people.officers[0], people.supervisor):
        items = inbox(app, user)
        assert [(i.kind, i.deadline, i.due_on, i.overdue) for i in items] == [
            ("report", "Progress report", PROGRESS, False)]
        assert items[0].url == f"/supervisions/{supervision_id}" and items[0].case_id == filed_case
        assert items[0].working_days_left == 10
    # not for an officer who is not on the case, nor for the supervising office before anything is late
    assert inbox(app, people.other_officer) == [] and inbox(app, people.province) == []

    officer = login(people.officers[0])
    page = text(officer.get(f"/supervisions/{supervision_id}"))
    assert "限期查处" in page and "Give the report" in page and "End the supervision" not in page
    report_id = int(re.search(r'/reports/(\d+)"', page).group(1))
    version = int(re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1))
    assert officer.post(f"/supervisions/{supervision_id}/reports/{report_id}",
                        data={"version": version, "text": ""}).status_code == 422  # a report needs its text
    response = officer.post(f"/supervisions/{supervision_id}/reports/{report_id}",
                            data={"version": version, "text": "已完成现场检查，扣押侵权产品200件"})
    assert response.status_code == 302
    assert ("supervision_report", "已完成现场检查，扣押侵权产品200件") in case_row(app, filed_case).events
    # the same report again: the old form's version is stale
    assert officer.post(f"/supervisions/{supervision_id}/reports/{report_id}",
                        data={"version": version, "text": "再报一次"}).status_code == 409
    # the next one due is the final report
    assert [(i.deadline, i.due_on) for i in inbox(app, people.officers[0])] == [("Final report", FINAL)]

    # the final report waits for the case to be closed
    page = text(officer.get(f"/supervisions/{supervision_id}"))
    final_id = int(re.search(r'/reports/(\d+)"', page).group(1))
    version = int(re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1))
    response = officer.post(f"/supervisions/{supervision_id}/reports/{final_id}",
                            data={"version": version, "text": "结案"})
    assert response.status_code == 409 and "status 'filed'" in text(response)


def test_overdue_reports_show_in_both_offices_inboxes(app, login, people, filed_case, freeze):
    designate_by_web(app, login, people, filed_case)
    later = date(2016, 3, 18)  # the progress report was due 03-15 (Tue): 3 working days late
    for user in (people.officers[1], people.supervisor, people.province):
        items = inbox(app, user, later)
        assert [(i.deadline, i.overdue, i.working_days_left) for i in items] == [("Progress report", True, -3)]
    assert inbox(app, people.outsider, later) == []
    # and on the due lists of both offices
    freeze(later)
    for user in (people.officers[1], people.province):
        page = text(login(user).get("/due?scope=region&deadline=report_progress"))
        assert "Progress report" in page and "3 working days late" in page


def test_only_a_higher_office_designates_and_ends(app, login, people, filed_case, api):
    version = case_row(app, filed_case).version
    body = {"instructions": "督办", "reports": [{"kind": "final", "due_on": FINAL.isoformat()}], "version": version}
    assert login(people.supervisor).get(f"/supervisions/designate/{filed_case}").status_code == 403
    assert api(people.supervisor).post(f"/api/v1/cases/{filed_case}/supervision", json=body).status_code == 403
    assert api(people.officers[0]).post(f"/api/v1/cases/{filed_case}/supervision", json=body).status_code == 403
    assert api(people.outsider).post(f"/api/v1/cases/{filed_case}/supervision", json=body).status_code == 404
    assert case_row(app, filed_case).version == version and not case_row(app, filed_case).is_major

    province = api(people.province)
    response = province.post(f"/api/v1/cases/{filed_case}/supervision", json=body)
    assert response.status_code == 201, response.get_json()
    supervision = response.get_json()
    assert supervision["status"] == "active" and supervision["supervising_region_code"] == PROVINCE
    assert [r["kind"] for r in supervision["reports"]] == ["final"]
    # a second designation of the same case: 409
    again = province.post(f"/api/v1/cases/{filed_case}/supervision",
                          json={**body, "version": case_row(app, filed_case).version})
    assert again.status_code == 409 and "already under supervision" in again.get_json()["message"]

    url = f"/api/v1/supervisions/{supervision['id']}/close"
    assert api(people.supervisor).post(url, json={"version": supervision["version"]}).status_code == 403
    assert api(people.outsider).post(url, json={"version": supervision["version"]}).status_code == 404
    assert province.post(url, json={"version": supervision["version"] + 5}).status_code == 409  # stale
    closed = province.post(url, json={"version": supervision["version"], "note": "督办事项已落实"})
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert ("supervision_closed", "督办事项已落实") in case_row(app, filed_case).events
    again = province.post(url, json={"version": closed.get_json()["version"]})
    assert again.status_code == 409 and "'closed'" in again.get_json()["message"]
    # ended: no report is due any more
    assert inbox(app, people.officers[0]) == []


def test_api_reports_by_due_date_and_bad_input(app, people, filed_case, api):
    province = api(people.province)
    url = f"/api/v1/cases/{filed_case}/supervision"
    version = case_row(app, filed_case).version
    bad = [
        ({"instructions": "督办", "reports": [], "version": version}, "reports"),
        ({"instructions": "督办", "reports": [{"kind": "progress", "due_on": PROGRESS.isoformat()}],
          "version": version}, "final_due_on"),
        ({"instructions": "督办", "reports": [{"kind": "final", "due_on": "2016-02-01"}], "version": version},
         "final_due_on"),
        ({"instructions": "督办", "reports": [{"kind": "final", "due_on": PROGRESS.isoformat()},
                                             {"kind": "progress", "due_on": FINAL.isoformat()}],
          "version": version}, "reports"),
        ({"instructions": "  ", "reports": [{"kind": "final", "due_on": FINAL.isoformat()}], "version": version},
         "instructions"),
        ({"instructions": "督办", "reports": [{"kind": "weekly", "due_on": FINAL.isoformat()}], "version": version},
         "reports"),
        ({"instructions": "督办", "reports": [{"kind": "final", "due_on": FINAL.isoformat()}]}, "version"),
    ]
    for body, field in bad:
        response = province.post(url, json=body)
        assert response.status_code == 422, (body, response.get_json())
        assert any(key.startswith(field) for key in response.get_json()["errors"]), (body, response.get_json())
    assert province.post(url, json={"instructions": "督办", "version": version + 3, "reports": [
        {"kind": "final", "due_on": FINAL.isoformat()}]}).status_code == 409

    created = province.post(url, json={"instructions": "督办", "version": version, "reports": [
        {"kind": "progress", "due_on": PROGRESS.isoformat()}, {"kind": "final", "due_on": FINAL.isoformat()}]})
    supervision = created.get_json()
    reports_url = f"/api/v1/supervisions/{supervision['id']}/reports"
    officer = api(people.officers[0])
    assert api(people.other_officer).post(reports_url, json={"due_on": PROGRESS.isoformat(), "text": "x",
                                                              "version": supervision["version"]}).status_code == 403
    assert officer.post(reports_url, json={"due_on": "2016-04-01", "text": "进展",
                                           "version": supervision["version"]}).status_code == 422
    response = officer.post(reports_url, json={"due_on": PROGRESS.isoformat(), "text": "进展顺利",
                                               "version": supervision["version"]})
    assert response.status_code == 200, response.get_json()
    report = response.get_json()["reports"][0]
    assert report["submitted_on"] == TODAY.isoformat() and report["text"] == "进展顺利" and report["case_event_id"]
    assert response.get_json()["version"] == supervision["version"] + 1
    # listed for both offices; not for another region
    assert [s["id"] for s in officer.get("/api/v1/supervisions").get_json()["items"]] == [supervision["id"]]
    assert [s["id"] for s in province.get("/api/v1/supervisions?status=active").get_json()["items"]] == [
        supervision["id"]]
    assert api(people.outsider).get("/api/v1/supervisions").get_json()["items"] == []
    assert officer.get("/api/v1/supervisions?status=nope").status_code == 422
    assert api(people.outsider).get(f"/supervisions/{supervision['id']}").status_code in (302, 404)


def test_statistics_count_supervised_cases_opened_and_closed(app, login, people, filed_case):
    from hotline.accounts.models import User
    from hotline.stats.compute import Month, compute_month
    from hotline.supervision.models import Supervision
    from hotline.supervision.operations import close_supervision

    supervision_id = designate_by_web(app, login, people, filed_case)

    def figures(month: str) -> dict:
        with app.app_context():
            return compute_month(Month.parse(month))

    march = figures("2016-03")
    assert march[REGION]["cases"]["supervised_opened"] == 1 and march[REGION]["cases"]["supervised_closed"] == 0
    assert march[PROVINCE]["cases"]["supervised_opened"] == 1  # the province total
    assert march[OTHER_REGION]["cases"]["supervised_opened"] == 0
    with app.app_context():
        supervision = db.session.get(Supervision, supervision_id)
        close_supervision(supervision, {}, actor=db.session.get(User, people.province.id),
                          expected_version=supervision.version)
        db.session.commit()
    assert figures("2016-03")[REGION]["cases"]["supervised_closed"] == 1
    assert figures("2016-02")[REGION]["cases"]["supervised_opened"] == 0
    # shown on the statistics page
    page = text(login(people.supervisor).get("/stats/monthly?month=2016-03&rebuild=1"))
    assert "Supervised cases opened (督办)" in page and "Supervised cases closed (督办结束)" in page


def test_supervision_events_are_case_events_on_the_timeline(app, login, people, filed_case):
    """A supervision event is a case event of a kind the database accepts (the CHECK constraint lists it)."""
    from hotline.cases.models import CaseEvent

    designate_by_web(app, login, people, filed_case)
    with app.app_context():
        kinds = set(db.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == filed_case)))
    assert "supervision_designated" in kinds
