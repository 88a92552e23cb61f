"""Cases API: opening, reading, listing, editing; roles, region scoping, money and strict input."""

from __future__ import annotations

import io

import pytest

from tests.api.conftest import CASE_REGION, case_body, deadline

MAX_BIGINT = 2**63 - 1


# Opening -------------------------------------------------------------------------------------------------------

def test_open_a_case(crew, case_api, documented):
    client = case_api()
    response = client.post("/api/v1/cases", json=case_body(is_major=True, foreign_related=True))
    assert response.status_code == 201, response.get_json()
    case = documented(response)
    assert response.headers["Location"] == f"/api/v1/cases/{case['id']}"
    assert (case["status"], case["case_type"], case["region_code"], case["received_on"]) == (
        "received", "infringement_dispute", CASE_REGION, "2015-09-30")
    assert (case["is_major"], case["foreign_related"], case["is_exhibition"]) == (True, True, False)
    assert case["patent_number"] == "201520123456.7"  # normalized
    assert case["patent_type"] == "utility_model"  # from the number's type digit
    assert case["created_by_id"] == crew.officers[0].id
    assert case["case_number"] is None
    assert case["officers"] == []
    assert (case["events"], case["attachments"], case["suspensions"], case["extensions"]) == ([], [], [], [])
    assert case["call_id"] is None and case["call"] is None
    assert deadline(case, "file")["due_on"] == "2015-10-13"
    assert case["deadlines_error"] is None
    # The version answered is the one stored.
    assert client.read(case["id"])["version"] == case["version"]
    assert response.headers["ETag"] == f'"{case["version"]}"'


@pytest.mark.parametrize(("sent", "shown"), [("12500.00", "12500.00"), ("0.10", "0.10"), ("0.1", "0.10"),
                                             (12500, "12500.00"), ("999999999999.99", "999999999999.99"),
                                             ("0", "0.00"), (None, None)])
def test_money_round_trips_exactly(case_api, sent, shown):
    client = case_api()
    case = client.open_case(amount_involved=sent)
    assert case["amount_involved"] == shown
    assert client.read(case["id"])["amount_involved"] == shown


@pytest.mark.parametrize("amount", [12500.5, 0.1, 12500.0, True, "1e30", "-5", "0.105", "12,500", "NaN", "",
                                    "1000000000000.00", 10**30, "１２"])
def test_bad_money_is_422_never_a_float(case_api, amount):
    response = case_api().post("/api/v1/cases", json=case_body(amount_involved=amount))
    assert response.status_code == 422, response.get_json()
    assert list(response.get_json()["errors"]) == ["amount_involved"]


def test_a_float_is_refused_with_a_message_saying_why(case_api):
    response = case_api().post("/api/v1/cases", json=case_body(amount_involved=12500.5))
    assert response.get_json()["errors"]["amount_involved"] == [
        'Send money as a decimal string, e.g. "12500.00" (numbers with a fraction lose precision).']


@pytest.mark.parametrize(("overrides", "field"), [
    ({"case_type": "trademark"}, "case_type"),
    ({"case_type": ...}, "case_type"),
    ({"region_code": ...}, "region_code"),
    ({"region_code": "430000"}, "region_code"),  # the province is no case's region
    ({"region_code": "430200"}, "region_code"),  # another 市州
    ({"region_code": "999999"}, "region_code"),
    ({"region_code": "4301"}, "region_code"),
    ({"received_on": ...}, "received_on"),
    ({"received_on": "2015-02-30"}, "received_on"),
    ({"received_on": "2015-9-30"}, "received_on"),
    ({"received_on": "2099-01-01"}, "received_on"),
    ({"received_on": "1999-12-31"}, "received_on"),
    ({"received_on": 1443571200}, "received_on"),
    ({"source": "tip"}, "source"),
    ({"summary": ...}, "summary"),
    ({"summary": "   "}, "summary"),
    ({"summary": "长" * 1001}, "summary"),
    ({"patent_number": "ZL12"}, "patent_number"),
    ({"patent_type": "software"}, "patent_type"),
    ({"respondent_kind": "company"}, "respondent_kind"),
    ({"is_major": "yes"}, "is_major"),
    ({"is_major": 1}, "is_major"),
    ({"call_id": 2**64}, "call_id"),
    ({"call_id": 12345}, "call_id"),
    ({"status": "filed"}, "status"),
    ({"case_number": "湘知执字〔2015〕第1号"}, "case_number"),
])
def test_invalid_case_input_is_422_naming_the_field(case_api, overrides, field):
    response = case_api().post("/api/v1/cases", json=case_body(**overrides))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"], response.get_json()


