"""Standard answers UI: the searchable list, an answer with its versions, writing and editing (supervisors), and
the suggestions the intake page asks for while the summary is typed."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hotline.answers import bp, logger, queries
from hotline.answers.forms import STATUS_LABELS, AnswerForm, AnswerSearchForm, category_label
from hotline.answers.models import AnswerStatus, StandardAnswer
from hotline.answers.operations import create_answer, set_answer_status, update_answer
from hotline.core.errors import StaleVersion, StateError, ValidationFailed
from hotline.core.forms import ConfirmForm
from hotline.core.permissions import CALL_READ_ROLES, CALL_WRITE_ROLES, Role, role_required
from hotline.extensions import db

#: How many suggestions the intake panel shows.
SUGGESTIONS = 5


def _can_keep() -> bool:
    return current_user.role == Role.supervisor


def _helpers() -> dict:
    return {"category_label": category_label, "status_label": lambda s: str(STATUS_LABELS.get(AnswerStatus(s), s)),
            "can_keep": _can_keep()}


@bp.route("")
@role_required(*CALL_READ_ROLES)
def index():
    form = AnswerSearchForm(request.args)
    form.validate()
    status = form.status.data if form.status.data in ("active", "retired") else None
    if form.status.data not in ("active", "retired", "all"):
        status = AnswerStatus.active.value
    items = queries.list_answers(q=form.q.data if not form.q.errors else None,
                                 category=form.category.data or None, status=status)
    searched = bool((form.q.data or "").strip())
    return render_template("answers/index.html", form=form, items=items, searched=searched, **_helpers())


@bp.route("/suggest")
@role_required(*CALL_WRITE_ROLES)
def suggest():
    """JSON for the intake panel: the active answers best matching the summary being typed."""
    q = request.args.get("q", "")[:500]
    items = queries.suggest_answers(q, limit=SUGGESTIONS)
    return jsonify({"items": [
        {"id": a.id, "version": a.version, "question": a.question, "answer": a.answer, "basis": a.basis,
         "category": category_label(a.category), "url": url_for("answers.detail", answer_id=a.id)}
        for a in items]})


@bp.route("/<int:answer_id>")
@role_required(*CALL_READ_ROLES)
def detail(answer_id: int):
    answer = queries.get_answer_or_404(answer_id)
    return render_template("answers/detail.html", answer=answer, versions=answer.versions,
                           uses=queries.answer_usage(answer.id), status_form=ConfirmForm(), **_helpers())


def _save(form: AnswerForm, perform) -> StandardAnswer | None:
    """Run ``perform`` (create or update) with the form's values; errors land on the form."""
    data = {name: form[name].data for name in ("question", "answer", "category", "basis")}
    if form.reviewed_on.data:
        data["reviewed_on"] = form.reviewed_on.data
    try:
        answer = perform(data)
    except StaleVersion as exc:
        db.session.rollback()
        form.form_errors.append(exc.message)
        return None
    except (ValidationFailed, StateError) as exc:
        db.session.rollback()
        form.apply_domain_errors(exc.errors) if exc.errors else form.form_errors.append(exc.message)
        return None
    db.session.commit()
    return answer


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.supervisor)
def new():
    form = AnswerForm()
    status = 200
    if form.validate_on_submit():
        answer = _save(form, lambda data: create_answer(data, actor=current_user))
        if answer is not None:
            logger.info("standard answer %s written by user %s", answer.id, current_user.id)
            flash(_("Standard answer saved."), "success")
            return redirect(url_for("answers.detail", answer_id=answer.id))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("answers/edit.html", form=form, answer=None, **_helpers()), status


@bp.route("/<int:answer_id>/edit", methods=["GET", "POST"])
@role_required(Role.supervisor)
def edit(answer_id: int):
    answer = queries.get_answer_or_404(answer_id)
    form = AnswerForm(obj=answer if request.method == "GET" else None)
    if request.method == "GET":
        form.reviewed_on.data = None
    status = 200
    if form.validate_on_submit():
        def perform(data):
            update_answer(answer, data, actor=current_user, expected_version=form.version.data)
            return answer

        if _save(form, perform) is not None:
            flash(_("Standard answer saved (version %(version)d).", version=answer.version), "success")
            return redirect(url_for("answers.detail", answer_id=answer.id))
        status = 422
    elif request.method == "POST":
        status = 422
    form.lift_hidden_errors()
    return render_template("answers/edit.html", form=form, answer=answer, **_helpers()), status


@bp.route("/<int:answer_id>/status", methods=["POST"])
@role_required(Role.supervisor)
def set_status(answer_id: int):
    """Retire an answer in use, or bring a retired one back (409 naming the state when it already is)."""
    answer = queries.get_answer_or_404(answer_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("answers.detail", answer_id=answer.id))
    target = AnswerStatus.active.value if not answer.is_active else AnswerStatus.retired.value
    if request.form.get("status") in ("active", "retired"):
        target = request.form["status"]
    try:
        set_answer_status(answer, target, actor=current_user)
    except StateError as exc:
        db.session.rollback()
        return render_template("answers/detail.html", answer=answer, versions=answer.versions,
                               uses=queries.answer_usage(answer.id), status_form=form, alert=exc.message,
                               **_helpers()), 409
    db.session.commit()
    flash(_("Standard answer retired.") if target == "retired" else _("Standard answer back in use."), "success")
    return redirect(url_for("answers.detail", answer_id=answer.id))
