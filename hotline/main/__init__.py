"""Home page and small cross-cutting views (language switch)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, session, url_for
from flask_login import login_required

from hotline.core.forms import ConfirmForm

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def index():
    """Every role's day starts in its inbox (我的待办); the old pages keep their own addresses."""
    return redirect(url_for("inbox.index"))


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