@pytest.mark.parametrize("raw", ["", "[]", "null", "{", '"case"', '{"summary": "\\ud800"}'])
def test_bodies_that_are_not_an_object_are_422(case_api, raw):
    response = case_api().post("/api/v1/cases", data=raw, content_type="application/json")
    assert response.status_code == 422


def test_open_a_case_from_a_call_by_call_id(create_call, case_api):
    call = create_call(request_type="report", region_code=CASE_REGION)
    client = case_api()
    case = client.open_case(call_id=call.id, case_type="counterfeit", source="hotline_call", received_on="2015-06-01")
    assert case["call_id"] == call.id
    assert case["call"]["status"] == "case_opened"
    assert client.get(f"/api/v1/calls/{call.id}").get_json()["status"] == "case_opened"
    # A call opens one case: the second attempt is a conflict naming the call's status.
    response = client.post("/api/v1/cases", json=case_body(call_id=call.id))
    assert response.status_code == 409
    assert "case_opened" in response.get_json()["message"]


def test_call_id_of_another_region_is_unknown(create_call, case_api):
    call = create_call(region_code="430200")
    response = case_api().post("/api/v1/cases", json=case_body(call_id=call.id))
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"call_id": ["No such call in your region."]}


def test_a_linked_call_the_reader_may_not_read_is_not_shown(users, create_call, case_api, documented):
    """A call logged for the province, opened as a 长沙 case by a province officer: 长沙's officer reads the case
    (detail and list) without the call — neither its id, its reference nor its status; the province sees it."""
    call = create_call(region_code="430000", request_type="report")
    province = case_api(users.officer)
    case = province.open_case(call_id=call.id, case_type="counterfeit", source="hotline_call",
                              received_on="2015-06-01")
    assert case["region_code"] == CASE_REGION and case["call"]["ref"] == call.ref
    changsha = case_api(users.officer_cs)
    response = changsha.get(f"/api/v1/cases/{case['id']}")
    assert response.status_code == 200
    seen = documented(response)
    assert seen["call"] is None and seen["call_id"] is None and seen["source"] == "hotline_call"
    assert call.ref not in response.get_data(as_text=True)
    listed = documented(changsha.get("/api/v1/cases"))["items"]
    assert [(c["id"], c["call_id"]) for c in listed] == [(case["id"], None)]
    # the province's users, who may read the call, see it in both
    assert province.read(case["id"])["call"]["ref"] == call.ref
    assert [c["call_id"] for c in documented(province.get("/api/v1/cases"))["items"]] == [call.id]


# POST /calls/{id}/case -----------------------------------------------------------------------------------------

def test_an_operator_opens_a_case_from_a_call(users, api, create_call, documented):
    call = create_call(region_code=CASE_REGION, request_type="complaint")
    response = api(users.op).post(f"/api/v1/calls/{call.id}/case", json={"summary": "接线员转立案审查"},
                                  headers={"If-Match": str(call.version)})
    assert response.status_code == 201, response.get_json()
    case = documented(response)
    assert (case["status"], case["summary"], case["call_id"]) == ("received", "接线员转立案审查", call.id)
    # … but cases themselves are for officers and supervisors.
    assert api(users.op).get(f"/api/v1/cases/{case['id']}").status_code == 403


