"""Performance of the regions (绩效考核) as a user meets it: the page (ranking chart, table, formulas, trends,
selectors), the API contract, who sees which table, the XLSX and DOCX downloads, and the statistics page a
supervisor opens (the last 12 months beside the month, the 市州 ranking, no chart mixing overlapping categories)."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest

from hotline.extensions import db
from tests.api.conftest import documented, openapi_doc
from tests.stats.builders import add_case
from tests.stats.page_helpers import CHANGSHA, PROVINCE, ZHUZHOU, chart_specs, people

#: Fixtures from elsewhere, used by name in the tests below.
FIXTURES = (documented, openapi_doc, people)
PAGE = "/stats/performance"
API = "/api/v1/reports/performance"


@pytest.fixture
def may_2015(app):
    """May 2015: 长沙 files one case on time and one late; 株洲 files one on time (株洲 ranks first)."""
    with app.app_context():
        add_case(received_on=date(2015, 5, 2), filed_on=date(2015, 5, 4), file_due_on=date(2015, 5, 9))
        add_case(received_on=date(2015, 5, 2), filed_on=date(2015, 5, 14), file_due_on=date(2015, 5, 9))
        add_case(region_code=ZHUZHOU, received_on=date(2015, 5, 2), filed_on=date(2015, 5, 5),
                 file_due_on=date(2015, 5, 9))
        db.session.commit()


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-region="(\d{6})">', html)


# The page ---------------------------------------------------------------------------------------------------------

def test_supervisor_sees_ranking_table_formulas_and_trends(client, login, people, may_2015):
    login(people.supervisor)
    response = client.get(f"{PAGE}?year=2015&month=5")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = _rows(html)
    assert len(rows) == 14 and rows[:2] == [ZHUZHOU, CHANGSHA]   # ranked: 株洲 100 %, 长沙 50 %
    assert "按期立案率" in html and "期末逾期件数" in html
    assert "期内结案数 ÷ (期初未结案数 + 期内立案数)" in html                 # the formula on the page
    assert "权重按其余指标重新折算" in html                                    # how nulls count in the score
    charts = chart_specs(html)
    assert charts["ranking"]["categories"][:2] == ["株洲市", "长沙市"]
    # Filed on time 100 / 50 (weight 15), closure rate 0 (nothing closed of 1 / 2 filed; weight 20), nothing
    # overdue of the open cases (100; weight 10); the other indicators have no value and do not count.
    assert charts["ranking"]["series"][0]["data"][:2] == [round((1500 + 1000) / 45, 1), round((750 + 1000) / 45, 1)]
    trend = charts["trend_filed_on_time"]
    assert len(trend["categories"]) == 12 and trend["categories"][-1].endswith("05")
    assert trend["series"][0]["name"] == "全省" and trend["series"][0]["data"][-1] == 66.7
    assert 'href="/stats/performance/2015-05.xlsx?region_code=430000"' in html
    # 长沙's supervisor may open 长沙's own table, not 株洲's.
    assert f'period=2015-05&amp;region_code={CHANGSHA}' in html
    assert f'period=2015-05&amp;region_code={ZHUZHOU}' not in html


def test_year_and_bad_periods(client, login, people, may_2015):
    login(people.province_supervisor)
    html = client.get(f"{PAGE}?year=2015").get_data(as_text=True)
    assert _rows(html)[:2] == [ZHUZHOU, CHANGSHA]
    for query in ("year=2999", "year=2015&month=13", "period=2015-5", "year=abc"):
        response = client.get(f"{PAGE}?{query}")
        assert response.status_code == 400, query
        assert "is not a period with figures" in response.get_data(as_text=True)


def test_region_rules(client, login, people, may_2015):
    # The province table: every reader of statistics, whatever their region.
    login(people.zhuzhou_officer)
    assert client.get(f"{PAGE}?period=2015-05").status_code == 200
    # A 市州's internal table: that 市州 and above only.
    assert client.get(f"{PAGE}?period=2015-05&region_code={ZHUZHOU}").status_code == 200
    assert client.get(f"{PAGE}?period=2015-05&region_code={CHANGSHA}").status_code == 404
    assert client.get(f"{PAGE}/2015-05.xlsx?region_code={CHANGSHA}").status_code == 404
    assert client.get(f"{PAGE}?period=2015-05&region_code=999999").status_code == 404
    client.post("/logout")
    login(people.province_officer)
    response = client.get(f"{PAGE}?period=2015-05&region_code={CHANGSHA}")
    assert response.status_code == 200
    # 长沙's table ranks its counties (nothing was due in them: no ranks); a county has none below it.
    html = response.get_data(as_text=True)
    assert "芙蓉区" in html and 'id="no-child-regions"' not in html
    html = client.get(f"{PAGE}?period=2015-05&region_code=430102").get_data(as_text=True)
    assert 'id="no-child-regions"' in html and _rows(html) == []
    client.post("/logout")
    login(people.operator)
    assert client.get(PAGE).status_code == 403


def test_exports_open_and_hold_the_table(client, login, people, may_2015):
    from docx import Document
    from openpyxl import load_workbook

    login(people.supervisor)
    response = client.get(f"{PAGE}/2015-05.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["排名", "指标说明"]
    sheet = workbook["排名"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["名次", "地区", "按期立案率(%)"] and header[-1] == "综合得分"
    assert [sheet.cell(row=r, column=2).value for r in (2, 3)] == ["株洲市", "长沙市"]
    assert sheet.cell(row=3, column=3).value == 50.0
    assert sheet.cell(row=16, column=2).value == "全省(合计)"
    formulas = workbook["指标说明"]
    assert formulas.cell(row=4, column=1).value == "结案率"

    response = client.get(f"{PAGE}/2015.docx")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.data))
    assert "2015年各市州专利行政执法和12330热线工作绩效考核" in document.paragraphs[0].text
    ranking = document.tables[0]
    assert ranking.rows[1].cells[1].text == "株洲市" and ranking.rows[2].cells[2].text == "50.0"
    assert client.get(f"{PAGE}/2015-05.pdf").status_code == 404
    assert client.get(f"{PAGE}/2015-13.xlsx").status_code == 404


# The API ---------------------------------------------------------------------------------------------------------

def test_api_contract(api, people, may_2015, documented):
    body = documented(api(people.supervisor).get(f"{API}/2015-05"))
    assert body["period"] == "2015-05" and body["region_code"] == PROVINCE
    assert [i["code"] for i in body["indicators"]] == [
        "filed_on_time", "closed_on_time", "closure_rate", "transfers_signed_on_time", "transfers_answered_on_time",
        "satisfaction", "review_score", "overdue_end"]
    assert all(i["formula"] and i["weight"] >= 0 for i in body["indicators"])
    first, second = body["rows"][:2]
    assert (first["region_code"], first["rank"], first["values"]["filed_on_time"]) == (ZHUZHOU, 1, 100.0)
    assert (second["region_code"], second["rank"], second["values"]["filed_on_time"]) == (CHANGSHA, 2, 50.0)
    assert second["values"]["closed_on_time"] is None         # nothing closed: null, not 0 or 100
    assert body["rows"][2]["score"] is None and body["rows"][2]["rank"] is None
    year = documented(api(people.supervisor).get(f"{API}/2015"))
    assert year["period"] == "2015" and year["rows"][0]["region_code"] == ZHUZHOU


def test_api_regions_and_bad_input(api, people, documented):
    zhuzhou = api(people.zhuzhou_supervisor)
    assert zhuzhou.get(f"{API}/2015-05").status_code == 200
    own = documented(zhuzhou.get(f"{API}/2015-05?region_code={ZHUZHOU}"))
    assert own["total"]["region_code"] == ZHUZHOU
    assert [r["region_code"] for r in own["rows"]][:1] == ["430202"]  # its counties, in code order
    assert all(r["rank"] is None for r in own["rows"])                 # nothing was due in them
    assert zhuzhou.get(f"{API}/2015-05?region_code={CHANGSHA}").status_code == 404
    for bad in ("2015-13", "15", "2999", "2015-05-01", "２０１５"):
        response = zhuzhou.get(f"{API}/{bad}")
        assert response.status_code == 422, bad
        assert "period" in response.get_json()["errors"] or "period" in str(response.get_json())
    assert api(people.operator).get(f"{API}/2015").status_code == 403


# The statistics page a supervisor opens -------------------------------------------------------------------------

def test_monthly_page_shows_12_months_and_the_ranking(client, login, people, may_2015):
    login(people.supervisor)
    response = client.get("/stats/", follow_redirects=True)
    assert response.status_code == 200
    html = client.get("/stats/monthly?month=2015-05").get_data(as_text=True)
    assert 'data-chart="trend_12"' in html and 'data-chart="ranking_month"' in html
    overview = _overview_specs(html)
    assert overview["trend_12"]["categories"][0] == "2014-06" and overview["trend_12"]["categories"][-1] == "2015-05"
    filed = overview["trend_12"]["series"][1]["data"]
    assert filed[-1] == 2                                        # 长沙's two cases filed in May
    assert overview["ranking_month"]["categories"][:2] == ["株洲市", "长沙市"]


def test_no_chart_mixes_overlapping_categories(client, login, people, may_2015):
    login(people.supervisor)
    charts = chart_specs(client.get("/stats/monthly?month=2015-05").get_data(as_text=True))
    # What happened to the calls: the exclusive decisions only (not "closed with feedback", not "in time").
    assert len(charts["decisions"]["categories"]) == 4
    assert "Closed with feedback" not in charts["decisions"]["categories"]
    assert "Decided within the time limit" not in charts["decisions"]["categories"]


def _overview_specs(html: str) -> dict:
    import json

    match = re.search(r'<script type="application/json" data-stats-charts>(.*?)</script>', html, re.S)
    assert match, "no overview chart data"
    return json.loads(match.group(1))
