"""Statistics at every level of the region tree: a county's calls and cases count in the county, its 市州 and the
province; a 市州's table lists its counties in the official order with its own row (市本级); a county office
reads only its own figures; the yearly summary and its exports work for a 市州 and a county; a change in a
county refreshes all three levels; locked months and their revisions follow the tree."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
from sqlalchemy import select

from hotline.extensions import db
from hotline.stats.compute import Month, compute_month
from hotline.stats.models import MonthlySnapshot, SnapshotRevision
from hotline.stats.operations import build_month, county_rows, decide_revision, get_snapshot, lock_month
from hotline.stats.yearly import yearly_summary
from tests.stats.builders import CHANGSHA, PROVINCE, ZHUZHOU, add_call, add_case, beijing

MAY = Month(2015, 5)
FURONG, TIANXIN, CHANGSHA_COUNTY, LIUYANG = "430102", "430103", "430121", "430181"
#: 长沙's counties in GB/T 2260 code order (the official order of its table).
CHANGSHA_COUNTIES = ["430102", "430103", "430104", "430105", "430111", "430112", "430121", "430181", "430182"]


def snapshot(region_code: str, month: Month = MAY) -> dict | None:
    db.session.expire_all()
    row = db.session.scalar(select(MonthlySnapshot).where(MonthlySnapshot.month == month.first_day,
                                                          MonthlySnapshot.region_code == region_code))
    return row.data if row else None


def county_world() -> None:
    """May 2015: two calls and a filed dispute in 芙蓉区, a call in 浏阳市, a call and a counterfeit case logged
    against 长沙 itself, a call in 株洲 and one against the province."""
    add_call(beijing(2015, 5, 4), region_code=FURONG)
    add_call(beijing(2015, 5, 5), region_code=FURONG, channel="wechat")
    add_call(beijing(2015, 5, 6), region_code=LIUYANG)
    add_call(beijing(2015, 5, 7), region_code=CHANGSHA)
    add_call(beijing(2015, 5, 8), region_code=ZHUZHOU)
    add_call(beijing(2015, 5, 9), region_code=PROVINCE, request_type="consultation", ip_type=None)
    add_case(region_code=FURONG, received_on=date(2015, 5, 4), filed_on=date(2015, 5, 6), amount_involved="1000.00")
    add_case(case_type="counterfeit", region_code=CHANGSHA, received_on=date(2015, 5, 4), filed_on=date(2015, 5, 7))
    db.session.commit()


def test_a_county_counts_in_the_county_its_prefecture_and_the_province(ctx):
    county_world()
    figures = compute_month(MAY)
    assert figures[FURONG]["calls"]["total"] == 2
    assert figures[FURONG]["cases"]["total"] == 1
    assert figures[FURONG]["cases"]["amount_involved"] == "1000.00"
    # 长沙 = its own call and case + 芙蓉区 + 浏阳市.
    assert figures[CHANGSHA]["calls"]["total"] == 4
    assert figures[CHANGSHA]["calls"]["by_channel"]["wechat"] == 1
    assert figures[CHANGSHA]["cases"]["total"] == 2
    assert figures[CHANGSHA]["cases"]["disputes"] == 1 and figures[CHANGSHA]["cases"]["counterfeit"] == 1
    assert figures[CHANGSHA]["cases"]["amount_involved"] == "1000.00"
    assert figures[PROVINCE]["calls"]["total"] == 6
    assert figures[PROVINCE]["cases"]["total"] == 2
    assert figures["other"]["calls"]["total"] == 1

    build_month(MAY)
    db.session.commit()
    assert snapshot(FURONG)["calls"]["total"] == 2
    assert snapshot(LIUYANG)["calls"]["total"] == 1
    assert snapshot(CHANGSHA)["calls"]["total"] == 4
    assert snapshot(PROVINCE)["calls"]["total"] == 6
    assert snapshot(PROVINCE)["cases"]["total"] == 2
    # A county without records has no snapshot until it is asked for; then zeros.
    assert snapshot(TIANXIN) is None
    assert get_snapshot(MAY, TIANXIN).data["calls"]["total"] == 0


def test_a_prefecture_table_lists_its_counties_in_the_official_order(ctx):
    county_world()
    build_month(MAY)
    rows = county_rows(MAY, CHANGSHA)
    assert [r["region_code"] for r in rows] == [*CHANGSHA_COUNTIES, "own", CHANGSHA]
    by_code = {r["region_code"]: r for r in rows}
    assert by_code["own"]["label"] == "市本级"
    assert by_code["own"]["data"]["calls"]["total"] == 1
    assert by_code["own"]["data"]["cases"]["counterfeit"] == 1
    assert by_code[FURONG]["data"]["calls"]["total"] == 2
    assert by_code[TIANXIN]["data"]["calls"]["total"] == 0
    assert by_code[CHANGSHA]["data"]["calls"]["total"] == 4
    # No table for the province, a county, or a 市州 whose counties have no figures.
    assert county_rows(MAY, PROVINCE) == [] and county_rows(MAY, FURONG) == [] and county_rows(MAY, ZHUZHOU) == []


def test_a_change_in_a_county_refreshes_all_three_levels(ctx):
    import workers.tasks.stats as tasks

    build_month(MAY)
    db.session.commit()
    assert snapshot(CHANGSHA)["calls"]["total"] == 0
    add_call(beijing(2015, 5, 4), region_code=FURONG)  # writes the stats.stale outbox row
    db.session.commit()
    assert tasks.refresh_stale.run() == ["2015-05"]
    assert snapshot(FURONG)["calls"]["total"] == 1
    assert snapshot(CHANGSHA)["calls"]["total"] == 1
    assert snapshot(PROVINCE)["calls"]["total"] == 1


def test_locked_months_and_revisions_follow_the_tree(ctx, create_user):
    from hotline.accounts.models import User

    county_world()
    supervisor = db.session.get(User, create_user("supervisor", PROVINCE).id)
    locked = lock_month(MAY, PROVINCE, actor=supervisor)
    assert {FURONG, LIUYANG, CHANGSHA, PROVINCE} <= {s.region_code for s in locked}
    db.session.commit()
    add_call(beijing(2015, 5, 20), region_code=FURONG)
    db.session.commit()
    outcome = build_month(MAY)
    assert outcome[FURONG] == outcome[CHANGSHA] == outcome[PROVINCE] == "revision"
    assert outcome[LIUYANG] == "locked"
    assert snapshot(CHANGSHA)["calls"]["total"] == 4  # the locked figures stay
    revisions = {r.snapshot.region_code: r for r in db.session.scalars(select(SnapshotRevision))}
    assert revisions[CHANGSHA].data["calls"]["total"] == 5
    assert revisions[PROVINCE].data["calls"]["total"] == 7
    # The 市州's revision names the county's call (its records are its own and its counties').
    assert len(revisions[CHANGSHA].changes["calls"]["added"]) == 1
    assert revisions[PROVINCE].changes["calls"]["added"] == revisions[CHANGSHA].changes["calls"]["added"]
    # Accepting the county's revision moves its 市州 and the province, whose revisions were only that.
    decide_revision(revisions[FURONG], True, actor=supervisor)
    db.session.commit()
    assert snapshot(FURONG)["calls"]["total"] == 3
    assert snapshot(CHANGSHA)["calls"]["total"] == 5
    assert snapshot(PROVINCE)["calls"]["total"] == 7
    assert {r.snapshot.region_code: r.status for r in db.session.scalars(select(SnapshotRevision))} == {
        FURONG: "accepted", CHANGSHA: "accepted", PROVINCE: "accepted"}


def test_a_county_office_reads_its_own_figures_only(app, client, login, create_user, api):
    with app.app_context():
        county_world()
    officer = create_user("officer", FURONG)
    login(officer)
    page = client.get("/stats/monthly?month=2015-05")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "芙蓉区" in html
    assert client.get(f"/stats/monthly?month=2015-05&region_code={TIANXIN}").status_code == 404
    assert client.get(f"/stats/monthly?month=2015-05&region_code={CHANGSHA}").status_code == 404
    assert client.get(f"/stats/yearly?year=2015&region_code={TIANXIN}").status_code == 404
    body = api(officer).get("/api/v1/stats/monthly/2015-05").get_json()
    assert body["region_code"] == FURONG
    assert body["calls"]["total"] == 2 and body["cases"]["total"] == 1
    assert api(officer).get(f"/api/v1/stats/monthly/2015-05?region_code={TIANXIN}").status_code == 404
    assert api(officer).get(f"/api/v1/reports/yearly/2015?region_code={CHANGSHA}").status_code == 404
    yearly = api(officer).get("/api/v1/reports/yearly/2015").get_json()
    assert yearly["narrative"].startswith("2015年，芙蓉区专利行政执法办案1件")
    assert yearly["by_region"] == []


def test_a_prefecture_sees_its_counties_on_the_page_and_in_the_api(app, client, login, create_user, api):
    with app.app_context():
        county_world()
    officer = create_user("officer", CHANGSHA)
    login(officer)
    html = client.get("/stats/monthly?month=2015-05").get_data(as_text=True)
    assert 'id="counties-title"' in html
    table = html[html.index('id="counties-title"'):]
    assert table.index("芙蓉区") < table.index("天心区") < table.index("浏阳市") < table.index("市本级")
    # Its regions to pick: 长沙 and its counties, nothing else.
    assert f"region_code={FURONG}" in html and f"region_code={ZHUZHOU}" not in html
    assert client.get(f"/stats/monthly?month=2015-05&region_code={FURONG}").status_code == 200
    body = api(officer).get("/api/v1/stats/monthly/2015-05").get_json()
    assert [r["region_code"] for r in body["regions_below"]] == [*CHANGSHA_COUNTIES, "own", CHANGSHA]
    assert body["regions_below"][0]["calls"]["total"] == 2
    assert api(officer).get(f"/api/v1/stats/monthly/2015-05?region_code={LIUYANG}").get_json()["calls"]["total"] == 1


def test_the_yearly_summary_of_a_prefecture_lists_its_counties(app, client, login, create_user):
    with app.app_context():
        county_world()
        summary = yearly_summary(2015, CHANGSHA)
        rows = summary["by_region"]
        assert [r["region_code"] for r in rows] == [*CHANGSHA_COUNTIES, "own", CHANGSHA]
        assert rows[0]["calls_total"] == 2 and rows[-2]["cases_total"] == 1 and rows[-1]["cases_total"] == 2
        assert summary["narrative"].startswith("2015年，长沙市专利行政执法办案2件")
        # The province's table keeps its 14 市州, 其他 and 全省; 长沙's row includes its counties.
        province = {r["region_code"]: r for r in yearly_summary(2015)["by_region"]}
        assert len(province) == 16 and province[CHANGSHA]["calls_total"] == 4 and province["other"]["calls_total"] == 1
        labels = [r["label"] for r in rows]
    login(create_user("officer", CHANGSHA))
    response = client.get(f"/stats/yearly/2015.xlsx?region_code={CHANGSHA}")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["分地区"]
    first_column = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert first_column == labels
    assert first_column[0] == "芙蓉区" and first_column[-2] == "市本级"
    docx_response = client.get(f"/stats/yearly/2015.docx?region_code={CHANGSHA}")
    assert docx_response.status_code == 200
    page = client.get(f"/stats/yearly?year=2015&region_code={CHANGSHA}").get_data(as_text=True)
    assert page.index("芙蓉区") < page.index("浏阳市") < page.index("市本级")