def test_open_from_call_needs_the_calls_current_version(users, api, create_call, documented):
    call = create_call(region_code=CASE_REGION)
    client = api(users.officer_cs)
    response = client.post(f"/api/v1/calls/{call.id}/case", json={})
    assert response.status_code == 422
    assert "version" in response.get_json()["errors"]
    response = client.post(f"/api/v1/calls/{call.id}/case", json={}, headers={"If-Match": str(call.version + 1)})
    assert response.status_code == 409
    body = documented(response)
    assert body["current"]["id"] == call.id
    assert client.get(f"/api/v1/calls/{call.id}").get_json()["status"] == "open"


def test_open_from_call_outside_the_region_is_404(users, api, create_call):
    call = create_call(region_code=CASE_REGION)
    response = api(users.officer_zz).post(f"/api/v1/calls/{call.id}/case", json={},
                                          headers={"If-Match": str(call.version)})
    assert response.status_code == 404


def test_open_from_a_transferred_call_is_409(users, api, create_call):
    call = create_call(region_code=CASE_REGION)
    client = api(users.op)
    transferred = client.post(f"/api/v1/calls/{call.id}/transfer", json={"to": "长沙市市场监督管理局"},
                              headers={"If-Match": str(call.version)}).get_json()
    response = client.post(f"/api/v1/calls/{call.id}/case", json={}, headers={"If-Match": str(transferred["version"])})
    assert response.status_code == 409
    assert "transferred" in response.get_json()["message"]


@pytest.mark.parametrize(("body", "field"), [({"case_type": "x"}, "case_type"), ({"call_id": 1}, "call_id"),
                                             ({"received_on": "2015-02-29"}, "received_on")])
def test_open_from_call_overrides_are_strict(users, api, create_call, body, field):
    call = create_call(region_code=CASE_REGION)
    response = api(users.officer_cs).post(f"/api/v1/calls/{call.id}/case", json=body,
                                          headers={"If-Match": str(call.version)})
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_a_call_of_the_province_needs_a_region_for_its_case(users, api, create_call):
    call = create_call(region_code="430000")
    client = api(users.op)
    response = client.post(f"/api/v1/calls/{call.id}/case", json={}, headers={"If-Match": str(call.version)})
    assert response.status_code == 422
    assert "region_code" in response.get_json()["errors"]
    response = client.post(f"/api/v1/calls/{call.id}/case", json={"region_code": CASE_REGION},
                           headers={"If-Match": str(call.version)})
    assert response.status_code == 201
    assert response.get_json()["region_code"] == CASE_REGION


# Roles and regions ---------------------------------------------------------------------------------------------

def _case_routes(case_id: int, attachment_id: int = 1):
    return [
        ("GET", "/api/v1/cases", None),
        ("POST", "/api/v1/cases", case_body()),
        ("GET", f"/api/v1/cases/{case_id}", None),
        ("PATCH", f"/api/v1/cases/{case_id}", {"summary": "x", "version": 1}),
        ("POST", f"/api/v1/cases/{case_id}/actions", {"action": "reject", "on": "2015-10-08", "reason": "x",
                                                       "version": 1}),
        ("POST", f"/api/v1/cases/{case_id}/events", {"kind": "note", "occurred_on": "2015-10-08"}),
        ("GET", f"/api/v1/cases/{case_id}/attachments/{attachment_id}", None),
    ]


@pytest.mark.parametrize("who", ["op", "op_cs", "admin", "admin_cs"])
def test_operators_and_admins_get_403_on_every_case_route(users, api, case_api, who):
    case = case_api().open_case()
    client = api(getattr(users, who))
    for method, url, body in _case_routes(case["id"]):
        response = client._call(method, url, json=body)
        assert response.status_code == 403, (method, url)
    upload = client.post(f"/api/v1/cases/{case['id']}/attachments",
                         data={"file": (io.BytesIO(b"%PDF-1.4"), "a.pdf")})
    assert upload.status_code == 403


def test_no_token_is_401(client, case_api):
    case = case_api().open_case()
    for method, url, body in _case_routes(case["id"]):
        assert client.open(url, method=method, json=body).status_code == 401, (method, url)


