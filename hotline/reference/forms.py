"""The regions' admin form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from hotline.core.forms import HotlineForm
from hotline.reference.operations import AUTHORITY_MAX


class AuthorityForm(HotlineForm):
    authority_name = StringField(_l("Deciding authority"), [DataRequired(), Length(max=AUTHORITY_MAX)],
                                 description=_l("The office that decides the region's cases, as printed on its "
                                                "decisions and the public pages (e.g. 长沙市知识产权局)."))
