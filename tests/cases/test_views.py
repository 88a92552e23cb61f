"""Cases UI: roles, region isolation on every route, the officer's flow through the web forms, bad input (422),
conflicts (409), the due page, the month calendar, list filters and the evidence routes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from hotline.cases.models import Case, CaseEvent
from hotline.core.models import AuditEvent
from hotline.extensions import db
from tests.factories import PASSWORD

REGION = "430100"  # 长沙市
OTHER_REGION = "430200"  # 株洲市
#: A dispute request received on 2015-09-30 must be filed by 2015-10-13 (product.md "Deadlines").
RECEIVED = "2015-09-30"
ACTIONS = ("file", "reject", "suspend", "resume", "extend", "close", "publish")


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def hidden_version(html: str, prefix: str | None = None) -> int:
    name = f"{prefix}-version" if prefix else "version"
    match = re.search(rf'name="{name}" type="hidden" value="(\d+)"', html)
    assert match, f"no {name} in the page"
    return int(match.group(1))


def deadline_row(html: str, label: str) -> str:
    """The <tr> of the deadlines table whose first cell names ``label``."""
    table = html.split('class="list responsive deadlines"', 1)[1].split("</table>", 1)[0]
    for row in table.split("<tr")[2:]:
        if label in row.split("</td>", 1)[0]:
            return row
    raise AssertionError(f"no deadline row {label!r}")


@pytest.fixture
def as_user(app, create_user):
    """``as_user(role, region) -> (client, user)``: a fresh client logged in as a new user, UI in English."""

    def factory(role: str = "officer", region_code: str = REGION, user=None):
        user = user or create_user(role, region_code)
        client = app.test_client()
        assert client.post("/language/en").status_code == 302
        assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
        return client, user

    return factory


@pytest.fixture
def frozen_today(monkeypatch):
    """``frozen_today(day)``: Beijing "today" for the case pages, queries and operations (not the real clock)."""

    def freeze(day: date) -> None:
        for module in ("hotline.cases.views", "hotline.cases.queries", "hotline.cases.operations"):
            monkeypatch.setattr(f"{module}.local_today", lambda: day)

    return freeze


@pytest.fixture
def crew(create_user):
    """Three officers and a supervisor of 长沙, and an officer of 株洲."""
    from types import SimpleNamespace

    return SimpleNamespace(
        officers=[create_user("officer", REGION, display_name=f"办案员{i}") for i in range(1, 4)],
        supervisor=create_user("supervisor", REGION, display_name="科长"),
        outsider=create_user("officer", OTHER_REGION, display_name="株洲办案员"),
    )


@pytest.fixture
def make_case(app):
    """``make_case(actor, filed_on=None, officers=(), **fields) -> case id`` through the real operations."""
    from hotline.accounts.models import User
    from hotline.cases.operations import create_case, perform_action

    def factory(actor, *, filed_on: str | None = None, officers=(), **fields):
        data = {"case_type": "infringement_dispute", "region_code": REGION, "source": "request",
                "received_on": RECEIVED, "summary": "请求人称被请求人销售的产品落入其实用新型专利保护范围",
                "respondent_name": "长沙某某贸易有限公司", "amount_involved": "12500.00"}
        data.update(fields)
        with app.app_context():
            user = db.session.get(User, actor.id)
            case = create_case(data, actor=user)
            if filed_on:
                perform_action(case, "file", {"filed_on": filed_on, "officer_ids": [o.id for o in officers]},
                               actor=user, expected_version=case.version)
            db.session.commit()
            return case.id

    return factory


def load(app, case_id: int) -> Case:
    with app.app_context():
        case = db.session.get(Case, case_id)
        db.session.refresh(case)
        _ = case.officers, case.suspensions, case.extensions
        db.session.expunge(case)
        return case


def case_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Case))


def audit_actions(app, case_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "case", AuditEvent.object_id == case_id).order_by(AuditEvent.id)))


def bump(app, case_id: int, actor) -> None:
    """Someone else edits the case meanwhile."""
    from hotline.accounts.models import User
    from hotline.cases.operations import update_case

    with app.app_context():
        case = db.session.get(Case, case_id)
        update_case(case, {"respondent_name": "别人改过的被请求人"}, actor=db.session.get(User, actor.id),
                    expected_version=case.version)
        db.session.commit()


def new_case_form(**overrides) -> dict:
    data = {
        "case_type": "infringement_dispute",
        "region_code": REGION,
        "source": "request",
        "received_on": RECEIVED,
        "requester_name": "湖南某某科技有限公司",
        "respondent_name": "长沙某某贸易有限公司",
        "respondent_kind": "organization",
        "patent_number": "ZL201710601862.3",
        "patent_type": "",
        "amount_involved": "12500.00",
        "summary": "请求人称被请求人销售的电饭煲落入其实用新型专利保护范围",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# ---------------------------------------------------------------------------------------------------------------
# who may see what


PAGES = ("/cases", "/due/backlog", "/cases/calendar", "/cases/new")


@pytest.mark.parametrize("url", PAGES)
def test_case_pages_need_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(("role", "status"), [("operator", 403), ("admin", 403), ("officer", 200),
                                              ("supervisor", 200)])
def test_case_pages_by_role(as_user, role, status):
    client, _user = as_user(role, REGION if role != "admin" else "430000")
    for url in PAGES:
        assert client.get(url).status_code == status, url


@pytest.mark.parametrize(("role", "status"), [("operator", 403), ("admin", 403), ("officer", 200),
                                              ("supervisor", 200)])
def test_case_detail_by_role(as_user, crew, make_case, role, status):
    case_id = make_case(crew.officers[0])
    client, _user = as_user(role, REGION if role != "admin" else "430000")
    assert client.get(f"/cases/{case_id}").status_code == status


@pytest.mark.parametrize(("role", "status"), [("operator", 200), ("officer", 200), ("supervisor", 200),
                                              ("admin", 403)])
def test_open_from_call_by_role(as_user, create_call, role, status):
    call = create_call()
    client, _user = as_user(role, "430000")
    assert client.get(f"/cases/from-call/{call.id}").status_code == status


def test_nav_links_by_role(as_user):
    officer, _ = as_user("officer")
    page = text(officer.get("/cases"))
    assert 'href="/cases"' in page and 'href="/due"' in page and 'href="/admin/calendar"' not in page
    admin, _ = as_user("admin", "430000")
    page = text(admin.get("/admin/calendar"))
    assert 'href="/admin/calendar"' in page and 'href="/due"' not in page


def test_region_isolation_on_every_case_route(app, as_user, crew, make_case, create_call):
    """A 株洲 officer gets 404 on a 长沙 case, its actions, edit, events and evidence, and on a 长沙 call."""
    case_id = make_case(crew.officers[0], filed_on="2015-10-12", officers=crew.officers)
    version = load(app, case_id).version
    call = create_call(region_code=REGION)
    client, _user = as_user(user=crew.outsider)

    assert client.get(f"/cases/{case_id}").status_code == 404
    assert client.get(f"/cases/{case_id}/edit").status_code == 404
    assert client.post(f"/cases/{case_id}/edit", data=new_case_form(version=version)).status_code == 404
    for name in ACTIONS:
        response = client.post(f"/cases/{case_id}/actions/{name}",
                               data={f"{name}-version": version, f"{name}-on": "2015-11-01", f"{name}-reason": "x"})
        assert response.status_code == 404, name
    assert client.post(f"/cases/{case_id}/events", data={"event-version": version, "event-kind": "note",
                                                          "event-occurred_on": "2015-11-01"}).status_code == 404
    from io import BytesIO

    upload = {"attachment-file": (BytesIO(b"%PDF-1.4\n"), "evidence.pdf"), "attachment-description": "x"}
    assert client.post(f"/cases/{case_id}/attachments", data=upload,
                       content_type="multipart/form-data").status_code == 404
    assert client.get(f"/cases/{case_id}/attachments/1").status_code == 404
    assert client.get(f"/cases/from-call/{call.id}").status_code == 404
    assert client.post(f"/cases/from-call/{call.id}",
                       data=new_case_form(version=call.version, region_code=OTHER_REGION)).status_code == 404

    number = load(app, case_id).case_number
    for url in ("/cases", "/due?scope=region", "/cases/calendar?month=2016-01", "/cases?q=长沙某某"):
        page = text(client.get(url))
        assert number not in page and f"/cases/{case_id}" not in page, url

    nothing_changed = load(app, case_id)
    assert nothing_changed.version == version and nothing_changed.status == "filed"


def test_province_supervisor_sees_every_region(as_user, crew, make_case):
    case_id = make_case(crew.officers[0])
    client, _user = as_user("supervisor", "430000")
    assert client.get(f"/cases/{case_id}").status_code == 200
    assert f"/cases/{case_id}" in text(client.get("/cases?region_code=430100"))
    assert f"/cases/{case_id}" not in text(client.get("/cases?region_code=430200"))


def test_unknown_case_action_and_huge_ids_are_404(as_user, crew, make_case):
    case_id = make_case(crew.officers[0])
    client, _user = as_user(user=crew.officers[0])
    assert client.post(f"/cases/{case_id}/actions/delete", data={}).status_code == 404
    assert client.get("/cases/99999999").status_code == 404
    assert client.get(f"/cases/{2**64}").status_code == 404
    assert client.get(f"/cases/from-call/{2**64}").status_code == 404


# ---------------------------------------------------------------------------------------------------------------
# the officer's flow


def test_full_flow_from_call_to_closing(app, as_user, crew, create_call, frozen_today):
    frozen_today(date(2016, 1, 5))
    call = create_call(received_at=datetime(2015, 9, 30, 2, 0, tzinfo=UTC), request_type="complaint",
                       region_code=REGION, accused_party="长沙某某贸易有限公司",
                       summary="来电称某商场销售的电饭煲侵犯其实用新型专利")
    client, officer = as_user(user=crew.officers[0])

    # open the case from the call: the form is filled in from it
    page = text(client.get(f"/cases/from-call/{call.id}"))
    assert 'value="2015-09-30"' in page and "长沙某某贸易有限公司" in page and "来电称某商场" in page
    form = new_case_form(version=hidden_version(page), source="hotline_call", patent_number="",
                         summary="请求人称被请求人销售的电饭煲落入其实用新型专利保护范围")
    response = client.post(f"/cases/from-call/{call.id}", data=form)
    assert response.status_code == 302
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    case = load(app, case_id)
    assert case.status == "received" and case.call_id == call.id and case.source == "hotline_call"
    assert case.amount_involved == 12500
    with app.app_context():
        from hotline.calls.models import Call

        assert db.session.get(Call, call.id).status == "case_opened"

    # the case page: the filing deadline and the rule that produced it
    page = text(client.get(f"/cases/{case_id}"))
    row = deadline_row(page, "File or reject")
    assert "2015-10-13" in row and "专利行政执法办法" in row and "5个工作日" in row
    assert "¥12,500.00" in page
    assert f'href="/calls/{call.id}"' in page

    # file with three officers
    response = client.post(f"/cases/{case_id}/actions/file", data={
        "file-version": hidden_version(page, "file"), "file-filed_on": "2015-10-12",
        "file-officer_ids": [o.id for o in crew.officers]})
    assert response.status_code == 302
    case = load(app, case_id)
    assert case.status == "filed" and case.case_number and len(case.officers) == 3

    # record events
    page = text(client.get(f"/cases/{case_id}"))
    for kind, on, note in (("served", "2015-10-14", "请求书副本已送达"), ("hearing", "2015-11-20", "口头审理")):
        response = client.post(f"/cases/{case_id}/events", data={
            "event-version": hidden_version(page, "event"), "event-kind": kind, "event-occurred_on": on,
            "event-note": note})
        assert response.status_code == 302
    # suspend, resume (10 days), close
    page = text(client.get(f"/cases/{case_id}"))
    assert client.post(f"/cases/{case_id}/actions/suspend", data={
        "suspend-version": hidden_version(page, "suspend"), "suspend-on": "2015-11-25",
        "suspend-reason": "被请求人已请求宣告专利权无效"}).status_code == 302
    page = text(client.get(f"/cases/{case_id}"))
    # while suspended the clock is held: shown as if resumed today (2016-01-12 + 41 days)
    assert "paused (suspended)" in deadline_row(page, "Close") and "2016-02-22" in deadline_row(page, "Close")
    assert client.post(f"/cases/{case_id}/actions/resume", data={
        "resume-version": hidden_version(page, "resume"), "resume-on": "2015-12-05"}).status_code == 302
    page = text(client.get(f"/cases/{case_id}"))
    assert client.post(f"/cases/{case_id}/actions/close", data={
        "close-version": hidden_version(page, "close"), "close-outcome": "mediated",
        "close-closed_on": "2015-12-20", "close-judicial_confirmation": "y"}).status_code == 302

    case = load(app, case_id)
    assert (case.status, case.outcome, case.closed_on, case.judicial_confirmation) == (
        "closed", "mediated", date(2015, 12, 20), True)
    page = text(client.get(f"/cases/{case_id}"))
    assert "2015-10-13" in deadline_row(page, "File or reject")
    close_row = deadline_row(page, "Close")
    # 3 months from 2015-10-12, plus the 10 days suspended
    assert "2016-01-22" in close_row and "+10 days suspended" in close_row and "2015-12-20" in close_row
    assert "专利行政执法办法" in close_row and "3个月内结案" in close_row
    for label in ("Documents served", "Hearing", "Suspended", "Resumed", "Closed", "口头审理"):
        assert label in page
    assert audit_actions(app, case_id) == ["create", "file", "event", "event", "suspend", "resume", "close"]
    assert "Work the case" in page  # closed cases still take events
    assert f"/cases/{case_id}/edit" not in page


def test_operator_opens_a_case_and_returns_to_the_call(app, as_user, create_call):
    call = create_call(region_code=REGION)
    client, _operator = as_user("operator", "430000")
    page = text(client.get(f"/cases/from-call/{call.id}"))
    response = client.post(f"/cases/from-call/{call.id}", data=new_case_form(
        version=hidden_version(page), case_type="counterfeit", received_on=date.today().isoformat(),
        source="hotline_call"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/calls/{call.id}")
    assert case_count(app) == 1


def test_open_from_call_twice_is_a_conflict(app, as_user, create_call):
    call = create_call(region_code=REGION)
    client, _officer = as_user("officer")
    page = text(client.get(f"/cases/from-call/{call.id}"))
    form = new_case_form(version=hidden_version(page), received_on=date.today().isoformat())
    assert client.post(f"/cases/from-call/{call.id}", data=form).status_code == 302
    response = client.post(f"/cases/from-call/{call.id}", data=form)
    assert response.status_code == 409
    assert "请求人称被请求人销售的电饭煲" in text(response)  # the input is kept
    assert case_count(app) == 1


def test_open_a_case_directly(app, as_user):
    client, officer = as_user("officer")
    page = text(client.get("/cases/new"))
    assert 'value="430100" selected' in page or 'selected value="430100"' in page
    response = client.post("/cases/new", data=new_case_form(case_type="counterfeit", source="inspection",
                                                            is_major="y", amount_involved="3,000.5"))
    assert response.status_code == 302
    case = load(app, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert (case.case_type, case.source, case.is_major, str(case.amount_involved)) == (
        "counterfeit", "inspection", True, "3000.50")
    assert case.patent_number == "201710601862.3" and case.patent_type == "invention"
    assert case.created_by_id == officer.id


def test_edit_is_a_patch_of_what_changed(app, as_user, crew, make_case):
    case_id = make_case(crew.officers[0])
    client, _officer = as_user(user=crew.officers[0])
    page = text(client.get(f"/cases/{case_id}/edit"))
    assert 'value="12500.00"' in page
    form = {name: value for name, value in new_case_form(version=hidden_version(page)).items()
            if name not in ("case_type", "region_code")}
    form.update(respondent_name="长沙某某电器有限公司", amount_involved="12500.00", patent_number="",
                requester_name="", summary="请求人称被请求人销售的产品落入其实用新型专利保护范围")
    assert client.post(f"/cases/{case_id}/edit", data=form).status_code == 302
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == case_id,
                                                            AuditEvent.action == "update")).one()
        assert set(event.changes) == {"respondent_name"}
    assert load(app, case_id).respondent_name == "长沙某某电器有限公司"


def test_the_legal_representative_through_the_forms(app, as_user):
    """An organization's 法定代表人 is kept, shown and edited; a person's is refused with the input kept."""
    client, _officer = as_user("officer")
    response = client.post("/cases/new", data=new_case_form(
        respondent_name="长沙某某电器有限公司", respondent_kind="organization", respondent_legal_rep="王五"))
    assert response.status_code == 302
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert load(app, case_id).respondent_legal_rep == "王五"
    assert "<dt>Legal representative</dt><dd>王五</dd>" in text(client.get(f"/cases/{case_id}"))
    page = text(client.get(f"/cases/{case_id}/edit"))
    form = {name: value for name, value in new_case_form(version=hidden_version(page)).items()
            if name not in ("case_type", "region_code")}
    form.update(respondent_name="长沙某某电器有限公司", respondent_kind="person", respondent_legal_rep="王五")
    refused = client.post(f"/cases/{case_id}/edit", data=form)
    assert refused.status_code == 422
    assert "Only an organization has a legal representative" in text(refused)
    assert 'value="王五"' in text(refused)
    assert load(app, case_id).respondent_kind == "organization"


# ---------------------------------------------------------------------------------------------------------------
# bad input: 422 and nothing saved


def test_two_officers_for_a_dispute_is_refused(app, as_user, crew, make_case):
    case_id = make_case(crew.officers[0])
    client, _officer = as_user(user=crew.officers[0])
    version = hidden_version(text(client.get(f"/cases/{case_id}")), "file")
    response = client.post(f"/cases/{case_id}/actions/file", data={
        "file-version": version, "file-filed_on": "2015-10-12", "file-officer_ids": [o.id for o in crew.officers[:2]]})
    assert response.status_code == 422
    page = text(response)
    assert "3 or more officers, an odd number" in page
    assert 'value="2015-10-12"' in page  # the input is kept
    case = load(app, case_id)
    assert case.status == "received" and case.officers == [] and case.version == version
    assert audit_actions(app, case_id) == ["create"]


def test_closing_before_the_filing_date_is_refused(app, as_user, crew, make_case):
    case_id = make_case(crew.officers[0], filed_on="2015-10-12", officers=crew.officers)
    client, _officer = as_user(user=crew.officers[0])
    version = hidden_version(text(client.get(f"/cases/{case_id}")), "close")
    response = client.post(f"/cases/{case_id}/actions/close", data={
        "close-version": version, "close-outcome": "withdrawn", "close-closed_on": "2015-10-01"})
    assert response.status_code == 422
    assert "Cannot be before the filing date." in text(response)
    assert load(app, case_id).status == "filed"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("amount_involved", "-5", "Must not be negative."),
    ("amount_involved", "12.345", "At most two decimals"),
    ("amount_involved", "abc", "Not an amount of money."),
    ("received_on", "2015-13-45", "Not a valid date value."),
    ("received_on", "yesterday", "Not a valid date value."),
    ("received_on", "1999-12-31", "Dates before 2000"),
    ("received_on", (date.today() + timedelta(days=3)).isoformat(), "Cannot be in the future."),
    ("patent_number", "ZL123", "patent"),
    ("summary", "", "A summary is required."),
    ("case_type", "bogus", "Not a valid choice"),
    ("region_code", "430000", "Not a valid choice"),
    ("respondent_legal_rep", "李" * 51, "Field cannot be longer than 50 characters"),
])
def test_new_case_bad_input(app, as_user, field, value, message):
    client, _officer = as_user("officer")
    response = client.post("/cases/new", data=new_case_form(**{field: value}))
    assert response.status_code == 422
    page = text(response)
    assert message.lower() in page.lower()
    assert "The case was not opened" in page
    assert case_count(app) == 0


def test_city_officer_cannot_open_a_case_for_another_region(app, as_user):
    client, _officer = as_user("officer")
    response = client.post("/cases/new", data=new_case_form(region_code=OTHER_REGION))
    assert response.status_code == 422
    assert case_count(app) == 0


@pytest.mark.parametrize(("name", "data", "message"), [
    ("close", {"close-outcome": "penalized", "close-closed_on": "2015-12-01"}, "Not a valid choice"),
    ("close", {"close-outcome": "mediated", "close-closed_on": "2015-12-32"}, "Not a valid date value"),
    ("close", {"close-outcome": "withdrawn", "close-closed_on": "2015-12-01", "close-judicial_confirmation": "y"},
     "Judicial confirmation applies to a mediation agreement only"),
    ("suspend", {"suspend-on": "2015-11-01", "suspend-reason": ""}, "Say why the case is suspended"),
    ("suspend", {"suspend-on": "2015-10-01", "suspend-reason": "x"}, "Cannot be before the filing date"),
    ("extend", {"extend-months": "1"}, "Required."),  # a request says why
    ("extend", {"extend-months": "2", "extend-reason": "案情复杂"}, "at most 1 month(s)"),
    ("extend", {"extend-months": "-1"}, "Number must be between 0 and 120"),
    ("extend", {"extend-months": "0", "extend-reason": "案情复杂"}, "positive whole number"),
    ("extend", {"extend-months": "x"}, "Not a valid integer value"),
])
def test_action_bad_input(app, as_user, crew, make_case, name, data, message):
    case_id = make_case(crew.officers[0], filed_on="2015-10-12", officers=crew.officers)
    client, _officer = as_user(user=crew.officers[0])
    version = load(app, case_id).version
    response = client.post(f"/cases/{case_id}/actions/{name}", data={f"{name}-version": version, **data})
    assert response.status_code == 422
    assert message in text(response)
    case = load(app, case_id)
    assert case.version == version and case.status == "filed" and case.extensions == []
    assert pending_approvals(app, case_id) == []


def pending_approvals(app, case_id: int) -> list[int]:
    from hotline.approvals.models import Approval

    with app.app_context():
        return list(db.session.scalars(select(Approval.id).where(Approval.case_id == case_id,
                                                                    Approval.status == "pending")))


def approve(app, client, case_id: int, **changes):
    """The supervisor approves the case's one pending request through the approval page (with ``changes``)."""
    [approval_id] = pending_approvals(app, case_id)
    page = text(client.get(f"/approvals/{approval_id}"))
    data = {"version": hidden_version(page), "decision": "approve", **changes}
    response = client.post(f"/approvals/{approval_id}/decision", data=data)
    assert response.status_code == 302, text(response)
    return approval_id


