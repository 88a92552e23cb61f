"""Regions' admin page: each office's data — its deciding authority, landline area code and 案号 pattern (a
province admin: every region; a 市州 admin: its own and its counties'; a county admin: its own). The province and
its 市州 are listed first; a 市州's counties on its own page (``?parent=<code>``)."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hotline.core.errors import ValidationFailed
from hotline.core.permissions import Role, region_clause, role_required, sees_region
from hotline.extensions import db
from hotline.reference import bp
from hotline.reference.forms import RegionDataForm
from hotline.reference.models import Region
from hotline.reference.operations import may_edit_region, set_region_data

_CODE = re.compile(r"^\d{6}$")


def _editable(parent: str | None) -> list[Region]:
    """The regions of one page: without ``parent`` the user's region and the 市州 it sees (no counties); with
    it, that region and its children."""
    stmt = (select(Region).where(Region.is_active, region_clause(Region.code, current_user))
            .order_by(Region.sort_order, Region.code))
    if parent:
        stmt = stmt.where((Region.code == parent) | (Region.parent_code == parent))
    else:
        stmt = stmt.where((Region.level != "county") | (Region.code == current_user.region_code))
    return list(db.session.scalars(stmt))


def _render(forms: dict[str, RegionDataForm], parent: str | None, status: int = 200):
    rows = []
    for region in _editable(parent):
        form = forms.get(region.code) or RegionDataForm(
            formdata=None, prefix=region.code,
            data={"authority_name": region.authority_name, "area_code": region.area_code,
                  "case_number_format": region.case_number_format})
        rows.append({"region": region, "form": form})
    counties = dict(db.session.execute(
        select(Region.parent_code, db.func.count()).where(Region.level == "county", Region.is_active)
        .group_by(Region.parent_code)).tuples().all())
    parent_region = db.session.get(Region, parent) if parent else None
    return render_template("reference/regions.html", rows=rows, counties=counties,
                           parent=parent_region), status


def _parent_arg() -> str | None:
    parent = request.args.get("parent") or None
    if parent is not None and (not _CODE.match(parent) or not sees_region(current_user, parent)
                               or db.session.get(Region, parent) is None):
        abort(404)
    return parent


@bp.route("")
@role_required(Role.admin)
def index():
    return _render({}, _parent_arg())


@bp.post("/<region_code>")
@role_required(Role.admin)
def update(region_code: str):
    region = db.session.get(Region, region_code) if _CODE.match(region_code) else None
    if region is None or not may_edit_region(current_user, region):
        abort(404)
    parent = region.parent_code if region.level == "county" else None
    form = RegionDataForm(prefix=region.code)
    if form.validate_on_submit():
        try:
            changed = set_region_data(region, form.submitted_changes(), actor=current_user)
        except ValidationFailed as exc:
            db.session.rollback()
            form.populate_errors(exc.errors)
        else:
            db.session.commit()
            if changed:
                flash(_("%(region)s: saved.", region=region.name), "success")
            return redirect(url_for("reference.index", parent=parent))
    return _render({region.code: form}, parent, 422)
