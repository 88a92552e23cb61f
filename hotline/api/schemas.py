"""Pydantic models of the API: request bodies and query strings (strict, unknown fields refused) and the
response shapes. Both feed the OpenAPI document, so what is parsed and what is documented are the same code."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, Strict

from hotline.calls.models import CallStatus
from hotline.calls.operations import FEEDBACK_METHODS
from hotline.core.i18n import gettext as _

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _iso_text(value: Any) -> Any:
    """Refuse what pydantic would otherwise accept as a datetime (unix seconds as text or numbers)."""
    if not isinstance(value, str) or not _ISO_DATETIME.match(value):
        raise ValueError(_("Give an ISO 8601 date and time with its UTC offset, e.g. 2015-05-28T09:15:00+08:00."))
    return value


def _no_surrogates(value: str | None) -> str | None:
    if value is not None and any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ValueError(_("Text contains an invalid character (unpaired surrogate)."))
    return value


#: ISO 8601 text with an offset (checked as text first, then parsed); a naive time is refused, never guessed.
IsoDateTime = Annotated[AwareDatetime, Strict(False), BeforeValidator(_iso_text)]
Text = Annotated[str, AfterValidator(_no_surrogates)]
RegionCode = Annotated[str, Field(pattern=r"^[0-9]{6}$", description="6-digit GB/T 2260 region code.")]
Version = Annotated[int, Field(ge=1, le=2**31 - 1, description="The version you edited (or send If-Match).")]

CHANNELS = ("phone, wechat, web, email, letter, visit, exhibition, transfer_12345, transfer_other")
REQUEST_TYPES = "consultation, report, complaint, aid_request, other"
IP_TYPES = ("patent, trademark, copyright, trade_secret, geo_indication, plant_variety, ic_layout, special_mark, "
            "criminal, other")


class Body(BaseModel):
    """A JSON request body: an object, strict JSON types, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    """Query-string parameters: text converted to the declared types, unknown parameters refused."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    """A response shape (documentation and tests; responses are built as plain dicts)."""

    model_config = ConfigDict(extra="forbid")


# Requests --------------------------------------------------------------------------------------------------

class CallFields(Body):
    """Fields shared by intake and edit; the domain rules (known codes, lengths, numbers) live in the operation."""

    channel: Text = Field(description=f"One of: {CHANNELS}.")
    request_type: Text = Field(description=f"One of: {REQUEST_TYPES}.")
    ip_type: Text | None = Field(None, description=f"One of: {IP_TYPES}.")
    region_code: RegionCode
    caller_name: Text | None = None
    caller_phone: Text | None = Field(None, description="As typed: mobile, landline (the default area code "
                                                        "assumed without one) or a short service number.")
    anonymous: bool = False
    accused_party: Text | None = None
    patent_number: Text | None = Field(None, description="Application or patent number, e.g. ZL201710601862.3.")
    product: Text | None = None
    place: Text | None = None
    summary: Text = Field(description="At most 500 characters.")
    description: Text | None = None
    duration_seconds: int | None = Field(None, description="0 to 86400.")
    exhibition_name: Text | None = None
    exhibition_id: int | None = Field(None, ge=1, le=2**31 - 1, description="A trade fair of the call's region "
                                      "(GET /exhibitions); its name fills exhibition_name when that is empty.")


class CallCreate(CallFields):
    received_at: IsoDateTime
    region_code: RegionCode | None = Field(None, description="Where the matter happened; optional for "
                                                             "consultation and other (the operator's office).")
    answer_text: Text | None = Field(None, description="What the caller was told (a standard answer's text when "
                                                       "answer_id is given and this is not).")
    answer_id: int | None = Field(None, description="The standard answer given; its current version is recorded.")
    answered: bool = Field(False, description="Logged answered in the same request (status answered); needs an "
                                              "answer_text or answer_id.")
    cti_call_id: Text | None = Field(None, description="The switch's call id (CTI): a second POST with the same id "
                                                       "answers 200 with the call logged first, never a second call. "
                                                       "Its duration comes from the switch's answered/hangup events.")


class CallPatch(Body):
    """Only the fields sent are changed; ``null`` clears an optional field."""

    version: Version | None = None
    received_at: IsoDateTime | None = None
    channel: Text | None = None
    request_type: Text | None = None
    ip_type: Text | None = None
    region_code: RegionCode | None = None
    caller_name: Text | None = None
    caller_phone: Text | None = None
    anonymous: bool | None = None
    accused_party: Text | None = None
    patent_number: Text | None = None
    product: Text | None = None
    place: Text | None = None
    summary: Text | None = None
    description: Text | None = None
    duration_seconds: int | None = None
    exhibition_name: Text | None = None
    exhibition_id: int | None = Field(None, ge=1, le=2**31 - 1, description="A trade fair of the call's region "
                                      "(GET /exhibitions); its name fills exhibition_name when that is empty.")


class TransferIn(Body):
    to: Text = Field(description="A 市州 region code (the call moves to that office) or the name of another agency.")
    note: Text | None = None
    version: Version | None = None


class StatusIn(Body):
    status: Literal["answered", "not_accepted"]
    reason: Text | None = Field(None, description="Required for not_accepted.")
    version: Version | None = None


class FeedbackIn(Body):
    method: Literal[FEEDBACK_METHODS]  # type: ignore[valid-type]
    note: Text = Field(description="What the caller was told.")
    given_at: IsoDateTime | None = Field(None, description="Defaults to now.")
    version: Version | None = None


class PageQuery(Query):
    page_size: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=400, description="Opaque; from the previous page's next_cursor.")


class CallListQuery(PageQuery):
    received_from: str | None = Field(None, description="ISO datetime with offset, or YYYY-MM-DD (Beijing day start).")
    received_to: str | None = Field(None, description="Inclusive: ISO datetime with offset, or YYYY-MM-DD "
                                                      "(the whole Beijing day).")
    region_code: RegionCode | None = None
    request_type: str | None = None
    channel: str | None = None
    status: Literal[tuple(s.value for s in CallStatus)] | None = None  # type: ignore[valid-type]
    ip_type: str | None = None
    q: str | None = Field(None, max_length=200, description=(
        "Text in summary or accused party, any part of a word (Chinese works); a reference number (HL-2015-000123); "
        "a patent number as printed, with or without ZL and the dot (ZL201710601862.3). Operators, who see "
        "personal data, also find the caller's name and phone number (any spelling); for roles that see numbers "
        "masked a phone number matches nothing."))


class UserListQuery(PageQuery):
    role: Literal["operator", "officer", "supervisor", "admin"] | None = None
    region_code: RegionCode | None = None


# Responses -------------------------------------------------------------------------------------------------

class ErrorOut(Out):
    error: str
    message: str


class ValidationErrorOut(Out):
    error: str
    message: str
    errors: dict[str, list[str]] = Field(description="Field name → messages. ``body`` for the body as a whole.")


class CallOut(Out):
    id: int
    ref: str = Field(examples=["HL-2015-000123"])
    version: int
    status: Literal[tuple(s.value for s in CallStatus)]  # type: ignore[valid-type]
    received_at: datetime
    channel: str
    request_type: str
    ip_type: str | None
    region_code: str
    caller_name: str | None = Field(description="Masked (张**) for roles that do not see personal data.")
    caller_phone: str | None = Field(description="E.164 or short number; masked (138****5678) for roles that do "
                                                 "not see personal data.")
    caller_phone_raw: str | None
    anonymous: bool
    accused_party: str | None
    patent_number: str | None
    product: str | None
    place: str | None
    summary: str
    description: str | None
    duration_seconds: int | None
    exhibition_name: str | None
    exhibition_id: int | None = Field(None, description="The linked trade fair.")
    operator_id: int | None
    duplicate_of_id: int | None
    transferred_to_region_code: str | None
    transferred_to_agency: str | None
    transferred_at: datetime | None
    transfer_note: str | None
    not_accepted_reason: str | None
    feedback_at: datetime | None
    feedback_method: str | None
    feedback_note: str | None
    closed_at: datetime | None
    decided_at: datetime | None = Field(description="When the call left open (answered, transferred, …).")
    answer_text: str | None = Field(None, description="What the caller was told on the spot.")
    answer_id: int | None = Field(None, description="The standard answer given, if one was inserted.")
    answer_version: int | None = Field(None, description="The version of that standard answer (its text then).")
    cti_call_id: str | None = Field(None, description="The switch's call id, when it came through the switch (CTI).")
    accept_due_on: date | None = Field(description="Deadline to decide acceptance or transfer (5 working days).")
    transfer_status: str | None = Field(description="Where the current transfer stands (pending, signed …): a "
                                                    "transferred call is handled by the receiving region until "
                                                    "called_back or closed.")
    transfer: TransferOut | None = Field(description="The current transfer record; null when never transferred.")
    created_at: datetime
    updated_at: datetime


class DuplicateHintOut(Out):
    id: int
    ref: str
    received_at: datetime
    reasons: list[Literal["same_number", "same_accused_party", "same_patent_number"]]


class CallCreatedOut(CallOut):
    possible_duplicates: list[DuplicateHintOut] = Field(
        description="Calls in the last 90 days (in your region) with the same number, accused party or patent.")


class ConflictOut(Out):
    error: str
    message: str
    current: CallOut | None = Field(None, description="The record as it is now (stale version only).")


class CallPageOut(Out):
    items: list[CallOut]
    next_cursor: str | None


class RevealOut(Out):
    caller_name: str | None
    caller_phone: str | None
    caller_phone_raw: str | None


class CallSummaryOut(Out):
    id: int
    ref: str
    received_at: datetime
    status: str
    channel: str
    request_type: str
    ip_type: str | None
    region_code: str
    summary: str


class CallerHistoryOut(Out):
    phone: str | None = Field(description="The number (E.164), masked for roles that do not see personal data.")
    calls: list[CallSummaryOut] = Field(description="Newest first, at most 20, within your region.")
    total: int = Field(description="All calls of this number within your region.")


class RegionOut(Out):
    code: str
    name: str
    short_name: str
    stat_label: str
    level: Literal["province", "prefecture", "county"]
    parent_code: str | None = Field(description="The region above (a county's 市州, a 市州's province).")
    area_code: str | None
    authority_name: str = Field(description="The office that decides the region's cases (<市州>知识产权局).")


class RegionListQuery(Query):
    parent_code: str | None = Field(None, pattern=r"^\d{6}$",
                                    description="Only the regions directly below this one (one level).")


class RegionListOut(Out):
    items: list[RegionOut]
    next_cursor: None = None


class MeOut(Out):
    id: int
    username: str
    display_name: str
    role: str
    region_code: str


class UserOut(MeOut):
    active: bool


class UserPageOut(Out):
    items: list[UserOut]
    next_cursor: str | None


class HealthOut(Out):
    database: Literal["ok", "down"]
    redis: str = Field(description="ok, down or not_configured.")
    worker: str = Field(description="ok, stale, missing, unknown or in_process.")


# Transfers ----------------------------------------------------------------------------------------------------

TRANSFER_STATUSES = ("pending", "signed", "returned", "answered", "called_back", "reopened", "closed")
OUTCOMES = ("case_opened", "handled", "no_violation", "not_competent")
SATISFACTIONS = ("satisfied", "basically_satisfied", "dissatisfied")


class TransferDeadlineOut(Out):
    kind: Literal["sign", "answer", "callback"]
    due_on: date | None
    met_on: date | None
    overdue: bool
    rule: str = Field(description="The rule set and article that produced it.")
    label: str
    notes: list[str]
    paused: bool
    target: bool
    error: str | None = Field(default=None, description="Why there is no due date (a calendar year not loaded).")


class TransferOut(Out):
    id: int
    version: int
    call_id: int
    call_ref: str
    from_region_code: str
    to_region_code: str | None
    to_agency: str | None
    status: Literal[TRANSFER_STATUSES]  # type: ignore[valid-type]
    note: str | None
    sent_on: date
    sign_due_on: date | None
    answer_due_on: date | None
    callback_due_on: date | None
    complex: bool
    outcome: Literal[OUTCOMES] | None  # type: ignore[valid-type]
    result: str | None
    case_id: int | None
    satisfaction: Literal[SATISFACTIONS] | None  # type: ignore[valid-type]
    reached: bool | None
    callback_note: str | None
    return_reason: str | None
    reopen_reason: str | None
    reopen_count: int
    signed_by_id: int | None
    signed_at: datetime | None
    answered_by_id: int | None
    answered_at: datetime | None
    called_back_by_id: int | None
    called_back_at: datetime | None
    returned_at: datetime | None
    reopened_at: datetime | None
    closed_at: datetime | None
    overdue: bool = Field(description="The deadline running now is past.")
    deadlines: list[TransferDeadlineOut] = Field(description="签收, 反馈 and (once answered) 回访, each with the "
                                                             "rule that produced it.")
    created_at: datetime
    updated_at: datetime


class TransferPageOut(Out):
    items: list[TransferOut]
    next_cursor: str | None


class TransferListQuery(Query):
    status: Literal[TRANSFER_STATUSES] | None = None  # type: ignore[valid-type]
    region_code: RegionCode | None = Field(None, description="The receiving region.")
    overdue: bool | None = Field(None, description="true: the deadline running now is past.")
    call_id: int | None = Field(None, ge=1, le=2**63 - 1)
    cursor: str | None = None
    page_size: int = Field(50, ge=1, le=200)


class TransferConflictOut(Out):
    error: str
    message: str
    current: TransferOut | None = Field(None, description="The transfer as it is now (stale version only).")


class SignIn(Body):
    complex: bool = Field(False, description="A disputed or complex matter: 120 days to answer instead of 90.")
    version: Version | None = None


class ReasonIn(Body):
    reason: Text = Field(description="Why (required).")
    version: Version | None = None


class PassDownIn(Body):
    region_code: str = Field(description="The county office directly below the receiving region.")
    note: Text | None = Field(None, description="Optional note to the county office.")
    version: Version | None = None


class AnswerIn(Body):
    outcome: Literal[OUTCOMES]  # type: ignore[valid-type]
    result: Text = Field(description="What was done.")
    case_id: int | None = Field(None, ge=1, le=2**63 - 1, description="The case opened (outcome case_opened).")
    version: Version | None = None


class CallbackIn(Body):
    reached: bool
    satisfaction: Literal[SATISFACTIONS] | None = Field(  # type: ignore[valid-type]
        None, description="Required when the caller was reached.")
    note: Text | None = Field(None, description="What the caller was told (required when not reached: the tries).")
    version: Version | None = None
