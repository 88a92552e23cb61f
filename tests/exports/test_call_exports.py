"""The call list downloads as XLSX: the page's rows, filters, region scope and masking; batched; audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from hotline.core.models import AuditEvent
from hotline.extensions import db
from tests.exports.conftest import download, read_xlsx

BEIJING = ZoneInfo("Asia/Shanghai")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Rows(HTMLParser):
    """The text of each cell of the list's table body."""

    def __init__(self):
        super().__init__()
        self.rows, self._cell, self._in_body = [], None, False

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag == "td" and self._in_body:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def page_rows(client, query: str = "") -> list[list[str]]:
    response = client.get(f"/calls?page_size=200&{query}")
    assert response.status_code == 200
    parser = _Rows()
    parser.feed(response.get_data(as_text=True))
    return [r for r in parser.rows if len(r) == 9]


def as_page(row) -> list[str]:
    """An XLSX row in the page's nine cells (the caller's name and number share one cell on the page)."""
    ref, received, type_, channel, region, name, number, accused, summary, status = row
    caller = " ".join(p for p in (name, number) if p)
    return [ref, received.strftime("%Y-%m-%d %H:%M"), type_, channel, region, caller, accused or "",
            summary, status]


@pytest.fixture
def calls(create_call, create_user):
    operator = create_user("operator", "430000")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    made = []
    for i in range(3):
        made.append(create_call(actor=operator, caller_name="张三丰", caller_phone="138 1234 5678",
                                accused_party=f"长沙某某贸易有限公司{i}", received_at=now - timedelta(hours=i + 1)))
    made.append(create_call(actor=operator, request_type="consultation", caller_name="李四",
                            caller_phone="139 8765 4321", received_at=now - timedelta(hours=5)))
    made.append(create_call(actor=operator, region_code="430200", caller_name="株洲王五", caller_phone="137 0000 1111",
                            accused_party="株洲某厂", received_at=now - timedelta(hours=2)))
    made.append(create_call(actor=operator, anonymous=True, summary="匿名举报假冒专利",
                            received_at=now - timedelta(hours=6)))
    return made


def test_list_links_to_its_download_with_the_filters(as_user, calls):
    client, _ = as_user("supervisor", "430100")
    html = client.get("/calls?request_type=complaint&status=&q=").get_data(as_text=True)
    assert 'href="/calls/export.xlsx?request_type=complaint"' in html
    assert "下载 Excel" in html


def test_operator_export_is_the_page_with_full_callers(app, as_user, calls):
    client, user = as_user("operator", "430000")
    response = download(client, "/calls/export.xlsx?request_type=complaint")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    title, subtitle, header, rows = read_xlsx(response.data)
    assert title == "来电"
    assert "类型" in " ".join(h for h in header if h) and "来电人" in " ".join(h for h in header if h)
    assert "投诉" in subtitle and "导出时间" in subtitle
    assert [as_page(r) for r in rows] == page_rows(client, "request_type=complaint")
    assert len(rows) == 5  # three of 长沙, one of 株洲, the anonymous one: consultations filtered out
    assert {r[6] for r in rows} >= {"13812345678"}
    received = rows[0][1]
    assert isinstance(received, datetime)
    assert received == calls[0].received_at.astimezone(BEIJING).replace(tzinfo=None)
    assert "匿名" in {r[5] for r in rows}


def test_masked_role_exports_masked_callers_and_only_its_region(app, as_user, calls):
    client, user = as_user("supervisor", "430100")
    response = download(client, "/calls/export.xlsx")
    assert response.status_code == 200
    _, _, _, rows = read_xlsx(response.data)
    assert [as_page(r) for r in rows] == page_rows(client)
    assert len(rows) == 5  # 株洲's call is not there
    flat = json.dumps([[str(v) for v in r] for r in rows], ensure_ascii=False)
    for secret in ("张三丰", "13812345678", "1234", "株洲王五", "株洲某厂", "李四", "13987654321"):
        assert secret not in flat
    assert "138****5678" in flat and "张**" in flat
    with app.app_context():
        # An export is no reveal: no reveal or look-up audited, the export is.
        assert not db.session.scalars(select(AuditEvent).where(
            AuditEvent.action.in_(("reveal_caller", "lookup_number")))).all()
        audit = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "export_calls")).one()
        assert audit.actor_id == user.id and audit.action == "export"
        assert audit.changes["rows"] == [None, 5]


def test_export_search_is_audited_without_the_search_text(app, as_user, calls):
    client, user = as_user("operator", "430000")
    response = download(client, "/calls/export.xlsx?q=%E5%BC%A0%E4%B8%89%E4%B8%B0&region_code=430100")  # 张三丰
    _, subtitle, _, rows = read_xlsx(response.data)
    assert len(rows) == 3 and all(r[5] == "张三丰" for r in rows)
    with app.app_context():
        audit = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "export_calls")).one()
        assert audit.changes == {"rows": [None, 3], "filter_region_code": [None, "430100"], "filter_q": [None, True]}
        assert "张三丰" not in json.dumps(audit.changes, ensure_ascii=False) and not audit.note


def test_masked_role_cannot_find_by_number_through_an_export(as_user, calls):
    client, _ = as_user("officer", "430100")
    _, _, _, rows = read_xlsx(download(client, "/calls/export.xlsx?q=13812345678").data)
    assert [as_page(r) for r in rows] == page_rows(client, "q=13812345678") == []


def test_other_region_filter_gives_nothing_and_bad_filters_are_ignored_as_on_the_page(as_user, calls):
    client, _ = as_user("supervisor", "430100")
    response = download(client, "/calls/export.xlsx?date_from=not-a-date&status=nonsense")
    assert response.status_code == 200
    _, _, _, rows = read_xlsx(response.data)
    assert [as_page(r) for r in rows] == page_rows(client, "date_from=not-a-date&status=nonsense")


def test_export_needs_a_role_that_reads_calls(client, as_user, calls):
    assert client.get("/calls/export.xlsx").status_code == 302
    admin, _ = as_user("admin", "430100")
    assert admin.get("/calls/export.xlsx").status_code == 403


def test_large_export_is_read_in_batches(app, as_user, monkeypatch):
    """5,000 calls: all of them in the file, read by keyset pages of EXPORT_BATCH rows (never one query for
    all), the file written row by row."""
    from hotline.demo.generator import DemoOptions, generate
    from hotline.stats.compute import Month

    with app.app_context():
        generate(DemoOptions(years=[2015], months=[Month(2015, 3)], calls_per_month=5000, cases_per_month=0,
                             regions=["430100"], build_stats=False, search=False, progress=lambda m: None,
                             today=datetime(2015, 12, 31).date()))
        db.session.commit()
    monkeypatch.setattr("hotline.core.exports.EXPORT_BATCH", 700)
    client, _ = as_user("supervisor", "430100")
    selects = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "FROM calls" in statement:
            selects.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = download(client, "/calls/export.xlsx?date_from=2015-03-01&date_to=2015-03-31")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    _, _, _, rows = read_xlsx(response.data)
    with app.app_context():
        from sqlalchemy import func

        from hotline.calls.models import Call
        total = db.session.scalar(select(func.count()).select_from(Call).where(Call.region_code == "430100"))
    assert len(rows) == total >= 4000
    refs = [r[0] for r in rows]
    assert len(set(refs)) == len(refs)
    assert [r[1] for r in rows] == sorted((r[1] for r in rows), reverse=True)
    paged = [s for s in selects if "LIMIT" in s.upper()]
    assert len(paged) >= total // 700
