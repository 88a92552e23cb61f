"""/api/v1/campaigns and /api/v1/exhibitions (api.md "Reports"): the contract, field errors, region scoping, the
links cases and calls take, and each record's figures."""

from __future__ import annotations

from sqlalchemy import select

from hotline.core.models import AuditEvent
from hotline.extensions import db
from tests.api.conftest import case_body, payload

CAMPAIGN = {"name": "2015年“护航”专项行动", "starts_on": "2015-03-01", "ends_on": "2015-11-30",
            "region_codes": ["430100"]}
FAIR = {"name": "中国(湖南)第三届矿物宝石博览会", "venue": "郴州国际会展中心", "starts_on": "2015-09-20",
        "ends_on": "2015-09-24", "region_code": "430100", "stationed": True}


def _post(client, url, body):
    response = client.post(url, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_supervisor_records_a_campaign_and_reads_its_figures(users, api, documented, app):
    body = documented(api(users.sup_cs).post("/api/v1/campaigns", json=CAMPAIGN))
    assert body["name"] == CAMPAIGN["name"] and body["region_codes"] == ["430100"]
    assert body["starts_on"] == "2015-03-01" and body["figures"]["cases"]["linked"] == 0
    read = documented(api(users.officer_cs).get(f"/api/v1/campaigns/{body['id']}"))
    assert read["figures"]["cases"]["amount_involved"] == "0.00"
    listed = documented(api(users.op_cs).get("/api/v1/campaigns", query_string={"year": 2015}))
    assert [c["id"] for c in listed["items"]] == [body["id"]]
    assert api(users.op_cs).get("/api/v1/campaigns", query_string={"year": 2016}).get_json()["items"] == []
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "campaign"))
        assert event.action == "create" and event.changes["region_codes"] == [None, ["430100"]]


def test_bad_campaigns_and_fairs_are_422_with_field_errors(users, api, documented):
    sup = api(users.sup_cs)
    response = sup.post("/api/v1/campaigns", json={**CAMPAIGN, "ends_on": "2015-01-01", "region_codes": ["430200"],
                                                    "name": " "})
    assert response.status_code == 422
    assert {"name", "ends_on", "region_codes"} <= set(documented(response)["errors"])
    missing = sup.post("/api/v1/campaigns", json={"name": "x"})
    assert missing.status_code == 422 and {"starts_on", "ends_on", "region_codes"} <= set(missing.get_json()["errors"])
    fair = sup.post("/api/v1/exhibitions", json={**FAIR, "region_code": "430000", "venue": "", "stationed": "yes"})
    assert fair.status_code == 422 and {"stationed"} <= set(fair.get_json()["errors"])
    fair = sup.post("/api/v1/exhibitions", json={**FAIR, "region_code": "430000", "venue": ""})
    assert fair.status_code == 422 and {"region_code", "venue"} <= set(fair.get_json()["errors"])
    assert api(users.officer_cs).post("/api/v1/campaigns", json=CAMPAIGN).status_code == 403
    assert api(users.op_cs).post("/api/v1/exhibitions", json=FAIR).status_code == 403


def test_regions_see_their_own_and_the_provinces(users, api):
    own = _post(api(users.sup_cs), "/api/v1/campaigns", CAMPAIGN)
    provincial = _post(api(users.sup), "/api/v1/campaigns", {**CAMPAIGN, "name": "全省专项行动",
                                                             "region_codes": ["430000"]})
    fair = _post(api(users.sup_cs), "/api/v1/exhibitions", FAIR)
    zz = api(users.officer_zz)
    assert zz.get(f"/api/v1/campaigns/{own['id']}").status_code == 404
    assert zz.get(f"/api/v1/exhibitions/{fair['id']}").status_code == 404
    assert zz.get(f"/api/v1/campaigns/{provincial['id']}").status_code == 200
    assert [c["id"] for c in zz.get("/api/v1/campaigns").get_json()["items"]] == [provincial["id"]]
    assert api(users.officer).get(f"/api/v1/exhibitions/{fair['id']}").status_code == 200
    # 长沙's supervisor cannot edit the province's campaign; the province's supervisor edits 长沙's.
    assert api(users.sup_cs).patch(f"/api/v1/campaigns/{provincial['id']}", json={"name": "改"}).status_code == 403
    edited = api(users.sup).patch(f"/api/v1/campaigns/{own['id']}", json={"ends_on": "2015-12-31"})
    assert edited.status_code == 200 and edited.get_json()["ends_on"] == "2015-12-31"


def test_cases_and_calls_link_and_the_figures_count_them(users, api, documented, case_api, crew):
    sup = api(crew.supervisor)
    campaign = _post(sup, "/api/v1/campaigns", CAMPAIGN)
    other = _post(api(crew.other_supervisor), "/api/v1/campaigns", {**CAMPAIGN, "region_codes": ["430200"]})
    fair = _post(sup, "/api/v1/exhibitions", FAIR)
    cases = case_api()
    opened = cases.open_case(campaign_ids=[campaign["id"]], exhibition_id=fair["id"], amount_involved="12500.50")
    assert opened["exhibition_id"] == fair["id"] and opened["is_exhibition"] is True
    assert opened["campaign_ids"] == [campaign["id"]]
    refused = api(crew.officers[0]).post("/api/v1/cases", json=case_body(campaign_ids=[other["id"], 999999],
                                                                         exhibition_id=999999))
    assert refused.status_code == 422
    assert {"campaign_ids", "exhibition_id"} <= set(documented(refused)["errors"])

    call = api(users.op_cs).post("/api/v1/calls", json=payload(exhibition_id=fair["id"], request_type="complaint"))
    assert call.status_code == 201, call.get_json()
    assert call.get_json()["exhibition_id"] == fair["id"] and call.get_json()["exhibition_name"] == FAIR["name"]
    wrong = api(users.op).post("/api/v1/calls", json=payload(exhibition_id=fair["id"], region_code="430200"))
    assert wrong.status_code == 422 and "exhibition_id" in wrong.get_json()["errors"]

    figures = documented(api(crew.officers[1]).get(f"/api/v1/exhibitions/{fair['id']}"))["figures"]
    assert figures["calls"] == {"total": 1, "reports_and_complaints": 1, "by_request_type": {"complaint": 1}}
    assert figures["cases"]["linked"] == 1 and figures["cases"]["filed"] == 0
    assert figures["cases"]["amount_involved"] == "0.00"  # counted once filed
    filed = cases.act(opened, "file", filed_on="2015-10-08", officer_ids=[o.id for o in crew.officers[:3]])
    assert filed.status_code == 200, filed.get_json()
    figures = api(crew.supervisor).get(f"/api/v1/campaigns/{campaign['id']}").get_json()["figures"]["cases"]
    assert figures["filed"] == 1 and figures["disputes"] == 1 and figures["pending"] == 1
    assert figures["amount_involved"] == "12500.50"
    unlinked = cases.read(opened["id"])
    patched = api(crew.officers[0]).patch(f"/api/v1/cases/{opened['id']}",
                                          json={"campaign_ids": [], "version": unlinked["version"]})
    assert patched.status_code == 200 and cases.read(opened["id"])["campaign_ids"] == []
