"""Who may call what: one table for every route of ``app.url_map``, checked against the running app.

Every (method, rule) of the URL map has exactly one row in ``MATRIX`` (a new route fails
``test_every_route_is_classified`` until it is classified here). Each row gives the expected answer for an
anonymous client and for an operator, officer, supervisor and administrator of 长沙 (430100), and, for routes that
take a record id, for a user of 株洲 (430200) whose role would otherwise be allowed:

- ``LOGIN``: not authenticated — a web page redirects to ``/login?next=…``, the API answers 401;
- ``403``: wrong role; ``404``: another region's record (never its contents);
- ``OK``: allowed — GET answers 2xx/3xx; a POST/PATCH with an empty or minimal body passes the checks (any answer
  below 500 except 401/403/404/405, e.g. 302, 409 for a stale version or 422 for a missing field).

Web pages are requested with a session from the real login form, the API with bearer tokens. Records are real rows
of 长沙 made through the product's operations (``world`` in conftest.py).
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

import pytest

from hotline.extensions import db
from tests.security.conftest import CALLER_NAME, ROLES, issue_raw_token, login_client

OK, LOGIN = "ok", "login"
#: A county has no monthly snapshot of its own yet (statistics are kept per 市州 until they are per level): no
#: revision of a county's snapshot can exist to ask for.
NO_COUNTY_SNAPSHOT = None


class Z(NamedTuple):
    """A user of 株洲 (430200) with this role asks for 长沙's record: expected answer (404). Every row also states
    the two county columns (the region tree, issue 12): ``county``, a user of 长沙's county 芙蓉区 (430102) with this
    role asking for 长沙's record (404: a lower level sees nothing above it), and ``sibling``, a user of the sibling
    county 天心区 (430103) asking for 芙蓉区's record (404); 芙蓉区's own user on that record gets what 长沙's user
    gets on 长沙's (its own records work). ``None``: the record cannot belong to a county (say why)."""

    role: str
    expect: int = 404
    #: Only an office above 长沙 may do it (major-case supervision): 长沙's user of this role is refused (403) and
    #: the province's user of this role is allowed.
    above: bool = False
    county: int | str | None = 404
    sibling: int | str | None = 404
    #: What 芙蓉区's own user gets on 芙蓉区's record when it differs from 长沙's column (a step only a 市州 has).
    county_own: int | str | None = None