def test_event_bad_input(app, as_user, crew, make_case):
    case_id = make_case(crew.officers[0], filed_on="2015-10-12", officers=crew.officers)
    client, _officer = as_user(user=crew.officers[0])
    for data, message in (({"event-kind": "closed", "event-occurred_on": "2015-11-01"}, "Not a valid choice"),
                          ({"event-kind": "hearing", "event-occurred_on": ""}, "Give the date."),
                          ({"event-kind": "hearing", "event-occurred_on": "2015-09-01"}, "before the receipt date")):
        response = client.post(f"/cases/{case_id}/events", data={"event-version": "1", **data})
        assert response.status_code == 422, data
        assert message in text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.kind == "hearing")) == 0


def test_missing_or_garbled_version_is_422(app, as_user, crew, make_case):
    case_id = make_case(crew.officers[0], filed_on="2015-10-12", officers=crew.officers)
    client, _officer = as_user(user=crew.officers[0])
    for version in ("", "abc"):
        response = client.post(f"/cases/{case_id}/actions/suspend", data={
            "suspend-version": version, "suspend-on": "2015-11-01", "suspend-reason": "原因"})
        assert response.status_code == 422
    assert load(app, case_id).status == "filed"


# ---------------------------------------------------------------------------------------------------------------
# conflicts: 409 with the input kept


