"""API test helpers: users of each role and region, call payloads, and a check that responses match the
OpenAPI document."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.api.schema_check import errors

BEIJING = ZoneInfo("Asia/Shanghai")
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


@pytest.fixture
def users(create_user):
    """Lazily created users by name: ``users.op`` (province operator), ``users.op_cs`` (长沙 operator), …"""

    specs = {
        "op": ("operator", "430000"),
        "op_cs": ("operator", "430100"),
        "op_zz": ("operator", "430200"),
        "officer": ("officer", "430000"),
        "officer_cs": ("officer", "430100"),
        "officer_zz": ("officer", "430200"),
        "sup": ("supervisor", "430000"),
        "sup_cs": ("supervisor", "430100"),
        "admin": ("admin", "430000"),
        "admin_cs": ("admin", "430100"),
    }

    class Users:
        def __getattr__(self, name):
            role, region = specs[name]
            user = create_user(role, region, username=name.replace("_", "-"))
            setattr(self, name, user)
            return user

    return Users()


def iso_ago(**delta) -> str:
    """An ISO time with the Beijing offset, ``delta`` ago (whole seconds)."""
    return (datetime.now(UTC) - timedelta(**delta)).astimezone(BEIJING).isoformat(timespec="seconds")


def payload(**overrides) -> dict:
    """A valid POST /api/v1/calls body."""
    body = {
        "received_at": iso_ago(minutes=10),
        "channel": "phone",
        "request_type": "complaint",
        "ip_type": "patent",
        "region_code": "430100",
        "caller_name": "张三丰",
        "caller_phone": "13812345678",
        "summary": "某公司销售的产品涉嫌假冒专利",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


@pytest.fixture
def openapi_doc(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


@pytest.fixture
def documented(app, openapi_doc):
    """``documented(response)``: assert the JSON body matches the schema documented for its route, method and
    status; returns the body."""
    adapter = app.url_map.bind("localhost")

    def check(response):
        method = response.request.method
        rule, _ = adapter.match(response.request.path, method=method, return_rule=True)
        path = _CONVERTER.sub(r"{\1}", rule.rule)
        operation = openapi_doc["paths"][path][method.lower()]
        status = str(response.status_code)
        assert status in operation["responses"], f"{method} {path} answered undocumented {status}"
        schema = operation["responses"][status]["content"]["application/json"]["schema"]
        body = response.get_json()
        problems = errors(body, schema, openapi_doc)
        assert not problems, problems
        return body

    return check


# Cases ---------------------------------------------------------------------------------------------------------

CASE_REGION = "430100"  # 长沙市


def case_body(**overrides) -> dict:
    """A valid POST /api/v1/cases body (an infringement dispute received 2015-09-30 in 长沙)."""
    body = {
        "case_type": "infringement_dispute",
        "region_code": CASE_REGION,
        "received_on": "2015-09-30",
        "source": "request",
        "requester_name": "长沙某某科技有限公司",
        "respondent_name": "株洲某某机械厂",
        "patent_number": "ZL201520123456.7",
        "amount_involved": "12500.00",
        "summary": "请求人称被请求人制造销售的产品落入其实用新型专利保护范围",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


@pytest.fixture
def crew(create_user):
    """长沙 (430100) case staff: five officers and a supervisor; a 株洲 (430200) officer and supervisor."""
    from types import SimpleNamespace

    return SimpleNamespace(
        officers=[create_user("officer", CASE_REGION, display_name=f"执法员{i}") for i in range(1, 6)],
        supervisor=create_user("supervisor", CASE_REGION, display_name="科长"),
        other_officer=create_user("officer", "430200"),
        other_supervisor=create_user("supervisor", "430200"),
    )


@pytest.fixture
def case_api(api, crew):
    """``case_api(user=None)``: an ApiClient of ``user`` (default: the first 长沙 officer) with case helpers:
    ``.open(**fields)`` → the created case JSON, ``.act(case, action, **fields)`` → the response (If-Match from
    the case JSON), ``.read(case_id)`` → the case JSON, ``.request(case, action, **fields)`` → the pending approval
    (202), ``.decide(approval, decision, **fields)`` → the decision's response."""

    def factory(user=None):
        client = api(user or crew.officers[0])

        def open_case(**overrides):
            response = client.post("/api/v1/cases", json=case_body(**overrides))
            assert response.status_code == 201, response.get_json()
            return response.get_json()

        def act(case, action, **fields):
            return client.post(f"/api/v1/cases/{case['id']}/actions", json={"action": action, **fields},
                               headers={"If-Match": str(case["version"])})

        def read(case_id):
            response = client.get(f"/api/v1/cases/{case_id}")
            assert response.status_code == 200, response.get_json()
            return response.get_json()

        def file(case, filed_on=None, count=None):
            count = count or (2 if case["case_type"] == "counterfeit" else 3)
            response = act(case, "file", filed_on=filed_on or case["received_on"],
                           officer_ids=[u.id for u in crew.officers[:count]])
            assert response.status_code == 200, response.get_json()
            return response.get_json()

        def decide(approval, decision="approve", **fields):
            """POST /approvals/{id}/decision for the approval JSON (or id) → the response."""
            approval_id = approval["id"] if isinstance(approval, dict) else approval
            return client.post(f"/api/v1/approvals/{approval_id}/decision", json={"decision": decision, **fields})

        def request(case, action, **fields):
            """An approval-bound action sent by someone who may not decide it: 202 → the pending approval JSON."""
            response = act(case, action, **fields)
            assert response.status_code == 202, response.get_json()
            return response.get_json()["approval"]

        client.open_case, client.act, client.read, client.file = open_case, act, read, file
        client.decide, client.request = decide, request
        return client

    return factory


def deadline(case: dict, kind: str) -> dict:
    """The case JSON's deadline of ``kind``."""
    found = [d for d in case["deadlines"] if d["kind"] == kind]
    assert len(found) == 1, case["deadlines"]
    return found[0]
