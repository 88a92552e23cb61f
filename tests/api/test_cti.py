"""POST /api/v1/cti/events (the switch's pushes), the agent's ringing calls (GET /cti/ringing), and one call per
switch call in POST /api/v1/calls and the web intake form."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from hotline.extensions import db
from tests.api.conftest import payload

BEIJING = ZoneInfo("Asia/Shanghai")
PHONE = "13907310001"


#: One instant for every relative time of the module (durations are differences of these, never of two clocks).
_BASE = datetime.now(UTC).replace(microsecond=0)


def _at(seconds_ago: int) -> str:
    return (_BASE - timedelta(seconds=seconds_ago)).astimezone(BEIJING).isoformat(timespec="seconds")


@pytest.fixture
def switch(app, create_user):
    """The switch's service account (role operator, province) and the operator it rings for."""
    from hotline.accounts.models import User

    service = create_user("operator", "430000", username="switch")
    with app.app_context():
        db.session.get(User, service.id).is_service = True
        db.session.commit()
    agent = create_user("operator", "430000", username="agent-wang")
    return service, agent


@pytest.fixture
def push(api, switch):
    client = api(switch[0])

    def send(event, cti_call_id="SW-1", **fields):
        body = {"event": event, "cti_call_id": cti_call_id, "agent": "agent-wang", **fields}
        return client.post("/api/v1/cti/events", json=body)

    return send


def _events(app, cti_call_id):
    from hotline.cti.models import CtiEvent

    with app.app_context():
        return sorted(db.session.scalars(select(CtiEvent.event).where(CtiEvent.cti_call_id == cti_call_id)))


def test_an_event_is_accepted_once_and_a_retry_changes_nothing(app, push, documented):
    first = push("ringing", caller_phone=PHONE, at=_at(30))
    assert first.status_code == 202
    body = documented(first)
    assert body == {"cti_call_id": "SW-1", "event": "ringing", "stored": True, "agent_known": True,
                    "duration_seconds": None}
    again = push("ringing", caller_phone="13900000000", at=_at(5))
    assert again.status_code == 202 and again.get_json()["stored"] is False
    assert _events(app, "SW-1") == ["ringing"]
    from hotline.cti.models import CtiEvent

    with app.app_context():
        # the retry changed nothing: the first push's number stays
        assert db.session.scalar(select(CtiEvent.caller_phone).where(CtiEvent.cti_call_id == "SW-1")) == PHONE


def test_the_unique_constraint_decides_between_simultaneous_pushes(app, switch):
    """Two requests that both found no row: the second insert does nothing (no error, no second row)."""
    from hotline.accounts.models import User
    from hotline.cti.operations import post_event

    with app.test_request_context():
        service = db.session.get(User, switch[0].id)
        data = {"event": "hangup", "cti_call_id": "SW-RACE", "agent": "agent-wang"}
        assert post_event(data, actor=service)["stored"] is True
        assert post_event(data, actor=service)["stored"] is False
        db.session.commit()
    assert _events(app, "SW-RACE") == ["hangup"]


def test_duration_from_answered_and_hangup_whichever_arrives_first(app, push, api, switch):
    # the call is logged while it lasts: no duration from the switch yet
    agent_api = api(switch[1])
    created = agent_api.post("/api/v1/calls", json=payload(cti_call_id="SW-2", duration_seconds=None))
    assert created.status_code == 201 and created.get_json()["duration_seconds"] is None
    call_id = created.get_json()["id"]
    push("ringing", "SW-2", caller_phone=PHONE, at=_at(200))
    # the hang-up overtakes the answer
    assert push("hangup", "SW-2", at=_at(10)).get_json()["duration_seconds"] is None
    answered = push("answered", "SW-2", at=_at(145))
    assert answered.get_json()["duration_seconds"] == 135
    call = agent_api.get(f"/api/v1/calls/{call_id}").get_json()
    assert call["duration_seconds"] == 135 and call["version"] == 2 and call["cti_call_id"] == "SW-2"
    # a retried hang-up with another time changes nothing
    assert push("hangup", "SW-2", at=_at(0)).get_json()["stored"] is False
    assert agent_api.get(f"/api/v1/calls/{call_id}").get_json()["duration_seconds"] == 135


