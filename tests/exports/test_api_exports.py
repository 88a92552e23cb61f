"""GET /api/v1/calls.xlsx and /api/v1/cases.xlsx: the API lists' filters, scope and masking, as a file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from hotline.core.models import AuditEvent
from hotline.extensions import db
from tests.exports.conftest import read_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _get(client, url):
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def test_api_call_export_matches_the_api_list(app, api, create_user, create_call):
    operator = create_user("operator", "430000")
    now = datetime.now(UTC)
    for i in range(4):
        create_call(actor=operator, caller_name="张三丰", caller_phone="138 1234 5678",
                    received_at=now - timedelta(hours=i), request_type="complaint" if i % 2 else "consultation")
    create_call(actor=operator, region_code="430200", received_at=now - timedelta(minutes=30))
    officer = create_user("officer", "430100")
    client = api(officer)
    listed = client.get("/api/v1/calls?request_type=complaint&page_size=200").get_json()["items"]
    response = _get(client, "/api/v1/calls.xlsx?request_type=complaint&page_size=1")
    assert response.status_code == 200 and response.mimetype == XLSX
    _, subtitle, header, rows = read_xlsx(response.data)
    assert "request_type：complaint" in subtitle
    assert [r[0] for r in rows] == [c["ref"] for c in listed] and len(rows) == 2
    assert {r[6] for r in rows} == {c["caller_phone"] for c in listed} == {"138****5678"}
    with app.app_context():
        audit = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "export_calls")).one()
        assert audit.actor_id == officer.id
        assert audit.changes == {"rows": [None, 2], "filter_request_type": [None, "complaint"]}


def test_api_exports_refuse_bad_filters_and_wrong_roles(api, create_user):
    officer = create_user("officer", "430100")
    bad = _get(api(officer), "/api/v1/calls.xlsx?request_type=nonsense")
    assert bad.status_code == 422 and "request_type" in bad.get_json()["errors"]
    assert _get(api(officer), "/api/v1/cases.xlsx?region_code=999999").status_code == 422
    assert _get(api(officer), "/api/v1/calls.xlsx?format=xlsx").status_code == 422  # unknown parameter
    operator = create_user("operator", "430100")
    assert _get(api(operator), "/api/v1/cases.xlsx").status_code == 403
    admin = create_user("admin", "430100")
    assert _get(api(admin), "/api/v1/calls.xlsx").status_code == 403


def test_api_case_export_matches_the_api_list(app, api, team, build_case):
    with app.app_context():
        build_case("filed", received_on="2015-09-20", filed_on="2015-09-21", respondent_name="长沙乙厂")
        build_case("received", received_on="2015-09-25", respondent_name="长沙丙厂")
        build_case("received", received_on="2015-09-22", region_code="430200", respondent_name="株洲丁厂",
                   actor=team.other_officer)
        db.session.commit()
    client = api(team.supervisor)
    listed = client.get("/api/v1/cases").get_json()["items"]
    _, _, _, rows = read_xlsx(_get(client, "/api/v1/cases.xlsx").data)
    assert [r[4] for r in rows] == [c["respondent_name"] for c in listed] == ["长沙丙厂", "长沙乙厂"]
