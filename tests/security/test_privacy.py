"""No personal data in logs or task messages: a caller's number (in any spelling) and name never reach a log
record, a queued task's arguments, an outbox row or a task run, while calls are logged, looked up, transferred,
revealed and the statistics tasks run."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from celery.app.task import Task

from hotline.extensions import db
from tests.security.conftest import REGION, issue_raw_token, login_client

NAME = "司马相如"
MOBILE = "13912345678"
LANDLINE = "(0731) 8888-1234"
#: Digit strings that identify the callers, whatever the separators around them.
NUMBERS = ("13912345678", "88881234")
_SEPARATORS = re.compile(r"[\s\-().+/*]")
_SAFE_ARG = re.compile(r"^(\d{4}-\d{2}(-\d{2})?|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(-\d+)?)$")


def leaks(text: str) -> list[str]:
    squeezed = _SEPARATORS.sub("", text)
    found = [n for n in NUMBERS if n in squeezed]
    return found + ([NAME] if NAME in text or NAME[1:] in text else [])


def _safe(value) -> bool:
    """Task arguments may be ids, dates, months and run ids — nothing else."""
    if isinstance(value, bool | int) or value is None:
        return True
    if isinstance(value, str):
        return bool(_SAFE_ARG.match(value))
    if isinstance(value, list | tuple):
        return all(_safe(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _safe(v) for k, v in value.items())
    return False


@pytest.fixture
def queued(monkeypatch):
    """Every task queued through apply_async (delay included): (name, args, kwargs); then it runs as usual."""
    seen = []
    original = Task.apply_async

    def spy(self, args=None, kwargs=None, *rest, **options):
        seen.append((self.name, args, kwargs))
        return original(self, args, kwargs, *rest, **options)

    monkeypatch.setattr(Task, "apply_async", spy)
    return seen


@pytest.fixture
def engine_logger_off():
    """The engine logger echoes bound parameters when switched on for debugging; it is off in every deployment.
    (Not caplog.set_level: that would raise the capture handler's level too.)"""
    engine = logging.getLogger("sqlalchemy.engine")
    level = engine.level
    engine.setLevel(logging.WARNING)
    yield
    engine.setLevel(level)


def test_no_personal_data_in_logs_or_task_messages(app, staff, caplog, queued, engine_logger_off):
    caplog.set_level(logging.DEBUG)
    operator, officer, supervisor = (login_client(app, staff.get(r)) for r in ("operator", "officer", "supervisor"))
    api = app.test_client()
    op_token = {"Authorization": f"Bearer {issue_raw_token(app, staff.operator)}"}
    officer_token = {"Authorization": f"Bearer {issue_raw_token(app, staff.officer)}"}
    now = datetime.now().replace(second=0, microsecond=0) - timedelta(minutes=10)

    # Intake through the form and the API, with the number spelt three ways and the caller named.
    page = operator.post("/calls/new", data={
        "received_at": now.strftime("%Y-%m-%dT%H:%M"), "channel": "phone", "request_type": "complaint",
        "ip_type": "patent", "region_code": REGION, "caller_phone": "139 1234 5678", "caller_name": NAME,
        "accused_party": "长沙某某电器有限公司", "summary": "销售假冒专利产品"})
    assert page.status_code == 302, page.get_data(as_text=True)[:300]
    created = api.post("/api/v1/calls", headers=op_token, json={
        "received_at": now.strftime("%Y-%m-%dT%H:%M:00+08:00"), "channel": "phone", "request_type": "report",
        "region_code": REGION, "caller_phone": "+86 139-1234-5678", "caller_name": NAME, "summary": "举报"})
    assert created.status_code == 201
    landline = api.post("/api/v1/calls", headers=op_token, json={
        "received_at": now.strftime("%Y-%m-%dT%H:%M:00+08:00"), "channel": "phone", "request_type": "consultation",
        "region_code": REGION, "caller_phone": LANDLINE, "caller_name": NAME, "summary": "咨询"})
    assert landline.status_code == 201
    first, second, third = 1, created.get_json()["id"], landline.get_json()["id"]

    # Look-ups by number, edits, reveals, a transfer to another office and one to an agency.
    assert operator.get(f"/calls/lookup?phone={MOBILE}&accused_party=x").status_code == 200
    assert api.get(f"/api/v1/callers/{MOBILE}/history", headers=op_token).status_code == 200
    edit = {"caller_phone": "0731-8888-1234", "caller_name": NAME + "甲", "version": 1}
    assert api.patch(f"/api/v1/calls/{third}", headers=op_token, json=edit).status_code == 200
    assert officer.post(f"/calls/{first}/reveal").status_code == 200
    assert api.post(f"/api/v1/calls/{second}/reveal", headers=officer_token).status_code == 200
    version = re.search(r'name="transfer-version"[^>]*value="(\d+)"', operator.get(f"/calls/{first}").text).group(1)
    assert operator.post(f"/calls/{first}/transfer", data={"transfer-to_region": "430200",
                                                            "transfer-version": version}).status_code == 302
    transfer = {"to": "市场监督管理局", "note": f"来电人{NAME},电话{MOBILE}", "version": 1}
    assert api.post(f"/api/v1/calls/{second}/transfer", headers=op_token, json=transfer).status_code == 200
    assert api.post(f"/api/v1/calls/{third}/case", headers=op_token, json={"version": 2}).status_code == 201

    # The statistics: a rebuild with progress, the page's refresh of stale months, the worker's tasks.
    month = now.strftime("%Y-%m")
    rebuild = supervisor.post("/stats/rebuild", data={"month_from": month, "month_to": month})
    assert rebuild.status_code == 302
    assert officer.get("/stats/monthly").status_code == 200
    from workers.tasks.cases import mark_overdue
    from workers.tasks.stats import build_month_task, refresh_stale

    refresh_stale.delay()
    build_month_task.delay(month)
    mark_overdue.delay()

    records = [r for r in caplog.records if not r.name.startswith("sqlalchemy.engine")]
    assert any("logged by user" in r.getMessage() for r in records)  # the capture works
    assert any("revealed to user" in r.getMessage() for r in records)
    formatter = logging.Formatter("%(name)s %(message)s")
    found = {f"{r.name}: {r.getMessage()[:120]}": leaks(formatter.format(r)) for r in records}
    assert not {k: v for k, v in found.items() if v}

    names = {name for name, _, _ in queued}
    assert {"stats.rebuild", "stats.refresh_stale", "stats.build_month", "cases.mark_overdue"} <= names
    assert not [(n, a, k) for n, a, k in queued if not (_safe(list(a or ())) and _safe(dict(k or {})))]

    from hotline.core.models import OutboxMessage
    from hotline.stats.models import TaskRun

    with app.app_context():
        payloads = db.session.scalars(sa.select(OutboxMessage.payload)).all()
        runs = db.session.execute(sa.select(TaskRun.params, TaskRun.result)).all()
    assert payloads and all(set(p) == {"months"} and _safe(p["months"]) for p in payloads)
    assert runs and not [run for run in runs if leaks(repr(tuple(run)))]


def test_roles_without_personal_data_see_callers_masked_until_an_audited_reveal(app, staff, world):
    """Officers and supervisors see 138****5678 and 欧**, on every page and API answer about the call, also after an
    edit of the caller (the timeline); the reveal shows them in full and is audited. Administrators see no call."""
    from hotline.core.models import AuditEvent
    from tests.security.conftest import CALLER_NAME, CALLER_PHONE

    call = world.call
    op_token = {"Authorization": f"Bearer {issue_raw_token(app, staff.operator)}"}
    edited = app.test_client().patch(f"/api/v1/calls/{call.id}", headers=op_token,
                                     json={"caller_name": CALLER_NAME + "乙", "caller_phone": MOBILE, "version": 1})
    assert edited.status_code == 200
    full = (CALLER_NAME, CALLER_PHONE, "138 1234 5678", MOBILE, "139 1234 5678")
    seen = {}
    for role in ("officer", "supervisor"):
        web = login_client(app, staff.get(role))
        token = {"Authorization": f"Bearer {issue_raw_token(app, staff.get(role))}"}
        pages = [web.get(url) for url in ("/calls", f"/calls/{call.id}", f"/calls/lookup?phone={MOBILE}",
                                          f"/cases/from-call/{call.id}")]
        pages += [app.test_client().get(url, headers=token) for url in (
            "/api/v1/calls", f"/api/v1/calls/{call.id}", f"/api/v1/callers/{MOBILE}/history")]
        for page in pages:
            found = [text for text in full if text in page.get_data(as_text=True)]
            if found or page.status_code != 200:
                seen[(role, page.request.path)] = (page.status_code, found)
        assert "139****5678" in web.get(f"/calls/{call.id}").get_data(as_text=True)
        # nor can they find a call by the caller's name (a search would confirm who called)
        assert call.ref not in web.get("/calls", query_string={"q": CALLER_NAME}).get_data(as_text=True)
        by_name = app.test_client().get("/api/v1/calls", query_string={"q": CALLER_NAME}, headers=token)
        assert by_name.get_json()["items"] == []
    assert not seen
    operator_search = login_client(app, staff.operator).get("/calls", query_string={"q": CALLER_NAME})
    assert call.ref in operator_search.get_data(as_text=True)
    revealed = login_client(app, staff.officer).post(f"/calls/{call.id}/reveal")
    assert CALLER_NAME + "乙" in revealed.get_data(as_text=True)
    with app.app_context():
        reveals = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "reveal_caller")).all()
        assert [(e.object_id, e.actor_id) for e in reveals] == [(call.id, staff.officer.id)]
    assert login_client(app, staff.admin).get(f"/calls/{call.id}").status_code == 403


