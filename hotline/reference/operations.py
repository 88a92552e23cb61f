"""Changes to reference data an administrator makes: a region's deciding authority."""

from __future__ import annotations

from types import SimpleNamespace

from hotline.core.audit import record_event
from hotline.core.errors import NotAllowed, ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.permissions import PROVINCE_CODE, Role
from hotline.core.text import clean_text
from hotline.extensions import db
from hotline.reference.models import Region
from hotline.reference.queries import clear_cache

AUTHORITY_MAX = 60


def may_edit_region(user, region: Region) -> bool:
    """A province administrator edits every region's data; a 市州 administrator only its own region's."""
    return user.role == Role.admin and (user.region_code == PROVINCE_CODE or user.region_code == region.code)


def set_authority_name(region: Region, name: str | None, *, actor) -> bool:
    """Set the office that decides ``region``'s cases (printed on its decisions and public pages); audited.
    Returns whether it changed."""
    if not may_edit_region(actor, region):
        raise NotAllowed(_("You may only change your own region."))
    value = clean_text(name)
    if not value:
        raise ValidationFailed(_("The authority's name is missing."),
                               {"authority_name": [_("Enter the deciding office's name.")]})
    if len(value) > AUTHORITY_MAX:
        raise ValidationFailed(_("The authority's name is too long."),
                               {"authority_name": [_("At most %(n)d characters.", n=AUTHORITY_MAX)]})
    old = region.authority_name
    if value == old:
        return False
    region.authority_name = value
    db.session.flush()
    # Regions are keyed by their code; the audit log keys objects by number (the GB/T 2260 code is one).
    record_event(SimpleNamespace(id=int(region.code), __tablename__="regions", __audit_type__="region",
                                 region_code=region.code),
                 "update", actor, {"authority_name": (old, value)}, note=region.name)
    clear_cache()
    return True
