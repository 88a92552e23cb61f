"""Approvals UI: the list (what waits for me first, then the rest), a request's page with what is asked and why,
the case summary and the decision forms (approve, approve with changes, reject), and the requester's cancel.

Requests are made from the case page (the extend, close-as-penalized, publish and withdraw forms); decisions go
through ``hotline.approvals.operations`` and one commit.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from hotline.approvals import bp
from hotline.approvals.forms import ACTION_LABELS, PARAM_LABELS, STATUS_LABELS, DecisionForm
from hotline.approvals.models import Approval, ApprovalAction
from hotline.approvals.operations import cancel_approval, decide_approval
from hotline.approvals.queries import get_approval_or_404, list_approvals
from hotline.cases.forms import CASE_STATUS_LABELS, CASE_TYPE_LABELS, OUTCOME_LABELS, label_of
from hotline.cases.operations import CASE_ROLES
from hotline.core.clock import local_today
from hotline.core.errors import DomainError, StaleVersion, StateError
from hotline.core.forms import ConfirmForm
from hotline.core.permissions import Role, role_required, supervises
from hotline.extensions import db


def _may_decide(approval: Approval) -> bool:
    case = approval.case
    officer_ids = approval.params.get("officer_ids") if approval.action == ApprovalAction.file else ()
    return (approval.is_pending and current_user.role == Role.supervisor
            and supervises(current_user, approval.region_code) and current_user.id != approval.requested_by_id
            and case.can_decide(current_user, [i for i in officer_ids or () if isinstance(i, int)]))


def _param_rows(approval: Approval) -> list[tuple[str, str]]:
    from hotline.accounts.models import User

    rows = []
    for name, value in approval.params.items():
        if name == "outcome":
            shown = label_of(OUTCOME_LABELS, value)
        elif name == "officer_ids" and isinstance(value, list):
            names = {u.id: u.display_name for u in db.session.query(User).filter(User.id.in_(value))}
            shown = ", ".join(names.get(i, f"#{i}") for i in value)
        elif isinstance(value, bool):
            shown = _("yes") if value else _("no")
        else:
            shown = str(value)
        rows.append((str(PARAM_LABELS.get(name, name)), shown))
    return rows


@bp.context_processor
def _helpers():
    return {
        "approval_action_label": lambda code: label_of(ACTION_LABELS, code),
        "approval_status_label": lambda code: label_of(STATUS_LABELS, code),
        "case_status_label": lambda code: label_of(CASE_STATUS_LABELS, code),
        "case_type_label": lambda code: label_of(CASE_TYPE_LABELS, code),
        "today": local_today(),
    }


@bp.route("")
@role_required(*CASE_ROLES)
def index():
    status = request.args.get("status") or None
    if status not in (None, *STATUS_LABELS):
        status = None
    rows = list_approvals(current_user, status=status)
    mine = [a for a in rows if _may_decide(a)]
    others = [a for a in rows if a not in mine]
    return render_template("approvals/index.html", mine=mine, others=others, status=status,
                           statuses=STATUS_LABELS)


def _render(approval: Approval, form: DecisionForm | None = None, status: int = 200, alert: str | None = None):
    may_decide = _may_decide(approval)
    if form is None and may_decide:
        data = {k: approval.params.get(k) for k in ("months", "days", "fine_amount", "confiscated_amount")}
        form = DecisionForm(formdata=None, approval=approval, version=approval.version, **data)
    may_cancel = approval.is_pending and current_user.id == approval.requested_by_id
    return render_template("approvals/detail.html", approval=approval, case=approval.case, form=form,
                           may_decide=may_decide, may_cancel=may_cancel, cancel_form=ConfirmForm(),
                           params=_param_rows(approval), alert=alert), status


@bp.route("/<int:approval_id>")
@role_required(*CASE_ROLES)
def detail(approval_id: int):
    return _render(get_approval_or_404(approval_id, current_user))


@bp.route("/<int:approval_id>/decision", methods=["POST"])
@role_required(Role.supervisor)
def decide(approval_id: int):
    approval = get_approval_or_404(approval_id, current_user)
    if not _may_decide(approval):
        if approval.is_pending:
            abort(403)
        return _render(approval, status=409, alert=_("This request is no longer pending."))
    form = DecisionForm(approval=approval)
    if not form.validate_on_submit():
        return _render(approval, form, 422)
    try:
        decide_approval(approval, form.decision.data, actor=current_user, reason=form.reason.data,
                        changes=form.changes(approval) if form.decision.data == "approve" else None,
                        expected_version=form.version.data)
    except (StaleVersion, StaleDataError):
        db.session.rollback()
        db.session.refresh(approval)
        return _render(approval, None, 409, alert=_("This request was changed by someone else; reload it."))
    except StateError as exc:
        db.session.rollback()
        db.session.refresh(approval)
        return _render(approval, None, 409, alert=exc.message)
    except DomainError as exc:
        db.session.rollback()
        db.session.refresh(approval)
        if exc.status_code == 403:
            abort(403)
        form.apply_domain_errors({k.removeprefix("changes."): v for k, v in exc.errors.items()})
        if not exc.errors:
            form.form_errors.append(exc.message)
        return _render(approval, form, 422)
    db.session.commit()
    if approval.status == "approved":
        flash(_("Approved: %(what)s %(case)s.", what=label_of(ACTION_LABELS, approval.action),
                case=approval.case.display_number), "success")
    else:
        flash(_("Rejected: %(what)s %(case)s.", what=label_of(ACTION_LABELS, approval.action),
                case=approval.case.display_number), "success")
    return redirect(url_for("approvals.detail", approval_id=approval.id))


@bp.route("/<int:approval_id>/cancel", methods=["POST"])
@role_required(*CASE_ROLES)
def cancel(approval_id: int):
    approval = get_approval_or_404(approval_id, current_user)
    if approval.requested_by_id != current_user.id:
        abort(404)  # only the requester has a request to cancel
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        cancel_approval(approval, actor=current_user)
    except StateError as exc:
        db.session.rollback()
        db.session.refresh(approval)
        return _render(approval, None, 409, alert=exc.message)
    except DomainError as exc:
        db.session.rollback()
        if exc.status_code == 403:
            abort(403)
        raise
    db.session.commit()
    flash(_("Request cancelled."), "success")
    return redirect(url_for("approvals.detail", approval_id=approval.id))
