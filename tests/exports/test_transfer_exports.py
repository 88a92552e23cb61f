"""The transfer list downloads as XLSX with its filters: the page's rows, in its order; other regions' absent."""

from __future__ import annotations

import re

from sqlalchemy import select

from hotline.core.models import AuditEvent
from hotline.extensions import db
from tests.exports.conftest import download, read_xlsx
from tests.transfers.conftest import side, transfer_of  # noqa: F401  (fixtures)


def page_refs(client, query: str = "") -> list[str]:
    html = client.get(f"/transfers/?{query}").get_data(as_text=True)
    return re.findall(r'<a href="/transfers/\d+">([^<]+)</a>', html)


def test_transfer_export_is_the_page(app, as_user, side, transfer_of, create_call):  # noqa: F811
    transfer_of(summary="转办株洲的第一件")
    transfer_of(summary="转办株洲的第二件")
    transfer_of(to="430100", summary="转办长沙的一件")
    client, user = as_user(user=side.zz)
    html = client.get("/transfers/?scope=mine&status=pending").get_data(as_text=True)
    assert 'href="/transfers/export.xlsx?status=pending&amp;scope=mine"' in html and "下载 Excel" in html
    response = download(client, "/transfers/export.xlsx?status=pending&scope=mine")
    assert response.status_code == 200
    title, subtitle, header, rows = read_xlsx(response.data)
    assert title == "转办" and "本单位的" in subtitle and "导出时间" in subtitle
    assert [r[0] for r in rows] == page_refs(client, "status=pending&scope=mine") and len(rows) == 2
    assert [r[6] for r in rows] == ["转办株洲的第二件", "转办株洲的第一件"]  # whole summaries, newest first
    assert all(r[5] is not None for r in rows)  # the signing deadline
    with app.app_context():
        audit = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "export_transfers")).one()
        assert audit.changes == {"rows": [None, 2], "filter_status": [None, "pending"],
                                 "filter_scope": [None, "mine"]}


def test_transfer_export_is_read_in_batches(app, as_user, side, transfer_of, monkeypatch):  # noqa: F811
    for i in range(5):
        transfer_of(summary=f"第{i}件")
    monkeypatch.setattr("hotline.core.exports.EXPORT_BATCH", 2)
    client, _ = as_user(user=side.op)
    rows = read_xlsx(download(client, "/transfers/export.xlsx").data)[3]
    assert [r[6] for r in rows] == [f"第{i}件" for i in range(4, -1, -1)]
