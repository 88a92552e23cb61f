"""Campaigns and trade fairs: create and edit (supervisors, audited), and the checks of the links cases and calls
keep to them. Each operation validates every field at once (ValidationFailed), flushes and audits; the caller
commits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from hotline.campaigns.models import Campaign, Exhibition
from hotline.core.audit import record_event
from hotline.core.errors import NotAllowed, ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.permissions import Role, is_ancestor_region, supervises
from hotline.core.text import clean_text
from hotline.extensions import db
from hotline.reference import queries as ref

MAX_ID = 2**31 - 1
_LIMITS = {"name": 200, "venue": 200}


class _Errors(dict):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise ValidationFailed(_("Please correct the highlighted fields."), dict(self))


def _text(data: dict, field: str, errors: _Errors, *, required: bool) -> str | None:
    value = data.get(field)
    if value is not None and not isinstance(value, str):
        errors.add(field, _("Must be text."))
        return None
    value = clean_text(value)
    if not value:
        if required:
            errors.add(field, _("Required."))
        return None
    if len(value) > _LIMITS[field]:
        errors.add(field, _("At most %(limit)d characters.", limit=_LIMITS[field]))
        return None
    return value


def _day(data: dict, field: str, errors: _Errors) -> date | None:
    value = data.get(field)
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, date) or isinstance(value, datetime):
        errors.add(field, _("A date is required (YYYY-MM-DD)."))
        return None
    if not 2000 <= value.year <= 2100:
        errors.add(field, _("Dates before 2000 are not accepted."))
        return None
    return value


def _period(data: dict, errors: _Errors, current: Any | None) -> dict[str, date]:
    out: dict[str, date] = {}
    for field in ("starts_on", "ends_on"):
        if current is None or field in data:
            day = _day(data, field, errors)
            if day is not None:
                out[field] = day
    starts = out.get("starts_on", getattr(current, "starts_on", None))
    ends = out.get("ends_on", getattr(current, "ends_on", None))
    if starts and ends and ends < starts and "ends_on" not in errors and "starts_on" not in errors:
        errors.add("ends_on", _("Cannot be before the first day."))
    return out


def _may_keep(actor, region_code: str, errors: _Errors, field: str) -> bool:
    """A supervisor keeps the campaigns and fairs of their own region (the province's: every region)."""
    if region_code not in ref.region_map():
        errors.add(field, _("Unknown region."))
        return False
    if not supervises(actor, region_code):
        errors.add(field, _("You can only name your own region."))
        return False
    return True


def _require_supervisor(actor) -> None:
    if getattr(actor, "role", None) != Role.supervisor:
        raise NotAllowed(_("Your role may not do this."))


# Campaigns ---------------------------------------------------------------------------------------------------

def normalize_campaign(data: dict[str, Any], *, actor, campaign: Campaign | None = None) -> dict[str, Any]:
    errors = _Errors()
    out: dict[str, Any] = {}
    if campaign is None or "name" in data:
        name = _text(data, "name", errors, required=True)
        if name:
            out["name"] = name
    out.update(_period(data, errors, campaign))
    if campaign is None or "region_codes" in data:
        codes = data.get("region_codes")
        if not isinstance(codes, list | tuple) or not codes or not all(isinstance(c, str) for c in codes):
            errors.add("region_codes", _("Choose at least one region."))
        else:
            codes = list(dict.fromkeys(codes))
            if all(_may_keep(actor, code, errors, "region_codes") for code in codes):
                from hotline.reference.models import Region

                out["regions"] = list(db.session.scalars(
                    select(Region).where(Region.code.in_(codes)).order_by(Region.sort_order)))
    errors.raise_if_any()
    return out


def create_campaign(data: dict[str, Any], *, actor) -> Campaign:
    _require_supervisor(actor)
    values = normalize_campaign(data, actor=actor)
    campaign = Campaign(created_by_id=actor.id, **values)
    db.session.add(campaign)
    db.session.flush()
    record_event(campaign, "create", actor, {
        "name": (None, campaign.name), "starts_on": (None, campaign.starts_on), "ends_on": (None, campaign.ends_on),
        "region_codes": (None, campaign.region_codes)})
    return campaign


def may_edit_campaign(actor, campaign: Campaign) -> bool:
    """Every region of the campaign is the supervisor's (the province's supervisors: all)."""
    return all(supervises(actor, code) for code in campaign.region_codes)


def update_campaign(campaign: Campaign, data: dict[str, Any], *, actor) -> dict[str, tuple[Any, Any]]:
    _require_supervisor(actor)
    if not may_edit_campaign(actor, campaign):
        raise NotAllowed(_("The campaign has regions other than yours: their office above edits it."))
    values = normalize_campaign(data, actor=actor, campaign=campaign)
    changes: dict[str, tuple[Any, Any]] = {}
    regions = values.pop("regions", None)
    if regions is not None and campaign.region_codes != [r.code for r in regions]:
        changes["region_codes"] = (campaign.region_codes, [r.code for r in regions])
        campaign.regions = regions
    return _apply(campaign, values, changes, actor=actor)


# Trade fairs -------------------------------------------------------------------------------------------------

def normalize_exhibition(data: dict[str, Any], *, actor, exhibition: Exhibition | None = None) -> dict[str, Any]:
    errors = _Errors()
    out: dict[str, Any] = {}
    for field in ("name", "venue"):
        if exhibition is None or field in data:
            value = _text(data, field, errors, required=True)
            if value:
                out[field] = value
    out.update(_period(data, errors, exhibition))
    if exhibition is None or "region_code" in data:
        code = data.get("region_code")
        if not isinstance(code, str) or not code:
            errors.add("region_code", _("Unknown region."))
        elif _may_keep(actor, code, errors, "region_code"):
            out["region_code"] = code
    if exhibition is None or "stationed" in data:
        stationed = data.get("stationed", False)
        if not isinstance(stationed, bool):
            errors.add("stationed", _("Must be true or false."))
        else:
            out["stationed"] = stationed
    errors.raise_if_any()
    return out


def create_exhibition(data: dict[str, Any], *, actor) -> Exhibition:
    _require_supervisor(actor)
    values = normalize_exhibition(data, actor=actor)
    exhibition = Exhibition(created_by_id=actor.id, **values)
    db.session.add(exhibition)
    db.session.flush()
    record_event(exhibition, "create", actor, {k: (None, v) for k, v in values.items()})
    return exhibition


def may_edit_exhibition(actor, exhibition: Exhibition) -> bool:
    return supervises(actor, exhibition.region_code)


def update_exhibition(exhibition: Exhibition, data: dict[str, Any], *, actor) -> dict[str, tuple[Any, Any]]:
    _require_supervisor(actor)
    if not may_edit_exhibition(actor, exhibition):
        raise NotAllowed(_("The trade fair is another region's: that region's office edits it."))
    values = normalize_exhibition(data, actor=actor, exhibition=exhibition)
    return _apply(exhibition, values, {}, actor=actor)


def _apply(record, values: dict[str, Any], changes: dict[str, tuple[Any, Any]], *, actor
           ) -> dict[str, tuple[Any, Any]]:
    """Set the normalized ``values`` that differ on a campaign or fair and audit every change (with ``changes``
    already made) in one update event; nothing changed, no event."""
    for field, new in values.items():
        old = getattr(record, field)
        if old != new:
            setattr(record, field, new)
            changes[field] = (old, new)
    if changes:
        db.session.flush()
        record_event(record, "update", actor, changes)
    return changes


# Links from cases and calls ------------------------------------------------------------------------------------

def covers(region_codes, region_code: str | None) -> bool:
    """A campaign or fair of these regions counts a record of ``region_code``: its own region, or an office above
    it (a campaign of the province runs in every 市州)."""
    return any(code == region_code or is_ancestor_region(code, region_code) for code in region_codes)


def _id(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return number if 0 < number <= MAX_ID else None


def link_values(data: dict[str, Any], region_code: str | None, errors, *, with_campaigns: bool) -> dict[str, Any]:
    """Check ``campaign_ids`` and ``exhibition_id`` of a case or call of ``region_code`` (errors on those fields):
    each must exist and cover the region. Returns ``{"campaigns": [Campaign …], "exhibition_id": id | None}`` for
    the keys present in ``data``."""
    out: dict[str, Any] = {}
    if not hasattr(errors, "add"):  # a plain {field: [messages]}
        plain = errors
        errors = _Errors()
        errors.add = lambda field, message: plain.setdefault(field, []).append(message)
    if with_campaigns and "campaign_ids" in data:
        raw = data.get("campaign_ids")
        if raw is None:
            raw = []
        ids = [_id(v) for v in raw] if isinstance(raw, list | tuple) else [None]
        if None in ids:
            errors.add("campaign_ids", _("A list of campaign ids."))
        else:
            ids = list(dict.fromkeys(ids))
            found = {c.id: c for c in db.session.scalars(select(Campaign).where(Campaign.id.in_(ids)))} if ids else {}
            missing = [i for i in ids if i not in found]
            outside = [i for i in ids if i in found and region_code and not covers(found[i].region_codes, region_code)]
            if missing:
                errors.add("campaign_ids", _("No such campaign: %(ids)s.", ids=", ".join(map(str, missing))))
            elif outside:
                errors.add("campaign_ids", _("The campaign does not run in this record's region: %(ids)s.",
                                             ids=", ".join(map(str, outside))))
            else:
                out["campaigns"] = sorted(found.values(), key=lambda c: (c.starts_on, c.id))
    if "exhibition_id" in data:
        raw = data.get("exhibition_id")
        if raw in (None, ""):
            out["exhibition_id"] = None
        else:
            fair_id = _id(raw)
            fair = db.session.get(Exhibition, fair_id) if fair_id else None
            if fair_id is None:
                errors.add("exhibition_id", _("A trade fair id."))
            elif fair is None:
                errors.add("exhibition_id", _("No such trade fair."))
            elif region_code and not covers([fair.region_code], region_code):
                errors.add("exhibition_id", _("The trade fair is in another region."))
            else:
                out["exhibition_id"] = fair.id
                out["exhibition"] = fair
    return out
