"""Counting rules of the monthly figures (product.md "Statistics", domain-reference.md §3), computed in SQL on
both backends: Beijing-time month boundaries, calls by type/channel/IP type and decision, cases by filing and
closing date, pending at month end, exact money sums, and the province row."""

from __future__ import annotations

from datetime import date

import pytest

from hotline.calls.operations import set_call_status, transfer_call
from hotline.cases.models import ALL_OUTCOMES
from hotline.core.permissions import DEFAULT_PROVINCE as PROVINCE_CODE
from hotline.extensions import db
from hotline.reference.queries import list_regions
from hotline.stats.compute import Month, compute_month, empty_figures
from tests.stats.builders import CHANGSHA, ZHUZHOU, add_call, add_case, beijing, province_operator

MAY, JUNE = Month(2015, 5), Month(2015, 6)


# Months ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [("2015-05", Month(2015, 5)), ("2000-01", Month(2000, 1)),
                                                ("2100-12", Month(2100, 12))])
def test_month_parse(text, expected):
    assert Month.parse(text) == expected
    assert str(expected) == text


@pytest.mark.parametrize("text", ["2015-13", "2015-00", "15-05", "2015-5", "2015-05-01", "201505", "", "abcd-ef",
                                  "1999-12", " 2015-05"])
def test_month_parse_refuses(text):
    with pytest.raises(ValueError, match="Not a month"):
        Month.parse(text)


def test_month_arithmetic_and_bounds(ctx):
    assert Month(2015, 12).next() == Month(2016, 1)
    assert Month(2016, 1).previous() == Month(2015, 12)
    assert Month(2016, 2).last_day == date(2016, 2, 29)
    start, end = MAY.utc_bounds()
    assert start.isoformat() == "2015-04-30T16:00:00+00:00"
    assert end.isoformat() == "2015-05-31T16:00:00+00:00"


# Calls -----------------------------------------------------------------------------------------------------

def test_calls_count_in_their_beijing_month(ctx):
    add_call(beijing(2015, 4, 30, 23, 59))             # April
    add_call(beijing(2015, 5, 1, 0, 0))                # May (still April in UTC)
    add_call(beijing(2015, 5, 31, 23, 30))             # May
    add_call(beijing(2015, 6, 1, 0, 30))               # June, although 2015-05-31 16:30 in UTC
    db.session.commit()
    assert compute_month(Month(2015, 4))[CHANGSHA]["calls"]["total"] == 1
    assert compute_month(MAY)[CHANGSHA]["calls"]["total"] == 2
    assert compute_month(JUNE)[CHANGSHA]["calls"]["total"] == 1


def test_calls_by_request_type_channel_and_ip_type(ctx):
    add_call(beijing(2015, 5, 4), channel="phone", request_type="complaint", ip_type="patent")
    add_call(beijing(2015, 5, 5), channel="phone", request_type="report", ip_type="trademark")
    add_call(beijing(2015, 5, 6), channel="wechat", request_type="consultation", ip_type=None)
    add_call(beijing(2015, 5, 7), channel="letter", request_type="report", ip_type="patent", caller_phone=None)
    add_call(beijing(2015, 5, 8), channel="phone", request_type="aid_request", ip_type="copyright",
             region_code=ZHUZHOU)
    db.session.commit()
    calls = compute_month(MAY)[CHANGSHA]["calls"]
    assert calls["total"] == 4
    assert calls["by_request_type"] == {"consultation": 1, "report": 2, "complaint": 1, "aid_request": 0,
                                        "other": 0}
    assert calls["by_channel"]["phone"] == 2
    assert calls["by_channel"]["wechat"] == 1
    assert calls["by_channel"]["letter"] == 1
    assert sum(calls["by_channel"].values()) == 4
    assert calls["by_ip_type"]["patent"] == 2
    assert calls["by_ip_type"]["trademark"] == 1
    assert calls["by_ip_type"]["unspecified"] == 1
    assert sum(calls["by_ip_type"].values()) == 4
    assert calls["phone_total"] == 2
    assert calls["reports_and_complaints"] == 3
    zhuzhou = compute_month(MAY)[ZHUZHOU]["calls"]
    assert (zhuzhou["total"], zhuzhou["by_ip_type"]["copyright"], zhuzhou["by_request_type"]["aid_request"]) == (
        1, 1, 1)


