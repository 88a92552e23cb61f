"""Login/logout, user administration (admin) and personal API tokens."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from hotline.accounts import bp, logger
from hotline.accounts.forms import LoginForm, TokenForm, UserForm
from hotline.accounts.models import ApiToken, User
from hotline.accounts.operations import create_user, issue_token, normalize_username, revoke_token, update_user
from hotline.accounts.security import (
    clear_login_failures,
    client_address,
    end_session,
    login_blocked,
    record_login_failure,
    start_session,
    verify_password,
)
from hotline.core.audit import record_event
from hotline.core.errors import ValidationFailed
from hotline.core.forms import ConfirmForm
from hotline.core.permissions import PROVINCE_CODE, Role, role_required
from hotline.core.types import utcnow
from hotline.core.urls import safe_next
from hotline.extensions import db


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        username = normalize_username(form.username.data)
        address = client_address()
        if login_blocked(username, address):
            logger.warning("login throttled for an account or address")
            form.form_errors.append(_("Too many failed attempts. Wait 15 minutes and try again."))
            return render_template("accounts/login.html", form=form), 429
        user = db.session.scalar(select(User).where(User.username == username))
        if verify_password(user, form.password.data) and user.is_active:
            clear_login_failures(username)
            # A fresh cookie session on login: nothing from before (session fixation) survives.
            lang = session.get("lang")
            session.clear()
            if lang:
                session["lang"] = lang
            start_session(user)
            user.last_login_at = utcnow()
            login_user(user)
            record_event(user, "login", user)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
        record_login_failure(username, address)
        db.session.commit()
        form.form_errors.append(_("Wrong username or password, or the account is deactivated."))
        status = 401
    elif request.method == "POST":
        status = 422
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    end_session(current_user.session_id)
    logout_user()
    session.clear()
    db.session.commit()
    flash(_("You have been logged out."), "success")
    return redirect(url_for("accounts.login"))


# Administration -------------------------------------------------------------------------------

def _scoped_users():
    stmt = select(User).order_by(User.region_code, User.username)
    if current_user.region_code != PROVINCE_CODE:
        stmt = stmt.where(User.region_code == current_user.region_code)
    return stmt


def _get_user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or (current_user.region_code != PROVINCE_CODE and user.region_code != current_user.region_code):
        abort(404)
    return user


@bp.route("/admin/users")
@role_required(Role.admin)
def users():
    return render_template("accounts/users.html", users=db.session.scalars(_scoped_users()).all())


@bp.route("/admin/users/new", methods=["GET", "POST"])
@role_required(Role.admin)
def user_new():
    form = UserForm()
    if not form.is_submitted() and current_user.region_code != PROVINCE_CODE:
        form.region_code.data = current_user.region_code
    status = 200
    if form.validate_on_submit():
        if current_user.region_code != PROVINCE_CODE and form.region_code.data != current_user.region_code:
            form.region_code.errors.append(_("You can only create users of your own region."))
            status = 422
        else:
            try:
                user = create_user(username=form.username.data, display_name=form.display_name.data,
                                   password=form.password.data, role=form.role.data,
                                   region_code=form.region_code.data, actor=current_user)
            except ValidationFailed as exc:
                form.populate_errors(exc.errors)
                status = 422
            else:
                if not form.is_active.data:
                    update_user(user, {"is_active": False}, actor=current_user)
                db.session.commit()
                flash(_("User %(name)s created.", name=user.username), "success")
                return redirect(url_for("accounts.users"))
    elif form.is_submitted():
        status = 422
    return render_template("accounts/user_form.html", form=form, user=None), status


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.admin)
def user_edit(user_id: int):
    user = _get_user_or_404(user_id)
    form = UserForm(obj=user, editing=True)
    status = 200
    if form.validate_on_submit():
        if current_user.region_code != PROVINCE_CODE and form.region_code.data != current_user.region_code:
            form.region_code.errors.append(_("You can only assign your own region."))
            status = 422
        else:
            try:
                update_user(user, {"display_name": form.display_name.data.strip(), "role": form.role.data,
                                   "region_code": form.region_code.data, "is_active": form.is_active.data},
                            actor=current_user)
                if form.password.data:
                    from hotline.accounts.operations import set_password

                    set_password(user, form.password.data, actor=current_user)
            except ValidationFailed as exc:
                db.session.rollback()
                form.populate_errors(exc.errors)
                status = 422
            else:
                db.session.commit()
                flash(_("User %(name)s saved.", name=user.username), "success")
                return redirect(url_for("accounts.users"))
    elif form.is_submitted():
        status = 422
    return render_template("accounts/user_form.html", form=form, user=user), status


# API tokens (every user manages their own) ------------------------------------------------------

@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = TokenForm()
    new_token = None
    status = 200
    if form.validate_on_submit():
        _, new_token = issue_token(current_user, form.name.data, actor=current_user)
        db.session.commit()
        form = TokenForm(formdata=None)
    elif form.is_submitted():
        status = 422
    rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id)
                              .order_by(ApiToken.id.desc())).all()
    return render_template("accounts/tokens.html", form=form, tokens=rows, new_token=new_token), status


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def token_revoke(token_id: int):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    token = db.session.get(ApiToken, token_id)
    if token is None:
        abort(404)
    own = token.user_id == current_user.id
    if not own:
        # Admins revoke other users' tokens (within their region) from the user page.
        if current_user.role != Role.admin:
            abort(404)
        _get_user_or_404(token.user_id)
    revoke_token(token, actor=current_user)
    db.session.commit()
    flash(_("Token revoked."), "success")
    return redirect(url_for("accounts.tokens") if own else url_for("accounts.user_edit", user_id=token.user_id))


@bp.app_context_processor
def _login_settings():
    return {"login_window_minutes": current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"] // 60}
