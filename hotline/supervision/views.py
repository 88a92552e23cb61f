"""Supervision pages: the list, one supervision (reports, forms), designating a case, a report, ending it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from hotline.cases.queries import get_case_or_404
from hotline.core.clock import local_today
from hotline.core.errors import DomainError, NotAllowed, StaleVersion, StateError
from hotline.core.i18n import gettext as _
from hotline.core.permissions import Role, role_required, supervises_from_above
from hotline.extensions import db
from hotline.supervision import bp, operations, queries
from hotline.supervision.forms import CloseForm, DesignateForm, ReportForm, SupervisionFilterForm
from hotline.supervision.models import ReportKind

ROLES = (Role.officer, Role.supervisor)
STALE = _("Someone else changed this meanwhile; your input is kept below. Check and submit again.")


@bp.app_context_processor
def _helpers():
    return {"case_supervisions": _case_panel, "report_label": lambda kind: str(queries.REPORT_LABELS[kind]),
            "supervision_status_label": lambda code: str(queries.STATUS_LABELS.get(code, code))}


def _case_panel(case) -> dict:
    """The case page's supervision card: its supervisions and whether the user may designate it."""
    return {"supervisions": queries.supervisions_of(case),
            "can_designate": supervises_from_above(current_user, case.region_code)
            and case.status in operations.OPEN_CASE_STATUSES}


def can_report(user, supervision) -> bool:
    return supervision.is_active and operations.handles(user, supervision)


def can_close(user, supervision) -> bool:
    return supervision.is_active and supervises_from_above(user, supervision.region_code) \
        and user.region_code == supervision.supervising_region_code


def _listed():
    form = SupervisionFilterForm(request.args)
    status = form.status.data if form.validate() else "active"
    return form, status, queries.list_supervisions(current_user, None if status == "all" else status)


@bp.route("")
@role_required(*ROLES)
def index():
    form, status, rows = _listed()
    return render_template("supervision/index.html", form=form, rows=rows, today=local_today(),
                           export_url=url_for("supervision.export", status=status))


@bp.route("/export.xlsx")
@role_required(*ROLES)
def export():
    """The supervised cases with the list's status filter as XLSX: case, respondent, region, supervising office
    and date, status, next report and its due date (the page's rows, at most LIST_LIMIT)."""
    from datetime import datetime

    from hotline.core.exports import audit_export, subtitle
    from hotline.core.xlsx import Column, write_xlsx, xlsx_response
    from hotline.reference.queries import region_map
    from hotline.templating import local_tz

    form, status, supervisions = _listed()
    regions = region_map()
    today = local_today()

    def name(code):
        return regions[code].name if code in regions else code

    def row(s):
        pending = [r for r in s.reports if r.submitted_on is None] if s.is_active else []
        report = pending[0] if pending else None
        return (s.case.display_number, s.case.respondent_name or s.case.summary, name(s.region_code),
                name(s.supervising_region_code), s.designated_on, str(queries.STATUS_LABELS.get(s.status, s.status)),
                str(queries.REPORT_LABELS[report.kind]) if report else "", report.due_on if report else None,
                _("overdue") if report and report.due_on < today else "")

    columns = [Column(_("Case"), 24), Column(_("Respondent"), 24), Column(_("Region"), 10),
               Column(_("Supervised by"), 12), Column(_("Designated on"), 11, "date"), Column(_("Status"), 10),
               Column(_("Next report"), 12), Column(_("Due on"), 11, "date"), Column(_("overdue"), 8)]
    shown = {c.value: str(c.label) for c in form.status.choices}
    out, count = write_xlsx(_("Supervised cases"), subtitle([f"{form.status.label.text}：{shown.get(status, status)}"]),
                            columns, (row(s) for s in supervisions))
    audit_export(current_user, "supervisions", count, filters={"status": status})
    db.session.commit()
    return xlsx_response(out, f"supervisions-{datetime.now(local_tz()):%Y%m%d-%H%M}.xlsx")