def test_a_call_logged_after_the_hangup_takes_the_switchs_duration(push, api, switch):
    push("answered", "SW-3", at=_at(100))
    push("hangup", "SW-3", at=_at(40))
    created = api(switch[1]).post("/api/v1/calls", json=payload(cti_call_id="SW-3", duration_seconds=5))
    assert created.status_code == 201 and created.get_json()["duration_seconds"] == 60


def test_a_retried_post_of_the_same_switch_call_answers_the_first_call(app, api, switch, documented):
    client = api(switch[1])
    first = client.post("/api/v1/calls", json=payload(cti_call_id="SW-4"))
    second = client.post("/api/v1/calls", json=payload(cti_call_id="SW-4", summary="重试"))
    assert (first.status_code, second.status_code) == (201, 200)
    documented(second)
    assert second.get_json()["id"] == first.get_json()["id"] and second.get_json()["summary"] != "重试"
    from hotline.calls.models import Call

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Call).where(Call.cti_call_id == "SW-4")) == 1


def test_a_racing_second_insert_is_rolled_back_to_the_first_call(app, switch):
    """The unique index decides when both requests found no call: the loser answers with the winner's call."""
    from hotline.accounts.models import User
    from hotline.calls import operations
    from hotline.calls.models import Call
    from tests.api.conftest import payload as body

    data = body(cti_call_id="SW-5")
    data["received_at"] = datetime.fromisoformat(data["received_at"])
    with app.test_request_context():
        agent = db.session.get(User, switch[1].id)
        first, created = operations.record_call_once(data, actor=agent)
        assert created
        real_find = operations.find_call_by_cti_id
        calls = []

        def blind_first_time(cti_call_id):
            calls.append(cti_call_id)
            return None if len(calls) == 1 else real_find(cti_call_id)

        operations.find_call_by_cti_id = blind_first_time
        try:
            again, created_again = operations.record_call_once(data, actor=agent)
        finally:
            operations.find_call_by_cti_id = real_find
        assert not created_again and again.id == first.id and len(calls) == 2
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Call)) == 1


def test_an_unknown_agent_is_accepted_and_shown_to_nobody(app, client, push, login, switch):
    response = push("ringing", "SW-6", agent="nobody-here", caller_phone=PHONE)
    assert response.status_code == 202 and response.get_json()["agent_known"] is False
    assert _events(app, "SW-6") == ["ringing"]
    # its duration still counts once both ends are in
    push("answered", "SW-6", agent="nobody-here", at=_at(50))
    assert push("hangup", "SW-6", agent=None, at=_at(20)).get_json()["duration_seconds"] == 30
    login(switch[1])
    assert client.get("/cti/ringing").get_json() == {"items": []}