def test_stale_version_is_409_and_keeps_the_input(app, as_user, crew, make_case):
    case_id = make_case(crew.officers[0], filed_on="2015-10-12", officers=crew.officers)
    client, _officer = as_user(user=crew.officers[0])
    stale = hidden_version(text(client.get(f"/cases/{case_id}")), "suspend")
    bump(app, case_id, crew.officers[1])

    response = client.post(f"/cases/{case_id}/actions/suspend", data={
        "suspend-version": stale, "suspend-on": "2015-11-25", "suspend-reason": "当事人申请中止审理"})
    assert response.status_code == 409
    page = text(response)
    assert "Someone else changed this case meanwhile" in page
    assert "当事人申请中止审理" in page and 'value="2015-11-25"' in page
    current = load(app, case_id)
    assert current.status == "filed"
    # the form now carries the current version: submitting again is a deliberate decision
    fresh = hidden_version(page, "suspend")
    assert fresh == current.version != stale
    response = client.post(f"/cases/{case_id}/actions/suspend", data={
        "suspend-version": fresh, "suspend-on": "2015-11-25", "suspend-reason": "当事人申请中止审理"})
    assert response.status_code == 302
    assert load(app, case_id).status == "suspended"


def test_stale_edit_is_409_and_keeps_the_input(app, as_user, crew, make_case):
    case_id = make_case(crew.officers[0])
    client, _officer = as_user(user=crew.officers[0])
    page = text(client.get(f"/cases/{case_id}/edit"))
    bump(app, case_id, crew.officers[1])
    form = {name: value for name, value in new_case_form(version=hidden_version(page)).items()
            if name not in ("case_type", "region_code")}
    form["summary"] = "我改过的案情摘要"
    response = client.post(f"/cases/{case_id}/edit", data=form)
    assert response.status_code == 409
    assert "我改过的案情摘要" in text(response)
    assert load(app, case_id).summary != "我改过的案情摘要"


