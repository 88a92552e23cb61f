"""The case list downloads as XLSX (the page's filters and scope, money as numbers); a case prints as its file."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from hotline.core.models import AuditEvent
from hotline.extensions import db
from tests.exports.conftest import download, read_xlsx

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"


def page_numbers(client, query: str = "") -> list[str]:
    """The case numbers the case list shows, in its order (the first column links to each case)."""
    html = client.get(f"/cases?page_size=200&{query}").get_data(as_text=True)
    return re.findall(r'<a href="/cases/\d+" class="ref">([^<]+)</a>', html)


def _cases(app, team, build_case):
    with app.app_context():
        build_case("closed", received_on="2015-09-10", filed_on="2015-09-11", closed_on="2015-10-20",
                   respondent_name="长沙甲厂")
        build_case("filed", received_on="2015-09-20", filed_on="2015-09-21", respondent_name="长沙乙厂",
                   amount_involved="98765.4")
        build_case("received", received_on="2015-09-25", respondent_name="长沙丙厂")
        build_case("received", received_on="2015-09-22", region_code="430200", respondent_name="株洲丁厂",
                   actor=team.other_officer)
        db.session.commit()


def test_case_export_is_the_page_with_its_filters(app, as_user, team, build_case):
    _cases(app, team, build_case)
    client, user = as_user(user=team.supervisor)
    html = client.get("/cases?status=filed").get_data(as_text=True)
    assert 'href="/cases/export.xlsx?status=filed"' in html and "下载 Excel" in html
    response = download(client, "/cases/export.xlsx?status=filed")
    assert response.status_code == 200
    title, subtitle, header, rows = read_xlsx(response.data)
    assert title == "案件" and "已立案" in subtitle
    assert header[0] == "案号" and "涉案金额" in header
    assert [r[0] for r in rows] == page_numbers(client, "status=filed")
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["被请求人"] == "长沙乙厂"
    assert row["涉案金额"] == float(Decimal("98765.40"))
    assert row["收案日期"].date() == date(2015, 9, 20)
    assert row["状态"] == "已立案"
    assert len(row["执法人员"].split("、")) == 3

    whole = read_xlsx(download(client, "/cases/export.xlsx").data)[3]
    assert [r[0] for r in whole] == page_numbers(client) and len(whole) == 3
    assert "株洲丁厂" not in {r[4] for r in whole}
    with app.app_context():
        audits = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "export_cases")
                                    .order_by(AuditEvent.id)).all()
        assert [a.changes for a in audits] == [{"rows": [None, 1], "filter_status": [None, "filed"]},
                                               {"rows": [None, 3]}]


def test_money_cells_are_numbers_with_two_decimals(app, as_user, team, build_case):
    _cases(app, team, build_case)
    client, _ = as_user(user=team.supervisor)
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(download(client, "/cases/export.xlsx").data))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[4]]
    amount = sheet.cell(row=5 + 1, column=header.index("涉案金额") + 1)  # the second newest: 长沙乙厂
    assert amount.value == 98765.4 and amount.number_format == "#,##0.00"


def test_province_supervisor_exports_every_region_and_can_filter_one(app, as_user, team, build_case):
    _cases(app, team, build_case)
    client, _ = as_user(user=team.province_supervisor)
    rows = read_xlsx(download(client, "/cases/export.xlsx").data)[3]
    assert len(rows) == 4
    only = read_xlsx(download(client, "/cases/export.xlsx?region_code=430200").data)[3]
    assert [r[4] for r in only] == ["株洲丁厂"]


def test_case_export_needs_a_case_role(client, as_user, team):
    assert client.get("/cases/export.xlsx").status_code == 302
    operator, _ = as_user("operator", "430000")
    assert operator.get("/cases/export.xlsx").status_code == 403


def test_case_prints_as_its_file(app, as_user, team, build_case):
    from hotline.accounts.models import User
    from hotline.cases.attachments import store_attachment

    with app.app_context():
        case = build_case("closed", received_on="2015-09-10", filed_on="2015-09-11", closed_on="2015-10-20",
                          requester_name="长沙某某科技有限公司", respondent_name="长沙甲厂")
        store_attachment(case, FileStorage(io.BytesIO(PDF), filename="现场检查笔录.pdf"), description="现场检查",
                         actor=db.session.get(User, team.officers[0].id))
        db.session.commit()
        case_id, number = case.id, case.case_number
        officers = [o.display_name for o in case.officers]
    client, _ = as_user(user=team.officers[0])
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f'href="/cases/{case_id}/file"' in page and "打印案卷" in page
    response = client.get(f"/cases/{case_id}/file")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "casefile.css" in html and 'id="print-file"' in html
    for section in ("专利行政执法案卷", "办理期限", "办案经过", "决定", "证据清单"):
        assert section in html, section
    cover = html.split('id="cover-title"', 1)[1].split("</section>", 1)[0]
    assert number in cover and "长沙某某科技有限公司" in cover and "长沙甲厂" in cover
    assert all(name in cover for name in officers)
    assert "2015-09-10" in cover and "2015-09-11" in cover and "2015-10-20" in cover
    evidence = html.split('id="evidence-title"', 1)[1]
    assert "现场检查笔录.pdf" in evidence and hashlib.sha256(PDF).hexdigest() in evidence
    assert f"{len(PDF)} 字节" in evidence
    decisions = html.split('id="decisions-title"', 1)[1].split("</section>", 1)[0]
    assert "调解" in decisions  # the outcome (mediated)

    css = download(client, "/static/css/casefile.css").get_data(as_text=True)
    assert "@page { size: A4" in css and "break-after: page" in css


def test_case_file_is_the_case_pages_access(app, as_user, team, build_case):
    with app.app_context():
        case_id = build_case("filed", received_on="2015-09-10", filed_on="2015-09-11").id
        db.session.commit()
    outsider, _ = as_user(user=team.other_officer)
    assert outsider.get(f"/cases/{case_id}/file").status_code == 404
    operator, _ = as_user(user=team.operator)
    assert operator.get(f"/cases/{case_id}/file").status_code == 403
    province, _ = as_user(user=team.province_supervisor)
    assert province.get(f"/cases/{case_id}/file").status_code == 200


def test_case_export_is_read_in_keyset_batches(app, as_user, team, build_case, monkeypatch):
    from sqlalchemy import event

    _cases(app, team, build_case)
    client, _ = as_user(user=team.province_supervisor)
    whole = [r[0] for r in read_xlsx(download(client, "/cases/export.xlsx").data)[3]]
    monkeypatch.setattr("hotline.core.exports.EXPORT_BATCH", 2)
    pages = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "FROM cases" in statement and "LIMIT" in statement:
            pages.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        batched = [r[0] for r in read_xlsx(download(client, "/cases/export.xlsx").data)[3]]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert batched == whole and len(whole) == 4
    assert len(pages) == 3  # 2 + 2 + an empty page: never one query for every case
