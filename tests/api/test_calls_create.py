"""POST /api/v1/calls: intake, validation, text handling and duplicate hints."""

from __future__ import annotations

import pytest

from tests.api.conftest import iso_ago, payload


def test_create_call_returns_201_with_the_call(users, api, documented):
    response = api(users.op).post("/api/v1/calls", json=payload(
        received_at="2015-05-28T09:15:00+08:00", caller_phone="0731-84567890", duration_seconds=185,
        accused_party="长沙某某科技有限公司", patent_number="ZL 2017 1 0601862.3"))
    assert response.status_code == 201, response.get_json()
    body = documented(response)
    assert body["ref"] == "HL-2015-000001"
    assert body["status"] == "open"
    assert body["version"] == 1
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"].endswith(f"/api/v1/calls/{body['id']}")
    assert body["received_at"] == "2015-05-28T09:15:00+08:00"
    assert body["caller_phone"] == "+8673184567890"
    assert body["caller_phone_raw"] == "0731-84567890"
    assert body["caller_name"] == "张三丰"
    assert body["patent_number"] == "201710601862.3"
    assert body["duration_seconds"] == 185
    assert body["operator_id"] == users.op.id
    assert body["created_at"].endswith("+08:00")
    assert body["possible_duplicates"] == []


def test_received_at_in_another_offset_is_shown_in_beijing_time(users, api):
    response = api(users.op).post("/api/v1/calls", json=payload(received_at="2015-05-28T01:15:00Z"))
    assert response.status_code == 201
    assert response.get_json()["received_at"] == "2015-05-28T09:15:00+08:00"


def test_created_call_can_be_read_back(users, api):
    client = api(users.op)
    created = client.post("/api/v1/calls", json=payload(description="第一行\n第二行")).get_json()
    fetched = client.get(f"/api/v1/calls/{created['id']}").get_json()
    created.pop("possible_duplicates")
    assert fetched == created


def test_same_number_within_90_days_is_a_possible_duplicate(users, api, documented):
    client = api(users.op)
    first = client.post("/api/v1/calls", json=payload(received_at=iso_ago(days=30))).get_json()
    response = client.post("/api/v1/calls", json=payload(caller_phone="+86 138-1234-5678"))
    body = documented(response)
    assert [(d["id"], d["reasons"]) for d in body["possible_duplicates"]] == [(first["id"], ["same_number"])]
    assert body["possible_duplicates"][0]["ref"] == first["ref"]


def test_duplicate_reasons_cover_accused_party_and_patent(users, api):
    client = api(users.op)
    first = client.post("/api/v1/calls", json=payload(
        caller_phone=None, caller_name=None, anonymous=True, accused_party="长沙某某科技 有限公司",
        patent_number="201710601862.3")).get_json()
    body = client.post("/api/v1/calls", json=payload(caller_phone="13900001111", accused_party="长沙某某科技有限公司",
                                                     patent_number="ZL201710601862.3")).get_json()
    assert body["possible_duplicates"] == [{"id": first["id"], "ref": first["ref"],
                                            "received_at": first["received_at"],
                                            "reasons": ["same_accused_party", "same_patent_number"]}]


def test_older_calls_and_other_regions_are_not_duplicate_hints(users, api):
    api(users.op).post("/api/v1/calls", json=payload(received_at=iso_ago(days=120)))
    api(users.op).post("/api/v1/calls", json=payload(region_code="430200"))
    body = api(users.op_cs).post("/api/v1/calls", json=payload()).get_json()
    assert body["possible_duplicates"] == []


@pytest.mark.parametrize("text", ["𠮷野家的商标被冒用", "假冒专利 😀👍🏽 投诉", "一家人 👨‍👩‍👧 𩸽"])
def test_four_byte_characters_round_trip_exactly(users, api, text):
    client = api(users.op)
    created = client.post("/api/v1/calls", json=payload(summary=text, accused_party=text, caller_name="𠮷田"))
    assert created.status_code == 201, created.get_json()
    body = client.get(f"/api/v1/calls/{created.get_json()['id']}").get_json()
    assert (body["summary"], body["accused_party"], body["caller_name"]) == (text, text, "𠮷田")


def test_nul_and_control_characters_are_stripped(users, api):
    response = api(users.op).post("/api/v1/calls", json=payload(summary="假冒\u0000专利\u0007", caller_name="李\x00四"))
    assert response.status_code == 201
    assert response.get_json()["summary"] == "假冒专利"
    assert response.get_json()["caller_name"] == "李四"


@pytest.mark.parametrize("name", ["张\U00030000明",      # CJK Extension G
                                  "王\U00031350",        # CJK Extension H: unassigned to Python 3.11
                                  "李\ue000\ue816",      # Private Use Area: 生僻字 of older GB 18030 systems
                                  "湘\U000f0001科技有限公司"])
def test_rare_and_private_use_characters_of_names_are_kept(users, api, name):
    client = api(users.op)
    created = client.post("/api/v1/calls", json=payload(caller_name=name, accused_party=name, summary=f"{name}投诉"))
    assert created.status_code == 201, created.get_json()
    body = client.get(f"/api/v1/calls/{created.get_json()['id']}").get_json()
    assert (body["caller_name"], body["accused_party"], body["summary"]) == (name, name, f"{name}投诉")