def test_action_not_allowed_in_this_status_is_409(app, as_user, crew, make_case):
    case_id = make_case(crew.officers[0], filed_on="2015-10-12", officers=crew.officers)
    client, _officer = as_user(user=crew.officers[0])
    version = load(app, case_id).version
    response = client.post(f"/cases/{case_id}/actions/file", data={
        "file-version": version, "file-filed_on": "2015-10-12", "file-officer_ids": [o.id for o in crew.officers]})
    assert response.status_code == 409
    assert "Cannot file a case in status 'filed'." in text(response)
    response = client.post(f"/cases/{case_id}/actions/resume", data={"resume-version": version,
                                                                      "resume-on": "2015-11-01"})
    assert response.status_code == 409
    assert load(app, case_id).version == version


def test_detail_offers_only_the_actions_the_status_allows(app, as_user, crew, make_case):
    client, _officer = as_user(user=crew.officers[0])
    received = text(client.get(f"/cases/{make_case(crew.officers[0])}"))
    assert 'id="action-file"' in received and 'id="action-reject"' in received
    assert 'id="action-close"' not in received and 'id="action-event"' not in received
    filed = text(client.get(f"/cases/{make_case(crew.officers[0], filed_on='2015-10-12', officers=crew.officers)}"))
    for name in ("suspend", "extend", "close", "event"):
        assert f'id="action-{name}"' in filed
    assert 'id="action-file"' not in filed and 'id="action-resume"' not in filed
    assert "3 or more officers" in received and "at most 1 month(s)" in filed


