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
