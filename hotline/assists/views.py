"""Cooperation pages: the list of requests (sent / received, by status), a request's page (the assisting region
answers, declines or sends files there; both regions read it), asking from a case, and joining regions to a case.
Steps POST, commit once and redirect (post/redirect/get); errors re-render with the input (422 invalid, 409 stale
or no longer pending, 403 the wrong side)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from hotline.assists import bp, logger, operations, queries
from hotline.assists.forms import (
    AssistAnswerForm,
    AssistDeclineForm,
    AssistFileForm,
    AssistFilterForm,
    AssistRequestForm,
    JointForm,
    kind_label,
    status_label,
)
from hotline.assists.models import Assist
from hotline.calls.views import region_label
from hotline.cases.attachments import open_attachment
from hotline.cases.queries import get_case_or_404, joint_region_codes
from hotline.core.clock import local_today
from hotline.core.errors import DomainError, NotAllowed, StaleVersion, StateError, ValidationFailed
from hotline.core.models import AuditEvent
from hotline.core.permissions import role_required
from hotline.core.text import clean_text
from hotline.deadlines.calendar import WorkCalendar
from hotline.extensions import db
from hotline.inbox.items import working_days_left

ROLES = tuple(operations.ROLES)
PAGE_SIZE = 50
STALE_MESSAGE = _l("Someone else changed this request; your input is kept below. Check it and send again.")
ACTION_LABELS = {
    "request": _l("Assistance requested (协查)"),
    "answer": _l("Assistance answered"),
    "decline": _l("Assistance declined"),
    "file": _l("Evidence file sent"),
}
#: What the asking case's audit trail calls the steps (hotline.cases.views.AUDIT_ACTION_LABELS reads these).
CASE_AUDIT_LABELS = {
    "assist_request": _l("Assistance requested (协查)"),
    "assist_answer": _l("Assistance answered (协查)"),
    "assist_decline": _l("Assistance declined (协查)"),
    "joint": _l("Run jointly (联合办案)"),
}


def _days_left(assist: Assist, today, cal: WorkCalendar | None = None) -> int | None:
    """Working days of the assisting region from ``today`` to the due date (negative: late; None: no calendar)."""
    left, _overdue, _missing = working_days_left((cal or WorkCalendar()).for_region(assist.region_code), today,
                                                 assist.due_on)
    return left


@bp.app_context_processor
def _helpers():
    return {"case_assist_panel": _case_panel, "assist_status_label": status_label,
            "assist_kind_label": kind_label}


def _case_panel(case) -> dict:
    """The case page's cooperation card: its requests (with their answers and files), the regions joined, and
    whether the user may ask or join regions."""
    today = local_today()
    cal = WorkCalendar()
    return {"assists": queries.case_assists(case), "today": today,
            "joint_regions": joint_region_codes(case),
            "can_ask": operations.may_ask(current_user, case),
            "can_join": operations.may_join(current_user, case),
            "days_left": lambda a: _days_left(a, today, cal)}


@bp.route("")
@role_required(*ROLES)
def index():
    form = AssistFilterForm(request.args)
    status = direction = None
    if form.validate():
        status = form.status.data or None
        direction = form.direction.data or None
    cursor = request.args.get("cursor", type=int)
    rows, next_cursor = queries.list_assists(current_user, status=status, direction=direction, cursor=cursor,
                                             page_size=PAGE_SIZE)
    today = local_today()
    older = None
    if next_cursor:
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        older = url_for("assists.index", cursor=next_cursor, **args)
    items = [{"assist": a, "overdue": queries.is_overdue(a, today),
              "received": operations.is_assisting_side(current_user, a)} for a in rows]
    return render_template("assists/index.html", form=form, items=items, older=older, filtered=bool(request.args),
                           region_label=region_label)


def _timeline(assist: Assist) -> list[dict]:
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == Assist.__audit_type__,
                                                         AuditEvent.object_id == assist.id).order_by(AuditEvent.id))
    return [{"at": e.occurred_at, "who": e.actor_name, "action_label": str(ACTION_LABELS.get(e.action, e.action)),
             "changes": [], "note": e.note} for e in events]


def _render(assist: Assist, status: int = 200, *, alert: str | None = None, **active):
    today = local_today()
    forms = {}
    if operations.can_answer(current_user, assist):
        forms["answer"] = active.get("answer") or AssistAnswerForm(formdata=None, prefix="answer",
                                                                   version=assist.version)
        forms["decline"] = active.get("decline") or AssistDeclineForm(formdata=None, prefix="decline",
                                                                      version=assist.version)
        forms["file"] = active.get("file") or AssistFileForm(formdata=None, prefix="file")
    # The asking region opens the case; the assisting one reads only what the request shares.
    shows_case = operations.is_asking_side(current_user, assist)
    return render_template(
        "assists/detail.html", assist=assist, forms=forms, alert=alert, today=today,
        overdue=queries.is_overdue(assist, today), days_left=_days_left(assist, today) if assist.is_pending else None,
        timeline=_timeline(assist), shows_case=shows_case, region_label=region_label,
    ), status


@bp.route("/<int:assist_id>")
@role_required(*ROLES)
def detail(assist_id: int):
    return _render(queries.get_assist_or_404(assist_id, current_user))


def _refusal(assist: Assist):
    """403 / 409 page for a step the user may not take now (the assisting region, while pending)."""
    try:
        operations.require_step("answer", current_user, assist)
    except (StateError, NotAllowed) as exc:
        return _render(assist, exc.status_code, alert=exc.message)
    return None


def _step(assist_id: int, name: str, form_cls, perform, success: str):
    assist = queries.get_assist_or_404(assist_id, current_user)
    refused = _refusal(assist)
    if refused is not None:
        return refused
    form = form_cls(prefix=name)
    status = 422
    if form.validate_on_submit():
        try:
            perform(assist, form)
        except (StaleVersion, StaleDataError):
            db.session.rollback()
            db.session.refresh(assist)
            form.form_errors.append(str(STALE_MESSAGE))
            if hasattr(form, "version"):
                form.reset_version(assist.version)
            status = 409
        except (StateError, NotAllowed) as exc:
            db.session.rollback()
            db.session.refresh(assist)
            return _render(assist, exc.status_code, alert=exc.message)
        except ValidationFailed as exc:
            db.session.rollback()
            db.session.refresh(assist)
            form.apply_domain_errors(exc.errors)
        else:
            db.session.commit()
            flash(success, "success")
            return redirect(url_for("assists.detail", assist_id=assist.id))
    form.lift_hidden_errors()
    return _render(assist, status, **{name: form})


def _answer(assist: Assist, form: AssistAnswerForm) -> None:
    upload = form.file.data
    if upload is not None and getattr(upload, "filename", None):
        operations.add_file(assist, upload, description=clean_text(form.description.data), actor=current_user)
    operations.answer_assist(assist, form.result.data, actor=current_user, expected_version=form.version.data)


@bp.route("/<int:assist_id>/answer", methods=["POST"])
@role_required(*ROLES)
def answer(assist_id: int):
    return _step(assist_id, "answer", AssistAnswerForm, _answer, _("Answer sent to the asking region."))


@bp.route("/<int:assist_id>/decline", methods=["POST"])
@role_required(*ROLES)
def decline(assist_id: int):
    return _step(assist_id, "decline", AssistDeclineForm, lambda a, f: operations.decline_assist(
        a, f.reason.data, actor=current_user, expected_version=f.version.data), _("Request declined."))


def _upload(assist: Assist, form: AssistFileForm) -> None:
    if form.file.data is None or not getattr(form.file.data, "filename", None):
        raise ValidationFailed(_("Choose a file to upload."), {"file": [_("Choose a file to upload.")]})
    attachment = operations.add_file(assist, form.file.data, description=clean_text(form.description.data),
                                     actor=current_user)
    logger.info("file %s sent with assistance request %s by user %s", attachment.id, assist.id, current_user.id)


@bp.route("/<int:assist_id>/attachments", methods=["POST"])
@role_required(*ROLES)
def upload(assist_id: int):
    return _step(assist_id, "file", AssistFileForm, _upload, _("File sent with the request."))


@bp.route("/<int:assist_id>/attachments/<int:attachment_id>")
@role_required(*ROLES)
def download(assist_id: int, attachment_id: int):
    """Both regions of the request download the files sent with it."""
    assist = queries.get_assist_or_404(assist_id, current_user)
    for linked in assist.files:
        if linked.attachment_id == attachment_id:
            return open_attachment(linked.attachment)
    abort(404)


# From the case page ---------------------------------------------------------------------------------------------

@bp.route("/case/<int:case_id>/new", methods=["GET", "POST"])
@role_required(*ROLES)
def new(case_id: int):
    """Ask another region for assistance on a case (its lead region's officers and supervisors)."""
    case = get_case_or_404(case_id, current_user)
    if not operations.may_ask(current_user, case):
        abort(403)
    regions = operations.assisting_regions(case)
    form = AssistRequestForm(regions=regions)
    if request.method == "GET":
        form.case_summary.data = (case.summary or "")[:2000]
    status = 200
    if form.validate_on_submit():
        try:
            assist = operations.request_assist(case, {
                "region_code": form.region_code.data, "kind": form.kind.data, "request": form.request.data,
                "case_summary": form.case_summary.data, "due_on": form.due_on.data}, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            status = exc.status_code
            if isinstance(exc, ValidationFailed):
                form.apply_domain_errors(exc.errors)
            else:
                form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Request for assistance sent to %(region)s.", region=region_label(assist.region_code)),
                  "success")
            return redirect(url_for("cases.detail", case_id=case.id, _anchor="assists"))
    elif request.method == "POST":
        status = 422
    return render_template("assists/new.html", case=case, form=form), status


@bp.route("/case/<int:case_id>/joint", methods=["GET", "POST"])
@role_required(*ROLES)
def joint(case_id: int):
    """Join other regions to a case (联合办案): the lead region's supervisors."""
    case = get_case_or_404(case_id, current_user)
    if not operations.may_join(current_user, case):
        abort(403)
    joined = set(joint_region_codes(case))
    regions = [r for r in operations.assisting_regions(case) if r.code not in joined]
    form = JointForm(regions=regions)
    status = 200
    if form.validate_on_submit():
        try:
            operations.join_regions(case, list(form.region_codes.data), actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            status = exc.status_code
            if isinstance(exc, ValidationFailed):
                form.apply_domain_errors(exc.errors)
            else:
                form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("The case is now run jointly with the regions chosen."), "success")
            return redirect(url_for("cases.detail", case_id=case.id, _anchor="assists"))
    elif request.method == "POST":
        status = 422
    return render_template("assists/joint.html", case=case, form=form, joined=sorted(joined),
                           region_label=region_label), status