def test_invalid_events_are_refused_with_field_errors(push):
    bad = push("transferred")
    assert bad.status_code == 422 and "event" in bad.get_json()["errors"]
    no_id = push("ringing", cti_call_id="")
    assert no_id.status_code == 422 and "cti_call_id" in no_id.get_json()["errors"]
    future = push("ringing", at=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    assert future.status_code == 422 and "at" in future.get_json()["errors"]


def test_only_service_accounts_of_the_switch_roles_may_post(app, api, create_user):
    from hotline.accounts.models import User

    body = {"event": "ringing", "cti_call_id": "SW-7"}
    person = create_user("admin", "430000")
    assert api(person).post("/api/v1/cti/events", json=body).status_code == 403
    officer_service = create_user("officer", "430000")
    with app.app_context():
        db.session.get(User, officer_service.id).is_service = True
        db.session.commit()
    assert api(officer_service).post("/api/v1/cti/events", json=body).status_code == 403
    assert _events(app, "SW-7") == []


def test_the_ringing_number_shows_only_on_its_agents_page_until_logged(app, client, push, login, switch, api,
                                                                      create_user, create_call):
    earlier = create_call(caller_phone=PHONE, summary="上次来电咨询专利")
    push("ringing", "SW-8", caller_phone=PHONE)
    other = create_user("operator", "430000", username="agent-li")
    login(other)
    assert client.get("/cti/ringing").get_json() == {"items": []}
    client.post("/logout")
    login(switch[1])
    items = client.get("/cti/ringing").get_json()["items"]
    assert [(i["cti_call_id"], i["state"], i["caller_phone"]) for i in items] == [("SW-8", "ringing", PHONE)]
    assert items[0]["phone"] == {"display": "13907310001", "valid": True}
    history = client.get(items[0]["lookup_url"]).get_json()["history"]
    assert [c["ref"] for c in history["calls"]] == [earlier.ref]
    push("answered", "SW-8")
    assert client.get("/cti/ringing").get_json()["items"][0]["state"] == "answered"
    page = client.get("/calls/new")
    assert b'name="cti_call_id"' in page.data and b'data-ringing-url="/cti/ringing"' in page.data
    # logged with the switch's id: gone from the page
    assert api(switch[1]).post("/api/v1/calls", json=payload(cti_call_id="SW-8")).status_code == 201
    assert client.get("/cti/ringing").get_json() == {"items": []}
    # and a hung-up call that was never logged is gone too
    push("ringing", "SW-11", caller_phone=PHONE)
    assert len(client.get("/cti/ringing").get_json()["items"]) == 1
    push("hangup", "SW-11")
    assert client.get("/cti/ringing").get_json() == {"items": []}


def test_the_web_form_logs_a_switch_call_once(app, client, login, switch):
    from hotline.calls.models import Call

    login(switch[1])
    page = client.get("/calls/new")
    import re

    csrf = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data).group(1).decode()
    form = {"csrf_token": csrf, "caller_phone": PHONE, "request_type": "consultation", "channel": "phone",
            "region_code": "", "summary": "咨询专利申请流程", "received_at": "2026-01-05T09:30",
            "cti_call_id": "SW-9"}
    first = client.post("/calls/new", data=form)
    assert first.status_code == 302 and first.headers["Location"].endswith("/calls/new")
    second = client.post("/calls/new", data=form)
    assert second.status_code == 302 and "/calls/" in second.headers["Location"]
    with app.app_context():
        call = db.session.scalar(select(Call).where(Call.cti_call_id == "SW-9"))
        assert call is not None
        assert second.headers["Location"].endswith(f"/calls/{call.id}")
        assert db.session.scalar(select(func.count()).select_from(Call)) == 1


def test_the_callers_number_never_reaches_the_log(push, caplog):
    caplog.set_level(logging.DEBUG)
    push("ringing", "SW-10", caller_phone=PHONE)
    push("answered", "SW-10")
    assert "SW-10" in caplog.text and PHONE not in caplog.text and "0731 0001" not in caplog.text


def test_the_pages_ringing_poll_is_no_activity_the_idle_timeout_still_runs(app, client, login, switch):
    """The intake page asks every 1.5 s: were that activity, an unattended page would never time out."""
    from hotline.accounts.models import UserSession

    login(switch[1])

    def last_seen():
        with app.app_context():
            return db.session.scalar(select(UserSession.last_seen_at).where(UserSession.user_id == switch[1].id))

    def age_session(minutes):
        with app.app_context():
            db.session.execute(update(UserSession).where(UserSession.user_id == switch[1].id).values(
                last_seen_at=datetime.now(UTC) - timedelta(minutes=minutes)))
            db.session.commit()

    age_session(10)
    before = last_seen()
    assert client.get("/cti/ringing").status_code == 200
    assert last_seen() == before  # the poll did not move it
    assert client.get("/inbox").status_code == 200
    assert last_seen() > before  # a page the user asked for does
    age_session(app.config["SESSION_IDLE_TIMEOUT"] // 60 + 1)
    assert client.get("/cti/ringing", headers={"Accept": "application/json"}).status_code == 401
