"""Pydantic models of the approvals API (api.md "Approvals (审批)")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from hotline.api.case_schemas import CaseDetailOut
from hotline.api.schemas import Body, Out, Query, RegionCode, Text, Version
from hotline.approvals.models import ApprovalAction, ApprovalStatus

ACTIONS = tuple(a.value for a in ApprovalAction)
STATUSES = tuple(s.value for s in ApprovalStatus)


class ApprovalListQuery(Query):
    status: Literal[STATUSES] | None = Field(  # type: ignore[valid-type]
        None, description="pending, approved, rejected, cancelled (by the requester) or obsolete (the case changed "
                          "so the request no longer applies).")
    region_code: RegionCode | None = None


class DecisionIn(Body):
    decision: Literal["approve", "reject"]
    reason: Text | None = Field(None, description="Why (required to reject; at most 1000 characters).")
    changes: dict[str, Any] | None = Field(
        None, description="Approve with changes: extend {\"months\"|\"days\": n} within the rule's maximum; "
                          "close_penalized {\"fine_amount\", \"confiscated_amount\"} (decimal strings). Nothing "
                          "else can be changed.")
    version: Version | None = Field(None, description="The approval's version (or If-Match); optional.")


class CancelIn(Body):
    version: Version | None = Field(None, description="The approval's version (or If-Match); optional.")


class ApprovalOut(Out):
    id: int
    version: int
    case_id: int
    case_number: str | None
    region_code: str
    action: Literal[ACTIONS] = Field(description="What is asked.")  # type: ignore[valid-type]
    params: dict[str, Any] = Field(description="The case action's input: days or months, outcome and amounts "
                                               "(decimal strings), dates (YYYY-MM-DD).")
    reason: str | None = Field(description="Why it is asked.")
    status: Literal[STATUSES]  # type: ignore[valid-type]
    requested_by_id: int
    requested_by_name: str | None
    requested_at: datetime
    due_on: date | None = Field(description="The approval clock (null: that year's calendar is not loaded).")
    decided_by_id: int | None
    decided_by_name: str | None
    decided_at: datetime | None
    decision_reason: str | None
    changes: dict[str, Any] | None = Field(description="Approved with changes: field → [asked, approved].")


class ApprovalWrapOut(Out):
    approval: ApprovalOut


class ApprovalDecidedOut(Out):
    approval: ApprovalOut
    case: CaseDetailOut


class ApprovalListOut(Out):
    items: list[ApprovalOut]
