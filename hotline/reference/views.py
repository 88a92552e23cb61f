"""Regions' admin page: the deciding authority of each region (a province admin: every region; a 市州 admin: its
own)."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hotline.core.errors import ValidationFailed
from hotline.core.permissions import PROVINCE_CODE, Role, role_required
from hotline.extensions import db
from hotline.reference import bp
from hotline.reference.forms import AuthorityForm
from hotline.reference.models import Region
from hotline.reference.operations import may_edit_region, set_authority_name

_CODE = re.compile(r"^\d{6}$")


def _editable() -> list[Region]:
    stmt = select(Region).where(Region.is_active).order_by(Region.level.desc(), Region.sort_order)
    if current_user.region_code != PROVINCE_CODE:
        stmt = stmt.where(Region.code == current_user.region_code)
    return list(db.session.scalars(stmt))


def _render(forms: dict[str, AuthorityForm], status: int = 200):
    rows = [{"region": region, "form": forms.get(region.code)
             or AuthorityForm(formdata=None, data={"authority_name": region.authority_name}, prefix=region.code)}
            for region in _editable()]
    return render_template("reference/regions.html", rows=rows), status


@bp.route("")
@role_required(Role.admin)
def index():
    return _render({})


@bp.post("/<region_code>")
@role_required(Role.admin)
def update(region_code: str):
    region = db.session.get(Region, region_code) if _CODE.match(region_code) else None
    if region is None or not may_edit_region(current_user, region):
        abort(404)
    form = AuthorityForm(prefix=region.code)
    if form.validate_on_submit():
        try:
            changed = set_authority_name(region, form.authority_name.data, actor=current_user)
        except ValidationFailed as exc:
            db.session.rollback()
            form.populate_errors(exc.errors)
        else:
            db.session.commit()
            if changed:
                flash(_("%(region)s: its decisions now name %(name)s.", region=region.name,
                        name=region.authority_name), "success")
            return redirect(url_for("reference.index"))
    return _render({region.code: form}, 422)
