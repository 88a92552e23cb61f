"""Account forms: login, user administration, tokens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from hotline.core.forms import HotlineForm
from hotline.core.permissions import ROLE_LABELS, Role


class LoginForm(HotlineForm):
    username = StringField(_l("Username"), [DataRequired(), Length(max=80)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), [DataRequired(), Length(max=128)],
                             render_kw={"autocomplete": "current-password"})


def _role_choices():
    return [(r.value, ROLE_LABELS[r]) for r in Role]


def _region_choices():
    """The region tree: the province, each 市州 and its counties indented under it."""
    from hotline.reference.queries import region_choices

    return [(code, f"{label} ({code})") for code, label in region_choices(include_province=True)]


class UserForm(HotlineForm):
    """Create (with password) or edit (without) a user."""

    username = StringField(_l("Username"), [DataRequired(), Length(min=2, max=40)],
                           description=_l("Lower-case letters, digits, '.', '_' or '-'."))
    display_name = StringField(_l("Display name"), [DataRequired(), Length(max=80)])
    role = SelectField(_l("Role"), [DataRequired()])
    region_code = SelectField(_l("Region"), [DataRequired()],
                              description=_l("The province sees every region; a 市州 user sees that region and its "
                                             "counties; a county user only its own."))
    password = PasswordField(_l("Initial password"), [Optional(), Length(max=128)],
                             description=_l("At least 12 characters and hard to guess. The user must change it at "
                                            "first login. Leave empty when editing to keep it."),
                             render_kw={"autocomplete": "new-password"})
    is_active = BooleanField(_l("Active"), default=True)
    is_service = BooleanField(_l("Service account"), default=False,
                              description=_l("For an integration (the telephony switch, the WeChat backend): it cannot "
                                             "log in through this site and has no password; it calls the API with "
                                             "tokens an administrator issues on its page. Its role says what it may "
                                             "call."))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()
        self.region_code.choices = _region_choices()
        if editing:
            del self.username
            del self.is_service
            if getattr(kwargs.get("obj"), "is_service", False):
                del self.password


class TokenForm(HotlineForm):
    name = StringField(_l("Token name"), [DataRequired(), Length(max=80)],
                       description=_l("What the token is for, e.g. 'CTI system'."))


class ChangePasswordForm(HotlineForm):
    current_password = PasswordField(_l("Current password"), [DataRequired(), Length(max=128)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), [DataRequired(), Length(max=128)],
                                 description=_l("At least 12 characters and hard to guess: a few uncommon words make a "
                                                "good one. Not your name, your username or the name of this system."),
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"),
                            [DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))],
                            render_kw={"autocomplete": "new-password"})