#: (method, rule) → (anonymous, operator, officer, supervisor, admin, 株洲 user or None). All users of 长沙.
MATRIX: dict[tuple[str, str], tuple] = {
    # home, login, language, tokens
    ("GET", "/"): (LOGIN, OK, OK, OK, OK, None),
    # the inbox and notifications: everyone has their own; the officer's notification is nobody else's
    ("GET", "/inbox"): (LOGIN, OK, OK, OK, OK, None),
    ("GET", "/notifications"): (LOGIN, OK, OK, OK, OK, None),
    ("POST", "/notifications/<int:notification_id>/read"):
        (LOGIN, 404, OK, 404, 404, Z("officer", county=404, sibling=404)),
    ("POST", "/notifications/read-all"): (LOGIN, OK, OK, OK, OK, None),
    ("GET", "/notifications/settings"): (LOGIN, OK, OK, OK, OK, None),
    ("POST", "/notifications/settings"): (LOGIN, OK, OK, OK, OK, None),
    ("GET", "/login"): (OK, OK, OK, OK, OK, None),
    ("POST", "/login"): (OK, OK, OK, OK, OK, None),
    ("POST", "/logout"): (LOGIN, OK, OK, OK, OK, None),
    ("POST", "/language/<lang>"): (OK, OK, OK, OK, OK, None),
    ("GET", "/account/password"): (LOGIN, OK, OK, OK, OK, None),
    ("POST", "/account/password"): (LOGIN, OK, OK, OK, OK, None),
    # tokens go to those who use the API: officers, supervisors, admins (and service accounts); operators work here
    ("GET", "/tokens"): (LOGIN, 403, OK, OK, OK, None),
    ("POST", "/tokens"): (LOGIN, 403, OK, OK, OK, None),
    # the officer's token: only its owner or an administrator of its region may revoke it (others: no such token)
    ("POST", "/tokens/<int:token_id>/revoke"): (LOGIN, 404, OK, 404, OK, Z("admin", county=404, sibling=404)),
    # administration
    ("GET", "/admin/users"): (LOGIN, 403, 403, 403, OK, None),
    ("GET", "/admin/users/new"): (LOGIN, 403, 403, 403, OK, None),
    ("POST", "/admin/users/new"): (LOGIN, 403, 403, 403, OK, None),
    ("GET", "/admin/users/<int:user_id>"): (LOGIN, 403, 403, 403, OK, Z("admin", county=404, sibling=404)),
    ("POST", "/admin/users/<int:user_id>"): (LOGIN, 403, 403, 403, OK, Z("admin", county=404, sibling=404)),
    # an administrator issues tokens to a service account of their region
    ("POST", "/admin/users/<int:user_id>/tokens"): (LOGIN, 403, 403, 403, OK, Z("admin", county=404, sibling=404)),
    # regions: a 市州 admin edits only its own region's deciding authority (another's: no such region)
    ("GET", "/admin/regions"): (LOGIN, 403, 403, 403, OK, None),
    ("POST", "/admin/regions/<region_code>"): (LOGIN, 403, 403, 403, OK, Z("admin", county=404, sibling=404)),
    ("GET", "/admin/calendar"): (LOGIN, 403, 403, 403, OK, None),
    # the national calendar sets every region's deadlines: only the province's administrators change it
    ("POST", "/admin/calendar/day"): (LOGIN, 403, 403, 403, 403, None),
    ("POST", "/admin/calendar/import"): (LOGIN, 403, 403, 403, 403, None),
    ("POST", "/admin/calendar/regional"): (LOGIN, 403, 403, 403, OK, None),
    ("POST", "/admin/calendar/regional/delete"): (LOGIN, 403, 403, 403, OK, None),
    # calls
    ("GET", "/calls"): (LOGIN, OK, OK, OK, 403, None),
    # the call list as XLSX: the list's readers (masked as the list masks)
    ("GET", "/calls/export.xlsx"): (LOGIN, OK, OK, OK, 403, None),
    ("GET", "/calls/new"): (LOGIN, OK, 403, OK, 403, None),
    ("POST", "/calls/new"): (LOGIN, OK, 403, OK, 403, None),
    ("GET", "/calls/lookup"): (LOGIN, OK, OK, OK, 403, None),
    ("GET", "/calls/<int:call_id>"): (LOGIN, OK, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("GET", "/calls/<int:call_id>/edit"): (LOGIN, OK, 403, OK, 403, Z("operator", county=404, sibling=404)),
    ("POST", "/calls/<int:call_id>/edit"): (LOGIN, OK, 403, OK, 403, Z("operator", county=404, sibling=404)),
    ("POST", "/calls/<int:call_id>/transfer"): (LOGIN, OK, 403, OK, 403, Z("operator", county=404, sibling=404)),
    ("POST", "/calls/<int:call_id>/status"): (LOGIN, OK, 403, OK, 403, Z("operator", county=404, sibling=404)),
    ("POST", "/calls/<int:call_id>/feedback"): (LOGIN, OK, 403, OK, 403, Z("operator", county=404, sibling=404)),
    ("POST", "/calls/<int:call_id>/duplicate"): (LOGIN, OK, 403, OK, 403, Z("supervisor", county=404, sibling=404)),
    ("POST", "/calls/<int:call_id>/reveal"): (LOGIN, 403, OK, OK, 403, Z("officer", county=404, sibling=404)),
    # transfers: 长沙's operator sent it to 长沙's office (the receiving side signs and returns; a step that does
    # not fit the pending status answers 409)
    ("GET", "/transfers/"): (LOGIN, OK, OK, OK, 403, None),
    ("GET", "/transfers/<int:transfer_id>"): (LOGIN, OK, OK, OK, 403, Z("officer", county=404, sibling=404)),
    # 下转: 长沙 passes its transfer down to a county; a county has none below it (403 on its own transfer)
    ("POST", "/transfers/<int:transfer_id>/pass-down"):
        (LOGIN, 403, OK, OK, 403, Z("officer", county=404, sibling=404, county_own=403)),
    ("POST", "/api/v1/transfers/<int:transfer_id>/pass-down"):
        (LOGIN, 403, OK, OK, 403, Z("officer", county=404, sibling=404, county_own=403)),
    ("POST", "/transfers/<int:transfer_id>/sign"): (LOGIN, 403, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("POST", "/transfers/<int:transfer_id>/return"):
        (LOGIN, 403, OK, OK, 403, Z("supervisor", county=404, sibling=404)),
    ("POST", "/transfers/<int:transfer_id>/answer"): (LOGIN, OK, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("POST", "/transfers/<int:transfer_id>/callback"): (LOGIN, OK, OK, OK, 403, Z("operator", county=404, sibling=404)),
    ("POST", "/transfers/<int:transfer_id>/reopen"): (LOGIN, OK, OK, OK, 403, Z("operator", county=404, sibling=404)),
    ("GET", "/api/v1/transfers"): (LOGIN, OK, OK, OK, 403, None),
    ("GET", "/api/v1/transfers/<int:transfer_id>"): (LOGIN, OK, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("POST", "/api/v1/transfers/<int:transfer_id>/sign"):
        (LOGIN, 403, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("POST", "/api/v1/transfers/<int:transfer_id>/return"):
        (LOGIN, 403, OK, OK, 403, Z("supervisor", county=404, sibling=404)),
    ("POST", "/api/v1/transfers/<int:transfer_id>/answer"):
        (LOGIN, OK, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("POST", "/api/v1/transfers/<int:transfer_id>/callback"):
        (LOGIN, OK, OK, OK, 403, Z("operator", county=404, sibling=404)),
    ("POST", "/api/v1/transfers/<int:transfer_id>/reopen"):
        (LOGIN, OK, OK, OK, 403, Z("operator", county=404, sibling=404)),
    # the switch's calls ringing for the logged-in agent (only their own: no record id)
    ("GET", "/cti/ringing"): (LOGIN, OK, 403, OK, 403, None),
    # the top bar's search by number: those who read calls or cases
    ("GET", "/search"): (LOGIN, OK, OK, OK, 403, None),
    ("GET", "/transfers/export.xlsx"): (LOGIN, OK, OK, OK, 403, None),
    # cooperation across regions (协查): the request is 湘潭's, asked of 长沙 (长沙 answers it; 株洲 is neither side)
    ("GET", "/assists"): (LOGIN, 403, OK, OK, 403, None),
    ("GET", "/assists/<int:assist_id>"): (LOGIN, 403, OK, OK, 403, Z("officer")),
    ("POST", "/assists/<int:assist_id>/answer"): (LOGIN, 403, OK, OK, 403, Z("officer")),
    ("POST", "/assists/<int:assist_id>/decline"): (LOGIN, 403, OK, OK, 403, Z("supervisor")),
    ("POST", "/assists/<int:assist_id>/attachments"): (LOGIN, 403, OK, OK, 403, Z("officer")),
    ("GET", "/assists/<int:assist_id>/attachments/<int:attachment_id>"): (LOGIN, 403, OK, OK, 403, Z("officer")),
    # asking from 长沙's case and joining regions to it (联合办案: the lead region's supervisors)
    ("GET", "/assists/case/<int:case_id>/new"): (LOGIN, 403, OK, OK, 403, Z("officer")),
    ("POST", "/assists/case/<int:case_id>/new"): (LOGIN, 403, OK, OK, 403, Z("officer")),
    ("GET", "/assists/case/<int:case_id>/joint"): (LOGIN, 403, 403, OK, 403, Z("supervisor")),
    ("POST", "/assists/case/<int:case_id>/joint"): (LOGIN, 403, 403, OK, 403, Z("supervisor")),
    ("GET", "/api/v1/assists"): (LOGIN, 403, OK, OK, 403, None),
    ("GET", "/api/v1/assists/<int:assist_id>"): (LOGIN, 403, OK, OK, 403, Z("officer")),
    ("POST", "/api/v1/assists/<int:assist_id>/answer"): (LOGIN, 403, OK, OK, 403, Z("officer")),
    ("POST", "/api/v1/assists/<int:assist_id>/decline"): (LOGIN, 403, OK, OK, 403, Z("supervisor")),
    ("POST", "/api/v1/assists/<int:assist_id>/attachments"): (LOGIN, 403, OK, OK, 403, Z("officer")),
    ("GET", "/api/v1/assists/<int:assist_id>/attachments/<int:attachment_id>"):
        (LOGIN, 403, OK, OK, 403, Z("officer")),
    ("POST", "/api/v1/cases/<int:case_id>/assists"): (LOGIN, 403, OK, OK, 403, Z("officer")),
    ("POST", "/api/v1/cases/<int:case_id>/joint"): (LOGIN, 403, 403, OK, 403, Z("supervisor")),
    # cases
    ("GET", "/cases"): (LOGIN, 403, OK, OK, 403, None),
    ("GET", "/cases/export.xlsx"): (LOGIN, 403, OK, OK, 403, None),
    ("GET", "/cases/due"): (LOGIN, 403, OK, OK, 403, None),
    ("GET", "/cases/calendar"): (LOGIN, 403, OK, OK, 403, None),
    ("GET", "/cases/new"): (LOGIN, 403, OK, OK, 403, None),
    ("POST", "/cases/new"): (LOGIN, 403, OK, OK, 403, None),
    ("GET", "/cases/from-call/<int:call_id>"): (LOGIN, OK, OK, OK, 403, Z("operator", county=404, sibling=404)),
    ("POST", "/cases/from-call/<int:call_id>"): (LOGIN, OK, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("GET", "/cases/<int:case_id>"): (LOGIN, 403, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("GET", "/cases/<int:case_id>/edit"): (LOGIN, 403, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("POST", "/cases/<int:case_id>/edit"): (LOGIN, 403, OK, OK, 403, Z("supervisor", county=404, sibling=404)),
    ("POST", "/cases/<int:case_id>/actions/<name>"): (LOGIN, 403, OK, OK, 403, Z("officer", county=404, sibling=404)),
    # the case printed as its file (案卷): the case page's access
    ("GET", "/cases/<int:case_id>/file"): (LOGIN, 403, OK, OK, 403, Z("officer")),
    ("GET", "/approvals"): (LOGIN, 403, OK, OK, 403, None),
    ("GET", "/approvals/<int:approval_id>"): (LOGIN, 403, OK, OK, 403, Z("supervisor", county=404, sibling=404)),
    ("POST", "/approvals/<int:approval_id>/decision"):
        (LOGIN, 403, 403, OK, 403, Z("supervisor", county=404, sibling=404)),
    ("POST", "/approvals/<int:approval_id>/cancel"): (LOGIN, 403, OK, 404, 403, Z("officer", county=404, sibling=404)),
    ("POST", "/cases/<int:case_id>/events"): (LOGIN, 403, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("POST", "/cases/<int:case_id>/attachments"): (LOGIN, 403, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("GET", "/cases/<int:case_id>/attachments/<int:attachment_id>"):
        (LOGIN, 403, OK, OK, 403, Z("officer", county=404, sibling=404)),
    # due lists (a 株洲 user sees only 株洲's rows: no record in the URL)
    ("GET", "/due"): (LOGIN, OK, OK, OK, 403, None),
    ("GET", "/due/export.xlsx"): (LOGIN, OK, OK, OK, 403, None),
    ("GET", "/due/backlog"): (LOGIN, 403, OK, OK, 403, None),
    # major-case supervision: 长沙's case supervised by the province; 长沙's supervisor is not above it
    ("GET", "/supervisions"): (LOGIN, 403, OK, OK, 403, None),
    ("GET", "/supervisions/<int:supervision_id>"): (LOGIN, 403, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("GET", "/supervisions/designate/<int:case_id>"):
        (LOGIN, 403, 403, 403, 403, Z("supervisor", above=True, county=404, sibling=404)),
    ("POST", "/supervisions/designate/<int:case_id>"):
        (LOGIN, 403, 403, 403, 403, Z("supervisor", above=True, county=404, sibling=404)),
    ("GET", "/supervisions/export.xlsx"): (LOGIN, 403, OK, OK, 403, None),
    ("POST", "/supervisions/<int:supervision_id>/reports/<int:report_id>"):
        (LOGIN, 403, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("POST", "/supervisions/<int:supervision_id>/close"):
        (LOGIN, 403, 403, 403, 403, Z("supervisor", above=True, county=404, sibling=404)),
    # case-file review
    ("GET", "/review"): (LOGIN, 403, 403, OK, 403, None),
    ("POST", "/review"): (LOGIN, 403, 403, OK, 403, None),
    # one sample's files as XLSX (without ?label=: back to the page to choose one)
    ("GET", "/review/export.xlsx"): (LOGIN, 403, 403, OK, 403, None),
    ("GET", "/review/scores"): (LOGIN, 403, 403, OK, 403, None),
    ("GET", "/review/<int:review_id>"): (LOGIN, 403, 403, OK, 403, Z("supervisor", county=404, sibling=404)),
    ("POST", "/review/<int:review_id>"): (LOGIN, 403, 403, OK, 403, Z("supervisor", county=404, sibling=404)),
    # statistics
    ("GET", "/stats/"): (LOGIN, 403, OK, OK, 403, None),
    ("GET", "/stats/monthly"): (LOGIN, 403, OK, OK, 403, None),
    ("GET", "/stats/monthly/<month>.xlsx"): (LOGIN, 403, OK, OK, 403, None),
    ("GET", "/stats/yearly"): (LOGIN, 403, OK, OK, 403, None),
    ("GET", "/stats/yearly/<int:year>.<fmt>"): (LOGIN, 403, OK, OK, 403, None),
    # performance (绩效考核): the province table is every stats reader's; a 市州's own table, that 市州 and above
    ("GET", "/stats/performance"): (LOGIN, 403, OK, OK, 403, None),
    ("GET", "/stats/performance/<period>.<fmt>"): (LOGIN, 403, OK, OK, 403, None),
    ("POST", "/stats/monthly/<month>/lock"): (LOGIN, 403, 403, OK, 403, None),
    ("POST", "/stats/rebuild"): (LOGIN, 403, 403, OK, 403, None),
    ("POST", "/stats/revisions/<int:revision_id>/<any(accept, discard):decision>"):
        (LOGIN, 403, 403, OK, 403, Z("supervisor", county=404, sibling=NO_COUNTY_SNAPSHOT)),
    ("GET", "/stats/tasks/<uuid:task_id>"): (LOGIN, 403, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("GET", "/stats/tasks/<uuid:task_id>.json"): (LOGIN, 403, OK, OK, 403, Z("supervisor", county=404, sibling=404)),
    # public pages
    ("GET", "/public/decisions"): (OK, OK, OK, OK, OK, None),
    ("GET", "/public/decisions/<int:case_id>"): (OK, OK, OK, OK, OK, None),
    # API: system and reference
    ("GET", "/api/v1/health"): (OK, OK, OK, OK, OK, None),
    ("GET", "/api/v1/openapi.json"): (OK, OK, OK, OK, OK, None),
    ("GET", "/api/v1/me"): (LOGIN, OK, OK, OK, OK, None),
    ("GET", "/api/v1/inbox"): (LOGIN, OK, OK, OK, OK, None),
    ("GET", "/api/v1/notifications"): (LOGIN, OK, OK, OK, OK, None),
    ("POST", "/api/v1/notifications/<int:notification_id>/read"):
        (LOGIN, 404, OK, 404, 404, Z("officer", county=404, sibling=404)),
    ("GET", "/api/v1/regions"): (LOGIN, OK, OK, OK, OK, None),
    ("GET", "/api/v1/calendar/<int:year>"): (LOGIN, OK, OK, OK, OK, None),
    ("GET", "/api/v1/users"): (LOGIN, 403, 403, OK, OK, None),
    # API: calls
    ("POST", "/api/v1/calls"): (LOGIN, OK, 403, OK, 403, None),
    ("GET", "/api/v1/calls"): (LOGIN, OK, OK, OK, 403, None),
    ("GET", "/api/v1/search"): (LOGIN, OK, OK, OK, 403, None),
    # the switch's events: service accounts only (a person's token is refused whatever the role; see SERVICE_ONLY)
    ("POST", "/api/v1/cti/events"): (LOGIN, 403, 403, 403, 403, None),

    ("GET", "/api/v1/calls.xlsx"): (LOGIN, OK, OK, OK, 403, None),
    ("GET", "/api/v1/callers/<phone>/history"): (LOGIN, OK, OK, OK, 403, None),
    ("GET", "/api/v1/calls/<int:call_id>"): (LOGIN, OK, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("PATCH", "/api/v1/calls/<int:call_id>"): (LOGIN, OK, 403, OK, 403, Z("operator", county=404, sibling=404)),
    ("POST", "/api/v1/calls/<int:call_id>/transfer"): (LOGIN, OK, 403, OK, 403, Z("operator", county=404, sibling=404)),
    ("POST", "/api/v1/calls/<int:call_id>/status"): (LOGIN, OK, 403, OK, 403, Z("supervisor", county=404, sibling=404)),
    ("POST", "/api/v1/calls/<int:call_id>/feedback"): (LOGIN, OK, 403, OK, 403, Z("operator", county=404, sibling=404)),
    ("POST", "/api/v1/calls/<int:call_id>/reveal"): (LOGIN, OK, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("POST", "/api/v1/calls/<int:call_id>/case"): (LOGIN, OK, OK, OK, 403, Z("operator", county=404, sibling=404)),
    # API: cases
    ("POST", "/api/v1/cases"): (LOGIN, 403, OK, OK, 403, None),
    ("GET", "/api/v1/cases"): (LOGIN, 403, OK, OK, 403, None),
    ("GET", "/api/v1/cases/<int:case_id>"): (LOGIN, 403, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("PATCH", "/api/v1/cases/<int:case_id>"): (LOGIN, 403, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("POST", "/api/v1/cases/<int:case_id>/actions"):
        (LOGIN, 403, OK, OK, 403, Z("supervisor", county=404, sibling=404)),
    ("GET", "/api/v1/cases.xlsx"): (LOGIN, 403, OK, OK, 403, None),
    # approvals: read in the region; decided by a supervisor (not the requester: the officer); cancelled by the
    # requester only (for anyone else there is no such request of theirs)
    ("GET", "/api/v1/approvals"): (LOGIN, 403, OK, OK, 403, None),
    ("GET", "/api/v1/approvals/<int:approval_id>"): (LOGIN, 403, OK, OK, 403, Z("supervisor", county=404, sibling=404)),
    ("POST", "/api/v1/approvals/<int:approval_id>/decision"):
        (LOGIN, 403, 403, OK, 403, Z("supervisor", county=404, sibling=404)),
    ("POST", "/api/v1/approvals/<int:approval_id>/cancel"):
        (LOGIN, 403, OK, 404, 403, Z("officer", county=404, sibling=404)),
    ("POST", "/api/v1/cases/<int:case_id>/events"): (LOGIN, 403, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("POST", "/api/v1/cases/<int:case_id>/attachments"):
        (LOGIN, 403, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("GET", "/api/v1/cases/<int:case_id>/attachments/<int:attachment_id>"):
        (LOGIN, 403, OK, OK, 403, Z("officer", county=404, sibling=404)),
    # API: supervision and the due list
    ("POST", "/api/v1/cases/<int:case_id>/supervision"):
        (LOGIN, 403, 403, 403, 403, Z("supervisor", above=True, county=404, sibling=404)),
    ("GET", "/api/v1/supervisions"): (LOGIN, 403, OK, OK, 403, None),
    ("POST", "/api/v1/supervisions/<int:supervision_id>/reports"):
        (LOGIN, 403, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("POST", "/api/v1/supervisions/<int:supervision_id>/close"):
        (LOGIN, 403, 403, 403, 403, Z("supervisor", above=True, county=404, sibling=404)),
    ("GET", "/api/v1/due"): (LOGIN, OK, OK, OK, 403, None),
    # standard answers (知识库): the province's, read by every call role in any region, kept by supervisors
    ("GET", "/answers"): (LOGIN, OK, OK, OK, 403, None),
    ("GET", "/answers/suggest"): (LOGIN, OK, 403, OK, 403, None),
    ("GET", "/answers/new"): (LOGIN, 403, 403, OK, 403, None),
    ("POST", "/answers/new"): (LOGIN, 403, 403, OK, 403, None),
    ("GET", "/answers/<int:answer_id>"): (LOGIN, OK, OK, OK, 403, Z("officer", OK, county=OK, sibling=OK)),
    ("GET", "/answers/<int:answer_id>/edit"): (LOGIN, 403, 403, OK, 403, Z("supervisor", OK, county=OK, sibling=OK)),
    ("POST", "/answers/<int:answer_id>/edit"): (LOGIN, 403, 403, OK, 403, Z("supervisor", OK, county=OK, sibling=OK)),
    ("POST", "/answers/<int:answer_id>/status"): (LOGIN, 403, 403, OK, 403, Z("supervisor", OK, county=OK, sibling=OK)),
    # campaigns (专项行动) and trade fairs (展会): read by every call role of their regions and the regions below
    # (a 市州's campaign runs in its counties: 芙蓉区 reads 长沙's, its supervisor does not edit it), kept by
    # supervisors
    ("GET", "/campaigns"): (LOGIN, OK, OK, OK, 403, None),
    ("GET", "/campaigns/new"): (LOGIN, 403, 403, OK, 403, None),
    ("POST", "/campaigns/new"): (LOGIN, 403, 403, OK, 403, None),
    ("GET", "/campaigns/<int:campaign_id>"): (LOGIN, OK, OK, OK, 403, Z("officer", county=OK)),
    ("GET", "/campaigns/<int:campaign_id>/edit"): (LOGIN, 403, 403, OK, 403, Z("supervisor", county=403)),
    ("POST", "/campaigns/<int:campaign_id>/edit"): (LOGIN, 403, 403, OK, 403, Z("supervisor", county=403)),
    ("GET", "/campaigns/exhibitions/new"): (LOGIN, 403, 403, OK, 403, None),
    ("POST", "/campaigns/exhibitions/new"): (LOGIN, 403, 403, OK, 403, None),
    ("GET", "/campaigns/exhibitions/<int:exhibition_id>"): (LOGIN, OK, OK, OK, 403, Z("officer", county=OK)),
    ("GET", "/campaigns/exhibitions/<int:exhibition_id>/edit"): (LOGIN, 403, 403, OK, 403, Z("supervisor", county=403)),
    ("POST", "/campaigns/exhibitions/<int:exhibition_id>/edit"):
        (LOGIN, 403, 403, OK, 403, Z("supervisor", county=403)),
    ("GET", "/api/v1/campaigns"): (LOGIN, OK, OK, OK, 403, None),
    ("POST", "/api/v1/campaigns"): (LOGIN, 403, 403, OK, 403, None),
    ("GET", "/api/v1/campaigns/<int:campaign_id>"): (LOGIN, OK, OK, OK, 403, Z("officer", county=OK)),
    ("PATCH", "/api/v1/campaigns/<int:campaign_id>"): (LOGIN, 403, 403, OK, 403, Z("supervisor", county=403)),
    ("GET", "/api/v1/exhibitions"): (LOGIN, OK, OK, OK, 403, None),
    ("POST", "/api/v1/exhibitions"): (LOGIN, 403, 403, OK, 403, None),
    ("GET", "/api/v1/exhibitions/<int:exhibition_id>"): (LOGIN, OK, OK, OK, 403, Z("officer", county=OK)),
    ("PATCH", "/api/v1/exhibitions/<int:exhibition_id>"): (LOGIN, 403, 403, OK, 403, Z("supervisor", county=403)),
    ("GET", "/api/v1/answers"): (LOGIN, OK, OK, OK, 403, None),
    ("POST", "/api/v1/answers"): (LOGIN, 403, 403, OK, 403, None),
    ("GET", "/api/v1/answers/<int:answer_id>"): (LOGIN, OK, OK, OK, 403, Z("officer", OK, county=OK, sibling=OK)),
    ("PATCH", "/api/v1/answers/<int:answer_id>"):
        (LOGIN, 403, 403, OK, 403, Z("supervisor", OK, county=OK, sibling=OK)),
    # API: statistics
    ("GET", "/api/v1/stats/monthly/<month>"): (LOGIN, 403, OK, OK, 403, None),
    ("POST", "/api/v1/stats/monthly/<month>/rebuild"): (LOGIN, 403, 403, OK, 403, None),
    ("POST", "/api/v1/stats/monthly/<month>/lock"): (LOGIN, 403, 403, OK, 403, None),
    ("POST", "/api/v1/stats/monthly/<month>/revisions/<int:revision_id>/accept"):
        (LOGIN, 403, 403, OK, 403, Z("supervisor", county=404, sibling=NO_COUNTY_SNAPSHOT)),
    ("POST", "/api/v1/stats/monthly/<month>/revisions/<int:revision_id>/discard"):
        (LOGIN, 403, 403, OK, 403, Z("supervisor", county=404, sibling=NO_COUNTY_SNAPSHOT)),
    ("GET", "/api/v1/tasks/<task_id>"): (LOGIN, 403, OK, OK, 403, Z("officer", county=404, sibling=404)),
    ("GET", "/api/v1/reports/yearly/<year>"): (LOGIN, 403, OK, OK, 403, None),
    ("GET", "/api/v1/reports/yearly/<year>.xlsx"): (LOGIN, 403, OK, OK, 403, None),
    ("GET", "/api/v1/reports/yearly/<year>.docx"): (LOGIN, 403, OK, OK, 403, None),
    ("GET", "/api/v1/reports/yearly/<year>.csv"): (LOGIN, 403, OK, OK, 403, None),
    ("GET", "/api/v1/reports/performance/<period>"): (LOGIN, 403, OK, OK, 403, None),
}

#: Where a rule's argument is not the ``world`` record of the same name.
ARGUMENTS: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/public/decisions/<int:case_id>"): {"case_id": "published"},
    ("GET", "/assists/<int:assist_id>/attachments/<int:attachment_id>"): {"attachment_id": "assist_attachment"},
    ("GET", "/api/v1/assists/<int:assist_id>/attachments/<int:attachment_id>"):
        {"attachment_id": "assist_attachment"},
}

#: JSON bodies for API writes that reach the record check: a stale version (409) changes nothing for the allowed.
STALE = 999
BODIES: dict[tuple[str, str], dict] = {
    ("POST", "/api/v1/calls"): {},
    ("PATCH", "/api/v1/calls/<int:call_id>"): {"summary": "改", "version": STALE},
    ("POST", "/api/v1/calls/<int:call_id>/transfer"): {"to": "430200", "version": STALE},
    ("POST", "/api/v1/calls/<int:call_id>/status"): {"status": "answered", "version": STALE},
    ("POST", "/api/v1/calls/<int:call_id>/feedback"): {"method": "phone", "note": "已答复", "version": STALE},
    ("POST", "/api/v1/calls/<int:call_id>/case"): {"version": STALE},
    ("POST", "/api/v1/transfers/<int:transfer_id>/sign"): {"complex": False, "version": STALE},
    ("POST", "/api/v1/transfers/<int:transfer_id>/pass-down"): {"region_code": "430102", "version": STALE},
    ("POST", "/api/v1/transfers/<int:transfer_id>/return"): {"reason": "不属本地", "version": STALE},
    ("POST", "/api/v1/transfers/<int:transfer_id>/answer"): {"outcome": "handled", "result": "已处理",
                                                             "version": STALE},
    ("POST", "/api/v1/transfers/<int:transfer_id>/callback"): {"reached": True, "satisfaction": "satisfied",
                                                               "version": STALE},
    ("POST", "/api/v1/transfers/<int:transfer_id>/reopen"): {"reason": "不满意", "version": STALE},
    ("POST", "/api/v1/cases"): {},
    ("PATCH", "/api/v1/cases/<int:case_id>"): {"summary": "改", "version": STALE},
    ("POST", "/api/v1/cases/<int:case_id>/actions"): {"action": "reject", "on": "2015-10-08", "reason": "不符合",
                                                      "version": STALE},
    ("POST", "/api/v1/cases/<int:case_id>/events"): {"kind": "note", "occurred_on": "2015-10-08"},
    ("POST", "/api/v1/approvals/<int:approval_id>/decision"): {"decision": "reject"},  # no reason: 422
    ("POST", "/api/v1/approvals/<int:approval_id>/cancel"): {"version": STALE},
    ("POST", "/api/v1/cases/<int:case_id>/supervision"): {"instructions": "督办", "version": STALE,
                                                          "reports": [{"kind": "final", "due_on": "2099-01-05"}]},
    ("POST", "/api/v1/supervisions/<int:supervision_id>/reports"): {"report_id": 1, "text": "进展", "version": STALE},
    ("POST", "/api/v1/supervisions/<int:supervision_id>/close"): {"version": STALE},
    ("POST", "/api/v1/campaigns"): {},
    ("PATCH", "/api/v1/campaigns/<int:campaign_id>"): {"name": "改"},
    ("POST", "/api/v1/exhibitions"): {},
    ("PATCH", "/api/v1/exhibitions/<int:exhibition_id>"): {"venue": "改"},
    ("POST", "/api/v1/answers"): {},
    ("POST", "/api/v1/assists/<int:assist_id>/answer"): {"result": "已查", "version": STALE},
    ("POST", "/api/v1/assists/<int:assist_id>/decline"): {"reason": "不办", "version": STALE},
    ("POST", "/api/v1/cases/<int:case_id>/assists"): {"region_code": "999999", "request": "请协助",
                                                      "due_on": "2099-01-05"},
    ("POST", "/api/v1/cases/<int:case_id>/joint"): {"region_codes": ["999999"]},
    ("PATCH", "/api/v1/answers/<int:answer_id>"): {"basis": "改", "version": STALE},
}

_ARG = re.compile(r"<(?:[^>]*:)?(\w+)>")
ACTORS = ("anonymous", *ROLES)


def url_map_routes(app) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def is_api(rule: str) -> bool:
    return rule.startswith("/api/")


def argument_value(world, name: str, override: str | None = None):
    source = override or name
    values = {
        "call_id": lambda: world.call.id, "case_id": lambda: world.case.id, "published": lambda: world.published.id,
        "attachment_id": lambda: world.attachment.id, "user_id": lambda: world.user.id,
        "token_id": lambda: world.token.id, "review_id": lambda: world.review.id, "task_id": lambda: world.task.id,
        "revision_id": lambda: world.revision.id, "month": lambda: world.month, "year": lambda: 2015,
        "period": lambda: "2015-05",
        "fmt": lambda: "xlsx", "lang": lambda: "en", "name": lambda: "reject", "phone": lambda: world.phone,
        "decision": lambda: "accept", "region_code": lambda: world.region,
        "approval_id": lambda: world.approval.id,
        "supervision_id": lambda: world.supervision.id,
        "report_id": lambda: world.supervision_report_id,
        "transfer_id": lambda: world.transfer.id,
        "notification_id": lambda: world.notification.id,
        "answer_id": lambda: world.answer.id,
        "assist_id": lambda: world.assist.id,
        "assist_attachment": lambda: world.assist_attachment_id,

        "campaign_id": lambda: world.campaign.id,
        "exhibition_id": lambda: world.exhibition.id,
    }
    return values[source]()


def build_url(key: tuple[str, str], world) -> str:
    """The rule's URL with ``world``'s records (长沙's, or the county world's)."""
    overrides = ARGUMENTS.get(key, {})
    return _ARG.sub(lambda m: str(argument_value(world, m.group(1), overrides.get(m.group(1)))), key[1])


def outcome(response, method: str, api: bool):
    """What the answer means: LOGIN, OK, or the refusing status."""
    status = response.status_code
    if api and status == 401:
        return LOGIN
    if not api and status == 302:
        location = urlsplit(response.headers["Location"])
        if location.path == "/login" and "next" in parse_qs(location.query):
            return LOGIN
    if status in (401, 403, 404, 405) or status >= 500:
        return status
    if method == "GET" and status >= 400:
        return status
    return OK


def header_problems(response, user, key) -> list[str]:
    """Every answer: no sniffing, no framing; what a signed-in user gets outside the public pages: not cached."""
    problems = []
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    csp = response.headers.get("Content-Security-Policy", "")
    if "frame-ancestors 'none'" not in csp and response.headers.get("X-Frame-Options") != "DENY":
        problems.append("may be framed")
    if user is not None and not key[1].startswith("/public/") and "no-store" not in response.headers.get(
            "Cache-Control", ""):
        problems.append(f"Cache-Control {response.headers.get('Cache-Control')!r}")
    return problems


def send(client, key, url, token: str | None = None):
    method, rule = key
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if is_api(rule):
        body = BODIES.get(key)
        return client.open(url, method=method, headers=headers, json=body)
    return client.open(url, method=method, headers=headers, data={} if method != "GET" else None)


# ---------------------------------------------------------------------------------------------------------------


def test_every_route_is_classified(app):
    """A route without a row, or a row without a route, fails: new routes must be classified."""
    routes = url_map_routes(app)
    unclassified = sorted(routes - MATRIX.keys())
    stale = sorted(MATRIX.keys() - routes)
    assert not unclassified, f"routes missing from MATRIX: {unclassified}"
    assert not stale, f"MATRIX rows without a route: {stale}"
    assert ARGUMENTS.keys() <= MATRIX.keys() and BODIES.keys() <= MATRIX.keys()
    for key, row in MATRIX.items():
        assert len(row) == 6, key
        takes_a_record = any(name.endswith("_id") or name == "region_code" for name in _ARG.findall(key[1]))
        # a route that reads a record by id is checked against another region's user (public pages excepted)
        assert row[5] is not None or not takes_a_record or row[0] == OK, key
        if row[5] is None:
            continue
        assert takes_a_record, key
        assert row[5].role in ROLES
        # the 株洲 user has a role that 长沙's row allows, so a 404 is the region check, not the role check
        assert row[1 + ROLES.index(row[5].role)] == (403 if row[5].above else OK), key


def test_matrix_is_consistent_with_the_api_declarations():
    """The API's own role declarations (used for its OpenAPI document) agree with the table."""
    from hotline.api import bp
    from hotline.api.registry import ENDPOINTS

    assert ENDPOINTS
    for ep in ENDPOINTS:
        rule = bp.url_prefix + ep.rule
        row = MATRIX[(ep.method, rule)]
        assert (row[0] == OK) == (not ep.auth), rule
        if ep.service_only:
            # The table's users are people: every one is refused (tests/cti checks the service accounts).
            assert all(expected == 403 for expected in row[1:5]), rule
            continue
        for role, expected in zip(ROLES, row[1:5], strict=True):
            allowed = ep.roles is None or role in ep.roles
            if row[5] is not None and row[5].above and role == row[5].role:
                continue  # allowed by role, refused to 长沙's user: only an office above may
            # allowed by role, the row may still say 404 (only its owner or an admin may touch a record)
            assert (expected != 403) == allowed, (rule, role)


def section(rule: str) -> str:
    """Rows are checked in sections sharing one set of records and logged-in clients (``/calls``, ``/api/v1/cases``)."""
    parts = rule.split("/")
    return "/".join(parts[:4]) if is_api(rule) else "/" + parts[1]


SECTIONS = sorted({section(rule) for _, rule in MATRIX})


class Clients:
    """One logged-in web client and one API token per user, made on first use."""

    def __init__(self, app):
        self.app = app
        self.web: dict[int, object] = {}
        self.tokens: dict[int, str] = {}

    def send(self, key, url, user):
        if user is None:
            return send(self.app.test_client(), key, url)
        if is_api(key[1]):
            if user.id not in self.tokens:
                self.tokens[user.id] = issue_raw_token(self.app, user)
            return send(self.app.test_client(), key, url, token=self.tokens[user.id])
        if user.id not in self.web:
            self.web[user.id] = login_client(self.app, user)
        return send(self.web[user.id], key, url)


@pytest.mark.parametrize("name", SECTIONS)
def test_access(app, staff, world, county_world, name):
    """Every row of the section, every actor: refusals are all checked first (on untouched records), then the
    allowed requests, logout last."""
    checks = []
    for key in sorted(k for k in MATRIX if section(k[1]) == name):
        row = MATRIX[key]
        url = build_url(key, world)
        for actor, expected in zip(ACTORS, row[:5], strict=True):
            checks.append((key, url, actor, None if actor == "anonymous" else staff.get(actor), expected))
        if row[5] is not None:
            checks.append((key, url, f"株洲 {row[5].role}", staff.other[row[5].role], row[5].expect))
            if row[5].above:
                checks.append((key, url, f"省 {row[5].role}", staff.get(row[5].role, "430000", "prov"), OK))
            role = row[5].role
            if row[5].county is not None:
                checks.append((key, url, f"芙蓉区 {role}", staff.county[role], row[5].county))
            if row[5].sibling is not None:
                county_url = build_url(key, county_world)
                checks.append((key, county_url, f"天心区 {role} on 芙蓉区's", staff.sibling[role], row[5].sibling))
                # 芙蓉区's own user on 芙蓉区's record: what 长沙's user gets on 长沙's.
                own = row[5].county_own if row[5].county_own is not None else row[1 + ROLES.index(role)]
                checks.append((key, county_url, f"芙蓉区 {role} on its own", staff.county[role], own))
    checks.sort(key=lambda check: (check[4] == OK, check[0][1] == "/logout"))
    clients = Clients(app)
    wrong = []
    for key, url, actor, user, expected in checks:
        response = clients.send(key, url, user)
        actual = outcome(response, key[0], is_api(key[1]))
        if actual != expected:
            wrong.append(f"{key[0]} {url} as {actor}: expected {expected}, got {actual} ({response.status_code})")
        elif actor.startswith(("株洲", "天心区")) and CALLER_NAME in response.get_data(as_text=True):
            wrong.append(f"{key[0]} {url} as {actor}: the answer names 长沙's caller")
        wrong += [f"{key[0]} {url} as {actor}: {problem}" for problem in header_problems(response, user, key)]
        response.close()
    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------------------------------------------------------
# Tokens: revoked, deactivated, malformed; a web session is no API credential.


def _api_keys() -> list[tuple[str, str]]:
    return sorted(key for key in MATRIX if is_api(key[1]) and MATRIX[key][0] != OK)


_CONVERTER = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


def _placeholder_url(rule: str) -> str:
    """A URL the rule matches, with made-up values (for checks that answer before any record is read)."""
    values = {"month": "2015-05", "year": "2015", "period": "2015-05", "phone": "13812345678", "fmt": "xlsx",
              "lang": "en"}

    def value(match):
        converter, options, name = match.groups()
        if converter == "uuid":
            return "00000000-0000-4000-8000-000000000000"
        if converter == "any":
            return options.split(",")[0].strip()
        return values.get(name, "1")

    return _CONVERTER.sub(value, rule)


def test_revoked_and_deactivated_tokens_are_refused_on_every_api_route(app, client, staff, make_token):
    from hotline.accounts.models import ApiToken, User
    from hotline.accounts.operations import revoke_token, update_user

    admins = staff.admin, staff.other["admin"]
    revoked = make_token(staff.supervisor, "revoked")
    deactivated = make_token(staff.other["supervisor"], "owner deactivated")
    live = make_token(staff.officer, "live")
    with app.app_context():
        token = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == staff.supervisor.id))
        revoke_token(token, actor=db.session.get(User, admins[0].id))
        update_user(db.session.get(User, staff.other["supervisor"].id), {"is_active": False},
                    actor=db.session.get(User, admins[1].id))
        db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {live}"}).status_code == 200
    credentials = {
        "revoked": f"Bearer {revoked}", "deactivated": f"Bearer {deactivated}", "garbage": "Bearer hl_not-a-token",
        "no prefix": "Bearer " + live.removeprefix("hl_"), "basic": f"Basic {live}", "empty": "Bearer ",
        "token without scheme": live,
    }
    refused = {}
    for key in _api_keys():
        method, rule = key
        for name, header in credentials.items():
            response = client.open(_placeholder_url(rule), method=method, headers={"Authorization": header},
                                   json=BODIES.get(key))
            if response.status_code != 401 or "Bearer" not in response.headers.get("WWW-Authenticate", ""):
                refused[(method, rule, name)] = response.status_code
    assert not refused


def test_a_web_session_does_not_authenticate_the_api(app, staff):
    """The API is exempt from CSRF, so it must never accept the session cookie."""
    web = login_client(app, staff.supervisor)
    assert web.get("/stats/monthly").status_code == 200
    answered = {}
    for method, rule in _api_keys():
        response = web.open(_placeholder_url(rule), method=method, json=BODIES.get((method, rule)))
        if response.status_code != 401:
            answered[(method, rule)] = response.status_code
    assert not answered


def test_another_regions_caller_history_is_empty(app, staff, world):
    """The number history is scoped: a 株洲 officer learns nothing about 长沙's caller."""
    call = world.call
    here = app.test_client()
    token = issue_raw_token(app, staff.officer)
    url = f"/api/v1/callers/{world.phone}/history"
    own = here.get(url, headers={"Authorization": f"Bearer {token}"}).get_json()
    assert own["total"] == 1 and own["calls"][0]["ref"] == call.ref
    theirs = here.get(url, headers={"Authorization": f"Bearer {issue_raw_token(app, staff.other['officer'])}"})
    assert theirs.status_code == 200
    assert theirs.get_json()["total"] == 0 and theirs.get_json()["calls"] == []
    assert world.call.ref not in theirs.get_data(as_text=True)
    web = login_client(app, staff.other["operator"])
    lookup = web.get(f"/calls/lookup?phone={world.phone}").get_json()
    assert lookup["history"] == {"total": 0, "calls": []}
    assert CALLER_NAME not in str(lookup) and world.call.ref not in str(lookup)


def test_no_answer_tells_whether_another_regions_record_exists(app, staff, world):
    """API writes parse the body before loading the record; a 株洲 user sending an empty or invalid body gets the
    same answer for 长沙's record as for an id that does not exist (no existence oracle), and never its data."""
    differs, checked = [], 0
    for key in sorted(MATRIX):
        method, rule = key
        row = MATRIX[key]
        if not is_api(rule) or method == "GET" or row[5] is None:
            continue
        checked += 1
        token = {"Authorization": f"Bearer {issue_raw_token(app, staff.other[row[5].role])}"}
        real = build_url(key, world)
        missing = _ARG.sub(lambda m: "999999" if m.group(1).endswith("_id") else str(argument_value(world, m.group(1))),
                           rule)
        for body in (None, {}, {"version": "x"}):
            answers = [app.test_client().open(url, method=method, headers=token, json=body) for url in (real, missing)]
            seen = [(a.status_code, a.get_json()) for a in answers]
            if seen[0] != seen[1] or seen[0][0] not in (404, 422) or CALLER_NAME in answers[0].get_data(as_text=True):
                differs.append(f"{method} {rule} body={body!r}: {seen[0][0]} vs {seen[1][0]}")
    assert checked >= 10
    assert not differs, "\n".join(differs)
