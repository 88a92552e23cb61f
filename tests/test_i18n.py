"""Translations: the Simplified Chinese catalog covers every message the code and templates use, keeps their
placeholders, is what the app serves (compiled), and the UI and the API speak Chinese when they should.

The catalog tests extract the messages the way the documented command does
(``pybabel extract -F babel.cfg -k _l -k lazy_gettext``), so adding an untranslated string fails here.
"""

from __future__ import annotations

import gettext
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "hotline" / "translations"
PO_PATH = TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
MO_PATH = PO_PATH.with_suffix(".mo")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
#: %(name)s-style and bare %s/%d placeholders, and {name} fields; "%%" is a literal percent sign.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]|\{[^{}]*\}")
BEIJING = ZoneInfo("Asia/Shanghai")
HAN = re.compile(r"[\u4e00-\u9fff]")


# The catalog -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def extracted() -> Catalog:
    """Every message of the code and the templates, extracted as ``pybabel extract`` does."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


@pytest.fixture(scope="module")
def po() -> Catalog:
    with open(PO_PATH, "rb") as f:
        return read_po(f, locale="zh_CN")


def _key(message) -> tuple[str | None, str]:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return message.context, msgid


def _where(message) -> str:
    return ", ".join(f"{path}:{line}" for path, line in message.locations[:3])


def _forms(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


def test_extraction_finds_the_messages(extracted):
    # A broken babel.cfg or extractor would make the completeness test below pass vacuously.
    ids = {_key(m)[1] for m in extracted if m.id}
    assert len(ids) > 500
    assert {"Log in", "Log out", "Save", "New call", "Please correct the highlighted fields.",
            "This is not a phone number."} <= ids


def test_every_extracted_message_is_translated(extracted, po):
    translations = {_key(m): m for m in po if m.id}
    missing, empty, fuzzy = [], [], []
    for message in extracted:
        if not message.id:
            continue
        found = translations.get(_key(message))
        label = f"{_key(message)[1]!r} ({_where(message)})"
        if found is None:
            missing.append(label)
        elif found.fuzzy:
            fuzzy.append(label)
        elif not all(form.strip() for form in _forms(found)):
            empty.append(label)
    fix = ("re-extract, update and translate: pybabel extract -F babel.cfg -k _l -k lazy_gettext -o /tmp/m.pot . && "
           "pybabel update -i /tmp/m.pot -d hotline/translations")
    assert not missing, f"{len(missing)} message(s) not in the zh_CN catalog ({fix}):\n" + "\n".join(missing)
    assert not fuzzy, f"{len(fuzzy)} fuzzy translation(s) in the zh_CN catalog:\n" + "\n".join(fuzzy)
    assert not empty, f"{len(empty)} untranslated message(s) in the zh_CN catalog:\n" + "\n".join(empty)


def test_catalog_has_no_fuzzy_entries_and_one_plural_form(po):
    assert not po.fuzzy, "the catalog header is marked fuzzy"
    assert [m.id for m in po if m.id and m.fuzzy] == []
    assert po.num_plurals == 1  # Chinese has no grammatical plural
    assert str(po.locale) == "zh_Hans_CN" or str(po.locale) == "zh_CN"


def test_placeholders_in_every_translation_match_the_msgid(po):
    wrong = []
    for message in po:
        if not message.id:
            continue
        # A plural's single Chinese form stands for the plural msgid (the singular may omit the count).
        source = message.id if isinstance(message.id, str) else message.id[1]
        want = Counter(PLACEHOLDER.findall(source))
        for form in _forms(message):
            if Counter(PLACEHOLDER.findall(form)) != want:
                wrong.append(f"{source!r} -> {form!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)
    # Babel's own checks (python-format flags, plural forms).
    problems = [f"{m.id!r}: {errs}" for m, errs in po.check()]
    assert not problems, "\n".join(problems)


def test_translations_format_with_the_msgids_arguments(po):
    """Every %-format translation formats with the arguments its msgid takes (a typo such as %(nmae)s fails)."""
    for message in po:
        if not message.id or not message.python_format:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[1]
        names = re.findall(r"%\((\w+)\)", msgid)
        args = dict.fromkeys(names, 1)
        for form in _forms(message):
            if names:
                form % args  # noqa: B018 - raises KeyError/ValueError on a broken placeholder
            else:
                assert "%(" not in form, (msgid, form)


def test_compiled_catalog_is_the_po_file(po):
    """The app serves the .mo: it must exist and say what the .po says (``make translations`` compiles it)."""
    assert MO_PATH.exists(), f"{MO_PATH} is missing: run `make translations` (pybabel compile -d hotline/translations)"
    with open(MO_PATH, "rb") as f:
        compiled = gettext.GNUTranslations(f)
    stale = []
    for message in po:
        if not message.id:
            continue
        if isinstance(message.id, str):
            served = (compiled.pgettext(message.context, message.id) if message.context
                      else compiled.gettext(message.id))
        else:
            served = compiled.ngettext(message.id[0], message.id[1], 2)
        if served != _forms(message)[0]:
            stale.append(repr(_key(message)[1]))
    assert not stale, ("the compiled catalog is out of date: run `make translations`; differs for:\n"
                       + "\n".join(stale[:20]))


# The UI in Chinese ------------------------------------------------------------------------------------------

class _Texts(HTMLParser):
    """Visible text nodes and user-facing attribute values of a page (not <script>/<style>)."""

    ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.buttons: list[str] = []
        self.headings: list[str] = []
        self._skip = 0
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        for name in self.ATTRIBUTES:
            if attrs.get(name):
                self.texts.append(attrs[name].strip())
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.buttons.append(attrs["value"].strip())
        if tag in ("button", "h1", "h2", "h3"):
            self._open.append(tag)
            if tag == "button":
                self.buttons.append("")
            else:
                self.headings.append("")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(self._skip - 1, 0)
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data):
        if self._skip:
            return
        text = " ".join(data.split())
        if text:
            self.texts.append(text)
            if self._open:
                target = self.buttons if self._open[-1] == "button" else self.headings
                target[-1] = (target[-1] + " " + text).strip()


def _page_texts(html: str) -> _Texts:
    parser = _Texts()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def english_msgids(po) -> set[str]:
    """English msgids whose Chinese text differs: seeing one of them on a Chinese page means it was not
    translated (or not marked for translation)."""
    ids = set()
    for message in po:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        if re.search(r"[A-Za-z]{2}", msgid) and "%" not in msgid and msgid not in _forms(message):
            ids.add(msgid)
    return ids


@pytest.fixture
def chinese_default(app, monkeypatch):
    """The suite's app with the production default (zh_CN) instead of the tests' English."""
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "zh_CN")
    return app


PAGES = [
    ("operator", "/calls/new", ["来电登记", "来电号码", "保存"]),
    ("operator", "/calls", ["来电", "筛选"]),
    ("officer", "/cases", ["案件", "登记案件"]),
    ("officer", "/due", ["办理期限", "重大案件"]),
    ("supervisor", "/supervisions", ["督办案件"]),
    ("supervisor", "/stats/monthly", ["月度统计", "锁定"]),
    ("admin", "/admin/users", ["用户", "新建用户", "角色"]),
    ("admin", "/admin/calendar", ["工作日历", "调休上班日", "导入"]),
]
ENGLISH_BUTTONS = {"Save", "Log out", "Log in", "Cancel", "Search", "Filter", "Import", "Edit", "Lock", "Rebuild",
                   "Save changes", "Clear filters", "Upload", "Draw", "Revoke"}


@pytest.mark.parametrize(("role", "url", "expected"), PAGES, ids=[p[1] for p in PAGES])
def test_key_pages_are_chinese_by_default(chinese_default, client, create_user, login, english_msgids,
                                          role, url, expected):
    user = create_user(role, "430000")
    login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.get_data(as_text=True)
    assert 'lang="zh-CN"' in html
    page = _page_texts(html)
    for text in expected:
        assert text in unescape(html), f"{url}: expected {text!r}"
    english_headings = [h for h in page.headings if re.search(r"[A-Za-z]{2}", h) and not HAN.search(h)]
    assert page.headings and not english_headings, f"{url}: English headings {english_headings}"
    assert "退出" in page.buttons, f"{url}: no 退出 (log out) button: {page.buttons}"
    english_buttons = [b for b in page.buttons if b in ENGLISH_BUTTONS or b in english_msgids]
    assert not english_buttons, f"{url}: English button labels {english_buttons}"
    untranslated = sorted({t for t in page.texts if t in english_msgids})
    assert not untranslated, f"{url}: untranslated text {untranslated}"


def test_language_switch_turns_an_english_session_chinese(client, create_user, login):
    """The suite's default is English; POST /language/zh_CN switches the session, and it survives the login."""
    user = create_user("operator", "430000")
    assert client.post("/language/zh_CN", data={"next": "/login"}).status_code == 302
    login(user)
    html = unescape(client.get("/calls/new").get_data(as_text=True))
    assert "来电登记" in html and "退出" in html
    assert ">Log out<" not in html and ">Save<" not in html
    client.post("/language/en", data={"next": "/calls/new"})
    html = unescape(client.get("/calls/new").get_data(as_text=True))
    assert "Log out" in html and "退出" not in html


