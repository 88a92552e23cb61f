"""API v1: the telephone switch's call events (api.md "The hotline desk", CTI)."""

from __future__ import annotations

from typing import Literal

from flask import jsonify
from pydantic import Field

from hotline.api.registry import api_route
from hotline.api.schemas import Body, IsoDateTime, Out, Text
from hotline.core.permissions import Role
from hotline.cti.operations import post_event

#: Who may post: the switch's service account (User.is_service) with the role operator (it connects the
#: operators' calls) or admin; a person's token is refused (403), whatever their role.
SWITCH_ROLES = (Role.operator, Role.admin)


class CtiEventIn(Body):
    event: Literal["ringing", "answered", "hangup"]
    cti_call_id: Text = Field(description="The switch's id of the call (at most 64 characters).")
    caller_phone: Text | None = Field(None, description="The caller's number as the switch has it (ringing); "
                                                        "null when withheld. Never logged.")
    agent: Text | None = Field(None, description="The username of the agent the call rings for / who answered. "
                                                 "An unknown agent is accepted and stored (agent_known false): "
                                                 "the event counts for the duration, and shows on no page.")
    at: IsoDateTime | None = Field(None, description="When it happened at the switch (default: now).")


class CtiEventOut(Out):
    cti_call_id: str
    event: str
    stored: bool = Field(description="False: this event of this call was stored before (a retry); nothing changed.")
    agent_known: bool = Field(description="Whether the agent named is a user here who logs calls.")
    duration_seconds: int | None = Field(description="answered → hangup, once both are known (either order).")


@api_route("/cti/events", "POST", summary="A call event from the telephone switch", tag="cti", roles=SWITCH_ROLES,
           service_only=True, body=CtiEventIn, responses={202: CtiEventOut})
def cti_event(user, body: CtiEventIn):
    """The switch pushes ringing, answered and hangup events with its own call id. Idempotent per (cti_call_id,
    event): a retried push answers 202 with ``stored: false`` and changes nothing (two pushes at the same moment
    too). Events may come in any order: a hang-up before the answer still gives the duration once both are in.
    A ringing event puts the number and its earlier calls on the agent's open intake page (polled, no reload)."""
    return jsonify(post_event(body.model_dump(), actor=user)), 202
