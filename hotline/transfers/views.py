"""Transfer pages: the list (mine / all I see, by status, overdue marked) and the detail page with the clock,
the timeline and the step forms the user may use. Steps POST, commit once and redirect (post/redirect/get)."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from hotline.calls.views import region_label
from hotline.core.clock import local_today
from hotline.core.errors import NotAllowed, StaleVersion, StateError, ValidationFailed
from hotline.core.forms import HotlineForm
from hotline.core.models import AuditEvent
from hotline.core.permissions import role_required
from hotline.deadlines.engine import transfer_deadlines
from hotline.extensions import db
from hotline.transfers import bp, operations
from hotline.transfers.forms import (
    DEADLINE_KIND_LABELS,
    OUTCOME_LABELS,
    SATISFACTION_LABELS,
    AnswerForm,
    CallbackForm,
    PassDownForm,
    ReopenForm,
    ReturnForm,
    SignForm,
    TransferFilterForm,
    transfer_status_label,
)
from hotline.transfers.models import Transfer
from hotline.transfers.queries import TransferFilters, get_transfer_or_404, is_overdue, list_transfers

READ_ROLES = operations.READ_ROLES
PAGE_SIZE = 50
STALE_MESSAGE = _l("Someone else changed this transfer; your input is kept below. Check it and send again.")
ACTION_LABELS = {
    "create": _l("Transferred"),
    "sign": _l("Signed for (签收)"),
    "return": _l("Returned (退回)"),
    "answer": _l("Answered (反馈)"),
    "callback": _l("Caller called back (回访)"),
    "reopen": _l("Reopened (重办)"),
    "close": _l("Closed"),
    "case_opened": _l("Case opened from the transfer"),
}
FIELD_LABELS = {
    "status": _l("Status"), "complex": _l("Complex"), "outcome": _l("Outcome"), "case_id": _l("Case"),
    "reached": _l("Caller reached?"), "satisfaction": _l("Caller's satisfaction"),
    "to_region_code": _l("To office"), "to_agency": _l("To agency"), "call_id": _l("Call"),
    "signed_by_id": _l("Signed by"), "answered_by_id": _l("Answered by"),
}


@bp.context_processor
def _helpers():
    return {"transfer_status_label": transfer_status_label, "region_label": region_label,
            "outcome_label": lambda c: str(OUTCOME_LABELS.get(c, c or "")),
            "satisfaction_label": lambda c: str(SATISFACTION_LABELS.get(c, c or "")),
            "transfer_deadline_label": lambda k: str(DEADLINE_KIND_LABELS.get(k, k))}


def _list_filters() -> tuple[TransferFilterForm, TransferFilters]:
    """The list's filter form and filters from the query string (invalid: none): the page and its XLSX."""
    form = TransferFilterForm(request.args)
    filters = TransferFilters()
    if form.validate():
        filters.status = form.status.data or None
        filters.overdue = True if form.overdue.data else None
        filters.mine = form.scope.data == "mine"
    return form, filters


def _export_args(form: TransferFilterForm) -> dict[str, str]:
    if form.errors:
        return {}
    args = {name: form[name].data for name in ("status", "scope") if form[name].data}
    if form.overdue.data:
        args["overdue"] = "y"
    return args


def _due_on(t: Transfer):
    """The date the list shows as due: the deadline running in the transfer's status."""
    if t.status in ("pending", "reopened"):
        return t.sign_due_on
    if t.status == "signed":
        return t.answer_due_on
    if t.status in ("answered", "called_back"):
        return t.callback_due_on
    return None