# Domain messages in Chinese -----------------------------------------------------------------------------------

def _intake_form(**overrides) -> dict:
    received = (datetime.now(UTC) - timedelta(minutes=3)).astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M")
    data = {"caller_phone": "138 1234 5678", "caller_name": "张三", "request_type": "complaint", "channel": "phone",
            "ip_type": "patent", "region_code": "430100", "accused_party": "长沙某某贸易有限公司", "patent_number": "",
            "summary": "商场销售的电饭煲涉嫌假冒专利", "description": "", "product": "", "place": "",
            "duration_seconds": "", "exhibition_name": "", "received_at": received}
    data.update(overrides)
    return data


def test_invalid_phone_on_the_chinese_intake_form_gets_a_chinese_message(chinese_default, client, create_user, login):
    login(create_user("operator", "430000"))
    response = client.post("/calls/new", data=_intake_form(caller_phone="138 1234 567"))
    assert response.status_code in (200, 422)
    html = unescape(response.get_data(as_text=True))
    assert "手机号码应为 11 位，此号码为 10 位。" in html
    assert "A mobile number has 11 digits" not in html
    response = client.post("/calls/new", data=_intake_form(caller_phone="abc", patent_number="201710601862.4"))
    html = unescape(response.get_data(as_text=True))
    assert "电话号码只能包含数字、空格、+、-、( 和 )。" in html
    assert "校验位不符" in html


