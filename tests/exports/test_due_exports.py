"""The due list (/due) downloads as XLSX with its filters: the page's rows, in its sections and order."""

from __future__ import annotations

import re

from sqlalchemy import select

from hotline.core.models import AuditEvent
from hotline.extensions import db
from tests.exports.conftest import download, read_xlsx
from tests.inbox.test_due import OTHER_REGION, TODAY, crew, freeze, make_case, working_days  # noqa: F401


def page_links(client, query: str) -> list[str]:
    html = client.get(f"/due?{query}").get_data(as_text=True)
    body = html.split('class="due-summary"', 1)[1].split('id="due-major"', 1)[0]
    return re.findall(r'<tr class="due-row[^"]*">.*?<a href="([^"]+)"', body, re.S)


def section_title(html: str, key: str) -> str:
    heading = html.split(f'id="due-{key}-title">', 1)[1].split("<span", 1)[0]
    return heading.strip()


def test_due_export_is_the_page(app, as_user, crew, make_case, freeze):  # noqa: F811
    filed = make_case(crew.officers[0], filed_on="2015-10-12", officers=crew.officers)
    unfiled = make_case(crew.officers[1], respondent_name="未立案的被请求人")
    make_case(crew.outsider, region_code=OTHER_REGION, respondent_name="株洲的被请求人")
    client, user = as_user(user=crew.supervisor)
    html = client.get("/due?scope=region&horizon=all").get_data(as_text=True)
    assert 'href="/due/export.xlsx?scope=region&amp;horizon=all"' in html
    response = download(client, "/due/export.xlsx?scope=region&horizon=all")
    assert response.status_code == 200
    title, subtitle, header, rows = read_xlsx(response.data)
    assert title and "导出时间" in subtitle
    assert (header[0], header[1], header[3]) == ("分组", "期限", "到期日")
    assert [r[5].removeprefix("http://localhost") for r in rows] == page_links(client, "scope=region&horizon=all")
    assert {f"/cases/{filed}", f"/cases/{unfiled}"} <= {r[5].removeprefix("http://localhost") for r in rows}
    by_link = {r[5].removeprefix("http://localhost"): r for r in rows}
    late = by_link[f"/cases/{filed}"]
    assert late[0] == section_title(html, "overdue")
    close_due = late[3].date()
    assert late[4] == -working_days(app, close_due, TODAY)
    assert all("株洲" not in (r[2] or "") for r in rows)

    only_filing = read_xlsx(download(client, "/due/export.xlsx?scope=region&horizon=all&deadline=file").data)[3]
    assert [r[5].removeprefix("http://localhost") for r in only_filing] == \
        page_links(client, "scope=region&horizon=all&deadline=file")
    assert f"/cases/{filed}" not in {r[5] for r in only_filing}
    with app.app_context():
        audits = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "export_due")
                                    .order_by(AuditEvent.id)).all()
        assert audits[-1].changes["filter_deadline"] == [None, "file"] and audits[-1].actor_id == user.id
