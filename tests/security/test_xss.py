"""Stored and reflected XSS: hostile text in every free-text field a user can fill is shown as text everywhere —
lists, detail pages, forms, flash messages, the intake lookup JSON, the public decision pages and the exports."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from markupsafe import escape
from werkzeug.datastructures import FileStorage

from hotline.extensions import db
from tests.security.conftest import CALLER_PHONE, PDF_BYTES, REGION, login_client
from tests.security.test_access_matrix import MATRIX, OK, build_url


def payload(tag: str) -> str:
    """A script tag, an attribute breakout and a template expression, marked with the field they went into."""
    return f"<script>alert('{tag}')</script>\"><img src=x onerror=alert('{tag}')>{{{{7*7}}}}"


#: What must never reach a page unescaped.
RAW = ("<script>alert(", "<img src=x onerror", "\"><img")


def shown_escaped(html: str, tag: str, whole: bool = True) -> bool:
    """The payload of ``tag`` is on the page as text (escaped markup, the template expression untouched); only its
    start where the page shortens long texts."""
    text = payload(tag) if whole else f"<script>alert('{tag}')"
    return str(escape(text)) in html


def raw_markup(html: str) -> list[str]:
    return [marker for marker in RAW if marker in html]


@pytest.fixture
def hostile(app, staff):
    """Records of 长沙 whose every free-text field holds ``payload(field)``; made through the operations."""
    from hotline.accounts.models import User
    from hotline.accounts.operations import issue_token, update_user
    from hotline.calls.operations import record_call
    from hotline.cases.attachments import store_attachment
    from hotline.cases.operations import add_event, create_case, perform_action
    from hotline.review.operations import draw_sample

    officers, supervisor, operator, admin = staff.officers, staff.supervisor, staff.operator, staff.admin
    with app.app_context():
        def user(u):
            return db.session.get(User, u.id)

        update_user(user(officers[1]), {"display_name": payload("officer")[:80]}, actor=user(admin))
        call = record_call({
            "received_at": datetime.now(UTC) - timedelta(minutes=5), "channel": "phone", "request_type": "complaint",
            "ip_type": "patent", "region_code": REGION, "caller_phone": CALLER_PHONE, "caller_name": payload("caller"),
            "accused_party": payload("accused"), "summary": payload("summary"), "description": payload("details"),
            "product": payload("product"), "place": payload("place"),
        }, actor=user(operator))
        second = record_call({
            "received_at": datetime.now(UTC) - timedelta(minutes=4), "channel": "phone", "request_type": "report",
            "region_code": REGION, "summary": payload("second"), "accused_party": payload("accused"),
        }, actor=user(operator))
        officer = user(officers[0])

        def case_of(case_type="infringement_dispute", **fields):
            data = {"case_type": case_type, "region_code": REGION, "received_on": "2015-09-30", "source": "request",
                    "requester_name": payload("requester"), "respondent_name": payload("respondent"),
                    "summary": payload("casesummary"), **fields}
            case = create_case(data, actor=officer)
            count = 2 if case_type == "counterfeit" else 3
            perform_action(case, "file", {"filed_on": "2015-09-30", "officer_ids": [o.id for o in officers[:count]]},
                           actor=officer, expected_version=case.version)
            return case

        case = case_of()
        add_event(case, {"kind": "hearing", "occurred_on": "2015-10-15", "note": payload("note")}, actor=officer)
        upload = FileStorage(io.BytesIO(PDF_BYTES), filename="<img src=x onerror=alert('file')>.pdf")
        attachment = store_attachment(case, upload, description=payload("evidence"), actor=officer)
        closed = case_of()
        perform_action(closed, "close", {"outcome": "mediated", "closed_on": "2015-10-20"}, actor=officer,
                       expected_version=closed.version)
        published = case_of("counterfeit", respondent_kind="organization")
        perform_action(published, "close", {
            "outcome": "penalized", "closed_on": "2015-10-20",
            "fine_amount": "5000.00", "violation_facts": payload("facts"), "penalty_basis": payload("basis"),
            "penalty_terms": payload("terms")}, actor=user(supervisor), expected_version=published.version)
        perform_action(published, "publish", {"published_on": "2015-10-22"},
                       actor=user(supervisor), expected_version=published.version)
        review = draw_sample(region_code=REGION, year=2015, size=1, label=payload("label"), actor=user(supervisor),
                             rng_seed=3)[0]
        issue_token(user(officer), payload("token"), actor=user(officer))
        db.session.commit()
        return SimpleNamespace(call=call.id, second=second.id, case=case.id, attachment=attachment.id,
                               published=published.id, review=review.id, closed=closed.id)


def _pages(app, staff, h) -> dict[str, tuple[object, str]]:
    """page label → (client, url) for every page that shows the hostile records."""
    operator, officer = login_client(app, staff.operator), login_client(app, staff.officer)
    supervisor, admin = login_client(app, staff.supervisor), login_client(app, staff.admin)
    anonymous = app.test_client()
    return {
        "calls list (operator)": (operator, "/calls"),
        "calls search (operator)": (operator, "/calls?q=script"),
        "call detail (operator)": (operator, f"/calls/{h.call}"),
        "call edit (operator)": (operator, f"/calls/{h.call}/edit"),
        "case from call (operator)": (operator, f"/cases/from-call/{h.call}"),
        "calls list (officer)": (officer, "/calls"),
        "call detail (officer)": (officer, f"/calls/{h.call}"),
        "cases list": (officer, "/cases"),
        "cases search": (officer, "/cases?q=script"),
        "case detail": (officer, f"/cases/{h.case}"),
        "case edit": (officer, f"/cases/{h.case}/edit"),
        "closed case": (officer, f"/cases/{h.closed}"),
        "tokens (officer)": (officer, "/tokens"),
        "due": (officer, "/due?scope=region&horizon=all"),
        "month calendar": (officer, "/cases/calendar?month=2015-10"),
        "review samples": (supervisor, "/review"),
        "review detail": (supervisor, f"/review/{h.review}"),
        "review scores": (supervisor, "/review/scores?year=2015"),
        "users": (admin, "/admin/users"),
        "public decisions": (anonymous, "/public/decisions"),
        "public decision": (anonymous, f"/public/decisions/{h.published}"),
    }


#: Page → fields whose payload must be on it as text (proves the page did render the hostile value).
EXPECTED = {
    "calls list (operator)": ["summary", "caller"],
    "calls search (operator)": ["summary"],
    "call detail (operator)": ["summary", "caller", "accused", "details", "product", "place"],
    "call edit (operator)": ["summary", "caller", "accused", "details"],
    "case from call (operator)": ["summary", "accused"],
    "tokens (officer)": ["token"],
    "call detail (officer)": ["summary", "accused"],
    "cases list": ["respondent"],
    "cases search": ["respondent"],
    "case detail": ["casesummary", "respondent", "requester", "note", "evidence"],
    "case edit": ["casesummary", "respondent", "requester"],
    "month calendar": ["note"],
    "review samples": ["label"],
    "review detail": ["casesummary"],
    "users": [],
    "public decision": ["facts", "basis", "terms"],
}


#: Pages that shorten long texts (the payload's start is checked there).
SHORTENED = {"month calendar"}


def test_stored_text_is_inert_on_every_page(app, staff, hostile):
    problems = []
    for label, (client, url) in _pages(app, staff, hostile).items():
        response = client.get(url)
        html = response.get_data(as_text=True)
        if response.status_code != 200:
            problems.append(f"{label}: {response.status_code}")
            continue
        problems += [f"{label}: raw {marker!r}" for marker in raw_markup(html)]
        problems += [f"{label}: {tag} not shown as text" for tag in EXPECTED.get(label, [])
                     if not shown_escaped(html, tag, whole=label not in SHORTENED)]
    assert not problems, "\n".join(problems)


def test_hostile_file_names_and_flash_messages_are_inert(app, staff, hostile):
    """The upload's flash message and the case page show a hostile file name as text; so do the transfer's
    flash (an agency name) and the duplicate form's error (a reference typed by the user)."""
    officer = login_client(app, staff.officer)
    name = "<svg onload=alert('up')>.pdf"
    response = officer.post(f"/cases/{hostile.case}/attachments", follow_redirects=True,
                            data={"attachment-file": (io.BytesIO(PDF_BYTES), name),
                                  "attachment-description": payload("upload")},
                            content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<svg onload" not in html and not raw_markup(html)
    assert str(escape("<svg onload=alert('up')>")) in html
    assert shown_escaped(html, "upload")

    operator = login_client(app, staff.operator)
    page = operator.get(f"/calls/{hostile.second}").get_data(as_text=True)
    version = re.search(r'name="transfer-version"[^>]*value="(\d+)"', page).group(1)
    response = operator.post(f"/calls/{hostile.second}/transfer", follow_redirects=True,
                             data={"transfer-to_agency": payload("agency")[:200], "transfer-version": version})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:300]
    assert not raw_markup(html) and shown_escaped(html, "agency")

    response = operator.post(f"/calls/{hostile.call}/duplicate",
                             data={"duplicate-duplicate_of": payload("ref")[:60], "duplicate-version": "1"})
    assert response.status_code in (409, 422)
    assert not raw_markup(response.get_data(as_text=True))


