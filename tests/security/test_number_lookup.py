"""An officer or supervisor sees callers' numbers masked; a full number they type (the intake panel's look-up, the
caller-history API) tells which calls it made — trying candidates would uncover a masked number. Such a look-up is
a reveal: the calls it shows are audited; and the distinct numbers a user may look up are limited per window (429
beyond), in the database, so it holds across workers and without Redis. Operators, who see numbers, are not
limited."""

from __future__ import annotations

from sqlalchemy import func, select

from hotline.extensions import db
from tests.security.conftest import CALLER_PHONE, issue_raw_token, login_client


def _candidates(count: int) -> list[str]:
    """``count`` mobile numbers around the caller's, the caller's own third."""
    numbers = [f"1381234{n:04d}" for n in range(5670, 5670 + count + 1) if f"1381234{n:04d}" != CALLER_PHONE]
    numbers = numbers[:count - 1]
    numbers.insert(2, CALLER_PHONE)
    return numbers


def _audit(app, action: str, actor_id: int | None = None) -> list:
    from hotline.core.models import AuditEvent

    with app.app_context():
        stmt = select(AuditEvent.object_type, AuditEvent.object_id, AuditEvent.actor_id).where(
            AuditEvent.action == action)
        if actor_id is not None:
            stmt = stmt.where(AuditEvent.actor_id == actor_id)
        return [tuple(row) for row in db.session.execute(stmt)]


def test_an_officer_trying_candidates_in_the_history_api_is_audited_and_throttled(app, staff, world):
    limit = app.config["NUMBER_LOOKUPS_PER_WINDOW"]
    call = world.call
    officer = staff.officer
    token = {"Authorization": f"Bearer {issue_raw_token(app, officer)}"}
    client = app.test_client()
    answers = {number: client.get(f"/api/v1/callers/{number}/history", headers=token)
               for number in _candidates(limit + 10)}
    statuses = [response.status_code for response in answers.values()]
    assert statuses == [200] * limit + [429] * 10
    refused = list(answers.values())[-1]
    assert refused.headers["Retry-After"] == str(app.config["NUMBER_LOOKUP_WINDOW_SECONDS"])
    assert refused.get_json()["error"] == "Too Many Requests" and call.ref not in refused.get_data(as_text=True)
    # the one hit is a reveal: its call's audit trail names the officer
    assert answers[CALLER_PHONE].get_json()["total"] == 1
    assert _audit(app, "lookup_number") == [("call", call.id, officer.id)]
    # the refusal is audited once, however often it is refused
    assert _audit(app, "lookup_throttled") == [("user", officer.id, officer.id)]
    # a number already asked for in the window answers again, and is not audited again
    again = client.get(f"/api/v1/callers/{CALLER_PHONE}/history", headers=token)
    assert again.status_code == 200 and again.get_json()["total"] == 1
    assert len(_audit(app, "lookup_number")) == 1
    # the limit is the officer's: a colleague is not refused
    colleague = {"Authorization": f"Bearer {issue_raw_token(app, staff.supervisor)}"}
    assert client.get("/api/v1/callers/13912345678/history", headers=colleague).status_code == 200


def test_a_supervisor_trying_candidates_in_the_intake_panel_is_audited_and_throttled(app, staff, world):
    limit = app.config["NUMBER_LOOKUPS_PER_WINDOW"]
    call = world.call
    supervisor = staff.supervisor
    web = login_client(app, supervisor)
    answers = {number: web.get("/calls/lookup", query_string={"phone": number})
               for number in _candidates(limit + 5)}
    assert [r.status_code for r in answers.values()] == [200] * limit + [429] * 5
    hit = answers[CALLER_PHONE].get_json()
    assert hit["history"]["total"] == 1 and hit["phone"]["display"] == "138****5678"
    # listed once: among the number's calls, marked as a possible duplicate
    assert hit["duplicates"] == []
    assert (hit["history"]["calls"][0]["ref"], hit["history"]["calls"][0]["reasons"]) == (call.ref, ["same_number"])
    assert _audit(app, "lookup_number") == [("call", call.id, supervisor.id)]
    assert _audit(app, "lookup_throttled") == [("user", supervisor.id, supervisor.id)]
    # typing the accused party re-asks for the same number: neither counted nor audited again
    again = web.get("/calls/lookup", query_string={"phone": CALLER_PHONE, "accused_party": "长沙某某"})
    assert again.status_code == 200 and len(_audit(app, "lookup_number")) == 1
    # an invalid or absent number is no look-up of a number
    assert web.get("/calls/lookup", query_string={"phone": "12"}).status_code == 200
    assert web.get("/calls/lookup", query_string={"accused_party": "长沙某某"}).status_code == 200


def test_operators_who_see_numbers_are_neither_limited_nor_audited(app, staff, world):
    limit = app.config["NUMBER_LOOKUPS_PER_WINDOW"]
    _ = world.call
    web = login_client(app, staff.operator)
    token = {"Authorization": f"Bearer {issue_raw_token(app, staff.operator)}"}
    for number in _candidates(limit + 5):
        assert web.get("/calls/lookup", query_string={"phone": number}).status_code == 200
        assert app.test_client().get(f"/api/v1/callers/{number}/history", headers=token).status_code == 200
    assert _audit(app, "lookup_number") == [] and _audit(app, "lookup_throttled") == []


def test_the_window_passes_and_the_numbers_are_not_stored(app, staff, world, monkeypatch):
    """Look-ups older than the window no longer count (and are deleted); the table holds keyed hashes only."""
    from datetime import timedelta

    from hotline.calls.models import NumberLookup

    monkeypatch.setitem(app.config, "NUMBER_LOOKUPS_PER_WINDOW", 3)
    token = {"Authorization": f"Bearer {issue_raw_token(app, staff.officer)}"}
    client = app.test_client()
    numbers = _candidates(5)
    assert [client.get(f"/api/v1/callers/{n}/history", headers=token).status_code for n in numbers[:4]] == [
        200, 200, 200, 429]
    with app.app_context():
        stored = db.session.scalars(select(NumberLookup.number_hash)).all()
        assert len(stored) == 3 and not any(n in h or n[-8:] in h for h in stored for n in numbers)
        window = timedelta(seconds=app.config["NUMBER_LOOKUP_WINDOW_SECONDS"] + 1)
        for row in db.session.scalars(select(NumberLookup)):
            row.occurred_at -= window
        db.session.commit()
    assert client.get(f"/api/v1/callers/{numbers[4]}/history", headers=token).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NumberLookup)) == 1
