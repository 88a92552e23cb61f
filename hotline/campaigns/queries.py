"""Read side of campaigns and trade fairs: who sees which, the lists, the choices the case and call forms offer,
and each record's figures (cases filed and closed, outcomes, amounts, calls at the fair)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import abort
from sqlalchemy import and_, exists, func, or_, select

from hotline.calls.models import Call
from hotline.campaigns.models import Campaign, Exhibition, campaign_regions, case_campaigns
from hotline.campaigns.operations import MAX_ID, covers
from hotline.cases.models import ALL_OUTCOMES, Case
from hotline.core.clock import local_today
from hotline.core.permissions import province_code, region_ancestors, region_clause, region_subtree, sees_region
from hotline.extensions import db

#: A fair or campaign stays offered on the case and call forms this many days after its last day (cases are often
#: entered after the fair).
OFFERED_AFTER_DAYS = 90


def sees_campaign(user, campaign: Campaign) -> bool:
    """A campaign in one of the user's regions, or one of the province (it runs in every 市州)."""
    return any(sees_region(user, code) for code in campaign.region_codes) or covers(
        campaign.region_codes, user.region_code)


def sees_exhibition(user, exhibition: Exhibition) -> bool:
    return sees_region(user, exhibition.region_code) or covers([exhibition.region_code], user.region_code)


def _visible_codes(user) -> list[str] | None:
    """Region codes whose campaigns and fairs the user sees (None: all): their region and those below it, and the
    offices above it (whose campaigns run in theirs), as ``sees_campaign``."""
    if user.region_code == province_code():
        return None
    return [*region_subtree(user.region_code), *region_ancestors(user.region_code)]


def _joinable_codes(region_code: str) -> list[str]:
    """The regions whose campaigns and fairs a record of ``region_code`` may link to: its own and those above."""
    return [region_code, *region_ancestors(region_code)]


def get_campaign_or_404(campaign_id: int, user) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id) if 0 < campaign_id <= MAX_ID else None
    if campaign is None or not sees_campaign(user, campaign):
        abort(404)
    return campaign


def get_exhibition_or_404(exhibition_id: int, user) -> Exhibition:
    exhibition = db.session.get(Exhibition, exhibition_id) if 0 < exhibition_id <= MAX_ID else None
    if exhibition is None or not sees_exhibition(user, exhibition):
        abort(404)
    return exhibition


def list_campaigns(user, *, year: int | None = None) -> list[Campaign]:
    stmt = select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc())
    codes = _visible_codes(user)
    if codes is not None:
        stmt = stmt.where(exists().where(campaign_regions.c.campaign_id == Campaign.id,
                                         campaign_regions.c.region_code.in_(codes)))
    if year:
        stmt = stmt.where(Campaign.starts_on <= date(year, 12, 31), Campaign.ends_on >= date(year, 1, 1))
    return list(db.session.scalars(stmt))


def list_exhibitions(user, *, year: int | None = None) -> list[Exhibition]:
    stmt = select(Exhibition).order_by(Exhibition.starts_on.desc(), Exhibition.id.desc())
    codes = _visible_codes(user)
    if codes is not None:
        stmt = stmt.where(Exhibition.region_code.in_(codes))
    if year:
        stmt = stmt.where(Exhibition.starts_on <= date(year, 12, 31), Exhibition.ends_on >= date(year, 1, 1))
    return list(db.session.scalars(stmt))


def _offered(today: date | None):
    today = today or local_today()
    return today - timedelta(days=OFFERED_AFTER_DAYS), today


def campaign_choices(region_code: str | None, *, keep: list[int] = (), today: date | None = None) -> list[Campaign]:
    """Campaigns a record of ``region_code`` may join (None: the province's user, any region's): running in its
    region (or the province's), begun and ended at most 90 days ago; plus ``keep`` (those it already has)."""
    since, today = _offered(today)
    current = and_(Campaign.starts_on <= today, Campaign.ends_on >= since)
    if region_code is not None:
        current = and_(current, exists().where(campaign_regions.c.campaign_id == Campaign.id,
                                               campaign_regions.c.region_code.in_(_joinable_codes(region_code))))
    condition = or_(current, Campaign.id.in_(list(keep))) if keep else current
    return list(db.session.scalars(select(Campaign).where(condition).order_by(Campaign.starts_on.desc(),
                                                                              Campaign.id)))


def exhibition_choices(region_code: str | None, *, keep: int | None = None, today: date | None = None
                       ) -> list[Exhibition]:
    """Trade fairs a record of ``region_code`` may link to (as for campaigns: current ones, plus ``keep``)."""
    since, today = _offered(today)
    codes = _joinable_codes(region_code) if region_code else None
    current = and_(Exhibition.starts_on <= today + timedelta(days=7), Exhibition.ends_on >= since)
    if codes is not None:
        current = and_(current, Exhibition.region_code.in_(codes))
    condition = or_(current, Exhibition.id == keep) if keep else current
    return list(db.session.scalars(select(Exhibition).where(condition).order_by(Exhibition.starts_on.desc(),
                                                                                Exhibition.id)))