@bp.route("/export.xlsx")
@role_required(*READ_ROLES)
def export():
    """The transfer list with its filters as XLSX, newest first, read in id-keyset batches."""
    from datetime import datetime

    from hotline.core import exports as core_exports
    from hotline.core.xlsx import Column, write_xlsx, xlsx_response
    from hotline.templating import local_tz

    form, filters = _list_filters()
    today = local_today()
    overdue_label = _("overdue")

    def rows():
        cursor = None
        while True:
            page, cursor = list_transfers(current_user, filters, today=today, cursor=cursor,
                                          page_size=core_exports.EXPORT_BATCH,
                                          max_page_size=core_exports.EXPORT_BATCH)
            for t in page:
                yield (t.call.ref, t.sent_on, region_label(t.to_region_code) if t.to_region_code else t.to_agency,
                       transfer_status_label(t.status), overdue_label if is_overdue(t, today) else "", _due_on(t),
                       t.call.summary)
            if cursor is None:
                return

    columns = [Column(_("Call"), 16), Column(_("Sent"), 11, "date"), Column(_("To"), 16), Column(_("Status"), 10),
               Column(_("overdue"), 8), Column(_("Due"), 11, "date"), Column(_("Summary"), 60)]
    out, count = write_xlsx(_("Transfers"), core_exports.describe_filters(form), columns, rows())
    core_exports.audit_export(current_user, "transfers", count, filters=_export_args(form))
    db.session.commit()
    return xlsx_response(out, f"transfers-{datetime.now(local_tz()):%Y%m%d-%H%M}.xlsx")


@bp.route("/")
@role_required(*READ_ROLES)
def index():
    form, filters = _list_filters()
    today = local_today()
    cursor = request.args.get("cursor", type=int)
    rows, next_cursor = list_transfers(current_user, filters, today=today, cursor=cursor, page_size=PAGE_SIZE)
    items = [{"transfer": t, "overdue": is_overdue(t, today)} for t in rows]
    older = None
    if next_cursor:
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        older = url_for("transfers.index", cursor=next_cursor, **args)
    return render_template("transfers/index.html", form=form, items=items, today=today, older=older,
                           filtered=bool(request.args), export_url=url_for("transfers.export", **_export_args(form)))


def _value(field: str, value):
    if value is None or value == "":
        return None
    if field == "status":
        return transfer_status_label(value)
    if field == "to_region_code":
        return region_label(value)
    if field == "outcome":
        return str(OUTCOME_LABELS.get(value, value))
    if field == "satisfaction":
        return str(SATISFACTION_LABELS.get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value


def _timeline(transfer: Transfer) -> list[dict]:
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == Transfer.__audit_type__, AuditEvent.object_id == transfer.id).order_by(AuditEvent.id))
    entries = []
    for event in events:
        changes = [{"field": str(FIELD_LABELS.get(name, name)),
                    "old": _value(name, pair[0] if isinstance(pair, list | tuple) else None),
                    "new": _value(name, pair[1] if isinstance(pair, list | tuple) else pair)}
                   for name, pair in (event.changes or {}).items() if not name.endswith("_id") or name == "case_id"]
        entries.append({"at": event.occurred_at, "who": event.actor_name,
                        "action_label": str(ACTION_LABELS.get(event.action, event.action)),
                        "changes": changes, "note": event.note})
    return entries


_FORMS: dict[str, tuple[type[HotlineForm], Callable]] = {
    "sign": (SignForm, operations.can_sign),
    "return": (ReturnForm, operations.can_return),
    "answer": (AnswerForm, operations.can_answer),
    "callback": (CallbackForm, operations.can_callback),
    "reopen": (ReopenForm, operations.can_reopen),
    "pass_down": (PassDownForm, operations.can_pass_down),
}


def _render(transfer: Transfer, status: int = 200, *, alert: str | None = None, active: tuple[str, HotlineForm]
            | None = None):
    today = local_today()
    forms = {}
    for step, (form_cls, allowed) in _FORMS.items():
        if allowed(current_user, transfer):
            if active and active[0] == step:
                forms[step] = active[1]
            else:
                forms[step] = form_cls(formdata=None, prefix=step, version=transfer.version)
            if step == "pass_down":
                forms[step].set_targets(operations.pass_down_targets(transfer))
    return render_template(
        "transfers/detail.html", transfer=transfer, call=transfer.call, forms=forms, alert=alert, today=today,
        deadlines=transfer_deadlines(transfer), timeline=_timeline(transfer), overdue=is_overdue(transfer, today),
        can_open_case=operations.can_open_case(current_user, transfer),
    ), status


