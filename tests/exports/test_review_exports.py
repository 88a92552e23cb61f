"""A case-file review sample downloads as XLSX: the files of the user's region that the page lists."""

from __future__ import annotations

from sqlalchemy import select

from hotline.core.models import AuditEvent
from hotline.extensions import db
from hotline.review.models import CaseReview
from tests.exports.conftest import download, read_xlsx
from tests.review.conftest import build, changsha, zhuzhou  # noqa: F401  (fixtures)
from tests.review.test_views import closed_dispute


def test_review_sample_export_is_the_pages_files(app, as_user, build, changsha, zhuzhou, create_user):  # noqa: F811
    cs_sup, cs_officers = changsha
    zz_sup, zz_officers = zhuzhou
    closed_dispute(build, cs_sup, cs_officers)
    closed_dispute(build, zz_sup, zz_officers, region_code="430200")
    province, _ = as_user("supervisor", "430000")
    assert province.post("/review", data={"region_code": "430000", "year": "2015", "size": "10",
                                          "label": "全省抽查"}).status_code == 302
    client, user = as_user(user=zz_sup)
    page = client.get("/review?label=全省抽查").get_data(as_text=True)
    assert 'href="/review/export.xlsx?label=' in page
    response = download(client, "/review/export.xlsx?label=全省抽查")
    assert response.status_code == 200
    title, subtitle, header, rows = read_xlsx(response.data)
    assert "全省抽查" in subtitle
    with app.app_context():
        numbers = {r.region_code: r.case.display_number for r in
                   db.session.scalars(select(CaseReview).where(CaseReview.sample_label == "全省抽查"))}
        audit = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "export_review")).one()
    assert [r[0] for r in rows] == [numbers["430200"]]  # 长沙's file of the sample is not 株洲's to see
    assert numbers["430200"] in page and numbers["430100"] not in page
    assert rows[0][3] is not None and rows[0][5] is None  # closed on; not scored yet
    assert audit.changes == {"rows": [None, 1], "filter_label": [None, True]}
    assert client.get("/review/export.xlsx").status_code == 302
    officer, _ = as_user(user=zz_officers[0])
    assert officer.get("/review/export.xlsx?label=全省抽查").status_code == 403
