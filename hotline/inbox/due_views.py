"""The due lists' pages: /due (what is overdue, due today, this week or later, and what has no computable date),
/due/backlog (the "to complete" list), and the holiday-arrangement banner of base.html."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from hotline.cases.queries import publication_backlog
from hotline.core.clock import local_today
from hotline.core.forms import HotlineForm
from hotline.core.i18n import gettext as _
from hotline.core.i18n import pgettext
from hotline.core.permissions import Role, role_required
from hotline.inbox.due import DEADLINE_FILTERS, due_list, missing_next_year, week_end

bp = Blueprint("due", __name__, url_prefix="/due")

DUE_ROLES = (Role.operator, Role.officer, Role.supervisor)


class DueFilterForm(HotlineForm):
    """The due list's filters (GET; no CSRF)."""

    class Meta:
        csrf = False

    scope = SelectField(_l("Whose"), [Optional()],
                        choices=[SelectChoice("mine", _l("Mine")), SelectChoice("region", _l("My region"))])
    deadline = SelectField(_l("Deadline"), [Optional()], default="")
    horizon = SelectField(_l("Due by"), [Optional()], default="week",
                          choices=[SelectChoice("week", _l("This week")), SelectChoice("all", _l("Any time"))])
    overdue = BooleanField(_l("Overdue only"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.deadline.choices = [SelectChoice("", _l("All")),
                                 *(SelectChoice(code, label) for code, label in DEADLINE_FILTERS.items())]


def _default_scope() -> str:
    """Officers start on their own work; the desk and supervisors on the region's."""
    return "mine" if current_user.role == Role.officer else "region"


def _due_sections():
    """(form, scope, horizon end, the due list, its sections) from the query string: the page and its XLSX."""
    form = DueFilterForm(request.args)
    if not form.validate():
        form = DueFilterForm()
    today = local_today()
    scope = form.scope.data if request.args.get("scope") and form.scope.data else _default_scope()
    form.scope.data = scope
    until = None if form.horizon.data == "all" else week_end(today)
    result = due_list(current_user, today, until=until, mine=scope == "mine", deadline=form.deadline.data or None,
                      overdue_only=form.overdue.data)
    sections = [
        ("overdue", _("Overdue"), [i for i in result.items if i.overdue and i.due_on is not None]),
        ("today", _("Due today"), [i for i in result.items if i.due_on == today]),
        ("week", _("Due this week") if until else _("Due later"),
         [i for i in result.items if i.due_on is not None and i.due_on > today]),
        ("undated", _("Date unknown: calendar not loaded"), [i for i in result.items if i.due_on is None]),
    ]
    return form, scope, until, result, sections


def _query_args(form: DueFilterForm, scope: str) -> dict[str, str]:
    args = {"scope": scope, "horizon": form.horizon.data or "week"}
    if form.deadline.data:
        args["deadline"] = form.deadline.data
    if form.overdue.data:
        args["overdue"] = "y"
    return args


@bp.route("")
@role_required(*DUE_ROLES)
def index():
    form, scope, until, result, sections = _due_sections()
    today = local_today()
    major = []
    if current_user.role in (Role.officer, Role.supervisor):
        from hotline.cases.models import CaseStatus
        from hotline.cases.queries import CaseFilters, list_cases

        for status in (CaseStatus.received, CaseStatus.filed, CaseStatus.suspended):
            found, _cursor = list_cases(current_user, CaseFilters(is_major=True, status=status.value), page_size=50,
                                        for_list=True)
            major.extend(found)
        major.sort(key=lambda c: (c.next_due_on is None, c.next_due_on or today, c.id))
    return render_template("due/index.html", form=form, sections=sections, result=result, major=major,
                           week_end=week_end(today), today=today, scope=scope,
                           export_url=url_for("due.export", **_query_args(form, scope)))


@bp.route("/export.xlsx")
@role_required(*DUE_ROLES)
def export():
    """The due list with its filters as XLSX: each row's section, deadline, item, due date and working days (the
    list holds at most DUE_LIST_LIMIT rows, already in memory for the page)."""
    from datetime import datetime

    from hotline.core.exports import audit_export, subtitle
    from hotline.core.xlsx import Column, write_xlsx, xlsx_response
    from hotline.extensions import db
    from hotline.templating import local_tz

    form, scope, until, result, sections = _due_sections()
    scopes = {c.value: str(c.label) for c in form.scope.choices}
    shown = [f"{form.scope.label.text}：{scopes[scope]}",
             f"{form.horizon.label.text}：{until.isoformat() if until else _('Any time')}"]
    if form.deadline.data:
        shown.append(f"{form.deadline.label.text}：{form.deadline.data}")
    if form.overdue.data:
        shown.append(str(form.overdue.label.text))
    columns = [Column(_("Section"), 14), Column(_("Deadline"), 10), Column(pgettext("due list", "Item"), 50),
               Column(_("Due on"), 11, "date"), Column(_("Working days"), 10, "int"), Column(_("Link"), 30)]
    host = request.host_url.rstrip("/")
    rows = ((title, item.deadline, item.title, item.due_on, item.working_days_left, host + item.url)
            for _key, title, items in sections for item in items)
    out, count = write_xlsx(_("Due dates"), subtitle(shown), columns, rows)
    audit_export(current_user, "due", count, filters=_query_args(form, scope))
    db.session.commit()
    return xlsx_response(out, f"due-{datetime.now(local_tz()):%Y%m%d-%H%M}.xlsx")


@bp.route("/backlog")
@role_required(Role.officer, Role.supervisor)
def backlog():
    """待补录: penalty decisions closed long ago whose publication was never recorded."""
    from flask import current_app

    today = local_today()
    rows, total = publication_backlog(current_user, today)
    return render_template("due/backlog.html", rows=rows, total=total, today=today,
                           backlog_days=current_app.config["PUBLICATION_BACKLOG_DAYS"],
                           go_live=current_app.config.get("HOTLINE_GO_LIVE_ON"))


@bp.app_context_processor
def _calendar_banner():
    """base.html: from 1 November, admins and supervisors are told until next year's calendar is loaded."""
    if not getattr(current_user, "is_authenticated", False):
        return {"calendar_banner_year": None}
    return {"calendar_banner_year": missing_next_year(current_user, local_today())}


def redirect_cases_due():
    """/cases/due, the first release's due page, is this list now."""
    args = {key: value for key, value in request.args.items() if key == "scope"}
    return redirect(url_for("due.index", **args))
