"""Everything per office is data: an installation with ``HOTLINE_PROVINCE=440000`` is a working 广东 office — its
21 地级市 and their counties, 粤 case numbers, 广东's area code — and no Hunan name appears in its pages or exports."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta

import flask_migrate
import openpyxl
import pytest
import sqlalchemy as sa

from config import TestingConfig
from config import database_url as to_driver_url
from hotline import create_app
from hotline.extensions import db
from tests.factories import PASSWORD
from tests.test_migrations import empty_database  # noqa: F401  (fixture)

#: Names and codes that only a Hunan installation may show: the province, its 案号 prefix, its 市州, its area
#: codes (湘 alone is no sign: 潮州 has a 湘桥区).
HUNAN = re.compile("湖南|湘知|湘西|湘潭|长沙|株洲|衡阳|邵阳|岳阳|常德|张家界|益阳|郴州|永州|怀化|娄底"
                   "|0731|0734|0739|430000|430100")


@pytest.fixture
def guangdong(empty_database, tmp_path):  # noqa: F811
    from hotline.reference.queries import clear_cache
    from hotline.seed import seed_all

    cfg = type("GuangdongConfig", (TestingConfig,), {
        "SQLALCHEMY_DATABASE_URI": to_driver_url(empty_database), "HOTLINE_PROVINCE": "440000",
        "BABEL_DEFAULT_LOCALE": "zh_CN",  # the pages as the office reads them
        "HOTLINE_UPLOAD_DIR": str(tmp_path / "uploads")})
    app = create_app(cfg)
    with app.app_context():
        flask_migrate.upgrade()
        seed_all()
        db.session.commit()
    clear_cache()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    clear_cache()


def _user(app, role: str, region: str, username: str):
    from hotline.accounts.operations import create_user

    with app.app_context():
        user = create_user(username=username, display_name=username, password=PASSWORD, role=role,
                           region_code=region, actor=None, must_change_password=False)
        db.session.commit()
        return user.id


def _client(app, username: str):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_a_guangdong_office_works_and_names_nothing_of_hunan(guangdong):
    from hotline.accounts.models import User
    from hotline.answers.models import StandardAnswer
    from hotline.calls.operations import record_call
    from hotline.cases.operations import create_case, perform_action
    from hotline.reference.models import Region

    app = guangdong
    with app.app_context():
        prefectures = db.session.scalars(sa.select(Region).where(Region.level == "prefecture")
                                         .order_by(Region.sort_order)).all()
        assert len(prefectures) == 21 and prefectures[0].name == "广州市" and prefectures[0].area_code == "020"
        assert {p.name for p in prefectures} >= {"深圳市", "东莞市", "中山市", "潮州市"}
        counties = db.session.scalars(sa.select(Region).where(Region.level == "county")).all()
        assert len(counties) > 100 and {c.name for c in counties} >= {"天河区", "南山区"}
        province = db.session.get(Region, "440000")
        assert (province.name, province.authority_name, province.area_code) == ("广东省", "广东省知识产权局", "020")
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(Region).where(
            ~Region.code.startswith("44")))
        answers = db.session.scalars(sa.select(StandardAnswer)).all()
        assert answers and any("广东" in a.answer or "广东" in (a.basis or "") for a in answers)

    officer_id = _user(app, "officer", "440106", "tianhe-officer")  # 天河区, a county of 广州
    for n in (2, 3):
        _user(app, "officer", "440106", f"tianhe-officer{n}")
    _user(app, "supervisor", "440000", "gd-supervisor")
    operator_id = _user(app, "operator", "440000", "gd-operator")
    _user(app, "admin", "440000", "gd-admin")
    with app.app_context():
        operator = db.session.get(User, operator_id)
        call = record_call({"received_at": datetime.now(UTC) - timedelta(minutes=5), "channel": "phone",
                            "request_type": "report", "ip_type": "patent", "region_code": "440106",
                            "caller_name": "陈先生", "caller_phone": "87654321",
                            "summary": "举报天河某店销售假冒专利产品"}, actor=operator)
        officer = db.session.get(User, officer_id)
        case = create_case({"case_type": "infringement_dispute", "region_code": "440106", "received_on": "2026-03-02",
                            "source": "request", "summary": "请求人称被请求人销售的产品落入其专利保护范围",
                            "requester_name": "广州某某科技有限公司", "respondent_name": "天河某某商行"}, actor=officer)
        officers = db.session.scalars(sa.select(User.id).where(User.region_code == "440106")).all()
        perform_action(case, "file", {"filed_on": "2026-03-03", "officer_ids": list(officers)}, actor=officer,
                       expected_version=case.version)
        db.session.commit()
        call_id, case_id, case_number = call.id, case.id, case.case_number
        # A landline without area code gets 广州's.
        assert (call.caller.phone_key, call.caller.area_code) == ("+862087654321", "020")
    assert case_number == "粤知执字〔2026〕第1号"

    pages = {
        "gd-supervisor": ["/", "/inbox", "/calls", f"/calls/{call_id}", "/cases", f"/cases/{case_id}", "/transfers/",
                          "/answers", "/stats/", "/stats/monthly", "/stats/yearly?year=2026", "/cases/due"],
        "gd-operator": ["/calls/new", f"/calls/{call_id}"],
        "tianhe-officer": ["/cases", f"/cases/{case_id}", "/cases/new", "/inbox"],
        "gd-admin": ["/admin/regions", "/admin/regions?parent=440100", "/admin/users", "/admin/users/new",
                     "/admin/calendar"],
    }
    for username, urls in pages.items():
        client = _client(app, username)
        for url in urls:
            response = client.get(url, follow_redirects=True)
            assert response.status_code == 200, (username, url, response.status_code)
            html = response.get_data(as_text=True)
            found = HUNAN.search(html)
            assert not found, (username, url, html[max(0, found.start() - 150):found.end() + 50])
            assert '<html lang="zh' in html
    public = app.test_client().get("/public/decisions").get_data(as_text=True)
    assert "广东省知识产权局" in public and not HUNAN.search(public)
    openapi = json.dumps(app.test_client().get("/api/v1/openapi.json").get_json(), ensure_ascii=False)
    assert "案号" in openapi
    found = HUNAN.search(openapi)
    assert not found, openapi[max(0, found.start() - 150):found.end() + 50]

    # The yearly export (the spreadsheet's text, every sheet and string).
    client = _client(app, "gd-supervisor")
    response = client.get("/stats/yearly/2026.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    text = " ".join([str(book.properties.title)] + [str(cell.value) for sheet in book.worksheets
                                                    for row in sheet.iter_rows() for cell in row
                                                    if cell.value is not None])
    assert "广州市" in text and "深圳市" in text and "2026年全省" in text
    assert not HUNAN.search(text), HUNAN.search(text).group(0)
    with app.app_context():
        from hotline.stats.yearly import yearly_summary

        assert not HUNAN.search(yearly_summary(2026)["narrative"])
