"""Changes to reference data an administrator makes: a region's office data (its deciding authority, its landline
area code, the 案号 pattern when it numbers its own cases). Audited."""

from __future__ import annotations

import re
import string
from types import SimpleNamespace

from hotline.core.audit import record_event
from hotline.core.errors import NotAllowed, ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.permissions import Role, sees_region
from hotline.core.text import clean_text
from hotline.extensions import db
from hotline.reference.models import Region
from hotline.reference.queries import clear_cache

AUTHORITY_MAX = 60
CASE_NUMBER_MAX = 60
_AREA_CODE = re.compile(r"^0\d{2,3}$")
_PLACEHOLDERS = {"year", "number", "region"}


def may_edit_region(user, region: Region) -> bool:
    """An administrator edits the data of their region and the regions below it (the province: every region; a
    市州: its own and its counties'; a county: its own)."""
    return user.role == Role.admin and sees_region(user, region.code)


def _authority(value, errors: dict) -> str | None:
    value = clean_text(value)
    if not value:
        errors["authority_name"] = [_("Enter the deciding office's name.")]
    elif len(value) > AUTHORITY_MAX:
        errors["authority_name"] = [_("At most %(n)d characters.", n=AUTHORITY_MAX)]
    return value


def _area_code(value, errors: dict) -> str | None:
    value = clean_text(value) or None
    if value is not None and not _AREA_CODE.match(value):
        errors["area_code"] = [_("A landline area code: 0 and two or three digits (0731, 020).")]
    return value


def _case_number_format(value, errors: dict) -> str | None:
    """None: the region takes the numbering of the office above. Otherwise a pattern with {year} and {number}
    (and optionally {region})."""
    value = clean_text(value) or None
    if value is None:
        return None
    try:
        names = {name for _text, name, _spec, _conv in string.Formatter().parse(value) if name is not None}
    except ValueError:
        names = {"?"}
    if len(value) > CASE_NUMBER_MAX:
        errors["case_number_format"] = [_("At most %(n)d characters.", n=CASE_NUMBER_MAX)]
    elif not {"year", "number"} <= names or not names <= _PLACEHOLDERS:
        errors["case_number_format"] = [_("Write {year} and {number} where they go (and {region} for the "
                                          "市州's short name), e.g. 〔{year}〕第{number}号.")]
    return value


_FIELDS = {"authority_name": _authority, "area_code": _area_code, "case_number_format": _case_number_format}


def set_region_data(region: Region, changes: dict, *, actor) -> dict:
    """Change the office data of ``region`` named in ``changes`` (fields not named keep their value); audited.
    Returns the changes made (field: (old, new))."""
    if not may_edit_region(actor, region):
        raise NotAllowed(_("You may only change your own region."))
    errors: dict[str, list[str]] = {}
    values = {field: _FIELDS[field](value, errors) for field, value in changes.items() if field in _FIELDS}
    if errors:
        raise ValidationFailed(_("The region's data are not valid."), errors)
    diff = {field: (getattr(region, field), value) for field, value in values.items()
            if getattr(region, field) != value}
    if not diff:
        return {}
    for field, (_old, new) in diff.items():
        setattr(region, field, new)
    db.session.flush()
    # Regions are keyed by their code; the audit log keys objects by number (the GB/T 2260 code is one).
    record_event(SimpleNamespace(id=int(region.code), __tablename__="regions", __audit_type__="region",
                                 region_code=region.code),
                 "update", actor, diff, note=region.name)
    clear_cache()
    return diff


def set_authority_name(region: Region, name: str | None, *, actor) -> bool:
    """Set the office that decides ``region``'s cases (printed on its decisions and public pages); audited.
    Returns whether it changed."""
    return bool(set_region_data(region, {"authority_name": name}, actor=actor))
