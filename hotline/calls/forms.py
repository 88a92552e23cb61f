"""Call forms: intake, edit, list filters and the actions on a call (transfer, status, feedback, duplicate)."""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    Field,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput, TelInput, TextInput

from hotline.calls.models import CallStatus
from hotline.calls.operations import FEEDBACK_METHODS
from hotline.calls.phones import PhoneError, parse_phone
from hotline.core.forms import HotlineForm, check_year
from hotline.core.patents import PatentNumberError, parse_patent_number
from hotline.core.permissions import province_code, region_subtree, sees_region
from hotline.reference.queries import default_area_code as _default_area_code

#: What each status is called in the UI.
CALL_STATUS_LABELS = {
    CallStatus.open: _l("Open"),
    CallStatus.answered: _l("Answered"),
    CallStatus.transferred: _l("Transferred"),
    CallStatus.case_opened: _l("Case opened"),
    CallStatus.not_accepted: _l("Not accepted"),
    CallStatus.closed: _l("Closed"),
}

FEEDBACK_METHOD_LABELS = {
    "phone": _l("Phone call"),
    "sms": _l("Text message"),
    "letter": _l("Letter"),
    "email": _l("E-mail"),
    "wechat": _l("WeChat"),
    "visit": _l("In person"),
}

#: Why the duplicate check flagged an earlier call.
DUPLICATE_REASON_LABELS = {
    "same_number": _l("same caller number"),
    "same_accused_party": _l("same accused party"),
    "same_patent_number": _l("same patent number"),
}

#: The input format of ``<input type="datetime-local">`` (minutes; seconds are not asked for).
DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"

_DURATION = re.compile(r"^(?:(\d{1,2}):)?(\d{1,3}):(\d{2})$")


def status_label(code: str | None, transfer_status: str | None = None) -> str:
    """The call's status in words; a transferred call says where its transfer stands (待签收, 已签收 …), so the
    receiving region sees it as being handled, not done."""
    try:
        label = str(CALL_STATUS_LABELS[CallStatus(code)])
    except ValueError:
        return code or ""
    if code == CallStatus.transferred.value and transfer_status:
        from hotline.transfers.forms import transfer_status_label

        label = f"{label} · {transfer_status_label(transfer_status)}"
    return label


def _locale() -> str:
    return str(get_locale() or "zh_CN")


def _with_blank(choices: list[SelectChoice], blank) -> list[SelectChoice]:
    return ([SelectChoice("", blank)] if blank is not None else []) + choices


def _category_choices(source, *, blank: str | None = None) -> list[SelectChoice]:
    locale = _locale()
    return _with_blank([SelectChoice(c.code, c.label(locale)) for c in source()], blank)


def region_choices(user, *, include_province: bool = True, blank: str | None = None) -> list[SelectChoice]:
    """The regions ``user`` may pick, as a tree: all for a province user, their own and the ones below it for
    the others."""
    from hotline.reference.queries import region_choices as tree

    regions = tree(lambda code: sees_region(user, code), include_province=include_province)
    return _with_blank([SelectChoice(c, n) for c, n in regions], blank)


def format_duration(seconds: int | None) -> str:
    if seconds is None:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def api_shape(values: dict, tz) -> dict:
    """Form-shaped values → operation input: stripped text (blank → None), aware ``received_at`` (``tz`` local)."""
    data = {}
    for name, value in values.items():
        if isinstance(value, str):
            value = value.strip() or None
        elif isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=tz)
        data[name] = value
    if "anonymous" in data:
        data["anonymous"] = bool(data["anonymous"])
    return data


class DurationField(Field):
    """A call length typed as ``4:30`` (minutes:seconds), ``1:02:00`` or whole minutes (``5``); data in seconds."""

    widget = TextInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_duration(self.data)

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist:
            return
        text = valuelist[0].strip().replace("：", ":")
        if not text:
            return
        if text.isdigit():
            if len(text) > 4:
                raise ValueError(_l("Too long: give minutes:seconds, e.g. 4:30."))
            self.data = int(text) * 60
            return
        match = _DURATION.match(text)
        if not match:
            raise ValueError(_l("Give minutes:seconds (4:30), hours:minutes:seconds (1:02:00) or whole minutes."))
        hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
        if seconds >= 60 or (hours and minutes >= 60):
            raise ValueError(_l("Seconds and minutes go up to 59."))
        total = hours * 3600 + minutes * 60 + seconds
        if total > 24 * 3600:
            raise ValueError(_l("At most 24 hours."))
        self.data = total


