"""What the yearly summary counts beside the cases (product.md "Campaigns and trade fairs"; the seed's 2015
summary): penalty decisions published online, case files reviewed and rated excellent, cases transferred to
judicial organs, judicial confirmations of mediation agreements, campaigns run and trade fairs stationed.

Counted from the records over the period (a few small indexed queries), so the figures are right for months
snapshotted before they existed. Transfers to judicial organs and judicial confirmations are the cases' figures
(closed in the period), as the cases table counts them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select

from hotline.cases.models import Case, published_decision
from hotline.core.clock import local_tz
from hotline.core.permissions import province_code
from hotline.extensions import db

#: The keys of the ``enforcement`` block (api.md "Reports").
ENFORCEMENT_KEYS = ("decisions_published", "files_reviewed", "files_excellent", "transferred_judicial",
                    "judicial_confirmations", "campaigns", "exhibitions_stationed")
GRADE_EXCELLENT = "优秀"


def _utc_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    tz = local_tz()
    start = datetime(first.year, first.month, first.day, tzinfo=tz)
    end = datetime(last.year, last.month, last.day, tzinfo=tz) + timedelta(days=1)
    return start.astimezone(UTC), end.astimezone(UTC)


def decisions_published(first: date, last: date, region_code: str) -> int:
    """Penalty decisions published on the public page in the period (publication date, Beijing) and still there
    (a withdrawn decision is no longer public)."""
    stmt = select(func.count()).select_from(Case).where(published_decision(),
                                                        Case.published_on.between(first, last))
    if region_code != province_code():
        stmt = stmt.where(Case.region_code == region_code)
    return db.session.scalar(stmt) or 0


def files_reviewed(first: date, last: date, region_code: str) -> tuple[int, int]:
    """Case files whose review (评查) was completed in the period, and those rated 优秀."""
    from hotline.review.models import CaseReview

    start, end = _utc_bounds(first, last)
    done = and_(CaseReview.status == "done", CaseReview.reviewed_at >= start, CaseReview.reviewed_at < end)
    stmt = select(func.count(), func.count().filter(CaseReview.grade == GRADE_EXCELLENT)).where(done)
    if region_code != province_code():
        stmt = stmt.where(CaseReview.region_code == region_code)
    reviewed, excellent = db.session.execute(stmt).one()
    return reviewed or 0, excellent or 0


def enforcement_block(first: date, last: date, region_code: str, cases: dict[str, Any]) -> dict[str, Any]:
    """The ``enforcement`` block of the yearly report; ``cases`` is the report's case figures of the period.
    ``exhibition_names`` (not part of the API block) are the stationed fairs, first first, for the narrative."""
    from hotline.campaigns.queries import count_in_period

    reviewed, excellent = files_reviewed(first, last, region_code)
    held = count_in_period(first, last, region_code)
    return {
        "decisions_published": decisions_published(first, last, region_code),
        "files_reviewed": reviewed,
        "files_excellent": excellent,
        "transferred_judicial": int(cases.get("transferred_judicial") or 0),
        "judicial_confirmations": int(cases.get("judicial_confirmation") or 0),
        "campaigns": held["campaigns"],
        "exhibitions_stationed": held["exhibitions_stationed"],
    }, held["exhibition_names"]


def enforcement_sentence(block: dict[str, Any], fair_names: list[str]) -> str:
    """The narrative's sentence, in the seed's words (2015 summary, 四(一) and 四(三)): 在网上公开行政处罚决定书47份，
    组织抽查各类案卷187宗，评选出9宗专利行政执法优秀案卷，完成司法确认案件4件，开展了6次集中整治执法专项行动，
    先后入驻A、B等8个大型展会开展巡查。 Figures that are zero are left out; empty when all are."""
    parts = []
    if block["decisions_published"]:
        parts.append(f"在网上公开行政处罚决定书{block['decisions_published']}份")
    if block["files_reviewed"]:
        parts.append(f"组织抽查各类案卷{block['files_reviewed']}宗")
    if block["files_excellent"]:
        parts.append(f"评选出{block['files_excellent']}宗专利行政执法优秀案卷")
    if block["judicial_confirmations"]:
        parts.append(f"完成司法确认案件{block['judicial_confirmations']}件")
    if block["campaigns"]:
        parts.append(f"开展了{block['campaigns']}次集中整治执法专项行动")
    stationed = block["exhibitions_stationed"]
    if stationed:
        named = "、".join(fair_names[:2])
        if stationed > 2:
            parts.append(f"先后入驻{named}等{stationed}个大型展会开展巡查")
        elif stationed == 2:
            parts.append(f"先后入驻{named}2个大型展会开展巡查")
        else:
            parts.append(f"入驻{named}开展巡查")
    return "，".join(parts) + "。" if parts else ""
