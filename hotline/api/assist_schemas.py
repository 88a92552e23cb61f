"""Pydantic models of the cooperation endpoints (api.md "Regions and cooperation"): assistance requests (协查) and
joint cases (联合办案)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from hotline.api.case_schemas import Day
from hotline.api.schemas import Body, Out, Query, RegionCode, Text, Version

ASSIST_STATUSES = ("pending", "answered", "declined")
ASSIST_KINDS = ("investigation", "evidence", "service", "other")


class AssistIn(Body):
    region_code: RegionCode = Field(description="The region asked: any region of the installation but the case's "
                                                "own.")
    request: Text = Field(description="What is asked (at most 5000 characters).")
    due_on: Day = Field(description="The answer is asked by this Beijing date (today at the earliest).")
    kind: Literal[ASSIST_KINDS] | None = Field(None, description="investigation (default), evidence, service "  # type: ignore[valid-type]
                                                                 "(a party to serve), other.")
    case_summary: Text | None = Field(None, description="What the assisting region reads of the case (at most 2000 "
                                                        "characters; default: the case's summary). It sees nothing "
                                                        "else of the case.")


class AssistAnswerIn(Body):
    result: Text = Field(description="What was found or done.")
    version: Version | None = None


class AssistDeclineIn(Body):
    reason: Text = Field(description="Why the request is declined.")
    version: Version | None = None


class AssistListQuery(Query):
    status: Literal[ASSIST_STATUSES] | None = None  # type: ignore[valid-type]
    direction: Literal["sent", "received"] | None = Field(None, description="sent: asked by your region; received: "
                                                                            "asked of it; both when left out.")
    cursor: str | None = Field(None, max_length=40)
    page_size: int = Field(50, ge=1, le=200)


class AssistFileOut(Out):
    id: int
    original_name: str
    size: int
    content_type: str
    sha256: str
    description: str | None
    uploaded_at: datetime
    url: str = Field(description="Download (both regions of the request).")


class AssistOut(Out):
    id: int
    version: int
    case_id: int
    case_number: str | None = Field(description="The case's number (null before it is filed).")
    case_summary: str = Field(description="What the request shares of the case.")
    from_region_code: str
    region_code: str = Field(description="The assisting region.")
    kind: Literal[ASSIST_KINDS]  # type: ignore[valid-type]
    request: str
    due_on: date
    overdue: bool
    working_days_left: int | None = Field(description="Working days of the assisting region until due_on "
                                                      "(negative: overdue); null when the calendar lacks the year.")
    status: Literal[ASSIST_STATUSES]  # type: ignore[valid-type]
    result: str | None
    decline_reason: str | None
    files: list[AssistFileOut]
    sent_on: date
    answered_at: datetime | None
    declined_at: datetime | None
    created_at: datetime
    updated_at: datetime


class AssistPageOut(Out):
    items: list[AssistOut]
    next_cursor: str | None


class AssistConflictOut(Out):
    error: str
    message: str
    current: AssistOut | None = Field(None, description="The request as it is now (stale version only).")


class JointIn(Body):
    region_codes: list[RegionCode] = Field(min_length=1, max_length=20,
                                           description="Regions to join (those already joined stay).")
