"""Performance of the regions (绩效考核): the counts the workers store per month, the indicators' boundaries
(nothing due → null, closure rate ≤ 100 %), the weights (renormalised over indicators with a value), ties, the
yearly table as a sum of monthly rows, and child regions (counties) when the region table has them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from config import DEFAULT_PERFORMANCE_WEIGHTS, performance_weights
from hotline.core.permissions import DEFAULT_PROVINCE as PROVINCE_CODE
from hotline.extensions import db
from hotline.reference import queries as ref
from hotline.review.models import CaseReview
from hotline.stats.compute import Month
from hotline.stats.models import PerformanceMonth
from hotline.stats.operations import build_month
from hotline.stats.performance import (
    Period,
    compute_counts,
    indicator_points,
    performance_table,
    rank_rows,
    score_of,
    store_month,
    values_of,
)
from hotline.transfers.models import Transfer
from tests.stats.builders import CHANGSHA, ZHUZHOU, add_call, add_case, beijing

MAY = Month(2015, 5)


def _transfer(*, to_region: str = CHANGSHA, sent_on: date, sign_due_on: date | None = None,
              signed_on: date | None = None, answer_due_on: date | None = None, answered_on: date | None = None,
              called_back_on: date | None = None, satisfaction: str | None = None, status: str = "signed"):
    call = add_call(beijing(sent_on.year, sent_on.month, sent_on.day), region_code=PROVINCE_CODE)
    transfer = Transfer(call_id=call.id, from_region_code=PROVINCE_CODE, to_region_code=to_region, status=status,
                        sent_on=sent_on, sign_due_on=sign_due_on, signed_on=signed_on, answer_due_on=answer_due_on,
                        answered_on=answered_on, called_back_on=called_back_on,
                        reached=True if called_back_on else None, satisfaction=satisfaction)
    db.session.add(transfer)
    db.session.flush()
    return transfer


def _review(case, score: str, at) -> CaseReview:
    review = CaseReview(case_id=case.id, sample_label=f"评查 {at:%Y-%m-%d %H:%M}", region_code=case.region_code,
                        status="done", score=Decimal(score), grade="合格", reviewed_at=at)
    db.session.add(review)
    db.session.flush()
    return review


def _row(table, code):
    return next(r for r in table["rows"] if r["region_code"] == code)


# Values ----------------------------------------------------------------------------------------------------------

def test_nothing_due_gives_null_not_zero_or_hundred(ctx):
    table = performance_table(Period.parse("2015-05"))
    assert [r["region_code"] for r in table["rows"]] == [r.code for r in ref.list_regions() if r.code != PROVINCE_CODE]
    changsha = _row(table, CHANGSHA)
    values = changsha["values"]
    for code in ("filed_on_time", "closed_on_time", "closure_rate", "transfers_signed_on_time",
                 "transfers_answered_on_time", "satisfaction", "review_score"):
        assert values[code] is None, code
    assert values["overdue_end"] == 0
    assert changsha["score"] is None and changsha["rank"] is None


def test_case_indicators_and_closure_rate_at_most_100(ctx):
    # Pending at the start of May: filed in April, still open on 1 May; closed in May, on time.
    add_case(received_on=date(2015, 4, 1), filed_on=date(2015, 4, 3), closed_on=date(2015, 5, 10),
             close_due_on=date(2015, 7, 3))
    # Filed in May on time, closed in May late (due 20 May, closed 25 May).
    add_case(received_on=date(2015, 5, 2), filed_on=date(2015, 5, 4), file_due_on=date(2015, 5, 9),
             closed_on=date(2015, 5, 25), close_due_on=date(2015, 5, 20))
    # Not accepted in May, after its filing deadline.
    add_case(received_on=date(2015, 5, 2), rejected_on=date(2015, 5, 15), file_due_on=date(2015, 5, 9))
    # Filed in May, still open, past its closing deadline at the end of May: overdue at the end.
    add_case(received_on=date(2015, 5, 3), filed_on=date(2015, 5, 5), file_due_on=date(2015, 5, 9),
             close_due_on=date(2015, 5, 30))
    # 株洲: closed in May a case filed long ago (pending at the start) — 1 closed ÷ (1 + 0) = 100 %, never more.
    add_case(region_code=ZHUZHOU, received_on=date(2014, 1, 2), filed_on=date(2014, 1, 5),
             closed_on=date(2015, 5, 6), close_due_on=date(2014, 4, 5))
    db.session.commit()
    build_month(MAY)
    db.session.commit()

    table = performance_table(Period.parse("2015-05"))
    changsha = _row(table, CHANGSHA)["values"]
    assert changsha["filed_on_time"] == 66.7          # 2 of 3 filing decisions by their deadline
    assert changsha["closed_on_time"] == 50.0         # 1 of 2 closings by their deadline
    assert changsha["closure_rate"] == 66.7           # 2 closed ÷ (1 pending at the start + 2 filed)
    assert changsha["overdue_end"] == 1
    zhuzhou = _row(table, ZHUZHOU)["values"]
    assert zhuzhou["closure_rate"] == 100.0
    assert zhuzhou["closed_on_time"] == 0.0           # due, and late: 0 %, not null
    assert zhuzhou["filed_on_time"] is None           # no filing decision in May
    for row in table["rows"]:
        rate = row["values"]["closure_rate"]
        assert rate is None or 0 <= rate <= 100


def test_transfers_satisfaction_and_reviews(ctx):
    _transfer(sent_on=date(2015, 5, 4), sign_due_on=date(2015, 5, 5), signed_on=date(2015, 5, 5),
              answer_due_on=date(2015, 5, 20), answered_on=date(2015, 5, 22), called_back_on=date(2015, 5, 25),
              satisfaction="basically_satisfied", status="called_back")
    _transfer(sent_on=date(2015, 5, 6), sign_due_on=date(2015, 5, 7), signed_on=date(2015, 5, 9),
              answer_due_on=date(2015, 5, 28), answered_on=date(2015, 5, 27), called_back_on=date(2015, 5, 29),
              satisfaction="dissatisfied", status="called_back")
    # Sent late in May, never signed: overdue at the end of May.
    _transfer(sent_on=date(2015, 5, 26), sign_due_on=date(2015, 5, 27), answer_due_on=date(2015, 6, 20),
              status="pending")
    case = add_case(received_on=date(2015, 1, 2), filed_on=date(2015, 1, 5), closed_on=date(2015, 3, 1))
    _review(case, "92.5", beijing(2015, 5, 12))
    _review(case, "80.0", beijing(2015, 5, 31, 23, 30))   # 31 May in Beijing (15:30 UTC): May
    _review(case, "10.0", beijing(2015, 6, 1, 0, 30))     # 1 June in Beijing, still May in UTC: June
    db.session.commit()
    store_month(MAY)
    db.session.commit()

    values = _row(performance_table(Period.parse("2015-05")), CHANGSHA)["values"]
    assert values["transfers_signed_on_time"] == 50.0
    assert values["transfers_answered_on_time"] == 50.0
    assert values["satisfaction"] == 50.0             # basically satisfied counts as satisfied
    assert values["review_score"] == 86.3             # (92.5 + 80.0) ÷ 2 = 86.25, half up
    assert values["overdue_end"] == 1


def test_year_sums_monthly_rows_not_raw_data(ctx):
    add_case(received_on=date(2015, 2, 2), filed_on=date(2015, 2, 3), file_due_on=date(2015, 2, 9))
    add_case(received_on=date(2015, 8, 2), filed_on=date(2015, 8, 20), file_due_on=date(2015, 8, 9))
    db.session.commit()
    year = Period.parse("2015")
    table = performance_table(year)
    assert _row(table, CHANGSHA)["values"]["filed_on_time"] == 50.0
    assert db.session.scalar(select(func.count()).select_from(PerformanceMonth).where(
        PerformanceMonth.region_code == PROVINCE_CODE, PerformanceMonth.month.between(date(2015, 1, 1),
                                                                                      date(2015, 12, 1)))) == 12
    # The year reads the stored monthly rows: change a stored row and the year follows it (no raw scan).
    row = db.session.scalar(select(PerformanceMonth).where(PerformanceMonth.month == date(2015, 8, 1),
                                                           PerformanceMonth.region_code == CHANGSHA))
    row.data = {**row.data, "filed_on_time": 1}
    db.session.commit()
    assert _row(performance_table(year), CHANGSHA)["values"]["filed_on_time"] == 100.0


def test_counts_are_idempotent(ctx):
    add_case(received_on=date(2015, 5, 2), filed_on=date(2015, 5, 4), file_due_on=date(2015, 5, 9))
    db.session.commit()
    assert store_month(MAY) > 0
    db.session.commit()
    assert store_month(MAY) == 0
    assert compute_counts(MAY)[CHANGSHA]["filed_due"] == 1


# Score, weights, ranks -------------------------------------------------------------------------------------------

def test_score_renormalises_weights_over_indicators_with_a_value():
    weights = dict.fromkeys(DEFAULT_PERFORMANCE_WEIGHTS, 0.0) | {"filed_on_time": 30.0, "closure_rate": 10.0,
                                                                     "satisfaction": 60.0}
    points = dict.fromkeys(DEFAULT_PERFORMANCE_WEIGHTS) | {"filed_on_time": 80.0, "closure_rate": 40.0}
    # satisfaction has no value: (80×30 + 40×10) ÷ 40 = 70, not ÷ 100 = 28.
    assert score_of(points, weights) == 70.0
    assert score_of(dict.fromkeys(DEFAULT_PERFORMANCE_WEIGHTS), weights) is None
    # An indicator weighted 0 does not count even with a value.
    assert score_of(dict.fromkeys(DEFAULT_PERFORMANCE_WEIGHTS) | {"review_score": 90.0}, weights) is None


def test_overdue_points_share_of_open_items_not_overdue():
    counts = dict.fromkeys(("filed_due", "filed_on_time", "closed_due", "closed_on_time", "closed", "filed",
                            "signed_due", "signed_on_time", "answered_due", "answered_on_time", "callbacks",
                            "satisfied", "reviews", "review_tenths", "pending_start"), 0)
    points = indicator_points({**counts, "overdue_end": 1, "open_end": 4}, values_of(
        {**counts, "overdue_end": 1, "open_end": 4}))
    assert points["overdue_end"] == 75.0
    assert indicator_points({**counts, "overdue_end": 0, "open_end": 0},
                            values_of({**counts, "overdue_end": 0, "open_end": 0}))["overdue_end"] is None


def test_ties_share_a_rank_in_the_official_order():
    rows = [{"region_code": c, "score": s} for c, s in (("a", 80.0), ("b", 90.0), ("c", None), ("d", 90.0),
                                                          ("e", 70.0))]
    ranked = rank_rows(rows)
    assert [(r["region_code"], r["rank"]) for r in ranked] == [("b", 1), ("d", 1), ("a", 3), ("e", 4), ("c", None)]


def test_weights_setting_is_validated():
    assert performance_weights("closure_rate=30, review_score=0")["closure_rate"] == 30.0
    assert performance_weights(None) == {k: float(v) for k, v in DEFAULT_PERFORMANCE_WEIGHTS.items()}
    for bad in ("speed=10", "closure_rate=abc", "closure_rate=-1", "closure_rate=101", "closure_rate=nan",
                ",".join(f"{k}=0" for k in DEFAULT_PERFORMANCE_WEIGHTS)):
        with pytest.raises(ValueError, match="PERFORMANCE_WEIGHTS"):
            performance_weights(bad)


def test_configured_weights_change_the_ranking(app, ctx):
    # 长沙 files on time, 株洲 closes all its workload: which one leads depends on the weights.
    add_case(received_on=date(2015, 5, 2), filed_on=date(2015, 5, 4), file_due_on=date(2015, 5, 9))
    add_case(region_code=ZHUZHOU, received_on=date(2015, 5, 2), filed_on=date(2015, 5, 12),
             file_due_on=date(2015, 5, 9), closed_on=date(2015, 5, 20))
    db.session.commit()
    original = app.config["PERFORMANCE_WEIGHTS"]
    try:
        app.config["PERFORMANCE_WEIGHTS"] = {**original, "closure_rate": 0.0}
        table = performance_table(Period.parse("2015-05"))
        assert table["rows"][0]["region_code"] == CHANGSHA
        assert next(i for i in table["indicators"] if i["code"] == "closure_rate")["weight"] == 0.0
        app.config["PERFORMANCE_WEIGHTS"] = {**original, "filed_on_time": 0.0}
        assert performance_table(Period.parse("2015-05"))["rows"][0]["region_code"] == ZHUZHOU
        app.config["PERFORMANCE_WEIGHTS"] = {"speed": 1}
        with pytest.raises(ValueError, match="unknown indicator"):
            performance_table(Period.parse("2015-05"))
    finally:
        app.config["PERFORMANCE_WEIGHTS"] = original


# Child regions ---------------------------------------------------------------------------------------------------

def test_a_prefecture_ranks_its_counties_and_a_county_has_no_table(ctx):
    """长沙's table has its counties (GB/T 2260 order, null where nothing was due, unranked); a county has none."""
    table = performance_table(Period.parse("2015-05"), CHANGSHA)
    assert table["region_code"] == CHANGSHA
    codes = [r["region_code"] for r in table["rows"]]
    assert codes and codes == sorted(codes) and all(c.startswith("4301") for c in codes)
    assert all(r["score"] is None and r["rank"] is None for r in table["rows"])
    assert performance_table(Period.parse("2015-05"), "430102")["rows"] == []


