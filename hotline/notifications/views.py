"""Notifications UI: the list (mark read, mark all read) and the e-mail settings."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from hotline.core.errors import ValidationFailed
from hotline.core.forms import ConfirmForm
from hotline.core.urls import safe_next
from hotline.extensions import db
from hotline.notifications import bp
from hotline.notifications.forms import NotificationSettingsForm, kind_fields
from hotline.notifications.models import KIND_LABELS, NotificationKind
from hotline.notifications.operations import (
    email_preferences,
    mail_configured,
    mark_all_read,
    mark_read,
    update_preferences,
)
from hotline.notifications.queries import get_notification_or_404, list_notifications

PAGE_SIZE = 50


@bp.route("")
@login_required
def index():
    unread = request.args.get("unread") == "1"
    before = request.args.get("before", type=int)
    rows, next_before = list_notifications(current_user, unread=unread, before_id=before, page_size=PAGE_SIZE)
    return render_template("notifications/index.html", rows=rows, next_before=next_before, unread=unread,
                           kind_labels=KIND_LABELS, form=ConfirmForm())


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int):
    notification = get_notification_or_404(notification_id, current_user)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    mark_read(notification, actor=current_user)
    db.session.commit()
    if request.form.get("open"):
        return redirect(safe_next(notification.url) or url_for("notifications.index"))
    return redirect(url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    count = mark_all_read(actor=current_user)
    db.session.commit()
    flash(_("%(count)d notifications marked read.", count=count), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    form = NotificationSettingsForm()
    if request.method == "GET":
        form.email.data = current_user.email
        for kind, wanted in email_preferences(current_user).items():
            form[f"email_{kind}"].data = wanted
    elif form.validate_on_submit():
        kinds = [kind.value for kind in NotificationKind if form[f"email_{kind.value}"].data]
        try:
            update_preferences(current_user, email=form.email.data, kinds=kinds, actor=current_user)
        except ValidationFailed as exc:
            db.session.rollback()
            form.populate_errors(exc.errors)
        else:
            db.session.commit()
            flash(_("Notification settings saved."), "success")
            return redirect(url_for("notifications.settings"))
    return render_template("notifications/settings.html", form=form, kind_fields=kind_fields(form),
                           mail_configured=mail_configured()), (422 if form.errors else 200)