class NewCallForm(HotlineForm):
    """Intake, in the order the operator asks: who calls, what about, then the details.

    Field names are the API field names, so the operation's errors land on the right field.
    """

    caller_phone = StringField(
        _l("Caller number"), [Optional(), Length(max=40)], widget=TelInput(),
        description=_l("Mobile or landline as the caller says it; a landline without area code gets the "
                       "office's default area code."),
        render_kw={"autocomplete": "off", "inputmode": "tel", "data-shortcut": "P"})
    caller_name = StringField(
        _l("Caller name"), [Optional(), Length(max=100)],
        description=_l("As the caller gives it; leave empty if they do not want to say."),
        render_kw={"autocomplete": "off", "data-shortcut": "M"})
    anonymous = BooleanField(
        _l("Anonymous caller"), description=_l("No number or name is recorded."),
        render_kw={"data-shortcut": "A"})
    request_type = SelectField(_l("Request type"), [DataRequired()], render_kw={"data-shortcut": "T"})
    channel = SelectField(_l("Channel"), [DataRequired()], default="phone", render_kw={"data-shortcut": "C"})
    ip_type = SelectField(_l("IP type"), [Optional()], default="patent", render_kw={"data-shortcut": "I"})
    region_code = SelectField(
        _l("Region"), [Optional()],
        description=_l("Where the matter happened: that 市州 office handles it. Not needed for a consultation."),
        render_kw={"data-shortcut": "R"})
    accused_party = StringField(
        _l("Accused party"), [Optional(), Length(max=200)],
        description=_l("Company, shop or person complained about."),
        render_kw={"autocomplete": "off", "data-shortcut": "B"})
    patent_number = StringField(
        _l("Patent number"), [Optional(), Length(max=40)],
        description=_l("e.g. ZL201710601862.3; spaces and the ZL/CN prefix are fine."),
        render_kw={"autocomplete": "off", "data-shortcut": "Z"})
    summary = StringField(
        _l("Summary"), [DataRequired(message=_l("A summary is required.")), Length(max=500)],
        description=_l("One line: what the caller wants."),
        render_kw={"autocomplete": "off", "data-shortcut": "S"})
    description = TextAreaField(
        _l("Details"), [Optional(), Length(max=20000)], render_kw={"rows": 4, "data-shortcut": "X"})
    product = StringField(_l("Product"), [Optional(), Length(max=200)], render_kw={"autocomplete": "off"})
    place = StringField(_l("Place"), [Optional(), Length(max=200)],
                        description=_l("Shop, market, website or exhibition hall."), render_kw={"autocomplete": "off"})
    duration_seconds = DurationField(
        _l("Duration"), [Optional()],
        description=_l("Minutes:seconds (4:30) or whole minutes."),
        render_kw={"autocomplete": "off", "inputmode": "numeric", "data-shortcut": "U"})
    exhibition_name = StringField(_l("Exhibition"), [Optional(), Length(max=200)],
                                  description=_l("For calls taken at a trade-fair booth."),
                                  render_kw={"autocomplete": "off"})
    exhibition_id = SelectField(_l("Trade fair (展会)"), [Optional()], choices=[], validate_choice=False,
                                description=_l("A recorded fair of the region; its name fills Exhibition."))
    received_at = DateTimeLocalField(
        _l("Received"), [InputRequired(message=_l("Give the date and time the call came in."))],
        format=DATETIME_LOCAL_FORMAT, description=_l("Beijing time."), render_kw={"data-shortcut": "W"})
    answer_text = TextAreaField(
        _l("Answer given"), [Optional(), Length(max=5000)],
        description=_l("What the caller was told. Alt+1…5 inserts a suggested standard answer; edit it as needed."),
        render_kw={"rows": 4, "data-shortcut": "G"})
    #: The standard answer inserted into answer_text (set by the intake script; cleared when the text is emptied).
    answer_id = IntegerField(widget=HiddenInput(), validators=[Optional()])
    #: The switch's call id (CTI), set by the intake script when the operator picks up a ringing call.
    cti_call_id = StringField(widget=HiddenInput(), validators=[Optional(), Length(max=64)])

    #: The fields, in tab order, as the template renders them.
    FIELD_ORDER = ("caller_phone", "caller_name", "anonymous", "request_type", "channel", "ip_type", "region_code",
                   "accused_party", "patent_number", "summary", "description", "product", "place",
                   "duration_seconds", "exhibition_name", "exhibition_id", "received_at", "answer_text", "answer_id")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from hotline.reference import queries as ref

        self.request_type.choices = _category_choices(ref.list_request_types)
        self.channel.choices = _category_choices(ref.list_channels)
        self.ip_type.choices = _category_choices(ref.list_ip_types, blank=_l("— not specified —"))
        is_province = user.region_code == province_code()
        self.region_code.choices = region_choices(user, blank=_l("— choose —") if is_province else None)
        self.set_exhibition_choices(None if is_province else user.region_code)

    def set_exhibition_choices(self, region_code: str | None, keep: int | None = None) -> None:
        """The current fairs of ``region_code`` (None: every region's), plus the one the call has."""
        from hotline.campaigns.forms import exhibition_field_choices
        from hotline.campaigns.queries import exhibition_choices

        self.exhibition_id.choices = exhibition_field_choices(exhibition_choices(region_code, keep=keep))

    def validate_caller_phone(self, field):
        if not field.data or not field.data.strip():
            return
        if self.anonymous.data:
            raise ValidationError(_l("An anonymous call has no caller number: clear it or untick 'Anonymous'."))

        try:
            parse_phone(field.data, _default_area_code())
        except PhoneError as exc:
            raise ValidationError(str(exc)) from exc

    def validate_caller_name(self, field):
        if field.data and field.data.strip() and self.anonymous.data:
            raise ValidationError(_l("An anonymous call has no caller name: clear it or untick 'Anonymous'."))

    def validate_patent_number(self, field):
        if field.data and field.data.strip():
            try:
                parse_patent_number(field.data)
            except PatentNumberError as exc:
                raise ValidationError(str(exc)) from exc

    def api_data(self, tz, *, answered: bool = False) -> dict:
        """The form's values as the operation's ``data`` (API field names, aware ``received_at``); ``answered``:
        the operator saved with "Save as answered"."""
        data = api_shape({name: self._fields[name].data for name in self.FIELD_ORDER if name in self._fields}, tz)
        if answered:
            data["answered"] = True
        if "cti_call_id" in self._fields and (self.cti_call_id.data or "").strip():
            data["cti_call_id"] = self.cti_call_id.data.strip()
        return data


