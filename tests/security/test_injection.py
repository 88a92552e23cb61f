"""Input that tries to be code: search and filters (SQL, LIKE wildcards, backslashes, NUL), fields a client may not
set (mass assignment), and hostile uploads through the web form and the API."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from hotline.extensions import db
from tests.security.conftest import OTHER_REGION, PDF_BYTES, REGION, issue_raw_token, login_client

#: Texts whose search must find exactly the rows that contain them literally.
TEXTS = {
    "plain": "普通来电 alpha",
    "percent": "打折 100% 的产品",
    "underscore": "型号 a_b 的产品",
    "backslash": "路径 c:\\temp 的产品",
    "quote": "O'Brien 公司的产品",
}
#: query → the TEXTS keys it may find (literal substring match).
QUERIES = {
    "' OR 1=1 --": [],
    "' OR '1'='1": [],
    "\" OR \"\"=\"": [],
    "1; DROP TABLE calls; --": [],
    "%": ["percent"],
    "_": ["underscore"],
    "%%": [],
    "a_b": ["underscore"],
    "\\": ["backslash"],
    "c:\\temp": ["backslash"],
    "O'Brien": ["quote"],
    "alpha\x00": ["plain"],
    "\x00": "any",
    "[a-z]*": [],
    "*": [],
}


@pytest.fixture
def searchable(app, staff):
    """One call and one case of 长沙 per text (plus a 株洲 twin of each call); returns {key: (call_id, case_id)}."""
    from hotline.accounts.models import User
    from hotline.calls.operations import record_call
    from hotline.cases.operations import create_case

    users = staff.operator, staff.officer, staff.other["operator"]
    ids = {}
    with app.app_context():
        operator, officer, other = (db.session.get(User, u.id) for u in users)
        for key, text in TEXTS.items():
            call = record_call({"received_at": datetime.now(UTC) - timedelta(minutes=5), "channel": "phone",
                                "request_type": "complaint", "region_code": REGION, "summary": text},
                               actor=operator)
            record_call({"received_at": datetime.now(UTC) - timedelta(minutes=5), "channel": "phone",
                         "request_type": "complaint", "region_code": OTHER_REGION, "summary": text}, actor=other)
            case = create_case({"case_type": "infringement_dispute", "region_code": REGION,
                                "received_on": "2015-09-30", "source": "request", "summary": text,
                                "respondent_name": text}, actor=officer)
            ids[key] = (call.id, case.id)
        db.session.commit()
    return ids


def _expected(searchable, keys, index):
    if keys == "any":
        return None
    return {searchable[k][index] for k in keys}


def test_search_is_literal_on_every_list(app, staff, searchable):
    """The same queries on the web lists and the API lists: no error, exactly the rows holding the text."""
    web_operator, web_officer = login_client(app, staff.operator), login_client(app, staff.officer)
    call_ids = {v[0]: k for k, v in searchable.items()}
    with app.app_context():
        from hotline.calls.models import Call

        refs = dict(db.session.execute(sa.select(Call.ref, Call.id).where(Call.region_code == REGION)).all())
    api = app.test_client()
    operator_token = {"Authorization": f"Bearer {issue_raw_token(app, staff.operator)}"}
    officer_token = {"Authorization": f"Bearer {issue_raw_token(app, staff.officer)}"}
    problems = []
    for query, keys in QUERIES.items():
        want_calls, want_cases = _expected(searchable, keys, 0), _expected(searchable, keys, 1)
        found = {}
        page = web_operator.get("/calls", query_string={"q": query})
        found["web calls"] = (page.status_code, {refs[r] for r in re.findall(r"HL-\d{4}-\d{6}", page.text)
                                                 if r in refs}, want_calls)
        page = web_officer.get("/cases", query_string={"q": query})
        found["web cases"] = (page.status_code, {int(i) for i in re.findall(r'href="/cases/(\d+)"', page.text)},
                              want_cases)
        answer = api.get("/api/v1/calls", query_string={"q": query}, headers=operator_token)
        found["api calls"] = (answer.status_code, {c["id"] for c in (answer.get_json() or {}).get("items", [])},
                              want_calls)
        answer = api.get("/api/v1/cases", query_string={"q": query}, headers=officer_token)
        found["api cases"] = (answer.status_code, {c["id"] for c in (answer.get_json() or {}).get("items", [])},
                              want_cases)
        for where, (status, got, want) in found.items():
            if status >= 500 or (status == 200 and want is not None and got != want):
                problems.append(f"{where} q={query!r}: {status}, got {sorted(got)}, want {sorted(want or ())}")
            elif status not in (200, 422):
                problems.append(f"{where} q={query!r}: {status}")
            elif where.startswith("api") and want is not None and status != 200:
                problems.append(f"{where} q={query!r}: refused with {status}")
    assert not problems, "\n".join(problems)
    assert set(call_ids)  # the fixture made rows to find


HOSTILE_FILTERS = [
    {"region_code": "' OR 1=1 --"}, {"status": "open' --"}, {"request_type": "%"}, {"channel": "\\"},
    {"date_from": "2015-01-01' OR '1'='1"}, {"date_to": "\x00"}, {"cursor": "' OR 1=1 --"},
    {"cursor": "\x00\x00"}, {"page_size": "-1"}, {"page_size": "999999999999999999999"},
    {"filed_from": "'; --"}, {"case_type": "counterfeit' OR 'x'='x"}, {"overdue": "' OR 1=1"},
    {"received_from": "' OR 1=1 --"}, {"officer_id": "1 OR 1=1"}, {"role": "admin' --"},
    {"region_code": OTHER_REGION},
]


def test_filters_refuse_or_ignore_injection(app, staff, searchable):
    """Filters with hostile values: the web ignores them (or says so), the API answers 422; never an error, and
    never another region's rows."""
    web = login_client(app, staff.supervisor)
    token = {"Authorization": f"Bearer {issue_raw_token(app, staff.supervisor)}"}
    api = app.test_client()
    own_calls, own_cases = {v[0] for v in searchable.values()}, {v[1] for v in searchable.values()}
    wrong = []
    for params in HOSTILE_FILTERS:
        for url in ("/calls", "/cases"):
            page = web.get(url, query_string=params)
            if page.status_code != 200:
                wrong.append(f"{url} {params!r}: {page.status_code}")
        for url, own in (("/api/v1/calls", own_calls), ("/api/v1/cases", own_cases), ("/api/v1/users", None)):
            answer = api.get(url, query_string=params, headers=token)
            if answer.status_code not in (200, 422):
                wrong.append(f"{url} {params!r}: {answer.status_code}")
            elif answer.status_code == 200 and own is not None and not {
                    item["id"] for item in answer.get_json()["items"]} <= own:
                wrong.append(f"{url} {params!r}: another region's rows")
    assert not wrong, "\n".join(wrong)


