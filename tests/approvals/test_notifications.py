"""Approvals tell the people concerned: a request reaches the supervisors who may decide it (not the requester, not
the case's officers, not another region's), a decision reaches the requester; once each."""

from __future__ import annotations

import sqlalchemy as sa

from hotline.approvals.operations import act_or_request, decide_approval
from hotline.extensions import db
from hotline.notifications.models import Notification


def _notified(kind: str | None = None) -> dict[int, list[str]]:
    stmt = sa.select(Notification).order_by(Notification.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    out: dict[int, list[str]] = {}
    for n in db.session.scalars(stmt):
        out.setdefault(n.user_id, []).append(n.title)
    return out


def test_a_request_reaches_its_deciders_and_the_decision_its_requester(app, team, attached, build_case):
    with app.app_context():
        case = build_case("filed", filed_on="2015-10-08")
        officer = attached(team.officers[0])
        approval = act_or_request(case, "extend", {"months": 1, "reason": "案情复杂"}, actor=officer,
                                  expected_version=case.version)
        db.session.flush()
        told = _notified("new_item")
        assert set(told) == {team.supervisor.id, team.province_supervisor.id}  # 长沙's and the province's
        assert all(f"/approvals/{approval.id}" == n.url for n in db.session.scalars(sa.select(Notification)))
        decide_approval(approval, "reject", actor=attached(team.supervisor), reason="理由不足")
        db.session.flush()
        assert list(_notified("approval_decided")) == [officer.id]
        # The same decision reported again (a retried task) notifies nobody twice.
        from hotline.notifications import events

        events.approval_decided(approval, attached(team.supervisor))
        db.session.flush()
        assert sum(len(v) for v in _notified().values()) == 3
        db.session.rollback()