def test_call_decisions_are_counted(ctx, create_user):
    from hotline.accounts.models import User
    from hotline.cases.operations import open_case_from_call

    officer = db.session.get(User, create_user("officer", CHANGSHA).id)
    actor = province_operator()
    opened = add_call(beijing(2015, 5, 3), request_type="report")
    answered = add_call(beijing(2015, 5, 4))
    refused = add_call(beijing(2015, 5, 5))
    moved = add_call(beijing(2015, 5, 6))
    to_agency = add_call(beijing(2015, 5, 7))
    add_call(beijing(2015, 5, 8))  # still open
    set_call_status(answered, "answered", actor=actor, expected_version=answered.version)
    set_call_status(refused, "not_accepted", reason="不属于受理范围", actor=actor, expected_version=refused.version)
    transfer_call(moved, ZHUZHOU, "属地管辖", actor=actor, expected_version=moved.version)
    transfer_call(to_agency, "市场监督管理局", None, actor=actor, expected_version=to_agency.version)
    open_case_from_call(opened, {}, actor=officer, expected_version=opened.version)
    db.session.commit()
    figures = compute_month(MAY)
    changsha, zhuzhou = figures[CHANGSHA]["calls"], figures[ZHUZHOU]["calls"]
    assert (changsha["total"], changsha["answered"], changsha["not_accepted"], changsha["transferred"]) == (5, 1, 1, 1)
    assert changsha["case_opened"] == 1
    # A call transferred to a 市州 office moves into that region, with its transfer.
    assert (zhuzhou["total"], zhuzhou["transferred"]) == (1, 1)
    assert figures[PROVINCE_CODE]["calls"]["transferred"] == 2


def test_a_month_without_activity_has_every_key_at_zero(ctx):
    figures = compute_month(Month(2014, 2))
    regions = [r.code for r in list_regions() if r.code != PROVINCE_CODE]
    assert len(regions) == 14
    assert set(figures) == {*regions, PROVINCE_CODE, "other"}
    for data in figures.values():
        assert data == empty_figures()
    assert figures[PROVINCE_CODE]["cases"]["amount_involved"] == "0.00"


# Cases -----------------------------------------------------------------------------------------------------

def test_cases_filed_by_type_and_the_total(ctx):
    for _ in range(3):
        add_case(case_type="infringement_dispute", received_on=date(2015, 4, 28), filed_on=date(2015, 5, 4))
    add_case(case_type="other_dispute", received_on=date(2015, 5, 2), filed_on=date(2015, 5, 8))
    for _ in range(2):
        add_case(case_type="counterfeit", received_on=date(2015, 5, 3), filed_on=date(2015, 5, 5))
    add_case(case_type="counterfeit", received_on=date(2015, 5, 20), filed_on=date(2015, 6, 1))  # June
    add_case(case_type="infringement_dispute", received_on=date(2015, 5, 20))  # received, not filed
    add_case(case_type="infringement_dispute", received_on=date(2015, 5, 21), rejected_on=date(2015, 5, 25))
    db.session.commit()
    cases = compute_month(MAY)[CHANGSHA]["cases"]
    assert cases["infringement_disputes"] == 3
    assert cases["other_disputes"] == 1
    assert cases["disputes"] == 4 == cases["infringement_disputes"] + cases["other_disputes"]
    assert cases["counterfeit"] == 2
    # 办案总量 = disputes + counterfeit cases filed in the period.
    assert cases["total"] == cases["filed"] == 6 == cases["disputes"] + cases["counterfeit"]
    assert cases["received"] == 6
    assert cases["not_accepted"] == 1
    assert compute_month(JUNE)[CHANGSHA]["cases"]["counterfeit"] == 1


def test_closed_by_outcome_uses_the_closing_date(ctx):
    add_case(received_on=date(2015, 3, 2), filed_on=date(2015, 3, 5), closed_on=date(2015, 5, 6),
             outcome="mediated", judicial_confirmation=True)
    add_case(received_on=date(2015, 5, 2), filed_on=date(2015, 5, 5), closed_on=date(2015, 5, 31),
             outcome="infringement_found")
    add_case(case_type="counterfeit", received_on=date(2015, 5, 2), filed_on=date(2015, 5, 5),
             closed_on=date(2015, 5, 20), outcome="transferred_police", transferred_judicial=True)
    add_case(case_type="counterfeit", received_on=date(2015, 5, 2), filed_on=date(2015, 5, 5),
             closed_on=date(2015, 6, 1), outcome="penalized", fine_amount="5000.00")
    db.session.commit()
    may = compute_month(MAY)[CHANGSHA]["cases"]
    assert may["closed"] == 3
    assert may["closed_by_outcome"] == {**dict.fromkeys(ALL_OUTCOMES, 0), "mediated": 1, "infringement_found": 1,
                                        "transferred_police": 1}
    assert may["mediated"] == 1
    assert may["judicial_confirmation"] == 1
    assert may["transferred_judicial"] == 1
    assert may["fines"] == "0.00"  # the fine belongs to June, the month the case closed
    june = compute_month(JUNE)[CHANGSHA]["cases"]
    assert (june["closed"], june["closed_by_outcome"]["penalized"], june["fines"]) == (1, 1, "5000.00")
    assert compute_month(Month(2015, 3))[CHANGSHA]["cases"]["closed"] == 0