def test_nul_and_control_characters_never_cause_an_error(app, staff, world):
    """NUL cannot be stored in PostgreSQL text: every input path cleans or refuses it (422), never a 500."""
    nul = "a\x00b"
    web_operator, web_officer = login_client(app, staff.operator), login_client(app, staff.officer)
    token = {"Authorization": f"Bearer {issue_raw_token(app, staff.operator)}"}
    officer_token = {"Authorization": f"Bearer {issue_raw_token(app, staff.officer)}"}
    anonymous, api = app.test_client(), app.test_client()
    attempts = {
        "login": lambda: anonymous.post("/login", data={"username": nul, "password": nul}),
        "lookup": lambda: web_operator.get("/calls/lookup", query_string={"phone": nul, "accused_party": nul,
                                                                           "patent_number": nul}),
        "intake": lambda: web_operator.post("/calls/new", data={
            "received_at": "2015-05-28T09:15", "channel": "phone", "request_type": "complaint",
            "region_code": REGION, "summary": nul, "caller_name": nul, "caller_phone": nul, "accused_party": nul}),
        "case search": lambda: web_officer.get("/cases", query_string={"q": nul}),
        "api intake": lambda: api.post("/api/v1/calls", headers=token, json={
            "received_at": "2015-05-28T09:15:00+08:00", "channel": "phone", "request_type": "complaint",
            "region_code": REGION, "summary": nul, "caller_name": nul, "caller_phone": "13812345678",
            "accused_party": nul}),
        "api patch": lambda: api.patch(f"/api/v1/calls/{world.call.id}", headers=token,
                                       json={"summary": nul, "version": 1}),
        "api history": lambda: api.get("/api/v1/callers/138%0012345678/history", headers=token),
        "api case": lambda: api.post("/api/v1/cases", headers=officer_token, json={
            "case_type": "counterfeit", "region_code": REGION, "received_on": "2015-09-30", "summary": nul,
            "respondent_name": nul}),
        "api task": lambda: api.get("/api/v1/tasks/%00", headers=officer_token),
        "api month": lambda: api.get("/api/v1/stats/monthly/2015-0%00", headers=officer_token),
        "token name": lambda: web_operator.post("/tokens", data={"name": nul}),
        "language next": lambda: anonymous.post("/language/en", data={"next": "/calls\x00"}),
    }
    failed = {}
    for name, attempt in attempts.items():
        response = attempt()
        if response.status_code >= 500:
            failed[name] = response.status_code
    assert not failed
    with app.app_context():
        for table in ("calls", "callers", "cases", "api_tokens", "login_failures"):
            rows = db.session.execute(sa.text(f"SELECT * FROM {table}")).all()  # noqa: S608 - fixed names
            assert not [r for r in rows if any(isinstance(v, str) and "\x00" in v for v in r)], table


