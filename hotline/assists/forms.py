"""Forms of cooperation across regions: asking for assistance (协查), answering, declining, sending a file, joining
regions to a case (联合办案), and the list's filter."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from hotline.assists.models import AssistKind, AssistStatus
from hotline.calls.forms import VersionedForm
from hotline.core.forms import HotlineForm

STATUS_LABELS = {
    AssistStatus.pending: _l("Waiting for the answer"),
    AssistStatus.answered: _l("Answered"),
    AssistStatus.declined: _l("Declined"),
}
KIND_LABELS = {
    AssistKind.investigation: _l("Investigation (调查取证)"),
    AssistKind.evidence: _l("Evidence to collect (证据收集)"),
    AssistKind.service: _l("A party to serve (协助送达)"),
    AssistKind.other: _l("Other"),
}


def status_label(code: str | None) -> str:
    try:
        return str(STATUS_LABELS[AssistStatus(code)])
    except ValueError:
        return code or ""


def kind_label(code: str | None) -> str:
    try:
        return str(KIND_LABELS[AssistKind(code)])
    except ValueError:
        return code or ""


class AssistRequestForm(HotlineForm):
    region_code = SelectField(_l("Region asked"), [DataRequired()], choices=[])
    kind = SelectField(_l("What is asked"), [DataRequired()],
                       choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()])
    request = TextAreaField(_l("Request"), [DataRequired(), Length(max=5000)], render_kw={"rows": 4},
                            description=_l("What the other region should do: whom to question, what evidence to "
                                           "collect, whom to serve and where."))
    case_summary = TextAreaField(_l("What the request shares of the case"), [DataRequired(), Length(max=2000)],
                                 render_kw={"rows": 3},
                                 description=_l("The other region reads only this and the request, never the case: "
                                                "leave out personal data it does not need."))
    due_on = DateField(_l("Answer by"), [DataRequired()])

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.region_code.choices = [SelectChoice("", _l("— choose —"))] + [SelectChoice(r.code, r.name)
                                                                           for r in regions]


class AssistAnswerForm(VersionedForm):
    result = TextAreaField(_l("Result"), [DataRequired(), Length(max=5000)], render_kw={"rows": 4},
                           description=_l("What was found or done."))
    file = FileField(_l("Evidence file (optional)"))
    description = StringField(_l("Description of the file"), [Optional(), Length(max=500)])


class AssistDeclineForm(VersionedForm):
    reason = StringField(_l("Why is it declined?"), [DataRequired(), Length(max=500)])


class AssistFileForm(HotlineForm):
    file = FileField(_l("File"))
    description = StringField(_l("Description"), [Optional(), Length(max=500)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class JointForm(HotlineForm):
    region_codes = MultiCheckboxField(_l("Regions to join"), [DataRequired()], choices=[])

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.region_codes.choices = [(r.code, r.name) for r in regions]


class AssistFilterForm(HotlineForm):
    class Meta:
        csrf = False

    drops_nul = True
    direction = SelectField(_l("Whose"), [Optional()],
                            choices=[SelectChoice("", _l("Sent and received")),
                                     SelectChoice("received", _l("Asked of my region")),
                                     SelectChoice("sent", _l("Asked by my region"))])
    status = SelectField(_l("Status"), [Optional()],
                         choices=[SelectChoice("", _l("All"))]
                         + [SelectChoice(s.value, label) for s, label in STATUS_LABELS.items()])
