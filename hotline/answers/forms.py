"""Standard-answer forms: write or edit an answer, and the list's search."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from hotline.answers.models import AnswerCategory, AnswerStatus
from hotline.core.forms import HotlineForm

CATEGORY_LABELS = {
    AnswerCategory.patent_dispute: _l("Patent disputes"),
    AnswerCategory.counterfeit: _l("Counterfeit patents"),
    AnswerCategory.hotline: _l("The hotline"),
    AnswerCategory.fees: _l("Fees and fines"),
    AnswerCategory.time_limits: _l("Time limits"),
    AnswerCategory.trademark: _l("Trademarks"),
    AnswerCategory.copyright: _l("Copyright"),
    AnswerCategory.other: _l("Other matters"),
}
STATUS_LABELS = {AnswerStatus.active: _l("In use"), AnswerStatus.retired: _l("Retired")}


def category_label(code: str) -> str:
    try:
        return str(CATEGORY_LABELS[AnswerCategory(code)])
    except ValueError:
        return code


class AnswerForm(HotlineForm):
    """Write or edit a standard answer (an edit makes a new version)."""

    question = StringField(_l("Question"), [DataRequired(), Length(max=300)],
                           description=_l("As callers ask it."), render_kw={"autocomplete": "off"})
    answer = TextAreaField(_l("Answer text"), [DataRequired(), Length(max=5000)], render_kw={"rows": 8},
                           description=_l("What the operator tells the caller; the operator may adapt it."))
    category = SelectField(_l("Category"), [DataRequired()],
                           choices=[SelectChoice(c.value, label) for c, label in CATEGORY_LABELS.items()])
    basis = StringField(_l("Legal basis"), [DataRequired(), Length(max=500)],
                        description=_l("The rule or law the answer rests on, e.g. 专利法第六十五条."),
                        render_kw={"autocomplete": "off"})
    reviewed_on = DateField(_l("Last reviewed"), [Optional()],
                            description=_l("Leave empty: today (a reworded answer counts as reviewed)."))
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class AnswerSearchForm(HotlineForm):
    """The list's search (GET; no CSRF)."""

    drops_nul = True

    class Meta:
        csrf = False

    q = StringField(_l("Search"), [Optional(), Length(max=100)], render_kw={"type": "search", "autofocus": True},
                    description=_l("Words of the question or answer; best matches first."))
    category = SelectField(_l("Category"), [Optional()], default="",
                           choices=[SelectChoice("", _l("All"))]
                           + [SelectChoice(c.value, label) for c, label in CATEGORY_LABELS.items()])
    status = SelectField(_l("Status"), [Optional()], default="active",
                         choices=[SelectChoice("active", _l("In use")), SelectChoice("retired", _l("Retired")),
                                  SelectChoice("all", _l("All"))])
