"""Case forms: list filters, opening and editing a case, the workflow actions, events and evidence uploads.

Field names are the operations' field names, so a domain error lands on the field that caused it. Forms check
the input's shape only (dates parse, choices exist); the rules (officer counts, dates in order, money) live in
``hotline.cases.operations`` and come back as field errors.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from hotline.cases.models import (
    COUNTERFEIT_OUTCOMES,
    DISPUTE_OUTCOMES,
    MANUAL_EVENT_KINDS,
    CaseSource,
    CaseStatus,
    CaseType,
    EventKind,
    PatentType,
)
from hotline.core.forms import HotlineForm, check_year
from hotline.core.permissions import province_code, region_subtree, sees_region

# ---------------------------------------------------------------------------------------------------------------
# labels (English msgids; the Chinese text comes from the zh_CN catalog)

CASE_TYPE_LABELS = {
    CaseType.infringement_dispute.value: _l("Patent infringement dispute"),
    CaseType.other_dispute.value: _l("Other patent dispute"),
    CaseType.counterfeit.value: _l("Counterfeit patent"),
}

CASE_STATUS_LABELS = {
    CaseStatus.received.value: _l("Received"),
    CaseStatus.filed.value: _l("Filed"),
    CaseStatus.not_accepted.value: _l("Not accepted"),
    CaseStatus.suspended.value: _l("Suspended"),
    CaseStatus.closed.value: _l("Closed"),
}

OUTCOME_LABELS = {
    "infringement_found": _l("Infringement found"),
    "request_dismissed": _l("Request dismissed"),
    "mediated": _l("Mediated"),
    "withdrawn": _l("Withdrawn"),
    "revoked": _l("Case revoked"),
    "penalized": _l("Penalized"),
    "exempted": _l("No penalty"),
    "transferred_police": _l("Transferred to the police"),
}

SOURCE_LABELS = {
    CaseSource.hotline_call.value: _l("Hotline call"),
    CaseSource.request.value: _l("Party's request"),
    CaseSource.inspection.value: _l("Inspection"),
    CaseSource.referral.value: _l("Referral"),
    CaseSource.exhibition.value: _l("Exhibition"),
    CaseSource.ecommerce.value: _l("E-commerce"),
}

EVENT_KIND_LABELS = {
    EventKind.served.value: _l("Documents served"),
    EventKind.defence_received.value: _l("Defence received"),
    EventKind.hearing.value: _l("Hearing"),
    EventKind.evidence_saved.value: _l("Evidence preserved"),
    EventKind.decision.value: _l("Decision"),
    EventKind.penalty_served.value: _l("Penalty decision served"),
    EventKind.fine_paid.value: _l("Fine paid"),
    EventKind.transfer_judicial.value: _l("Transferred to judicial organs"),
    EventKind.publication.value: _l("Decision published"),
    EventKind.note.value: _l("Note"),
    EventKind.filed.value: _l("Filed"),
    EventKind.rejected.value: _l("Not accepted"),
    EventKind.suspended.value: _l("Suspended"),
    EventKind.resumed.value: _l("Resumed"),
    EventKind.extended.value: _l("Deadline extended"),
    EventKind.closed.value: _l("Closed"),
    EventKind.supervision_designated.value: _l("Put under supervision (督办)"),
    EventKind.supervision_report.value: _l("Supervision report"),
    EventKind.supervision_closed.value: _l("Supervision ended"),
}

PATENT_TYPE_LABELS = {
    PatentType.invention.value: _l("Invention"),
    PatentType.utility_model.value: _l("Utility model"),
    PatentType.design.value: _l("Design"),
}

RESPONDENT_KIND_LABELS = {
    "organization": _l("Organization"),
    "person": _l("Person"),
}

#: What each deadline is, by the rule's kind.
DEADLINE_KIND_LABELS = {
    "file": _l("File or reject"),
    "close": _l("Close"),
    "publish": _l("Publish the penalty decision"),
    "publish_target": _l("Publish (target)"),
}


def label_of(labels: dict, code: str | None) -> str:
    if not code:
        return ""
    return str(labels.get(code, code))


def _choices(labels: dict, codes=None, *, blank=None) -> list[SelectChoice]:
    items = [SelectChoice(code, label) for code, label in labels.items() if codes is None or code in codes]
    return ([SelectChoice("", blank)] if blank is not None else []) + items


def _int_or_none(value):
    """Select coercion for user ids: the blank option is ``None``; anything else must be a number."""
    if value in (None, ""):
        return None
    return int(value)


def region_choices(user, *, blank=None) -> list[SelectChoice]:
    """The 市州 and counties a user may open a case for, as a tree (a case always belongs to one office, never to
    the province)."""
    from hotline.reference.queries import region_choices as tree

    regions = tree(lambda code: code != province_code() and sees_region(user, code))
    return ([SelectChoice("", blank)] if blank is not None else []) + [SelectChoice(c, n) for c, n in regions]


def user_label(user) -> str:
    from hotline.reference.queries import region_map

    region = region_map().get(user.region_code)
    return f"{user.display_name} ({user.username}, {region.short_name if region else user.region_code})"


class VersionedForm(HotlineForm):
    """A change to a case: carries the version the user saw, for optimistic locking."""

    version = IntegerField(widget=HiddenInput())

    def validate_version(self, field):
        if field.data is None:
            raise ValidationError(_l("The form is missing its version; reload the page."))


# ---------------------------------------------------------------------------------------------------------------
# list filters


class CaseFilterForm(HotlineForm):
    """List filters (GET; no CSRF)."""

    drops_nul = True

    class Meta:
        csrf = False

    q = StringField(_l("Search"), [Optional(), Length(max=100)],
                    description=_l("Case number, patent number, parties or words from the summary."),
                    render_kw={"type": "search"})
    status = SelectField(_l("Status"), [Optional()], default="")
    case_type = SelectField(_l("Type"), [Optional()], default="")
    region_code = SelectField(_l("Region"), [Optional()], default="")
    filed_from = DateField(_l("Filed from"), [Optional()])
    filed_to = DateField(_l("Filed to"), [Optional()], description=_l("Inclusive."))
    overdue = BooleanField(_l("Overdue only"))
    major = BooleanField(_l("Major (督办) only"))
    mine = BooleanField(_l("My cases"))

    FILTER_FIELDS = ("q", "status", "case_type", "region_code", "filed_from", "filed_to", "overdue", "major", "mine")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        any_ = _l("All")
        self.status.choices = _choices(CASE_STATUS_LABELS, blank=any_)
        self.case_type.choices = _choices(CASE_TYPE_LABELS, blank=any_)
        if user.region_code == province_code() or len(region_subtree(user.region_code)) > 1:
            # The province, and a 市州 with counties, filter by region (a 市州: itself or one of its counties).
            self.region_code.choices = region_choices(user, blank=any_)
        else:
            del self.region_code

    def validate_filed_from(self, field):
        check_year(field)

    def validate_filed_to(self, field):
        check_year(field)
        if field.data and self.filed_from.data and field.data < self.filed_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def value(self, name: str):
        field = self._fields.get(name)
        return field.data if field is not None and field.data and not field.errors else None

    def query_args(self) -> dict[str, str]:
        """The filters in effect, as URL parameters (for pagination links)."""
        args = {}
        for name in self.FILTER_FIELDS:
            value = self.value(name)
            if value is True:
                args[name] = "y"
            elif value:
                args[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
        return args


# ---------------------------------------------------------------------------------------------------------------
# open and edit


class CaseFieldsMixin:
    """The editable facts of a case, in the order the officer reads them off the request."""

    source = SelectField(_l("Source"), [DataRequired()], default=CaseSource.request.value,
                         description=_l("How the office learned of the matter; for a counterfeit case it sets the "
                                        "filing limit (10 working days after a report, 5 when found by the office)."))
    received_on = DateField(_l("Received on"), [InputRequired(message=_l("Give the date of receipt."))],
                            description=_l("Beijing date the request was received or the matter discovered; it "
                                           "picks the rule set and starts the filing clock."))
    requester_name = StringField(_l("Requester"), [Optional(), Length(max=200)],
                                 description=_l("The patentee or interested party who asks (disputes)."),
                                 render_kw={"autocomplete": "off"})
    respondent_name = StringField(_l("Respondent"), [Optional(), Length(max=200)],
                                  render_kw={"autocomplete": "off"})
    respondent_kind = SelectField(_l("Respondent is"), default="organization",
                                  description=_l("A person's name is partly masked on the public page."))
    respondent_legal_rep = StringField(_l("Legal representative (法定代表人)"), [Optional(), Length(max=50)],
                                       description=_l("An organization's; published with its name."),
                                       render_kw={"autocomplete": "off"})
    patent_number = StringField(_l("Patent number"), [Optional(), Length(max=40)],
                                description=_l("e.g. ZL201710601862.3; spaces and the ZL/CN prefix are fine."),
                                render_kw={"autocomplete": "off"})
    patent_type = SelectField(_l("Patent type"), [Optional()], default="",
                              description=_l("Empty: taken from the patent number."))
    amount_involved = StringField(_l("Amount involved (yuan)"), [Optional(), Length(max=40)],
                                  description=_l("Yuan with at most two decimals, e.g. 12500.00."),
                                  render_kw={"inputmode": "decimal", "autocomplete": "off"})
    is_major = BooleanField(_l("Major case (督办)"))
    is_exhibition = BooleanField(_l("Exhibition case"))
    is_ecommerce = BooleanField(_l("E-commerce case"))
    foreign_related = BooleanField(_l("Foreign-related"))
    summary = TextAreaField(_l("Summary"), [DataRequired(message=_l("A summary is required.")), Length(max=1000)],
                            render_kw={"rows": 4})
    # 专项行动 and 展会 (hotline.campaigns): the current ones of the region; the domain checks each link.
    campaign_ids = SelectMultipleField(_l("Campaigns (专项行动)"), [Optional()], choices=[], validate_choice=False,
                                       widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                       description=_l("Campaigns running in the case's region."))
    exhibition_id = SelectField(_l("Trade fair (展会)"), [Optional()], choices=[], validate_choice=False,
                                description=_l("Linking a fair makes it an exhibition case."))

    def _set_choices(self) -> None:
        self.source.choices = _choices(SOURCE_LABELS)
        self.respondent_kind.choices = _choices(RESPONDENT_KIND_LABELS)
        self.patent_type.choices = _choices(PATENT_TYPE_LABELS, blank=_l("— from the patent number —"))

    def set_link_choices(self, region_code: str | None, campaign_ids=(), exhibition_id: int | None = None) -> None:
        """The campaigns and fairs a case of ``region_code`` may link to (None: the province's user, every one),
        plus those it already has."""
        from hotline.campaigns.forms import campaign_field_choices, exhibition_field_choices
        from hotline.campaigns.queries import campaign_choices, exhibition_choices

        self.campaign_ids.choices = campaign_field_choices(campaign_choices(region_code, keep=list(campaign_ids)))
        self.exhibition_id.choices = exhibition_field_choices(exhibition_choices(region_code, keep=exhibition_id))


#: Fields the operations read, in form order.
CASE_FIELDS = ("source", "received_on", "requester_name", "respondent_name", "respondent_kind", "respondent_legal_rep",
               "patent_number", "patent_type", "amount_involved", "is_major", "is_exhibition", "is_ecommerce",
               "foreign_related", "summary", "campaign_ids", "exhibition_id")
NEW_CASE_FIELDS = ("case_type", "region_code", *CASE_FIELDS)


class NewCaseForm(CaseFieldsMixin, HotlineForm):
    case_type = SelectField(_l("Case type"), [DataRequired(message=_l("Choose the case type."))])
    region_code = SelectField(_l("Region"), [DataRequired(message=_l("Choose the office that handles the case."))],
                              description=_l("The 市州 office that handles the case."))

    FIELDS = NEW_CASE_FIELDS

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_choices()
        self.case_type.choices = _choices(CASE_TYPE_LABELS, blank=_l("— choose —"))
        is_province = user.region_code == province_code()
        self.region_code.choices = region_choices(user, blank=_l("— choose —") if is_province else None)

    def data_for_operation(self) -> dict:
        return form_values(self, self.FIELDS)


class CaseFromCallForm(NewCaseForm):
    """Open a case from a call; ``version`` is the call's version when the page was loaded."""

    version = IntegerField(widget=HiddenInput())

    def validate_version(self, field):
        if field.data is None:
            raise ValidationError(_l("The form is missing its version; reload the page."))


class EditCaseForm(CaseFieldsMixin, VersionedForm):
    FIELDS = CASE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_choices()


def form_values(form: HotlineForm, names) -> dict:
    """Form data as operation input: text stripped (blank stays ``""`` so clearing a field clears it)."""
    data = {}
    for name in names:
        if name not in form:
            continue
        value = form[name].data
        if isinstance(value, str):
            value = value.strip()
        elif value is None and name in ("patent_type", "source", "respondent_kind"):
            value = ""
        if name == "campaign_ids":
            value = sorted({str(v) for v in value or ()}, key=lambda v: (len(v), v))
        elif name == "exhibition_id":
            value = value or ""
        data[name] = value
    return data


# ---------------------------------------------------------------------------------------------------------------
# workflow actions


class FileForm(VersionedForm):
    filed_on = DateField(_l("Filed on"), [InputRequired(message=_l("Give the filing date."))])
    officer_ids = SelectMultipleField(_l("Officers"), coerce=int, widget=ListWidget(prefix_label=False),
                                      option_widget=CheckboxInput())

    def __init__(self, *args, officers, rule: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.officer_ids.choices = [(u.id, user_label(u)) for u in officers]
        self.officer_ids.description = rule


class RejectForm(VersionedForm):
    on = DateField(_l("Not accepted on"), [InputRequired(message=_l("Give the date of the decision."))])
    reason = TextAreaField(_l("Reason"), [DataRequired(message=_l("Give the reason sent to the requester.")),
                                          Length(max=1000)], render_kw={"rows": 2})


class SuspendForm(VersionedForm):
    on = DateField(_l("Suspended on"), [InputRequired(message=_l("Give the date."))],
                   description=_l("The closing clock stops from this day until the case resumes."))
    reason = TextAreaField(_l("Reason"), [DataRequired(message=_l("Say why the case is suspended.")),
                                          Length(max=1000)], render_kw={"rows": 2})


class ResumeForm(VersionedForm):
    on = DateField(_l("Resumed on"), [InputRequired(message=_l("Give the date."))],
                   description=_l("The closing deadline moves by the days suspended."))
    reason = TextAreaField(_l("Note"), [Optional(), Length(max=1000)], render_kw={"rows": 2})


class ExtendForm(VersionedForm):
    """An extension: an officer's form asks for it (提交审批), a deciding supervisor's grants it."""

    months = IntegerField(_l("Months"), [Optional(), NumberRange(min=0, max=120)], render_kw={"inputmode": "numeric"})
    days = IntegerField(_l("Days"), [Optional(), NumberRange(min=0, max=3650)], render_kw={"inputmode": "numeric"})
    reason = TextAreaField(_l("Reason"), [Optional(), Length(max=1000)], render_kw={"rows": 2})

    def __init__(self, *args, unit: str | None, **kwargs):
        super().__init__(*args, **kwargs)
        # The rule allows months (disputes) or days (counterfeit): offer only that unit.
        if unit == "days":
            del self.months
        else:
            del self.days


class CloseForm(VersionedForm):
    outcome = SelectField(_l("Outcome"), [DataRequired(message=_l("Choose the outcome."))])
    closed_on = DateField(_l("Closed on"), [InputRequired(message=_l("Give the closing date."))],
                          description=_l("Date of the decision, mediation agreement or withdrawal."))
    judicial_confirmation = BooleanField(_l("Judicial confirmation of the mediation agreement (司法确认)"))
    transferred_judicial = BooleanField(_l("Transferred to judicial organs (移送司法机关)"))
    fine_amount = StringField(_l("Fine (yuan)"), [Optional(), Length(max=40)],
                              render_kw={"inputmode": "decimal", "autocomplete": "off"})
    confiscated_amount = StringField(_l("Confiscated illegal gains (yuan)"), [Optional(), Length(max=40)],
                                     render_kw={"inputmode": "decimal", "autocomplete": "off"})
    violation_facts = TextAreaField(_l("Facts of the violation"), [Optional(), Length(max=5000)],
                                    description=_l("Shown on the public page once the decision is published."),
                                    render_kw={"rows": 3})
    penalty_basis = StringField(_l("Legal basis of the penalty"), [Optional(), Length(max=500)])
    penalty_terms = StringField(_l("Penalty: how and by when to comply"), [Optional(), Length(max=500)])

    DISPUTE_ONLY = ("judicial_confirmation",)
    COUNTERFEIT_ONLY = ("fine_amount", "confiscated_amount", "violation_facts", "penalty_basis", "penalty_terms")

    def __init__(self, *args, case_type: str, **kwargs):
        super().__init__(*args, **kwargs)
        is_dispute = CaseType(case_type).is_dispute
        outcomes = DISPUTE_OUTCOMES if is_dispute else COUNTERFEIT_OUTCOMES
        self.outcome.choices = [SelectChoice("", _l("— choose —"))] + [
            SelectChoice(o, OUTCOME_LABELS[o]) for o in outcomes]
        for name in self.COUNTERFEIT_ONLY if is_dispute else self.DISPUTE_ONLY:
            delattr(self, name)

    def data_for_operation(self) -> dict:
        data = form_values(self, ("outcome", "closed_on", "judicial_confirmation", "transferred_judicial",
                                  "fine_amount", "confiscated_amount", "violation_facts", "penalty_basis",
                                  "penalty_terms"))
        # A transfer to the police is a transfer to judicial organs unless the officer says otherwise.
        if data.get("outcome") == "transferred_police":
            data["transferred_judicial"] = True
        for name in ("violation_facts", "penalty_basis", "penalty_terms"):
            if name in data and data[name] == "":
                data[name] = None
        return data


class PublishForm(VersionedForm):
    published_on = DateField(_l("Published on"), [InputRequired(message=_l("Give the publication date."))])
    url = StringField(_l("Address of the publication"), [Optional(), Length(max=500)],
                      description=_l("http(s) address of the notice on the office's website, if any."),
                      render_kw={"inputmode": "url", "autocomplete": "off"})

    def data_for_operation(self) -> dict:
        return {"published_on": self.published_on.data, "url": (self.url.data or "").strip()}


class WithdrawForm(VersionedForm):
    """Take a published decision off the public page (changed, revoked or annulled)."""

    on = DateField(_l("Withdrawn on"), [InputRequired(message=_l("Give the date."))])
    reason = TextAreaField(_l("Reason"), [DataRequired(message=_l("Say why: changed, revoked or annulled, and by "
                                                                  "what.")), Length(max=1000)],
                           render_kw={"rows": 2})

    def data_for_operation(self) -> dict:
        return {"on": self.on.data, "reason": (self.reason.data or "").strip() or None}


class EventForm(VersionedForm):
    """A step on the timeline. Events are additive: the version is carried but a newer case is no conflict."""

    kind = SelectField(_l("What happened"), [DataRequired(message=_l("Choose what happened."))])
    occurred_on = DateField(_l("On"), [InputRequired(message=_l("Give the date."))])
    note = TextAreaField(_l("Note"), [Optional(), Length(max=5000)], render_kw={"rows": 2})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice("", _l("— choose —"))] + [
            SelectChoice(k.value, EVENT_KIND_LABELS[k.value]) for k in MANUAL_EVENT_KINDS]


class AttachmentForm(HotlineForm):
    file = FileField(_l("File"), [FileRequired(message=_l("Choose a file to upload."))])
    description = StringField(_l("Description"), [Optional(), Length(max=500)],
                              description=_l("What the file shows, e.g. 现场检查笔录, 购买公证书."))


#: Each workflow action: its form class and the statuses it is offered in.
ACTION_FORMS = {
    "file": FileForm,
    "reject": RejectForm,
    "suspend": SuspendForm,
    "resume": ResumeForm,
    "extend": ExtendForm,
    "close": CloseForm,
    "publish": PublishForm,
    "withdraw": WithdrawForm,
}