def test_lookup_and_api_json_carry_the_text_as_json_data(app, staff, hostile):
    """JSON answers contain the text unchanged, as JSON strings, and are never sniffed as HTML."""
    from tests.security.conftest import issue_raw_token

    operator = login_client(app, staff.operator)
    response = operator.get(f"/calls/lookup?phone={CALLER_PHONE}&accused_party=x")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    summaries = {c["summary"] for c in response.get_json()["history"]["calls"]}
    names = {c["caller_name"] for c in response.get_json()["history"]["calls"]}
    assert payload("summary") in summaries and payload("caller") in names
    token = issue_raw_token(app, staff.operator)
    answer = app.test_client().get(f"/api/v1/calls/{hostile.call}", headers={"Authorization": f"Bearer {token}"})
    assert answer.mimetype == "application/json" and answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.get_json()["summary"] == payload("summary")
    assert answer.get_json()["caller_name"] == payload("caller")


def _xlsx_cells(data: bytes) -> list:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def _docx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("word/document.xml").decode("utf-8")


def test_exports_hold_no_formula_and_no_markup(app, staff, hostile):
    """The statistics downloads built from data full of hostile text: figures and labels only, no formula cell,
    nothing of the hostile text."""
    officer = login_client(app, staff.officer)
    for url in ("/stats/yearly/2015.xlsx", "/stats/monthly/2015-10.xlsx"):
        response = officer.get(url)
        assert response.status_code == 200
        cells = _xlsx_cells(response.data)
        assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
        text = " ".join(str(c.value) for c in cells if c.value is not None)
        assert "alert(" not in text and "7*7" not in text
    docx = officer.get("/stats/yearly/2015.docx")
    assert docx.status_code == 200 and "alert(" not in _docx_text(docx.data)
    csv = officer.get("/stats/yearly/2015.csv").get_data(as_text=True)
    assert "alert(" not in csv


