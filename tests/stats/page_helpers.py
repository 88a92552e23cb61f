"""Helpers for the statistics page and export tests: users of 长沙 (430100), 株洲 (430200) and the province
(``people`` fixture), and ``make_case`` that takes a case through the real workflow operations (create, file,
close). Test modules import the fixtures they use from here."""

from __future__ import annotations

import json
import re
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from hotline.extensions import db

BEIJING = ZoneInfo("Asia/Shanghai")
CHANGSHA, ZHUZHOU, PROVINCE = "430100", "430200", "430000"


def beijing(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING)


def chart_specs(html: str) -> dict:
    """The page's chart data (the JSON block stats.js reads)."""
    match = re.search(r'<script type="application/json" id="stats-charts">(.*?)</script>', html, re.S)
    assert match, "no chart data on the page"
    return json.loads(match.group(1))


@pytest.fixture
def people(create_user):
    return SimpleNamespace(
        officers=[create_user("officer", CHANGSHA) for _ in range(3)],
        supervisor=create_user("supervisor", CHANGSHA),
        zhuzhou_officer=create_user("officer", ZHUZHOU),
        zhuzhou_supervisor=create_user("supervisor", ZHUZHOU),
        province_supervisor=create_user("supervisor", PROVINCE),
        province_officer=create_user("officer", PROVINCE),
        operator=create_user("operator", PROVINCE),
        admin=create_user("admin", PROVINCE),
    )


@pytest.fixture
def make_case(app, people):
    """``make_case(case_type=, received_on=, filed_on=None, closed_on=None, outcome=None, **fields)``: a case of
    长沙 through create_case and perform_action (file, close), committed."""
    from hotline.accounts.models import User
    from hotline.cases.operations import create_case, perform_action

    def make(case_type: str = "infringement_dispute", received_on: str = "2015-05-04", filed_on: str | None = None,
             closed_on: str | None = None, outcome: str | None = None, close_data: dict | None = None, **fields):
        with app.app_context():
            officer = db.session.get(User, people.officers[0].id)
            data = {"case_type": case_type, "region_code": CHANGSHA, "received_on": received_on, "source": "request",
                    "summary": "请求人称被请求人制造销售的产品落入其专利保护范围",
                    "requester_name": "长沙某某科技有限公司", "respondent_name": "株洲某某机械厂", **fields}
            case = create_case(data, actor=officer)
            if filed_on:
                count = 2 if case_type == "counterfeit" else 3
                perform_action(case, "file", {"filed_on": filed_on,
                                              "officer_ids": [u.id for u in people.officers[:count]]},
                               actor=officer, expected_version=case.version)
            if closed_on:
                outcome = outcome or ("penalized" if case_type == "counterfeit" else "mediated")
                payload = {"outcome": outcome, "closed_on": closed_on, **(close_data or {})}
                # A penalty decision takes effect with the region's supervisor deciding it.
                closer = db.session.get(User, people.supervisor.id) if outcome == "penalized" else officer
                perform_action(case, "close", payload, actor=closer, expected_version=case.version)
            db.session.commit()
            return case.id

    return make
