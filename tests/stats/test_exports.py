"""Downloads: the yearly summary as XLSX, DOCX and CSV, a month as XLSX; numbers stay numbers, regions in the
official order, UTF-8 file names, no formula injection."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from urllib.parse import quote

import docx
import openpyxl
import pytest

from hotline.stats import exports
from tests.stats.page_helpers import CHANGSHA, PROVINCE, beijing, make_case, people

__all__ = ["make_case", "people"]  # fixtures used by the tests below

OFFICIAL_ORDER = ["长沙市", "株洲市", "湘潭市", "衡阳市", "邵阳市", "岳阳市", "常德市", "张家界", "益阳市", "郴州市",
                  "永州市", "怀化市", "娄底市", "湘西州", "其他", "全省"]


@pytest.fixture
def year_data(make_case, create_call):
    """长沙: 2 cases filed in 2014, 3 in 2015 (one counterfeit, penalized with a fine); calls in 2015."""
    for day in ("2014-03-03", "2014-09-01"):
        make_case("infringement_dispute", received_on=day, filed_on=day)
    make_case("infringement_dispute", received_on="2015-03-02", filed_on="2015-03-02", amount_involved="1234567.50")
    make_case("other_dispute", received_on="2015-06-01", filed_on="2015-06-01")
    make_case("counterfeit", received_on="2015-11-02", filed_on="2015-11-02", closed_on="2015-11-20",
              outcome="penalized", close_data={"fine_amount": "5000.00"})
    create_call(received_at=beijing(2015, 5, 10), region_code=CHANGSHA, request_type="complaint")
    create_call(received_at=beijing(2015, 5, 11), region_code=PROVINCE, request_type="consultation")


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response


def test_yearly_xlsx(client, login, people, year_data):
    login(people.province_supervisor)
    response = download(client, "/stats/yearly/2015.xlsx")
    assert response.mimetype == exports.MIME_XLSX
    name = "2015年全省专利行政执法和12330热线工作统计.xlsx"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert 'filename="2015_12330.xlsx"' in disposition

    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["概要", "分地区", "月度", "执法工作"]

    summary = wb["概要"]
    assert summary.freeze_panes == "A2"
    assert summary["A1"].value == "指标" and summary["A1"].font.bold
    rows = {row[0].value: row for row in summary.iter_rows(min_row=2) if row[0].value}
    total = rows["专利行政执法办案总量(件)"]
    assert (total[1].value, total[2].value, total[3].value) == (3, 2, 50.0)
    assert total[3].number_format == "0.0"
    amount = rows["涉案金额(元)"]
    assert amount[1].value == pytest.approx(1234567.5) and amount[1].number_format == "#,##0.00"
    assert rows["罚款(元)"][1].value == 5000
    assert rows["其他专利纠纷(件)"][3].value == "—"  # no growth where the base is 0
    assert [c.value for c in rows["期末未结(件)"][1:]] == [4, 2, None]  # a stock (2014 cases still open): no growth
    narrative = [c.value for c in summary["A"] if isinstance(c.value, str) and c.value.startswith("2015年，全省")]
    assert narrative and "同比增长50.0%" in narrative[0]

    regions = wb["分地区"]
    assert regions.freeze_panes == "B2"
    labels = [regions.cell(row=r, column=1).value for r in range(2, regions.max_row + 1)]
    assert labels == OFFICIAL_ORDER
    header = [c.value for c in regions[1]]
    changsha = {h: c.value for h, c in zip(header, regions[2], strict=True)}
    assert changsha["办案总量(件)"] == 3 and isinstance(changsha["办案总量(件)"], int)
    assert changsha["办案总量同比增长(%)"] == 50.0
    assert changsha["热线来电(个)"] == 1
    other = {h: c.value for h, c in zip(header, regions[16], strict=True)}
    province = {h: c.value for h, c in zip(header, regions[17], strict=True)}
    assert other["热线来电(个)"] == 1 and province["热线来电(个)"] == 2
    assert province["涉案金额(元)"] == pytest.approx(1234567.5)
    assert regions.cell(row=17, column=1).font.bold

    monthly = wb["月度"]
    assert monthly["A2"].value == "2015-01" and monthly["A13"].value == "2015-12" and monthly["A14"].value == "合计"
    header = [c.value for c in monthly[1]]
    march = {h: c.value for h, c in zip(header, monthly[4], strict=True)}
    assert march["立案(件)"] == 1 and march["2014年同月立案(件)"] == 1
    totals = {h: c.value for h, c in zip(header, monthly[14], strict=True)}
    assert totals["立案(件)"] == 3 and totals["来电(个)"] == 2


def test_yearly_docx(client, login, people, year_data):
    login(people.province_supervisor)
    response = download(client, "/stats/yearly/2015.docx")
    assert response.mimetype == exports.MIME_DOCX
    assert quote("2015年全省专利行政执法和12330热线工作统计.docx", safe="") in response.headers["Content-Disposition"]
    document = docx.Document(io.BytesIO(response.data))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "2015年全省专利行政执法和12330热线工作统计"
    assert any("专利行政执法办案3件，同比增长50.0%" in t for t in texts)
    assert len(document.tables) == 3  # totals, enforcement work, regions
    totals = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in document.tables[0].rows}
    assert totals["专利行政执法办案总量(件)"] == ["3", "2", "50.0"]
    assert totals["涉案金额(元)"][0] == "1,234,567.50"
    region_rows = [row.cells[0].text for row in document.tables[2].rows][1:]
    assert region_rows == OFFICIAL_ORDER


def test_yearly_csv_has_a_bom_and_the_region_table(client, login, people, year_data):
    login(people.province_officer)
    response = download(client, "/stats/yearly/2015.csv")
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "地区"
    assert [r[0] for r in rows[1:]] == OFFICIAL_ORDER
    changsha = dict(zip(rows[0], rows[1], strict=True))
    assert changsha["办案总量(件)"] == "3" and changsha["办案总量同比增长(%)"] == "50.0"
    assert changsha["涉案金额(元)"] == "1234567.50"


def test_region_user_gets_their_totals(client, login, people, year_data):
    login(people.officers[0])
    response = download(client, "/stats/yearly/2015.csv")
    assert quote("2015年长沙市专利行政执法和12330热线工作统计.csv", safe="") in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["地区", "指标", "2015年", "2014年", "同比增长(%)"]
    totals = {r[1]: r[2:] for r in rows[1:]}
    assert totals["专利行政执法办案总量(件)"] == ["3", "2", "50.0"]
    assert totals["其他专利纠纷(件)"] == ["1", "0", "—"]
    assert {r[0] for r in rows[1:]} == {"长沙市"}

    wb = openpyxl.load_workbook(io.BytesIO(download(client, "/stats/yearly/2015.xlsx").data))
    assert wb.sheetnames == ["概要", "月度", "执法工作"]
    document = docx.Document(io.BytesIO(download(client, "/stats/yearly/2015.docx").data))
    assert document.paragraphs[0].text == "2015年长沙市专利行政执法和12330热线工作统计"
    assert len(document.tables) == 2  # totals, enforcement work (no per-region table)


def test_monthly_xlsx(client, login, people, year_data):
    login(people.officers[0])
    response = download(client, "/stats/monthly/2015-11.xlsx")
    name = "2015-11长沙市专利行政执法和12330热线月度统计.xlsx"
    assert quote(name, safe="") in response.headers["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["来电", "案件"]
    cases = {row[0].value: row[1] for row in wb["案件"].iter_rows(min_row=2) if row[0].value}
    assert cases["立案(件)"].value == 1 and cases["假冒专利(件)"].value == 1
    assert cases["罚款(元)"].value == 5000 and cases["罚款(元)"].number_format == "#,##0.00"
    assert cases["行政处罚"].value == 1
    may = openpyxl.load_workbook(io.BytesIO(download(client, "/stats/monthly/2015-05.xlsx").data))
    calls = {row[0].value: row[1].value for row in may["来电"].iter_rows(min_row=2) if row[0].value}
    assert calls["来电总数(个)"] == 1 and calls["投诉"] == 1 and calls["电话"] == 1


# ---------------------------------------------------------------------------------------------------------------
# The functions themselves (the JSON API calls them too)


def _summary(label: str = "长沙市") -> dict:
    return {
        "year": 2015, "region_code": PROVINCE, "months": 12,
        "calls": {"total": 10, "phone_total": 8, "reports_and_complaints": 3, "monthly_average_phone": 1},
        "cases": {"total": 3115, "disputes": 359, "infringement_disputes": 350, "other_disputes": 9,
                  "counterfeit": 2756, "closed": 3000, "closure_rate": 96.3, "pending_end": 115, "mediated": 1,
                  "transferred_judicial": 0, "exhibition": 0, "ecommerce": 0, "amount_involved": "0.00",
                  "fines": "12.50", "confiscated": "0.00"},
        "previous": {"calls": {"total": 0, "phone_total": 0, "reports_and_complaints": 0},
                     "cases": {"total": 2815, "disputes": 211, "infringement_disputes": 200, "other_disputes": 11,
                               "counterfeit": 2604, "closed": 0, "pending_end": 0, "mediated": 0,
                               "transferred_judicial": 0, "exhibition": 0, "ecommerce": 0,
                               "amount_involved": "0.00", "fines": "0.00", "confiscated": "0.00"}},
        "growth": {"cases.total": 10.7, "cases.disputes": 70.1, "calls.total": None},
        "monthly": [], "monthly_previous": [],
        "by_region": [{"region_code": "430100", "label": label, "cases_total": 1, "growth_cases_total": None,
                       "amount_involved": "-5.00"}],
        "narrative": "=HYPERLINK(\"http://example.invalid\")",
    }


def test_growth_figures_match_the_seed_example():
    wb = openpyxl.load_workbook(io.BytesIO(exports.yearly_xlsx(_summary())))
    rows = {row[0].value: [c.value for c in row[1:]] for row in wb["概要"].iter_rows(min_row=2) if row[0].value}
    assert rows["专利行政执法办案总量(件)"] == [3115, 2815, 10.7]
    assert rows["专利纠纷(件)"] == [359, 211, 70.1]
    assert rows["结案率(%)=结案÷(期初未结+立案)"][0] == 96.3


@pytest.mark.parametrize("label", ["=1+1", "+SUM(A1)", "-2", "@cmd", "\t=1"])
def test_text_never_becomes_a_formula(label):
    summary = _summary(label)
    wb = openpyxl.load_workbook(io.BytesIO(exports.yearly_xlsx(summary)))
    cell = wb["分地区"]["A2"]
    assert cell.value == "'" + label and cell.data_type == "s"
    assert all(c.data_type != "f" for ws in wb for row in ws.iter_rows() for c in row)
    csv_rows = list(csv.reader(io.StringIO(exports.yearly_csv(summary).lstrip("\ufeff"))))
    assert csv_rows[1][0] == "'" + label
    assert csv_rows[1][-4] == "-5.00"  # numbers are numbers, not text guarded as formulas
    document = docx.Document(io.BytesIO(exports.yearly_docx(summary)))
    assert document.tables[1].rows[1].cells[0].text == "'" + label


def test_money_is_decimal_exact():
    summary = _summary()
    summary["cases"]["amount_involved"] = "12345678901.23"
    wb = openpyxl.load_workbook(io.BytesIO(exports.yearly_xlsx(summary)))
    rows = {row[0].value: row[1].value for row in wb["概要"].iter_rows(min_row=2) if row[0].value}
    assert Decimal(str(rows["涉案金额(元)"])) == Decimal("12345678901.23")


def test_content_disposition_is_rfc_5987():
    header = exports.content_disposition("2015年全省 统计;\"x\".xlsx")
    assert header.startswith('attachment; filename="2015_x.xlsx"; ')
    assert header.endswith("filename*=UTF-8''" + quote("2015年全省 统计;\"x\".xlsx", safe=""))
    assert exports.content_disposition("统计.csv") == (
        "attachment; filename=\"report.csv\"; filename*=UTF-8''%E7%BB%9F%E8%AE%A1.csv")


def test_exports_work_outside_a_request():
    summary = _summary()
    summary["region_code"] = "433100"
    summary.pop("by_region")
    assert exports.yearly_title(summary) == "2015年湘西土家族苗族自治州专利行政执法和12330热线工作统计"
    assert exports.yearly_csv(summary).startswith("\ufeff地区,指标")
    assert exports.monthly_xlsx({}, "2015-05", PROVINCE)[:2] == b"PK"
