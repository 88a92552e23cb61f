"""API: monthly statistics, rebuilds and tasks, locking and revisions, the yearly report and its downloads —
roles (401/403), regions (404 outside yours), bad months and years (422, never 500), shapes per api.md and the
OpenAPI document."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from hotline.extensions import db
from tests.stats.builders import CHANGSHA, PROVINCE, ZHUZHOU, add_call, add_case, beijing

MAY = "/api/v1/stats/monthly/2015-05"
YEARLY = "/api/v1/reports/yearly/2015"


@pytest.fixture
def data(app):
    """May 2015: two calls and a dispute in 长沙, a call in 株洲, one against the province; a year before too."""
    with app.app_context():
        add_call(beijing(2015, 5, 4))
        add_call(beijing(2015, 5, 31, 23, 30), channel="wechat")
        add_call(beijing(2015, 5, 5), region_code=ZHUZHOU)
        add_call(beijing(2015, 5, 6), region_code=PROVINCE, request_type="consultation")
        add_call(beijing(2014, 5, 6))
        add_case(received_on=date(2015, 5, 2), filed_on=date(2015, 5, 5), amount_involved="12500.00")
        add_case(received_on=date(2015, 5, 2), filed_on=date(2015, 5, 6), amount_involved="0.10")
        add_case(received_on=date(2014, 5, 2), filed_on=date(2014, 5, 6))
        db.session.commit()


def _add_call(app, when, **fields):
    with app.app_context():
        add_call(when, **fields)
        db.session.commit()


# Who may do what ---------------------------------------------------------------------------------------------

ROUTES = [
    ("GET", MAY, "read"),
    ("GET", f"{YEARLY}", "read"),
    ("GET", f"{YEARLY}.xlsx", "read"),
    ("GET", f"{YEARLY}.docx", "read"),
    ("GET", f"{YEARLY}.csv", "read"),
    ("GET", "/api/v1/tasks/00000000-0000-0000-0000-000000000000", "read"),
    ("POST", f"{MAY}/rebuild", "write"),
    ("POST", f"{MAY}/lock", "write"),
    ("POST", f"{MAY}/revisions/1/accept", "write"),
    ("POST", f"{MAY}/revisions/1/discard", "write"),
]


@pytest.mark.parametrize(("method", "url", "kind"), ROUTES)
def test_every_route_needs_a_token(client, method, url, kind):
    response = client.open(url, method=method)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "url", "kind"), ROUTES)
def test_roles(api, users, method, url, kind):
    refused = ["op", "admin"] + (["officer"] if kind == "write" else [])
    for name in refused:
        response = api(getattr(users, name))._call(method, url)
        assert response.status_code == 403, (name, response.get_json())


def test_officers_and_supervisors_read(api, users, data, documented):
    for user in (users.officer, users.sup, users.officer_cs, users.sup_cs):
        response = api(user).get(MAY)
        assert response.status_code == 200
        documented(response)


# Monthly snapshot --------------------------------------------------------------------------------------------

def test_monthly_snapshot(api, users, data, documented):
    response = api(users.officer).get(MAY)
    assert response.status_code == 200
    body = documented(response)
    assert (body["month"], body["region_code"], body["locked"], body["revision"]) == ("2015-05", PROVINCE, False,
                                                                                      None)
    assert body["computed_at"].endswith("+08:00")
    assert body["calls"]["total"] == 4
    assert body["calls"]["by_channel"]["wechat"] == 1
    assert body["calls"]["by_request_type"]["consultation"] == 1
    assert body["cases"]["disputes"] == body["cases"]["total"] == 2
    assert body["cases"]["amount_involved"] == "12500.10"
    assert set(body) == {"month", "region_code", "computed_at", "locked", "locked_at", "calls", "cases", "revision"}


def test_monthly_snapshot_of_a_region(api, users, data, documented):
    own = documented(api(users.officer_cs).get(MAY))
    assert (own["region_code"], own["calls"]["total"]) == (CHANGSHA, 2)
    assert documented(api(users.officer).get(f"{MAY}?region_code={ZHUZHOU}"))["calls"]["total"] == 1
    assert documented(api(users.sup_cs).get(f"{MAY}?region_code={CHANGSHA}"))["region_code"] == CHANGSHA


@pytest.mark.parametrize("region", [ZHUZHOU, PROVINCE, "999999"])
def test_a_region_outside_yours_is_404(api, users, data, region):
    response = api(users.officer_cs).get(f"{MAY}?region_code={region}")
    assert response.status_code == 404


@pytest.mark.parametrize(("query", "field"), [
    ("region_code=999999", "region_code"),
    ("region_code=4301", "region_code"),
    ("region_code=%E9%95%BF%E6%B2%99", "region_code"),
    ("colour=red", "colour"),
])
def test_bad_query_is_422(api, users, query, field):
    response = api(users.officer).get(f"{MAY}?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


BAD_MONTHS = ["2015-13", "2015-00", "15-05", "2015-5", "201505", "2015-05-01", "abcd-ef", "1999-12",
              "%EF%BC%92%EF%BC%90%EF%BC%91%EF%BC%95-%EF%BC%90%EF%BC%95", "2099-01", "9999-99", "-2015-05",
              "%00"]


@pytest.mark.parametrize("month", BAD_MONTHS)
def test_bad_months_are_422(api, users, month, documented):
    for method, url in (("GET", f"/api/v1/stats/monthly/{month}"),
                        ("POST", f"/api/v1/stats/monthly/{month}/rebuild"),
                        ("POST", f"/api/v1/stats/monthly/{month}/lock"),
                        ("POST", f"/api/v1/stats/monthly/{month}/revisions/1/accept")):
        response = api(users.sup)._call(method, url)
        assert response.status_code == 422, (method, url)
        assert "month" in documented(response)["errors"]


def test_the_snapshot_follows_new_calls_in_embedded_mode(api, users, data, documented):
    assert documented(api(users.officer_cs).get(MAY))["calls"]["total"] == 2
    response = api(users.op).post("/api/v1/calls", json={
        "received_at": "2015-05-20T09:15:00+08:00", "channel": "phone", "request_type": "report",
        "region_code": CHANGSHA, "summary": "举报假冒专利"})
    assert response.status_code == 201
    body = documented(api(users.officer_cs).get(MAY))
    assert body["calls"]["total"] == 3
    assert body["calls"]["by_request_type"]["report"] == 1


# Rebuilds and tasks ------------------------------------------------------------------------------------------

def test_rebuild_runs_and_reports_progress(api, users, data, documented):
    sup = api(users.sup)
    response = sup.post(f"{MAY}/rebuild")
    assert response.status_code == 202
    task_id = documented(response)["task_id"]
    assert response.headers["Location"].endswith(f"/api/v1/tasks/{task_id}")
    task = documented(sup.get(f"/api/v1/tasks/{task_id}"))
    assert (task["state"], task["progress"], task["steps_done"], task["steps_total"]) == ("SUCCESS", 1.0, 1, 1)
    assert task["result"]["months"]["2015-05"][CHANGSHA] == "created"
    assert task["params"] == {"months": ["2015-05"]}
    assert documented(api(users.officer).get(f"/api/v1/tasks/{task_id}"))["state"] == "SUCCESS"


def test_rebuild_a_range(api, users, data, documented):
    response = api(users.sup).post(f"{MAY}/rebuild", json={"to": "2015-07"})
    assert response.status_code == 202
    task = documented(api(users.sup).get(f"/api/v1/tasks/{response.get_json()['task_id']}"))
    assert task["params"]["months"] == ["2015-05", "2015-06", "2015-07"]
    assert (task["state"], task["steps_total"]) == ("SUCCESS", 3)


@pytest.mark.parametrize(("body", "field"), [
    ({"to": "2015-04"}, "months"),
    ({"to": "2015-13"}, "to"),
    ({"to": "2099-01"}, "to"),
    ({"to": 201507}, "to"),
    ({"to": "2025-12"}, "months"),  # more than 120 months
    ({"from": "2015-01"}, "from"),
    ([], "body"),
])
def test_bad_rebuild_bodies_are_422(api, users, body, field, documented):
    response = api(users.sup).post(f"{MAY}/rebuild", json=body)
    assert response.status_code == 422
    assert field in documented(response)["errors"]


def test_a_non_json_rebuild_body_is_422(api, users):
    response = api(users.sup).post(f"{MAY}/rebuild", data="to=2015-07",
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 422


def test_tasks_of_another_region_are_404(api, users, data, documented):
    task_id = api(users.sup_cs).post(f"{MAY}/rebuild").get_json()["task_id"]
    assert documented(api(users.officer_cs).get(f"/api/v1/tasks/{task_id}"))["region_code"] == CHANGSHA
    assert api(users.officer).get(f"/api/v1/tasks/{task_id}").status_code == 200
    assert api(users.officer_zz).get(f"/api/v1/tasks/{task_id}").status_code == 404
    province_task = api(users.sup).post(f"{MAY}/rebuild").get_json()["task_id"]
    assert api(users.officer_cs).get(f"/api/v1/tasks/{province_task}").status_code == 404
    for missing in ("00000000-0000-0000-0000-000000000000", "nope", "x" * 300, "%00"):
        assert api(users.officer).get(f"/api/v1/tasks/{missing}").status_code == 404


def test_a_regions_task_shows_that_regions_results_only(api, users, data, documented):
    """A rebuild computes every region's snapshots; 长沙's run reports 长沙's outcome only — not whether 株洲's month
    was created, updated or became a revision — to 长沙 and to the province alike. The province's run shows all."""
    task_id = api(users.sup_cs).post(f"{MAY}/rebuild").get_json()["task_id"]
    for reader in (users.officer_cs, users.sup_cs, users.officer):
        task = documented(api(reader).get(f"/api/v1/tasks/{task_id}"))
        assert task["state"] == "SUCCESS"
        assert task["result"] == {"months": {"2015-05": {CHANGSHA: "created"}}}, reader
    province_task = api(users.sup).post(f"{MAY}/rebuild").get_json()["task_id"]
    outcomes = documented(api(users.sup).get(f"/api/v1/tasks/{province_task}"))["result"]["months"]["2015-05"]
    assert {CHANGSHA, ZHUZHOU, PROVINCE} <= outcomes.keys()


