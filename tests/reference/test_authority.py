"""The deciding authority is data per region: seeded, edited by an admin (a 市州 admin only its own), audited,
and named on the public decision page and in the API as the office of the case's region."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from hotline.core.models import AuditEvent
from hotline.extensions import db
from hotline.reference.data import PREFECTURES
from hotline.reference.models import Region
from hotline.reference.queries import clear_cache
from tests.public.test_views import FACTS
from tests.review.builders import build_case, staff


@pytest.fixture(autouse=True)
def _restore_authorities(app):
    """Regions are reference data the suite keeps between tests: put the names back."""
    with app.app_context():
        before = dict(db.session.execute(sa.select(Region.code, Region.authority_name)).all())
    yield
    with app.app_context():
        for code, name in before.items():
            db.session.execute(sa.update(Region).where(Region.code == code).values(authority_name=name))
        db.session.commit()
    clear_cache()


def _authority(app, code: str) -> str:
    with app.app_context():
        return db.session.get(Region, code).authority_name


def test_every_region_is_seeded_with_its_office(app):
    with app.app_context():
        names = dict(db.session.execute(sa.select(Region.code, Region.authority_name)
                                        .where(Region.level != "county")).all())
        county = db.session.get(Region, "430102")
    assert county.authority_name == "长沙市芙蓉区知识产权局"
    assert names["430000"] == "湖南省知识产权局"
    assert names["430100"] == "长沙市知识产权局"
    assert names["433100"] == "湘西土家族苗族自治州知识产权局"
    assert {code for code, *_ in PREFECTURES} | {"430000"} == set(names)


def test_seeding_again_keeps_what_an_admin_set(app):
    from hotline.seed import seed_all

    with app.app_context():
        db.session.get(Region, "430100").authority_name = "长沙市市场监督管理局(知识产权局)"
        db.session.commit()
        seed_all()
        db.session.commit()
    assert _authority(app, "430100") == "长沙市市场监督管理局(知识产权局)"


def _published_penalty(app, create_user, region_code: str) -> int:
    sup, officers = staff(create_user, region_code, officers=2)
    close_data = {"violation_facts": FACTS, "penalty_basis": "《专利法》第六十三条", "penalty_terms": "十五日内缴纳",
                  "fine_amount": "12500.00"}
    return build_case(app, sup, case_type="counterfeit", source="inspection", region_code=region_code,
                      received_on=date(2015, 5, 4), filed_on=date(2015, 5, 5), officers=officers,
                      closed_on=date(2015, 5, 20), outcome="penalized", close_data=close_data,
                      published_on=date(2015, 5, 25), respondent_name="张三丰", respondent_kind="person")


def test_the_public_page_names_the_office_of_the_case_region(app, client, create_user):
    changsha = _published_penalty(app, create_user, "430100")
    zhuzhou = _published_penalty(app, create_user, "430200")
    html = client.get(f"/public/decisions/{changsha}").get_data(as_text=True)
    assert "长沙市知识产权局 · 2015-05-20" in html
    assert "湖南省知识产权局 · 2015-05-20" not in html
    listing = client.get("/public/decisions").get_data(as_text=True)
    assert "长沙市知识产权局 · 2015-05-20" in listing and "株洲市知识产权局 · 2015-05-20" in listing
    assert "株洲市知识产权局" in client.get(f"/public/decisions/{zhuzhou}").get_data(as_text=True)


def test_the_case_api_names_the_deciding_authority(app, client, create_user):
    from tests.security.conftest import issue_raw_token

    case_id = _published_penalty(app, create_user, "430100")
    officer = create_user("officer", "430100")
    token = issue_raw_token(app, officer)
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get(f"/api/v1/cases/{case_id}", headers=headers).get_json()
    assert body["authority_name"] == "长沙市知识产权局"
    regions = {r["code"]: r for r in client.get("/api/v1/regions", headers=headers).get_json()["items"]}
    assert regions["430100"]["authority_name"] == "长沙市知识产权局"


def test_a_province_admin_edits_any_region_and_it_is_audited(app, client, login, create_user):
    case_id = _published_penalty(app, create_user, "430100")
    admin = create_user("admin", "430000")
    login(admin)
    page = client.get("/admin/regions").get_data(as_text=True)
    assert len(set(re.findall(r'name="(\d{6})-authority_name"', page))) == 15  # every region
    response = client.post("/admin/regions/430100", data={"430100-authority_name": " 长沙市市场监督管理局 "})
    assert response.status_code == 302
    assert _authority(app, "430100") == "长沙市市场监督管理局"
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.object_type == "region"))
        assert (event.action, event.object_id, event.actor_id, event.region_code) == ("update", 430100, admin.id,
                                                                                       "430100")
        assert event.changes == {"authority_name": ["长沙市知识产权局", "长沙市市场监督管理局"]}
    html = client.get(f"/public/decisions/{case_id}").get_data(as_text=True)
    assert "长沙市市场监督管理局 · 2015-05-20" in html
    # Blank or too long: a form error, nothing saved.
    for bad in ("   ", "局" * 61):
        response = client.post("/admin/regions/430100", data={"430100-authority_name": bad})
        assert response.status_code == 422
    assert _authority(app, "430100") == "长沙市市场监督管理局"


def test_a_prefecture_admin_edits_only_its_own_region(app, client, login, create_user):
    admin = create_user("admin", "430200")
    login(admin)
    page = client.get("/admin/regions").get_data(as_text=True)
    assert re.findall(r'name="(\d{6})-authority_name"', page) == ["430200"]
    assert client.post("/admin/regions/430100", data={"430100-authority_name": "别的局"}).status_code == 404
    assert client.post("/admin/regions/430000", data={"430000-authority_name": "别的局"}).status_code == 404
    assert client.post("/admin/regions/999999", data={"999999-authority_name": "别的局"}).status_code == 404
    assert _authority(app, "430100") == "长沙市知识产权局"
    assert client.post("/admin/regions/430200",
                       data={"430200-authority_name": "株洲市市场监督管理局"}).status_code == 302
    assert _authority(app, "430200") == "株洲市市场监督管理局"


def test_other_roles_may_not_edit(app, client, login, create_user):
    login(create_user("supervisor", "430000"))
    assert client.get("/admin/regions").status_code == 403
    assert client.post("/admin/regions/430100", data={"430100-authority_name": "别的局"}).status_code == 403
