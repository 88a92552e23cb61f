"""Case-file review (案卷评查): draw a random sample of closed cases, pre-score it from the case data, score it.

Operations validate, mutate, flush and audit; the caller commits. The actor is always a supervisor of the region
(a province supervisor may sample any region, or all of them).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, or_, select

from hotline.cases.models import Case, CaseEvent, CaseExtension, CaseStatus, EventKind, case_officers
from hotline.cases.queries import deadlines_of
from hotline.core.audit import record_event
from hotline.core.clock import local_today
from hotline.core.errors import NotAllowed, ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.permissions import Role, province_code, region_subtree, sees_region
from hotline.core.text import clean_text
from hotline.core.types import utcnow
from hotline.deadlines.engine import Deadline
from hotline.extensions import db
from hotline.reference import queries as ref
from hotline.review.models import CaseReview, CaseReviewScore, ReviewItem

MAX_SAMPLE_SIZE = 500
MAX_LABEL_LENGTH = 100
MAX_NOTE_LENGTH = 1000
FULL_SCORE = Decimal("100")
#: Grades of domain-reference.md §4.2 (data: stored on the review and printed in reports as they are).
GRADE_EXCELLENT, GRADE_PASS, GRADE_FAIL = "优秀", "合格", "不合格"
NOT_APPLICABLE = "不适用"
REVIEW_ROLES = frozenset({Role.supervisor})


@dataclass(frozen=True)
class Verdict:
    """What an automatic check found: ``passed`` None when it cannot tell (the reviewer judges)."""

    passed: bool | None
    note: str


@dataclass
class CaseFacts:
    """What the automatic checks read, loaded once per case."""

    case: Case
    event_kinds: set[str]
    deadlines: list[Deadline]
    deadline_error: str | None


def _require_reviewer(actor, region_code: str) -> None:
    if actor is None or actor.role not in REVIEW_ROLES:
        raise NotAllowed(_("Only supervisors review case files."))
    if not sees_region(actor, region_code):
        raise NotAllowed(_("You can only review case files of your own region."))


# Independence ------------------------------------------------------------------------------------------------

def _approver_columns() -> list:
    """Every approval recorded on the case row (closing, publication, withdrawal … and any added later)."""
    return [column for column in Case.__table__.c if column.name.endswith("_approved_by_id")]


def involvements(user, case_ids) -> dict[int, str]:
    """``{case_id: why}`` for the cases among ``case_ids`` that ``user`` worked on or approved, whose files they may
    therefore not score: one of its officers, who opened it, who approved a step of it (closing, publication,
    withdrawal) or an extension. One query, for a checklist page as for a sample's list."""
    ids = {i for i in case_ids if i is not None}
    if user is None or not ids:
        return {}
    officer = exists().where(case_officers.c.case_id == Case.id, case_officers.c.user_id == user.id)
    extension = exists().where(CaseExtension.case_id == Case.id, CaseExtension.approved_by_id == user.id)
    approved = or_(extension, *(column == user.id for column in _approver_columns()))
    opened = Case.created_by_id == user.id
    rows = db.session.execute(select(Case.id, officer, opened, approved)
                              .where(Case.id.in_(ids), or_(officer, opened, approved)))
    reasons = {}
    for case_id, was_officer, was_opener, was_approver in rows:
        if was_officer:
            reasons[case_id] = _("You are one of this case's officers: another supervisor scores its file.")
        elif was_opener:
            reasons[case_id] = _("You opened this case: another supervisor scores its file.")
        elif was_approver:
            reasons[case_id] = _("You approved a step of this case: another supervisor scores its file.")
    return reasons


def scoring_conflict(review: CaseReview, user) -> str | None:
    """Why ``user`` may not score ``review`` (a review is independent of the casework), or None."""
    return involvements(user, [review.case_id]).get(review.case_id)


# Automatic checks --------------------------------------------------------------------------------------------

def _deadline(facts: CaseFacts, kind: str) -> Deadline | None:
    return next((d for d in facts.deadlines if d.kind == kind), None)


