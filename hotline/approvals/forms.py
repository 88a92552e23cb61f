"""Approval forms: the supervisor's decision (approve, approve with changes, reject) and the requester's cancel."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from hotline.approvals.models import CHANGEABLE, ApprovalAction, ApprovalStatus
from hotline.core.forms import HotlineForm

ACTION_LABELS = {
    ApprovalAction.extend.value: _l("Extension request"),
    ApprovalAction.close_penalized.value: _l("Penalty decision request"),
    ApprovalAction.publish.value: _l("Publication request"),
    ApprovalAction.withdraw.value: _l("Withdrawal request"),
    ApprovalAction.file.value: _l("Filing request"),
}

STATUS_LABELS = {
    ApprovalStatus.pending.value: _l("Pending"),
    ApprovalStatus.approved.value: _l("Approved"),
    ApprovalStatus.rejected.value: _l("Rejected"),
    ApprovalStatus.cancelled.value: _l("Cancelled"),
    ApprovalStatus.obsolete.value: _l("No longer applies"),
}

#: Labels of the request parameters shown on the approval page.
PARAM_LABELS = {
    "months": _l("Months"),
    "days": _l("Days"),
    "reason": _l("Reason"),
    "outcome": _l("Outcome"),
    "closed_on": _l("Closed on"),
    "fine_amount": _l("Fine (yuan)"),
    "confiscated_amount": _l("Confiscated illegal gains (yuan)"),
    "transferred_judicial": _l("Transferred to judicial organs (移送司法机关)"),
    "violation_facts": _l("Facts of the violation"),
    "penalty_basis": _l("Legal basis of the penalty"),
    "penalty_terms": _l("Penalty: how and by when to comply"),
    "published_on": _l("Published on"),
    "url": _l("Address of the publication"),
    "on": _l("Withdrawn on"),
    "filed_on": _l("Filed on"),
    "officer_ids": _l("Officers"),
}


class DecisionForm(HotlineForm):
    """Approve (the amounts or days may be lowered or changed within the rule's maximum) or reject with a reason."""

    version = IntegerField(widget=HiddenInput())
    decision = RadioField(_l("Decision"), choices=[SelectChoice("approve", _l("Approve")),
                                                   SelectChoice("reject", _l("Reject"))],
                          validators=[DataRequired(message=_l("Approve or reject."))])
    reason = TextAreaField(_l("Reason for the decision"), [Optional(), Length(max=1000)],
                           description=_l("Required to reject: the requester reads it."), render_kw={"rows": 2})
    months = IntegerField(_l("Months approved"), [Optional(), NumberRange(min=0, max=120)],
                          render_kw={"inputmode": "numeric"})
    days = IntegerField(_l("Days approved"), [Optional(), NumberRange(min=0, max=3650)],
                        render_kw={"inputmode": "numeric"})
    fine_amount = StringField(_l("Fine approved (yuan)"), [Optional(), Length(max=40)],
                              render_kw={"inputmode": "decimal", "autocomplete": "off"})
    confiscated_amount = StringField(_l("Confiscated gains approved (yuan)"), [Optional(), Length(max=40)],
                                     render_kw={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, *args, approval, **kwargs):
        super().__init__(*args, **kwargs)
        changeable = CHANGEABLE.get(approval.action, ())
        if approval.action == ApprovalAction.extend.value:
            # Offer the unit the request used (months for disputes, days for counterfeit cases).
            changeable = ("days",) if approval.params.get("days") else ("months",)
        for name in ("months", "days", "fine_amount", "confiscated_amount"):
            if name not in changeable:
                delattr(self, name)
        self.changeable = changeable

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # A rejection says why (the requester reads it); Optional() would skip a field-level check when empty.
        if self.decision.data == "reject" and not (self.reason.data or "").strip():
            self.reason.errors = [*self.reason.errors, _l("Give the reason for the rejection.")]
            ok = False
        return ok

    def changes(self, approval) -> dict:
        """The fields the supervisor changed (the form starts with what was asked; a field left empty keeps it)."""
        out = {}
        for name in self.changeable:
            value = self[name].data
            if isinstance(value, str):
                value = value.strip() or None
            if value is not None and str(value) != str(approval.params.get(name)):
                out[name] = value
        return out
