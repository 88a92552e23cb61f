"""API v1: campaigns (专项行动) and trade fairs (展会) (api.md "Reports"): list, create, read with their figures,
edit. Supervisors keep them (their own region's; the province's: any); every call role reads those of its
regions."""

from __future__ import annotations

from datetime import date

from flask import jsonify, url_for
from pydantic import Field

from hotline.api.case_schemas import Day
from hotline.api.registry import api_route
from hotline.api.schemas import Body, Out, Query, RegionCode, Text
from hotline.campaigns import operations, queries
from hotline.campaigns.models import Campaign, Exhibition
from hotline.core.errors import ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.permissions import CALL_READ_ROLES, Role
from hotline.extensions import db

KEEPER_ROLES = (Role.supervisor,)


class YearQuery(Query):
    year: int | None = Field(None, ge=2000, le=2100, description="Only those whose period overlaps this year.")


class CampaignCreate(Body):
    name: Text = Field(description="At most 200 characters, e.g. 2015年“护航”专项行动.")
    starts_on: Day
    ends_on: Day = Field(description="Not before starts_on.")
    region_codes: list[RegionCode] = Field(description="The regions it runs in (the province's code: the "
                                                       "whole province). A 市州 supervisor names only their own "
                                                       "region.")


class CampaignPatch(Body):
    name: Text | None = None
    starts_on: Day | None = None
    ends_on: Day | None = None
    region_codes: list[RegionCode] | None = None


class ExhibitionCreate(Body):
    name: Text = Field(description="At most 200 characters.")
    venue: Text = Field(description="At most 200 characters.")
    starts_on: Day
    ends_on: Day = Field(description="Not before starts_on.")
    region_code: RegionCode = Field(description="Your own region (the province: any).")
    stationed: bool = Field(False, description="The office stationed a booth at the fair (入驻).")


class ExhibitionPatch(Body):
    name: Text | None = None
    venue: Text | None = None
    starts_on: Day | None = None
    ends_on: Day | None = None
    region_code: RegionCode | None = None
    stationed: bool | None = None


class CaseFiguresOut(Out):
    linked: int
    filed: int
    disputes: int
    counterfeit: int
    closed: int
    pending: int
    transferred_judicial: int
    judicial_confirmations: int
    closed_by_outcome: dict[str, int]
    amount_involved: str = Field(description="Yuan, decimal string (filed cases).")
    fines: str = Field(description="Yuan, decimal string (closed cases).")
    confiscated: str = Field(description="Yuan, decimal string (closed cases).")


class CallFiguresOut(Out):
    total: int
    reports_and_complaints: int
    by_request_type: dict[str, int]


class CampaignFiguresOut(Out):
    cases: CaseFiguresOut


class ExhibitionFiguresOut(Out):
    cases: CaseFiguresOut
    calls: CallFiguresOut


class CampaignOut(Out):
    id: int
    name: str
    starts_on: date
    ends_on: date
    region_codes: list[str]
    url: str
    figures: CampaignFiguresOut | None = Field(None, description="The cases of your regions linked to it (read "
                                                                 "and create answers).")


class ExhibitionOut(Out):
    id: int
    name: str
    venue: str | None
    starts_on: date
    ends_on: date
    region_code: str
    stationed: bool
    url: str
    figures: ExhibitionFiguresOut | None = None


class CampaignListOut(Out):
    items: list[CampaignOut]


class ExhibitionListOut(Out):
    items: list[ExhibitionOut]


def campaign_json(campaign: Campaign, user=None) -> dict:
    out = {"id": campaign.id, "name": campaign.name, "starts_on": campaign.starts_on.isoformat(),
           "ends_on": campaign.ends_on.isoformat(), "region_codes": campaign.region_codes,
           "url": url_for("campaigns.campaign_detail", campaign_id=campaign.id)}
    if user is not None:
        out["figures"] = queries.campaign_figures(campaign, user)
    return out


def exhibition_json(exhibition: Exhibition, user=None) -> dict:
    out = {"id": exhibition.id, "name": exhibition.name, "venue": exhibition.venue,
           "starts_on": exhibition.starts_on.isoformat(), "ends_on": exhibition.ends_on.isoformat(),
           "region_code": exhibition.region_code, "stationed": exhibition.stationed,
           "url": url_for("campaigns.exhibition_detail", exhibition_id=exhibition.id)}
    if user is not None:
        out["figures"] = queries.exhibition_figures(exhibition, user)
    return out


