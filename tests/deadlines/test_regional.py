"""Regional holidays: an autonomous prefecture's own days off (湘西州, 放假办法 §4) move the deadlines of that region's
cases only; the national calendar, other regions and the audit trail behave."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from hotline.core.models import AuditEvent
from hotline.deadlines.models import RegionHoliday
from hotline.extensions import db
from tests.deadlines.test_views import as_user, day_row, make_case, stored, text  # noqa: F401 (fixtures)
from tests.factories import PASSWORD

XIANGXI = "433100"
CHANGSHA = "430100"


def regional_audit(app) -> list[AuditEvent]:
    with app.app_context():
        rows = list(db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "region_holiday")
                                       .order_by(AuditEvent.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def region_holidays(app) -> list[tuple[str, date, str]]:
    with app.app_context():
        return [(r.region_code, r.day, r.name) for r in db.session.scalars(select(RegionHoliday))]


def login(app, user):
    client = app.test_client()
    client.post("/language/en")
    assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
    return client


def test_a_regional_holiday_moves_that_regions_deadlines_only(app, as_user, create_user, make_case):  # noqa: F811
    xx_officer, cs_officer = create_user("officer", XIANGXI), create_user("officer", CHANGSHA)
    xx_case = make_case(xx_officer, region_code=XIANGXI)
    cs_case = make_case(cs_officer)
    # received 2015-09-30: 5 working days after the National Day holiday end on 10-13 in both regions
    assert stored(app, xx_case).file_due_on == stored(app, cs_case).file_due_on == date(2015, 10, 13)

    client, admin = as_user()
    response = client.post("/admin/calendar/regional", data={"region_code": XIANGXI, "day": "2015-10-12",
                                                             "name": "四月八"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/calendar?year=2015#regional")
    assert region_holidays(app) == [(XIANGXI, date(2015, 10, 12), "四月八")]
    assert stored(app, xx_case).file_due_on == date(2015, 10, 14)
    assert stored(app, cs_case).file_due_on == date(2015, 10, 13)
    assert day_row(app, date(2015, 10, 12)).kind == "workday"  # the national calendar is unchanged

    (event,) = regional_audit(app)
    assert (event.object_id, event.action, event.actor_id, event.region_code) == (
        43310020151012, "create", admin.id, XIANGXI)
    assert event.changes == {"day": [None, "2015-10-12"], "name": [None, "四月八"]}
    assert "deadlines changed for 1 case(s)" in event.note
    page = text(client.get("/admin/calendar?year=2015"))
    regional = page.split('id="regional"', 1)[1].split("</section>", 1)[0]
    assert "2015-10-12" in regional and "湘西土家族苗族自治州" in regional and "四月八" in regional
    assert "湘西土家族苗族自治州 2015-10-12" in page  # the audit list names the region and day

    # 湘西's officer sees the later date and the holiday on the month calendar; 长沙's officer neither
    xx_client, cs_client = login(app, xx_officer), login(app, cs_officer)
    assert "2015-10-14" in text(xx_client.get(f"/cases/{xx_case}"))
    assert "四月八" in text(xx_client.get("/cases/calendar?month=2015-10"))
    assert "四月八" not in text(cs_client.get("/cases/calendar?month=2015-10"))
    assert "2015-10-13" in text(cs_client.get(f"/cases/{cs_case}"))

    # removing it gives the day back
    response = client.post("/admin/calendar/regional/delete", data={"region_code": XIANGXI, "day": "2015-10-12"})
    assert response.status_code == 302
    assert region_holidays(app) == []
    assert stored(app, xx_case).file_due_on == date(2015, 10, 13)
    assert [e.action for e in regional_audit(app)] == ["create", "delete"]


def test_a_regional_holiday_on_a_make_up_workday_counts(app, as_user, create_user, make_case):  # noqa: F811
    """2015-10-10 was worked in lieu of National Day: a region may still take it off."""
    officer = create_user("officer", XIANGXI)
    case_id = make_case(officer, region_code=XIANGXI, received_on="2015-10-08")
    before = stored(app, case_id).file_due_on
    client, _admin = as_user()
    assert client.post("/admin/calendar/regional", data={"region_code": XIANGXI, "day": "2015-10-10",
                                                         "name": "测试"}).status_code == 302
    after = stored(app, case_id).file_due_on
    assert after > before


@pytest.mark.parametrize(("data", "message"), [
    ({"region_code": "430000", "day": "2015-10-12", "name": "x"}, "Not a valid choice"),  # the province
    ({"region_code": "", "day": "2015-10-12", "name": "x"}, "Choose the region."),
    ({"region_code": "999999", "day": "2015-10-12", "name": "x"}, "Not a valid choice"),
    ({"region_code": XIANGXI, "day": "2015-10-01", "name": "x"}, "is not a working day anywhere in the province"),
    ({"region_code": XIANGXI, "day": "2015-10-17", "name": "x"}, "is not a working day anywhere in the province"),
    ({"region_code": XIANGXI, "day": "2027-03-01", "name": "x"}, "import 2027's arrangement first"),
    ({"region_code": XIANGXI, "day": "1999-03-01", "name": "x"}, "Choose a date between 2000 and 2099."),
    ({"region_code": XIANGXI, "day": "2015-02-30", "name": "x"}, "Not a valid date value"),
    ({"region_code": XIANGXI, "day": "2015-10-12", "name": ""}, "Name the holiday"),
    ({"region_code": XIANGXI, "day": "2015-10-12", "name": "名" * 41}, "Field cannot be longer than 40 characters"),
])
def test_bad_regional_holidays_are_refused_and_nothing_is_written(app, as_user, data, message):  # noqa: F811
    client, _admin = as_user()
    response = client.post("/admin/calendar/regional", data=data)
    assert response.status_code == 422
    assert message in text(response)
    assert region_holidays(app) == [] and regional_audit(app) == []


def test_the_operation_refuses_the_province_and_unknown_regions(app, create_user):
    from hotline.accounts.models import User
    from hotline.core.errors import ValidationFailed
    from hotline.deadlines.operations import add_region_holiday, remove_region_holiday

    admin = create_user("admin", "430000")
    with app.app_context():
        actor = db.session.get(User, admin.id)
        for code in ("430000", "999999", None):
            with pytest.raises(ValidationFailed) as caught:
                add_region_holiday(code, date(2015, 10, 12), "x", actor=actor)
            assert caught.value.errors["region_code"] == ["Choose one of the 14 市州."]
            with pytest.raises(ValidationFailed):
                remove_region_holiday(code, date(2015, 10, 12), actor=actor)
        db.session.rollback()
    assert region_holidays(app) == []


def test_the_same_regional_holiday_twice_is_refused(app, as_user):  # noqa: F811
    client, _admin = as_user()
    data = {"region_code": XIANGXI, "day": "2015-10-12", "name": "四月八"}
    assert client.post("/admin/calendar/regional", data=data).status_code == 302
    response = client.post("/admin/calendar/regional", data=data)
    assert response.status_code == 422 and "already a holiday of this region" in text(response)
    assert len(region_holidays(app)) == 1


def test_removing_a_day_that_is_no_regional_holiday_says_so(app, as_user):  # noqa: F811
    client, _admin = as_user()
    response = client.post("/admin/calendar/regional/delete", data={"region_code": XIANGXI, "day": "2015-10-12"},
                           follow_redirects=True)
    assert "2015-10-12 is not a holiday of this region." in text(response)
    assert regional_audit(app) == []


def test_only_an_admin_changes_regional_holidays(app, as_user):  # noqa: F811
    officer, _user = as_user("officer", XIANGXI)
    data = {"region_code": XIANGXI, "day": "2015-10-12", "name": "四月八"}
    assert officer.post("/admin/calendar/regional", data=data).status_code == 403
    admin, _admin = as_user()
    admin.post("/admin/calendar/regional", data=data)
    assert officer.post("/admin/calendar/regional/delete", data=data).status_code == 403
    assert len(region_holidays(app)) == 1


def test_a_prefecture_admin_sets_only_their_own_regions_holidays(app, as_user):  # noqa: F811
    """An autonomous prefecture's own administrator may set its holidays; another 市州's may not touch them."""
    xiangxi_admin, _a = as_user("admin", XIANGXI)
    changsha_admin, _b = as_user("admin", CHANGSHA)
    data = {"region_code": XIANGXI, "day": "2015-10-12", "name": "四月八"}
    response = changsha_admin.post("/admin/calendar/regional", data=data)
    assert response.status_code == 422 and "Not a valid choice" in text(response)
    assert xiangxi_admin.post("/admin/calendar/regional", data=data).status_code == 302
    assert 'name="region_code" value="433100"' not in text(changsha_admin.get("/admin/calendar?year=2015"))
    assert changsha_admin.post("/admin/calendar/regional/delete", data=data).status_code == 404
    assert region_holidays(app) == [(XIANGXI, date(2015, 10, 12), "四月八")]
    assert xiangxi_admin.post("/admin/calendar/regional/delete", data=data).status_code == 302
    assert region_holidays(app) == []


# ---------------------------------------------------------------------------------------------------------------
# the national calendar is the province's; a 市州 administrator sees their own region only


def test_only_a_province_admin_changes_the_national_calendar(app, as_user):  # noqa: F811
    """The national calendar sets every region's deadlines: a 市州 administrator may neither change a day nor import
    a year (403, nothing written, nothing audited), and is not offered either form."""
    from tests.deadlines.test_views import ARRANGEMENT_2027, calendar_audit, year_days

    changsha_admin, _admin = as_user("admin", CHANGSHA)
    day = {"day": "2015-10-12", "kind": "holiday", "name": "某节"}
    assert changsha_admin.post("/admin/calendar/day", data=day).status_code == 403
    assert day_row(app, date(2015, 10, 12)).kind == "workday"
    imported = {"year": "2027", "holidays": ARRANGEMENT_2027}
    assert changsha_admin.post("/admin/calendar/import", data=imported).status_code == 403
    assert year_days(app, 2027) == 0 and calendar_audit(app) == []
    page = text(changsha_admin.get("/admin/calendar?year=2015"))
    assert 'action="/admin/calendar/day"' not in page and 'action="/admin/calendar/import"' not in page
    assert "only the province's administrators change a day or import a year" in page
    assert 'action="/admin/calendar/regional"' in page  # their own region's holidays they do set

    province_admin, _admin = as_user()
    page = text(province_admin.get("/admin/calendar?year=2015"))
    assert 'action="/admin/calendar/day"' in page and 'action="/admin/calendar/import"' in page
    assert province_admin.post("/admin/calendar/day", data=day).status_code == 302
    assert day_row(app, date(2015, 10, 12)).kind == "holiday"


def test_the_calendar_operations_refuse_a_prefecture_admin(app, create_user):
    """The rule holds below the views too: the operations refuse a 市州 administrator's national change and another
    region's holiday."""
    from hotline.accounts.models import User
    from hotline.core.errors import NotAllowed
    from hotline.deadlines.operations import add_region_holiday, import_year, remove_region_holiday, set_day

    changsha = create_user("admin", CHANGSHA)
    with app.app_context():
        actor = db.session.get(User, changsha.id)
        with pytest.raises(NotAllowed, match="province"):
            set_day(date(2015, 10, 12), "holiday", "某节", actor=actor)
        with pytest.raises(NotAllowed, match="province"):
            import_year(2027, [], [], actor=actor)
        with pytest.raises(NotAllowed, match="own region"):
            add_region_holiday(XIANGXI, date(2015, 10, 12), "四月八", actor=actor)
        with pytest.raises(NotAllowed, match="own region"):
            remove_region_holiday(XIANGXI, date(2015, 10, 12), actor=actor)
        add_region_holiday(CHANGSHA, date(2015, 10, 12), "某节", actor=actor)  # their own region's: allowed
        db.session.rollback()
    assert day_row(app, date(2015, 10, 12)).kind == "workday"


