"""The intake's short path (POST /api/v1/calls): on PostgreSQL the duplicate query rides in the write statement.

Whatever the path, every 201 has its call, its audit event and its outbox row, the hints are exactly what
``find_duplicates(lean=True)`` lists, and a revoked token is refused on the next request.
"""

from __future__ import annotations

from sqlalchemy import event, func, select

from hotline.extensions import db
from tests.api.conftest import iso_ago, payload


def _expected_hints(app, user, call_id: int) -> list[dict]:
    """What the separate lean duplicate query lists for the call now (the call itself excluded)."""
    from hotline.api.serializers import duplicate_json
    from hotline.calls import queries
    from hotline.calls.models import Call

    with app.app_context():
        call = db.session.get(Call, call_id)
        hints = queries.find_duplicates(db.session.merge(user), caller_id=call.caller_id,
                                        accused_key=call.accused_party_key, patent_number=call.patent_number,
                                        exclude_id=call.id, lean=True)
        return [duplicate_json(h) for h in hints]


def test_hints_are_those_of_the_lean_duplicate_query(app, users, api):
    """More than ten earlier calls match in different ways, some too old or elsewhere: the newest ten of the
    user's scope, newest first, each with its reasons."""
    client, client_cs = api(users.op), api(users.op_cs)
    elsewhere = set()
    for i in range(24):  # every 4 days: the last one is out of the 90-day window
        response = client.post("/api/v1/calls", json=payload(
            received_at=iso_ago(days=i * 4, minutes=i), caller_phone="13812345678" if i % 3 else "13900002222",
            accused_party="长沙某某科技有限公司" if i % 2 else "株洲某某贸易有限公司",
            patent_number="201710601862.3" if i % 4 == 0 else None,
            region_code="430100" if i % 5 else "430200"))
        if i % 5 == 0:
            elsewhere.add(response.get_json()["id"])
    body = payload(accused_party="长沙某某科技有限公司", patent_number="ZL201710601862.3")
    seen = {}
    for name, user, c in (("op", users.op, client), ("op_cs", users.op_cs, client_cs)):
        response = c.post("/api/v1/calls", json=body)
        assert response.status_code == 201, response.get_json()
        created = response.get_json()
        hints = created["possible_duplicates"]
        assert hints == _expected_hints(app, user, created["id"])
        assert created["id"] not in [h["id"] for h in hints]
        assert len(hints) == 10
        assert [h["received_at"] for h in hints] == sorted((h["received_at"] for h in hints), reverse=True)
        seen[name] = {h["id"] for h in hints}
    # The province operator sees other regions' calls too; the 长沙 operator only 长沙's.
    assert seen["op"] & elsewhere
    assert not seen["op_cs"] & elsewhere


def test_no_hints_without_anything_to_match(app, users, api):
    client = api(users.op)
    client.post("/api/v1/calls", json=payload(caller_phone=None, caller_name=None, anonymous=True))
    response = client.post("/api/v1/calls", json=payload(caller_phone=None, caller_name=None, anonymous=True))
    assert response.status_code == 201
    assert response.get_json()["possible_duplicates"] == []


def test_every_201_has_its_call_audit_event_and_outbox_row(app, users, api):
    from hotline.calls.models import Call
    from hotline.core.models import AuditEvent, OutboxMessage
    from hotline.stats.operations import STALE_TOPIC

    def outbox_rows() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                     .where(OutboxMessage.topic == STALE_TOPIC))

    client = api(users.op)
    before = outbox_rows()
    bodies = [payload(), payload(caller_phone=None, caller_name=None, anonymous=True),
              payload(accused_party="长沙某某科技有限公司", patent_number="201710601862.3")]
    ids = []
    for body in bodies:
        response = client.post("/api/v1/calls", json=body)
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Call).where(Call.id.in_(ids))) == 3
        events = db.session.execute(select(AuditEvent.object_id, AuditEvent.actor_id).where(
            AuditEvent.object_type == "call", AuditEvent.action == "create", AuditEvent.object_id.in_(ids))).all()
        assert sorted(events) == sorted((i, users.op.id) for i in ids)
        refs = db.session.scalars(select(Call.ref).where(Call.id.in_(ids)).order_by(Call.id)).all()
    assert outbox_rows() == before + 3
    numbers = [int(ref.rsplit("-", 1)[1]) for ref in refs]
    assert numbers == list(range(numbers[0], numbers[0] + 3))  # gapless, in order


def test_intake_sends_two_statements_on_postgresql(app, users, api):
    """The token check and the write (with the duplicate hints): the short path stays short."""
    client = api(users.op)
    client.post("/api/v1/calls", json=payload())  # warm: the year's reference sequence, the reference caches
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.post("/api/v1/calls", json=payload(accused_party="长沙某某科技有限公司"))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 201
    assert len(response.get_json()["possible_duplicates"]) == 1
    if engine.dialect.name == "postgresql":
        assert len(seen) == 2, seen
    else:  # SQLite: token, caller, reference counter, call, audit, outbox, duplicates
        assert len(seen) <= 8, seen


def test_a_revoked_token_is_refused_on_the_next_intake(app, users, client, make_token):
    from hotline.accounts.models import ApiToken
    from hotline.accounts.operations import revoke_token
    from hotline.calls.models import Call

    raw = make_token(users.op)
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.post("/api/v1/calls", json=payload(), headers=headers).status_code == 201
    with app.app_context():
        token = db.session.scalars(select(ApiToken).where(ApiToken.user_id == users.op.id)).one()
        revoke_token(token, actor=token.user)
        db.session.commit()
        calls = db.session.scalar(select(func.count()).select_from(Call))
    assert client.post("/api/v1/calls", json=payload(), headers=headers).status_code == 401
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Call)) == calls