def test_bidi_overrides_and_isolates_are_dropped(users, api):
    response = api(users.op).post("/api/v1/calls", json=payload(
        caller_name="李\u202e四\u2066", accused_party="\u2067长沙某某公司\u2069\u200f", summary="假冒\u202d专利"))
    assert response.status_code == 201
    body = response.get_json()
    assert (body["caller_name"], body["accused_party"], body["summary"]) == ("李四", "长沙某某公司", "假冒专利")


def test_anonymous_call(users, api):
    response = api(users.op).post("/api/v1/calls", json=payload(anonymous=True, caller_name=None, caller_phone=None))
    body = response.get_json()
    assert response.status_code == 201
    assert (body["anonymous"], body["caller_phone"], body["caller_name"]) == (True, None, None)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"anonymous": "yes"}, "anonymous"),
    ({"anonymous": 1}, "anonymous"),
    ({"duration_seconds": "60"}, "duration_seconds"),
    ({"duration_seconds": 60.0}, "duration_seconds"),
    ({"duration_seconds": -1}, "duration_seconds"),
    ({"duration_seconds": 10**30}, "duration_seconds"),
    ({"summary": 123}, "summary"),
    ({"summary": ["a"]}, "summary"),
    ({"summary": None}, "summary"),
    ({"summary": "   "}, "summary"),
    ({"summary": "长" * 501}, "summary"),
    ({"summary": "x" * 1_000_000}, "summary"),
    ({"description": "x" * 1_000_000}, "description"),
    ({"caller_phone": "1" * 1_000_000}, "caller_phone"),
    ({"patent_number": "2" * 1_000_000}, "patent_number"),
    ({"caller_name": "名" * 101}, "caller_name"),
    ({"received_at": "2015-02-30T09:00:00+08:00"}, "received_at"),
    ({"received_at": "2015-05-28T09:15:00"}, "received_at"),
    ({"received_at": "2015-05-28"}, "received_at"),
    ({"received_at": "1432775700"}, "received_at"),
    ({"received_at": 1432775700}, "received_at"),
    ({"received_at": "2999-01-01T00:00:00+08:00"}, "received_at"),
    ({"received_at": "0001-01-01T00:00:00+14:00"}, "received_at"),
    ({"received_at": ...}, "received_at"),
    ({"channel": "fax"}, "channel"),
    ({"channel": ...}, "channel"),
    ({"request_type": "praise"}, "request_type"),
    ({"ip_type": "weather"}, "ip_type"),
    ({"region_code": "999999"}, "region_code"),
    ({"region_code": "4301"}, "region_code"),
    ({"region_code": 430100}, "region_code"),
    ({"caller_phone": "12345678901234"}, "caller_phone"),
    ({"caller_phone": "call me"}, "caller_phone"),
    ({"patent_number": "ZL201710601862.4"}, "patent_number"),
    ({"anonymous": True}, "caller_phone"),
    ({"favourite_colour": "blue"}, "favourite_colour"),
    ({"id": 5}, "id"),
    ({"status": "closed"}, "status"),
])
def test_invalid_field_is_422_naming_the_field(users, api, documented, overrides, field):
    response = api(users.op).post("/api/v1/calls", json=payload(**overrides))
    assert response.status_code == 422, response.get_json()
    body = documented(response)
    assert field in body["errors"], body["errors"]
    assert all(isinstance(m, str) and m for m in body["errors"][field])


def test_all_field_errors_are_reported_at_once(users, api):
    body = api(users.op).post("/api/v1/calls", json={"summary": 1, "anonymous": "no", "extra": 1}).get_json()
    assert {"summary", "anonymous", "extra", "received_at", "channel", "request_type"} <= set(
        body["errors"])


def test_operator_cannot_log_a_call_for_another_region(users, api):
    response = api(users.op_cs).post("/api/v1/calls", json=payload(region_code="430200"))
    assert response.status_code == 422
    assert "region_code" in response.get_json()["errors"]


@pytest.mark.parametrize(("data", "content_type"), [
    (b"not json", "application/json"),
    (b'{"summary": "x",', "application/json"),
    (b"[1, 2]", "application/json"),
    (b'"a string"', "application/json"),
    (b"null", "application/json"),
    (b"", "application/json"),
    (b'{"summary": "\\ud800"}', "application/json"),
    (b'{"summary": "\xff\xfe"}', "application/json"),
    (b"summary=x", "application/x-www-form-urlencoded"),
    (b'{"summary": "x"}', "text/plain"),
])
def test_malformed_or_non_json_body_is_422(users, api, documented, data, content_type):
    client = api(users.op)
    response = client.client.post("/api/v1/calls", data=data, headers={**client.headers, "Content-Type": content_type})
    assert response.status_code == 422
    assert documented(response)["errors"]


def test_oversized_body_is_413_not_500(users, api):
    client = api(users.op)
    response = client.client.post("/api/v1/calls", data=b'{"summary": "' + b"x" * (5 * 1024 * 1024) + b'"}',
                                  headers={**client.headers, "Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.get_json()["error"] == "Request Entity Too Large"


def test_nothing_is_stored_when_validation_fails(users, api):
    client = api(users.op)
    client.post("/api/v1/calls", json=payload(channel="fax"))
    assert client.get("/api/v1/calls").get_json()["items"] == []


def test_acceptance_deadline_counts_working_days(users, api):
    """Five working days from 2015-09-30, over the National Day holiday (domain-reference §1.3)."""
    body = api(users.op).post("/api/v1/calls", json=payload(received_at="2015-09-30T10:00:00+08:00")).get_json()
    assert body["accept_due_on"] == "2015-10-13"