@bp.route("/<int:transfer_id>")
@role_required(*READ_ROLES)
def detail(transfer_id: int):
    return _render(get_transfer_or_404(transfer_id, current_user))


def _step(transfer_id: int, step: str, perform: Callable[[Transfer, HotlineForm], None], success: str):
    """The shared POST lifecycle: validate → operation → commit → flash → redirect; errors re-render the page
    with the input (422 invalid, 409 stale or a step that no longer fits, 403 the wrong side)."""
    transfer = get_transfer_or_404(transfer_id, current_user)
    form_cls, allowed = _FORMS[step]
    if not allowed(current_user, transfer):
        refusal = operations.step_refusal(step, current_user, transfer)
        return _render(transfer, refusal.status_code, alert=refusal.message)
    form = form_cls(prefix=step)
    if step == "pass_down":
        form.set_targets(operations.pass_down_targets(transfer))
    status = 422
    if form.validate_on_submit():
        try:
            perform(transfer, form)
        except (StaleVersion, StaleDataError):
            db.session.rollback()
            db.session.refresh(transfer)
            form.form_errors.append(str(STALE_MESSAGE))
            form.reset_version(transfer.version)
            status = 409
        except (StateError, NotAllowed) as exc:
            db.session.rollback()
            db.session.refresh(transfer)
            return _render(transfer, exc.status_code, alert=exc.message)
        except ValidationFailed as exc:
            db.session.rollback()
            db.session.refresh(transfer)
            form.apply_domain_errors(exc.errors)
        else:
            db.session.commit()
            flash(success, "success")
            return redirect(url_for("transfers.detail", transfer_id=transfer.id))
    form.lift_hidden_errors()
    return _render(transfer, status, active=(step, form))


@bp.route("/<int:transfer_id>/sign", methods=["POST"])
@role_required(*operations.RECEIVING_ROLES)
def sign(transfer_id: int):
    return _step(transfer_id, "sign", lambda t, f: operations.sign_transfer(
        t, complex_matter=bool(f.complex.data), actor=current_user, expected_version=f.version.data),
        _("Signed for."))


@bp.route("/<int:transfer_id>/return", methods=["POST"])
@role_required(*operations.RECEIVING_ROLES)
def return_(transfer_id: int):
    return _step(transfer_id, "return", lambda t, f: operations.return_transfer(
        t, f.reason.data, actor=current_user, expected_version=f.version.data), _("Returned to the hotline."))


@bp.route("/<int:transfer_id>/answer", methods=["POST"])
@role_required(*READ_ROLES)
def answer(transfer_id: int):
    return _step(transfer_id, "answer", lambda t, f: operations.answer_transfer(
        t, {"outcome": f.outcome.data, "result": f.result.data, "case_id": f.case_id.data},
        actor=current_user, expected_version=f.version.data), _("Answer recorded."))


@bp.route("/<int:transfer_id>/callback", methods=["POST"])
@role_required(*READ_ROLES)
def callback(transfer_id: int):
    return _step(transfer_id, "callback", lambda t, f: operations.callback_transfer(
        t, f.data_for_operation(), actor=current_user, expected_version=f.version.data), _("Call-back recorded."))


@bp.route("/<int:transfer_id>/reopen", methods=["POST"])
@role_required(*READ_ROLES)
def reopen(transfer_id: int):
    return _step(transfer_id, "reopen", lambda t, f: operations.reopen_transfer(
        t, f.reason.data, actor=current_user, expected_version=f.version.data), _("Reopened: sent back to the region."))


@bp.route("/<int:transfer_id>/pass-down", methods=["POST"])
@role_required(*operations.RECEIVING_ROLES)
def pass_down(transfer_id: int):
    return _step(transfer_id, "pass_down", lambda t, f: operations.pass_down_transfer(
        t, f.region_code.data, f.note.data, actor=current_user, expected_version=f.version.data),
        _("Passed down to the county office."))
