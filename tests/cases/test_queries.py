"""Read side of cases: the list search (names through the index, case and patent numbers by substring)."""

from __future__ import annotations

import pytest

from hotline.accounts.models import User
from hotline.cases import queries
from hotline.cases.queries import CaseFilters, list_cases
from hotline.extensions import db


@pytest.fixture(autouse=True)
def fresh_character_cache():
    queries._CASE_NUMBER_CHARS["at"] = None
    yield
    queries._CASE_NUMBER_CHARS["at"] = None


def _found(user, q: str) -> set[int]:
    rows, _cursor = list_cases(db.session.get(User, user.id), CaseFilters(q=q), page_size=200)
    return {c.id for c in rows}


def test_search_finds_names_case_numbers_and_patent_numbers(app, team, build_case):
    with app.app_context():
        named = build_case("filed", filed_on="2015-10-08", respondent_name="长沙瑞丰贸易经营部")
        patented = build_case("received", patent_number="ZL201520123456.7", respondent_name="株洲某某机械厂")
        other = build_case("filed", filed_on="2015-10-09", respondent_name="湘潭某某电器")
        db.session.commit()
        officer = team.province_supervisor
        number = named.case_number
        assert number and "〔2015〕" in number
        assert _found(officer, "瑞丰贸易") == {named.id}
        assert _found(officer, "长沙瑞丰贸易经营部") == {named.id}
        assert _found(officer, number) == {named.id}
        assert _found(officer, number[-4:]) == {named.id}  # "第1号"-like tail of the number
        assert _found(officer, "2015201234") == {patented.id}
        assert _found(officer, "123456.7") == {patented.id}
        assert other.id in _found(officer, "〔2015〕")
        assert _found(officer, "不存在的名称") == set()


def test_a_case_number_filed_after_the_characters_were_read_is_found(app, team, build_case):
    """The characters of case numbers are read once per process; a number written later (same format) is still
    found: the format's own characters always count."""
    with app.app_context():
        first = build_case("filed", filed_on="2015-10-08")
        db.session.commit()
        officer = team.province_supervisor
        assert _found(officer, first.case_number) == {first.id}  # reads the characters now
        later = build_case("filed", filed_on="2016-01-05")
        db.session.commit()
        assert _found(officer, later.case_number) == {later.id}
        assert _found(officer, "〔2016〕") == {later.id}


def test_search_finds_latin_and_number_fragments_and_patent_numbers_as_printed(app, team, build_case):
    """PostgreSQL found nothing for a Latin or number fragment that SQLite found (the fragment is no word of the
    tsvector), and neither found a patent number as printed (ZL…, the dot)."""
    with app.app_context():
        fragment = build_case("received", patent_number="201410123456.7", respondent_name="ACME Trading 长沙分部",
                              summary="被请求人在展会销售P30型号产品，涉案专利ZL201410123456.7")
        printed = build_case("received", patent_number="ZL201710601862.3", respondent_name="株洲某某机械厂")
        build_case("received", patent_number="ZL201520123456.7", respondent_name="湘潭某某电器")
        db.session.commit()
        officer = team.province_supervisor
        for q in ("ZL2014", "zl20141", "ACM", "acme trad", "P3", "ＡＣＭＥ", "Trading 长沙"):
            assert _found(officer, q) == {fragment.id}, q
        for q in ("ZL201710601862.3", "201710601862.3", "2017106018623", "ZL 2017 1060 1862.3", "zl2017106018623",
                  "ＺＬ２０１７１０６０１８６２．３", "ZL201710601862", "ZL2017106"):
            assert _found(officer, q) == {printed.id}, q
        assert _found(officer, "ZL201710601862.4") == set()  # a wrong check digit is another number
        assert _found(officer, "ZL2099") == set()
