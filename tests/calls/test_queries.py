"""Read side of calls: keyset lists, filters, Chinese search, region scoping, duplicate hints, history."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text as sa_text

from hotline.calls.models import Call
from hotline.calls.queries import (
    CallFilters,
    caller_history,
    count_caller_calls,
    decode_cursor,
    encode_cursor,
    find_caller,
    find_duplicates,
    list_calls,
)
from hotline.core.errors import ValidationFailed
from hotline.extensions import db

BEIJING = ZoneInfo("Asia/Shanghai")
BASE = datetime(2015, 6, 1, 9, 0, tzinfo=BEIJING)


def _walk(user, filters=None, page_size=7):
    """Every page of list_calls, as lists of ids."""
    pages, cursor = [], None
    while True:
        rows, cursor = list_calls(user, filters or CallFilters(), cursor=cursor, page_size=page_size)
        pages.append([c.id for c in rows])
        if cursor is None:
            return pages
        assert len(pages) < 100


def _ids(user, **filters):
    rows, _ = list_calls(user, CallFilters(**filters), page_size=200)
    return [c.id for c in rows]


@pytest.fixture
def province_op(create_user):
    return create_user("operator", "430000")


# Keyset pagination ------------------------------------------------------------------------------------


def test_walking_all_pages_yields_every_call_once_newest_first(app, province_op, create_call):
    calls = []
    for i in range(25):
        # groups of three calls share a timestamp: ties are broken by id
        received = BASE + timedelta(minutes=(i // 3) * 10)
        calls.append(create_call(actor=province_op, received_at=received, summary=f"来电{i}"))
    with app.app_context():
        pages = _walk(province_op, page_size=7)
    assert [len(p) for p in pages] == [7, 7, 7, 4]
    walked = [i for page in pages for i in page]
    expected = [c.id for c in sorted(calls, key=lambda c: (c.received_at, c.id), reverse=True)]
    assert walked == expected
    assert len(set(walked)) == 25


@pytest.mark.parametrize("page_size", [1, 3, 5, 6, 25, 26])
def test_page_boundaries_inside_a_tie(app, province_op, create_call, page_size):
    same = BASE
    ids = [create_call(actor=province_op, received_at=same).id for _ in range(6)]
    with app.app_context():
        pages = _walk(province_op, page_size=page_size)
    walked = [i for page in pages for i in page]
    assert walked == sorted(ids, reverse=True)
    assert all(pages)  # never an empty page with a cursor pointing past it


def test_exact_page_size_has_no_next_cursor(app, province_op, create_call):
    for i in range(4):
        create_call(actor=province_op, received_at=BASE + timedelta(minutes=i))
    with app.app_context():
        rows, cursor = list_calls(province_op, CallFilters(), page_size=4)
    assert len(rows) == 4
    assert cursor is None


def test_page_size_is_clamped(app, province_op, create_call):
    for _ in range(3):
        create_call(actor=province_op)
    with app.app_context():
        rows, cursor = list_calls(province_op, CallFilters(), page_size=0)
        assert len(rows) == 1
        assert cursor is not None
        rows, _ = list_calls(province_op, CallFilters(), page_size=10_000)
        assert len(rows) == 3


def test_cursor_round_trips(app, province_op, create_call):
    call = create_call(actor=province_op, received_at=BASE)
    with app.app_context():
        loaded = db.session.get(Call, call.id)
        received_at, call_id = decode_cursor(encode_cursor(loaded))
    assert received_at == BASE
    assert call_id == call.id


def _b64(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    "garbage!",
    "====",
    "é",
    _b64("not a list"),
    _b64([1, 2]),
    _b64(["2015-06-01T09:00:00", 5]),            # naive time
    _b64(["2015-06-01T09:00:00+08:00", "5"]),    # id as text
    _b64(["2015-06-01T09:00:00+08:00", True]),
    _b64(["2015-06-01T09:00:00+08:00", 2**64]),  # beyond BIGINT
    _b64(["2015-06-01T09:00:00+08:00", -1]),
    _b64(["yesterday", 5]),
    _b64(["2015-06-01T09:00:00+08:00", 5, 6]),
    _b64({"received_at": "2015-06-01T09:00:00+08:00"}),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
])
def test_decode_cursor_rejects_garbage(cursor):
    with pytest.raises(ValidationFailed) as failed:
        decode_cursor(cursor)
    assert "cursor" in failed.value.errors


def test_list_calls_rejects_a_garbage_cursor(app, province_op):
    with app.app_context(), pytest.raises(ValidationFailed):
        list_calls(province_op, CallFilters(), cursor="garbage!")


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_cursor_with_an_unrepresentable_instant_is_a_validation_error(app, province_op, stamp):
    with app.app_context(), pytest.raises(ValidationFailed):
        list_calls(province_op, CallFilters(), cursor=_b64([stamp, 1]))


# Filters ---------------------------------------------------------------------------------------------


def test_date_range_is_inclusive_start_exclusive_end(app, province_op, create_call):
    before = create_call(actor=province_op, received_at=datetime(2015, 5, 31, 23, 59, tzinfo=BEIJING))
    first = create_call(actor=province_op, received_at=datetime(2015, 6, 1, 0, 0, tzinfo=BEIJING))
    last = create_call(actor=province_op, received_at=datetime(2015, 6, 30, 23, 59, tzinfo=BEIJING))
    after = create_call(actor=province_op, received_at=datetime(2015, 7, 1, 0, 0, tzinfo=BEIJING))
    june = {"received_from": datetime(2015, 6, 1, tzinfo=BEIJING), "received_to": datetime(2015, 7, 1, tzinfo=BEIJING)}
    with app.app_context():
        assert _ids(province_op, **june) == [last.id, first.id]
        assert set(_ids(province_op, received_from=june["received_from"])) == {first.id, last.id, after.id}
        assert set(_ids(province_op, received_to=june["received_from"])) == {before.id}


def test_filters_by_region_request_type_channel_status_and_ip_type(app, province_op, create_call):
    from hotline.calls.operations import set_call_status

    plain = create_call(actor=province_op)
    zhuzhou = create_call(actor=province_op, region_code="430200")
    report = create_call(actor=province_op, request_type="report")
    wechat = create_call(actor=province_op, channel="wechat")
    trademark = create_call(actor=province_op, ip_type="trademark")
    answered = create_call(actor=province_op, request_type="consultation")
    with app.app_context():
        set_call_status(db.session.get(Call, answered.id), "answered", actor=None, expected_version=1)
        db.session.commit()
        assert _ids(province_op, region_code="430200") == [zhuzhou.id]
        assert _ids(province_op, request_type="report") == [report.id]
        assert _ids(province_op, channel="wechat") == [wechat.id]
        assert _ids(province_op, ip_type="trademark") == [trademark.id]
        assert _ids(province_op, status="answered") == [answered.id]
        assert answered.id not in _ids(province_op, status="open")
        assert plain.id in _ids(province_op, region_code="430100", request_type="complaint", channel="phone",
                                ip_type="patent", status="open")
        assert _ids(province_op, region_code="430200", request_type="report") == []


def test_filter_by_caller(app, province_op, create_call):
    mine = create_call(actor=province_op, caller_phone="13812345678")
    create_call(actor=province_op, caller_phone="13987654321")
    with app.app_context():
        caller = find_caller("+8613812345678")
        assert _ids(province_op, caller_id=caller.id) == [mine.id]
        assert find_caller("+8600000000000") is None


# Text search -----------------------------------------------------------------------------------------


@pytest.fixture
def searchable(province_op, create_call):
    return {
        "counterfeit": create_call(actor=province_op, summary="长沙某某科技有限公司销售的电热水壶标注失效专利号",
                                   accused_party="长沙某某科技有限公司"),
        "phone": create_call(actor=province_op, summary="网店销售手机壳涉嫌侵犯外观设计专利",
                             accused_party="华为P30手机壳网店"),
        "named": create_call(actor=province_op, summary="咨询专利申请流程", caller_name="欧阳修远"),
        "latin": create_call(actor=province_op, summary="Booth A12 at the Canton fair sells copies",
                             accused_party="ACME Trading"),
    }


@pytest.mark.parametrize(("q", "expected"), [
    ("专利", {"counterfeit", "phone", "named"}),
    ("假冒", set()),
    ("某某科技", {"counterfeit"}),
    ("长沙某某科技有限公司", {"counterfeit"}),
    ("失效专利号", {"counterfeit"}),
    ("外观设计", {"phone"}),
    ("P30", {"phone"}),
    ("p30手机", {"phone"}),
    ("为P30", {"phone"}),
    ("手机壳", {"phone"}),
    ("壶", {"counterfeit"}),
    ("ACME", {"latin"}),
    ("acme trading", {"latin"}),
    ("canton", {"latin"}),
    ("100%", set()),
    ("某_", set()),
])
def test_text_search(app, province_op, searchable, q, expected):
    with app.app_context():
        found = set(_ids(province_op, q=q))
    assert found == {searchable[k].id for k in expected}


@pytest.mark.parametrize("q", ["华为P3", "P3", "30手机"])
def test_search_for_part_of_a_latin_word(app, province_op, searchable, q):
    with app.app_context():
        assert _ids(province_op, q=q) == [searchable["phone"].id]


@pytest.mark.parametrize("q", ["ＡＣＭＥ", "Ｐ３０"])
def test_full_width_query_finds_half_width_text(app, province_op, searchable, q):
    with app.app_context():
        assert _ids(province_op, q=q) != []


def test_caller_name_is_searchable_by_operators_only(app, province_op, create_user, searchable):
    officer = create_user("officer", "430000")
    supervisor = create_user("supervisor", "430000")
    with app.app_context():
        assert _ids(province_op, q="欧阳") == [searchable["named"].id]
        assert _ids(province_op, q="欧阳修远") == [searchable["named"].id]
        assert _ids(officer, q="欧阳") == []
        assert _ids(supervisor, q="欧阳修远") == []
        # the officer still finds the call by its summary
        assert _ids(officer, q="申请流程") == [searchable["named"].id]


@pytest.fixture
def identified(province_op, create_call):
    """Calls found by what people type: a reference number, a patent number, a mobile and a landline."""
    return {
        "patent": create_call(actor=province_op, summary="电热水壶专利侵权", patent_number="201710601862.3"),
        "mobile": create_call(actor=province_op, summary="咨询专利申请", caller_phone="138 1234 5678"),
        "landline": create_call(actor=province_op, summary="咨询商标", caller_phone="0731-88889999"),
        "other": create_call(actor=province_op, summary="其他来电", caller_phone="13987654321",
                             patent_number="ZL201520123456.7"),
    }


@pytest.mark.parametrize("q", ["ZL201710601862.3", "201710601862.3", "2017106018623", "zl 2017 1060 1862.3",
                               "ＺＬ２０１７１０６０１８６２．３", "ZL201710601862", "ZL2017106", "106018623"])
def test_call_search_finds_a_patent_number_as_printed(app, province_op, create_user, identified, q):
    officer = create_user("officer", "430000")
    with app.app_context():
        assert _ids(province_op, q=q) == [identified["patent"].id]
        assert _ids(officer, q=q) == [identified["patent"].id]


def test_call_search_finds_a_reference_number(app, province_op, create_user, identified):
    supervisor = create_user("supervisor", "430000")
    ref = identified["mobile"].ref  # HL-YYYY-00000N
    year, number = ref.split("-")[1:]
    with app.app_context():
        for q in (ref, ref.lower(), f" {ref} ", f"HL-{year}-{int(number)}", f"HL{year}{number}", f"{year}-{number}"):
            assert _ids(province_op, q=q) == [identified["mobile"].id], q
            assert _ids(supervisor, q=q) == [identified["mobile"].id], q
        assert set(_ids(province_op, q=f"HL-{year}")) == {c.id for c in identified.values()}
        assert _ids(province_op, q=f"HL-{int(year) - 1}-{number}") == []


@pytest.mark.parametrize(("q", "which"), [
    ("13812345678", "mobile"), ("138 1234 5678", "mobile"), ("+86 138-1234-5678", "mobile"),
    ("１３８１２３４５６７８", "mobile"), ("1234 5678", "mobile"),
    ("0731-88889999", "landline"), ("88889999", "landline"), ("(0731) 8888 9999", "landline"),
])
def test_operators_find_a_call_by_the_callers_number(app, province_op, create_user, identified, q, which):
    officer = create_user("officer", "430000")
    supervisor = create_user("supervisor", "430000")
    with app.app_context():
        assert _ids(province_op, q=q) == [identified[which].id]
        # Roles that see numbers masked: a number finds nothing, so a search cannot confirm a guessed number.
        assert _ids(officer, q=q) == []
        assert _ids(supervisor, q=q) == []


def test_api_call_search_by_number_is_for_operators_only(client, api, province_op, create_user, identified):
    officer = create_user("officer", "430000")
    found = api(province_op).get("/api/v1/calls?q=13812345678").get_json()["items"]
    assert [c["id"] for c in found] == [identified["mobile"].id]
    assert api(officer).get("/api/v1/calls?q=13812345678").get_json()["items"] == []
    assert api(officer).get("/api/v1/calls?q=ZL201710601862.3").get_json()["items"][0]["id"] == \
        identified["patent"].id


def test_search_results_page_like_any_list(app, province_op, create_call):
    ids = [create_call(actor=province_op, received_at=BASE, summary=f"假冒专利第{i}起").id for i in range(5)]
    create_call(actor=province_op, received_at=BASE, summary="商标咨询")
    with app.app_context():
        pages = _walk(province_op, CallFilters(q="假冒专利"), page_size=2)
    assert [i for page in pages for i in page] == sorted(ids, reverse=True)


# Region scoping --------------------------------------------------------------------------------------


def test_prefecture_user_never_sees_another_regions_calls(app, province_op, create_user, create_call):
    zhuzhou_officer = create_user("officer", "430200")
    changsha = [create_call(actor=province_op, region_code="430100", summary="假冒专利").id for _ in range(3)]
    zhuzhou = [create_call(actor=province_op, region_code="430200", summary="假冒专利").id for _ in range(2)]
    with app.app_context():
        walked = [i for page in _walk(zhuzhou_officer, page_size=1) for i in page]
        assert sorted(walked) == sorted(zhuzhou)
        assert _ids(zhuzhou_officer, region_code="430100") == []
        assert set(_ids(zhuzhou_officer, q="假冒")) == set(zhuzhou)
        assert set(_ids(province_op)) == set(changsha + zhuzhou)


def test_transferred_call_moves_to_the_new_regions_list(app, province_op, create_user, create_call):
    from hotline.calls.operations import transfer_call

    changsha = create_user("officer", "430100")
    zhuzhou = create_user("officer", "430200")
    call = create_call(actor=province_op, region_code="430100")
    with app.app_context():
        assert _ids(changsha) == [call.id]
        transfer_call(db.session.get(Call, call.id), "430200", None, actor=None, expected_version=1)
        db.session.commit()
        assert _ids(changsha) == []
        assert _ids(zhuzhou) == [call.id]


def test_get_call_or_404_hides_other_regions(app, province_op, create_user, create_call):
    from werkzeug.exceptions import NotFound

    from hotline.calls.queries import get_call_by_ref, get_call_or_404

    zhuzhou = create_user("officer", "430200")
    call = create_call(actor=province_op, region_code="430100")
    with app.test_request_context():
        assert get_call_or_404(call.id, province_op).id == call.id
        with pytest.raises(NotFound):
            get_call_or_404(call.id, zhuzhou)
        with pytest.raises(NotFound):
            get_call_or_404(call.id + 1000, province_op)
        assert get_call_by_ref(f" {call.ref.lower()} ", province_op).id == call.id
        assert get_call_by_ref(call.ref, zhuzhou) is None


# Duplicate hints -------------------------------------------------------------------------------------


def test_find_duplicates_reports_each_reason(app, province_op, create_call):
    now = datetime.now(UTC)
    by_number = create_call(actor=province_op, caller_phone="13812345678", received_at=now - timedelta(days=10))
    by_party = create_call(actor=province_op, accused_party="长沙某某 有限公司", received_at=now - timedelta(days=20))
    by_patent = create_call(actor=province_op, patent_number="ZL201710601862.3", received_at=now - timedelta(days=30))
    everything = create_call(actor=province_op, caller_phone="+86 138 1234 5678", accused_party="长沙某某有限公司",
                             patent_number="2017106018623", received_at=now - timedelta(days=40))
    create_call(actor=province_op, caller_phone="13987654321", accused_party="别的公司",
                received_at=now - timedelta(days=5))
    with app.app_context():
        caller = find_caller("+8613812345678")
        hints = find_duplicates(province_op, caller_id=caller.id, accused_key="长沙某某有限公司",
                                patent_number="201710601862.3")
    assert [(h.call.id, h.reasons) for h in hints] == [
        (by_number.id, ["same_number"]),
        (by_party.id, ["same_accused_party"]),
        (by_patent.id, ["same_patent_number"]),
        (everything.id, ["same_number", "same_accused_party", "same_patent_number"]),
    ]


def test_find_duplicates_window_is_90_days(app, province_op, create_call):
    now = datetime.now(UTC)
    recent = create_call(actor=province_op, patent_number="201710601862.3", received_at=now - timedelta(days=89))
    create_call(actor=province_op, patent_number="201710601862.3", received_at=now - timedelta(days=91))
    with app.app_context():
        hints = find_duplicates(province_op, patent_number="201710601862.3")
        assert [h.call.id for h in hints] == [recent.id]
        # the window is measured from ``now``
        later = find_duplicates(province_op, patent_number="201710601862.3", now=now + timedelta(days=2))
        assert later == []


def test_find_duplicates_excludes_the_call_itself_and_needs_a_criterion(app, province_op, create_call):
    call = create_call(actor=province_op, accused_party="长沙某某有限公司")
    with app.app_context():
        assert find_duplicates(province_op, accused_key="长沙某某有限公司", exclude_id=call.id) == []
        assert find_duplicates(province_op) == []


def test_find_duplicates_is_region_scoped(app, province_op, create_user, create_call):
    zhuzhou = create_user("operator", "430200")
    create_call(actor=province_op, region_code="430100", accused_party="长沙某某有限公司")
    own = create_call(actor=province_op, region_code="430200", accused_party="长沙某某有限公司")
    with app.app_context():
        assert [h.call.id for h in find_duplicates(zhuzhou, accused_key="长沙某某有限公司")] == [own.id]
        assert len(find_duplicates(province_op, accused_key="长沙某某有限公司")) == 2


def test_lean_duplicates_match_the_entity_query(app, province_op, create_user, create_call):
    """The intake's lean check (a Core SELECT of a few columns) finds the same calls, in the same order, with the
    same reasons, as the full query: per criterion, region scope, exclusion and limit."""
    now = datetime.now(UTC)
    zhuzhou = create_user("operator", "430200")
    calls = [create_call(actor=province_op, region_code=region, caller_phone=phone, accused_party=party,
                         patent_number=patent, received_at=now - timedelta(days=days))
             for region, phone, party, patent, days in [
                 ("430100", "13812345678", "长沙某某有限公司", None, 3),
                 ("430200", "13812345678", None, "201710601862.3", 5),
                 ("430200", None, "长沙某某 有限公司", None, 8),
                 ("430100", "13987654321", None, "ZL201710601862.3", 13),
                 ("430200", "13812345678", "别的公司", None, 120)]]
    with app.app_context():
        caller = find_caller("+8613812345678")
        for user in (province_op, zhuzhou):
            every = {"caller_id": caller.id, "accused_key": "长沙某某有限公司", "patent_number": "201710601862.3"}
            for kwargs in ({"caller_id": caller.id}, {"accused_key": "长沙某某有限公司"},
                           {"patent_number": "201710601862.3"}, every,
                           {"caller_id": caller.id, "exclude_id": calls[0].id}, {"caller_id": caller.id, "limit": 1}):
                full = [(h.call.id, h.call.ref, h.call.received_at, h.reasons)
                        for h in find_duplicates(user, **kwargs)]
                lean = [(h.call.id, h.call.ref, h.call.received_at, h.reasons)
                        for h in find_duplicates(user, lean=True, **kwargs)]
                assert lean == full, (user.region_code, kwargs)
        assert find_duplicates(province_op, lean=True) == []


# Caller history --------------------------------------------------------------------------------------


def test_caller_history_excludes_the_current_call_and_is_region_scoped(app, province_op, create_user,
                                                                      create_call):
    zhuzhou = create_user("officer", "430200")
    first = create_call(actor=province_op, caller_phone="13812345678", region_code="430100",
                        received_at=BASE)
    second = create_call(actor=province_op, caller_phone="138 1234 5678", region_code="430200",
                         received_at=BASE + timedelta(days=1))
    current = create_call(actor=province_op, caller_phone="+8613812345678", region_code="430200",
                          received_at=BASE + timedelta(days=2))
    create_call(actor=province_op, caller_phone="13987654321", received_at=BASE)
    with app.app_context():
        caller = find_caller("+8613812345678")
        assert [c.id for c in caller_history(province_op, caller, exclude_id=current.id)] == [second.id, first.id]
        assert [c.id for c in caller_history(province_op, caller)] == [current.id, second.id, first.id]
        assert [c.id for c in caller_history(zhuzhou, caller, exclude_id=current.id)] == [second.id]
        assert count_caller_calls(province_op, caller) == 3
        assert count_caller_calls(zhuzhou, caller) == 2


# Search at scale: the newest-calls window and the index token ------------------------------------------


@pytest.fixture
def many_searchable(province_op, create_call):
    """Calls over 40 minutes: every third about 保温杯 (frequent), one about 嘉禾建材 (rare), some in 株洲; the
    newest third are consultations (so a request-type filter is common among the newest calls, rare before)."""
    calls = []
    for i in range(24):
        summary = "咨询保温杯外观设计专利" if i % 3 == 0 else f"来电咨询商标注册第{i}号"
        if i == 4:
            summary = "举报长沙嘉禾建材商行销售假冒专利产品"
        calls.append(create_call(actor=province_op, received_at=BASE + timedelta(minutes=(i // 2) * 3),
                                 region_code="430200" if i % 4 == 0 else "430100", summary=summary,
                                 request_type="consultation" if i >= 16 or i == 5 else "complaint"))
    return calls


@pytest.mark.parametrize("window", [1, 3, 5, 10_000])
@pytest.mark.parametrize(("q", "region", "request_type"), [
    ("保温杯", None, None), ("嘉禾建材", None, None), ("保温杯", "430200", None), ("外观设计专利", None, None),
    ("商标", None, None), ("假冒", "430100", None), ("保温杯", None, "consultation"), ("商标", None, "complaint"),
    ("商标", "430100", "consultation"), ("嘉禾建材", None, "complaint")])
def test_search_pages_are_the_same_whatever_the_recent_window(app, monkeypatch, province_op, many_searchable,
                                                             window, q, region, request_type):
    """PostgreSQL first searches the newest calls (a window bounded by time, taken before the status and category
    filters), then all of them when a page does not fill there: the pages must be exactly those of a search over
    everything, with or without a category filter."""
    from hotline.calls import queries

    monkeypatch.setattr(queries, "SEARCH_RECENT_WINDOW", window)
    queries._EDGES.clear()
    expected = sorted((c.id for c in many_searchable if q in c.summary and region in (None, c.region_code)
                       and request_type in (None, c.request_type)),
                      key=lambda i: (next(c.received_at for c in many_searchable if c.id == i), i), reverse=True)
    with app.app_context():
        pages = _walk(province_op, CallFilters(q=q, region_code=region, request_type=request_type), page_size=2)
    assert [i for page in pages for i in page] == expected


def test_search_after_analyze_narrows_by_the_rarest_token(app, backend, province_op, searchable, many_searchable):
    """With pg_stats filled by ANALYZE the index narrows with one token (the rarest); results do not change."""
    from hotline.calls import queries

    with app.app_context():
        queries_ = ("长沙某某科技有限公司", "保温杯", "嘉禾建材", "外观设计", "p30手机")
        before = {q: _ids(province_op, q=q) for q in queries_}
        if backend == "postgresql":
            db.session.execute(sa_text("ANALYZE calls"))
            db.session.commit()
        queries._TOKEN_STATS["at"] = -1e9  # read the fresh statistics
        after = {q: _ids(province_op, q=q) for q in before}
        assert after == before
        assert before["嘉禾建材"] == [many_searchable[4].id]
        if backend == "postgresql" and queries._token_frequencies():
            assert len(queries._index_tokens("保温杯外观").split()) == 1
    queries._TOKEN_STATS["at"] = -1e9