def test_another_regions_case_is_404_on_every_route(crew, api, case_api):
    officer = case_api()
    case = officer.file(officer.open_case())
    upload = officer.post(f"/api/v1/cases/{case['id']}/attachments",
                          data={"file": (io.BytesIO(b"%PDF-1.4 evidence"), "a.pdf")})
    assert upload.status_code == 201
    attachment_id = upload.get_json()["id"]
    for outsider in (crew.other_officer, crew.other_supervisor):
        client = api(outsider)
        for method, url, body in _case_routes(case["id"], attachment_id)[2:]:
            response = client._call(method, url, json=body)
            assert response.status_code == 404, (outsider.region_code, method, url)
            assert "case" not in response.get_json() and "summary" not in response.get_json()
        response = client.post(f"/api/v1/cases/{case['id']}/attachments",
                               data={"file": (io.BytesIO(b"%PDF-1.4"), "a.pdf")})
        assert response.status_code == 404
        listing = client.get("/api/v1/cases").get_json()
        assert listing["items"] == []
    after = officer.read(case["id"])
    assert (after["version"], after["status"], len(after["events"]), len(after["attachments"])) == (
        case["version"], "filed", 1, 1)


def test_province_staff_see_every_region(users, case_api, api):
    case = case_api().open_case()
    for user in (users.officer, users.sup):
        assert api(user).get(f"/api/v1/cases/{case['id']}").status_code == 200
        assert [c["id"] for c in api(user).get("/api/v1/cases").get_json()["items"]] == [case["id"]]


@pytest.mark.parametrize("case_id", ["0", str(MAX_BIGINT), str(MAX_BIGINT + 1), "99999999999999999999999"])
def test_missing_and_out_of_range_ids_are_404(case_api, case_id):
    client = case_api()
    assert client.get(f"/api/v1/cases/{case_id}").status_code == 404
    assert client.get(f"/api/v1/cases/{case_id}/attachments/1").status_code == 404
    assert client.patch(f"/api/v1/cases/{case_id}", json={"summary": "x", "version": 1}).status_code == 404


def test_attachment_of_another_case_is_404(case_api):
    client = case_api()
    first, second = client.open_case(), client.open_case()
    upload = client.post(f"/api/v1/cases/{first['id']}/attachments", data={"file": (io.BytesIO(b"%PDF-1.4"), "a.pdf")})
    attachment_id = upload.get_json()["id"]
    assert client.get(f"/api/v1/cases/{second['id']}/attachments/{attachment_id}").status_code == 404
    assert client.get(f"/api/v1/cases/{first['id']}/attachments/{MAX_BIGINT + 1}").status_code == 404


# Reading and listing ---------------------------------------------------------------------------------------------

def test_read_a_case(case_api, documented):
    client = case_api()
    case = client.open_case()
    response = client.get(f"/api/v1/cases/{case['id']}")
    assert response.status_code == 200
    body = documented(response)
    assert body == case
    assert response.headers["Cache-Control"] == "no-store"


def test_a_missing_calendar_year_is_reported_not_guessed(app, case_api):
    """Deadlines in a year without calendar data are not computed; the case says why, naming the year."""
    from hotline.deadlines.calendar import invalidate_calendar_cache
    from hotline.deadlines.models import CalendarDay
    from hotline.extensions import db

    client = case_api()
    case = client.open_case(received_on="2015-12-30")
    with app.app_context():
        db.session.execute(db.delete(CalendarDay).where(CalendarDay.day >= db.func.date("2016-01-01"),
                                                        CalendarDay.day < db.func.date("2017-01-01")))
        db.session.commit()
    invalidate_calendar_cache()
    try:
        body = client.read(case["id"])
        # The filing deadline falls in 2016: it has no date and says why; nothing is guessed.
        assert [(d["kind"], d["due_on"]) for d in body["deadlines"]] == [("file", None)]
        assert "2016" in body["deadlines"][0]["error"]
        assert "2016" in body["deadlines_error"]
    finally:
        with app.app_context():
            from hotline.deadlines.seed import seed_calendar

            seed_calendar()
            db.session.commit()
        invalidate_calendar_cache()