# ---------------------------------------------------------------------------------------------------------------
# Mass assignment


#: (method, url, fields merged into a valid body): fields no client may set.
FORBIDDEN_FIELDS = [
    ("POST", "/api/v1/calls", {"status": "closed"}),
    ("POST", "/api/v1/calls", {"operator_id": 1}),
    ("POST", "/api/v1/calls", {"ref": "HL-2015-999999"}),
    ("POST", "/api/v1/calls", {"region_code": OTHER_REGION}),
    ("PATCH", "/api/v1/calls/{call}", {"status": "closed"}),
    ("PATCH", "/api/v1/calls/{call}", {"id": 999}),
    ("PATCH", "/api/v1/calls/{call}", {"operator_id": 1}),
    ("PATCH", "/api/v1/calls/{call}", {"region_code": OTHER_REGION}),
    ("PATCH", "/api/v1/cases/{case}", {"status": "closed"}),
    ("PATCH", "/api/v1/cases/{case}", {"case_number": "伪造"}),
    ("PATCH", "/api/v1/cases/{case}", {"region_code": OTHER_REGION}),
    ("POST", "/api/v1/cases", {"status": "closed"}),
    ("POST", "/api/v1/cases", {"region_code": OTHER_REGION}),
]


def test_fields_a_client_may_not_set_are_refused(app, staff, world):
    """Unknown fields and another office's region: 422, and the records stay as they were."""
    valid = {
        "POST /api/v1/calls": {"received_at": "2015-05-28T09:15:00+08:00", "channel": "phone",
                               "request_type": "complaint", "region_code": REGION, "summary": "举报"},
        "POST /api/v1/cases": {"case_type": "counterfeit", "region_code": REGION, "received_on": "2015-09-30",
                               "summary": "假冒专利"},
    }
    tokens = {role: {"Authorization": f"Bearer {issue_raw_token(app, staff.get(role))}"}
              for role in ("operator", "officer")}
    call_id, case_id = world.call.id, world.case.id
    accepted = []
    for method, url, fields in FORBIDDEN_FIELDS:
        base = valid.get(f"{method} {url}", {"version": 1})
        answer = app.test_client().open(url.format(call=call_id, case=case_id), method=method, json={**base, **fields},
                                        headers=tokens["officer" if "/cases" in url else "operator"])
        if answer.status_code != 422:
            accepted.append(f"{method} {url} {fields}: {answer.status_code}")
    assert not accepted
    with app.app_context():
        from hotline.calls.models import Call
        from hotline.cases.models import Case

        call, case = db.session.get(Call, call_id), db.session.get(Case, case_id)
        assert (call.status, call.region_code, call.version) == ("open", REGION, 1)
        assert (case.status, case.region_code, case.case_number) == ("received", REGION, None)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Call)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 1


def test_web_forms_ignore_fields_they_do_not_have(app, staff, world):
    """An edit form posted with extra fields (status, operator, region of another office) changes none of them."""
    client = login_client(app, staff.operator)
    page = client.get(f"/calls/{world.call.id}/edit").text
    fields = dict(re.findall(r'<input[^>]*name="([\w-]+)"[^>]*value="([^"]*)"', page))
    fields.update({"summary": "改过的摘要", "status": "closed", "operator_id": "1", "ref": "HL-2015-999999",
                   "channel": "phone", "request_type": "complaint", "region_code": OTHER_REGION})
    response = client.post(f"/calls/{world.call.id}/edit", data=fields)
    assert response.status_code in (302, 422)
    with app.app_context():
        from hotline.calls.models import Call

        call = db.session.get(Call, world.call.id)
        assert call.status == "open" and call.region_code == REGION and call.ref != "HL-2015-999999"
        assert call.operator_id == staff.operator.id


