"""`flask stats build` and `flask stats yearly`."""

from __future__ import annotations

from datetime import date

import pytest

from hotline.extensions import db
from hotline.stats.compute import Month
from hotline.stats.operations import get_snapshot, lock_month
from tests.stats.builders import CHANGSHA, ZHUZHOU, add_call, add_case, beijing


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def data(app):
    with app.app_context():
        add_call(beijing(2015, 5, 4))
        add_call(beijing(2015, 6, 4), region_code=ZHUZHOU, channel="wechat")
        add_call(beijing(2014, 6, 4))
        add_case(received_on=date(2015, 5, 2), filed_on=date(2015, 5, 5), amount_involved="12500.10")
        add_case(case_type="counterfeit", received_on=date(2014, 5, 2), filed_on=date(2014, 5, 5))
        db.session.commit()


def test_build_one_month(app, runner, data):
    result = runner.invoke(args=["stats", "build", "2015-05"])
    assert result.exit_code == 0, result.output
    assert result.output == "2015-05: 15 snapshots (created 15)\n"
    with app.app_context():
        assert get_snapshot(Month(2015, 5), CHANGSHA, build_missing=False).data["calls"]["total"] == 1
    again = runner.invoke(args=["stats", "build", "2015-05"])
    assert again.output == "2015-05: 15 snapshots (unchanged 15)\n"


def test_build_a_range_with_a_region(app, runner, data):
    result = runner.invoke(args=["stats", "build", "2015-05", "--to", "2015-06", "--region", CHANGSHA])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2015-05: 15 snapshots (created 15)"
    assert "calls 1 (phone 1" in lines[1] and "cases filed 1 (disputes 1, counterfeit 0)" in lines[1]
    assert "amount involved 12500.10" in lines[1]
    assert lines[2] == "2015-06: 15 snapshots (created 15)"


def test_build_shows_a_locked_month_and_its_revision(app, runner, data, create_user):
    from hotline.accounts.models import User

    supervisor = create_user("supervisor", "430000")
    with app.app_context():
        lock_month(Month(2015, 5), "430000", actor=db.session.get(User, supervisor.id))
        add_call(beijing(2015, 5, 20))
        db.session.commit()
    result = runner.invoke(args=["stats", "build", "2015-05", "--region", CHANGSHA])
    assert result.exit_code == 0, result.output
    assert "2015-05: 15 snapshots (locked 13, revision 2)" in result.output
    assert f"{CHANGSHA} (locked): calls 1 " in result.output
    assert "pending revision #1: calls 2" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["2015-13"], "not a month"),
    (["15-05"], "not a month"),
    (["２０１５-０５"], "not a month"),
    (["2099-01"], "has not started"),
    (["2015-05", "--to", "2015-04"], "before the first"),
    (["2015-05", "--to", "2015-5"], "not a month"),
    (["2000-01", "--to", "2015-01"], "At most 120"),
    (["2015-05", "--region", "999999"], "Unknown region"),
])
def test_build_refuses_bad_input(runner, args, message):
    result = runner.invoke(args=["stats", "build", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_yearly_prints_the_narrative_and_the_region_table(runner, data):
    result = runner.invoke(args=["stats", "yearly", "2015"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Yearly summary 2015, region 430000"
    assert lines[2].startswith("2015年，全省专利行政执法办案1件，与上年持平；其中专利纠纷1件；")
    assert lines[4].split()[:4] == ["地区", "来电", "电话", "办案总量"]
    rows = [line.split() for line in lines[6:]]
    assert [r[0] for r in rows][:2] == ["长沙市", "株洲市"]
    assert [r[0] for r in rows][-2:] == ["其他", "全省"]
    assert rows[0][1:4] == ["1", "1", "1"]
    assert rows[-1][1:5] == ["2", "1", "1", "1"]
    assert rows[-1][-2:] == ["12500.10", "+0.0%"]  # one case filed in 2014 too
    # Columns line up (CJK characters are two columns wide).
    from hotline.stats.cli import _width

    assert len({_width(line) for line in lines[4:]}) == 1


def test_yearly_for_a_region(runner, data):
    result = runner.invoke(args=["stats", "yearly", "2015", "--region", CHANGSHA])
    assert result.exit_code == 0, result.output
    assert "长沙市专利行政执法办案1件" in result.output
    assert result.output.splitlines()[-1].split()[:4] == ["长沙市", "1", "1", "1"]


@pytest.mark.parametrize("year", ["15", "1999", "2099", "abcd", "２０１５"])
def test_yearly_refuses_bad_years(runner, year):
    result = runner.invoke(args=["stats", "yearly", year])
    assert result.exit_code == 2
    assert "not a year" in result.output
