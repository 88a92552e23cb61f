"""GET /api/v1/callers/{phone}/history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest


def test_history_lists_the_numbers_calls_newest_first(users, api, create_call, documented):
    now = datetime.now(UTC)
    older = create_call(caller_phone="13812345678", received_at=now - timedelta(days=200))
    newer = create_call(caller_phone="+86 138 1234 5678", received_at=now - timedelta(days=1))
    create_call(caller_phone="13900000000")
    response = api(users.op).get("/api/v1/callers/13812345678/history")
    body = documented(response)
    assert body["phone"] == "+8613812345678"
    assert [c["id"] for c in body["calls"]] == [newer.id, older.id]
    assert body["total"] == 2
    assert body["calls"][0]["ref"] == newer.ref


@pytest.mark.parametrize("spelling", ["+8613812345678", "8613812345678", "138-1234-5678", "138 1234 5678"])
def test_any_spelling_of_the_number_finds_the_history(users, api, create_call, spelling):
    create_call(caller_phone="13812345678")
    assert api(users.op).get(f"/api/v1/callers/{spelling}/history").get_json()["total"] == 1


def test_landline_without_area_code_uses_the_default(users, api, create_call):
    call = create_call(caller_phone="0731-84567890")
    body = api(users.op).get("/api/v1/callers/84567890/history").get_json()
    assert [c["id"] for c in body["calls"]] == [call.id]


def test_history_is_region_scoped(users, api, create_call):
    mine = create_call(caller_phone="13812345678", region_code="430100")
    create_call(caller_phone="13812345678", region_code="430200")
    body = api(users.op_cs).get("/api/v1/callers/13812345678/history").get_json()
    assert [c["id"] for c in body["calls"]] == [mine.id]
    assert body["total"] == 1


def test_history_number_is_masked_for_officers(users, api, create_call):
    create_call(caller_phone="13812345678")
    response = api(users.officer).get("/api/v1/callers/13812345678/history")
    body = response.get_json()
    assert body["phone"] == "138****5678"
    assert body["total"] == 1
    assert "caller_name" not in body["calls"][0]


def test_unknown_number_is_an_empty_history(users, api, documented):
    body = documented(api(users.op).get("/api/v1/callers/13700001111/history"))
    assert body == {"phone": "+8613700001111", "calls": [], "total": 0}


@pytest.mark.parametrize("phone", ["abc", "12", "1381234567", "%20", "0" * 50, "138%001234"])
def test_invalid_number_is_422(users, api, documented, phone):
    response = api(users.op).get(f"/api/v1/callers/{phone}/history")
    assert response.status_code == 422
    assert "phone" in documented(response)["errors"]
