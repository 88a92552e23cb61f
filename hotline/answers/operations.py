"""State changes on standard answers: create, edit (a new version), retire and reactivate. Each validates, flushes
and writes its audit event; the caller commits."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func

from hotline.answers.models import VERSIONED_FIELDS, AnswerCategory, AnswerStatus, StandardAnswer, StandardAnswerVersion
from hotline.core.audit import apply_changes, record_event
from hotline.core.clock import local_date
from hotline.core.errors import StaleVersion, StateError, ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.text import bigram_tokens, clean_text
from hotline.core.types import utcnow
from hotline.extensions import db

_LIMITS = {"question": 300, "answer": 5000, "basis": 500}


def normalize_answer(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Validate and clean ``question``, ``answer``, ``category``, ``basis`` and ``reviewed_on``; every field error
    at once (ValidationFailed)."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for field in ("question", "answer", "basis"):
        if partial and field not in data:
            continue
        value = data.get(field)
        if value is not None and not isinstance(value, str):
            errors[field] = [_("Must be text.")]
            continue
        value = clean_text(value, multiline=field == "answer")
        if not value:
            errors[field] = [_("Required.")]
        elif len(value) > _LIMITS[field]:
            errors[field] = [_("At most %(limit)d characters.", limit=_LIMITS[field])]
        else:
            out[field] = value
    if not partial or "category" in data:
        category = data.get("category")
        if category not in {c.value for c in AnswerCategory}:
            errors["category"] = [_("One of: %(choices)s.", choices=", ".join(c.value for c in AnswerCategory))]
        else:
            out["category"] = category
    if "reviewed_on" in data and data["reviewed_on"] is not None:
        reviewed_on = data["reviewed_on"]
        if not isinstance(reviewed_on, date):
            errors["reviewed_on"] = [_("A date (YYYY-MM-DD).")]
        elif reviewed_on > local_date(utcnow()):
            errors["reviewed_on"] = [_("Cannot be in the future.")]
        else:
            out["reviewed_on"] = reviewed_on
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), errors)
    return out


def _search_document(answer: StandardAnswer):
    tokens = bigram_tokens(answer.question, answer.answer, answer.basis)
    if db.engine.dialect.name == "postgresql":
        return func.to_tsvector("simple", tokens)
    return tokens


def _snapshot(answer: StandardAnswer, actor) -> StandardAnswerVersion:
    version = StandardAnswerVersion(
        answer_id=answer.id, version=answer.version, created_by_id=getattr(actor, "id", None),
        **{field: getattr(answer, field) for field in VERSIONED_FIELDS})
    db.session.add(version)
    return version


def create_answer(data: dict[str, Any], *, actor, seed_key: str | None = None) -> StandardAnswer:
    """A new standard answer, version 1 (reviewed today unless ``reviewed_on`` says otherwise)."""
    values = normalize_answer(data, partial=False)
    values.setdefault("reviewed_on", local_date(utcnow()))
    answer = StandardAnswer(version=1, status=AnswerStatus.active.value, seed_key=seed_key, **values)
    db.session.add(answer)
    db.session.flush()
    answer.search_vector = _search_document(answer)
    _snapshot(answer, actor)
    db.session.flush()
    record_event(answer, "create", actor, {f: (None, values[f]) for f in ("question", "category", "basis")},
                 region_code=getattr(actor, "region_code", None))
    return answer


def check_version(answer: StandardAnswer, expected: int | None) -> None:
    if expected is not None and int(expected) != answer.version:
        raise StaleVersion(_("This answer was changed by someone else (now version %(version)s).",
                             version=answer.version), current=answer)


def update_answer(answer: StandardAnswer, data: dict[str, Any], *, actor,
                  expected_version: int | None = None) -> dict[str, tuple[Any, Any]]:
    """Edit the text, category, basis or review date: a new version when anything changed (the old one stays, as
    calls gave it). A retired answer is reactivated with ``status: active`` only."""
    check_version(answer, expected_version)
    values = normalize_answer(data, partial=True)
    if "reviewed_on" not in values and {"question", "answer", "basis"} & values.keys():
        values["reviewed_on"] = local_date(utcnow())  # rewording an answer is reviewing it
    if not answer.is_active and values:
        raise StateError(_("A retired answer cannot be edited; reactivate it first."))
    changes = apply_changes(answer, values, VERSIONED_FIELDS)
    if not changes:
        return {}
    answer.version += 1
    answer.search_vector = _search_document(answer)
    db.session.flush()
    _snapshot(answer, actor)
    db.session.flush()
    audited = {k: v for k, v in changes.items() if k != "answer"}
    if "answer" in changes:
        # Lengths only: the texts are in the versions.
        audited["answer"] = (len(changes["answer"][0]), len(changes["answer"][1]))
    audited["version"] = (answer.version - 1, answer.version)
    record_event(answer, "update", actor, audited, region_code=getattr(actor, "region_code", None))
    return changes


def set_answer_status(answer: StandardAnswer, status: str, *, actor) -> None:
    """Retire an answer (no longer suggested; calls that gave it keep their version) or reactivate it."""
    if status not in {s.value for s in AnswerStatus}:
        raise ValidationFailed(_("Invalid status."), {"status": [_("One of: %(choices)s.", choices="active, retired")]})
    if answer.status == status:
        raise StateError(_("The answer is already %(status)s.", status=status_word(status)))
    old = answer.status
    answer.status = status
    db.session.flush()
    record_event(answer, "retire" if status == AnswerStatus.retired.value else "reactivate", actor,
                 {"status": (old, status)}, region_code=getattr(actor, "region_code", None))


def status_word(status: str) -> str:
    return {AnswerStatus.active.value: _("active"), AnswerStatus.retired.value: _("retired")}.get(status, status)