# Locking and revisions ---------------------------------------------------------------------------------------

def test_lock_then_a_rebuild_becomes_a_revision_to_accept(app, api, users, data, documented):
    sup = api(users.sup)
    response = sup.post(f"{MAY}/lock")
    assert response.status_code == 200
    locked = documented(response)
    assert locked["locked"] is True and locked["locked_at"] and locked["region_code"] == PROVINCE
    assert documented(sup.get(f"{MAY}?region_code={CHANGSHA}"))["locked"] is True  # the province locks all

    _add_call(app, beijing(2015, 5, 20))
    # Even the embedded refresh of the new call's month keeps the locked figures.
    body = documented(sup.get(MAY))
    assert body["calls"] == locked["calls"]
    assert body["revision"]["status"] == "pending"
    assert body["revision"]["calls"]["total"] == 5
    # It names the call that caused it.
    assert [c["ref"] for c in body["revision"]["changes"]["calls"]["added"]] == ["HL-2015-000005"]
    assert body["revision"]["changes"]["cases"] == {"added": [], "removed": [], "changed": []}
    assert documented(sup.post(f"{MAY}/rebuild"))["task_id"]

    revision_id = body["revision"]["id"]
    response = sup.post(f"{MAY}/revisions/{revision_id}/accept")
    assert response.status_code == 200
    accepted = documented(response)
    assert accepted["calls"]["total"] == 5 and accepted["locked"] is True and accepted["revision"] is None
    again = sup.post(f"{MAY}/revisions/{revision_id}/accept")
    assert again.status_code == 409
    assert "accepted" in documented(again)["message"]
    assert sup.post(f"{MAY}/revisions/{revision_id}/discard").status_code == 409