def _deadline_verdict(facts: CaseFacts, kind: str, name: str) -> Verdict:
    if facts.deadline_error:
        return Verdict(None, f"无法计算{name}期限: {facts.deadline_error}")
    found = _deadline(facts, kind)
    if found is None or found.due_on is None:
        return Verdict(None, f"无{name}期限规则, 请人工判断")
    adjustments = f" ({'; '.join(found.notes)})" if found.notes else ""
    if found.met_on is None:
        return Verdict(False, f"{name}期限 {found.due_on.isoformat()}{adjustments}, 未{name}")
    return Verdict(found.met_on <= found.due_on,
                   f"{name}期限 {found.due_on.isoformat()}{adjustments}, 实际 {found.met_on.isoformat()}")


def check_officer_count(facts: CaseFacts) -> Verdict:
    count = len(facts.case.officers)
    if facts.case.is_dispute:
        return Verdict(count >= 3 and count % 2 == 1, f"执法人员 {count} 人 (纠纷案件须3人以上单数)")
    return Verdict(count >= 2, f"执法人员 {count} 人 (假冒专利案件须2人以上)")


def check_file_on_time(facts: CaseFacts) -> Verdict:
    return _deadline_verdict(facts, "file", "立案")


def check_close_on_time(facts: CaseFacts) -> Verdict:
    return _deadline_verdict(facts, "close", "结案")


def check_served_recorded(facts: CaseFacts) -> Verdict:
    found = facts.event_kinds & {EventKind.served.value, EventKind.penalty_served.value}
    return Verdict(bool(found), "有送达记录" if found else "无送达记录")


def check_decision_recorded(facts: CaseFacts) -> Verdict:
    if EventKind.decision.value in facts.event_kinds:
        return Verdict(True, "有决定记录")
    if facts.case.outcome in ("mediated", "withdrawn"):
        # A mediation agreement or a withdrawal ends the case without a decision document.
        return Verdict(True, f"以{'调解' if facts.case.outcome == 'mediated' else '撤回'}结案, 无需决定书")
    return Verdict(False, "无处理或处罚决定记录")


def check_published_on_time(facts: CaseFacts) -> Verdict:
    case = facts.case
    if case.case_type != "counterfeit" or case.outcome != "penalized":
        return Verdict(True, NOT_APPLICABLE)
    if case.published_on is None:
        due = _deadline(facts, "publish")
        return Verdict(False, f"处罚决定未公开 (期限 {due.due_on.isoformat()})" if due and due.due_on
                       else "处罚决定未公开")
    return _deadline_verdict(facts, "publish", "公开")


#: ``ReviewItem.auto_check`` → the check that scores it.
AUTO_CHECKS: dict[str, Callable[[CaseFacts], Verdict]] = {
    "officer_count": check_officer_count,
    "file_on_time": check_file_on_time,
    "close_on_time": check_close_on_time,
    "served_recorded": check_served_recorded,
    "decision_recorded": check_decision_recorded,
    "published_on_time": check_published_on_time,
}


def load_facts(cases: list[Case]) -> dict[int, CaseFacts]:
    """Events (one query for all cases) and deadlines of each case."""
    kinds: dict[int, set[str]] = {c.id: set() for c in cases}
    if cases:
        rows = db.session.execute(select(CaseEvent.case_id, CaseEvent.kind)
                                  .where(CaseEvent.case_id.in_(list(kinds))).distinct())
        for case_id, kind in rows:
            kinds[case_id].add(kind)
    facts = {}
    for case in cases:
        deadlines, error = deadlines_of(case)
        facts[case.id] = CaseFacts(case=case, event_kinds=kinds[case.id], deadlines=deadlines, deadline_error=error)
    return facts


def auto_verdict(item: ReviewItem, facts: CaseFacts) -> Verdict | None:
    """The automatic finding for ``item``, or None when a reviewer judges it."""
    check = AUTO_CHECKS.get(item.auto_check or "")
    return check(facts) if check else None


