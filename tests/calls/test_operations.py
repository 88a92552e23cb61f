"""Call operations: intake, edits, transfers, status, feedback, duplicates, reveal (no HTTP)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from hotline.accounts.models import User
from hotline.calls.models import Call, Caller
from hotline.calls.operations import (
    mark_case_opened,
    mark_duplicate,
    record_call,
    record_feedback,
    reveal_caller,
    set_call_status,
    transfer_call,
    update_call,
)
from hotline.core.errors import StaleVersion, StateError, ValidationFailed
from hotline.core.models import AuditEvent
from hotline.extensions import db

BEIJING = ZoneInfo("Asia/Shanghai")
REF = re.compile(r"^HL-(\d{4})-(\d{6})$")


def _data(**overrides):
    data = {
        "received_at": datetime.now(UTC) - timedelta(minutes=10),
        "channel": "phone",
        "request_type": "complaint",
        "ip_type": "patent",
        "region_code": "430100",
        "summary": "某公司销售的产品涉嫌假冒专利",
    }
    data.update(overrides)
    return data


def _user(user):
    return db.session.get(User, user.id)


def _call(call):
    return db.session.get(Call, call.id)


def _events(call_id, action=None):
    stmt = sa.select(AuditEvent).where(AuditEvent.object_type == "call", AuditEvent.object_id == call_id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _call_audit_count():
    return db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.object_type == "call"))


@pytest.fixture
def op(create_user):
    """A province operator."""
    return create_user("operator", "430000")


# Intake ---------------------------------------------------------------------------------------------


def test_record_call_saves_normalized_fields_and_audits(app, op):
    with app.app_context():
        call = record_call(_data(caller_phone="138 1234 5678", caller_name="张三丰", accused_party="长沙某某 有限公司",
                                 patent_number="ZL 2017 1 0601862。3", duration_seconds=95), actor=_user(op))
        db.session.commit()
        call = _call(call)
        assert call.status == "open"
        assert call.version == 1
        assert call.operator_id == op.id
        assert call.patent_number == "201710601862.3"
        assert call.patent_number_raw == "ZL 2017 1 0601862。3"
        assert call.accused_party_key == "长沙某某有限公司"
        assert call.caller.phone_key == "+8613812345678"
        assert call.caller_phone_raw == "138 1234 5678"
        assert call.closed_at is None
        [event] = _events(call.id)
        assert event.action == "create"
        assert event.actor_id == op.id
        assert event.region_code == "430100"
        assert event.changes["summary"] == [None, "某公司销售的产品涉嫌假冒专利"]


def test_reference_uses_the_beijing_time_year(app, op):
    with app.app_context():
        late_2015 = record_call(_data(received_at=datetime(2015, 12, 31, 23, 30, tzinfo=BEIJING)), actor=_user(op))
        # 2016-01-01 00:30 in Beijing is still 2015-12-31 in UTC
        early_2016 = record_call(_data(received_at=datetime(2016, 1, 1, 0, 30, tzinfo=BEIJING)), actor=_user(op))
        utc_2016 = record_call(_data(received_at=datetime(2015, 12, 31, 16, 30, tzinfo=UTC)), actor=_user(op))
        db.session.commit()
        assert REF.match(late_2015.ref).group(1) == "2015"
        assert REF.match(early_2016.ref).group(1) == "2016"
        assert REF.match(utc_2016.ref).group(1) == "2016"
        # a per-year counter: the first 2015 call and the first 2016 call both start at 1
        assert late_2015.ref == "HL-2015-000001"
        assert early_2016.ref == "HL-2016-000001"
        assert utc_2016.ref == "HL-2016-000002"


def test_references_are_unique_and_increasing(app, op):
    with app.app_context():
        refs = []
        for i in range(6):
            refs.append(record_call(_data(summary=f"第{i}个来电"), actor=_user(op)).ref)
            db.session.commit()
    year = datetime.now(BEIJING).year
    assert all(REF.match(r) and REF.match(r).group(1) == str(year) for r in refs)
    numbers = [int(REF.match(r).group(2)) for r in refs]
    assert len(set(refs)) == len(refs)
    assert numbers == sorted(numbers)
    assert numbers[0] >= 1


def test_reference_numbers_past_999999_keep_every_digit(app, op, backend):
    from hotline.core.models import RefCounter, sync_reference_sequence

    with app.app_context():
        db.session.add(RefCounter(kind="call", year=2015, value=999998))
        db.session.commit()
        sync_reference_sequence("call", 2015)
        refs = [record_call(_data(received_at=datetime(2015, 6, 1, 9, 0, tzinfo=BEIJING)), actor=_user(op)).ref
                for _ in range(2)]
        db.session.commit()
    assert refs == ["HL-2015-999999", "HL-2015-1000000"]


def test_record_call_returns_the_call_loaded_without_reading_it_back(app, op, backend):
    """The intake writes with Core statements (one on PostgreSQL) and hands back a persistent, fully loaded Call:
    serializing it reads nothing, and nothing is left pending."""
    from hotline.core.models import OutboxMessage

    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        actor = _user(op)
        record_call(_data(caller_phone="13812345678"), actor=actor)  # first use: the year's sequence exists after
        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            call = record_call(_data(caller_phone="13812345678", caller_name="张三丰", accused_party="长沙某某 公司",
                                     product="电动牙刷"), actor=actor)
            written = len(statements)
            seen = {a: getattr(call, a) for a in ("id", "ref", "version", "status", "received_at", "caller_name",
                                                    "accused_party_key", "product", "place", "transferred_at",
                                                    "closed_at", "accept_due_on", "created_at", "operator_id")}
            phone_key = call.caller.phone_key
            assert len(statements) == written  # no SELECT back, no lazy load of the caller
            assert not (db.session.new or db.session.dirty)
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        # caller upsert, reference counter, call, audit row, outbox row; one round trip on PostgreSQL
        assert written == (1 if backend == "postgresql" else 5)
        assert call in db.session and db.session.get(Call, call.id) is call
        assert phone_key == "+8613812345678"
        assert (seen["version"], seen["status"], seen["operator_id"]) == (1, "open", op.id)
        assert seen["accused_party_key"] == "长沙某某公司"
        assert seen["place"] is None and seen["transferred_at"] is None and seen["closed_at"] is None
        db.session.commit()
        stored = db.session.get(Call, seen["id"])
        assert {a: getattr(stored, a) for a in seen} == seen
        [event] = _events(seen["id"])
        assert (event.action, event.actor_id, event.actor_name, event.region_code) == ("create", op.id,
                                                                                      actor.username, "430100")
        assert event.changes["caller_name"] == [None, "张**"]
        assert event.occurred_at == stored.created_at == stored.updated_at
        assert [r.payload for r in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))][-1] == {
            "months": [seen["received_at"].astimezone(BEIJING).strftime("%Y-%m")]}


def test_a_failed_intake_leaves_nothing_behind(app, op):
    """The rows of an intake go together: if the transaction does not commit, none of them is stored."""
    from hotline.core.models import OutboxMessage

    with app.app_context():
        before = (_count(Call), _count(Caller), _call_audit_count(), _count(OutboxMessage))
        record_call(_data(caller_phone="13912345678"), actor=_user(op))
        db.session.rollback()
        assert (_count(Call), _count(Caller), _call_audit_count(), _count(OutboxMessage)) == before


def test_caller_row_is_reused_for_the_same_number_in_any_spelling(app, op):
    with app.app_context():
        ids = set()
        for raw in ("13812345678", "+86 138 1234 5678", "86-138-1234-5678", "１３８１２３４５６７８"):
            ids.add(record_call(_data(caller_phone=raw), actor=_user(op)).caller_id)
        landline = {record_call(_data(caller_phone=raw), actor=_user(op)).caller_id
                    for raw in ("0731-84567890", "84567890", "(0731)8456 7890")}
        db.session.commit()
        assert len(ids) == 1
        assert None not in ids
        assert len(landline) == 1
        assert None not in landline
        assert ids != landline
        assert _count(Caller) == 2
        caller = db.session.get(Caller, landline.pop())
        assert caller.phone_key == "+8673184567890"
        assert caller.area_code == "0731"


def test_caller_last_seen_follows_the_latest_call(app, op):
    early = datetime(2015, 3, 1, 9, 0, tzinfo=BEIJING)
    late = datetime(2015, 5, 1, 9, 0, tzinfo=BEIJING)
    with app.app_context():
        record_call(_data(caller_phone="13812345678", received_at=early), actor=_user(op))
        record_call(_data(caller_phone="13812345678", received_at=late), actor=_user(op))
        record_call(_data(caller_phone="13812345678", received_at=early + timedelta(days=1)), actor=_user(op))
        db.session.commit()
        caller = db.session.scalar(sa.select(Caller))
        assert caller.first_seen_at == early
        assert caller.last_seen_at == late


def test_caller_first_seen_follows_the_earliest_call(app, op):
    early = datetime(2015, 3, 1, 9, 0, tzinfo=BEIJING)
    late = datetime(2015, 5, 1, 9, 0, tzinfo=BEIJING)
    with app.app_context():
        record_call(_data(caller_phone="13812345678", received_at=late), actor=_user(op))
        record_call(_data(caller_phone="13812345678", received_at=early), actor=_user(op))
        db.session.commit()
        caller = db.session.scalar(sa.select(Caller))
        assert caller.last_seen_at == late
        assert caller.first_seen_at == early


def test_all_field_errors_come_back_together_and_nothing_is_saved(app, op):
    with app.app_context():
        with pytest.raises(ValidationFailed) as failed:
            record_call(_data(caller_phone="1381234567", patent_number="201710601862.4", summary="  ",
                              channel="fax", region_code="999999", duration_seconds=-1), actor=_user(op))
        errors = failed.value.errors
        assert {"caller_phone", "patent_number", "summary", "channel", "region_code", "duration_seconds"} <= set(errors)
        assert "11 digits" in errors["caller_phone"][0]
        assert ".3" in errors["patent_number"][0]
        db.session.rollback()
        assert _count(Call) == 0
        assert _count(Caller) == 0
        assert _call_audit_count() == 0


@pytest.mark.parametrize(("field", "value"), [
    ("received_at", None),
    ("received_at", datetime(2015, 6, 1, 9, 0)),  # noqa: DTZ001 - naive: which zone?
    ("received_at", datetime.now(UTC) + timedelta(hours=1)),
    ("received_at", datetime(1999, 12, 31, tzinfo=UTC)),
    ("channel", None),
    ("request_type", "praise"),
    ("ip_type", "feelings"),
    ("summary", "长" * 501),
    ("summary", 42),
    ("caller_name", "名" * 101),
    ("duration_seconds", True),
    ("duration_seconds", 86401),
    ("duration_seconds", "60"),
    ("patent_number", 201710601862),
    ("caller_phone", 13812345678),
    ("anonymous", "yes"),
])
def test_invalid_intake_field_is_reported_on_that_field(app, op, field, value):
    with app.app_context():
        with pytest.raises(ValidationFailed) as failed:
            record_call(_data(**{field: value}), actor=_user(op))
        assert field in failed.value.errors
        db.session.rollback()
        assert _count(Call) == 0


def test_nul_and_control_characters_are_stripped_from_intake(app, op):
    with app.app_context():
        call = record_call(_data(summary="假冒\x00专利\x07", description="第一行\r\n第二行\x00",
                                 caller_name="张\x00三"), actor=_user(op))
        db.session.commit()
        call = _call(call)
        assert call.summary == "假冒专利"
        assert call.description == "第一行\n第二行"
        assert call.caller_name == "张三"


def test_rollback_leaves_neither_the_call_nor_its_audit_row(app, op):
    with app.app_context():
        call = record_call(_data(caller_phone="13812345678"), actor=_user(op))
        assert call.id is not None
        assert len(_events(call.id)) == 1
        db.session.rollback()
        assert _count(Call) == 0
        assert _call_audit_count() == 0
        assert _count(Caller) == 0


def test_audit_rows_mask_caller_name_and_phone(app, op):
    with app.app_context():
        call = record_call(_data(caller_phone="13812345678", caller_name="张三丰"), actor=_user(op))
        db.session.commit()
        update_call(_call(call), {"caller_phone": "+86 139 8765 4321", "caller_name": "欧阳修"}, actor=_user(op),
                    expected_version=1)
        db.session.commit()
        events = _events(call.id)
        assert [e.action for e in events] == ["create", "update"]
        dumped = json.dumps([e.changes for e in events], ensure_ascii=False)
        for secret in ("13812345678", "1234", "13987654321", "8765", "张三丰", "三丰", "欧阳修", "阳修"):
            assert secret not in dumped
        assert events[0].changes["caller_phone_raw"] == [None, "138****5678"]
        assert events[0].changes["caller_name"] == [None, "张**"]
        assert events[1].changes["caller_name"] == ["张**", "欧**"]


@pytest.mark.parametrize(("actor_region", "call_region", "allowed"), [
    ("430200", "430100", False),
    ("430200", "430200", True),
    ("430000", "430100", True),
    ("430000", "433100", True),
])
def test_region_rules_for_intake(app, create_user, actor_region, call_region, allowed):
    user = create_user("operator", actor_region)
    with app.app_context():
        if allowed:
            call = record_call(_data(region_code=call_region), actor=_user(user))
            assert call.region_code == call_region
        else:
            with pytest.raises(ValidationFailed) as failed:
                record_call(_data(region_code=call_region), actor=_user(user))
            assert "region_code" in failed.value.errors


def test_prefecture_user_cannot_edit_a_call_into_another_region(app, create_user, create_call):
    user = create_user("operator", "430200")
    call = create_call(actor=user, region_code="430200")
    with app.app_context():
        with pytest.raises(ValidationFailed) as failed:
            update_call(_call(call), {"region_code": "430100"}, actor=_user(user), expected_version=1)
        assert "region_code" in failed.value.errors


def test_anonymous_call_has_no_caller(app, op):
    with app.app_context():
        call = record_call(_data(anonymous=True), actor=_user(op))
        assert call.is_anonymous
        assert call.caller_id is None
        assert call.caller_phone_raw is None
        with pytest.raises(ValidationFailed) as failed:
            record_call(_data(anonymous=True, caller_phone="13812345678"), actor=_user(op))
        assert "caller_phone" in failed.value.errors
        with pytest.raises(ValidationFailed) as failed:
            record_call(_data(anonymous=True, caller_name="张三"), actor=_user(op))
        assert "caller_name" in failed.value.errors
        # a blank number is no number
        assert record_call(_data(anonymous=True, caller_phone="  "), actor=_user(op)).caller_id is None


# Edits and optimistic locking -------------------------------------------------------------------------


def test_update_call_changes_fields_bumps_version_and_audits(app, op, create_call):
    call = create_call(actor=op, accused_party="长沙某某有限公司")
    with app.app_context():
        changes = update_call(_call(call), {"accused_party": "株洲某某有限公司", "summary": "新摘要"},
                              actor=_user(op), expected_version=1)
        db.session.commit()
        assert set(changes) == {"accused_party", "accused_party_key", "summary"}
        loaded = _call(call)
        assert loaded.version == 2
        assert loaded.accused_party_key == "株洲某某有限公司"
        [update] = _events(call.id, "update")
        assert update.changes["summary"] == ["某公司销售的产品涉嫌假冒专利", "新摘要"]
        assert "accused_party_key" not in update.changes


def test_update_call_without_changes_writes_nothing(app, op, create_call):
    call = create_call(actor=op)
    with app.app_context():
        assert update_call(_call(call), {"summary": call.summary}, actor=_user(op), expected_version=1) == {}
        db.session.commit()
        assert _call(call).version == 1
        assert _events(call.id, "update") == []


def test_update_call_rejects_unknown_fields(app, op, create_call):
    call = create_call(actor=op)
    with app.app_context():
        with pytest.raises(ValidationFailed) as failed:
            update_call(_call(call), {"status": "closed", "ref": "HL-1999-000001"}, actor=_user(op),
                        expected_version=1)
        assert set(failed.value.errors) == {"status", "ref"}


def test_update_call_phone_links_the_new_caller(app, op, create_call):
    call = create_call(actor=op, caller_phone="13812345678")
    with app.app_context():
        update_call(_call(call), {"caller_phone": "0731-84567890"}, actor=_user(op), expected_version=1)
        db.session.commit()
        assert _call(call).caller.phone_key == "+8673184567890"
        update_call(_call(call), {"caller_phone": None}, actor=_user(op), expected_version=_call(call).version)
        db.session.commit()
        assert _call(call).caller_id is None
        assert _call(call).caller_phone_raw is None
        assert [e.changes["caller_phone_raw"] for e in _events(call.id, "update")] == [
            ["138****5678", "073****7890"], ["073****7890", None]]


def test_phone_edit_bumps_the_version_once(app, op, create_call):
    call = create_call(actor=op, caller_phone="13812345678")
    with app.app_context():
        update_call(_call(call), {"caller_phone": "0731-84567890", "summary": "换了号码"}, actor=_user(op),
                    expected_version=1)
        db.session.commit()
        assert _call(call).version == 2


def test_update_call_can_make_a_call_anonymous_only_without_number_and_name(app, op, create_call):
    call = create_call(actor=op, caller_phone="13812345678", caller_name="张三")
    with app.app_context():
        with pytest.raises(ValidationFailed) as failed:
            update_call(_call(call), {"anonymous": True}, actor=_user(op), expected_version=1)
        assert {"caller_phone", "caller_name"} <= set(failed.value.errors)
        db.session.rollback()
        update_call(_call(call), {"anonymous": True, "caller_phone": None, "caller_name": None}, actor=_user(op),
                    expected_version=1)
        db.session.commit()
        loaded = _call(call)
        assert loaded.is_anonymous
        assert loaded.caller_id is None
        assert loaded.caller_name is None


def _answer(call, actor):
    set_call_status(call, "answered", actor=actor, expected_version=call.version)


def _not_accept(call, actor):
    set_call_status(call, "not_accepted", actor=actor, expected_version=call.version, reason="不属于知识产权")


def _transfer(call, actor):
    transfer_call(call, "430200", "请株洲市局处理", actor=actor, expected_version=call.version)


def _feedback(call, actor):
    record_feedback(call, method="phone", note="已电话告知来电人", given_at=None, actor=actor,
                    expected_version=call.version)


def _duplicate(call, actor):
    mark_duplicate(call, None, actor=actor, expected_version=call.version)


def _edit(call, actor):
    update_call(call, {"summary": "改过的摘要"}, actor=actor, expected_version=call.version)


def _edit_again(call, actor):
    update_call(call, {"summary": "又改过的摘要"}, actor=actor, expected_version=call.version)


def _open_case(call, actor):
    mark_case_opened(call, 4242, actor=actor)


ACTIONS = {"answer": _answer, "not_accept": _not_accept, "transfer": _transfer, "open_case": _open_case,
           "feedback": _feedback}
#: How to bring a call into each status through the operations.
SETUP = {"open": [], "answered": [_answer], "not_accepted": [_not_accept], "transferred": [_transfer],
         "case_opened": [_open_case], "closed": [_answer, _feedback]}
#: product.md: open → answered | transferred | case_opened | not_accepted → closed (after feedback).
ALLOWED = {
    ("open", "answer"), ("open", "not_accept"), ("open", "transfer"), ("open", "open_case"),
    ("answered", "transfer"), ("answered", "open_case"), ("answered", "feedback"),
    ("not_accepted", "feedback"),
    # A transferred call closes only after its transfer's call-back (tests/api/test_transfers.py), not before.
    ("case_opened", "feedback"),
}
RESULT = {"answer": "answered", "not_accept": "not_accepted", "transfer": "transferred", "open_case": "case_opened",
          "feedback": "closed"}


@pytest.mark.parametrize("status", list(SETUP))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_status_machine(app, op, create_call, status, action):
    call = create_call(actor=op)
    with app.app_context():
        actor = _user(op)
        for step in SETUP[status]:
            step(_call(call), actor)
            db.session.commit()
        before = _call(call)
        assert before.status == status
        version, events = before.version, len(_events(call.id))
        if (status, action) in ALLOWED:
            ACTIONS[action](before, actor)
            db.session.commit()
            after = _call(call)
            assert after.status == RESULT[action]
            assert after.version == version + 1
            assert len(_events(call.id)) == events + 1
        else:
            with pytest.raises(StateError):
                ACTIONS[action](before, actor)
            db.session.rollback()
            after = _call(call)
            assert after.status == status
            assert after.version == version
            assert len(_events(call.id)) == events
        # closed_at is set exactly when the call is closed; decided_at once it has left "open"
        assert (after.closed_at is not None) == (after.status == "closed")
        assert (after.decided_at is not None) == (after.status != "open")


def test_feedback_closes_the_call_and_records_what_was_said(app, op, create_call):
    call = create_call(actor=op, received_at=datetime.now(UTC) - timedelta(days=2))
    given = datetime.now(UTC) - timedelta(hours=1)
    with app.app_context():
        _answer(_call(call), _user(op))
        record_feedback(_call(call), method="sms", note="已短信告知处理结果", given_at=given, actor=_user(op),
                        expected_version=2)
        db.session.commit()
        loaded = _call(call)
        assert loaded.status == "closed"
        assert loaded.feedback_at == given
        assert loaded.feedback_method == "sms"
        assert loaded.closed_at is not None
        [event] = _events(call.id, "feedback")
        assert event.changes["status"] == ["answered", "closed"]
        assert event.note == "已短信告知处理结果"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"method": "pigeon"}, "method"),
    ({"note": "  "}, "note"),
    ({"note": "长" * 2001}, "note"),
    ({"given_at": datetime(2015, 6, 1, 9, 0)}, "given_at"),  # noqa: DTZ001
    ({"given_at": datetime.now(UTC) + timedelta(hours=1)}, "given_at"),
    ({"given_at": datetime.now(UTC) - timedelta(days=30)}, "given_at"),  # before the call came in
])
def test_feedback_validation(app, op, create_call, kwargs, field):
    call = create_call(actor=op)
    with app.app_context():
        _answer(_call(call), _user(op))
        db.session.commit()
        args = {"method": "phone", "note": "已告知", "given_at": None} | kwargs
        with pytest.raises(ValidationFailed) as failed:
            record_feedback(_call(call), **args, actor=_user(op), expected_version=2)
        assert field in failed.value.errors
        db.session.rollback()
        assert _call(call).status == "answered"


def test_not_accepted_needs_a_reason(app, op, create_call):
    call = create_call(actor=op)
    with app.app_context():
        with pytest.raises(ValidationFailed) as failed:
            set_call_status(_call(call), "not_accepted", actor=_user(op), expected_version=1, reason=" ")
        assert "reason" in failed.value.errors
        set_call_status(_call(call), "not_accepted", actor=_user(op), expected_version=1,
                        reason="属于商标纠纷,告知向市场监管部门反映")
        db.session.commit()
        assert _call(call).not_accepted_reason.startswith("属于商标纠纷")
        [event] = _events(call.id, "status")
        assert event.changes == {"status": ["open", "not_accepted"]}


@pytest.mark.parametrize("status", ["closed", "transferred", "case_opened", "open", "bogus"])
def test_set_call_status_only_answers_or_refuses(app, op, create_call, status):
    call = create_call(actor=op)
    with app.app_context():
        with pytest.raises(ValidationFailed) as failed:
            set_call_status(_call(call), status, actor=_user(op), expected_version=1, reason="x")
        assert "status" in failed.value.errors


VERSIONED = {
    "edit": lambda call, actor, v: update_call(call, {"summary": "x"}, actor=actor, expected_version=v),
    "answer": lambda call, actor, v: set_call_status(call, "answered", actor=actor, expected_version=v),
    "transfer": lambda call, actor, v: transfer_call(call, "430200", None, actor=actor, expected_version=v),
    "feedback": lambda call, actor, v: record_feedback(call, method="phone", note="x", given_at=None, actor=actor,
                                                       expected_version=v),
    "duplicate": lambda call, actor, v: mark_duplicate(call, None, actor=actor, expected_version=v),
}


@pytest.mark.parametrize("operation", list(VERSIONED))
@pytest.mark.parametrize("seen", [1, 3])
def test_wrong_expected_version_is_stale(app, op, create_call, operation, seen):
    call = create_call(actor=op)
    with app.app_context():
        _answer(_call(call), _user(op))
        db.session.commit()
        loaded = _call(call)
        assert loaded.version == 2
        with pytest.raises(StaleVersion) as stale:
            VERSIONED[operation](loaded, _user(op), seen)
        assert stale.value.current is loaded
        db.session.rollback()
        assert _call(call).version == 2
        assert _call(call).status == "answered"
        assert len(_events(call.id)) == 2


@pytest.mark.parametrize("operation", [
    lambda call, actor: update_call(call, {"summary": "x"}, actor=actor, expected_version=None),
    lambda call, actor: set_call_status(call, "answered", actor=actor, expected_version=None),
    lambda call, actor: transfer_call(call, "430200", None, actor=actor, expected_version=None),
    lambda call, actor: record_feedback(call, method="phone", note="x", given_at=None, actor=actor,
                                        expected_version=None),
    lambda call, actor: mark_duplicate(call, None, actor=actor, expected_version=None),
])
def test_missing_version_is_a_validation_error_on_version(app, op, create_call, operation):
    call = create_call(actor=op)
    with app.app_context():
        with pytest.raises(ValidationFailed) as failed:
            operation(_call(call), _user(op))
        assert "version" in failed.value.errors


def test_version_increments_on_each_change(app, op, create_call):
    call = create_call(actor=op)
    with app.app_context():
        actor = _user(op)
        versions = [_call(call).version]
        for step in (_edit, _edit_again, _answer, _transfer):
            step(_call(call), actor)
            db.session.commit()
            versions.append(_call(call).version)
        assert versions == [1, 2, 3, 4, 5]
        reveal_caller(_call(call), actor=actor)   # reading is not a change
        db.session.commit()
        assert _call(call).version == 5


def test_concurrent_edit_is_refused_at_flush(app, op, create_call):
    """Two sessions load version 1; the second writer loses even though it sent the version it saw."""
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    call = create_call(actor=op)
    with app.app_context():
        with Session(db.engine, expire_on_commit=False) as other:
            theirs = other.get(Call, call.id)
            other.commit()  # keep the loaded row, end the read (SQLite cannot upgrade an old snapshot)
            mine = _call(call)
            update_call(mine, {"summary": "我的修改"}, actor=_user(op), expected_version=1)
            db.session.commit()
            theirs.summary = "他们的修改"
            with pytest.raises(StaleDataError):
                other.flush()
            other.rollback()
        db.session.expire_all()
        assert _call(call).summary == "我的修改"


# Transfers ------------------------------------------------------------------------------------------


def test_transfer_to_a_prefecture_moves_the_call_into_that_region(app, op, create_call):
    call = create_call(actor=op, region_code="430100")
    with app.app_context():
        transfer_call(_call(call), "430200", "涉及株洲企业", actor=_user(op), expected_version=1)
        db.session.commit()
        loaded = _call(call)
        assert loaded.status == "transferred"
        assert loaded.region_code == "430200"
        assert loaded.transferred_to_region_code == "430200"
        assert loaded.transferred_to_agency is None
        assert loaded.transferred_at is not None
        assert loaded.transfer_note == "涉及株洲企业"
        [event] = _events(call.id, "transfer")
        assert event.changes["region_code"] == ["430100", "430200"]
        assert event.changes["status"] == ["open", "transferred"]
        assert event.changes["transferred_to_region_code"] == [None, "430200"]
        assert event.region_code == "430200"
        assert event.note == "涉及株洲企业"


def test_transfer_to_an_agency_keeps_the_region(app, op, create_call):
    call = create_call(actor=op, region_code="430100")
    with app.app_context():
        transfer_call(_call(call), " 长沙市市场监督管理局 ", None, actor=_user(op), expected_version=1)
        db.session.commit()
        loaded = _call(call)
        assert loaded.status == "transferred"
        assert loaded.region_code == "430100"
        assert loaded.transferred_to_agency == "长沙市市场监督管理局"
        assert loaded.transferred_to_region_code is None
        [event] = _events(call.id, "transfer")
        assert "region_code" not in event.changes
        assert event.changes["transferred_to_agency"] == [None, "长沙市市场监督管理局"]


@pytest.mark.parametrize("target", ["", "  ", None, "430000", "999999", "机" * 201])
def test_transfer_rejects_bad_targets(app, op, create_call, target):
    call = create_call(actor=op)
    with app.app_context():
        with pytest.raises(ValidationFailed) as failed:
            transfer_call(_call(call), target, None, actor=_user(op), expected_version=1)
        assert "to" in failed.value.errors
        db.session.rollback()
        loaded = _call(call)
        assert loaded.status == "open"
        assert loaded.version == 1


@pytest.mark.parametrize("target", ["430000", "999999", "机" * 201])
def test_refused_transfer_leaves_the_call_untouched_in_the_session(app, op, create_call, target):
    call = create_call(actor=op)
    with app.app_context():
        loaded = _call(call)
        with pytest.raises(ValidationFailed):
            transfer_call(loaded, target, None, actor=_user(op), expected_version=1)
        assert loaded.status == "open"
        assert not db.session.is_modified(loaded)


# Duplicates and reveal -------------------------------------------------------------------------------


def test_mark_duplicate_links_and_unlinks(app, op, create_call):
    first = create_call(actor=op)
    second = create_call(actor=op)
    with app.app_context():
        mark_duplicate(_call(second), _call(first), actor=_user(op), expected_version=1)
        db.session.commit()
        assert _call(second).duplicate_of_id == first.id
        assert _call(second).version == 2
        mark_duplicate(_call(second), None, actor=_user(op), expected_version=2)
        db.session.commit()
        assert _call(second).duplicate_of_id is None
        events = _events(second.id, "link_duplicate")
        assert [e.changes["duplicate_of"] for e in events] == [[None, first.ref], [first.ref, None]]


def test_a_call_cannot_duplicate_itself(app, op, create_call):
    call = create_call(actor=op)
    with app.app_context():
        loaded = _call(call)
        with pytest.raises(ValidationFailed) as failed:
            mark_duplicate(loaded, loaded, actor=_user(op), expected_version=1)
        assert "duplicate_of" in failed.value.errors


def test_duplicate_links_cannot_form_a_loop(app, op, create_call):
    first = create_call(actor=op)
    second = create_call(actor=op)
    with app.app_context():
        mark_duplicate(_call(second), _call(first), actor=_user(op), expected_version=1)
        db.session.commit()
        with pytest.raises(ValidationFailed) as failed:
            mark_duplicate(_call(first), _call(second), actor=_user(op), expected_version=1)
        assert "duplicate_of" in failed.value.errors
        db.session.rollback()
        third = record_call(_data(), actor=_user(op))
        mark_duplicate(third, _call(second), actor=_user(op), expected_version=1)   # a chain is fine …
        db.session.commit()
        with pytest.raises(ValidationFailed):                                          # … a longer loop is not
            mark_duplicate(_call(first), db.session.get(Call, third.id), actor=_user(op), expected_version=1)


def test_reveal_caller_returns_full_data_and_audits_without_it(app, op, create_user, create_call):
    officer = create_user("officer", "430100")
    call = create_call(actor=op, caller_phone="138 1234 5678", caller_name="张三丰")
    with app.app_context():
        revealed = reveal_caller(_call(call), actor=_user(officer))
        db.session.commit()
        assert revealed == {"caller_name": "张三丰", "caller_phone": "+8613812345678",
                            "caller_phone_raw": "138 1234 5678"}
        [event] = _events(call.id, "reveal_caller")
        assert event.actor_id == officer.id
        assert event.region_code == "430100"
        dumped = json.dumps([event.changes, event.note], ensure_ascii=False)
        assert "12345678" not in dumped
        assert "三丰" not in dumped


def test_reveal_caller_of_an_anonymous_call(app, op, create_call):
    call = create_call(actor=op, anonymous=True)
    with app.app_context():
        assert reveal_caller(_call(call), actor=_user(op)) == {"caller_name": None, "caller_phone": None,
                                                               "caller_phone_raw": None}


def test_transfer_audits_the_call_and_the_new_transfer(app, op, create_call):
    from hotline.transfers.models import Transfer

    call = create_call(actor=op)
    with app.app_context():
        before = _count(AuditEvent)
        _transfer(_call(call), _user(op))
        db.session.commit()
        assert _count(AuditEvent) == before + 2
        transfer = db.session.scalar(sa.select(Transfer).where(Transfer.call_id == call.id))
        events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(2)).all()
        assert {(e.object_type, e.object_id, e.action, e.actor_id) for e in events} == {
            ("call", call.id, "transfer", op.id), ("transfer", transfer.id, "create", op.id)}


@pytest.mark.parametrize("operation", [
    _edit, _answer, _not_accept, _duplicate, _open_case,
    lambda call, actor: reveal_caller(call, actor=actor),
])
def test_every_operation_writes_exactly_one_audit_event(app, op, create_call, operation):
    call = create_call(actor=op)
    with app.app_context():
        before = _count(AuditEvent)
        operation(_call(call), _user(op))
        db.session.commit()
        assert _count(AuditEvent) == before + 1
        event = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id.desc()))
        assert (event.object_type, event.object_id, event.actor_id) == ("call", call.id, op.id)


def test_feedback_writes_exactly_one_audit_event(app, op, create_call):
    call = create_call(actor=op)
    with app.app_context():
        _answer(_call(call), _user(op))
        db.session.commit()
        before = _count(AuditEvent)
        _feedback(_call(call), _user(op))
        db.session.commit()
        assert _count(AuditEvent) == before + 1


def test_rolled_back_operation_leaves_no_audit_row(app, op, create_call):
    call = create_call(actor=op)
    with app.app_context():
        _transfer(_call(call), _user(op))
        db.session.rollback()
        assert len(_events(call.id)) == 1
        assert _call(call).status == "open"
        assert _call(call).region_code == "430100"