def test_counterfeit_close_and_publish_through_the_forms(app, as_user, crew, make_case):
    """The officer's penalty decision and publication are requests; each takes effect when the supervisor
    approves it on the approval page."""
    case_id = make_case(crew.officers[0], case_type="counterfeit", filed_on="2015-10-12", officers=crew.officers[:2])
    client, _officer = as_user(user=crew.officers[0])
    supervisor, _ = as_user(user=crew.supervisor)
    page = text(client.get(f"/cases/{case_id}"))
    assert "Fine (yuan)" in page and "Judicial confirmation" not in page and "approved_by_id" not in page
    response = client.post(f"/cases/{case_id}/actions/close", data={
        "close-version": hidden_version(page, "close"), "close-outcome": "penalized",
        "close-closed_on": "2015-11-02", "close-fine_amount": "20000", "close-confiscated_amount": "1234.5",
        "close-penalty_basis": "专利法第六十三条"}, follow_redirects=True)
    assert response.status_code == 200 and "Sent for approval" in text(response)
    assert load(app, case_id).status == "filed"  # nothing changes until the supervisor approves
    page = text(response)
    assert "Penalty decision request" in page and "Pending" in page and 'id="action-close"' not in page
    approve(app, supervisor, case_id)
    assert load(app, case_id).status == "closed"
    page = text(client.get(f"/cases/{case_id}"))
    assert "¥20,000.00" in page and "¥1,234.50" in page
    assert "2015-11-30" in deadline_row(page, "Publish the penalty decision")  # 20 working days
    assert "Submit for approval" in page.split('id="action-publish"', 1)[1].split("</form>", 1)[0]
    response = client.post(f"/cases/{case_id}/actions/publish", data={
        "publish-version": hidden_version(page, "publish"), "publish-published_on": "2015-11-10",
        "publish-url": "ftp://example.org"})
    assert response.status_code == 422 and "http(s) address" in text(response)
    assert client.post(f"/cases/{case_id}/actions/publish", data={
        "publish-version": hidden_version(page, "publish"), "publish-published_on": "2015-11-10",
        "publish-url": "https://www.hnipo.gov.cn/notice/1"}).status_code == 302
    assert load(app, case_id).published_on is None
    approve(app, supervisor, case_id)
    case = load(app, case_id)
    assert case.close_approved_by_id == crew.supervisor.id
    assert case.published_on == date(2015, 11, 10) and case.publish_approved_by_id == crew.supervisor.id


