"""Fixtures to build cases through the real operations.

``team`` is a set of users (长沙 430100 officers and a supervisor, an operator, outsiders). ``case_data(**kw)``
gives create_case input with API field names. ``build_case(status=..., **kw)`` must be called inside an app
context: it creates a case and walks it through the workflow (file, suspend, close …) to the asked status, and
returns the attached ``Case``.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import hotline.models  # noqa: F401  (every mapper, before test modules import query modules)
from hotline.extensions import db

REGION = "430100"  # 长沙市
OTHER_REGION = "430200"  # 株洲市


@pytest.fixture
def team(create_user):
    return SimpleNamespace(
        officers=[create_user("officer", REGION) for _ in range(5)],
        supervisor=create_user("supervisor", REGION),
        operator=create_user("operator", "430000"),
        province_supervisor=create_user("supervisor", "430000"),
        other_officer=create_user("officer", OTHER_REGION),
        other_supervisor=create_user("supervisor", OTHER_REGION),
        inactive_officer=create_user("officer", REGION, active=False),
    )


@pytest.fixture
def attached():
    """``attached(detached_row)``: the same row loaded in the current session."""

    def get(row):
        return db.session.get(type(row), row.id)

    return get


@pytest.fixture
def case_data():
    def make(**overrides):
        data = {
            "case_type": "infringement_dispute",
            "region_code": REGION,
            "received_on": "2015-09-30",
            "source": "request",
            "summary": "请求人称被请求人制造销售的产品落入其实用新型专利保护范围",
            "requester_name": "长沙某某科技有限公司",
            "respondent_name": "株洲某某机械厂",
            "amount_involved": "12500.00",
        }
        data.update(overrides)
        return data

    return make


@pytest.fixture
def build_case(team, case_data, attached):
    """``build_case(status="received", case_type=..., received_on=..., filed_on=..., closed_on=..., outcome=...,
    suspended_on=..., resumed_on=..., actor=None, **create_fields)`` inside an app context."""
    from hotline.cases.operations import create_case, perform_action

    def act(case, action, data, actor):
        perform_action(case, action, data, actor=actor, expected_version=case.version)

    def build(status: str = "received", *, case_type: str = "infringement_dispute", received_on: str = "2015-09-30",
              filed_on: str | None = None, closed_on: str | None = None, outcome: str | None = None,
              suspended_on: str | None = None, resumed_on: str | None = None, actor=None, **fields):
        officer = attached(actor or team.officers[0])
        case = create_case(case_data(case_type=case_type, received_on=received_on, **fields), actor=officer)
        if status == "received":
            return case
        if status == "not_accepted":
            act(case, "reject", {"on": filed_on or received_on, "reason": "不符合立案条件"}, officer)
            return case
        count = 2 if case_type == "counterfeit" else 3
        act(case, "file", {"filed_on": filed_on or received_on,
                           "officer_ids": [u.id for u in team.officers[:count]]}, officer)
        if suspended_on:
            act(case, "suspend", {"on": suspended_on, "reason": "被请求人已提出无效宣告请求"}, officer)
            if resumed_on:
                act(case, "resume", {"on": resumed_on}, officer)
        if status in ("filed", "suspended"):
            assert case.status == status
            return case
        assert status == "closed", status
        outcome = outcome or ("penalized" if case_type == "counterfeit" else "mediated")
        data = {"outcome": outcome, "closed_on": closed_on or filed_on or received_on}
        closer = officer
        if outcome == "penalized":
            # A penalty decision takes effect with a supervisor's approval: the region's supervisor decides it.
            data.update(fine_amount="5000.00")
            closer = attached(team.supervisor)
        act(case, "close", data, closer)
        return case

    return build