def _ids(response):
    assert response.status_code == 200, response.get_json()
    return [c["id"] for c in response.get_json()["items"]]


def test_list_filters(crew, case_api, documented):
    officer = case_api()
    dispute = officer.file(officer.open_case(received_on="2015-09-30", summary="某厂侵犯外观设计专利"),
                           filed_on="2015-10-08")
    counterfeit = officer.file(officer.open_case(case_type="counterfeit", received_on="2015-06-01",
                                                 summary="商场销售假冒专利产品", is_major=True),
                               filed_on="2015-06-02", count=2)
    received = officer.open_case(received_on="2025-09-30", summary="电商平台专利侵权")
    response = officer.get("/api/v1/cases")
    assert documented(response)["next_cursor"] is None
    assert _ids(response) == [received["id"], dispute["id"], counterfeit["id"]]  # newest receipt first
    assert _ids(officer.get("/api/v1/cases?status=filed")) == [dispute["id"], counterfeit["id"]]
    assert _ids(officer.get("/api/v1/cases?case_type=counterfeit")) == [counterfeit["id"]]
    assert _ids(officer.get("/api/v1/cases?is_major=true")) == [counterfeit["id"]]
    assert _ids(officer.get("/api/v1/cases?is_major=false")) == [received["id"], dispute["id"]]
    assert _ids(officer.get("/api/v1/cases?filed_from=2015-10-01&filed_to=2015-10-31")) == [dispute["id"]]
    assert _ids(officer.get("/api/v1/cases?q=假冒专利")) == [counterfeit["id"]]
    assert _ids(officer.get(f"/api/v1/cases?q={dispute['case_number']}")) == [dispute["id"]]
    assert _ids(officer.get(f"/api/v1/cases?officer_id={crew.officers[2].id}")) == [dispute["id"]]
    assert _ids(officer.get(f"/api/v1/cases?region_code={CASE_REGION}")) == _ids(officer.get("/api/v1/cases"))
    assert _ids(officer.get("/api/v1/cases?region_code=430200")) == []
    # Overdue: the 2015 cases' closing deadlines are long past; the 2025 one's filing deadline too.
    assert _ids(officer.get("/api/v1/cases?overdue=true")) == [received["id"], dispute["id"], counterfeit["id"]]
    assert all(c["overdue"] for c in officer.get("/api/v1/cases").get_json()["items"])


def test_list_pages_with_a_cursor(case_api):
    officer = case_api()
    created = [officer.open_case(received_on=f"2015-09-{day:02d}")["id"] for day in (21, 22, 22, 23, 24)]
    seen, cursor = [], None
    while True:
        url = "/api/v1/cases?page_size=2" + (f"&cursor={cursor}" if cursor else "")
        page = officer.get(url).get_json()
        assert len(page["items"]) <= 2
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [created[4], created[3], created[2], created[1], created[0]]


@pytest.mark.parametrize("query", ["status=open", "case_type=patent", "region_code=999999", "region_code=43",
                                   "overdue=maybe", "filed_from=2015-02-30", "filed_from=20150101",
                                   "filed_from=2015-10-02&filed_to=2015-10-01", "officer_id=0",
                                   f"officer_id={MAX_BIGINT + 1}", "page_size=0", "page_size=201", "cursor=%%%",
                                   "cursor=" + "A" * 401, "cursor=WzEsMl0", "colour=red", "q=" + "长" * 201])
def test_bad_list_queries_are_422(case_api, query):
    response = case_api().get(f"/api/v1/cases?{query}")
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"]


