"""Login/logout, user administration (admin) and personal API tokens."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from hotline.accounts import bp, logger
from hotline.accounts.forms import ChangePasswordForm, LoginForm, TokenForm, UserForm
from hotline.accounts.models import ApiToken, User
from hotline.accounts.operations import (
    change_own_password,
    create_user,
    issue_token,
    normalize_username,
    revoke_token,
    set_password,
    update_user,
)
from hotline.accounts.security import (
    client_address,
    end_session,
    login_wait,
    record_login_failure,
    start_session,
    verify_password,
)
from hotline.core.audit import record_event
from hotline.core.errors import NotAllowed, ValidationFailed
from hotline.core.forms import ConfirmForm
from hotline.core.permissions import Role, province_code, region_clause, require, role_required, sees_region
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
        wait = login_wait(username, address)
        if wait > timedelta(0):
            # Not a lock: the owner gets in after the wait. The same answer whether or not the account exists.
            logger.warning("login delayed after repeated failures for an account or address")
            form.form_errors.append(_("Too many failed attempts. Wait %(time)s, then try again.",
                                      time=_wait_text(wait)))
            response = make_response(render_template("accounts/login.html", form=form), 429)
            response.headers["Retry-After"] = str(_whole_seconds(wait))
            return response
        user = db.session.scalar(select(User).where(User.username == username))
        if verify_password(user, form.password.data) and user.is_active:
            if user.is_service:
                # Only who knows the password gets this far: saying why tells nothing to anyone else.
                form.form_errors.append(_("This is a service account: it calls the API with tokens and cannot log "
                                          "in here."))
                db.session.commit()
                return render_template("accounts/login.html", form=form), 403
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
            if user.must_change_password:
                return redirect(url_for("accounts.change_password"))
            return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
        record_login_failure(username, address)
        db.session.commit()
        form.form_errors.append(_("Wrong username or password, or the account is deactivated."))
        status = 401
    elif request.method == "POST":
        status = 422
    return render_template("accounts/login.html", form=form), status


def _whole_seconds(wait: timedelta) -> int:
    return max(1, int(-(-wait.total_seconds() // 1)))


def _wait_text(wait: timedelta) -> str:
    seconds = _whole_seconds(wait)
    if seconds < 120:
        return ngettext("%(num)d second", "%(num)d seconds", seconds)
    minutes = -(-seconds // 60)
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """The user sets their own password (also the page a forced change leads to)."""
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            change_own_password(current_user, current_password=form.current_password.data,
                                new_password=form.new_password.data, session_id=current_user.session_id)
        except ValidationFailed as exc:
            db.session.rollback()
            form.populate_errors(exc.errors)
            status = 422
        else:
            db.session.commit()
            flash(_("Your password has been changed. Your other sessions have ended and your API tokens were "
                    "revoked."), "success")
            return redirect(url_for("main.index"))
    elif form.is_submitted():
        status = 422
    return render_template("accounts/change_password.html", form=form), status


#: What a user who must change their password may still reach.
_FORCED_CHANGE_OPEN = frozenset({"accounts.change_password", "accounts.logout", "main.set_language", "static"})


@bp.before_app_request
def _forced_password_change():
    """Until a user whose password an administrator set chooses their own, every page leads to the change page."""
    if request.path.startswith("/api/") or request.endpoint in _FORCED_CHANGE_OPEN:
        return None
    if request.endpoint is None or request.endpoint.startswith("public."):
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        # The change page says why (no flash here: each redirected request would add one).
        return redirect(url_for("accounts.change_password"))
    return None


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
    if current_user.region_code != province_code():
        stmt = stmt.where(region_clause(User.region_code, current_user))
    return stmt


def _get_user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not sees_region(current_user, user.region_code):
        abort(404)
    return user


@bp.route("/admin/users")
@role_required(Role.admin)
def users():
    return render_template("accounts/users.html", users=db.session.scalars(_scoped_users()).all())


def _own_regions(form: UserForm) -> UserForm:
    """An administrator places users in their own region and the regions below it."""
    form.region_code.choices = [c for c in form.region_code.choices if sees_region(current_user, c[0])]
    return form


@bp.route("/admin/users/new", methods=["GET", "POST"])
@role_required(Role.admin)
def user_new():
    form = _own_regions(UserForm())
    if not form.is_submitted() and current_user.region_code != province_code():
        form.region_code.data = current_user.region_code
    status = 200
    if form.validate_on_submit():
        if not sees_region(current_user, form.region_code.data):
            form.region_code.errors.append(_("You can only create users of your own region."))
            status = 422
        else:
            try:
                user = create_user(username=form.username.data, display_name=form.display_name.data,
                                   password=form.password.data or None, role=form.role.data,
                                   region_code=form.region_code.data, actor=current_user,
                                   is_service=form.is_service.data)
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
    form = _own_regions(UserForm(obj=user, editing=True))
    status = 200
    if form.validate_on_submit():
        if not sees_region(current_user, form.region_code.data):
            form.region_code.errors.append(_("You can only assign your own region."))
            status = 422
        else:
            try:
                update_user(user, {"display_name": form.display_name.data.strip(), "role": form.role.data,
                                   "region_code": form.region_code.data, "is_active": form.is_active.data},
                            actor=current_user)
                if "password" in form and form.password.data:
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
    return render_template("accounts/user_form.html", form=form, user=user,
                           token_form=TokenForm(prefix="token", formdata=None) if user.is_service else None), status


# API tokens (every user manages their own) ------------------------------------------------------

@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    # Tokens go to those who use the API (officers' handhelds, supervisors' report tools); operators work here.
    require(current_user.may_hold_tokens)
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


@bp.route("/admin/users/<int:user_id>/tokens", methods=["POST"])
@role_required(Role.admin)
def user_token_new(user_id: int):
    """An administrator issues a token to a service account of their region (shown once on its page)."""
    user = _get_user_or_404(user_id)
    token_form = TokenForm(prefix="token")
    form = UserForm(obj=user, editing=True, formdata=None)
    new_token = None
    status = 200
    if not user.is_service:
        token_form.name.errors = [_("Only service accounts get tokens from an administrator; other users create "
                                    "their own.")]
        status = 409
    elif token_form.validate_on_submit():
        try:
            new_token = issue_token(user, token_form.name.data, actor=current_user)[1]
        except NotAllowed as exc:
            token_form.name.errors = [exc.message]
            status = 409
        else:
            db.session.commit()
            token_form = TokenForm(prefix="token", formdata=None)
    else:
        status = 422
    return render_template("accounts/user_form.html", form=form, user=user, token_form=token_form,
                           new_token=new_token), status


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

