"""Calls UI: intake, live lookup, list, detail, actions, edit, reveal; roles, masking and region scoping."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from hotline.calls.models import Call, Caller
from hotline.core.models import AuditEvent
from hotline.extensions import db

BEIJING = ZoneInfo("Asia/Shanghai")
VALID_PATENT = "201710601862.3"


def local_input(dt: datetime) -> str:
    return dt.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M")


def intake(**overrides) -> dict:
    data = {
        "caller_phone": "138 1234 5678",
        "caller_name": "张三",
        "request_type": "complaint",
        "channel": "phone",
        "ip_type": "patent",
        "region_code": "430100",
        "accused_party": "长沙某某贸易有限公司",
        "patent_number": "",
        "summary": "商场销售的电饭煲涉嫌假冒专利",
        "description": "",
        "product": "电饭煲",
        "place": "",
        "duration_seconds": "3:20",
        "exhibition_name": "",
        "received_at": local_input(datetime.now(UTC) - timedelta(minutes=3)),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def field_block(html: str, name: str) -> str:
    """The rendered <div class="field"> that holds the input named ``name``."""
    blocks = re.split(r'(?=<div class="field )', html)
    for block in blocks:
        if f'name="{name}"' in block:
            return block
    raise AssertionError(f"no field {name}")


def call_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Call))


def get_call(app, call_id: int) -> Call:
    with app.app_context():
        call = db.session.get(Call, call_id)
        db.session.expunge(call)
        return call


def events(app, call_id: int, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        stmt = select(AuditEvent).where(AuditEvent.object_type == "call", AuditEvent.object_id == call_id)
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        rows = list(db.session.scalars(stmt.order_by(AuditEvent.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def bump_version(app, call_id: int, summary: str = "别人改过的摘要") -> None:
    """Someone else edits the call in the meantime."""
    from hotline.accounts.models import User
    from hotline.calls.operations import update_call

    with app.app_context():
        call = db.session.get(Call, call_id)
        other = db.session.scalar(select(User).where(User.role == "operator"))
        update_call(call, {"summary": summary}, actor=other, expected_version=call.version)
        db.session.commit()


@pytest.fixture
def as_user(app, create_user):
    """``as_user(role, region, lang="en") -> (client, user)``: a fresh client logged in as a new user.

    Tests read English messages (``lang=None`` keeps the default, Chinese), so they hold once catalogs exist.
    """

    def factory(role: str = "operator", region_code: str = "430000", lang: str | None = "en"):
        from tests.factories import PASSWORD

        user = create_user(role, region_code)
        client = app.test_client()
        if lang:
            assert client.post(f"/language/{lang}").status_code == 302
        response = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302
        return client, user

    return factory


# ---------------------------------------------------------------------------------------------------------------
# intake


def test_intake_form_defaults_for_a_prefecture_operator(as_user):
    client, _ = as_user("operator", "430100")
    response = client.get("/calls/new")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    phone = field_block(html, "caller_phone")
    assert "autofocus" in phone
    assert 'type="tel"' in phone
    assert re.search(r'<option selected value="430100">|<option value="430100" selected', html)
    assert re.search(r'<option selected value="phone">|<option value="phone" selected', html)
    received = re.search(r'name="received_at"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="received_at"', html)
    shown = datetime.strptime(received.group(1), "%Y-%m-%dT%H:%M").replace(tzinfo=BEIJING)
    assert abs(shown - datetime.now(UTC)) < timedelta(minutes=2)
    # Keyboard: shortcuts are shown, the script is an external file, nothing inline runs.
    assert "<kbd>Alt</kbd>+<kbd>P</kbd>" in html
    assert "data-fresh" in html  # a new form: typing starts the call timer and sets the time received
    assert "<kbd>Ctrl</kbd>+<kbd>Enter</kbd>" in html
    assert re.search(r'<script src="/static/js/intake.js" nonce="[^"]+"', html)
    assert not re.search(r"\son[a-z]+=", html)
    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r'id="intake-strings" nonce="([^"]+)"', html).group(1)
    assert f"'nonce-{nonce}'" in csp
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_show_chinese_labels(as_user, create_call):
    # The product default (zh_CN) is checked in tests/test_app.py; the suite's own default is English.
    call = create_call(region_code="430100", request_type="complaint", channel="wechat")
    client, _ = as_user("operator", "430100", lang="zh_CN")
    html = client.get("/calls/new").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert ">投诉</option>" in html
    assert ">电话</option>" in html
    assert ">长沙市</option>" in html
    html = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "投诉" in html
    assert "微信" in html
    response = client.post("/calls/new", data=intake(channel="pigeon"))
    assert "不是有效的选择" in field_block(text(response), "channel")  # WTForms' own messages are translated


def test_intake_tab_order_follows_the_spoken_order(as_user):
    client, _ = as_user("operator", "430100")
    html = client.get("/calls/new").get_data(as_text=True)
    # The intake form's own fields (the top bar's number search comes before it on every page; the phone field
    # has the focus when the page opens). cti_call_id is hidden (set by the pick-up of a ringing call).
    form = html[html.index('id="call-form"'):html.index("</form>", html.index('id="call-form"'))]
    names = re.findall(r'<(?:input|select|textarea)[^>]*\sname="([a-z_]+)"', form)
    fields = [n for n in names if n not in ("csrf_token", "next", "cti_call_id")]
    assert fields == ["caller_phone", "caller_name", "anonymous", "request_type", "channel", "ip_type",
                      "region_code", "accused_party", "patent_number", "summary", "description", "product",
                      "place", "duration_seconds", "exhibition_name", "received_at", "answer_text", "answer_id"]
    assert "tabindex=\"1" not in html  # no positive tabindex fighting the document order


def test_intake_province_operator_must_choose_the_region(app, as_user):
    client, _ = as_user("operator", "430000")
    html = client.get("/calls/new").get_data(as_text=True)
    assert re.search(r'<option selected value="">', html)
    response = client.post("/calls/new", data=intake(region_code=""))
    assert response.status_code == 422
    assert "The region is required for a report, complaint or aid request" in field_block(
        text(response), "region_code")
    assert call_count(app) == 0


def test_intake_saves_and_redirects_to_a_fresh_form(app, as_user):
    client, user = as_user("operator", "430100")
    response = client.post("/calls/new", data=intake(patent_number="ZL 2017 1060 1862.3"))
    assert response.status_code == 302
    assert response.location == "/calls/new"
    page = client.get(response.location)
    html = page.get_data(as_text=True)
    with app.app_context():
        call = db.session.scalar(select(Call))
        assert call.caller.phone_key == "+8613812345678"
        assert call.caller_phone_raw == "138 1234 5678"
        assert call.patent_number == VALID_PATENT
        assert call.duration_seconds == 200
        assert call.operator_id == user.id
        assert call.received_at.tzinfo is not None
        assert call.region_code == "430100"
        ref, call_id = call.ref, call.id
    assert re.fullmatch(r"HL-\d{4}-\d{6}", ref)
    assert f'Logged <a href="/calls/{call_id}">{ref}</a>.' in html
    # The next call starts with an empty form.
    assert 'value="138 1234 5678"' not in html
    created = events(app, call_id, "create")
    assert len(created) == 1
    assert created[0].actor_id == user.id
    assert created[0].changes["caller_phone_raw"][1] == "138****5678"  # audited masked


def test_intake_received_time_is_beijing_time(app, as_user):
    client, _ = as_user("operator", "430100")
    response = client.post("/calls/new", data=intake(received_at="2025-06-01T00:30"))
    assert response.status_code == 302
    with app.app_context():
        call = db.session.scalar(select(Call))
        assert call.received_at == datetime(2025, 5, 31, 16, 30, tzinfo=UTC)
        assert call.ref.startswith("HL-2025-")


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"caller_phone": "1381234567"}, "caller_phone", "A mobile number has 11 digits; this one has 10."),
    ({"caller_phone": "138-abc"}, "caller_phone", "Phone numbers may contain only digits"),
    ({"patent_number": "201710601862.4"}, "patent_number", "Check digit mismatch"),
    ({"summary": "  "}, "summary", "A summary is required."),
    ({"duration_seconds": "abc"}, "duration_seconds", "Give minutes:seconds"),
    ({"received_at": "yesterday"}, "received_at", "Not a valid datetime value."),
    ({"received_at": ""}, "received_at", "Give the date and time the call came in."),
    ({"channel": "pigeon"}, "channel", "Not a valid choice."),
    ({"anonymous": "y"}, "caller_phone", "An anonymous call has no caller number"),
])
def test_intake_invalid_input_is_a_field_error_and_saves_nothing(app, as_user, overrides, field, message):
    client, _ = as_user("operator", "430100")
    response = client.post("/calls/new", data=intake(**overrides))
    assert response.status_code == 422
    html = text(response)
    block = field_block(html, field)
    assert "has-error" in block
    assert message in block
    assert "The call was not saved" in html
    assert "data-fresh" not in html  # a re-rendered form keeps the time and the timer it had
    assert 'value="长沙某某贸易有限公司"' in html  # the rest of the input is kept
    assert call_count(app) == 0


def test_intake_errors_from_the_operation_land_on_the_field(app, as_user):
    """The form cannot know 'in the future': the operation says so, and the view maps it to the field."""
    client, _ = as_user("operator", "430100")
    future = local_input(datetime.now(UTC) + timedelta(hours=2))
    response = client.post("/calls/new", data=intake(received_at=future))
    assert response.status_code == 422
    assert "cannot be in the future" in field_block(text(response), "received_at")
    assert call_count(app) == 0


def test_intake_anonymous_call_without_number_is_accepted(app, as_user):
    client, _ = as_user("operator", "430100")
    response = client.post("/calls/new", data=intake(caller_phone="", caller_name="", anonymous="y"))
    assert response.status_code == 302
    with app.app_context():
        call = db.session.scalar(select(Call))
        assert call.is_anonymous is True
        assert call.caller_id is None
        assert db.session.scalar(select(func.count()).select_from(Caller)) == 0


def test_intake_without_number_and_not_anonymous_is_accepted(app, as_user):
    """A letter or a web form may come without a number; the caller is simply not linked."""
    client, _ = as_user("operator", "430100")
    assert client.post("/calls/new", data=intake(caller_phone="", channel="letter")).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Call.caller_id)) is None


def test_prefecture_operator_cannot_log_a_call_for_another_region(app, as_user):
    client, _ = as_user("operator", "430200")
    response = client.post("/calls/new", data=intake(region_code="430100"))
    assert response.status_code == 422
    assert "Not a valid choice." in field_block(text(response), "region_code")
    assert call_count(app) == 0


@pytest.mark.parametrize(("role", "status"), [("operator", 302), ("supervisor", 302), ("officer", 403),
                                              ("admin", 403)])
def test_intake_roles(app, as_user, role, status):
    client, _ = as_user(role, "430100")
    assert client.get("/calls/new").status_code == (200 if status == 302 else 403)
    assert client.post("/calls/new", data=intake()).status_code == status
    assert call_count(app) == (1 if status == 302 else 0)


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/calls/new")
    assert response.status_code == 302
    assert "/login" in response.location
    assert client.post("/calls/new", data=intake()).status_code == 302
    assert client.get("/calls").status_code == 302
    json = client.get("/calls/lookup?phone=13812345678", headers={"Accept": "application/json"})
    assert json.status_code == 401


# ---------------------------------------------------------------------------------------------------------------
# lookup


def test_lookup_shows_the_callers_earlier_calls(as_user, create_call):
    client, user = as_user("operator", "430100")
    first = create_call(caller_phone="13812345678", caller_name="张三", summary="第一次来电")
    second = create_call(caller_phone="+86 138-1234-5678", summary="第二次来电")
    create_call(caller_phone="13900001111", summary="别人")
    data = client.get("/calls/lookup", query_string={"phone": "138 1234 5678"}).get_json()
    assert data["phone"] == {"valid": True, "display": "13812345678", "type": "mobile"}
    assert data["history"]["total"] == 2
    assert [c["ref"] for c in data["history"]["calls"]] == [second.ref, first.ref]
    assert data["history"]["calls"][1]["summary"] == "第一次来电"
    assert data["history"]["calls"][1]["url"] == f"/calls/{first.id}"
    assert data["history"]["calls"][1]["caller_name"] == "张三"
    # Each earlier call is listed once: among the number's calls, marked as a possible duplicate.
    assert data["duplicates"] == []
    assert all(c["reasons"] == ["same_number"] for c in data["history"]["calls"])
    assert data["known_name"] == "张三"


def test_lookup_for_a_new_number(as_user, create_call):
    client, _ = as_user("operator", "430100")
    create_call(caller_phone="13812345678")
    data = client.get("/calls/lookup", query_string={"phone": "13900001111"}).get_json()
    assert data["phone"]["valid"] is True
    assert data["history"] == {"total": 0, "calls": []}
    assert data["duplicates"] == []


def test_lookup_flags_same_accused_party_and_patent_number(as_user, create_call):
    client, _ = as_user("operator", "430100")
    by_party = create_call(accused_party="长沙某某贸易有限公司", summary="A")
    by_patent = create_call(patent_number=VALID_PATENT, summary="B")
    both = create_call(accused_party="长沙某某贸易有限公司", patent_number=VALID_PATENT, summary="C")
    create_call(accused_party="别的公司", summary="D")
    data = client.get("/calls/lookup", query_string={
        "phone": "", "accused_party": "长沙 某某贸易（有限公司）", "patent_number": "ZL2017 1060 18623"}).get_json()
    reasons = {d["ref"]: d["reasons"] for d in data["duplicates"]}
    assert reasons == {
        by_party.ref: ["same_accused_party"],
        by_patent.ref: ["same_patent_number"],
        both.ref: ["same_accused_party", "same_patent_number"],
    }
    labels = {d["ref"]: d["reason_labels"] for d in data["duplicates"]}
    assert labels[both.ref] == ["same accused party", "same patent number"]
    assert data["patent"] == {"valid": True, "normalized": VALID_PATENT}


def test_lookup_ignores_calls_older_than_90_days(as_user, create_call):
    client, _ = as_user("operator", "430100")
    create_call(accused_party="老公司", received_at=datetime.now(UTC) - timedelta(days=91))
    recent = create_call(accused_party="老公司", received_at=datetime.now(UTC) - timedelta(days=89))
    data = client.get("/calls/lookup", query_string={"accused_party": "老公司"}).get_json()
    assert [d["ref"] for d in data["duplicates"]] == [recent.ref]


def test_lookup_reports_an_invalid_number_without_failing(as_user):
    client, _ = as_user("operator", "430100")
    response = client.get("/calls/lookup", query_string={"phone": "1381234567", "patent_number": "2017106018624"})
    assert response.status_code == 200
    data = response.get_json()
    assert data["phone"] == {"valid": False, "error": "A mobile number has 11 digits; this one has 10."}
    assert data["patent"]["valid"] is False
    assert "Check digit mismatch" in data["patent"]["error"]
    assert data["history"]["total"] == 0


def test_lookup_suggests_the_region_from_a_landline_area_code(as_user):
    client, _ = as_user("operator", "430000")
    data = client.get("/calls/lookup", query_string={"phone": "0734-8123456"}).get_json()
    assert data["region_hint"] == {"code": "430400", "name": "衡阳市"}
    # 0731 is shared by 长沙, 株洲 and 湘潭: no guess.
    data = client.get("/calls/lookup", query_string={"phone": "0731-84567890"}).get_json()
    assert data["region_hint"] is None


def test_lookup_masks_personal_data_for_officers(as_user, create_call):
    create_call(caller_phone="13812345678", caller_name="张三丰", accused_party="某公司")
    officer, _ = as_user("officer", "430100")
    data = officer.get("/calls/lookup", query_string={"phone": "13812345678"}).get_json()
    assert data["phone"]["display"] == "138****5678"
    entry = data["history"]["calls"][0]
    assert entry["caller_number"] == "138****5678"
    assert entry["caller_name"] == "张**"
    assert "13812345678" not in officer.get("/calls/lookup", query_string={"accused_party": "某公司"}).get_data(
        as_text=True)
    operator, _ = as_user("operator", "430100")
    entry = operator.get("/calls/lookup", query_string={"phone": "13812345678"}).get_json()["history"]["calls"][0]
    assert entry["caller_number"] == "13812345678"
    assert entry["caller_name"] == "张三丰"


def test_lookup_is_region_scoped(as_user, create_call):
    create_call(caller_phone="13812345678", accused_party="某公司", region_code="430100")
    client, _ = as_user("operator", "430200")
    data = client.get("/calls/lookup", query_string={"phone": "13812345678", "accused_party": "某公司"}).get_json()
    assert data["history"] == {"total": 0, "calls": []}
    assert data["duplicates"] == []


def test_lookup_excludes_the_call_being_edited(as_user, create_call):
    client, _ = as_user("operator", "430100")
    older = create_call(caller_phone="13812345678")
    edited = create_call(caller_phone="13812345678")
    data = client.get("/calls/lookup", query_string={"phone": "13812345678", "exclude": edited.id}).get_json()
    assert data["history"]["total"] == 1
    assert [c["ref"] for c in data["history"]["calls"]] == [older.ref]
    assert data["duplicates"] == []
    assert data["history"]["calls"][0]["reasons"]


def test_lookup_uses_one_query_per_list(app, as_user, create_call):
    client, _ = as_user("operator", "430100")
    for i in range(5):
        create_call(caller_phone="13812345678", accused_party="某公司", summary=f"第{i}次")
    from sqlalchemy import event

    statements = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT") and "calls" in statement:
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        data = client.get("/calls/lookup", query_string={"phone": "13812345678", "accused_party": "某公司"}).get_json()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert data["history"]["total"] == 5
    assert data["duplicates"] == []  # all five are the number's earlier calls, listed once there
    assert all(c["reasons"] == ["same_number", "same_accused_party"] for c in data["history"]["calls"])
    assert len([s for s in statements if "FROM calls" in s]) == 3  # history, count, duplicates


# ---------------------------------------------------------------------------------------------------------------
# list


def test_list_masks_callers_for_non_operators(as_user, create_call):
    create_call(caller_phone="13812345678", caller_name="张三丰", region_code="430100")
    officer, _ = as_user("officer", "430100")
    html = officer.get("/calls").get_data(as_text=True)
    assert "138****5678" in html
    assert "张**" in html
    assert "13812345678" not in html
    assert "张三丰" not in html
    operator, _ = as_user("operator", "430100")
    html = operator.get("/calls").get_data(as_text=True)
    assert "13812345678" in html
    assert "张三丰" in html


@pytest.mark.parametrize(("role", "status"), [("operator", 200), ("officer", 200), ("supervisor", 200),
                                              ("admin", 403)])
def test_list_roles(as_user, role, status):
    client, _ = as_user(role, "430100")
    assert client.get("/calls").status_code == status


def test_list_is_region_scoped(as_user, create_call):
    mine = create_call(region_code="430200", summary="株洲的来电")
    theirs = create_call(region_code="430100", summary="长沙的来电")
    client, _ = as_user("officer", "430200")
    html = client.get("/calls").get_data(as_text=True)
    assert mine.ref in html
    assert theirs.ref not in html
    # A prefecture user filters by its own region and its counties only, and a forged one does not widen the scope.
    assert 'value="430202"' in html and 'value="430100"' not in html
    assert theirs.ref not in client.get("/calls?region_code=430100").get_data(as_text=True)
    province, _ = as_user("officer", "430000")
    html = province.get("/calls").get_data(as_text=True)
    assert mine.ref in html
    assert theirs.ref in html
    assert 'name="region_code"' in html
    html = province.get("/calls?region_code=430100").get_data(as_text=True)
    assert theirs.ref in html
    assert mine.ref not in html


def test_list_keyset_pagination_carries_the_filters(as_user, create_call):
    now = datetime.now(UTC)
    calls = [create_call(received_at=now - timedelta(minutes=10 * i), request_type="report") for i in range(5)]
    create_call(request_type="consultation")
    client, _ = as_user("operator", "430000")
    seen, url, pages = [], "/calls?request_type=report&page_size=2", 0
    while url:
        page = client.get(url)
        assert page.status_code == 200
        html = unescape(page.get_data(as_text=True))
        refs = re.findall(r'<a href="/calls/\d+">(HL-\d{4}-\d{6})</a>', html)
        seen.extend(refs)
        pages += 1
        if pages > 1:
            first = re.search(r'<a href="([^"]+)" rel="first">', html).group(1)
            assert parse_qs(urlsplit(first).query) == {"request_type": ["report"], "page_size": ["2"]}
        match = re.search(r'<a href="([^"]+)" rel="next">', html)
        url = match.group(1) if match else None
        if url:
            query = parse_qs(urlsplit(url).query)
            assert query["request_type"] == ["report"]
            assert query["page_size"] == ["2"]
            assert query["cursor"]
    assert pages == 3
    assert seen == [c.ref for c in calls]  # newest first, no gaps, no repeats


def test_list_filters(as_user, create_call):
    june = create_call(received_at=datetime(2025, 5, 31, 16, 30, tzinfo=UTC), channel="wechat")  # 06-01 Beijing
    may = create_call(received_at=datetime(2025, 5, 31, 15, 30, tzinfo=UTC), summary="五月的电饭煲")
    client, _ = as_user("operator", "430000")

    def refs(query):
        response = client.get("/calls", query_string=query)
        assert response.status_code == 200
        return set(re.findall(r"HL-\d{4}-\d{6}", response.get_data(as_text=True)))

    assert refs({"date_from": "2025-06-01", "date_to": "2025-06-01"}) == {june.ref}
    assert refs({"date_to": "2025-05-31"}) == {may.ref}
    assert refs({"channel": "wechat"}) == {june.ref}
    assert refs({"q": "电饭煲"}) == {may.ref}
    assert refs({"status": "closed"}) == set()
    assert refs({"status": "open", "ip_type": "patent"}) == {june.ref, may.ref}


def test_list_bad_filters_and_cursor_are_shown_not_500(as_user, create_call):
    call = create_call()
    client, _ = as_user("operator", "430000")
    response = client.get("/calls", query_string={"date_from": "not-a-date", "status": "bogus", "page_size": "x"})
    assert response.status_code == 200
    html = text(response)
    assert "Not a valid date value." in html
    assert "Not a valid choice." in html
    assert call.ref in html
    response = client.get("/calls", query_string={"cursor": "garbage!!"})
    assert response.status_code == 200
    assert "This page link is no longer valid" in text(response)
    assert call.ref in text(response)
    response = client.get("/calls", query_string={"date_from": "2025-06-02", "date_to": "2025-06-01"})
    assert "The end date is before the start date." in text(response)


@pytest.mark.parametrize("query", [
    {"date_from": "0001-01-01"},
    {"date_to": "9999-12-31"},
    {"cursor": base64.urlsafe_b64encode(b'["0001-01-01T00:00:00+01:00", 1]').decode()},
    {"cursor": base64.urlsafe_b64encode(b'["9999-12-31T23:59:59-01:00", 1]').decode()},
    {"cursor": base64.urlsafe_b64encode(b'["2025-06-01T00:00:00+08:00", 100000000000000000000]').decode()},
])
def test_list_far_away_dates_and_cursors_are_not_500(as_user, create_call, query):
    call = create_call()
    client, _ = as_user("operator", "430000")
    response = client.get("/calls", query_string=query)
    assert response.status_code == 200
    html = text(response)
    assert call.ref in html
    assert "Choose a date between 2000 and 2099." in html or "This page link is no longer valid" in html


def test_list_search_with_control_characters(as_user, create_call):
    call = create_call(summary="电饭煲假冒专利")
    client, _ = as_user("operator", "430000")
    response = client.get("/calls", query_string={"q": "电饭\x00煲"})  # PostgreSQL refuses NUL in text
    assert response.status_code == 200
    assert call.ref in response.get_data(as_text=True)  # the control character is dropped, the words remain


# ---------------------------------------------------------------------------------------------------------------
# detail, masking, reveal


def test_detail_shows_the_call_history_and_timeline(as_user, create_call):
    client, _ = as_user("operator", "430100")
    earlier = create_call(caller_phone="13812345678", summary="上个月来过电话")
    call = create_call(caller_phone="13812345678", caller_name="张三", accused_party="某公司",
                       patent_number=VALID_PATENT, product="电饭煲", description="第一行\n第二行", duration_seconds=200)
    response = client.get(f"/calls/{call.id}")
    assert response.status_code == 200
    html = text(response)
    for expected in (call.ref, "张三", "13812345678", "某公司", f"ZL{VALID_PATENT}", "电饭煲", "第一行\n第二行",
                     "3:20", "长沙市", "Complaint", "Open"):
        assert expected in html
    assert f'<a href="/calls/{earlier.id}">{earlier.ref}</a>' in html
    assert "上个月来过电话" in html
    assert "Logged" in html  # the create event in the timeline
    assert response.headers["Cache-Control"] == "no-store"


def test_detail_masks_the_caller_for_officers(as_user, create_call):
    call = create_call(caller_phone="13812345678", caller_name="张三丰")
    officer, _ = as_user("officer", "430100")
    html = text(officer.get(f"/calls/{call.id}"))
    assert "138****5678" in html
    assert "张**" in html
    assert "13812345678" not in html
    assert "张三丰" not in html
    assert f'action="/calls/{call.id}/reveal"' in html
    assert f'action="/calls/{call.id}/transfer"' not in html  # officers read calls, they do not handle them


def test_reveal_shows_the_full_caller_once_and_is_audited(app, as_user, create_call):
    call = create_call(caller_phone="13812345678", caller_name="张三丰")
    officer, user = as_user("officer", "430100")
    response = officer.post(f"/calls/{call.id}/reveal")
    assert response.status_code == 200
    html = text(response)
    assert "13812345678" in html
    assert "张三丰" in html
    assert "has been logged" in html
    assert response.headers["Cache-Control"] == "no-store"
    revealed = events(app, call.id, "reveal_caller")
    assert len(revealed) == 1
    assert revealed[0].actor_id == user.id
    # Once: the next page view is masked again.
    assert "13812345678" not in text(officer.get(f"/calls/{call.id}"))


def test_reveal_is_for_roles_that_see_masked_data(as_user, create_call):
    call = create_call(caller_phone="13812345678")
    operator, _ = as_user("operator", "430100")
    assert operator.post(f"/calls/{call.id}/reveal").status_code == 403
    admin, _ = as_user("admin", "430100")
    assert admin.post(f"/calls/{call.id}/reveal").status_code == 403
    officer, _ = as_user("officer", "430100")
    assert officer.get(f"/calls/{call.id}/reveal").status_code == 405


@pytest.mark.parametrize(("method", "path", "data"), [
    ("get", "", None),
    ("get", "/edit", None),
    ("post", "/edit", {"summary": "x", "version": "1"}),
    ("post", "/transfer", {"transfer-to_agency": "公安机关", "transfer-version": "1"}),
    ("post", "/status", {"status-status": "answered", "status-version": "1"}),
    ("post", "/feedback", {"feedback-method": "phone", "feedback-note": "已答复", "feedback-version": "1"}),
    ("post", "/duplicate", {"duplicate-duplicate_of": "", "duplicate-version": "1"}),
    ("post", "/reveal", {}),
])
def test_other_regions_calls_are_not_found(app, as_user, create_call, method, path, data):
    call = create_call(region_code="430100", caller_phone="13812345678")
    client, _ = as_user("supervisor", "430200")
    response = getattr(client, method)(f"/calls/{call.id}{path}", data=data)
    assert response.status_code == 404
    assert call.ref not in response.get_data(as_text=True)
    after = get_call(app, call.id)
    assert after.version == call.version
    assert after.status == "open"
    assert [e.action for e in events(app, call.id)] == ["create"]


def test_missing_call_is_not_found(as_user, create_call):
    create_call(caller_phone="13812345678")
    client, _ = as_user("supervisor", "430000")
    assert client.get("/calls/999999").status_code == 404
    huge = 10**20  # beyond BIGINT: still a plain 404, not a database error
    assert client.get(f"/calls/{huge}").status_code == 404
    assert client.get(f"/calls/{huge}/edit").status_code == 404
    assert client.post(f"/calls/{huge}/transfer", data={}).status_code == 404
    lookup = client.get("/calls/lookup", query_string={"phone": "13812345678", "exclude": huge})
    assert lookup.status_code == 200
    assert lookup.get_json()["history"]["total"] == 1


# ---------------------------------------------------------------------------------------------------------------
# actions


def test_transfer_to_an_office_moves_the_call_and_shows_old_and_new(app, as_user, create_call):
    call = create_call(region_code="430100")
    client, _ = as_user("operator", "430000")
    response = client.post(f"/calls/{call.id}/transfer", data={
        "transfer-to_region": "430200", "transfer-note": "属株洲管辖", "transfer-version": call.version})
    assert response.status_code == 302
    assert response.location == f"/calls/{call.id}"
    after = get_call(app, call.id)
    assert after.region_code == "430200"
    assert after.status == "transferred"
    assert after.transferred_to_region_code == "430200"
    html = text(client.get(response.location))
    assert f"{call.ref} transferred to 株洲市." in html
    timeline = html[html.index('class="timeline"'):]
    assert "<del>长沙市</del> → 株洲市" in timeline
    assert "<del>Open</del> → Transferred" in timeline
    assert "属株洲管辖" in timeline
    # The 株洲 office now sees it; 长沙 no longer does.
    zhuzhou, _ = as_user("officer", "430200")
    assert zhuzhou.get(f"/calls/{call.id}").status_code == 200
    changsha, _ = as_user("officer", "430100")
    assert changsha.get(f"/calls/{call.id}").status_code == 404


def test_transfer_out_of_ones_own_region_returns_to_the_list(app, as_user, create_call):
    call = create_call(region_code="430100")
    client, _ = as_user("supervisor", "430100")
    response = client.post(f"/calls/{call.id}/transfer", data={
        "transfer-to_region": "430300", "transfer-version": call.version})
    assert response.status_code == 302
    assert response.location == "/calls"
    assert get_call(app, call.id).region_code == "430300"


def test_transfer_to_an_agency(app, as_user, create_call):
    call = create_call(region_code="430100")
    client, _ = as_user("operator", "430100")
    response = client.post(f"/calls/{call.id}/transfer", data={
        "transfer-to_agency": "长沙市公安局", "transfer-version": call.version})
    assert response.status_code == 302
    after = get_call(app, call.id)
    assert after.transferred_to_agency == "长沙市公安局"
    assert after.region_code == "430100"


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Choose a 市州 office or name an agency."),
    ({"transfer-to_region": "430200", "transfer-to_agency": "公安"}, "not both"),
    ({"transfer-to_region": "430000"}, "Not a valid choice."),
])
def test_transfer_needs_exactly_one_target(app, as_user, create_call, data, message):
    call = create_call(region_code="430100")
    client, _ = as_user("operator", "430000")
    response = client.post(f"/calls/{call.id}/transfer", data=dict(data, **{"transfer-version": call.version}))
    assert response.status_code == 422
    assert message in text(response)
    assert get_call(app, call.id).status == "open"


def test_stale_version_on_an_action_is_409_and_keeps_the_input(app, as_user, create_call):
    call = create_call(region_code="430100")
    client, _ = as_user("operator", "430100")
    client.get(f"/calls/{call.id}")
    bump_version(app, call.id)
    response = client.post(f"/calls/{call.id}/transfer", data={
        "transfer-to_agency": "长沙市公安局", "transfer-note": "我的备注", "transfer-version": call.version})
    assert response.status_code == 409
    html = text(response)
    assert "Someone else changed this call; your input is kept below." in html
    assert 'value="长沙市公安局"' in html
    assert "我的备注" in html
    assert "别人改过的摘要" in html  # the page shows the call as it is now
    form = html[html.index('id="transfer-form"'):]
    assert re.search(rf'name="transfer-version"[^>]*value="{call.version + 1}"', form)
    after = get_call(app, call.id)
    assert after.status == "open"
    assert after.transferred_to_agency is None


def test_status_answered_then_feedback_closes(app, as_user, create_call):
    call = create_call(region_code="430100", request_type="consultation")
    client, _ = as_user("operator", "430100")
    response = client.post(f"/calls/{call.id}/status", data={"status-status": "answered",
                                                             "status-version": call.version})
    assert response.status_code == 302
    assert get_call(app, call.id).status == "answered"
    version = get_call(app, call.id).version
    given = local_input(datetime.now(UTC) - timedelta(minutes=1))
    response = client.post(f"/calls/{call.id}/feedback", data={
        "feedback-method": "sms", "feedback-note": "已短信告知处理结果", "feedback-given_at": given,
        "feedback-version": version})
    assert response.status_code == 302
    after = get_call(app, call.id)
    assert after.status == "closed"
    assert after.feedback_method == "sms"
    assert after.closed_at is not None
    html = text(client.get(f"/calls/{call.id}"))
    assert "已短信告知处理结果" in html
    assert "Text message" in html
    assert [e.action for e in events(app, call.id)] == ["create", "status", "feedback"]


def test_not_accepted_needs_a_reason(app, as_user, create_call):
    call = create_call(region_code="430100")
    client, _ = as_user("supervisor", "430100")
    response = client.post(f"/calls/{call.id}/status", data={"status-status": "not_accepted",
                                                             "status-version": call.version})
    assert response.status_code == 422
    assert "Say why the call is not accepted." in text(response)
    response = client.post(f"/calls/{call.id}/status", data={
        "status-status": "not_accepted", "status-reason": "不属于知识产权事项", "status-version": call.version})
    assert response.status_code == 302
    after = get_call(app, call.id)
    assert after.status == "not_accepted"
    assert after.not_accepted_reason == "不属于知识产权事项"


def test_disallowed_status_change_is_409(app, as_user, create_call):
    call = create_call(region_code="430100")
    client, _ = as_user("operator", "430100")
    client.post(f"/calls/{call.id}/transfer", data={"transfer-to_agency": "公安", "transfer-version": call.version})
    version = get_call(app, call.id).version
    response = client.post(f"/calls/{call.id}/status", data={"status-status": "answered", "status-version": version})
    assert response.status_code == 409
    assert "cannot become" in text(response)
    assert get_call(app, call.id).status == "transferred"


def test_feedback_needs_a_note(app, as_user, create_call):
    call = create_call(region_code="430100")
    client, _ = as_user("operator", "430100")
    client.post(f"/calls/{call.id}/status", data={"status-status": "answered", "status-version": call.version})
    response = client.post(f"/calls/{call.id}/feedback", data={
        "feedback-method": "phone", "feedback-note": "", "feedback-version": get_call(app, call.id).version})
    assert response.status_code == 422
    assert "Say what the caller was told." in text(response)
    assert get_call(app, call.id).status == "answered"


def test_mark_duplicate_by_reference(app, as_user, create_call):
    original = create_call(region_code="430100", summary="原始来电")
    call = create_call(region_code="430100")
    client, _ = as_user("operator", "430100")
    response = client.post(f"/calls/{call.id}/duplicate", data={
        "duplicate-duplicate_of": original.ref.lower(), "duplicate-version": call.version})
    assert response.status_code == 302
    assert get_call(app, call.id).duplicate_of_id == original.id
    html = text(client.get(f"/calls/{original.id}"))
    assert f'<a href="/calls/{call.id}">{call.ref}</a>' in html  # listed under "duplicates of this call"
    # Unlink.
    response = client.post(f"/calls/{call.id}/duplicate", data={
        "duplicate-duplicate_of": "", "duplicate-version": get_call(app, call.id).version})
    assert response.status_code == 302
    assert get_call(app, call.id).duplicate_of_id is None


def test_mark_duplicate_only_finds_calls_in_ones_region(app, as_user, create_call):
    elsewhere = create_call(region_code="430200")
    call = create_call(region_code="430100")
    client, _ = as_user("operator", "430100")
    response = client.post(f"/calls/{call.id}/duplicate", data={
        "duplicate-duplicate_of": elsewhere.ref, "duplicate-version": call.version})
    assert response.status_code == 422
    assert f"There is no call {elsewhere.ref} in your region." in text(response)
    assert get_call(app, call.id).duplicate_of_id is None


def test_mark_duplicate_with_control_characters_is_a_field_error(app, as_user, create_call):
    call = create_call(region_code="430100")
    client, _ = as_user("operator", "430100")
    response = client.post(f"/calls/{call.id}/duplicate", data={
        "duplicate-duplicate_of": "HL-2026\x00-1", "duplicate-version": call.version})
    assert response.status_code == 422
    # NUL is refused by every form before its own checks run (it used to be dropped: "no call HL-2026-1").
    assert "Contains a character that is not allowed (NUL)." in text(response)


def test_officer_cannot_act_on_calls(app, as_user, create_call):
    call = create_call(region_code="430100")
    client, _ = as_user("officer", "430100")
    for path, data in (("/transfer", {"transfer-to_agency": "公安", "transfer-version": call.version}),
                       ("/status", {"status-status": "answered", "status-version": call.version})):
        assert client.post(f"/calls/{call.id}{path}", data=data).status_code == 403
    assert client.get(f"/calls/{call.id}/edit").status_code == 403
    assert get_call(app, call.id).status == "open"


def test_action_without_version_is_rejected(app, as_user, create_call):
    call = create_call(region_code="430100")
    client, _ = as_user("operator", "430100")
    response = client.post(f"/calls/{call.id}/status", data={"status-status": "answered"})
    assert response.status_code == 422
    assert "missing its version" in text(response)
    assert get_call(app, call.id).status == "open"


# ---------------------------------------------------------------------------------------------------------------
# edit


def test_edit_form_is_prefilled_and_saves_only_what_changed(app, as_user, create_call):
    received = datetime.now(UTC).replace(second=42, microsecond=0) - timedelta(hours=1)
    call = create_call(region_code="430100", caller_phone="13812345678", caller_name="张三", received_at=received,
                       duration_seconds=95)
    client, _ = as_user("operator", "430100")
    html = text(client.get(f"/calls/{call.id}/edit"))
    assert 'value="13812345678"' in html
    assert 'value="张三"' in html
    assert 'value="1:35"' in html
    assert re.search(rf'name="version"[^>]*value="{call.version}"', html) or re.search(
        rf'value="{call.version}"[^>]*name="version"', html)
    form = intake(caller_phone="13812345678", caller_name="张三", accused_party="", product="",
                  summary="改过的摘要", duration_seconds="1:35", received_at=local_input(received))
    form["version"] = call.version
    response = client.post(f"/calls/{call.id}/edit", data=form)
    assert response.status_code == 302
    assert response.location == f"/calls/{call.id}"
    after = get_call(app, call.id)
    assert after.summary == "改过的摘要"
    assert after.received_at == received  # seconds kept: the minute-precision input was not a change
    update = events(app, call.id, "update")
    assert len(update) == 1
    assert set(update[0].changes) == {"summary"}


def test_edit_nothing_changed(app, as_user, create_call):
    call = create_call(region_code="430100", ip_type=None)
    client, _ = as_user("operator", "430100")
    html = client.get(f"/calls/{call.id}/edit").get_data(as_text=True)
    data = {}
    for name, value in re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', html):
        data[name] = unescape(value)
    for name in ("request_type", "channel", "ip_type", "region_code"):
        select_html = html[html.index(f'name="{name}"'):]
        selected = re.search(r'<option selected value="([^"]*)"', select_html[:select_html.index("</select>")])
        data[name] = selected.group(1)
    data["summary"] = call.summary
    data.pop("anonymous", None)
    response = client.post(f"/calls/{call.id}/edit", data=data)
    assert response.status_code == 302
    assert "Nothing was changed." in text(client.get(response.location))
    assert events(app, call.id, "update") == []


def test_edit_stale_version_is_409_and_keeps_the_input(app, as_user, create_call):
    call = create_call(region_code="430100", summary="原来的摘要")
    client, _ = as_user("operator", "430100")
    bump_version(app, call.id, summary="别人的摘要")
    form = intake(summary="我的摘要", received_at=local_input(call.received_at), caller_phone="", caller_name="",
                  accused_party="", product="", duration_seconds="", ip_type="patent", request_type="complaint")
    form["version"] = call.version
    response = client.post(f"/calls/{call.id}/edit", data=form)
    assert response.status_code == 409
    html = text(response)
    assert "Someone else changed this call; your input is kept below." in html
    assert 'value="我的摘要"' in html
    assert "Saved now: 别人的摘要" in html
    assert re.search(rf'value="{call.version + 1}"', html)
    assert get_call(app, call.id).summary == "别人的摘要"
    # Saving again (now on the current version) is a deliberate overwrite.
    form["version"] = call.version + 1
    assert client.post(f"/calls/{call.id}/edit", data=form).status_code == 302
    assert get_call(app, call.id).summary == "我的摘要"


def test_edit_invalid_input_is_422(app, as_user, create_call):
    call = create_call(region_code="430100")
    client, _ = as_user("operator", "430100")
    form = intake(caller_phone="12", received_at=local_input(call.received_at))
    form["version"] = call.version
    response = client.post(f"/calls/{call.id}/edit", data=form)
    assert response.status_code == 422
    assert "has-error" in field_block(text(response), "caller_phone")
    assert events(app, call.id, "update") == []


def test_supervisor_edit_leaves_the_masked_caller_alone(app, as_user, create_call):
    call = create_call(region_code="430100", caller_phone="13812345678", caller_name="张三丰")
    client, _ = as_user("supervisor", "430100")
    html = text(client.get(f"/calls/{call.id}/edit"))
    assert 'name="caller_phone"' not in html
    assert "13812345678" not in html
    assert "张三丰" not in html
    assert "138****5678" in html
    form = intake(summary="主管修改", received_at=local_input(call.received_at), accused_party="", product="",
                  duration_seconds="")
    form.update(version=call.version, caller_phone="", caller_name="", anonymous="y")  # forged: ignored
    assert client.post(f"/calls/{call.id}/edit", data=form).status_code == 302
    after = get_call(app, call.id)
    assert after.summary == "主管修改"
    assert after.caller_name == "张三丰"
    assert after.is_anonymous is False
    assert after.caller_phone_raw == "13812345678"