# Figures -----------------------------------------------------------------------------------------------------

def _money(value) -> str:
    return str(Decimal(value or 0).quantize(Decimal("0.01")))


def case_figures(condition, user) -> dict[str, Any]:
    """Cases meeting ``condition`` that ``user`` sees: linked, filed (by type), closed (by outcome), pending,
    transferred to judicial organs, judicial confirmations, amounts in yuan (Decimal strings)."""
    filed = Case.filed_on.is_not(None)
    closed = Case.status == "closed"
    columns = [
        func.count().label("linked"),
        func.count().filter(filed).label("filed"),
        func.count().filter(and_(filed, Case.case_type != "counterfeit")).label("disputes"),
        func.count().filter(and_(filed, Case.case_type == "counterfeit")).label("counterfeit"),
        func.count().filter(closed).label("closed"),
        func.count().filter(and_(filed, Case.status != "closed")).label("pending"),
        func.count().filter(and_(closed, Case.transferred_judicial.is_(True))).label("transferred_judicial"),
        func.count().filter(and_(closed, Case.judicial_confirmation.is_(True))).label("judicial_confirmations"),
        *[func.count().filter(and_(closed, Case.outcome == o)).label(f"out_{o}") for o in ALL_OUTCOMES],
        func.sum(Case.amount_involved).filter(filed).label("amount_involved"),
        func.sum(Case.fine_amount).filter(closed).label("fines"),
        func.sum(Case.confiscated_amount).filter(closed).label("confiscated"),
    ]
    row = db.session.execute(select(*columns).where(condition, region_clause(Case.region_code, user))).mappings().one()
    return {
        **{k: row[k] for k in ("linked", "filed", "disputes", "counterfeit", "closed", "pending",
                               "transferred_judicial", "judicial_confirmations")},
        "closed_by_outcome": {o: row[f"out_{o}"] for o in ALL_OUTCOMES if row[f"out_{o}"]},
        **{k: _money(row[k]) for k in ("amount_involved", "fines", "confiscated")},
    }


def call_figures(condition, user) -> dict[str, Any]:
    """Calls meeting ``condition`` that ``user`` sees: total, reports and complaints, by request type."""
    stmt = (select(Call.request_type, func.count()).where(condition, region_clause(Call.region_code, user))
            .group_by(Call.request_type))
    by_type: dict[str, int] = dict(db.session.execute(stmt).tuples().all())
    return {"total": sum(by_type.values()),
            "reports_and_complaints": by_type.get("report", 0) + by_type.get("complaint", 0),
            "by_request_type": dict(sorted(by_type.items()))}


def campaign_figures(campaign: Campaign, user) -> dict[str, Any]:
    linked = Case.id.in_(select(case_campaigns.c.case_id).where(case_campaigns.c.campaign_id == campaign.id))
    return {"cases": case_figures(linked, user)}


def exhibition_figures(exhibition: Exhibition, user) -> dict[str, Any]:
    return {"cases": case_figures(Case.exhibition_id == exhibition.id, user),
            "calls": call_figures(Call.exhibition_id == exhibition.id, user)}


def linked_cases(condition, user, limit: int = 50) -> list[Case]:
    stmt = (select(Case).where(condition, region_clause(Case.region_code, user))
            .order_by(Case.received_on.desc(), Case.id.desc()).limit(limit))
    return list(db.session.scalars(stmt))


def campaign_cases(campaign: Campaign, user, limit: int = 50) -> list[Case]:
    return linked_cases(Case.id.in_(select(case_campaigns.c.case_id).where(
        case_campaigns.c.campaign_id == campaign.id)), user, limit)


def exhibition_cases(exhibition: Exhibition, user, limit: int = 50) -> list[Case]:
    return linked_cases(Case.exhibition_id == exhibition.id, user, limit)


def count_in_period(first: date, last: date, region_code: str) -> dict[str, int]:
    """Campaigns begun in [first, last] that run in ``region_code`` (the province: all of them), and stationed fairs
    begun in that period in the region (the province: all), with the first names for the narrative."""
    campaigns = select(func.count()).select_from(Campaign).where(Campaign.starts_on.between(first, last))
    fairs = select(Exhibition.name).where(Exhibition.stationed.is_(True), Exhibition.starts_on.between(first, last))
    if region_code != province_code():
        campaigns = campaigns.where(exists().where(campaign_regions.c.campaign_id == Campaign.id,
                                                   campaign_regions.c.region_code == region_code))
        fairs = fairs.where(Exhibition.region_code == region_code)
    names = list(db.session.scalars(fairs.order_by(Exhibition.starts_on, Exhibition.id)))
    return {"campaigns": db.session.scalar(campaigns) or 0, "exhibitions_stationed": len(names),
            "exhibition_names": names}
