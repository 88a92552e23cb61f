"""Everything per office is data: 案号 patterns (the province's, and a 市州's that numbers its own), the deciding
authority and the area code are edited on /admin/regions, audited, and used at once."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from hotline.core.models import AuditEvent
from hotline.extensions import db
from hotline.reference.models import Region
from hotline.reference.queries import clear_cache
from tests.review.builders import build_case, staff


@pytest.fixture(autouse=True)
def _restore_regions(app):
    """Regions are reference data the suite keeps between tests: put their office data back."""
    columns = (Region.code, Region.authority_name, Region.area_code, Region.case_number_format)
    with app.app_context():
        before = db.session.execute(sa.select(*columns)).all()
    yield
    with app.app_context():
        for code, authority, area, pattern in before:
            db.session.execute(sa.update(Region).where(Region.code == code).values(
                authority_name=authority, area_code=area, case_number_format=pattern))
        db.session.commit()
    clear_cache()


def _filed_number(app, create_user, region: str) -> str:
    from hotline.cases.models import Case

    sup, officers = staff(create_user, region, officers=2)
    case_id = build_case(app, sup, case_type="counterfeit", source="inspection", region_code=region,
                         received_on=date(2015, 5, 4), filed_on=date(2015, 5, 5), officers=officers)
    with app.app_context():
        return db.session.get(Case, case_id).case_number


def test_a_prefecture_that_numbers_its_own_cases(app, client, create_user, login):
    login(create_user("admin", "430000"))
    response = client.post("/admin/regions/430100",
                           data={"430100-case_number_format": "长知执字〔{year}〕第{number}号"})
    assert response.status_code == 302
    clear_cache()
    # 长沙 and its counties number in 长沙's sequence; 株洲 keeps the province's.
    assert _filed_number(app, create_user, "430100") == "长知执字〔2015〕第1号"
    assert _filed_number(app, create_user, "430102") == "长知执字〔2015〕第2号"
    assert _filed_number(app, create_user, "430200") == "湘知执字〔2015〕第1号"
    assert _filed_number(app, create_user, "430202") == "湘知执字〔2015〕第2号"
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "region")).one()
        assert event.changes == {"case_number_format": [None, "长知执字〔{year}〕第{number}号"]}


def test_bad_patterns_and_area_codes_are_form_errors(app, client, create_user, login):
    login(create_user("admin", "430000"))
    for data in ({"430000-case_number_format": "湘知执字第{number}号"},           # no year
                 {"430000-case_number_format": "湘知执字〔{year}〕第{number}号{x}"},  # unknown placeholder
                 {"430000-case_number_format": "湘知执字〔{year}〕第{number"},       # broken
                 {"430000-area_code": "731"}, {"430000-area_code": "07311"}):
        response = client.post("/admin/regions/430000", data=data)
        assert response.status_code == 422, data
    with app.app_context():
        province = db.session.get(Region, "430000")
        assert (province.case_number_format, province.area_code) == ("湘知执字〔{year}〕第{number}号", "0731")
        assert not db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "region")).all()


def test_the_default_area_code_is_the_provinces_data(app, client, create_user, login):
    from hotline.calls.phones import parse_phone
    from hotline.reference.queries import default_area_code

    login(create_user("admin", "430000"))
    assert client.post("/admin/regions/430000", data={"430000-area_code": "0734"}).status_code == 302
    with app.app_context():
        assert default_area_code() == "0734"
        assert parse_phone("8123456", default_area_code()).key == "+867348123456"


def test_a_prefecture_admin_edits_its_counties_not_its_province(app, client, create_user, login):
    login(create_user("admin", "430100"))
    page = client.get("/admin/regions?parent=430100").get_data(as_text=True)
    assert 'name="430102-authority_name"' in page and 'name="430202-authority_name"' not in page
    assert client.get("/admin/regions?parent=430200").status_code == 404
    assert client.post("/admin/regions/430102", data={"430102-authority_name": "长沙市芙蓉区市场监督管理局"}
                       ).status_code == 302
    assert client.post("/admin/regions/430202", data={"430202-authority_name": "别的局"}).status_code == 404
    with app.app_context():
        assert db.session.get(Region, "430102").authority_name == "长沙市芙蓉区市场监督管理局"
