"""Campaign and trade-fair pages: supervisors record them (audited, region-checked, field errors on the form);
the case and call forms offer the current ones of the region by keyboard (checkboxes, a select); each page shows
its figures and linked cases; another region's record is not found."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.core.clock import local_today
from hotline.extensions import db
from tests.calls.test_views import intake
from tests.cases.test_views import new_case_form

CHANGSHA, ZHUZHOU = "430100", "430200"


@pytest.fixture
def people(create_user):
    from types import SimpleNamespace

    return SimpleNamespace(
        supervisor=create_user("supervisor", CHANGSHA), officer=create_user("officer", CHANGSHA),
        operator=create_user("operator", CHANGSHA), zz_officer=create_user("officer", ZHUZHOU),
        zz_supervisor=create_user("supervisor", ZHUZHOU))


def _today(days: int = 0) -> str:
    return (local_today() + timedelta(days=days)).isoformat()


def _id_from(response) -> int:
    return int(re.search(r"/(\d+)$", response.headers["Location"]).group(1))


@pytest.fixture
def records(client, login, people):
    """A campaign and a stationed fair of 长沙, recorded through the forms by its supervisor."""
    login(people.supervisor)
    campaign = client.post("/campaigns/new", data={"name": "护航专项行动", "starts_on": _today(-10),
                                                   "ends_on": _today(20), "region_codes": [CHANGSHA]})
    assert campaign.status_code == 302, campaign.get_data(as_text=True)
    fair = client.post("/campaigns/exhibitions/new", data={
        "name": "中国中部(长沙)国际装备制造业博览会", "venue": "长沙国际会展中心", "starts_on": _today(-2),
        "ends_on": _today(1), "region_code": CHANGSHA, "stationed": "y"})
    assert fair.status_code == 302, fair.get_data(as_text=True)
    client.post("/logout")
    return _id_from(campaign), _id_from(fair)


def test_supervisor_records_them_and_the_audit_says_so(app, client, login, people, records):
    from hotline.campaigns.models import Campaign, Exhibition
    from hotline.core.models import AuditEvent

    campaign_id, fair_id = records
    with app.app_context():
        campaign, fair = db.session.get(Campaign, campaign_id), db.session.get(Exhibition, fair_id)
        assert campaign.region_codes == [CHANGSHA] and fair.stationed and fair.venue == "长沙国际会展中心"
        actions = db.session.scalars(select(AuditEvent.object_type).where(AuditEvent.action == "create",
                                     AuditEvent.object_type.in_(("campaign", "exhibition")))).all()
        assert sorted(actions) == ["campaign", "exhibition"]
    login(people.supervisor)
    edited = client.post(f"/campaigns/{campaign_id}/edit", data={"name": "护航专项行动(第二阶段)",
                                                                  "starts_on": _today(-10), "ends_on": _today(30),
                                                                  "region_codes": [CHANGSHA]})
    assert edited.status_code == 302, edited.get_data(as_text=True)
    page = client.get("/campaigns").get_data(as_text=True)
    assert "护航专项行动(第二阶段)" in page and "中国中部(长沙)国际装备制造业博览会" in page


def test_bad_input_is_a_form_error_not_a_save(app, client, login, people):
    from hotline.campaigns.models import Campaign

    login(people.supervisor)
    response = client.post("/campaigns/new", data={"name": "x", "starts_on": _today(5), "ends_on": _today(1),
                                                   "region_codes": [CHANGSHA]})
    assert response.status_code == 422
    assert re.search(r'id="ends_on-errors"><li>[^<]+</li>', response.get_data(as_text=True))
    other = client.post("/campaigns/new", data={"name": "x", "starts_on": _today(), "ends_on": _today(1),
                                                "region_codes": [ZHUZHOU]})
    assert other.status_code == 422 and 'id="region_codes-errors"' in other.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Campaign)) is None
    assert client.get("/campaigns/exhibitions/new").status_code == 200
    client.post("/logout")
    login(people.officer)
    assert client.get("/campaigns/new").status_code == 403


def test_another_region_does_not_find_them(client, login, people, records):
    campaign_id, fair_id = records
    login(people.zz_officer)
    assert client.get(f"/campaigns/{campaign_id}").status_code == 404
    assert client.get(f"/campaigns/exhibitions/{fair_id}").status_code == 404
    assert "护航专项行动" not in client.get("/campaigns").get_data(as_text=True)
    client.post("/logout")
    login(people.zz_supervisor)
    assert client.get(f"/campaigns/{campaign_id}/edit").status_code == 404


def test_case_and_call_forms_link_them_and_the_pages_count_them(app, client, login, people, records):
    from hotline.calls.models import Call
    from hotline.cases.models import Case

    campaign_id, fair_id = records
    login(people.officer)
    form = client.get("/cases/new").get_data(as_text=True)
    assert f'type="checkbox" value="{campaign_id}"' in form and f'<option value="{fair_id}">' in form
    response = client.post("/cases/new", data=new_case_form(received_on=_today(), campaign_ids=[str(campaign_id)],
                                                            exhibition_id=str(fair_id), amount_involved="8800.00"))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert [c.id for c in case.campaigns] == [campaign_id] and case.exhibition_id == fair_id
        assert case.is_exhibition
        case_id = case.id
    detail = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f'href="/campaigns/{campaign_id}"' in detail and f'href="/campaigns/exhibitions/{fair_id}"' in detail
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert 'data-figure="linked">1<' in page and f'href="/cases/{case_id}"' in page

    client.post("/logout")
    login(people.operator)
    assert f'<option value="{fair_id}">' in client.get("/calls/new").get_data(as_text=True)
    response = client.post("/calls/new", data=intake(exhibition_id=str(fair_id)))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        call = db.session.scalar(select(Call))
        assert call.exhibition_id == fair_id and call.exhibition_name == "中国中部(长沙)国际装备制造业博览会"
    client.post("/logout")
    login(people.officer)
    fair_page = client.get(f"/campaigns/exhibitions/{fair_id}").get_data(as_text=True)
    assert 'data-figure="calls">1<' in fair_page and 'data-figure="reports_and_complaints">1<' in fair_page
    assert 'data-figure="amount_involved">0.00<' in fair_page  # not filed yet: no amount counted


def test_the_provinces_case_form_offers_every_regions_current_campaigns(client, login, create_user, records):
    campaign_id, fair_id = records
    login(create_user("officer", "430000"))
    form = client.get("/cases/new").get_data(as_text=True)
    assert f'type="checkbox" value="{campaign_id}"' in form and f'<option value="{fair_id}">' in form
