"""Campaigns and trade fairs UI: the list, each record's page with its figures, and the supervisors' forms."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hotline.campaigns import bp, logger, queries
from hotline.campaigns.forms import CampaignForm, ExhibitionForm, YearFilterForm
from hotline.campaigns.operations import (
    create_campaign,
    create_exhibition,
    may_edit_campaign,
    may_edit_exhibition,
    update_campaign,
    update_exhibition,
)
from hotline.cases.forms import OUTCOME_LABELS
from hotline.core.errors import NotAllowed, ValidationFailed
from hotline.core.permissions import CALL_READ_ROLES, Role, role_required
from hotline.extensions import db
from hotline.reference import queries as ref


def _helpers() -> dict:
    regions = ref.region_map()
    def region_name(code: str) -> str:
        return regions[code].name if code in regions else code

    return {"region_name": region_name, "region_names": lambda codes: "、".join(region_name(c) for c in codes),
            "outcome_label": lambda o: OUTCOME_LABELS.get(o, o), "is_supervisor": current_user.role == Role.supervisor}


@bp.route("")
@role_required(*CALL_READ_ROLES)
def index():
    form = YearFilterForm(request.args)
    form.validate()
    year = int(form.year.data) if (form.year.data or "").isdigit() and 2000 <= int(form.year.data) <= 2100 else None
    return render_template("campaigns/index.html", form=form, year=year,
                           campaigns=queries.list_campaigns(current_user, year=year),
                           exhibitions=queries.list_exhibitions(current_user, year=year), **_helpers())


def _save(form, perform):
    try:
        record = perform()
    except ValidationFailed as exc:
        db.session.rollback()
        form.apply_domain_errors(exc.errors) if exc.errors else form.form_errors.append(exc.message)
        return None
    db.session.commit()
    return record


def _campaign_data(form: CampaignForm) -> dict:
    return {"name": form.name.data, "starts_on": form.starts_on.data, "ends_on": form.ends_on.data,
            "region_codes": list(form.region_codes.data or [])}


def _exhibition_data(form: ExhibitionForm) -> dict:
    return {"name": form.name.data, "venue": form.venue.data, "starts_on": form.starts_on.data,
            "ends_on": form.ends_on.data, "region_code": form.region_code.data, "stationed": bool(form.stationed.data)}


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.supervisor)
def campaign_new():
    form = CampaignForm(user=current_user)
    status = 200
    if form.validate_on_submit():
        campaign = _save(form, lambda: create_campaign(_campaign_data(form), actor=current_user))
        if campaign is not None:
            logger.info("campaign %s recorded by user %s", campaign.id, current_user.id)
            flash(_("Campaign saved."), "success")
            return redirect(url_for("campaigns.campaign_detail", campaign_id=campaign.id))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("campaigns/campaign_edit.html", form=form, campaign=None), status


@bp.route("/<int:campaign_id>")
@role_required(*CALL_READ_ROLES)
def campaign_detail(campaign_id: int):
    campaign = queries.get_campaign_or_404(campaign_id, current_user)
    return render_template("campaigns/campaign_detail.html", campaign=campaign,
                           figures=queries.campaign_figures(campaign, current_user),
                           cases=queries.campaign_cases(campaign, current_user),
                           can_edit=current_user.role == Role.supervisor and may_edit_campaign(current_user, campaign),
                           **_helpers())


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@role_required(Role.supervisor)
def campaign_edit(campaign_id: int):
    campaign = queries.get_campaign_or_404(campaign_id, current_user)
    if not may_edit_campaign(current_user, campaign):
        abort(403)
    form = CampaignForm(obj=campaign if request.method == "GET" else None, user=current_user)
    if request.method == "GET":
        form.region_codes.data = campaign.region_codes
    status = 200
    if form.validate_on_submit():
        def perform():
            update_campaign(campaign, _campaign_data(form), actor=current_user)
            return campaign

        try:
            saved = _save(form, perform)
        except NotAllowed:
            db.session.rollback()
            abort(403)
        if saved is not None:
            flash(_("Campaign saved."), "success")
            return redirect(url_for("campaigns.campaign_detail", campaign_id=campaign.id))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("campaigns/campaign_edit.html", form=form, campaign=campaign), status


@bp.route("/exhibitions/new", methods=["GET", "POST"])
@role_required(Role.supervisor)
def exhibition_new():
    form = ExhibitionForm(user=current_user)
    status = 200
    if form.validate_on_submit():
        exhibition = _save(form, lambda: create_exhibition(_exhibition_data(form), actor=current_user))
        if exhibition is not None:
            logger.info("trade fair %s recorded by user %s", exhibition.id, current_user.id)
            flash(_("Trade fair saved."), "success")
            return redirect(url_for("campaigns.exhibition_detail", exhibition_id=exhibition.id))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("campaigns/exhibition_edit.html", form=form, exhibition=None), status


@bp.route("/exhibitions/<int:exhibition_id>")
@role_required(*CALL_READ_ROLES)
def exhibition_detail(exhibition_id: int):
    exhibition = queries.get_exhibition_or_404(exhibition_id, current_user)
    return render_template("campaigns/exhibition_detail.html", exhibition=exhibition,
                           figures=queries.exhibition_figures(exhibition, current_user),
                           cases=queries.exhibition_cases(exhibition, current_user),
                           can_edit=current_user.role == Role.supervisor
                           and may_edit_exhibition(current_user, exhibition), **_helpers())


@bp.route("/exhibitions/<int:exhibition_id>/edit", methods=["GET", "POST"])
@role_required(Role.supervisor)
def exhibition_edit(exhibition_id: int):
    exhibition = queries.get_exhibition_or_404(exhibition_id, current_user)
    if not may_edit_exhibition(current_user, exhibition):
        abort(403)
    form = ExhibitionForm(obj=exhibition if request.method == "GET" else None, user=current_user)
    status = 200
    if form.validate_on_submit():
        def perform():
            update_exhibition(exhibition, _exhibition_data(form), actor=current_user)
            return exhibition

        if _save(form, perform) is not None:
            flash(_("Trade fair saved."), "success")
            return redirect(url_for("campaigns.exhibition_detail", exhibition_id=exhibition.id))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("campaigns/exhibition_edit.html", form=form, exhibition=exhibition), status
