"""Working-day calendar admin: a year's holidays and make-up workdays, one-day corrections, and importing a
year's arrangement when the State Council publishes it (each November), before any package knows it.

The national calendar sets every region's deadlines, so only the province's administrators change it; a 市州's
administrator sets, and sees, their own region's holidays and their log only."""

from __future__ import annotations

import calendar as pycal
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hotline.core.clock import local_today
from hotline.core.errors import DomainError, ValidationFailed
from hotline.core.models import AuditEvent
from hotline.core.permissions import Role, province_code, region_clause, require, role_required, sees_region
from hotline.deadlines import bp, logger
from hotline.deadlines.calendar import covered_years, invalidate_calendar_cache
from hotline.deadlines.forms import (
    DAY_KIND_LABELS,
    ImportYearForm,
    RegionHolidayForm,
    RemoveRegionHolidayForm,
    SetDayForm,
)
from hotline.deadlines.models import WORKING_KINDS, CalendarDay, DayKind, RegionHoliday
from hotline.deadlines.operations import (
    MAX_YEAR,
    MIN_YEAR,
    add_region_holiday,
    import_year,
    remove_region_holiday,
    set_day,
)
from hotline.extensions import db
from hotline.reference import queries as ref

AUDIT_LIMIT = 20
T = TypeVar("T")


def _year_arg(value: str | None) -> tuple[int, str | None]:
    today = local_today()
    if not value:
        return today.year, None
    try:
        year = int(value)
    except ValueError:
        year = 0
    if MIN_YEAR <= year <= MAX_YEAR:
        return year, None
    return today.year, _("Not a year between %(a)s and %(b)s; showing this year.", a=MIN_YEAR, b=MAX_YEAR)


def _runs(rows: list[CalendarDay], kind: str) -> list[dict]:
    """Consecutive days of ``kind`` with the same name, as ranges."""
    runs: list[dict] = []
    for row in rows:
        if row.kind != kind:
            continue
        last = runs[-1] if runs else None
        if last and last["name"] == row.name and (row.day - last["end"]).days == 1:
            last["end"] = row.day
            last["days"] += 1
        else:
            runs.append({"start": row.day, "end": row.day, "name": row.name, "days": 1})
    return runs


def _changes_national() -> bool:
    """The national calendar sets every region's deadlines: only the province's administrators change it."""
    return current_user.region_code == province_code()


def _calendar_audit() -> list[AuditEvent]:
    """The latest changes of the national calendar (which applies to every region) and of the regional holidays
    the user may see: a 市州 administrator sees their own region's, not another region's."""
    regional = AuditEvent.object_type == "region_holiday"
    if not _changes_national():
        regional = regional & region_clause(AuditEvent.region_code, current_user)
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type.in_(("calendar_day", "calendar_year")) | regional)
        .order_by(AuditEvent.id.desc()).limit(AUDIT_LIMIT)))


def _prefectures() -> list:
    """The 市州 whose holidays the admin may set: every one for the province's admins, their own for a 市州's."""
    return [r for r in ref.list_regions() if r.level == "prefecture" and sees_region(current_user, r.code)]


def _region_holiday_form(formdata=None) -> RegionHolidayForm:
    kwargs = {} if formdata is not None else {"formdata": None}
    return RegionHolidayForm(regions=_prefectures(), **kwargs)


def _render(year: int, status: int = 200, *, notice: str | None = None, set_form: SetDayForm | None = None,
            import_form: ImportYearForm | None = None, region_form: RegionHolidayForm | None = None):
    rows = list(db.session.scalars(select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                                             CalendarDay.day <= date(year, 12, 31))
                                   .order_by(CalendarDay.day)))
    covered = covered_years()
    by_day = {row.day: row for row in rows}
    working = {k.value for k in WORKING_KINDS}
    per_month = [sum(1 for row in rows if row.day.month == m and row.kind in working) for m in range(1, 13)]
    admin_days = [row for row in rows if row.source == "admin"]
    months = [(m, pycal.Calendar(firstweekday=0).monthdatescalendar(year, m)) for m in range(1, 13)]

    if set_form is None:
        set_form = SetDayForm(formdata=None)
        picked = request.args.get("day")
        try:
            picked_day = date.fromisoformat(picked) if picked else None
        except ValueError:
            picked_day = None
        row = by_day.get(picked_day) if picked_day else None
        if row is not None:
            set_form.day.data, set_form.kind.data, set_form.name.data = row.day, row.kind, row.name
    if import_form is None:
        suggested = year if year not in covered else max([*covered, year]) + 1
        import_form = ImportYearForm(formdata=None, year=min(suggested, MAX_YEAR))
    regions = ref.region_map()
    holidays_stmt = select(RegionHoliday).where(RegionHoliday.day >= date(year, 1, 1),
                                                RegionHoliday.day <= date(year, 12, 31))
    if not _changes_national():
        holidays_stmt = holidays_stmt.where(region_clause(RegionHoliday.region_code, current_user))
    regional = [(row, regions[row.region_code].name if row.region_code in regions else row.region_code)
                for row in db.session.scalars(holidays_stmt.order_by(RegionHoliday.day, RegionHoliday.region_code))]
    return render_template(
        "deadlines/index.html", regional=regional, region_form=region_form or _region_holiday_form(),
        region_names={code: info.name for code, info in regions.items()},
        remove_form=RemoveRegionHolidayForm(formdata=None), removable={r.code for r in _prefectures()},
        year=year, rows=rows, by_day=by_day, covered=covered, complete=year in covered,
        holidays=_runs(rows, DayKind.holiday.value), makeup=_runs(rows, DayKind.makeup_workday.value),
        per_month=per_month, working_total=sum(per_month), admin_days=admin_days, months=months,
        working_kinds=working, kind_labels=DAY_KIND_LABELS, audit=_calendar_audit(), notice=notice,
        set_form=set_form, import_form=import_form, today=local_today(), changes_national=_changes_national(),
    ), status