def _api_body(**overrides) -> dict:
    received = (datetime.now(UTC) - timedelta(minutes=10)).astimezone(BEIJING).isoformat(timespec="seconds")
    body = {"received_at": received, "channel": "phone", "request_type": "complaint", "ip_type": "patent",
            "region_code": "430100", "caller_phone": "13812345678", "summary": "某公司销售的产品涉嫌假冒专利"}
    body.update(overrides)
    return body


def test_api_field_errors_follow_accept_language(client, create_user, make_token):
    token = make_token(create_user("operator", "430000"))
    headers = {"Authorization": f"Bearer {token}"}
    body = _api_body(caller_phone="138 1234 567", patent_number="201710601862.4")

    english = client.post("/api/v1/calls", json=body, headers=headers)
    assert english.status_code == 422
    assert english.get_json()["message"] == "Please correct the highlighted fields."
    assert english.get_json()["errors"]["caller_phone"] == ["A mobile number has 11 digits; this one has 10."]

    chinese = client.post("/api/v1/calls", json=body, headers={**headers, "Accept-Language": "zh-CN,zh;q=0.9"})
    assert chinese.status_code == 422
    payload = chinese.get_json()
    assert payload["message"] == "请更正标出的字段。"
    assert payload["errors"]["caller_phone"] == ["手机号码应为 11 位，此号码为 10 位。"]
    assert payload["errors"]["patent_number"][0].startswith("校验位不符")


def test_api_state_errors_in_chinese(client, create_user, make_token, create_call):
    user = create_user("operator", "430000")
    call = create_call(actor=user)
    headers = {"Authorization": f"Bearer {make_token(user)}", "Accept-Language": "zh-CN"}
    response = client.post(f"/api/v1/calls/{call.id}/transfer", json={"to": "430000", "version": call.version},
                           headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"]["to"] == ["请转至市州知识产权局，不能转至省局。"]


def test_domain_messages_outside_an_app_context_are_english():
    from hotline.calls.phones import PhoneError, parse_phone

    with pytest.raises(PhoneError, match=r"^A mobile number has 11 digits; this one has 10\.$"):
        parse_phone("138 1234 567")


def test_deadline_notes_are_written_in_the_language_of_the_computation(app):
    from hotline.core.i18n import gettext

    with app.test_request_context("/", headers={}):
        from flask import session

        session["lang"] = "zh_CN"
        assert gettext("+%(days)d days suspended", days=12) == "中止 12 天，顺延"
    with app.test_request_context("/"):
        assert gettext("+%(days)d days suspended", days=12) == "+12 days suspended"