def test_counterfeit_extension_is_in_days(app, as_user, crew, make_case):
    case_id = make_case(crew.officers[0], case_type="counterfeit", filed_on="2015-10-12", officers=crew.officers[:2])
    client, _officer = as_user(user=crew.officers[0])
    page = text(client.get(f"/cases/{case_id}"))
    assert 'name="extend-days"' in page and 'name="extend-months"' not in page
    response = client.post(f"/cases/{case_id}/actions/extend", data={
        "extend-version": hidden_version(page, "extend"), "extend-days": "20", "extend-reason": "案情复杂"})
    assert response.status_code == 422
    assert "at most 15 days" in text(response).split('id="extend-days"', 1)[1]
    assert client.post(f"/cases/{case_id}/actions/extend", data={
        "extend-version": hidden_version(page, "extend"), "extend-days": "15",
        "extend-reason": "案情复杂"}).status_code == 302
    supervisor, _ = as_user(user=crew.supervisor)
    approve(app, supervisor, case_id)
    # one month from 2015-10-12, plus 15 days
    assert load(app, case_id).close_due_on == date(2015, 11, 27)


def test_extension_through_the_form(app, as_user, crew, make_case):
    case_id = make_case(crew.officers[0], filed_on="2015-10-12", officers=crew.officers)
    client, _officer = as_user(user=crew.officers[0])
    page = text(client.get(f"/cases/{case_id}"))
    assert "Submit for approval" in page.split('id="action-extend"', 1)[1].split("</form>", 1)[0]
    assert client.post(f"/cases/{case_id}/actions/extend", data={
        "extend-version": hidden_version(page, "extend"), "extend-months": "1",
        "extend-reason": "案情复杂"}).status_code == 302
    assert load(app, case_id).extensions == []
    supervisor, _ = as_user(user=crew.supervisor)
    approve(app, supervisor, case_id)
    page = text(client.get(f"/cases/{case_id}"))
    # 2016-01-12 + 1 month = 2016-02-12, in the Spring Festival; Sunday 2016-02-14 was a make-up working day
    row = deadline_row(page, "Close")
    assert "2016-02-14" in row and "+1 month extension" in row and "moved from 2016-02-12" in row
    assert "approved by 科长" in page
    assert load(app, case_id).close_due_on == date(2016, 2, 14)
    assert 'id="action-extend"' not in page  # the rule's maximum is used up


