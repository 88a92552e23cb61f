"""The top bar's search by number (GET /search, GET /api/v1/search): what each role finds by a phone number, a call
reference, a case number and a patent number; another region's records never appear; an officer's or supervisor's
phone search is an audited reveal counted against the look-up limit, as in tests/security/test_number_lookup.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from hotline.extensions import db
from tests.security.conftest import CALLER_NAME, CALLER_PHONE, issue_raw_token, login_client

PATENT = "201510001234.2"  # ZL201510001234.2: a valid check digit
CASE_NUMBER = "湘知执字〔2015〕第12号"


class Records:
    pass


@pytest.fixture
def records(app, staff):
    """长沙: a call of the number with the patent, a case with the 案号 and the patent. 株洲: a call of the same
    number and patent, a case 湘知执字〔2015〕第13号 of the same patent."""
    from hotline.accounts.models import User
    from hotline.calls.operations import record_call
    from hotline.cases.models import Case
    from hotline.cases.operations import create_case

    r = Records()
    # The users first (each made in its own transaction), then the records in one.
    users = staff.operator, staff.other["operator"], staff.officer, staff.other["officer"]
    with app.test_request_context():
        def call(user, region, **fields):
            return record_call({
                "received_at": datetime.now(UTC) - timedelta(minutes=3), "channel": "phone",
                "request_type": "report", "ip_type": "patent", "region_code": region, "caller_name": CALLER_NAME,
                "caller_phone": CALLER_PHONE, "patent_number": f"ZL{PATENT}", "summary": "举报假冒专利", **fields,
            }, actor=db.session.get(User, user.id))

        def case(user, region, number):
            made = create_case({"case_type": "infringement_dispute", "region_code": region,
                                "received_on": "2015-09-30", "source": "request", "summary": "专利侵权纠纷",
                                "requester_name": "某科技有限公司", "respondent_name": "某机械厂",
                                "patent_number": PATENT}, actor=db.session.get(User, user.id))
            db.session.flush()
            # The 案号 as filing writes it (the filing workflow is tested in tests/cases).
            db.session.execute(update(Case).where(Case.id == made.id).values(case_number=number))
            return made.id

        cs_call, zz_call = call(users[0], "430100"), call(users[1], "430200")
        r.cs_call_id, r.cs_ref, r.zz_ref = cs_call.id, cs_call.ref, zz_call.ref
        r.cs_case = case(users[2], "430100", CASE_NUMBER)
        r.zz_case = case(users[3], "430200", "湘知执字〔2015〕第13号")
        db.session.commit()
    return r


def _search(app, user, q):
    token = {"Authorization": f"Bearer {issue_raw_token(app, user)}"}
    return app.test_client().get("/api/v1/search", query_string={"q": q}, headers=token)


def _audit(app, action):
    from hotline.core.models import AuditEvent

    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(AuditEvent.object_id, AuditEvent.actor_id).where(AuditEvent.action == action))]


def test_an_operator_finds_their_regions_calls_by_number_with_the_number_shown(app, staff, records):
    for spelling in (CALLER_PHONE, "138 1234 5678", "+86 138-1234-5678"):
        body = _search(app, staff.operator, spelling).get_json()
        assert "phone" in body["kinds"]
        assert [c["ref"] for c in body["calls"]] == [records.cs_ref], spelling  # never 株洲's
        assert body["calls"][0]["caller_phone"] == "+86" + CALLER_PHONE
        assert body["cases"] == []  # operators read no cases
    assert _audit(app, "lookup_number") == []


def test_an_officer_sees_the_number_masked_and_the_search_is_an_audited_counted_reveal(app, staff, records):
    from hotline.calls.models import NumberLookup

    body = _search(app, staff.officer, CALLER_PHONE).get_json()
    assert [c["ref"] for c in body["calls"]] == [records.cs_ref]
    assert body["calls"][0]["caller_phone"] == "138****5678" and CALLER_NAME not in str(body)
    assert _audit(app, "lookup_number") == [(records.cs_call_id, staff.officer.id)]
    with app.app_context():
        assert db.session.scalar(select(NumberLookup.user_id)) == staff.officer.id
    # asked again in the window: answered, neither counted nor audited twice
    assert _search(app, staff.officer, CALLER_PHONE).status_code == 200
    assert len(_audit(app, "lookup_number")) == 1


def test_the_look_up_limit_holds_for_the_search_box(app, staff, records):
    limit = app.config["NUMBER_LOOKUPS_PER_WINDOW"]
    web = login_client(app, staff.supervisor)
    statuses = [web.get("/search", query_string={"q": f"1390000{n:04d}"}).status_code for n in range(limit)]
    assert statuses == [200] * limit
    refused = web.get("/search", query_string={"q": CALLER_PHONE})
    assert refused.status_code == 429 and records.cs_ref not in refused.get_data(as_text=True)
    assert _audit(app, "lookup_number") == []
    api = _search(app, staff.supervisor, CALLER_PHONE)
    assert api.status_code == 429 and api.headers["Retry-After"]


def test_call_references_case_numbers_and_patent_numbers_as_typed(app, staff, records):
    officer = staff.officer
    ref_lower = records.cs_ref.lower()
    assert [c["ref"] for c in _search(app, officer, ref_lower).get_json()["calls"]] == [records.cs_ref]
    # 株洲's reference is not found from 长沙
    assert _search(app, officer, records.zz_ref).get_json()["calls"] == []
    for spelling in (CASE_NUMBER, "湘知执字(2015)第12号", "湘知执字（2015）12号", "〔2015〕第12号", "[2015]12",
                     "2015第12号", " 湘知执字 [2015] 第012号 "):
        body = _search(app, officer, spelling).get_json()
        assert [c["case_number"] for c in body["cases"]] == [CASE_NUMBER], spelling
    assert _search(app, officer, "〔2015〕第13号").get_json()["cases"] == []  # 株洲's
    for spelling in (f"ZL{PATENT}", PATENT, PATENT.replace(".", ""), "ZL 2015 1 0001234.2", "zl201510001234.2"):
        body = _search(app, officer, spelling).get_json()
        assert [c["ref"] for c in body["calls"]] == [records.cs_ref], spelling
        assert [c["id"] for c in body["cases"]] == [records.cs_case], spelling
    # the province sees both regions
    province = staff.get("supervisor", "430000", "prov")
    body = _search(app, province, f"ZL{PATENT}").get_json()
    assert {c["ref"] for c in body["calls"]} == {records.cs_ref, records.zz_ref}
    assert {c["id"] for c in body["cases"]} == {records.cs_case, records.zz_case}
    # 株洲's officer finds 株洲's case by the number, not 长沙's
    zz = _search(app, staff.other["officer"], "湘知执字(2015)第12号").get_json()
    assert zz["cases"] == []


def test_the_page_goes_straight_to_a_single_record_and_lists_several(app, staff, records):
    web = login_client(app, staff.officer)
    one = web.get("/search", query_string={"q": records.cs_ref})
    assert one.status_code == 302 and one.headers["Location"].endswith(f"/calls/{records.cs_call_id}")
    case = web.get("/search", query_string={"q": "湘知执字(2015)第12号"})
    assert case.status_code == 302 and case.headers["Location"].endswith(f"/cases/{records.cs_case}")
    both = web.get("/search", query_string={"q": f"ZL{PATENT}"})
    page = both.get_data(as_text=True)
    assert both.status_code == 200 and records.cs_ref in page and CASE_NUMBER in page
    assert records.zz_ref not in page and "第13号" not in page
    nothing = web.get("/search", query_string={"q": "HL-2015-999999"})
    assert nothing.status_code == 200 and "HL-2015-999999" in nothing.get_data(as_text=True)


def test_the_search_box_is_in_the_top_bar_of_those_who_read_calls_or_cases(app, staff):
    for role in ("operator", "officer", "supervisor"):
        page = login_client(app, staff.get(role)).get("/inbox").get_data(as_text=True)
        assert 'id="topsearch-q"' in page and 'aria-keyshortcuts="/"' in page and "js/topbar.js" in page, role
    admin = login_client(app, staff.admin).get("/inbox").get_data(as_text=True)
    assert 'id="topsearch-q"' not in admin


def test_numbers_typed_in_part_find_by_their_beginning(app, staff, records):
    from hotline.calls.models import NumberLookup

    officer = staff.officer
    begun = records.cs_ref[:-2]  # HL-2026-0000…
    assert records.cs_ref in [c["ref"] for c in _search(app, officer, begun).get_json()["calls"]]
    assert records.zz_ref not in [c["ref"] for c in _search(app, officer, begun).get_json()["calls"]]
    for spelling in ("ZL2015100012", "2015 1000 1234", "ZL201510001234"):
        body = _search(app, officer, spelling).get_json()
        assert [c["ref"] for c in body["calls"]] == [records.cs_ref], spelling
        assert [c["id"] for c in body["cases"]] == [records.cs_case], spelling
    # a reference without its prefix is a reference, not a number an officer looked up
    without_prefix = records.cs_ref.split("-", 1)[1]
    assert [c["ref"] for c in _search(app, officer, without_prefix).get_json()["calls"]] == [records.cs_ref]
    with app.app_context():
        assert db.session.scalar(select(NumberLookup.id)) is None
