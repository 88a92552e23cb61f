"""API v1: standard answers (知识库, api.md "The hotline desk"): search, create, edit (a new version), retire."""

from __future__ import annotations

from datetime import date

from flask import jsonify, url_for
from pydantic import Field

from hotline.answers import operations, queries
from hotline.answers.models import AnswerCategory, AnswerStatus, StandardAnswer
from hotline.api.queries import expected_version
from hotline.api.registry import api_route
from hotline.api.schemas import Body, Out, Query, Text, Version
from hotline.core.errors import StaleVersion, ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.permissions import CALL_READ_ROLES, Role
from hotline.extensions import db

CATEGORIES = tuple(c.value for c in AnswerCategory)
STATUSES = tuple(s.value for s in AnswerStatus)
KEEPER_ROLES = (Role.supervisor,)


class AnswerListQuery(Query):
    q: str | None = Field(None, max_length=200, description="Words of the question or answer (Chinese works); "
                                                            "best matches first.")
    category: str | None = Field(None, description=f"One of: {', '.join(CATEGORIES)}.")
    status: str | None = Field("active", description="active (default), retired or all.")
    limit: int = Field(20, ge=1, le=200)


class AnswerCreate(Body):
    question: Text = Field(description="At most 300 characters.")
    answer: Text = Field(description="At most 5000 characters.")
    category: Text = Field(description=f"One of: {', '.join(CATEGORIES)}.")
    basis: Text = Field(description="The rule or law the answer cites (at most 500 characters).")
    reviewed_on: date | None = Field(None, description="Last reviewed (default: today, Beijing).")


class AnswerPatch(Body):
    """Only the fields sent change; an edit makes a new version. ``status`` retires or reactivates."""

    question: Text | None = None
    answer: Text | None = None
    category: Text | None = None
    basis: Text | None = None
    reviewed_on: date | None = None
    status: Text | None = Field(None, description="active or retired.")
    version: Version | None = Field(None, description="The answer's version you edited (optional).")


class AnswerOut(Out):
    id: int
    version: int
    status: str
    category: str
    question: str
    answer: str
    basis: str
    reviewed_on: date
    url: str


class AnswerListOut(Out):
    items: list[AnswerOut]


def answer_json(answer: StandardAnswer) -> dict:
    return {"id": answer.id, "version": answer.version, "status": answer.status, "category": answer.category,
            "question": answer.question, "answer": answer.answer, "basis": answer.basis,
            "reviewed_on": answer.reviewed_on.isoformat(), "url": url_for("answers.detail", answer_id=answer.id)}


def _response(answer: StandardAnswer, status: int = 200):
    response = jsonify(answer_json(answer))
    response.status_code = status
    response.headers["ETag"] = f'"{answer.version}"'
    return response


@api_route("/answers", "GET", summary="Search the standard answers", tag="answers", roles=CALL_READ_ROLES,
           query=AnswerListQuery, responses={200: AnswerListOut})
def list_answers(user, query: AnswerListQuery):
    """With ``q``: the answers sharing the most words with it (Chinese bigrams), best first; without: by category
    and question."""
    errors = {}
    if query.category and query.category not in CATEGORIES:
        errors["category"] = [_("One of: %(choices)s.", choices=", ".join(CATEGORIES))]
    if query.status not in (*STATUSES, "all", None):
        errors["status"] = [_("One of: %(choices)s.", choices="active, retired, all")]
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), errors)
    status = None if query.status == "all" else query.status
    rows = queries.list_answers(q=query.q, category=query.category, status=status, limit=query.limit)
    return jsonify({"items": [answer_json(a) for a in rows]})


@api_route("/answers/<int:answer_id>", "GET", summary="Read a standard answer", tag="answers",
           roles=CALL_READ_ROLES, errors=[404], responses={200: AnswerOut})
def get_answer(user, answer_id: int):
    return _response(queries.get_answer_or_404(answer_id))


@api_route("/answers", "POST", summary="Write a standard answer", tag="answers", roles=KEEPER_ROLES,
           body=AnswerCreate, responses={201: AnswerOut})
def create_answer(user, body: AnswerCreate):
    """Supervisors keep the knowledge base; the new answer is version 1."""
    answer = operations.create_answer(body.model_dump(exclude_unset=True), actor=user)
    db.session.flush()
    response = _response(answer, 201)
    response.headers["Location"] = url_for("api.get_answer", answer_id=answer.id)
    return response


@api_route("/answers/<int:answer_id>", "PATCH", summary="Edit or retire a standard answer", tag="answers",
           roles=KEEPER_ROLES, body=AnswerPatch, errors=[404, 409],
           headers={"If-Match": "The answer's version (optional)."}, responses={200: AnswerOut})
def patch_answer(user, answer_id: int, body: AnswerPatch):
    """A changed text, category, basis or review date makes a new version (calls keep the version they gave);
    ``status: retired`` stops suggesting it, ``active`` brings it back. 409 on a stale version, on editing a
    retired answer, or on a status it already has."""
    data = body.model_dump(exclude_unset=True)
    if not data.keys() - {"version"}:  # checked before the record is loaded, like every body check
        raise ValidationFailed(_("Nothing to change."), {"question": [_("Send at least one field to change.")]})
    answer = queries.get_answer_or_404(answer_id)
    status = data.pop("status", None)
    try:
        operations.check_version(answer, expected_version(data.pop("version", None)))
    except StaleVersion as exc:
        return jsonify({"error": "Conflict", "message": exc.message, "current": answer_json(answer)}), 409
    if status == AnswerStatus.active.value and (not answer.is_active or not data):
        operations.set_answer_status(answer, status, actor=user)  # reactivate (409 when already active)
    if data:
        operations.update_answer(answer, data, actor=user)
    if status is not None and status != AnswerStatus.active.value:
        operations.set_answer_status(answer, status, actor=user)  # retire (422 for an unknown status)
    db.session.flush()
    return _response(answer)
