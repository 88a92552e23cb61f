"""Home page and small cross-cutting views (language switch)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, session, url_for
from flask_login import current_user, login_required

from hotline.core.forms import ConfirmForm
from hotline.core.permissions import Role

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def index():
    """Send each role to where its day starts."""
    if current_user.role == Role.operator:
        return redirect(url_for("calls.new"))
    if current_user.role == Role.admin:
        return redirect(url_for("accounts.users"))
    return redirect(url_for("calls.index"))


@bp.route("/language/<lang>", methods=["POST"])
def set_language(lang: str):
    from flask import current_app

    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    session["lang"] = lang
    target = request.form.get("next") or ""
    from hotline.core.urls import safe_next

    return redirect(safe_next(target) or url_for("main.index"))