class EditCallForm(NewCallForm):
    """Edit the intake fields of a call; ``version`` is the one the user started from."""

    version = IntegerField(widget=HiddenInput())

    def __init__(self, *args, user, can_see_caller: bool, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        # The answer is given at intake; afterwards the call's actions (mark answered, feedback) say what was told.
        del self.answer_text
        del self.answer_id
        del self.cti_call_id
        if not can_see_caller:
            # The caller's identity stays hidden from roles that see it masked: they cannot edit it either.
            del self.caller_phone
            del self.caller_name
            del self.anonymous

    def validate_version(self, field):
        if field.data is None:
            raise ValidationError(_l("The form is missing its version; reload the page."))


class CallFilterForm(HotlineForm):
    """List filters (GET; no CSRF)."""

    drops_nul = True

    class Meta:
        csrf = False

    date_from = DateField(_l("From"), [Optional()], default="")
    date_to = DateField(_l("To"), [Optional()], description=_l("Inclusive, Beijing dates."))
    region_code = SelectField(_l("Region"), [Optional()], default="")
    request_type = SelectField(_l("Request type"), [Optional()], default="")
    channel = SelectField(_l("Channel"), [Optional()], default="")
    status = SelectField(_l("Status"), [Optional()], default="")
    ip_type = SelectField(_l("IP type"), [Optional()], default="")
    q = StringField(_l("Search"), [Optional(), Length(max=100)],
                    description=_l("Words from the summary or the accused party, a reference number (HL-…) or a patent "
                                    "number; operators also a caller's name or phone number."),
                    render_kw={"type": "search"})

    FILTER_FIELDS = ("date_from", "date_to", "region_code", "request_type", "channel", "status", "ip_type", "q")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from hotline.reference import queries as ref

        any_ = _l("All")
        self.request_type.choices = _category_choices(ref.list_request_types, blank=any_)
        self.channel.choices = _category_choices(ref.list_channels, blank=any_)
        self.ip_type.choices = _category_choices(ref.list_ip_types, blank=any_)
        self.status.choices = _with_blank([SelectChoice(s.value, label) for s, label in CALL_STATUS_LABELS.items()],
                                          any_)
        if user.region_code == province_code() or len(region_subtree(user.region_code)) > 1:
            # The province, and a 市州 with counties, filter by region (a 市州: itself or one of its counties).
            self.region_code.choices = region_choices(user, blank=any_)
        else:
            del self.region_code

    def validate_date_from(self, field):
        check_year(field)

    def validate_date_to(self, field):
        check_year(field)
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def query_args(self) -> dict[str, str]:
        """The filters in effect, as URL parameters (for pagination links)."""
        args = {}
        for name in self.FILTER_FIELDS:
            field = self._fields.get(name)
            if field is not None and field.data and not field.errors:
                args[name] = field.data.isoformat() if hasattr(field.data, "isoformat") else str(field.data)
        return args


class VersionedForm(HotlineForm):
    """An action on a call: carries the version the user saw, for optimistic locking."""

    version = IntegerField(widget=HiddenInput())

    def validate_version(self, field):
        if field.data is None:
            raise ValidationError(_l("The form is missing its version; reload the page."))


class TransferForm(VersionedForm):
    to_region = SelectField(_l("To a 市州 office"), [Optional()])
    # No Optional(): it would stop the chain before validate_to_agency, which checks "one of the two".
    to_agency = StringField(_l("Or to another agency"), [Length(max=200)],
                            description=_l("e.g. 市市场监督管理局, 公安机关; leave empty when choosing an office."))
    note = TextAreaField(_l("Note"), [Optional(), Length(max=2000)], render_kw={"rows": 2})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from hotline.reference.queries import region_choices as tree

        # Any 市州 or county office, even outside the user's region: transferring hands the call over.
        self.to_region.choices = _with_blank(
            [SelectChoice(c, n) for c, n in tree(lambda code: code != province_code())], _l("— choose —"))

    def validate_to_agency(self, field):
        agency = (field.data or "").strip()
        if agency and self.to_region.data:
            raise ValidationError(_l("Choose an office or name an agency, not both."))
        if not agency and not self.to_region.data:
            raise ValidationError(_l("Choose a 市州 office or name an agency."))

    @property
    def target(self) -> str:
        return self.to_region.data or (self.to_agency.data or "").strip()


class StatusForm(VersionedForm):
    """Two buttons in one form: answered, or not accepted with a reason."""

    status = SelectField(choices=[SelectChoice(CallStatus.answered.value, _l("Answered")),
                                  SelectChoice(CallStatus.not_accepted.value, _l("Not accepted"))],
                         validators=[DataRequired()])
    reason = StringField(_l("Reason (for not accepted)"), [Length(max=500)],
                         description=_l("e.g. not an IP matter, outside the office's competence."))

    def validate_reason(self, field):
        if self.status.data == CallStatus.not_accepted.value and not (field.data or "").strip():
            raise ValidationError(_l("Say why the call is not accepted."))


class FeedbackForm(VersionedForm):
    method = SelectField(_l("How"), [DataRequired()], default="phone")
    note = TextAreaField(_l("What the caller was told"), [DataRequired(message=_l("Say what the caller was told.")),
                                                          Length(max=2000)], render_kw={"rows": 3})
    given_at = DateTimeLocalField(_l("When"), [Optional()], format=DATETIME_LOCAL_FORMAT,
                                  description=_l("Beijing time; empty means now."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.method.choices = [SelectChoice(m, FEEDBACK_METHOD_LABELS.get(m, m)) for m in FEEDBACK_METHODS]


class DuplicateForm(VersionedForm):
    duplicate_of = StringField(_l("Duplicate of (reference)"), [Optional(), Length(max=20)],
                               description=_l("e.g. HL-2026-000012; empty to remove the link."),
                               render_kw={"autocomplete": "off", "autocapitalize": "characters"})
