"""Cooperation across regions: 长沙 (430100) asks 株洲 (430200); 湘潭 (430300) is a third region."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from hotline.extensions import db

CHANGSHA, ZHUZHOU, XIANGTAN, PROVINCE = "430100", "430200", "430300", "430000"
TODAY = date(2016, 3, 1)  # a Tuesday; the seeded calendar covers it
DUE = date(2016, 3, 15)


@pytest.fixture
def freeze(monkeypatch):
    def set_today(day: date) -> None:
        for module in ("hotline.assists.operations", "hotline.assists.views", "hotline.api.assists",
                       "hotline.cases.views", "hotline.cases.queries", "hotline.cases.operations",
                       "hotline.inbox.due_views", "hotline.inbox.queries"):
            monkeypatch.setattr(f"{module}.local_today", lambda: day)

    set_today(TODAY)
    return set_today


@pytest.fixture
def people(create_user):
    return SimpleNamespace(
        cs_officer=create_user("officer", CHANGSHA, display_name="长沙办案员"),
        cs_officer2=create_user("officer", CHANGSHA, display_name="长沙办案员二"),
        cs_supervisor=create_user("supervisor", CHANGSHA, display_name="长沙科长"),
        zz_officer=create_user("officer", ZHUZHOU, display_name="株洲办案员"),
        zz_supervisor=create_user("supervisor", ZHUZHOU, display_name="株洲科长"),
        xt_officer=create_user("officer", XIANGTAN, display_name="湘潭办案员"),
        province=create_user("supervisor", PROVINCE, display_name="省局处长"),
        operator=create_user("operator", CHANGSHA, display_name="长沙接线员"),
    )


@pytest.fixture
def filed_case(app, people, freeze):
    """A filed counterfeit case of 长沙 (officers: the two 长沙办案员), received in January 2016."""
    from hotline.accounts.models import User
    from hotline.cases.operations import create_case, perform_action

    with app.app_context():
        actor = db.session.get(User, people.cs_officer.id)
        case = create_case({"case_type": "counterfeit", "region_code": CHANGSHA, "source": "inspection",
                            "received_on": "2016-01-05", "summary": "株洲某厂生产标注他人专利号的产品，在长沙销售",
                            "respondent_name": "长沙某某贸易有限公司", "requester_name": "张三"}, actor=actor)
        perform_action(case, "file", {"filed_on": "2016-01-06",
                                      "officer_ids": [people.cs_officer.id, people.cs_officer2.id]},
                       actor=actor, expected_version=case.version)
        db.session.commit()
        return case.id


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
