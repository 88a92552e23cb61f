"""Schemathesis against /api/v1/openapi.json: every operation, authenticated, with generated (and hostile)
input. No 5xx, and every response conforms to the documented schema.

Schemathesis' pytest plugin does not run on pytest 9, so the operations are driven here with its Python API:
one hypothesis run per operation.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

import hotline.api.views  # noqa: F401  (registers every API route and its endpoint record)
from hotline.api.registry import ENDPOINTS

EXAMPLES_PER_OPERATION = 15


def _label(endpoint) -> str:
    path = endpoint.rule
    for token in ("<int:", "<"):
        path = path.replace(token, "{")
    return f"{endpoint.method} /api/v1{path.replace('>', '}')}"


@pytest.fixture(scope="session")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.mark.parametrize("label", sorted({_label(e) for e in ENDPOINTS}))
def test_operation_never_fails_and_matches_its_schema(api_schema, create_user, make_token, label):
    """A province supervisor (reads and writes calls, cases and statistics everywhere) calls the operation with
    generated input; any 5xx, undocumented status, wrong content type or schema mismatch fails the test."""
    token = make_token(create_user("supervisor", "430000"))
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is registered but not in the OpenAPI document"

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.function_scoped_fixture])
    def run(case):
        # A schema-valid value the API still refuses (e.g. a month before 2000) is a stricter rule, not a bug.
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"},
                               excluded_checks=[positive_data_acceptance])

    run()
