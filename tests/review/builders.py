"""Build enforcement cases through the real operations (create → file → events → close → publish), for the
review, public-page and worker tests. Each call commits in its own app context and returns the case id."""

from __future__ import annotations

from datetime import date

from hotline.accounts.models import User
from hotline.cases.models import Case
from hotline.cases.operations import add_event, create_case, perform_action
from hotline.extensions import db


def build_case(app, actor, *, case_type: str = "infringement_dispute", region_code: str = "430100",
               source: str = "request", received_on: date, filed_on: date | None = None,
               officers=(), events: tuple[tuple[str, date], ...] = (), closed_on: date | None = None,
               outcome: str | None = None, close_data: dict | None = None, published_on: date | None = None,
               approver=None, **fields) -> int:
    """A case in whatever state the dates given reach. ``actor`` is an officer or supervisor of the region;
    ``approver`` the supervisor who decides a penalty and its publication, acting directly (defaults to ``actor``)."""
    with app.app_context():
        user = db.session.get(User, actor.id)
        data = {"case_type": case_type, "region_code": region_code, "source": source,
                "received_on": received_on.isoformat(), "summary": fields.pop("summary", "某公司涉嫌专利违法")}
        data.update(fields)
        case = create_case(data, actor=user)
        if filed_on:
            perform_action(case, "file", {"filed_on": filed_on.isoformat(), "officer_ids": [o.id for o in officers]},
                           actor=user, expected_version=case.version)
        for kind, on in events:
            add_event(case, {"kind": kind, "occurred_on": on.isoformat()}, actor=user)
        # A penalty decision and its publication take effect with a deciding supervisor (here acting directly).
        decider = db.session.get(User, approver.id) if approver else user
        if closed_on:
            payload = {"outcome": outcome, "closed_on": closed_on.isoformat()}
            payload.update(close_data or {})
            perform_action(case, "close", payload, actor=decider if outcome == "penalized" else user,
                           expected_version=case.version)
        if published_on:
            perform_action(case, "publish", {"published_on": published_on.isoformat()},
                           actor=decider, expected_version=case.version)
        db.session.commit()
        return case.id


def get_case(app, case_id: int) -> Case:
    with app.app_context():
        case = db.session.get(Case, case_id)
        db.session.expunge(case)
        return case


def staff(create_user, region_code: str = "430100", officers: int = 3):
    """A supervisor and ``officers`` officers of the region: ``(supervisor, [officer, …])``."""
    return (create_user("supervisor", region_code),
            [create_user("officer", region_code) for _ in range(officers)])
