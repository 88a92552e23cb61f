"""Notification settings: the e-mail address and which kinds also come by e-mail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional

from hotline.core.forms import HotlineForm
from hotline.notifications.models import KIND_LABELS, NotificationKind


class NotificationSettingsForm(HotlineForm):
    email = StringField(_l("E-mail address"), [Optional(), Length(max=254)],
                        description=_l("Where e-mail notifications go. Leave empty for none."))


for _kind in NotificationKind:
    setattr(NotificationSettingsForm, f"email_{_kind.value}", BooleanField(KIND_LABELS[_kind]))


def kind_fields(form: NotificationSettingsForm) -> list:
    return [form[f"email_{kind.value}"] for kind in NotificationKind]