def test_list_search_ignores_nul_and_wildcards(case_api):
    officer = case_api()
    case = officer.open_case(summary="100%_相似 的产品")
    assert _ids(officer.get("/api/v1/cases?q=%00")) == [case["id"]]
    assert _ids(officer.get("/api/v1/cases?q=100%25_")) == [case["id"]]
    assert _ids(officer.get("/api/v1/cases?q=%25")) == [case["id"]]
    assert _ids(officer.get("/api/v1/cases?q=_x")) == []


# Editing ---------------------------------------------------------------------------------------------------------

def test_patch_changes_only_the_fields_sent(case_api, documented):
    client = case_api()
    case = client.open_case()
    response = client.patch(f"/api/v1/cases/{case['id']}", json={"summary": "补充:涉及三个型号", "is_major": True,
                                                                  "amount_involved": "0.10", "requester_name": None},
                            headers={"If-Match": str(case["version"])})
    assert response.status_code == 200, response.get_json()
    body = documented(response)
    assert (body["summary"], body["is_major"], body["amount_involved"], body["requester_name"]) == (
        "补充:涉及三个型号", True, "0.10", None)
    assert body["respondent_name"] == case["respondent_name"]
    assert body["version"] > case["version"]
    assert response.headers["ETag"] == f'"{body["version"]}"'


def test_patch_with_a_stale_version_is_409_with_the_current_case(case_api, documented):
    client = case_api()
    case = client.open_case()
    first = client.patch(f"/api/v1/cases/{case['id']}", json={"summary": "第一次", "version": case["version"]})
    assert first.status_code == 200
    response = client.patch(f"/api/v1/cases/{case['id']}", json={"summary": "第二次"},
                            headers={"If-Match": str(case["version"])})
    assert response.status_code == 409
    body = documented(response)
    assert body["current"]["summary"] == "第一次"
    assert body["current"]["version"] == first.get_json()["version"]
    assert client.read(case["id"])["summary"] == "第一次"


@pytest.mark.parametrize(("body", "field"), [({"case_type": "counterfeit"}, "case_type"),
                                             ({"region_code": "430200"}, "region_code"),
                                             ({"status": "closed"}, "status"),
                                             ({"received_on": "2015-02-30"}, "received_on"),
                                             ({"amount_involved": 1.5}, "amount_involved"),
                                             ({"summary": None}, "summary"),
                                             ({"is_major": None}, "is_major"),
                                             ({"If-Match": "1"}, "If-Match")])
def test_patch_refuses_read_only_and_invalid_fields(case_api, body, field):
    client = case_api()
    case = client.open_case()
    response = client.patch(f"/api/v1/cases/{case['id']}", json=body, headers={"If-Match": str(case["version"])})
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize("if_match", ["abc", "1.0", "-1", "99999999999", "１"])
def test_patch_with_a_malformed_if_match_is_422(case_api, if_match):
    client = case_api()
    case = client.open_case()
    response = client.patch(f"/api/v1/cases/{case['id']}", json={"summary": "x"}, headers={"If-Match": if_match})
    assert response.status_code == 422
    assert "version" in response.get_json()["errors"]


def test_receipt_date_is_read_only_after_filing_and_closed_cases_are_not_edited(case_api):
    client = case_api()
    case = client.file(client.open_case(), filed_on="2015-10-08")
    response = client.patch(f"/api/v1/cases/{case['id']}", json={"received_on": "2015-09-29"},
                            headers={"If-Match": str(case["version"])})
    assert response.status_code == 422
    assert "received_on" in response.get_json()["errors"]
    case = client.act(case, "close", outcome="withdrawn", closed_on="2015-10-20").get_json()
    response = client.patch(f"/api/v1/cases/{case['id']}", json={"summary": "x"},
                            headers={"If-Match": str(case["version"])})
    assert response.status_code == 409
    assert "closed" in response.get_json()["message"]


def test_changing_the_receipt_date_moves_the_filing_deadline(case_api):
    client = case_api()
    case = client.open_case(received_on="2015-09-30")
    response = client.patch(f"/api/v1/cases/{case['id']}", json={"received_on": "2025-09-30"},
                            headers={"If-Match": str(case["version"])})
    assert response.status_code == 200
    assert deadline(response.get_json(), "file")["due_on"] == "2025-10-14"