def test_export_writers_keep_hostile_text_as_plain_text():
    """The writers themselves, given hostile text where text goes (the narrative, the region labels): plain
    strings in XLSX and DOCX, formula prefixes neutralized in XLSX and CSV."""
    from hotline.stats import exports

    formula = "=HYPERLINK(\"https://evil.example\",\"click\")"
    hostile_text = payload("narrative") + " " + formula
    summary = {
        "year": 2015, "region_code": "430000", "months": 12, "narrative": formula + payload("narrative"),
        "calls": {}, "cases": {}, "previous": {}, "growth": {}, "monthly": [], "monthly_previous": [],
        "by_region": [{"region_code": "430100", "label": formula, "cases": {}, "calls": {}}],
    }
    cells = _xlsx_cells(exports.yearly_xlsx(summary))
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = [c.value for c in cells if isinstance(c.value, str)]
    assert any(v.endswith(payload("narrative")) and not v.startswith("=") for v in values)
    assert not [v for v in values if v.startswith(("=", "+", "-", "@"))]
    document = _docx_text(exports.yearly_docx(summary))
    assert str(escape(payload("narrative")).replace("&#39;", "'").replace("&#34;", "&quot;")) in document \
        or "&lt;script&gt;alert(&apos;narrative&apos;)" in document or "&lt;script&gt;alert('narrative')" in document
    assert "<script>" not in document
    csv = exports.yearly_csv(summary)
    assert "\n=" not in csv and ",=" not in csv
    assert hostile_text  # the text itself is only data


def _get_routes() -> list[tuple[str, str]]:
    return sorted(key for key in MATRIX if key[0] == "GET" and not key[1].startswith("/api/"))


def test_reflected_parameters_are_escaped(app, staff, world):
    """Every web page, asked with hostile values in every query parameter the pages read (and in the path where
    it is free text): nothing comes back unescaped."""
    params = {name: payload(name) for name in (
        "q", "next", "month", "year", "region_code", "status", "date_from", "date_to", "filed_from", "filed_to",
        "label", "scope", "cursor", "page", "page_size", "day", "phone", "accused_party", "patent_number", "mine",
        "request_type", "channel", "ip_type", "case_type", "overdue", "major", "exclude", "deadline", "horizon")}
    clients = {}
    problems = []
    for key in _get_routes():
        row = MATRIX[key]
        if row[5] is not None and row[5].above:  # only an office above 长沙 may: the province's user
            role = f"province {row[5].role}"
            if role not in clients:
                clients[role] = login_client(app, staff.get(row[5].role, "430000", "prov"))
        else:
            role = "anonymous" if row[0] == OK else next(r for r, e in zip(
                ("operator", "officer", "supervisor", "admin"), row[1:5], strict=True) if e == OK)
        if role not in clients:
            clients[role] = app.test_client() if role == "anonymous" else login_client(app, staff.get(role))
        response = clients[role].get(build_url(key, world), query_string=params)
        text = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        if response.status_code >= 500:
            problems.append(f"{key[1]}: {response.status_code}")
        problems += [f"{key[1]}: raw {marker!r}" for marker in raw_markup(text)]
        response.close()
    for path in ("/calls/<script>alert(1)</script>", "/public/decisions/\"><img src=x onerror=alert(1)>",
                 "/stats/monthly/<script>alert(1)</script>.xlsx"):
        client = clients.get("officer") or login_client(app, staff.officer)
        response = client.get(path)
        problems += [f"{path}: raw {marker!r}" for marker in raw_markup(response.get_data(as_text=True))]
    assert not problems, "\n".join(problems)