# ---------------------------------------------------------------------------------------------------------------
# Uploads

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
LONG = "证" * 150 + "a" * 150 + ".pdf"

#: (label, file name, content, the name shown (or a check of it), None when refused)
UPLOADS = [
    ("path traversal", "../../x.pdf", PDF_BYTES, "x.pdf"),
    # multipart quoting eats the backslashes on the way; whatever arrives, no separator survives
    ("windows path", "C:\\Users\\op\\..\\evil.pdf", PDF_BYTES, lambda name: name.endswith("evil.pdf")),
    ("nul in name", "evil\x00.pdf", PDF_BYTES, "evil.pdf"),
    ("300 characters", LONG, PDF_BYTES, lambda name: len(name) <= 255 and name.endswith("a.pdf")),
    ("unicode", "现场检查笔录(第1页).pdf", PDF_BYTES, "现场检查笔录(第1页).pdf"),
    ("right-to-left override", "invoice\u202efdp.exe", PDF_BYTES, None),
    ("html named pdf", "report.pdf", HTML, None),
    ("svg named pdf", "image.pdf", SVG, None),
    ("program named pdf", "scan.pdf", EXE, None),
    ("pdf named html", "page.html", PDF_BYTES, None),
    ("empty", "empty.pdf", b"", None),
    ("dot file", ".htaccess", PDF_BYTES, lambda name: not name.startswith(".")),
]


def _stored_files(app) -> set[str]:
    return {p.name for p in Path(app.config["HOTLINE_UPLOAD_DIR"]).iterdir()}


def _send(app, staff, world, route: str, name: str, content: bytes):
    if route == "web":
        client = login_client(app, staff.officer)
        return client.post(f"/cases/{world.case.id}/attachments", content_type="multipart/form-data",
                           data={"attachment-file": FileStorage(io.BytesIO(content), filename=name)})
    token = {"Authorization": f"Bearer {issue_raw_token(app, staff.officer)}"}
    return app.test_client().post(f"/api/v1/cases/{world.case.id}/attachments", headers=token,
                                  content_type="multipart/form-data",
                                  data={"file": FileStorage(io.BytesIO(content), filename=name)})


@pytest.mark.parametrize("route", ["web", "api"])
@pytest.mark.parametrize(("label", "name", "content", "shown"), UPLOADS, ids=[u[0] for u in UPLOADS])
def test_hostile_uploads_are_refused_or_sanitized(app, staff, world, tmp_path, route, label, name, content, shown):
    from hotline.cases.models import Attachment

    case_id = world.case.id
    before = _stored_files(app)
    response = _send(app, staff, world, route, name, content)
    with app.app_context():
        rows = db.session.scalars(sa.select(Attachment).where(Attachment.case_id == case_id)).all()
        rows = [(a.id, a.original_name, a.stored_name) for a in rows]
    after = _stored_files(app)
    if shown is None:
        assert response.status_code == 422, (label, response.status_code)
        assert not rows and after == before
        return
    assert response.status_code == (302 if route == "web" else 201), (label, response.status_code)
    (attachment_id, original_name, stored_name), = rows
    assert after - before == {stored_name}
    assert re.fullmatch(r"[0-9a-f]{32,64}", stored_name)
    assert not (Path(app.config["HOTLINE_UPLOAD_DIR"]).parent / "x.pdf").exists()
    assert shown(original_name) if callable(shown) else original_name == shown, original_name
    assert "/" not in original_name and "\\" not in original_name and "\x00" not in original_name
    download = login_client(app, staff.officer).get(f"/cases/{case_id}/attachments/{attachment_id}")
    disposition = download.headers["Content-Disposition"]
    assert download.mimetype == "application/pdf" and disposition.startswith("attachment;")
    assert not re.search(r"[\r\n\x00]", disposition) and "../" not in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()


@pytest.mark.parametrize("route", ["web", "api"])
def test_an_oversize_upload_is_refused(app, staff, world, monkeypatch, route):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    before = _stored_files(app)
    response = _send(app, staff, world, route, "big.pdf", PDF_BYTES + b"0" * 8192)
    assert response.status_code == 413
    assert "Traceback" not in response.get_data(as_text=True)
    assert _stored_files(app) == before