def item_applies(item: ReviewItem, case: Case) -> bool:
    if item.applies_to == "all":
        return True
    if item.applies_to == "dispute":
        return case.is_dispute
    return item.applies_to == case.case_type


def active_items() -> list[ReviewItem]:
    return list(db.session.scalars(select(ReviewItem).where(ReviewItem.is_active.is_(True))
                                   .order_by(ReviewItem.sort_order, ReviewItem.id)))


# Sampling ----------------------------------------------------------------------------------------------------

def _validate_sample(region_code: Any, year: Any, size: Any, label: Any) -> str:
    errors: dict[str, list[str]] = {}
    if region_code != province_code() and region_code not in ref.region_map():
        errors["region_code"] = [_("Unknown region.")]
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= local_today().year:
        errors["year"] = [_("A year from 2000 to %(last)d.", last=local_today().year)]
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_SAMPLE_SIZE:
        errors["size"] = [_("From 1 to %(limit)d case files.", limit=MAX_SAMPLE_SIZE)]
    cleaned = clean_text(label) if isinstance(label, str) else None
    if not cleaned:
        errors["label"] = [_("Name the sample (e.g. “2015 年度评查”).")]
    elif len(cleaned) > MAX_LABEL_LENGTH:
        errors["label"] = [_("At most %(limit)d characters.", limit=MAX_LABEL_LENGTH)]
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), errors)
    return cleaned


def sample_candidates(*, region_code: str, year: int, label: str) -> list[int]:
    """Ids of the closed cases of ``year`` (closing date) in the region that the sample does not hold yet."""
    already = select(CaseReview.case_id).where(CaseReview.sample_label == label)
    stmt = select(Case.id).where(
        Case.status == CaseStatus.closed.value,
        Case.closed_on >= date(year, 1, 1),
        Case.closed_on <= date(year, 12, 31),
        Case.id.not_in(already),
    )
    if region_code != province_code():
        stmt = stmt.where(Case.region_code.in_(region_subtree(region_code)))  # a 市州's sample takes its counties'
    # A fixed order, so that a seeded draw over the same candidates picks the same files.
    return list(db.session.scalars(stmt.order_by(Case.id)))


def draw_sample(*, region_code: str, year: int, size: int, label: str, actor,
                rng_seed: int | None = None) -> list[CaseReview]:
    """Draw ``size`` closed case files of ``year`` uniformly at random and open a review for each.

    Each review gets one score row per active checklist item that applies to the case type; automatic items are
    pre-scored from the case data. A case is never drawn twice into the same sample (``label``).

    :param region_code: a 市州 code, or ``430000`` for all regions (province supervisors only).
    :param rng_seed: makes the draw reproducible (tests, or a sample drawn in front of witnesses); without it the
        operating system's randomness is used.
    :returns: the new reviews (fewer than ``size`` when fewer cases are left; none when none are).
    :raises NotAllowed: the actor is not a supervisor of that region.
    :raises ValidationFailed: bad year, size or label.
    """
    _require_reviewer(actor, region_code)
    label = _validate_sample(region_code, year, size, label)
    candidates = sample_candidates(region_code=region_code, year=year, label=label)
    rng = random.Random(rng_seed) if rng_seed is not None else random.SystemRandom()
    chosen = sorted(rng.sample(candidates, min(size, len(candidates))))
    if not chosen:
        return []
    cases = list(db.session.scalars(select(Case).where(Case.id.in_(chosen)).order_by(Case.id)))
    facts = load_facts(cases)
    items = active_items()
    reviews = []
    for case in cases:
        review = CaseReview(case_id=case.id, sample_label=label, region_code=case.region_code, status="pending",
                            drawn_by_id=actor.id, drawn_at=utcnow())
        for item in items:
            if not item_applies(item, case):
                continue
            verdict = auto_verdict(item, facts[case.id])
            review.scores.append(CaseReviewScore(
                item=item,
                passed=verdict.passed if verdict else None,
                automatic=verdict is not None and verdict.passed is not None,
                note=verdict.note[:MAX_NOTE_LENGTH] if verdict else None,
            ))
        db.session.add(review)
        reviews.append(review)
    db.session.flush()
    for review in reviews:
        record_event(review, "draw", actor, {"case_id": (None, review.case_id),
                                             "sample_label": (None, review.sample_label)})
    return reviews