def test_a_prefecture_admin_sees_only_their_own_regions_holidays_and_log(app, as_user):  # noqa: F811
    """湘西's holiday and its log entry are not shown to 长沙's administrator (nor 长沙's to 湘西's); the province sees
    both, and everyone sees the national calendar's changes (they apply to every region)."""
    province, _p = as_user()
    xiangxi_admin, _x = as_user("admin", XIANGXI)
    changsha_admin, _c = as_user("admin", CHANGSHA)
    assert xiangxi_admin.post("/admin/calendar/regional", data={"region_code": XIANGXI, "day": "2015-10-12",
                                                                "name": "湘西赶秋节"}).status_code == 302
    assert changsha_admin.post("/admin/calendar/regional", data={"region_code": CHANGSHA, "day": "2015-10-14",
                                                                 "name": "长沙某节"}).status_code == 302
    assert province.post("/admin/calendar/day", data={"day": "2015-10-16", "kind": "holiday",
                                                      "name": "全省调休"}).status_code == 302
    # two regional holidays and one national change, each with its audit entry
    assert len(regional_audit(app)) == 2

    pages = {who: text(client.get("/admin/calendar?year=2015"))
             for who, client in (("province", province), ("xiangxi", xiangxi_admin), ("changsha", changsha_admin))}
    assert "湘西赶秋节" in pages["province"] and "长沙某节" in pages["province"]
    assert "湘西赶秋节" in pages["xiangxi"] and "长沙某节" not in pages["xiangxi"]
    assert "长沙某节" in pages["changsha"] and "湘西赶秋节" not in pages["changsha"]
    assert all("全省调休" in page for page in pages.values())
