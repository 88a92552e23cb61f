"""Read side of cases: the list search (names through the index, case and patent numbers by substring)."""

from __future__ import annotations

from datetime import timedelta

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


# The overdue filter (issue 15 item 4: the case list at national scale) -------------------------------------------

def _overdue_ids(user, **filters) -> set[int]:
    rows, _cursor = list_cases(db.session.get(User, user.id), CaseFilters(overdue=True, **filters), page_size=200)
    return {c.id for c in rows}


def _by_definition(today) -> set[int]:
    """The overdue cases as the filter is defined: a pending deadline past, not on the "to complete" list."""
    from sqlalchemy import select

    from hotline.cases.models import Case

    return set(db.session.scalars(select(Case.id).where(Case.next_due_on < today,
                                                        ~queries.publication_backlog_clause(today))))


def test_overdue_filter_is_the_past_deadlines_less_the_publication_backlog(app, team, build_case, monkeypatch):
    """Rewritten so indexes serve it (``overdue_clause``), the filter keeps exactly its rows: running deadlines
    past, recent unpublished penalties past due, not the old ones (nor those closed before the go-live day), and
    a closed case that still has a past due date (no running deadline should leave one, but the filter never
    looked at why)."""
    from datetime import date

    from sqlalchemy import update

    from hotline.cases.models import Case

    today = date(2016, 3, 1)
    monkeypatch.setattr("hotline.cases.queries.local_today", lambda: today)
    with app.app_context():
        received = build_case("received", received_on="2015-12-01")
        filed = build_case("filed", received_on="2015-09-30", filed_on="2015-10-08")
        fresh = build_case("received", received_on="2016-02-29")
        suspended = build_case("suspended", filed_on="2015-10-08", suspended_on="2015-11-02")
        mediated = build_case("closed", filed_on="2015-10-08", closed_on="2015-11-20")
        old = build_case("closed", case_type="counterfeit", source="inspection", received_on="2015-06-01",
                         filed_on="2015-06-01", closed_on="2015-06-10")
        recent = build_case("closed", case_type="counterfeit", source="inspection", received_on="2016-01-04",
                            filed_on="2016-01-04", closed_on="2016-01-15")
        stray = build_case("closed", filed_on="2015-10-08", closed_on="2015-11-20")
        other = build_case("received", received_on="2015-12-01", region_code="430200",
                           actor=team.other_officer)
        db.session.execute(update(Case).where(Case.id == stray.id).values(next_due_on=date(2015, 12, 1)))
        db.session.commit()
        assert old.publish_due_on < today - timedelta(days=180) <= recent.publish_due_on < today
        assert fresh.next_due_on >= today and suspended.next_due_on is None and mediated.next_due_on is None

        province, officer = team.province_supervisor, team.officers[0]
        expected = {received.id, filed.id, recent.id, stray.id, other.id}
        assert _overdue_ids(province) == expected == _by_definition(today)
        assert _overdue_ids(officer) == expected - {other.id}
        assert _overdue_ids(province, region_code="430200") == {other.id}
        assert _overdue_ids(province, case_type="counterfeit") == {recent.id}
        assert _overdue_ids(province, status="closed") == {recent.id, stray.id}
        assert _overdue_ids(officer, q="株洲某某机械厂") == expected - {other.id}

        # decisions closed before the system went live are data to complete, not overdue work
        app.config["HOTLINE_GO_LIVE_ON"] = date(2016, 1, 20)
        try:
            assert _overdue_ids(province) == expected - {recent.id} == _by_definition(today)
        finally:
            app.config["HOTLINE_GO_LIVE_ON"] = None


def test_overdue_filter_is_served_by_indexes_on_postgresql(app, backend):
    """The clause matches ix_cases_due_except_publication (its expression, to the letter) and
    ix_cases_unpublished_penalties (its condition): with the sequential and the ordered index scans off, PostgreSQL
    still answers from those two indexes. Written as ``next_due_on < today AND NOT backlog`` no index could serve
    it but by reading every past due date, and the case list walked the whole table by receipt date to fill a
    page (0 rows, ~300 ms at 200,000 cases)."""
    from datetime import date

    from sqlalchemy import select, text

    from hotline.cases.models import Case

    if backend != "postgresql":
        pytest.skip("PostgreSQL's plans")
    with app.app_context():
        stmt = select(Case.id).where(queries.overdue_clause(date(2016, 3, 1)))
        compiled = stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        db.session.execute(text("SET LOCAL enable_indexscan = off"))
        plan = "\n".join(db.session.scalars(text(f"EXPLAIN {compiled}")))
        db.session.rollback()
        assert "BitmapOr" in plan and "Seq Scan" not in plan, plan
        # The backlog branch: ix_cases_unpublished_penalties, or with the table's statistics of the moment (other
        # tests' rows) an equal-cost ix_cases_next_due_on_id; either way an index, never the whole table.
        assert "ix_cases_due_except_publication" in plan, plan
        assert "ix_cases_unpublished_penalties" in plan or "ix_cases_next_due_on_id" in plan, plan


# The text search from the newest cases first (PostgreSQL) ----------------------------------------------------------

@pytest.fixture
def many_cases(build_case, team, app):
    """Twelve cases received on six days: every third about 保温杯 (frequent), one about 嘉禾建材 (rare), every
    fourth in 株洲."""
    with app.app_context():
        ids = []
        for i in range(12):
            summary = "请求人称被请求人销售的保温杯落入其外观设计专利保护范围" if i % 3 == 0 else f"商标纠纷第{i}号"
            if i == 4:
                summary = "举报长沙嘉禾建材商行销售假冒专利产品"
            other = i % 4 == 0
            case = build_case("received", received_on=f"2015-09-{10 + i // 2:02d}", summary=summary,
                              region_code="430200" if other else "430100",
                              actor=team.other_officer if other else None)
            ids.append((case.id, case.received_on, summary, case.region_code))
        db.session.commit()
        return ids


@pytest.mark.parametrize("window", [1, 2, 5, 10_000])
@pytest.mark.parametrize(("q", "region"), [("保温杯", None), ("嘉禾建材", None), ("保温杯", "430200"),
                                           ("商标纠纷", None), ("外观设计专利", "430100"), ("专利", None)])
def test_search_pages_are_the_same_whatever_the_window(app, monkeypatch, team, many_cases, window, q, region):
    """PostgreSQL searches the newest cases first (a window taken before the other filters, then one ten times as
    long), and all cases when no window fills the page: every page must be that of a search over all cases."""
    monkeypatch.setattr(queries, "SEARCH_RECENT_WINDOW", window)
    queries._EDGES.clear()
    expected = [i for i, _on, _summary, _region in sorted(
        (c for c in many_cases if q in c[2] and region in (None, c[3])), key=lambda c: (c[1], c[0]), reverse=True)]
    with app.app_context():
        user = db.session.get(User, team.province_supervisor.id)
        pages, cursor = [], None
        while True:
            rows, cursor = list_cases(user, CaseFilters(q=q, region_code=region), cursor=cursor, page_size=2)
            pages.append([c.id for c in rows])
            if cursor is None:
                break
    assert [i for page in pages for i in page] == expected
    queries._EDGES.clear()
