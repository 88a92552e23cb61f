"""Call forms: field parsing, cross-field rules, choices per user, and the operation input they produce."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from hotline.calls.forms import (
    CALL_STATUS_LABELS,
    CallFilterForm,
    EditCallForm,
    FeedbackForm,
    NewCallForm,
    StatusForm,
    TransferForm,
    api_shape,
    format_duration,
    status_label,
)
from hotline.calls.models import CallStatus
from hotline.calls.operations import FEEDBACK_METHODS

BEIJING = ZoneInfo("Asia/Shanghai")
CHANGSHA = SimpleNamespace(region_code="430100", role="operator")
PROVINCE = SimpleNamespace(region_code="430000", role="operator")


def valid_intake(**overrides) -> dict:
    data = {"caller_phone": "13812345678", "caller_name": "张三", "request_type": "report", "channel": "phone",
            "ip_type": "patent", "region_code": "430100", "summary": "举报假冒专利", "received_at": "2025-06-01T00:30"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def post(app):
    """``post(form_class, data, **kwargs) -> validated form`` inside a POST request context (English)."""
    contexts = []

    def factory(form_class, data, **kwargs):
        ctx = app.test_request_context("/", method="POST", data=data)
        ctx.push()
        contexts.append(ctx)
        from flask import session

        session["lang"] = "en"
        form = form_class(**kwargs)
        form.validate()
        return form

    yield factory
    for ctx in reversed(contexts):
        ctx.pop()


@pytest.fixture
def blank(app):
    """``blank(form_class, **kwargs) -> form`` in a GET request context (default locale)."""
    contexts = []

    def factory(form_class, **kwargs):
        ctx = app.test_request_context("/")
        ctx.push()
        contexts.append(ctx)
        return form_class(**kwargs)

    yield factory
    for ctx in reversed(contexts):
        ctx.pop()


@pytest.mark.parametrize(("typed", "seconds"), [
    ("4:30", 270), ("0:05", 5), ("5", 300), ("1:02:00", 3720), ("4：30", 270), (" 12:00 ", 720), ("", None),
])
def test_duration_accepts_minutes_and_seconds(post, typed, seconds):
    form = post(NewCallForm, valid_intake(duration_seconds=typed), user=CHANGSHA)
    assert not form.duration_seconds.errors
    assert form.duration_seconds.data == seconds


@pytest.mark.parametrize(("typed", "message"), [
    ("4:75", "go up to 59"), ("abc", "Give minutes:seconds"), ("25:00:00", "At most 24 hours."),
    ("99999", "Too long"), ("-3", "Give minutes:seconds"),
])
def test_duration_rejects_nonsense(post, typed, message):
    form = post(NewCallForm, valid_intake(duration_seconds=typed), user=CHANGSHA)
    assert form.duration_seconds.data is None
    assert any(message in str(e) for e in form.duration_seconds.errors), form.duration_seconds.errors


def test_format_duration():
    assert format_duration(None) == ""
    assert format_duration(5) == "0:05"
    assert format_duration(270) == "4:30"
    assert format_duration(3720) == "1:02:00"


def test_valid_intake_gives_operation_input_in_beijing_time(post):
    form = post(NewCallForm, valid_intake(accused_party="  某公司  ", place="   "), user=CHANGSHA)
    assert form.errors == {}
    data = form.api_data(BEIJING)
    assert data["received_at"] == datetime(2025, 6, 1, 0, 30, tzinfo=BEIJING)
    assert data["received_at"].utcoffset().total_seconds() == 8 * 3600
    assert data["accused_party"] == "某公司"
    assert data["place"] is None
    assert data["anonymous"] is False
    assert data["caller_phone"] == "13812345678"
    assert data["request_type"] == "report"
    assert set(data) == set(NewCallForm.FIELD_ORDER)


def test_api_shape_normalizes_like_the_form():
    shaped = api_shape({"summary": " x ", "ip_type": "", "anonymous": None,
                        "received_at": datetime(2025, 1, 1, 8, 0)}, BEIJING)
    assert shaped == {"summary": "x", "ip_type": None, "anonymous": False,
                      "received_at": datetime(2025, 1, 1, 8, 0, tzinfo=BEIJING)}


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"anonymous": "y"}, "caller_phone", "An anonymous call has no caller number"),
    ({"anonymous": "y", "caller_phone": ""}, "caller_name", "An anonymous call has no caller name"),
    ({"caller_phone": "1381234567"}, "caller_phone", "A mobile number has 11 digits"),
    ({"caller_phone": "99999"}, "caller_phone", "not a known service number"),
    ({"patent_number": "201710601862.4"}, "patent_number", "Check digit mismatch"),
    ({"patent_number": "hello"}, "patent_number", "Not a patent number"),
    ({"summary": ""}, "summary", "A summary is required."),
    ({"summary": "长" * 501}, "summary", "500"),
    ({"region_code": "430200"}, "region_code", "Not a valid choice."),
    ({"request_type": "gossip"}, "request_type", "Not a valid choice."),
])
def test_intake_field_errors(post, overrides, field, message):
    form = post(NewCallForm, valid_intake(**overrides), user=CHANGSHA)
    errors = [str(e) for e in form.errors.get(field, [])]
    assert any(message in e for e in errors), form.errors


def test_anonymous_without_number_or_name_is_valid(post):
    form = post(NewCallForm, valid_intake(anonymous="y", caller_phone="", caller_name=""), user=CHANGSHA)
    assert form.errors == {}
    assert form.api_data(BEIJING)["anonymous"] is True


def test_service_numbers_and_landlines_are_valid(post):
    for number in ("12345", "0731-84567890", "84567890", "+86 138 1234 5678"):
        form = post(NewCallForm, valid_intake(caller_phone=number), user=CHANGSHA)
        assert "caller_phone" not in form.errors, (number, form.errors)


def test_choices_follow_the_user_and_the_locale(blank):
    form = blank(NewCallForm, user=CHANGSHA)
    # 长沙 and its nine counties (the region tree); no other 市州.
    assert [c.value for c in form.region_code.choices] == ["430100", "430102", "430103", "430104", "430105",
                                                           "430111", "430112", "430121", "430181", "430182"]
    assert [c.label for c in form.request_type.choices][:3] == ["Consultation", "Report", "Complaint"]
    assert form.channel.default == "phone"
    assert form.ip_type.choices[0].value == ""  # "not specified" is allowed
    province = blank(NewCallForm, user=PROVINCE)
    values = [c.value for c in province.region_code.choices]
    assert values[0] == ""
    assert "430000" in values
    assert len(values) == 1 + 15 + 122  # blank, the province and its 14 市州, their counties


def test_edit_form_without_caller_fields_for_masked_roles(blank):
    masked = blank(EditCallForm, user=CHANGSHA, can_see_caller=False)
    assert "caller_phone" not in masked
    assert "caller_name" not in masked
    assert "anonymous" not in masked
    full = blank(EditCallForm, user=CHANGSHA, can_see_caller=True)
    assert "caller_phone" in full
    assert "version" in full


def test_edit_form_needs_its_version(post):
    form = post(EditCallForm, valid_intake(), user=CHANGSHA, can_see_caller=True)
    assert "version" in form.errors
    form = post(EditCallForm, valid_intake(version="3"), user=CHANGSHA, can_see_caller=True)
    assert "version" not in form.errors
    assert form.version.data == 3


def test_filter_form_region_only_for_users_with_regions_below(blank, app):
    from types import SimpleNamespace

    changsha = blank(CallFilterForm, user=CHANGSHA)  # 长沙 filters by itself or one of its counties
    assert [c.value for c in changsha.region_code.choices][:3] == ["", "430100", "430102"]
    assert "region_code" in blank(CallFilterForm, user=PROVINCE)
    county = SimpleNamespace(region_code="430102", role="operator")
    assert "region_code" not in blank(CallFilterForm, user=county)


def test_filter_form_query_args_keep_only_valid_filters(app):
    from werkzeug.datastructures import MultiDict

    with app.test_request_context("/calls"):
        args = MultiDict({"date_from": "2025-06-01", "date_to": "2025-05-01", "status": "open", "channel": "nope",
                          "q": "电饭煲", "region_code": "430100"})
        form = CallFilterForm(args, user=PROVINCE)
        assert not form.validate()
        assert "date_to" in form.errors
        assert "channel" in form.errors
        assert form.query_args() == {"date_from": "2025-06-01", "status": "open", "q": "电饭煲",
                                     "region_code": "430100"}
        empty = CallFilterForm(MultiDict(), user=PROVINCE)
        assert empty.validate()
        assert empty.query_args() == {}


def test_transfer_form_target(post):
    form = post(TransferForm, {"to_region": "430200", "version": "1"}, user=CHANGSHA)
    assert form.errors == {}
    assert form.target == "430200"
    form = post(TransferForm, {"to_agency": " 长沙市公安局 ", "version": "1"}, user=CHANGSHA)
    assert form.errors == {}
    assert form.target == "长沙市公安局"
    assert "to_agency" in post(TransferForm, {"version": "1"}, user=CHANGSHA).errors
    assert "to_agency" in post(TransferForm, {"to_region": "430200", "to_agency": "x", "version": "1"},
                               user=CHANGSHA).errors
    assert "to_region" in post(TransferForm, {"to_region": "430000", "version": "1"}, user=CHANGSHA).errors
    assert "version" in post(TransferForm, {"to_region": "430200"}, user=CHANGSHA).errors


def test_status_form_reason_only_for_not_accepted(post):
    assert post(StatusForm, {"status": "answered", "version": "2"}).errors == {}
    assert "reason" in post(StatusForm, {"status": "not_accepted", "version": "2"}).errors
    assert post(StatusForm, {"status": "not_accepted", "reason": "非知识产权事项", "version": "2"}).errors == {}
    assert "status" in post(StatusForm, {"status": "closed", "version": "2"}).errors


def test_feedback_form_methods_and_note(post):
    form = post(FeedbackForm, {"method": "sms", "note": "已告知", "version": "1"})
    assert form.errors == {}
    assert form.given_at.data is None
    assert [c.value for c in form.method.choices] == list(FEEDBACK_METHODS)
    assert "note" in post(FeedbackForm, {"method": "sms", "note": "", "version": "1"}).errors
    assert "method" in post(FeedbackForm, {"method": "fax", "note": "x", "version": "1"}).errors


def test_every_status_has_a_label(app):
    with app.test_request_context("/"):
        from flask import session

        session["lang"] = "en"
        assert set(CALL_STATUS_LABELS) == set(CallStatus)
        assert status_label("case_opened") == "Case opened"
        assert status_label("weird") == "weird"