def _render(supervision, status: int = 200, *, report_form=None, report_id=None, close_form=None, alert=None):
    forms = {r.id: (report_form if r.id == report_id and report_form else ReportForm(version=supervision.version))
             for r in supervision.reports if r.submitted_on is None}
    return render_template(
        "supervision/detail.html", supervision=supervision, case=supervision.case, report_forms=forms,
        close_form=close_form or CloseForm(version=supervision.version), can_report=can_report(current_user,
                                                                                               supervision),
        can_close=can_close(current_user, supervision), today=local_today(), alert=alert,
        final=ReportKind.final.value), status


@bp.route("/<int:supervision_id>")
@role_required(*ROLES)
def detail(supervision_id: int):
    return _render(queries.get_supervision_or_404(supervision_id, current_user))


@bp.route("/designate/<int:case_id>", methods=["GET", "POST"])
@role_required(Role.supervisor)
def designate(case_id: int):
    case = get_case_or_404(case_id, current_user)
    if not supervises_from_above(current_user, case.region_code):
        abort(403)
    form = DesignateForm(version=case.version) if request.method == "GET" else DesignateForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            try:
                supervision = operations.designate(case, {"instructions": form.instructions.data,
                                                          "reports": form.reports()},
                                                   actor=current_user, expected_version=form.version.data)
            except (StaleVersion, StaleDataError):
                db.session.rollback()
                db.session.refresh(case)
                form.form_errors.append(STALE)
                form.version.data, form.version.raw_data = case.version, None
                status = 409
            except StateError as exc:
                db.session.rollback()
                form.form_errors.append(exc.message)
                status = 409
            except NotAllowed:
                db.session.rollback()
                abort(403)
            except DomainError as exc:
                db.session.rollback()
                form.apply_domain_errors(exc.errors or {"": [exc.message]}, {"reports": "progress_dates"})
            else:
                db.session.commit()
                flash(_("Case %(number)s is under supervision.", number=case.display_number), "success")
                return redirect(url_for("supervision.detail", supervision_id=supervision.id))
        form.lift_hidden_errors()
    return render_template("supervision/designate.html", form=form, case=case), status


@bp.route("/<int:supervision_id>/reports/<int:report_id>", methods=["POST"])
@role_required(*ROLES)
def report(supervision_id: int, report_id: int):
    supervision = queries.get_supervision_or_404(supervision_id, current_user)
    if not operations.handles(current_user, supervision):
        abort(403)
    form = ReportForm()
    return _post(supervision, form, lambda: operations.submit_report(
        supervision, report_id, {"text": form.text.data}, actor=current_user, expected_version=form.version.data),
        _("Report given."), report_form=form, report_id=report_id)


@bp.route("/<int:supervision_id>/close", methods=["POST"])
@role_required(Role.supervisor)
def close(supervision_id: int):
    supervision = queries.get_supervision_or_404(supervision_id, current_user)
    if not (supervises_from_above(current_user, supervision.region_code)
            and current_user.region_code == supervision.supervising_region_code):
        abort(403)
    form = CloseForm()
    return _post(supervision, form, lambda: operations.close_supervision(
        supervision, {"note": form.note.data}, actor=current_user, expected_version=form.version.data),
        _("Supervision ended."), close_form=form)


def _post(supervision, form, perform, success: str, **forms):
    """Validate → operation → one commit → redirect; errors re-render the page (422 input, 409 stale / state)."""
    status = 422
    if form.validate():
        try:
            perform()
        except (StaleVersion, StaleDataError):
            db.session.rollback()
            db.session.refresh(supervision)
            form.form_errors.append(STALE)
            form.version.data, form.version.raw_data = supervision.version, None
            status = 409
        except StateError as exc:
            db.session.rollback()
            db.session.refresh(supervision)
            return _render(supervision, 409, alert=exc.message)
        except NotAllowed:
            db.session.rollback()
            abort(403)
        except DomainError as exc:
            db.session.rollback()
            db.session.refresh(supervision)
            form.apply_domain_errors(exc.errors or {"": [exc.message]})
        else:
            db.session.commit()
            flash(success, "success")
            return redirect(url_for("supervision.detail", supervision_id=supervision.id))
    form.lift_hidden_errors()
    return _render(supervision, status, **forms)
