"""Pydantic models of the cases and calendar API: strict request bodies and query strings, and the response
shapes (for the OpenAPI document and the tests that check responses against it)."""

from __future__ import annotations

import datetime as dt
import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, Strict, WithJsonSchema

from hotline.api.schemas import Body, Out, PageQuery, RegionCode, Text, Version
from hotline.cases.models import ALL_OUTCOMES, MANUAL_EVENT_KINDS, CaseSource, CaseStatus, CaseType, PatentType
from hotline.cases.operations import ACTIONS
from hotline.core.i18n import gettext as _

MAX_ID = 2**63 - 1
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_MONEY = re.compile(r"^[0-9]{1,15}(\.[0-9]{1,2})?$")
MONEY_HELP = 'Yuan as a decimal string with at most two decimals ("12500.00") or a whole number; never a float.'


def _day_text(value: Any) -> Any:
    """``YYYY-MM-DD`` text only (no timestamps, no times); an impossible date (2015-02-30) is refused."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DAY.match(value):
        raise ValueError(_("Give a date as YYYY-MM-DD."))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(_("%(value)s is not a date in the calendar.", value=value)) from None


def _money_text(value: Any) -> Any:
    """Money as text the domain parses exactly: a float is refused (0.1 is not 0.10 in binary)."""
    if isinstance(value, bool | float):
        raise ValueError(_('Send money as a decimal string, e.g. "12500.00" (numbers with a fraction lose precision).'))
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str) or not _MONEY.match(value):
        raise ValueError(_('A non-negative amount in yuan with at most two decimals, e.g. "12500.00".'))
    return value


Day = Annotated[date, Strict(False), BeforeValidator(_day_text),
                WithJsonSchema({"type": "string", "format": "date", "examples": ["2015-09-30"]})]
Money = Annotated[str, BeforeValidator(_money_text),
                  WithJsonSchema({"type": ["string", "integer"], "description": MONEY_HELP, "examples": ["12500.00"]})]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

CASE_TYPES = tuple(t.value for t in CaseType)
CASE_SOURCES = tuple(s.value for s in CaseSource)
CASE_STATUSES = tuple(s.value for s in CaseStatus)
PATENT_TYPES = tuple(p.value for p in PatentType)
EVENT_KINDS = tuple(k.value for k in MANUAL_EVENT_KINDS)


# Requests --------------------------------------------------------------------------------------------------

class CaseEditable(Body):
    """The fields an officer may edit after opening (``null`` clears an optional one)."""

    source: Literal[CASE_SOURCES] | None = Field(  # type: ignore[valid-type]
        None, description="Where the case came from; decides a counterfeit case's filing limit (10 working days "
                          "for hotline_call, request, referral; 5 for inspection, exhibition, ecommerce).")
    received_on: Day | None = Field(None, description="Receipt (disputes) or discovery/report date: picks the "
                                                      "rule set and starts the filing clock. Not in the future.")
    requester_name: Text | None = Field(None, description="At most 200 characters.")
    respondent_name: Text | None = Field(None, description="At most 200 characters.")
    respondent_kind: Literal["person", "organization"] | None = None
    respondent_legal_rep: Text | None = Field(
        None, description="法定代表人 of an organization respondent, at most 50 characters; published with its name. "
                          "A person respondent has none (422).")
    patent_number: Text | None = Field(None, description="e.g. ZL201710601862.3; sets patent_type when not given.")
    patent_type: Literal[PATENT_TYPES] | None = None  # type: ignore[valid-type]
    amount_involved: Money | None = None
    is_major: bool | None = Field(None, description="重大案件督办.")
    is_exhibition: bool | None = None
    is_ecommerce: bool | None = None
    foreign_related: bool | None = None
    campaign_ids: list[Id] | None = Field(None, description="专项行动 the case counts in (GET /campaigns): each must "
                                                            "run in the case's region; [] or null: none.")
    exhibition_id: Id | None = Field(None, description="The trade fair (展会) of the case, in its region (or the "
                                                       "province's); sets is_exhibition. null: none.")
    summary: Text | None = Field(None, description="At most 1000 characters.")


class CaseCreate(CaseEditable):
    case_type: Literal[CASE_TYPES]  # type: ignore[valid-type]
    region_code: RegionCode = Field(description="The 市州 office handling the case (your own region).")
    received_on: Day = Field(description="Receipt (disputes) or discovery/report date. Not in the future.")
    summary: Text = Field(description="At most 1000 characters.")
    call_id: Id | None = Field(None, description="Open the case from this hotline call (one you can see); the call "
                                                 "becomes case_opened. The fields sent override the call's.")


class CasePatch(CaseEditable):
    """Only the fields sent change. The receipt date is read-only once the case is filed."""

    version: Version | None = None


class CallCaseIn(CaseEditable):
    """Overrides for the case opened from a call; without them the case takes the call's facts (type from the
    request type, region, receipt date, accused party, patent number, summary). Send ``{}`` for none."""

    case_type: Literal[CASE_TYPES] | None = None  # type: ignore[valid-type]
    region_code: RegionCode | None = None
    version: Version | None = Field(None, description="The call's version (or send If-Match).")


#: Which body fields each action reads (besides ``action`` and ``version``).
ACTION_FIELDS: dict[str, frozenset[str]] = {
    "file": frozenset({"filed_on", "officer_ids"}),
    "reject": frozenset({"on", "reason"}),
    "suspend": frozenset({"on", "reason"}),
    "resume": frozenset({"on", "reason"}),
    "extend": frozenset({"approved_by_id", "months", "days", "reason"}),
    "close": frozenset({"outcome", "closed_on", "fine_amount", "confiscated_amount", "judicial_confirmation",
                        "transferred_judicial", "violation_facts", "penalty_basis", "penalty_terms",
                        "approved_by_id", "reason"}),
    "publish": frozenset({"published_on", "url", "approved_by_id", "reason"}),
    "withdraw": frozenset({"on", "reason", "approved_by_id"}),
}
assert set(ACTION_FIELDS) == set(ACTIONS)


class CaseActionIn(Body):
    """A workflow action. A field the action does not read is refused (422)."""

    action: Literal[tuple(ACTION_FIELDS)] = Field(  # type: ignore[valid-type]
        description="file: received → filed; reject: received → not_accepted; suspend / resume: filed ⇄ "
                    "suspended; extend: the closing deadline (filed or suspended); close: filed → closed; "
                    "publish: a closed penalized counterfeit case's decision; withdraw: take a published decision "
                    "off the public page (changed, revoked or annulled: within 3 working days).")
    version: Version | None = None
    filed_on: Day | None = Field(None, description="file. Not before receipt, not in the future.")
    officer_ids: list[Id] | None = Field(None, max_length=50, description="file: active officers or supervisors "
                                         "of the case's region; a dispute 3 or more (odd), a counterfeit case "
                                         "2 or more. The 案号 is given at filing.")
    on: Day | None = Field(None, description="reject, suspend, resume, withdraw: the day it happened.")
    reason: Text | None = Field(None, description="reject, suspend, withdraw (required); resume (optional); "
                                                  "extend (required in a request for approval); close "
                                                  "(penalized) and publish: why, in a request for approval.")
    approved_by_id: Id | None = Field(None, description="Retired (422): approvals are requested by sending the "
                                                        "action as an officer and decided at /approvals.")
    months: int | None = Field(None, ge=0, le=120, description="extend: dispute cases (+1 month at most).")
    days: int | None = Field(None, ge=0, le=3650, description="extend: counterfeit cases (+15 days at most).")
    outcome: Literal[ALL_OUTCOMES] | None = Field(  # type: ignore[valid-type]
        None, description="close. Disputes: infringement_found, request_dismissed, mediated, withdrawn, revoked; "
                          "counterfeit: penalized, exempted, revoked, transferred_police.")
    closed_on: Day | None = Field(None, description="close. Not before filing, not in the future.")
    fine_amount: Money | None = Field(None, description="close (penalized only).")
    confiscated_amount: Money | None = Field(None, description="close (penalized only).")
    judicial_confirmation: bool | None = Field(None, description="close (mediated only): 司法确认.")
    transferred_judicial: bool | None = Field(None, description="close: 移送司法机关.")
    violation_facts: Text | None = Field(None, description="close (penalized): for the public page.")
    penalty_basis: Text | None = None
    penalty_terms: Text | None = None
    published_on: Day | None = Field(None, description="publish.")
    url: Text | None = Field(None, description="publish: where the decision is published (http(s)).")


class CaseEventIn(Body):
    kind: Literal[EVENT_KINDS]  # type: ignore[valid-type]
    occurred_on: Day = Field(description="Not before receipt, not in the future.")
    note: Text | None = Field(None, description="At most 5000 characters.")


class CaseListQuery(PageQuery):
    status: Literal[CASE_STATUSES] | None = None  # type: ignore[valid-type]
    case_type: Literal[CASE_TYPES] | None = None  # type: ignore[valid-type]
    region_code: RegionCode | None = None
    overdue: bool = Field(False, description="true: only cases with a pending deadline already past.")
    filed_from: Day | None = Field(None, description="Filed on or after (YYYY-MM-DD).")
    filed_to: Day | None = Field(None, description="Filed on or before (YYYY-MM-DD).")
    q: str | None = Field(None, max_length=200, description=(
        "Text in summary or parties, any part of a word (Chinese works); 案号; a patent number as printed, with or "
        "without ZL and the dot (ZL201710601862.3, 2017106018623)."))
    officer_id: Id | None = Field(None, description="Cases this officer works on.")
    is_major: bool | None = None


UPLOAD_FORM = {
    "type": "object",
    "required": ["file"],
    "additionalProperties": False,
    "properties": {
        "file": {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream",
                 "description": "PDF, JPEG, PNG, GIF, WEBP, DOCX, XLSX, PPTX, DOC, XLS, UTF-8 text, MP3, WAV or MP4 "
                                "(checked by content; the name's extension must agree). At most the server's "
                                "upload limit (20 MB by default)."},
        "description": {"type": "string", "maxLength": 500},
    },
}


# Responses -------------------------------------------------------------------------------------------------

MoneyOut = Annotated[str | None, Field(pattern=r"^\d+\.\d{2}$", examples=["12500.00"])]


class OfficerOut(Out):
    id: int
    display_name: str


class CaseOut(Out):
    id: int
    case_number: str | None = Field(description="案号, given at filing in the office's pattern (〔2015〕第12号).")
    version: int
    case_type: Literal[CASE_TYPES]  # type: ignore[valid-type]
    source: Literal[CASE_SOURCES]  # type: ignore[valid-type]
    region_code: str
    status: Literal[CASE_STATUSES]  # type: ignore[valid-type]
    call_id: int | None = Field(description="The hotline call the case was opened from; null as well when it is a "
                                            "call you may not read (another region's).")
    received_on: date
    rule_set_code: str
    requester_name: str | None
    respondent_name: str | None
    respondent_kind: Literal["person", "organization"]
    respondent_legal_rep: str | None = Field(None, description="法定代表人 of an organization respondent.")
    patent_number: str | None
    patent_type: Literal[PATENT_TYPES] | None  # type: ignore[valid-type]
    summary: str
    amount_involved: MoneyOut
    fine_amount: MoneyOut
    confiscated_amount: MoneyOut
    is_major: bool
    is_exhibition: bool
    exhibition_id: int | None = Field(None, description="The linked trade fair (GET /exhibitions/{id}).")
    is_ecommerce: bool
    foreign_related: bool
    filed_on: date | None
    rejected_on: date | None
    reject_reason: str | None
    suspended_on: date | None
    closed_on: date | None
    outcome: Literal[ALL_OUTCOMES] | None  # type: ignore[valid-type]
    judicial_confirmation: bool
    transferred_judicial: bool
    close_approved_by_id: int | None
    violation_facts: str | None
    penalty_basis: str | None
    penalty_terms: str | None
    published_on: date | None
    publication_url: str | None
    publish_approved_by_id: int | None
    publication_withdrawn_on: date | None = Field(None, description="Taken off the public page on this day.")
    publication_withdrawal_reason: str | None = None
    withdrawal_approved_by_id: int | None = None
    authority_name: str = Field(description="The deciding authority: the office of the case's region, as its "
                                            "decisions and the public decision page name it.")
    file_due_on: date | None
    close_due_on: date | None
    publish_due_on: date | None
    next_due_on: date | None = Field(description="The earliest pending deadline (null when none).")
    overdue: bool = Field(description="A pending deadline is already past.")
    officers: list[OfficerOut]
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime


class DeadlineOut(Out):
    kind: str = Field(description="file, close, publish or publish_target.")
    due_on: date | None
    met_on: date | None
    overdue: bool
    rule: str = Field(description="The rule set and article that produced it.")
    label: str
    notes: list[str] = Field(description="Adjustments: days suspended, extensions, moves off non-working days.")
    paused: bool = Field(description="The case is suspended: the clock is held (shown as if resumed today).")
    target: bool = Field(description="A target, not a legal limit (publication within 7 working days).")
    error: str | None = Field(default=None, description="Why there is no due date (e.g. a calendar year not "
                                                        "loaded); the other deadlines are still given.")


class CaseEventOut(Out):
    id: int
    kind: str
    occurred_on: date
    note: str | None
    author_id: int | None
    author_name: str | None
    created_at: datetime


class SuspensionOut(Out):
    id: int
    suspended_on: date
    resumed_on: date | None
    reason: str
    days: int | None


class ExtensionOut(Out):
    id: int
    months: int
    days: int
    approved_by_id: int
    approved_by_name: str | None
    approved_on: date
    reason: str | None


class AttachmentOut(Out):
    id: int
    original_name: str = Field(description="Sanitized for display; the file is stored under a random name.")
    size: int
    content_type: str = Field(description="Detected from the content.")
    sha256: str
    description: str | None
    uploaded_by_id: int | None
    uploaded_at: datetime
    url: str = Field(description="Download (officers and supervisors of the case's region).")


class CallLinkOut(Out):
    id: int
    ref: str
    status: str


class CaseDetailOut(CaseOut):
    deadlines: list[DeadlineOut]
    deadlines_error: str | None = Field(description="Why deadlines cannot be computed (a calendar year not loaded).")
    events: list[CaseEventOut] = Field(description="The timeline, oldest first.")
    suspensions: list[SuspensionOut]
    extensions: list[ExtensionOut]
    attachments: list[AttachmentOut]
    campaign_ids: list[int] = Field(default_factory=list, description="The campaigns (专项行动) it counts in.")
    call: CallLinkOut | None = Field(description="The hotline call the case was opened from; null as well when it is "
                                                "a call you may not read (another region's).")
    joint_region_codes: list[str] = Field(description="Regions joined to the case (联合办案): they read it and add "
                                                      "events; the lead region (region_code) owns it.")


class CasePageOut(Out):
    items: list[CaseOut]
    next_cursor: str | None


class CaseConflictOut(Out):
    error: str
    message: str
    current: CaseDetailOut | None = Field(None, description="The case as it is now (stale version only).")


class CalendarDayOut(Out):
    date: dt.date
    kind: Literal["workday", "weekend", "holiday", "makeup_workday"]
    name: str | None = Field(description="The holiday (国庆节), or the holiday a make-up workday belongs to.")


class CalendarYearOut(Out):
    year: int
    region_code: str | None = Field(None, description="The region whose own holidays are included (null: national).")
    days: list[CalendarDayOut]
    working_days: int