def test_pending_at_month_end(ctx):
    add_case(received_on=date(2015, 3, 2), filed_on=date(2015, 3, 5))  # open: pending
    add_case(received_on=date(2015, 5, 2), filed_on=date(2015, 5, 31))  # filed on the last day: pending
    add_case(received_on=date(2015, 5, 2), filed_on=date(2015, 5, 5), closed_on=date(2015, 6, 1))  # pending
    add_case(received_on=date(2015, 5, 2), filed_on=date(2015, 5, 5), closed_on=date(2015, 5, 31))  # closed
    add_case(received_on=date(2015, 4, 2), filed_on=date(2015, 4, 5), closed_on=date(2015, 4, 30))  # closed before
    add_case(received_on=date(2015, 5, 30), filed_on=date(2015, 6, 1))  # filed after the month
    add_case(received_on=date(2015, 5, 20))  # never filed
    db.session.commit()
    assert compute_month(MAY)[CHANGSHA]["cases"]["pending_end"] == 3
    assert compute_month(JUNE)[CHANGSHA]["cases"]["pending_end"] == 3
    assert compute_month(Month(2015, 3))[CHANGSHA]["cases"]["pending_end"] == 1


def test_amounts_are_exact_decimal_strings(ctx):
    add_case(received_on=date(2015, 5, 2), filed_on=date(2015, 5, 5), amount_involved="12500.00")
    add_case(received_on=date(2015, 5, 2), filed_on=date(2015, 5, 6), amount_involved="0.10")
    add_case(received_on=date(2015, 5, 2), filed_on=date(2015, 5, 6))  # no amount
    add_case(case_type="counterfeit", received_on=date(2015, 5, 2), filed_on=date(2015, 5, 5),
             closed_on=date(2015, 5, 25), fine_amount="0.10", confiscated_amount="1999.99",
             amount_involved="0.20", region_code=ZHUZHOU)
    add_case(case_type="counterfeit", received_on=date(2015, 5, 2), filed_on=date(2015, 5, 5),
             closed_on=date(2015, 5, 26), fine_amount="0.20", confiscated_amount="0.01", region_code=ZHUZHOU)
    db.session.commit()
    figures = compute_month(MAY)
    assert figures[CHANGSHA]["cases"]["amount_involved"] == "12500.10"
    assert figures[ZHUZHOU]["cases"]["fines"] == "0.30"
    assert figures[ZHUZHOU]["cases"]["confiscated"] == "2000.00"
    province = figures[PROVINCE_CODE]["cases"]
    assert (province["amount_involved"], province["fines"], province["confiscated"]) == ("12500.30", "0.30",
                                                                                          "2000.00")


def test_flags_exhibition_ecommerce_major_foreign(ctx):
    add_case(received_on=date(2015, 5, 2), filed_on=date(2015, 5, 5), is_exhibition=True, is_major=True)
    add_case(received_on=date(2015, 5, 2), filed_on=date(2015, 5, 5), is_ecommerce=True, foreign_related=True)
    add_case(received_on=date(2015, 5, 2), is_exhibition=True)  # not filed: not counted
    db.session.commit()
    cases = compute_month(MAY)[CHANGSHA]["cases"]
    assert (cases["exhibition"], cases["ecommerce"], cases["major"], cases["foreign_related"]) == (1, 1, 1, 1)


def test_overdue_cases(ctx):
    late = add_case(received_on=date(2015, 3, 2), filed_on=date(2015, 3, 5))  # open past its deadline
    late.close_due_on = date(2015, 5, 10)
    on_time = add_case(received_on=date(2015, 3, 2), filed_on=date(2015, 3, 5))
    on_time.close_due_on = date(2015, 6, 10)
    closed_late = add_case(received_on=date(2015, 3, 2), filed_on=date(2015, 3, 5), closed_on=date(2015, 5, 12))
    closed_late.close_due_on = date(2015, 5, 11)
    db.session.commit()
    assert compute_month(MAY)[CHANGSHA]["cases"]["overdue"] == 2


# Province ----------------------------------------------------------------------------------------------------

def test_province_row_is_the_sum_of_the_regions_and_calls_against_the_province(ctx):
    add_call(beijing(2015, 5, 4), region_code=CHANGSHA)
    add_call(beijing(2015, 5, 4), region_code=ZHUZHOU, channel="wechat")
    add_call(beijing(2015, 5, 4), region_code="431300")
    add_call(beijing(2015, 5, 5), region_code=PROVINCE_CODE, request_type="consultation")
    add_call(beijing(2015, 5, 6), region_code=PROVINCE_CODE)
    add_case(received_on=date(2015, 5, 2), filed_on=date(2015, 5, 5), amount_involved="100.00")
    add_case(received_on=date(2015, 5, 2), filed_on=date(2015, 5, 5), region_code=ZHUZHOU,
             case_type="counterfeit", amount_involved="0.05")
    db.session.commit()
    figures = compute_month(MAY)
    province = figures[PROVINCE_CODE]
    assert province["calls"]["total"] == 5
    assert figures["other"]["calls"]["total"] == 2
    assert province["calls"]["by_request_type"]["consultation"] == 1
    assert province["calls"]["by_channel"] == {
        **dict.fromkeys(province["calls"]["by_channel"], 0), "phone": 4, "wechat": 1}
    regions = [r.code for r in list_regions() if r.code != PROVINCE_CODE]
    for section in ("calls", "cases"):
        for key, value in province[section].items():
            if isinstance(value, int):
                parts = sum(figures[code][section][key] for code in [*regions, "other"])
                assert value == parts, (section, key)
    assert province["cases"]["total"] == 2
    assert province["cases"]["amount_involved"] == "100.05"