def _nothing(data: dict) -> None:
    if not data:
        raise ValidationFailed(_("Nothing to change."), {"name": [_("Send at least one field to change.")]})


@api_route("/campaigns", "GET", summary="Campaigns of your regions", tag="reports", roles=CALL_READ_ROLES,
           query=YearQuery, responses={200: CampaignListOut})
def list_campaigns(user, query: YearQuery):
    """Newest first: those of your region and the regions below it, and those of the offices above it."""
    return jsonify({"items": [campaign_json(c) for c in queries.list_campaigns(user, year=query.year)]})


@api_route("/campaigns", "POST", summary="Record a campaign (专项行动)", tag="reports", roles=KEEPER_ROLES,
           body=CampaignCreate, responses={201: CampaignOut})
def create_campaign(user, body: CampaignCreate):
    campaign = operations.create_campaign(body.model_dump(), actor=user)
    db.session.flush()
    response = jsonify(campaign_json(campaign, user))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_campaign", campaign_id=campaign.id)
    return response


@api_route("/campaigns/<int:campaign_id>", "GET", summary="A campaign with its figures", tag="reports",
           roles=CALL_READ_ROLES, errors=[404], responses={200: CampaignOut})
def get_campaign(user, campaign_id: int):
    """Figures: the linked cases of the regions you see — filed, closed by outcome, pending, amounts (yuan)."""
    return jsonify(campaign_json(queries.get_campaign_or_404(campaign_id, user), user))


@api_route("/campaigns/<int:campaign_id>", "PATCH", summary="Edit a campaign", tag="reports", roles=KEEPER_ROLES,
           body=CampaignPatch, errors=[404], responses={200: CampaignOut})
def patch_campaign(user, campaign_id: int, body: CampaignPatch):
    """Only the fields sent change (audited). A campaign with regions other than yours: 403."""
    data = body.model_dump(exclude_unset=True)
    _nothing(data)
    campaign = queries.get_campaign_or_404(campaign_id, user)
    operations.update_campaign(campaign, data, actor=user)
    db.session.flush()
    return jsonify(campaign_json(campaign, user))


@api_route("/exhibitions", "GET", summary="Trade fairs of your regions", tag="reports", roles=CALL_READ_ROLES,
           query=YearQuery, responses={200: ExhibitionListOut})
def list_exhibitions(user, query: YearQuery):
    return jsonify({"items": [exhibition_json(e) for e in queries.list_exhibitions(user, year=query.year)]})


@api_route("/exhibitions", "POST", summary="Record a trade fair (展会)", tag="reports", roles=KEEPER_ROLES,
           body=ExhibitionCreate, responses={201: ExhibitionOut})
def create_exhibition(user, body: ExhibitionCreate):
    exhibition = operations.create_exhibition(body.model_dump(), actor=user)
    db.session.flush()
    response = jsonify(exhibition_json(exhibition, user))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_exhibition", exhibition_id=exhibition.id)
    return response


@api_route("/exhibitions/<int:exhibition_id>", "GET", summary="A trade fair with its figures", tag="reports",
           roles=CALL_READ_ROLES, errors=[404], responses={200: ExhibitionOut})
def get_exhibition(user, exhibition_id: int):
    """Figures: linked cases (filed, closed by outcome, amounts) and the calls at the fair (complaints, reports)."""
    return jsonify(exhibition_json(queries.get_exhibition_or_404(exhibition_id, user), user))


@api_route("/exhibitions/<int:exhibition_id>", "PATCH", summary="Edit a trade fair", tag="reports",
           roles=KEEPER_ROLES, body=ExhibitionPatch, errors=[404], responses={200: ExhibitionOut})
def patch_exhibition(user, exhibition_id: int, body: ExhibitionPatch):
    data = body.model_dump(exclude_unset=True)
    _nothing(data)
    exhibition = queries.get_exhibition_or_404(exhibition_id, user)
    operations.update_exhibition(exhibition, data, actor=user)
    db.session.flush()
    return jsonify(exhibition_json(exhibition, user))