# ---------------------------------------------------------------------------------------------------------------
# due page, calendar, list


def test_due_page_lists_an_overdue_case(app, as_user, crew, make_case):
    overdue_id = make_case(crew.officers[0], filed_on="2015-10-12", officers=crew.officers)
    unfiled_id = make_case(crew.officers[1], respondent_name="未立案的被请求人")
    today = date.today()
    fresh_id = make_case(crew.officers[0], received_on=today.isoformat(), respondent_name="今天收到的请求",
                         filed_on=today.isoformat(), officers=crew.officers)
    not_mine = make_case(crew.officers[1], filed_on="2015-10-12", officers=[crew.officers[1], crew.officers[2],
                                                                             crew.supervisor])
    elsewhere = make_case(crew.outsider, region_code=OTHER_REGION, respondent_name="株洲的被请求人")

    client, _officer = as_user(user=crew.officers[0])
    page = text(client.get("/due"))
    overdue = page.split('id="due-overdue"', 1)[1].split("</section>", 1)[0]
    assert f"/cases/{overdue_id}" in overdue
    assert f"/cases/{unfiled_id}" in overdue  # not filed yet: every officer of the region sees it
    assert f"/cases/{not_mine}" not in page
    assert f"/cases/{elsewhere}" not in page
    assert f"/cases/{fresh_id}" not in overdue

    supervisor, _ = as_user(user=crew.supervisor)
    page = text(supervisor.get("/due?scope=region"))
    assert f"/cases/{not_mine}" in page and f"/cases/{overdue_id}" in page and f"/cases/{elsewhere}" not in page


def test_due_page_lists_open_major_cases(app, as_user, crew, make_case):
    major_id = make_case(crew.officers[0], is_major=True, respondent_name="督办案件被请求人")
    minor_id = make_case(crew.officers[0])
    client, _officer = as_user(user=crew.officers[0])
    major = text(client.get("/due")).split('id="due-major"', 1)[1]
    assert f"/cases/{major_id}" in major and f"/cases/{minor_id}" not in major


def test_month_calendar_shows_hearings_deadlines_and_day_kinds(app, as_user, crew, make_case):
    from hotline.accounts.models import User
    from hotline.cases.operations import add_event

    case_id = make_case(crew.officers[0], filed_on="2015-10-12", officers=crew.officers)
    with app.app_context():
        add_event(db.session.get(Case, case_id), {"kind": "hearing", "occurred_on": "2015-11-20", "note": "口头审理"},
                  actor=db.session.get(User, crew.officers[0].id))
        db.session.commit()
    number = load(app, case_id).case_number
    client, _officer = as_user(user=crew.officers[0])

    page = text(client.get("/cases/calendar?month=2015-11"))
    assert "Hearing" in page and number in page and "口头审理" in page
    page = text(client.get("/cases/calendar?month=2016-01"))
    assert number in page and "Close" in page and "overdue" in page  # due 2016-01-12
    assert 'class="day kind-holiday off' in page  # 元旦
    page = text(client.get("/cases/calendar?month=2015-10"))
    assert "kind-makeup_workday" in page  # Saturday 2015-10-10 was worked
    assert number not in text(client.get("/cases/calendar?month=2015-12"))
    for bad in ("2015-13", "abc", "1999-01", "2015-1-1-1"):
        response = client.get(f"/cases/calendar?month={bad}")
        assert response.status_code == 200 and "showing this month" in text(response)


