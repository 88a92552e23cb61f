"""The supervised cases (督办) download as XLSX with the list's status filter: the page's rows."""

from __future__ import annotations

import re

from sqlalchemy import select

from hotline.core.models import AuditEvent
from hotline.extensions import db
from tests.exports.conftest import download, read_xlsx
from tests.supervision.test_supervision import (  # noqa: F401  (fixtures)
    PROGRESS,
    designate_by_web,
    filed_case,
    freeze,
    login,
    people,
)


def test_supervision_export_is_the_page(app, as_user, login, people, filed_case):  # noqa: F811
    designate_by_web(app, login, people, filed_case)
    client, user = as_user(user=people.supervisor)
    html = client.get("/supervisions").get_data(as_text=True)
    assert 'href="/supervisions/export.xlsx?status=active"' in html
    shown = re.findall(r'class="ref">([^<]+)</a>', html)
    response = download(client, "/supervisions/export.xlsx?status=active")
    assert response.status_code == 200
    _, subtitle, header, rows = read_xlsx(response.data)
    assert [r[0] for r in rows] == shown and len(rows) == 1
    assert rows[0][1] == "长沙某某机械有限公司" and rows[0][7].date() == PROGRESS
    assert read_xlsx(download(client, "/supervisions/export.xlsx?status=closed").data)[3] == []
    outsider, _ = as_user(user=people.outsider)
    assert read_xlsx(download(outsider, "/supervisions/export.xlsx?status=all").data)[3] == []
    with app.app_context():
        audits = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "export_supervisions")
                                    .order_by(AuditEvent.id)).all()
        assert [a.changes["rows"][1] for a in audits] == [1, 0, 0] and audits[0].actor_id == user.id