def test_discarding_a_revision_keeps_the_locked_figures(app, api, users, data, documented):
    sup = api(users.sup_cs)
    locked = documented(sup.post(f"{MAY}/lock"))
    assert locked["region_code"] == CHANGSHA
    assert documented(sup.get(f"{MAY}?region_code={CHANGSHA}"))["locked"] is True
    assert documented(api(users.officer).get(f"{MAY}?region_code={ZHUZHOU}"))["locked"] is False
    _add_call(app, beijing(2015, 5, 20))
    revision = documented(sup.get(MAY))["revision"]
    assert revision["calls"]["total"] == 3
    assert api(users.sup_cs).post(f"{MAY}/revisions/{revision['id']}/discard").status_code == 200
    body = documented(sup.get(MAY))
    assert body["calls"] == locked["calls"] and body["revision"] is None


def test_revisions_outside_your_region_or_month_are_404(app, api, users, data):
    api(users.sup).post(f"{MAY}/lock")
    _add_call(app, beijing(2015, 5, 20))
    province = api(users.sup).get(MAY).get_json()["revision"]
    changsha = api(users.sup).get(f"{MAY}?region_code={CHANGSHA}").get_json()["revision"]
    assert api(users.sup_cs).post(f"{MAY}/revisions/{province['id']}/accept").status_code == 404
    assert api(users.sup).post(f"/api/v1/stats/monthly/2015-06/revisions/{changsha['id']}/accept").status_code == 404
    for missing in (999999, 2**63, 2**70):
        assert api(users.sup).post(f"{MAY}/revisions/{missing}/accept").status_code == 404
    assert api(users.sup_cs).post(f"{MAY}/revisions/{changsha['id']}/accept").status_code == 200


