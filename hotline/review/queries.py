"""Read side of case-file review: scoped loading, samples and their progress, scores by region."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask import abort
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import selectinload

from hotline.cases.models import Case
from hotline.core.permissions import province_code, region_clause, sees_region
from hotline.extensions import db
from hotline.reference import queries as ref
from hotline.review.models import CaseReview, CaseReviewScore
from hotline.review.operations import GRADE_EXCELLENT, GRADE_FAIL, GRADE_PASS

MAX_ID = 2**31 - 1
GRADES = (GRADE_EXCELLENT, GRADE_PASS, GRADE_FAIL)


def scope(stmt: Select, user) -> Select:
    if user.region_code != province_code():
        stmt = stmt.where(region_clause(CaseReview.region_code, user))
    return stmt


def get_review_or_404(review_id: int, user) -> CaseReview:
    """A review the user may see, with its scores and items; 404 when missing or of another region."""
    if not 0 < review_id <= MAX_ID:
        abort(404)
    review = db.session.scalar(select(CaseReview).where(CaseReview.id == review_id)
                               .options(selectinload(CaseReview.scores).joinedload(CaseReviewScore.item)))
    if review is None or not sees_region(user, review.region_code):
        abort(404)
    return review


@dataclass(frozen=True)
class SampleProgress:
    label: str
    total: int
    done: int
    mean_score: Decimal | None
    first_drawn_at: datetime
    last_drawn_at: datetime

    @property
    def pending(self) -> int:
        return self.total - self.done


def _mean(value) -> Decimal | None:
    """AVG comes back as Decimal (PostgreSQL) or float (SQLite): one decimal, as the scores."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"))


def list_samples(user) -> list[SampleProgress]:
    """Every sample the user can see (their region's files of it), the latest drawn first."""
    done = func.sum(case((CaseReview.status == "done", 1), else_=0))
    stmt = scope(select(CaseReview.sample_label, func.count(CaseReview.id), done, func.avg(CaseReview.score),
                        func.min(CaseReview.drawn_at), func.max(CaseReview.drawn_at)), user)
    stmt = stmt.group_by(CaseReview.sample_label).order_by(func.max(CaseReview.drawn_at).desc(),
                                                           CaseReview.sample_label)
    return [SampleProgress(label, total, int(done or 0), _mean(mean), first, last)
            for label, total, done, mean, first, last in db.session.execute(stmt)]


def list_reviews(user, label: str) -> list[CaseReview]:
    """The files of one sample the user can see, by region then case."""
    stmt = scope(select(CaseReview).join(Case, Case.id == CaseReview.case_id)
                 .where(CaseReview.sample_label == label), user)
    return list(db.session.scalars(stmt.order_by(CaseReview.region_code, Case.received_on, CaseReview.id)))


def sample_labels(user) -> list[str]:
    stmt = scope(select(CaseReview.sample_label).distinct(), user).order_by(CaseReview.sample_label)
    return list(db.session.scalars(stmt))


@dataclass
class RegionScore:
    """One row of the score table: a 市州 (or the province total)."""

    code: str
    name: str
    reviewed: int = 0
    pending: int = 0
    mean_score: Decimal | None = None
    grades: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GRADES, 0))


@dataclass
class ScoreTable:
    rows: list[RegionScore]
    total: RegionScore

    @property
    def distribution(self) -> dict[str, int]:
        return self.total.grades


def region_scores(year: int, label: str | None = None, *, region_code: str | None = None) -> ScoreTable:
    """Per 市州 in the official order: files reviewed, still pending, mean score and grade counts, for the files
    of cases closed in ``year`` (the year a sample is drawn from), optionally of one sample only.

    A unit's score is the mean of its files (domain-reference.md §4.2); the total row is the mean of all files.
    Computed with SQL aggregates, one row per region.

    :param region_code: only that 市州 (a 市州 user's view); the province code or None means all.
    """
    is_done = CaseReview.status == "done"
    columns = (
        func.sum(case((is_done, 1), else_=0)),
        func.sum(case((is_done, 0), else_=1)),
        func.avg(case((is_done, CaseReview.score), else_=None)),
        *(func.sum(case((CaseReview.grade == grade, 1), else_=0)) for grade in GRADES),
    )
    conditions = [Case.closed_on >= date(year, 1, 1), Case.closed_on <= date(year, 12, 31)]
    if label:
        conditions.append(CaseReview.sample_label == label)
    one_region = region_code if region_code and region_code != province_code() else None
    if one_region:
        conditions.append(CaseReview.region_code == one_region)
    base = select(CaseReview.region_code, *columns).join(Case, Case.id == CaseReview.case_id).where(*conditions)
    found = {row[0]: row[1:] for row in db.session.execute(base.group_by(CaseReview.region_code))}

    def make_row(code: str, name: str, values) -> RegionScore:
        row = RegionScore(code, name)
        if values is not None:
            reviewed, pending, mean, *grade_counts = values
            row.reviewed, row.pending, row.mean_score = int(reviewed or 0), int(pending or 0), _mean(mean)
            row.grades = {grade: int(n or 0) for grade, n in zip(GRADES, grade_counts, strict=True)}
        return row

    rows = [make_row(r.code, r.stat_label, found.get(r.code)) for r in ref.list_regions()
            if r.code != province_code() and (one_region is None or r.code == one_region)]
    totals = db.session.execute(select(*columns).select_from(CaseReview)
                                .join(Case, Case.id == CaseReview.case_id).where(*conditions)).one()
    if one_region:
        total = make_row(one_region, rows[0].name if rows else one_region, totals)
    else:
        province = ref.region_map().get(province_code())
        total = make_row(province_code(), province.stat_label if province else province_code(), totals)
    return ScoreTable(rows=rows, total=total)
