"""Statistics pages: the monthly snapshot, region scoping and roles, rebuild with progress, lock and revisions,
the yearly summary, bad input."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from hotline.calls.models import Call
from hotline.extensions import db
from hotline.stats.compute import Month
from hotline.stats.models import MonthlySnapshot, SnapshotRevision, TaskRun
from tests.stats.page_helpers import CHANGSHA, PROVINCE, ZHUZHOU, beijing, chart_specs, make_case, people

__all__ = ["make_case", "people"]  # fixtures used by the tests below


def snapshot_data(app, month: str, region_code: str) -> dict:
    with app.app_context():
        snap = db.session.scalar(select(MonthlySnapshot).where(MonthlySnapshot.month == Month.parse(month).first_day,
                                                               MonthlySnapshot.region_code == region_code))
        return snap.data if snap else None


def request_type_counts(html: str) -> dict[str, int]:
    spec = chart_specs(html)["request_type"]
    return dict(zip(spec["categories"], spec["series"][0]["data"], strict=True))


def kpi_value(html: str, label: str) -> str:
    pattern = rf'<span class="kpi-label">{re.escape(label)}</span>\s*<strong class="kpi-value">([^<]*)</strong>'
    match = re.search(pattern, html)
    assert match, f"no KPI {label!r}"
    return match.group(1)


# ---------------------------------------------------------------------------------------------------------------
# The monthly page


def test_monthly_counts_calls_by_beijing_month(client, login, people, create_call):
    create_call(received_at=beijing(2015, 5, 31, 23, 30), region_code=CHANGSHA, request_type="complaint")
    create_call(received_at=beijing(2015, 6, 1, 0, 30), region_code=CHANGSHA, request_type="consultation")
    create_call(received_at=beijing(2015, 6, 2, 9, 0), region_code=CHANGSHA, request_type="consultation",
                channel="wechat")
    login(people.officers[0])

    may = client.get("/stats/monthly?month=2015-05")
    assert may.status_code == 200
    html = may.get_data(as_text=True)
    assert kpi_value(html, "Calls received") == "1"
    counts = request_type_counts(html)
    assert counts["Complaint"] == 1 and counts["Consultation"] == 0

    june = client.get("/stats/monthly?month=2015-06&region_code=430100").get_data(as_text=True)
    assert kpi_value(june, "Calls received") == "2"
    counts = request_type_counts(june)
    assert counts["Consultation"] == 2 and counts["Complaint"] == 0
    channels = {item["name"]: item["value"] for item in chart_specs(june)["channel"]["items"]}
    assert channels == {"Phone": 1, "WeChat": 1}
    assert "长沙市 · 2015-06" in june


def test_monthly_shows_case_figures_and_money(client, login, people, make_case):
    make_case("infringement_dispute", received_on="2015-05-04", filed_on="2015-05-06", amount_involved="1234567.50")
    make_case("counterfeit", received_on="2015-05-04", filed_on="2015-05-05", closed_on="2015-05-20",
              outcome="penalized", close_data={"fine_amount": "5000.00", "confiscated_amount": "800.00"})
    make_case("other_dispute", received_on="2015-05-04", filed_on="2015-05-06", closed_on="2015-05-25",
              outcome="mediated")
    login(people.supervisor)
    html = client.get("/stats/monthly?month=2015-05").get_data(as_text=True)
    assert kpi_value(html, "Cases handled") == "3"
    assert kpi_value(html, "Closed") == "2"
    assert kpi_value(html, "Pending at month end") == "1"
    specs = chart_specs(html)
    assert {i["name"]: i["value"] for i in specs["filed"]["items"]} == {
        "Infringement disputes": 1, "Other patent disputes": 1, "Counterfeit patents": 1}
    outcomes = dict(zip(specs["outcomes"]["categories"], specs["outcomes"]["series"][0]["data"], strict=True))
    assert outcomes == {"Mediated": 1, "Penalized": 1}
    assert "¥1,234,567.50" in html
    assert "¥5,000.00" in html and "¥800.00" in html
    assert "Not locked" in html


def test_chart_data_is_json_safe_against_script_injection(client, login, people):
    login(people.officers[0])
    html = client.get("/stats/monthly?month=2015-05").get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="stats-charts">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block
    assert "<script>" not in html.replace('<script type="application/json" id="stats-charts">', "")
    assert 'src="/static/vendor/echarts/echarts.min.js"' in html
    assert 'src="/static/js/stats.js"' in html


def test_echarts_is_served_from_static(client):
    response = client.get("/static/vendor/echarts/echarts.min.js")
    assert response.status_code == 200
    assert b"echarts" in response.data[:2000].lower() or len(response.data) > 500_000
    response.close()


def test_current_month_follows_new_data_in_embedded_mode(client, login, people, create_call):
    login(people.officers[0])
    first = client.get("/stats/monthly").get_data(as_text=True)
    assert kpi_value(first, "Calls received") == "0"
    create_call(region_code=CHANGSHA, received_at=datetime.now(UTC))
    second = client.get("/stats/monthly").get_data(as_text=True)
    assert kpi_value(second, "Calls received") == "1"


# ---------------------------------------------------------------------------------------------------------------
# Roles and region scoping


def test_region_officer_sees_only_their_region(client, login, people, create_call):
    create_call(received_at=beijing(2015, 5, 10), region_code=CHANGSHA)
    create_call(received_at=beijing(2015, 5, 11), region_code=CHANGSHA)
    create_call(received_at=beijing(2015, 5, 12), region_code=ZHUZHOU)
    login(people.zhuzhou_officer)
    assert client.get("/stats/monthly?month=2015-05&region_code=430100").status_code == 404
    assert client.get("/stats/monthly?month=2015-05&region_code=430000").status_code == 404
    assert client.get("/stats/yearly?year=2015&region_code=430100").status_code == 404
    assert client.get("/stats/yearly/2015.xlsx?region_code=430100").status_code == 404
    assert client.get("/stats/monthly/2015-05.xlsx?region_code=430000").status_code == 404
    own = client.get("/stats/monthly?month=2015-05")
    html = own.get_data(as_text=True)
    assert own.status_code == 200
    assert kpi_value(html, "Calls received") == "1"
    assert "株洲市 · 2015-05" in html
    assert '<select id="region_code"' not in html  # no region picker for a 市州 user


def test_province_users_pick_any_region_or_the_province(client, login, people, create_call):
    create_call(received_at=beijing(2015, 5, 10), region_code=CHANGSHA)
    create_call(received_at=beijing(2015, 5, 12), region_code=ZHUZHOU)
    create_call(received_at=beijing(2015, 5, 12), region_code=PROVINCE)
    login(people.province_officer)
    assert kpi_value(client.get("/stats/monthly?month=2015-05").get_data(as_text=True), "Calls received") == "3"
    assert kpi_value(client.get("/stats/monthly?month=2015-05&region_code=430200").get_data(as_text=True),
                     "Calls received") == "1"
    assert client.get("/stats/monthly?month=2015-05&region_code=999999").status_code == 404


@pytest.mark.parametrize("role", ["operator", "admin"])
def test_operators_and_admins_may_not_read_statistics(client, login, people, role):
    login(getattr(people, role))
    for url in ("/stats/monthly", "/stats/yearly", "/stats/yearly/2015.csv", "/stats/monthly/2015-05.xlsx"):
        assert client.get(url).status_code == 403, url


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/stats/monthly")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_officers_cannot_rebuild_lock_or_decide(client, login, people):
    login(people.officers[0])
    html = client.get("/stats/monthly?month=2015-05").get_data(as_text=True)
    assert "Lock and rebuild" not in html
    assert client.post("/stats/rebuild", data={"month_from": "2015-05", "month_to": "2015-05"}).status_code == 403
    assert client.post("/stats/monthly/2015-05/lock").status_code == 403
    assert client.post("/stats/revisions/1/accept").status_code == 403


def test_nav_shows_statistics_for_officers_and_supervisors_only(client, login, people):
    login(people.supervisor)
    assert 'href="/stats/monthly"' in client.get("/stats/yearly?year=2015").get_data(as_text=True)
    client.post("/logout")
    login(people.operator)
    assert 'href="/stats/monthly"' not in client.get("/").get_data(as_text=True)


# ---------------------------------------------------------------------------------------------------------------
# Rebuild and progress


def test_rebuild_runs_in_process_and_reports_success(app, client, login, people, create_call):
    create_call(received_at=beijing(2015, 5, 10), region_code=CHANGSHA)
    login(people.supervisor)
    response = client.post("/stats/rebuild?month=2015-05&region_code=430100",
                           data={"month_from": "2015-04", "month_to": "2015-06"})
    assert response.status_code == 302
    task_id = response.headers["Location"].rsplit("/", 1)[1]
    with app.app_context():
        run = db.session.get(TaskRun, task_id)
        assert run.state == "SUCCESS" and run.progress == 1.0
        assert run.params["months"] == ["2015-04", "2015-05", "2015-06"]
        assert run.region_code == CHANGSHA
    status = client.get(f"/stats/tasks/{task_id}.json")
    assert status.status_code == 200
    body = status.get_json()
    assert body["state"] == "SUCCESS" and body["progress"] == 1.0 and body["done"] is True
    assert body["steps_done"] == body["steps_total"] == 3
    assert [m["month"] for m in body["months"]] == ["2015-04", "2015-05", "2015-06"]
    page = client.get(f"/stats/tasks/{task_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="task-bar" max="1" value="1.0"' in html
    assert "Done" in html
    assert snapshot_data(app, "2015-05", CHANGSHA)["calls"]["total"] == 1


def test_task_of_another_region_is_404(client, login, people):
    login(people.supervisor)
    task_id = client.post("/stats/rebuild", data={"month_from": "2015-05", "month_to": "2015-05"}
                          ).headers["Location"].rsplit("/", 1)[1]
    client.post("/logout")
    login(people.zhuzhou_supervisor)
    assert client.get(f"/stats/tasks/{task_id}").status_code == 404
    assert client.get(f"/stats/tasks/{task_id}.json").status_code == 404
    assert client.get(f"/stats/tasks/{uuid.uuid4()}.json").status_code == 404
    assert client.get("/stats/tasks/not-a-uuid").status_code == 404
    client.post("/logout")
    login(people.province_supervisor)
    assert client.get(f"/stats/tasks/{task_id}.json").status_code == 200


def test_rebuild_form_errors_are_shown_not_500(client, login, people):
    login(people.supervisor)
    response = client.post("/stats/rebuild?month=2015-05", data={"month_from": "2015-06", "month_to": "2015-05"})
    assert response.status_code == 400
    assert "The last month is before the first." in response.get_data(as_text=True)
    response = client.post("/stats/rebuild", data={"month_from": "2015-13", "month_to": "x"})
    assert response.status_code == 400
    assert "Enter a month as YYYY-MM" in response.get_data(as_text=True)
    response = client.post("/stats/rebuild", data={"month_from": "2000-01", "month_to": "2015-05"})
    assert response.status_code == 400
    assert "At most 120 months at once." in response.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------------------------
# Lock (报送) and revisions


def _lock_add_rebuild(app, client, login, people, create_call):
    create_call(received_at=beijing(2015, 5, 10), region_code=CHANGSHA)
    login(people.supervisor)
    response = client.post("/stats/monthly/2015-05/lock?region_code=430100")
    assert response.status_code == 302
    assert "month=2015-05" in response.headers["Location"]
    html = client.get("/stats/monthly?month=2015-05").get_data(as_text=True)
    assert "Locked (报送)" in html
    assert "is locked for 长沙市" in html
    create_call(received_at=beijing(2015, 5, 20), region_code=CHANGSHA)
    client.post("/stats/rebuild", data={"month_from": "2015-05", "month_to": "2015-05"})
    assert snapshot_data(app, "2015-05", CHANGSHA)["calls"]["total"] == 1  # locked figures untouched
    client.get("/stats/monthly?month=2015-05")  # embedded mode: the page view drains the outbox too
    with app.app_context():
        revision = db.session.scalar(select(SnapshotRevision).where(SnapshotRevision.status == "pending")
                                     .join(MonthlySnapshot).where(MonthlySnapshot.region_code == CHANGSHA))
        return revision.id


def test_lock_then_new_data_gives_a_pending_revision_side_by_side(app, client, login, people, create_call):
    _lock_add_rebuild(app, client, login, people, create_call)
    html = client.get("/stats/monthly?month=2015-05").get_data(as_text=True)
    assert "Pending revision of the locked figures" in html
    row = re.search(r'<tr class="changed">\s*<th scope="row"><span class="muted">Calls ·</span> Calls received</th>'
                    r'\s*<td class="num old">(\d+)</td>\s*<td class="num new">(\d+)</td>', html)
    assert row and row.groups() == ("1", "2")
    assert kpi_value(html, "Calls received") == "1"  # the page shows the locked figures
    assert "Accept the revision" in html
    # It names the call that caused it, linked.
    with app.app_context():
        added = db.session.scalar(select(Call).order_by(Call.received_at.desc()))
    assert re.search(rf'Calls added \(1\)</dt>\s*<dd><a href="/calls/{added.id}">{added.ref}</a></dd>', html)


def test_accept_replaces_the_locked_figures(app, client, login, people, create_call):
    revision_id = _lock_add_rebuild(app, client, login, people, create_call)
    response = client.post(f"/stats/revisions/{revision_id}/accept")
    assert response.status_code == 302
    assert snapshot_data(app, "2015-05", CHANGSHA)["calls"]["total"] == 2
    html = client.get("/stats/monthly?month=2015-05").get_data(as_text=True)
    assert "Pending revision" not in html
    assert kpi_value(html, "Calls received") == "2"
    assert client.post(f"/stats/revisions/{revision_id}/accept", follow_redirects=True).status_code == 200


def test_discard_keeps_the_locked_figures(app, client, login, people, create_call):
    revision_id = _lock_add_rebuild(app, client, login, people, create_call)
    assert client.post(f"/stats/revisions/{revision_id}/discard").status_code == 302
    assert snapshot_data(app, "2015-05", CHANGSHA)["calls"]["total"] == 1
    with app.app_context():
        assert db.session.get(SnapshotRevision, revision_id).status == "discarded"
    html = client.get("/stats/monthly?month=2015-05").get_data(as_text=True)
    assert "Pending revision" not in html
    assert kpi_value(html, "Calls received") == "1"


def test_revisions_of_another_region_are_404(app, client, login, people, create_call):
    revision_id = _lock_add_rebuild(app, client, login, people, create_call)
    client.post("/logout")
    login(people.zhuzhou_supervisor)
    assert client.post(f"/stats/revisions/{revision_id}/accept").status_code == 404
    assert client.post("/stats/revisions/99999999999/accept").status_code == 404
    assert snapshot_data(app, "2015-05", CHANGSHA)["calls"]["total"] == 1


def test_province_supervisor_locks_every_region(app, client, login, people):
    login(people.province_supervisor)
    assert client.post("/stats/monthly/2015-05/lock").status_code == 302
    with app.app_context():
        snaps = db.session.scalars(select(MonthlySnapshot).where(
            MonthlySnapshot.month == Month(2015, 5).first_day)).all()
        assert len(snaps) == 15 and all(s.locked for s in snaps)


def test_lock_of_a_future_month_is_404(client, login, people):
    login(people.supervisor)
    assert client.post("/stats/monthly/2999-01/lock").status_code == 404
    assert client.post("/stats/monthly/2015-13/lock").status_code == 404


# ---------------------------------------------------------------------------------------------------------------
# The yearly page


def test_yearly_page_shows_narrative_and_growth(client, login, people, make_case, create_call):
    for day in ("2014-03-03", "2014-09-01"):
        make_case("infringement_dispute", received_on=day, filed_on=day)
    for day in ("2015-03-02", "2015-06-01", "2015-11-02"):
        make_case("infringement_dispute", received_on=day, filed_on=day)
    create_call(received_at=beijing(2015, 5, 10), region_code=CHANGSHA)
    login(people.province_supervisor)
    response = client.get("/stats/yearly?year=2015")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "专利行政执法办案3件，同比增长50.0%" in html
    assert "2015年，全省" in html
    assert '<span class="growth growth-up">+50.0%</span>' in html
    specs = chart_specs(html)
    assert specs["cases_monthly"]["series"][0]["data"][2] == 1  # March
    assert sum(specs["year_over_year"]["series"][1]["data"]) == 2  # 2014
    regions = specs["regions"]["categories"]
    assert regions[0] == "长沙市" and regions[13] == "湘西州" and len(regions) == 15  # 14 市州 + 其他
    labels = re.findall(r'<tr class="(?:total-row)?">\s*<th scope="row">(?:<a [^>]*>)?([^<]+)', html)
    assert labels[0] == "长沙市" and labels[13] == "湘西州" and labels[14:] == ["其他", "全省"]
    for fmt in ("xlsx", "docx", "csv"):
        assert f'href="/stats/yearly/2015.{fmt}?region_code=430000"' in html


def test_yearly_page_of_a_region(client, login, people, make_case):
    make_case("counterfeit", received_on="2015-03-02", filed_on="2015-03-03")
    login(people.officers[0])
    html = client.get("/stats/yearly?year=2015").get_data(as_text=True)
    assert "2015年，长沙市专利行政执法办案1件" in html
    assert "By region" not in html
    assert "regions" not in chart_specs(html)


# ---------------------------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize("month", ["2015-13", "abc", "2015-5", "1999-12", "2999-01", "2015-00", "2015-05-01",
                                   "2015-05x"])
def test_bad_month_is_a_clear_400(client, login, people, month):
    login(people.officers[0])
    response = client.get(f"/stats/monthly?month={month}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "No figures shown" in html
    assert "Enter a month as YYYY-MM" in html or "This month has not started yet." in html


def test_full_width_digits_are_read_as_a_month(client, login, people):
    login(people.officers[0])
    assert client.get("/stats/monthly?month=&region_code=").status_code == 200  # empty: this month
    assert client.get("/stats/yearly?year=２０１５").status_code == 200
    response = client.get("/stats/monthly?month=２０１５－０５")
    assert response.status_code == 200
    assert "长沙市 · 2015-05" in response.get_data(as_text=True)


@pytest.mark.parametrize("year", ["abc", "20150", "1999", "2999", "-1", "2015.0"])
def test_bad_year_is_a_clear_400(client, login, people, year):
    login(people.officers[0])
    response = client.get(f"/stats/yearly?year={year}")
    assert response.status_code == 400
    assert "is not a year with statistics" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/stats/yearly/2015.pdf", "/stats/yearly/abc.xlsx", "/stats/yearly/2999.xlsx",
                                 "/stats/yearly/1999.csv", "/stats/monthly/2015-13.xlsx", "/stats/monthly/x.xlsx"])
def test_bad_export_urls_are_404(client, login, people, url):
    login(people.officers[0])
    assert client.get(url).status_code == 404