@pytest.fixture
def counties(app):
    """Two counties of 长沙 (the region tree ships them; removed afterwards: what the test recorded against them)."""
    codes = ("430102", "430103")
    yield codes
    with app.app_context():
        from sqlalchemy import delete

        from hotline.cases.models import Case

        db.session.execute(delete(PerformanceMonth).where(PerformanceMonth.region_code.in_(codes)))
        db.session.execute(delete(Case).where(Case.region_code.in_(codes)))
        db.session.commit()
        ref.clear_cache()


def test_counties_appear_and_roll_up_into_their_prefecture(counties, ctx):
    add_case(region_code="430103", received_on=date(2015, 5, 2), filed_on=date(2015, 5, 4),
             file_due_on=date(2015, 5, 9))
    add_case(region_code="430102", received_on=date(2015, 5, 2), filed_on=date(2015, 5, 14),
             file_due_on=date(2015, 5, 9))
    db.session.commit()
    inside = performance_table(Period.parse("2015-05"), CHANGSHA)
    ranked = [(r["name"], r["rank"]) for r in inside["rows"] if r["rank"] is not None]
    assert ranked == [("天心区", 1), ("芙蓉区", 2)]  # the other counties had nothing due: unranked
    assert inside["total"]["values"]["filed_on_time"] == 50.0
    province = performance_table(Period.parse("2015-05"))
    assert _row(province, CHANGSHA)["values"]["filed_on_time"] == 50.0   # the 市州's row includes its counties
    assert "430102" not in [r["region_code"] for r in province["rows"]]


def test_period_parsing():
    assert len(Period.parse("2015").months) == 12
    assert Period.parse("2015-05").months == (MAY,)
    for bad in ("1999", "2015-13", "2015-5", "２０１５", "", "2999", "2999-01", "2015-05-01"):
        with pytest.raises(ValueError):  # noqa: PT011 - the bad text is the message
            Period.parse(bad)



def test_a_stored_year_reads_only_the_monthly_rows(ctx):
    """A year's table reads performance_months (12 rows per region), never calls, cases, transfers or reviews: its
    cost does not grow with the records."""
    from sqlalchemy import event

    add_case(received_on=date(2015, 5, 2), filed_on=date(2015, 5, 4), file_due_on=date(2015, 5, 9))
    db.session.commit()
    year = Period.parse("2015")
    performance_table(year)                     # computes the twelve months once
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.lower())

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        table = performance_table(year)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert _row(table, CHANGSHA)["values"]["filed_on_time"] == 100.0
    assert len(statements) <= 6, statements
    for statement in statements:
        for raw in (" cases", " calls", " transfers", " case_reviews"):
            assert f"from{raw}" not in statement and f"join{raw}" not in statement, statement
