"""API v1: the working-day calendar of a year (GET /calendar/{year}), as the deadlines use it (for one region with
``?region_code=``: its own holidays are days off too)."""

from __future__ import annotations

import calendar as _cal
from datetime import date

from flask import abort, jsonify
from pydantic import Field
from sqlalchemy import select

from hotline.api import case_schemas as cs
from hotline.api.registry import api_route
from hotline.api.schemas import Query, RegionCode
from hotline.core.errors import ValidationFailed
from hotline.core.i18n import gettext
from hotline.deadlines.calendar import CalendarMissing, WorkCalendar
from hotline.deadlines.models import WORKING_KINDS, CalendarDay, DayKind
from hotline.extensions import db
from hotline.reference import queries as ref


class CalendarQuery(Query):
    region_code: RegionCode | None = Field(
        None, description="A 市州: its own holidays (an autonomous prefecture's ethnic holidays) are days off too, "
                          "as that region's case deadlines count them. Default: the national calendar.")


@api_route("/calendar/<int:year>", "GET", summary="Working-day calendar of a year", tag="reference", errors=[404],
           query=CalendarQuery, responses={200: cs.CalendarYearOut})
def calendar_year(user, year: int, query: CalendarQuery):
    """Every day of the year with its kind (workday, weekend, holiday, makeup_workday 调休上班) and the holiday's
    name, and the number of working days. 404 naming the year when its arrangement is not loaded (deadlines in
    that year cannot be computed until an administrator loads it). With ``region_code``, the days that region
    takes off on its own are holidays with their names."""
    region_code = query.region_code
    if region_code is not None and region_code not in ref.region_map():
        raise ValidationFailed(gettext("Unknown region."),
                               {"region_code": [gettext("Unknown region %(code)r.", code=region_code)]})
    if not 1 <= year <= 9999:
        abort(404, description=gettext("There is no calendar year %(year)s.", year=year))
    rows = db.session.execute(
        select(CalendarDay.day, CalendarDay.kind, CalendarDay.name)
        .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)
    ).all()
    if len(rows) < (366 if _cal.isleap(year) else 365):
        abort(404, description=CalendarMissing(year).message)
    regional = WorkCalendar(region_code).regional_holidays(year)
    days = []
    for day, kind, name in rows:
        if kind in WORKING_KINDS and day in regional:
            kind, name = DayKind.holiday.value, regional[day]
        days.append({"date": day.isoformat(), "kind": kind, "name": name})
    return jsonify({"year": year, "region_code": region_code, "days": days,
                    "working_days": sum(1 for d in days if d["kind"] in WORKING_KINDS)})
