"""API v1: find anything by its number (api.md "The hotline desk")."""

from __future__ import annotations

from flask import jsonify
from pydantic import Field

from hotline.api import logger
from hotline.api.registry import api_route
from hotline.api.schemas import Out, Query
from hotline.api.serializers import call_summary_json, caller_fields
from hotline.calls.operations import TooManyLookups
from hotline.core.permissions import CALL_READ_ROLES
from hotline.search.operations import search


class SearchQuery(Query):
    q: str = Field("", max_length=100, description=(
        "A phone number (roles that see numbers; for officers and supervisors an audited, rate-limited look-up), a "
        "call reference (HL-…), a case number (as printed, e.g. …〔2015〕第12号, any brackets, or its end) or a "
        "patent number as printed (ZL201510001234.5, with or without ZL and the dot)."))


class SearchOut(Out):
    q: str
    kinds: list[str] = Field(description="What the text was read as: ref, phone, case_number, patent.")
    calls: list[dict] = Field(description="Calls in your region(s), newest first (at most 20); the caller masked "
                                          "as everywhere for your role.")
    cases: list[dict] = Field(description="Cases in your region(s), newest first (at most 20).")


@api_route("/search", "GET", summary="Find calls and cases by their number", roles=CALL_READ_ROLES,
           query=SearchQuery, errors=[429], responses={200: SearchOut})
def search_numbers(user, query: SearchQuery):
    """The top bar's search box. Region-scoped: another region's records never appear."""
    try:
        result = search(user, query.q)
    except TooManyLookups as exc:
        logger.warning("number look-ups of user %s throttled (search)", user.id)
        response = jsonify({"error": "Too Many Requests", "message": exc.message})
        response.headers["Retry-After"] = str(exc.retry_after)
        return response, 429  # committed by @api_route: the refusal's audit row
    return jsonify({
        "q": result.q, "kinds": result.kinds,
        "calls": [{**call_summary_json(c), **caller_fields(c, user), "patent_number": c.patent_number}
                  for c in result.calls],
        "cases": [{"id": c.id, "case_number": c.case_number, "status": c.status, "region_code": c.region_code,
                   "received_on": c.received_on.isoformat() if c.received_on else None,
                   "patent_number": c.patent_number, "summary": c.summary} for c in result.cases],
    })
