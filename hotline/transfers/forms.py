"""Transfer forms: the steps of the cycle (sign, return, answer, call back, reopen) and the list filter."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from hotline.calls.forms import VersionedForm
from hotline.core.forms import HotlineForm
from hotline.transfers.models import Satisfaction, TransferOutcome, TransferStatus

TRANSFER_STATUS_LABELS = {
    TransferStatus.pending: _l("Waiting to be signed for"),
    TransferStatus.signed: _l("Signed for, being handled"),
    TransferStatus.returned: _l("Returned"),
    TransferStatus.answered: _l("Answered, caller to be called back"),
    TransferStatus.called_back: _l("Caller called back"),
    TransferStatus.reopened: _l("Reopened"),
    TransferStatus.closed: _l("Closed"),
}
OUTCOME_LABELS = {
    TransferOutcome.case_opened: _l("Case opened"),
    TransferOutcome.handled: _l("Handled"),
    TransferOutcome.no_violation: _l("No violation found"),
    TransferOutcome.not_competent: _l("Not competent"),
}
SATISFACTION_LABELS = {
    Satisfaction.satisfied: _l("Satisfied"),
    Satisfaction.basically_satisfied: _l("Basically satisfied"),
    Satisfaction.dissatisfied: _l("Dissatisfied"),
}
DEADLINE_KIND_LABELS = {"sign": _l("Sign for (签收)"), "answer": _l("Answer (反馈)"),
                        "callback": _l("Call back (回访)")}


def transfer_status_label(code: str | None) -> str:
    try:
        return str(TRANSFER_STATUS_LABELS[TransferStatus(code)])
    except ValueError:
        return code or ""


class SignForm(VersionedForm):
    complex = BooleanField(_l("Complex or disputed matter (120 days to answer instead of 90)"))


class ReturnForm(VersionedForm):
    reason = StringField(_l("Why is it returned?"), [DataRequired(), Length(max=500)],
                         description=_l("e.g. not in this region, not an IP matter."))


class PassDownForm(VersionedForm):
    region_code = SelectField(_l("County office"), [DataRequired()],
                              description=_l("It signs for and answers the transfer instead of your office; the "
                                             "deadlines stay as they are."))
    note = StringField(_l("Note"), [Optional(), Length(max=2000)])

    def set_targets(self, regions) -> PassDownForm:
        self.region_code.choices = [SelectChoice("", _l("— choose —"))] + [SelectChoice(r.code, r.name)
                                                                           for r in regions]
        return self


class AnswerForm(VersionedForm):
    outcome = SelectField(_l("Outcome"), [DataRequired()],
                          choices=[SelectChoice("", _l("— choose —"))]
                          + [SelectChoice(o.value, label) for o, label in OUTCOME_LABELS.items()])
    result = TextAreaField(_l("Result"), [DataRequired(), Length(max=2000)], render_kw={"rows": 3},
                           description=_l("What was done, as the caller will be told."))
    case_id = IntegerField(_l("Case number (id)"), [Optional(), NumberRange(min=1, max=2**63 - 1)],
                           description=_l("For a case opened: the case opened from this transfer by default."))


class CallbackForm(VersionedForm):
    reached = SelectField(_l("Caller reached?"), [InputRequired()],
                          choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No, not reached"))])
    satisfaction = SelectField(_l("Caller's satisfaction"), [Optional()],
                               choices=[SelectChoice("", _l("— not reached —"))]
                               + [SelectChoice(s.value, label) for s, label in SATISFACTION_LABELS.items()])
    note = TextAreaField(_l("Note"), [Optional(), Length(max=2000)], render_kw={"rows": 2},
                         description=_l("What the caller was told; when not reached, how you tried."))

    def validate_satisfaction(self, field):
        if self.reached.data == "yes" and not field.data:
            raise ValidationError(_l("Ask the caller whether they are satisfied."))

    def data_for_operation(self) -> dict:
        return {"reached": self.reached.data == "yes", "satisfaction": self.satisfaction.data or None,
                "note": self.note.data}


class ReopenForm(VersionedForm):
    reason = StringField(_l("What is the caller dissatisfied with?"), [DataRequired(), Length(max=500)])


class TransferFilterForm(HotlineForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), [Optional()],
                         choices=[SelectChoice("", _l("All"))]
                         + [SelectChoice(s.value, label) for s, label in TRANSFER_STATUS_LABELS.items()])
    scope = SelectField(_l("Whose"), [Optional()],
                        choices=[SelectChoice("", _l("All I can see")), SelectChoice("mine", _l("My office's"))])
    overdue = BooleanField(_l("Overdue only"))

    FILTER_FIELDS = ("status", "scope", "overdue")