# Scoring -----------------------------------------------------------------------------------------------------

def compute_score(scores: list[CaseReviewScore]) -> Decimal:
    """100 minus the deductions of failed items (not below 0); any failed veto item makes it 0."""
    failed = [s for s in scores if s.passed is False]
    if any(s.item.category == "veto" for s in failed):
        return Decimal("0.0")
    total = FULL_SCORE - sum((Decimal(s.item.deduction) for s in failed), Decimal("0"))
    return max(total, Decimal("0")).quantize(Decimal("0.1"))


def grade_for(score: Decimal) -> str:
    if score >= 90:
        return GRADE_EXCELLENT
    if score >= 60:
        return GRADE_PASS
    return GRADE_FAIL


def score_review(review: CaseReview, scores: dict[int, tuple[bool, str | None]], *, actor) -> dict:
    """Record a reviewer's verdicts; once every item is judged the review is done and gets its score and grade.

    :param scores: ``{item_id: (passed, note)}`` for the items judged now; others keep their verdict. Changing an
        automatic verdict or its note makes it the reviewer's (``automatic`` becomes False).
    :returns: the audited changes.
    :raises NotAllowed: the actor is not a supervisor of the review's region, or worked on or approved the case
        (:func:`involvements`).
    :raises ValidationFailed: an item that is not on this review, a verdict that is not true/false, a long note.
    """
    _require_reviewer(actor, review.region_code)
    if reason := scoring_conflict(review, actor):
        raise NotAllowed(reason)
    by_item = {s.item_id: s for s in review.scores}
    errors: dict[str, list[str]] = {}
    cleaned: dict[int, tuple[bool, str | None]] = {}
    for item_id, value in scores.items():
        row = by_item.get(item_id)
        if row is None:
            errors.setdefault("scores", []).append(_("Item %(item)s is not on this review.", item=item_id))
            continue
        passed, note = value
        if not isinstance(passed, bool):
            errors[f"item_{item_id}"] = [_("Pass or fail.")]
            continue
        if note is not None and not isinstance(note, str):
            errors[f"note_{item_id}"] = [_("Must be text.")]
            continue
        note = clean_text(note, multiline=True) or None
        if note and len(note) > MAX_NOTE_LENGTH:
            errors[f"note_{item_id}"] = [_("At most %(limit)d characters.", limit=MAX_NOTE_LENGTH)]
            continue
        cleaned[item_id] = (passed, note)
    if errors:
        raise ValidationFailed(_("Please correct the highlighted items."), errors)

    changes: dict[str, tuple[Any, Any]] = {}
    for item_id, (passed, note) in cleaned.items():
        row = by_item[item_id]
        if row.passed == passed and (row.note or None) == note:
            continue
        changes[f"item:{row.item.code}"] = (row.passed, passed)
        if (row.note or None) != note:
            changes[f"note:{row.item.code}"] = (row.note, note)
        row.passed, row.note, row.automatic = passed, note, False

    old = (review.status, review.score, review.grade)
    if all(s.passed is not None for s in review.scores):
        review.score = compute_score(review.scores)
        review.grade = grade_for(review.score)
        review.status = "done"
        if changes or old[0] != "done":
            review.reviewer_id = actor.id
            review.reviewed_at = utcnow()
    else:
        review.status, review.score, review.grade = "pending", None, None
    for field, before, after in zip(("status", "score", "grade"), old,
                                    (review.status, review.score, review.grade), strict=True):
        if before != after:
            changes[field] = (before, after)
    if not changes:
        return {}
    db.session.flush()
    record_event(review, "score", actor, changes)
    return changes
