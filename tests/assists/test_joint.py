"""联合办案: the lead region's supervisor joins 株洲 to a 长沙 case; 株洲 reads it (list, search, detail, evidence) and
adds events, but takes none of the lead's steps; 湘潭 still sees nothing; the statistics count the case once."""

from __future__ import annotations

import io
from html import unescape

from hotline.extensions import db
from tests.assists.conftest import CHANGSHA, PDF, TODAY, XIANGTAN, ZHUZHOU
from tests.factories import PASSWORD


def join(api, user, case_id, codes):
    return api(user).post(f"/api/v1/cases/{case_id}/joint", json={"region_codes": codes})


def test_only_the_lead_supervisor_joins_and_bad_codes_are_field_errors(api, people, filed_case):
    assert join(api, people.cs_officer, filed_case, [ZHUZHOU]).status_code == 403  # role
    assert join(api, people.zz_supervisor, filed_case, [ZHUZHOU]).status_code == 404  # not its case
    for codes in ([CHANGSHA], ["430000"], ["999999"], []):
        response = join(api, people.cs_supervisor, filed_case, codes)
        assert response.status_code == 422, (codes, response.get_json())
    joined = join(api, people.cs_supervisor, filed_case, [ZHUZHOU])
    assert joined.status_code == 200, joined.get_json()
    body = joined.get_json()
    assert body["joint_region_codes"] == [ZHUZHOU] and body["region_code"] == CHANGSHA  # the lead stays
    # joining again adds nothing; another region adds to the list
    assert join(api, people.cs_supervisor, filed_case, [ZHUZHOU, XIANGTAN]).get_json()["joint_region_codes"] == [
        ZHUZHOU, XIANGTAN]


def test_a_joined_region_reads_and_adds_events_but_takes_no_lead_step(api, people, filed_case, app):
    upload = api(people.cs_officer).post(f"/api/v1/cases/{filed_case}/attachments",
                                         data={"file": (io.BytesIO(PDF), "立案审批表.pdf")},
                                         content_type="multipart/form-data")
    assert upload.status_code == 201
    zz = api(people.zz_officer)
    assert zz.get(f"/api/v1/cases/{filed_case}").status_code == 404  # before joining
    assert join(api, people.cs_supervisor, filed_case, [ZHUZHOU]).status_code == 200

    case = zz.get(f"/api/v1/cases/{filed_case}")
    assert case.status_code == 200 and case.get_json()["joint_region_codes"] == [ZHUZHOU]
    version = case.get_json()["version"]
    assert [c["id"] for c in zz.get("/api/v1/cases").get_json()["items"]] == [filed_case]
    assert [c["id"] for c in zz.get("/api/v1/cases?q=株洲某厂").get_json()["items"]] == [filed_case]
    download = zz.get(upload.get_json()["url"])
    assert download.status_code == 200 and download.data == PDF
    download.close()

    event = zz.post(f"/api/v1/cases/{filed_case}/events",
                    json={"kind": "evidence_saved", "occurred_on": TODAY.isoformat(), "note": "株洲现场提取样品"})
    assert event.status_code == 201, event.get_json()
    assert ("evidence_saved", "株洲现场提取样品") in [(e["kind"], e["note"]) for e in event.get_json()["events"]]

    # the lead's steps: 403 for the joined region, the case unchanged
    close = zz.post(f"/api/v1/cases/{filed_case}/actions", json={"action": "close", "outcome": "revoked",
                                                                "closed_on": TODAY.isoformat(),
                                                                "version": version})
    assert close.status_code == 403
    assert api(people.zz_supervisor).post(f"/api/v1/cases/{filed_case}/actions",
                                          json={"action": "suspend", "on": TODAY.isoformat(), "reason": "x",
                                                "version": version}).status_code == 403
    assert zz.patch(f"/api/v1/cases/{filed_case}", json={"summary": "改", "version": version}).status_code == 403
    assert zz.post(f"/api/v1/cases/{filed_case}/attachments", data={"file": (io.BytesIO(PDF), "b.pdf")},
                   content_type="multipart/form-data").status_code == 403
    assert join(api, people.zz_supervisor, filed_case, [XIANGTAN]).status_code == 403
    assert zz.get(f"/api/v1/cases/{filed_case}").get_json()["status"] == "filed"

    # a third region still sees nothing; the province sees it
    assert api(people.xt_officer).get(f"/api/v1/cases/{filed_case}").status_code == 404
    assert api(people.xt_officer).get("/api/v1/cases").get_json()["items"] == []
    assert api(people.province).get(f"/api/v1/cases/{filed_case}").status_code == 200


def test_the_case_page_for_a_joined_region(app, api, people, filed_case):
    assert join(api, people.cs_supervisor, filed_case, [ZHUZHOU]).status_code == 200
    client = app.test_client()
    client.post("/language/en")
    assert client.post("/login", data={"username": people.zz_officer.username,
                                       "password": PASSWORD}).status_code == 302
    page = client.get(f"/cases/{filed_case}")
    assert page.status_code == 200
    html = unescape(page.get_data(as_text=True))
    assert 'id="action-event"' in html  # it adds events
    for step in ("action-close", "action-suspend", "upload-form", "ask-assist", "join-regions"):
        assert f'id="{step}"' not in html, step
    assert "Run jointly (联合办案) with:" in html
    assert client.get(f"/cases/{filed_case}/edit").status_code == 403
    assert client.get("/cases").status_code == 200 and f'href="/cases/{filed_case}"' in client.get(
        "/cases").get_data(as_text=True)


def test_statistics_count_a_joint_case_once_in_its_lead_region(app, api, people, filed_case):
    from hotline.stats.compute import Month, compute_month

    assert join(api, people.cs_supervisor, filed_case, [ZHUZHOU, XIANGTAN]).status_code == 200
    with app.app_context():
        figures = compute_month(Month(2016, 1))
        assert figures[CHANGSHA]["cases"]["received"] == 1 and figures[CHANGSHA]["cases"]["filed"] == 1
        for code in (ZHUZHOU, XIANGTAN):
            assert figures[code]["cases"]["received"] == 0 and figures[code]["cases"]["filed"] == 0
        assert figures["430000"]["cases"]["filed"] == 1


def test_visibility_is_one_function(app, people, filed_case):
    """The list's condition and the record check agree (the province, lead, joined and third regions)."""
    from sqlalchemy import select

    from hotline.accounts.models import User
    from hotline.assists.operations import join_regions
    from hotline.cases.models import Case
    from hotline.cases.queries import case_visibility_clause, sees_case

    with app.app_context():
        case = db.session.get(Case, filed_case)
        join_regions(case, [ZHUZHOU], actor=db.session.get(User, people.cs_supervisor.id))
        db.session.commit()
        for person, expected in ((people.province, True), (people.cs_officer, True), (people.zz_officer, True),
                                 (people.xt_officer, False)):
            user = db.session.get(User, person.id)
            listed = db.session.scalar(select(Case.id).where(case_visibility_clause(user), Case.id == filed_case))
            assert (listed is not None) is expected and sees_case(user, case) is expected, person.username