@bp.route("")
@role_required(Role.admin)
def index():
    year, notice = _year_arg(request.args.get("year"))
    return _render(year, notice=notice)


def _failed(form, exc: DomainError) -> None:
    for name, messages in (exc.errors or {"": [exc.message]}).items():
        field = form._fields.get(name)
        if field is None:
            form.form_errors.extend(messages)
        else:
            field.errors = list(field.errors) + list(messages)


def _calendar_change(form, change: Callable[[], T]) -> tuple[bool, T | None]:
    """Run one admin change of the calendar and end the request's transaction: commit, or on a DomainError roll
    back and show its messages on ``form``. Either way this process's calendar cache is cleared: days read into
    it before the commit (or of the rolled-back change) must not linger there."""
    try:
        result = change()
    except DomainError as exc:
        db.session.rollback()
        invalidate_calendar_cache()
        _failed(form, exc)
        return False, None
    db.session.commit()
    invalidate_calendar_cache()
    return True, result


@bp.route("/day", methods=["POST"])
@role_required(Role.admin)
def change_day():
    require(_changes_national())
    form = SetDayForm()
    year = form.day.data.year if isinstance(form.day.data, date) else local_today().year
    if form.validate_on_submit():
        done, changes = _calendar_change(
            form, lambda: set_day(form.day.data, form.kind.data, form.name.data, actor=current_user))
        if done:
            if changes:
                logger.info("calendar day %s changed by user %s", form.day.data, current_user.id)
                flash(_("%(day)s is now: %(kind)s. Deadlines of open cases were recomputed.",
                        day=form.day.data.isoformat(), kind=DAY_KIND_LABELS[form.kind.data]), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("deadlines.index", year=form.day.data.year))
    if not MIN_YEAR <= year <= MAX_YEAR:
        year = local_today().year
    return _render(year, 422, set_form=form)


@bp.route("/import", methods=["POST"])
@role_required(Role.admin)
def import_arrangement():
    require(_changes_national())
    form = ImportYearForm()
    year = form.year.data if isinstance(form.year.data, int) and MIN_YEAR <= form.year.data <= MAX_YEAR \
        else local_today().year
    if form.validate_on_submit():
        done, _recomputed = _calendar_change(
            form, lambda: import_year(form.year.data, form.parsed_holidays, form.parsed_makeup_days,
                                      actor=current_user, replace=form.replace.data))
        if done:
            logger.info("calendar year %s imported by user %s", form.year.data, current_user.id)
            flash(_("The %(year)s arrangement is loaded; deadlines of open cases were recomputed.",
                    year=form.year.data), "success")
            return redirect(url_for("deadlines.index", year=form.year.data))
    return _render(year, 422, import_form=form)


@bp.route("/regional", methods=["POST"])
@role_required(Role.admin)
def add_regional():
    form = _region_holiday_form(request.form)
    year = form.day.data.year if isinstance(form.day.data, date) and MIN_YEAR <= form.day.data.year <= MAX_YEAR \
        else local_today().year
    if form.validate_on_submit():
        done, row = _calendar_change(
            form, lambda: add_region_holiday(form.region_code.data, form.day.data, form.name.data,
                                             actor=current_user))
        if done:
            logger.info("regional holiday %s %s added by user %s", row.region_code, row.day, current_user.id)
            flash(_("%(day)s is now a holiday in %(region)s (%(name)s); that region's open cases' deadlines were "
                    "recomputed.", day=row.day.isoformat(), region=ref.region_map()[row.region_code].name,
                    name=row.name), "success")
            return redirect(url_for("deadlines.index", year=row.day.year) + "#regional")
    return _render(year, 422, region_form=form)


@bp.route("/regional/delete", methods=["POST"])
@role_required(Role.admin)
def remove_regional():
    form = RemoveRegionHolidayForm()
    if form.region_code.data and not sees_region(current_user, form.region_code.data):
        abort(404)
    if not form.validate_on_submit():
        flash(_("The page was out of date; try again."), "error")
        return redirect(url_for("deadlines.index"))
    try:
        day = date.fromisoformat(form.day.data)
    except ValueError:
        day = None
    try:
        remove_region_holiday(form.region_code.data, day, actor=current_user)
    except ValidationFailed as exc:
        db.session.rollback()
        flash(" ".join(m for messages in exc.errors.values() for m in messages) or exc.message, "error")
        return redirect(url_for("deadlines.index", year=day.year if day else None))
    db.session.commit()
    invalidate_calendar_cache()
    logger.info("regional holiday %s %s removed by user %s", form.region_code.data, day, current_user.id)
    flash(_("%(day)s is a working day again in that region; its open cases' deadlines were recomputed.",
            day=day.isoformat()), "success")
    return redirect(url_for("deadlines.index", year=day.year) + "#regional")
