"""Public pages (no login): the published penalty decisions, redacted (domain-reference.md §4.1).

Only what the 2014 意见 lists is shown: 决定书文号, the party (a person's name masked), the main facts, the kind of
penalty and its basis, how and by when to comply, the office and the date. Every free text passes through
:func:`hotline.public.redact.redact`; templates auto-escape everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import abort, current_app, render_template, request
from sqlalchemy import Select, select

from hotline.cases.models import Case, published_decision
from hotline.core.clock import local_today
from hotline.core.permissions import mask_name
from hotline.extensions import db
from hotline.public import bp
from hotline.public.redact import mask_in_text, redact
from hotline.reference.queries import authority_name

PAGE_SIZE = 20
MAX_ID = 2**63 - 1
#: Shared caches may keep a page for five minutes: a publication shows up within that.
CACHE_CONTROL = "public, max-age=300"


@dataclass(frozen=True)
class PublicDecision:
    """A penalty decision as the public sees it: redacted text only, no internal fields."""

    case_id: int
    decision_number: str
    respondent: str
    respondent_is_person: bool
    #: 法定代表人 of an organization (the 2014 意见 publishes it with the name); None for a person.
    legal_rep: str | None
    facts: str | None
    fine_amount: Decimal | None
    confiscated_amount: Decimal | None
    basis: str | None
    terms: str | None
    office: str
    decided_on: date
    published_on: date


def _published() -> Select:
    """Penalty decisions that have been published (and not with a date still to come), and not withdrawn."""
    return select(Case).where(published_decision(), Case.published_on <= local_today())


def to_public(case: Case) -> PublicDecision:
    """The public view of ``case``: a person's name masked (also inside the texts), numbers redacted."""
    is_person = case.respondent_kind == "person"
    name = (case.respondent_name or "").strip()
    if is_person:
        respondent = mask_name(name) or ""

        def clean(text: str | None) -> str | None:
            return redact(mask_in_text(text, name, respondent))
    else:
        respondent = redact(name) or ""
        clean = redact
    return PublicDecision(
        case_id=case.id,
        decision_number=case.display_number,
        respondent=respondent,
        respondent_is_person=is_person,
        legal_rep=None if is_person else redact(case.respondent_legal_rep) or None,
        facts=clean(case.violation_facts),
        fine_amount=case.fine_amount,
        confiscated_amount=case.confiscated_amount,
        basis=clean(case.penalty_basis),
        terms=clean(case.penalty_terms),
        office=authority_name(case.region_code),
        decided_on=case.closed_on,
        published_on=case.published_on,
    )


def yuan(amount: Decimal | None) -> str:
    """``Decimal("12500")`` → ``¥12,500.00``."""
    return "" if amount is None else f"¥{amount:,.2f}"


def _cacheable(response):
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


@bp.context_processor
def _helpers():
    return {"yuan": yuan}


@bp.route("/decisions")
def decisions():
    """All published penalty decisions, newest publication first, paginated."""
    page = request.args.get("page", 1, type=int)
    if page < 1 or page > 100_000:
        abort(404)
    stmt = _published().order_by(Case.published_on.desc(), Case.id.desc())
    pagination = db.paginate(stmt, page=page, per_page=PAGE_SIZE, max_per_page=PAGE_SIZE, error_out=False)
    if page > 1 and not pagination.items:
        abort(404)
    items = [to_public(case) for case in pagination.items]
    response = current_app.make_response(render_template("public/decisions.html", decisions=items,
                                                         pagination=pagination))
    return _cacheable(response)


@bp.route("/decisions/<int:case_id>")
def decision(case_id: int):
    """One published decision; 404 for anything that is not a published penalty decision."""
    if not 0 < case_id <= MAX_ID:
        abort(404)
    case = db.session.scalar(_published().where(Case.id == case_id))
    if case is None:
        abort(404)
    response = current_app.make_response(render_template("public/decision.html", decision=to_public(case)))
    return _cacheable(response)