def test_month_calendar_reports_a_missing_year(as_user):
    client, _officer = as_user("officer")
    response = client.get("/cases/calendar?month=2027-03")
    assert response.status_code == 200
    assert "no data for 2027" in text(response)


def test_list_filters_and_columns(app, as_user, crew, make_case):
    overdue_id = make_case(crew.officers[0], filed_on="2015-10-12", officers=crew.officers,
                           respondent_name="株洲某某机械厂")
    today = date.today().isoformat()
    fresh_id = make_case(crew.officers[1], received_on=today, respondent_name="湘潭某某电器", is_major=True)
    client, _officer = as_user(user=crew.officers[0])

    page = text(client.get("/cases"))
    assert f"/cases/{overdue_id}" in page and f"/cases/{fresh_id}" in page
    assert "办案员1, 办案员2, 办案员3" in page and "Patent infringement dispute" in page and "长沙市" in page
    assert "due-overdue" in page  # the overdue deadline is shown in red

    def ids(query: str) -> set[int]:
        html = text(client.get(f"/cases?{query}"))
        return {i for i in (overdue_id, fresh_id) if f'href="/cases/{i}"' in html}

    assert ids("overdue=y") == {overdue_id}
    assert ids("major=y") == {fresh_id}
    assert ids("mine=y") == {overdue_id}
    assert ids("status=received") == {fresh_id}
    assert ids("q=湘潭") == {fresh_id}
    assert ids("filed_from=2015-10-01&filed_to=2015-10-31") == {overdue_id}
    assert ids("case_type=counterfeit") == set()
    # bad filters never fail the page
    for query in ("filed_from=2015-99-01", "status=bogus", "filed_from=2016-01-01&filed_to=2015-01-01",
                  "cursor=garbage", "q=%00", "page_size=-3"):
        assert client.get(f"/cases?{query}").status_code == 200, query
    assert "no longer valid" in text(client.get("/cases?cursor=garbage"))


def test_list_pages_with_a_cursor(app, as_user, crew, make_case):
    ids = [make_case(crew.officers[0], received_on=f"2015-09-{day:02d}") for day in range(10, 15)]
    client, _officer = as_user(user=crew.officers[0])
    first = text(client.get("/cases?page_size=2"))
    match = re.search(r'href="(/cases\?[^"]*cursor=[^"]+)" rel="next"', first)
    assert match
    second = text(client.get(unescape(match.group(1))))
    assert f"/cases/{ids[4]}" in first and f"/cases/{ids[2]}" in second and f"/cases/{ids[4]}" not in second


# ---------------------------------------------------------------------------------------------------------------
# evidence


def test_upload_and_download_evidence(app, as_user, crew, make_case):
    pytest.importorskip("hotline.cases.attachments")
    from io import BytesIO

    case_id = make_case(crew.officers[0], filed_on="2015-10-12", officers=crew.officers)
    client, _officer = as_user(user=crew.officers[0])
    content = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = client.post(f"/cases/{case_id}/attachments", content_type="multipart/form-data", data={
        "attachment-file": (BytesIO(content), "现场检查笔录.pdf"), "attachment-description": "现场检查笔录"})
    assert response.status_code == 302
    page = text(client.get(f"/cases/{case_id}"))
    match = re.search(rf'href="(/cases/{case_id}/attachments/(\d+))">现场检查笔录.pdf', page)
    assert match
    with client.get(match.group(1)) as download:
        assert download.status_code == 200 and download.get_data() == content
        assert download.headers["Content-Disposition"].startswith("attachment")

    outsider, _ = as_user(user=crew.outsider)
    assert outsider.get(match.group(1)).status_code == 404
    other_case = make_case(crew.officers[0])
    assert client.get(f"/cases/{other_case}/attachments/{match.group(2)}").status_code == 404

    response = client.post(f"/cases/{case_id}/attachments", content_type="multipart/form-data",
                           data={"attachment-description": "没有文件"})
    assert response.status_code == 422 and "Choose a file to upload." in text(response)


def test_refused_upload_is_422_and_stores_nothing(app, as_user, crew, make_case):
    pytest.importorskip("hotline.cases.attachments")
    from io import BytesIO

    from hotline.cases.models import Attachment

    case_id = make_case(crew.officers[0])
    client, _officer = as_user(user=crew.officers[0])
    response = client.post(f"/cases/{case_id}/attachments", content_type="multipart/form-data", data={
        "attachment-file": (BytesIO(b"MZ\x90\x00" + b"\x00" * 60), "证据.pdf"), "attachment-description": "x"})
    assert response.status_code == 422
    page = text(response)
    assert "Windows program" in page and 'id="upload-form"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_operator_cannot_upload(as_user, crew, make_case):
    from io import BytesIO

    case_id = make_case(crew.officers[0])
    client, _operator = as_user("operator", "430000")
    response = client.post(f"/cases/{case_id}/attachments", content_type="multipart/form-data",
                           data={"attachment-file": (BytesIO(b"%PDF-1.4\n"), "a.pdf")})
    assert response.status_code == 403
