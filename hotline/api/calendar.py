"""API v1: the working-day calendar of a year (GET /calendar/{year}), as the deadlines use it."""

from __future__ import annotations

import calendar as _cal
from datetime import date

from flask import abort, jsonify
from sqlalchemy import select

from hotline.api import case_schemas as cs
from hotline.api.registry import api_route
from hotline.core.i18n import gettext
from hotline.deadlines.calendar import CalendarMissing
from hotline.deadlines.models import WORKING_KINDS, CalendarDay
from hotline.extensions import db


@api_route("/calendar/<int:year>", "GET", summary="Working-day calendar of a year", tag="reference", errors=[404],
           responses={200: cs.CalendarYearOut})
def calendar_year(user, year: int):
    """Every day of the year with its kind (workday, weekend, holiday, makeup_workday 调休上班) and the holiday's
    name, and the number of working days. 404 naming the year when its arrangement is not loaded (deadlines in
    that year cannot be computed until an administrator loads it)."""
    if not 1 <= year <= 9999:
        abort(404, description=gettext("There is no calendar year %(year)s.", year=year))
    rows = db.session.execute(
        select(CalendarDay.day, CalendarDay.kind, CalendarDay.name)
        .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)
    ).all()
    if len(rows) < (366 if _cal.isleap(year) else 365):
        abort(404, description=CalendarMissing(year).message)
    days = [{"date": day.isoformat(), "kind": kind, "name": name} for day, kind, name in rows]
    return jsonify({"year": year, "days": days, "working_days": sum(1 for _, kind, _ in rows if kind in WORKING_KINDS)})
