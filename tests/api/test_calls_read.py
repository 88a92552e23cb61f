"""GET /api/v1/calls and /api/v1/calls/{id}: masking, region scoping, filters, search and keyset pagination."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.api.conftest import iso_ago


def test_operator_sees_the_caller_in_full(users, api, create_call, documented):
    call = create_call(caller_name="张三丰", caller_phone="13812345678")
    body = documented(api(users.op_cs).get(f"/api/v1/calls/{call.id}"))
    assert (body["caller_name"], body["caller_phone"], body["caller_phone_raw"]) == (
        "张三丰", "+8613812345678", "13812345678")


@pytest.mark.parametrize("who", ["officer_cs", "sup"])
def test_officer_and_supervisor_see_the_caller_masked(users, api, create_call, documented, who):
    call = create_call(caller_name="张三丰", caller_phone="+86 138 1234 5678")
    response = api(getattr(users, who)).get(f"/api/v1/calls/{call.id}")
    body = documented(response)
    assert (body["caller_name"], body["caller_phone"], body["caller_phone_raw"]) == (
        "张**", "138****5678", "138****5678")
    assert "1234" not in response.get_data(as_text=True)


def test_masked_landline_hides_the_middle_digits(users, api, create_call):
    call = create_call(caller_phone="84567890")
    body = api(users.officer_cs).get(f"/api/v1/calls/{call.id}").get_json()
    assert body["caller_phone"] == "073****7890"
    assert "4567" not in body["caller_phone_raw"]


def test_masking_applies_in_lists(users, api, create_call):
    create_call(caller_name="李四", caller_phone="13912345678")
    items = api(users.officer_cs).get("/api/v1/calls").get_json()["items"]
    assert [(i["caller_name"], i["caller_phone"]) for i in items] == [("李*", "139****5678")]


def test_get_call_has_etag_and_beijing_times(users, api, create_call):
    call = create_call(received_at=datetime(2015, 5, 28, 1, 15, tzinfo=UTC))
    response = api(users.op).get(f"/api/v1/calls/{call.id}")
    assert response.headers["ETag"] == '"1"'
    body = response.get_json()
    assert body["received_at"] == "2015-05-28T09:15:00+08:00"
    assert body["ref"].startswith("HL-2015-")


def test_region_user_lists_only_their_region(users, api, create_call):
    mine = create_call(region_code="430100")
    create_call(region_code="430200")
    ids = [i["id"] for i in api(users.officer_cs).get("/api/v1/calls").get_json()["items"]]
    assert ids == [mine.id]


def test_province_user_lists_every_region_and_can_filter(users, api, create_call):
    cs = create_call(region_code="430100")
    zz = create_call(region_code="430200")
    client = api(users.sup)
    assert {i["id"] for i in client.get("/api/v1/calls").get_json()["items"]} == {cs.id, zz.id}
    assert [i["id"] for i in client.get("/api/v1/calls?region_code=430200").get_json()["items"]] == [zz.id]


def test_filter_for_another_region_is_empty_not_an_error(users, api, create_call):
    create_call(region_code="430200")
    response = api(users.officer_cs).get("/api/v1/calls?region_code=430200")
    assert response.status_code == 200
    assert response.get_json() == {"items": [], "next_cursor": None}


def test_filters_by_codes_and_status(users, api, create_call):
    consultation = create_call(request_type="consultation", channel="wechat", ip_type="trademark")
    complaint = create_call(request_type="complaint", channel="phone", ip_type="patent")
    client = api(users.op)

    def ids(qs):
        response = client.get(f"/api/v1/calls?{qs}")
        assert response.status_code == 200, response.get_json()
        return [i["id"] for i in response.get_json()["items"]]

    assert ids("request_type=consultation") == [consultation.id]
    assert ids("channel=phone") == [complaint.id]
    assert ids("ip_type=trademark") == [consultation.id]
    assert ids("status=open&request_type=complaint") == [complaint.id]
    assert ids("status=closed") == []


def test_date_filters_use_beijing_days(users, api, create_call):
    # 2015-05-31 23:30 Beijing is still May there, though 15:30 UTC; 2015-06-01 00:30 Beijing is June.
    may = create_call(received_at=datetime(2015, 5, 31, 15, 30, tzinfo=UTC))
    june = create_call(received_at=datetime(2015, 5, 31, 16, 30, tzinfo=UTC))
    client = api(users.op)

    def ids(qs):
        return [i["id"] for i in client.get(f"/api/v1/calls?{qs}").get_json()["items"]]

    assert ids("received_from=2015-06-01") == [june.id]
    assert ids("received_to=2015-05-31") == [may.id]
    assert ids("received_from=2015-05-31&received_to=2015-05-31") == [may.id]
    assert ids("received_from=2015-06-01&received_to=2015-06-01") == [june.id]
    assert ids("received_to=2015-05-31T23:30:00%2B08:00") == [may.id]
    assert ids("received_from=2015-05-31T16:30:00Z") == [june.id]


def _cursor(received_at, call_id) -> str:
    return base64.urlsafe_b64encode(json.dumps([received_at, call_id]).encode()).decode().rstrip("=")


@pytest.mark.parametrize(("qs", "field"), [
    ("received_from=2015-02-30", "received_from"),
    ("received_from=yesterday", "received_from"),
    ("received_from=2015-05-28T09:15:00", "received_from"),
    ("received_to=0001-01-01", "received_to"),
    ("received_to=9999-12-31", "received_to"),
    ("received_from=2015-06-02&received_to=2015-06-01", "received_to"),
    ("page_size=0", "page_size"),
    ("page_size=201", "page_size"),
    ("page_size=ten", "page_size"),
    ("cursor=not-a-cursor", "cursor"),
    ("cursor=WzEsMl0", "cursor"),
    ("cursor=" + _cursor("2015-05-28T09:15:00+08:00", 10**25), "cursor"),
    ("cursor=" + _cursor("0001-01-01T00:00:00+08:00", 1), "cursor"),
    ("cursor=" + _cursor("2015-05-28T09:15:00", 1), "cursor"),
    ("status=pending", "status"),
    ("channel=fax", "channel"),
    ("request_type=x", "request_type"),
    ("ip_type=x", "ip_type"),
    ("region_code=999999", "region_code"),
    ("region_code=abc", "region_code"),
    ("q=" + "长" * 201, "q"),
    ("colour=red", "colour"),
])
def test_invalid_list_parameters_are_422(users, api, documented, qs, field):
    response = api(users.op).get(f"/api/v1/calls?{qs}")
    assert response.status_code == 422
    assert field in documented(response)["errors"]


def test_keyset_pagination_walks_every_call_once_newest_first(users, api, create_call, documented):
    now = datetime.now(UTC)
    created = [create_call(received_at=now - timedelta(hours=h)) for h in (5, 1, 3, 7, 2, 6, 4)]
    # Two calls at the same instant: the id breaks the tie, so neither is skipped nor repeated.
    created.append(create_call(received_at=now - timedelta(hours=3)))
    client = api(users.op)
    seen, cursor, pages = [], None, 0
    while True:
        response = client.get("/api/v1/calls?page_size=3" + (f"&cursor={cursor}" if cursor else ""))
        body = documented(response)
        assert len(body["items"]) <= 3
        seen += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == len(created) == len({i["id"] for i in seen})
    keys = [(datetime.fromisoformat(i["received_at"]), i["id"]) for i in seen]
    assert keys == sorted(keys, reverse=True)


def test_default_page_size_is_50(users, api, create_call):
    for _ in range(51):
        create_call()
    body = api(users.op).get("/api/v1/calls").get_json()
    assert len(body["items"]) == 50
    assert body["next_cursor"]


def test_search_in_chinese(users, api, create_call):
    hit = create_call(summary="某公司销售的产品涉嫌假冒专利")
    create_call(summary="咨询商标注册流程")
    hit2 = create_call(summary="网店售卖仿冒产品", accused_party="长沙假冒制品厂")
    client = api(users.op)
    ids = {i["id"] for i in client.get("/api/v1/calls?q=假冒").get_json()["items"]}
    assert ids == {hit.id, hit2.id}
    assert [i["id"] for i in client.get("/api/v1/calls?q=假冒专利").get_json()["items"]] == [hit.id]
    assert client.get("/api/v1/calls?q=专利假冒").get_json()["items"] == []


def test_search_tolerates_odd_input(users, api, create_call):
    create_call(summary="100% 假冒_专利")
    client = api(users.op)
    for q in ("%", "_", "100%", "假冒_专", "%00", "'; DROP TABLE calls; --", "😀", "\\"):
        response = client.get("/api/v1/calls", query_string={"q": q})
        assert response.status_code == 200, (q, response.get_json())
    assert len(client.get("/api/v1/calls", query_string={"q": "100%"}).get_json()["items"]) == 1
    assert client.get("/api/v1/calls", query_string={"q": "%"}).get_json()["items"] != []
    assert client.get("/api/v1/calls", query_string={"q": "x\x00y"}).status_code == 200


def test_search_by_caller_name_only_for_roles_that_see_it(users, api, create_call):
    call = create_call(caller_name="王小明", summary="咨询")
    assert [i["id"] for i in api(users.op).get("/api/v1/calls?q=王小明").get_json()["items"]] == [call.id]
    assert api(users.officer).get("/api/v1/calls?q=王小明").get_json()["items"] == []


def test_list_recent_window(users, api, create_call):
    recent = create_call(received_at=datetime.now(UTC) - timedelta(hours=1))
    create_call(received_at=datetime.now(UTC) - timedelta(days=3))
    ids = [i["id"] for i in api(users.op).get("/api/v1/calls", query_string={
        "received_from": iso_ago(days=1)}).get_json()["items"]]
    assert ids == [recent.id]