def test_lock_checks_the_region(api, users, data):
    assert api(users.sup_cs).post(f"{MAY}/lock?region_code={ZHUZHOU}").status_code == 404
    assert api(users.sup_cs).post(f"{MAY}/lock?region_code={PROVINCE}").status_code == 404
    assert api(users.sup).post(f"{MAY}/lock?region_code=999999").status_code == 422
    assert api(users.officer).get(f"{MAY}?region_code={ZHUZHOU}").get_json()["locked"] is False


# Yearly report -----------------------------------------------------------------------------------------------

def test_yearly_report(api, users, data, documented):
    response = api(users.officer).get(YEARLY)
    assert response.status_code == 200
    body = documented(response)
    assert (body["year"], body["region_code"], body["months"]) == (2015, PROVINCE, 12)
    assert body["cases"]["total"] == 2 and body["cases"]["disputes"] == 2
    assert body["growth"]["cases.total"] == 100.0
    assert body["growth"]["cases.amount_involved"] is None  # no amount in 2014
    assert body["calls"]["total"] == 4 and body["calls"]["phone_total"] == 3
    assert body["calls"]["monthly_average_phone"] == 0
    assert "专利行政执法办案2件，同比增长100.0%" in body["narrative"]
    assert [r["label"] for r in body["by_region"]][-2:] == ["其他", "全省"]
    assert len(body["by_region"]) == 16


def test_yearly_report_of_a_region(api, users, data, documented):
    body = documented(api(users.officer_cs).get(YEARLY))
    assert body["region_code"] == CHANGSHA
    assert body["by_region"] == []
    assert body["narrative"].startswith("2015年，长沙市专利行政执法办案2件")
    assert api(users.officer_cs).get(f"{YEARLY}?region_code={ZHUZHOU}").status_code == 404
    assert documented(api(users.officer).get(f"{YEARLY}?region_code={ZHUZHOU}"))["cases"]["total"] == 0


@pytest.mark.parametrize("year", ["15", "abcd", "1999", "2099", "20155", "%EF%BC%92%EF%BC%90%EF%BC%91%EF%BC%95",
                                  "2015.pdf", "-2015"])
def test_bad_years_are_422(api, users, year, documented):
    for suffix in ("", ".xlsx", ".docx", ".csv"):
        response = api(users.officer).get(f"/api/v1/reports/yearly/{year}{suffix}")
        assert response.status_code == 422, (year, suffix)
        assert "year" in documented(response)["errors"]


def test_xlsx_download_opens(api, users, data):
    from openpyxl import load_workbook

    response = api(users.officer).get(f"{YEARLY}.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert ".xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[0] == "概要"
    cells = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert any("专利行政执法办案2件" in c for c in cells)


def test_docx_download_opens(api, users, data):
    from docx import Document

    response = api(users.officer_cs).get(f"{YEARLY}.docx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    document = Document(io.BytesIO(response.data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "长沙市专利行政执法办案2件" in text


def test_csv_download(api, users, data):
    response = api(users.officer).get(f"{YEARLY}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 1 + 16
    assert rows[-1][0] == "全省"


def test_downloads_check_the_region(api, users, data):
    for suffix in (".xlsx", ".docx", ".csv"):
        assert api(users.officer_cs).get(f"{YEARLY}{suffix}?region_code={ZHUZHOU}").status_code == 404


# The OpenAPI document ----------------------------------------------------------------------------------------

def test_statistics_are_documented(openapi_doc):
    paths = openapi_doc["paths"]
    monthly = paths["/api/v1/stats/monthly/{month}"]["get"]
    assert {"200", "401", "403", "404", "422"} <= set(monthly["responses"])
    assert "region_code" in [p["name"] for p in monthly["parameters"]]
    rebuild = paths["/api/v1/stats/monthly/{month}/rebuild"]["post"]
    assert {"202", "401", "403", "413", "422"} <= set(rebuild["responses"])
    assert rebuild["requestBody"]["required"] is False
    assert rebuild["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/RebuildIn")
    accept = paths["/api/v1/stats/monthly/{month}/revisions/{revision_id}/accept"]["post"]
    assert {"200", "404", "409"} <= set(accept["responses"])
    assert "200" in paths["/api/v1/tasks/{task_id}"]["get"]["responses"]
    for ext, media_type in (("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                            ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")):
        content = paths[f"/api/v1/reports/yearly/{{year}}.{ext}"]["get"]["responses"]["200"]["content"]
        assert list(content) == [media_type]
        assert content[media_type]["schema"]["type"] == "string"
        assert content[media_type]["schema"]["format"] == "binary"
    assert "statistics" in [t["name"] for t in openapi_doc["tags"]]