def test_a_failing_statement_logs_no_parameters(app, staff, make_app, caplog):
    """The engine hides bound parameters (``hide_parameters``): when a statement fails, the logged error and its
    traceback show the SQL, not the values (here a password hash and a name)."""
    from hotline.accounts.models import User

    secret_hash = "$argon2id$v=19$m=1024,t=1,p=1$U0VOVElORUw$c2VjcmV0LWhhc2gtdGhhdC1tdXN0LW5vdC1sZWFr"
    taken = staff.operator.username
    other = make_app(PROPAGATE_EXCEPTIONS=False)
    with other.app_context():
        assert db.engine.hide_parameters

    @other.post("/test-only/failing-statement")
    def failing_statement():
        db.session.add(User(username=taken, display_name=NAME, password_hash=secret_hash, role="operator",
                            region_code=REGION, is_active=True))
        db.session.flush()  # the username is taken: IntegrityError

    caplog.set_level(logging.ERROR)
    assert other.test_client().post("/test-only/failing-statement").status_code == 500
    (record,) = [r for r in caplog.records if "unhandled error" in r.getMessage()]
    logged = logging.Formatter("%(message)s").format(record)
    assert "IntegrityError" in logged and "INSERT INTO users" in logged  # the log still says what failed
    assert "SQL parameters hidden" in logged
    assert secret_hash not in logged and "U0VOVElORUw" not in logged and not leaks(logged)
