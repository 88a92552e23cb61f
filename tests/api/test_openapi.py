"""The OpenAPI document describes exactly the routes that exist, and it is structurally sound."""

from __future__ import annotations

import json
import re

from tests.api.schema_check import errors, resolve

_HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            found |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def _documented(doc) -> set[tuple[str, str]]:
    return {(path, method) for path, item in doc["paths"].items() for method in item if method in _HTTP_METHODS}


def test_every_api_route_is_documented_and_nothing_else(app, openapi_doc):
    routes = _routes(app)
    assert ("/api/v1/calls/{call_id}", "patch") in routes
    assert _documented(openapi_doc) == routes


def test_openapi_is_served_without_a_token_as_json(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_document_structure(openapi_doc):
    doc = openapi_doc
    assert doc["openapi"].startswith("3.1.")
    assert doc["info"]["title"]
    assert doc["info"]["version"]
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": doc["components"]["securitySchemes"]["bearerAuth"][
            "description"]}
    assert doc["security"] == [{"bearerAuth": []}]
    operation_ids = []
    for path, item in doc["paths"].items():
        assert path.startswith("/api/v1/")
        for method, op in item.items():
            assert method in _HTTP_METHODS
            operation_ids.append(op["operationId"])
            assert op["summary"]
            assert op["responses"]
            for status, response in op["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d", status)
                assert response["description"]
            names = re.findall(r"{(\w+)}", path)
            path_params = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
            assert path_params == names
            for param in op.get("parameters", []):
                assert param["in"] in ("path", "query", "header")
                assert "schema" in param
                if param["in"] == "path":
                    assert param["required"] is True
    assert len(operation_ids) == len(set(operation_ids))
    refs = list(_refs(doc))
    assert refs
    for ref in refs:
        resolve(doc, ref)  # raises KeyError when dangling


def test_auth_and_error_responses_are_documented(openapi_doc):
    paths = openapi_doc["paths"]
    for public in ("/api/v1/health", "/api/v1/openapi.json"):
        assert paths[public]["get"]["security"] == []
        assert "401" not in paths[public]["get"]["responses"]
    create = paths["/api/v1/calls"]["post"]
    assert {"201", "401", "403", "422"} <= set(create["responses"])
    assert create["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/CallCreate"}
    patch = paths["/api/v1/calls/{call_id}"]["patch"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(patch["responses"])
    assert "If-Match" in [p["name"] for p in patch["parameters"]]
    assert patch["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/ConflictOut")
    listing = paths["/api/v1/calls"]["get"]
    assert {"received_from", "received_to", "region_code", "request_type", "channel", "status", "q", "page_size",
            "cursor"} <= {p["name"] for p in listing["parameters"]}


def test_request_schemas_forbid_unknown_fields_and_require_the_intake_fields(openapi_doc):
    create = resolve(openapi_doc, "#/components/schemas/CallCreate")
    assert create["additionalProperties"] is False
    # region_code is optional: consultations and other calls stay with the operator's office
    assert {"received_at", "channel", "request_type", "summary"} == set(create["required"])
    sample = {"received_at": "2015-05-28T09:15:00+08:00", "channel": "phone", "request_type": "report",
              "region_code": "430100", "summary": "x", "anonymous": True}
    assert errors(sample, create, openapi_doc) == []
    assert errors({**sample, "colour": "red"}, create, openapi_doc)
    assert errors({**sample, "anonymous": "yes"}, create, openapi_doc)


def test_document_is_plain_json(openapi_doc):
    json.dumps(openapi_doc)