# Documentation ---------------------------------------------------------------------------------------------------

def test_case_routes_are_documented(openapi_doc):
    paths = openapi_doc["paths"]
    create = paths["/api/v1/cases"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CaseCreate"}
    assert {"201", "401", "403", "409", "413", "422"} <= set(create["responses"])
    actions = paths["/api/v1/cases/{case_id}/actions"]["post"]
    assert actions["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/CaseConflictOut")
    assert "If-Match" in [p["name"] for p in actions["parameters"]]
    upload = paths["/api/v1/cases/{case_id}/attachments"]["post"]
    assert list(upload["requestBody"]["content"]) == ["multipart/form-data"]
    assert {"201", "404", "413", "422"} <= set(upload["responses"])
    download = paths["/api/v1/cases/{case_id}/attachments/{attachment_id}"]["get"]
    assert "application/json" not in download["responses"]["200"]["content"]
    assert paths["/api/v1/calls/{call_id}/case"]["post"]["responses"]["409"]["content"]["application/json"][
        "schema"]["$ref"].endswith("/ConflictOut")
    listing = {p["name"] for p in paths["/api/v1/cases"]["get"]["parameters"]}
    assert {"status", "case_type", "region_code", "overdue", "filed_from", "filed_to", "q", "officer_id",
            "is_major", "page_size", "cursor"} <= listing
    assert "cases" in [t["name"] for t in openapi_doc["tags"]]


@pytest.mark.parametrize("text", ["1e30", "1E+400"])
def test_domain_money_parser_refuses_exponents_with_a_field_error(app, text):
    """The web form's path too: no decimal.InvalidOperation (a 500) for exponent input."""
    from hotline.cases.operations import _Errors, parse_money

    errors = _Errors()
    with app.app_context():
        assert parse_money(text, "amount_involved", errors) is None
    assert "amount_involved" in errors


# The respondent's legal representative (法定代表人) -------------------------------------------------------------

def test_an_organizations_legal_representative_round_trips(case_api, documented):
    client = case_api()
    response = client.post("/api/v1/cases", json=case_body(respondent_name="长沙某某贸易有限公司",
                                                            respondent_kind="organization",
                                                            respondent_legal_rep=" 李四 "))
    assert response.status_code == 201, response.get_json()
    case = documented(response)
    assert case["respondent_legal_rep"] == "李四"
    assert client.read(case["id"])["respondent_legal_rep"] == "李四"
    cleared = client.patch(f"/api/v1/cases/{case['id']}", json={"respondent_legal_rep": None,
                                                                "version": case["version"]})
    assert cleared.status_code == 200 and documented(cleared)["respondent_legal_rep"] is None


def test_a_person_has_no_legal_representative(case_api, documented):
    client = case_api()
    response = client.post("/api/v1/cases", json=case_body(respondent_name="张三", respondent_kind="person",
                                                            respondent_legal_rep="李四"))
    assert response.status_code == 422
    assert list(documented(response)["errors"]) == ["respondent_legal_rep"]
    # turning an organization with a representative into a person needs the representative cleared too
    case = client.open_case(respondent_kind="organization", respondent_legal_rep="李四")
    refused = client.patch(f"/api/v1/cases/{case['id']}", json={"respondent_kind": "person",
                                                                 "version": case["version"]})
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["respondent_legal_rep"]
    done = client.patch(f"/api/v1/cases/{case['id']}", json={"respondent_kind": "person", "respondent_legal_rep": "",
                                                             "version": case["version"]})
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["respondent_kind"], done.get_json()["respondent_legal_rep"]) == ("person", None)


@pytest.mark.parametrize("value", ["李" * 51, 42, ["李四"]])
def test_a_bad_legal_representative_is_422(case_api, value):
    response = case_api().post("/api/v1/cases", json=case_body(respondent_legal_rep=value))
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["respondent_legal_rep"]
