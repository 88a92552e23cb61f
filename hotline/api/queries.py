"""Read helpers the API needs beyond the domain queries: list filters from query strings, users, versions."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date, datetime, time, timedelta

from flask import request
from sqlalchemy import select

from hotline.accounts.models import User
from hotline.calls.queries import CallFilters, decode_cursor
from hotline.core.clock import local_tz
from hotline.core.errors import ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.permissions import province_code, region_clause
from hotline.core.text import clean_text
from hotline.extensions import db
from hotline.reference import queries as ref

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
#: Bounds that keep every conversion (Beijing ↔ UTC, +1 day) inside what datetime and the databases hold.
_MIN_YEAR, _MAX_YEAR = 1900, 2999
_MAX_ID = 2**63 - 1


def parse_time_bound(field: str, value: str | None, *, end: bool) -> datetime | None:
    """``YYYY-MM-DD`` (a Beijing-time day: its start, or for ``end`` the start of the next day) or an ISO
    datetime with offset (for ``end``, inclusive). Returns an exclusive upper bound for ``end``."""
    if value is None or value == "":
        return None
    try:
        if _DATE.match(value):
            day = date.fromisoformat(value)
            if not _MIN_YEAR <= day.year <= _MAX_YEAR:
                raise ValueError
            bound = datetime.combine(day, time(0), tzinfo=local_tz())
            return bound + timedelta(days=1) if end else bound
        if not _DATETIME.match(value):
            raise ValueError
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(_("Invalid time."), {field: [
            _("Give a date (YYYY-MM-DD) or a date and time with its UTC offset (2015-05-28T09:15:00+08:00).")]}
        ) from None
    if moment.tzinfo is None:
        raise ValidationFailed(_("Naive time."), {field: [_("Give the time with its UTC offset (e.g. +08:00).")]})
    if not _MIN_YEAR <= moment.year <= _MAX_YEAR:
        raise ValidationFailed(_("Out of range."), {field: [_("Use a year between %(first)d and %(last)d.",
                                                               first=_MIN_YEAR, last=_MAX_YEAR)]})
    # Stored times have microsecond precision: "< t + 1 µs" is "<= t".
    return moment + timedelta(microseconds=1) if end else moment


def _check_code(field: str, value: str | None, choices) -> None:
    if value and value not in {c.code for c in choices()}:
        raise ValidationFailed(_("Unknown value."), {field: [_("Unknown value %(value)r.", value=value)]})


def call_filters(query) -> CallFilters:
    """Validated CallFilters from a CallListQuery (unknown codes → 422; another region's code matches nothing)."""
    received_from = parse_time_bound("received_from", query.received_from, end=False)
    received_to = parse_time_bound("received_to", query.received_to, end=True)
    if received_from and received_to and received_from >= received_to:
        raise ValidationFailed(_("Empty range."), {"received_to": [_("Must not be before received_from.")]})
    if query.region_code and query.region_code not in ref.region_map():
        raise ValidationFailed(_("Unknown region."),
                               {"region_code": [_("Unknown region %(code)r.", code=query.region_code)]})
    _check_code("request_type", query.request_type, ref.list_request_types)
    _check_code("channel", query.channel, ref.list_channels)
    _check_code("ip_type", query.ip_type, ref.list_ip_types)
    if query.cursor:
        after_at, call_id = decode_cursor(query.cursor)
        if not (0 <= call_id <= _MAX_ID and _MIN_YEAR <= after_at.year <= _MAX_YEAR):
            raise ValidationFailed(_("Invalid cursor."),
                                   {"cursor": [_("Invalid cursor; start again from the first page.")]})
    return CallFilters(received_from=received_from, received_to=received_to, region_code=query.region_code,
                       request_type=query.request_type, channel=query.channel, status=query.status,
                       ip_type=query.ip_type, q=clean_text(query.q))


def expected_version(body_version: int | None) -> int | None:
    """The version the client edited: ``If-Match`` (``3``, ``"3"`` or ``W/"3"``) or ``"version"`` in the body."""
    header = request.headers.get("If-Match")
    if header is None:
        return body_version
    text = header.strip().removeprefix("W/").strip('"')
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        raise ValidationFailed(_("Invalid If-Match."),
                               {"version": [_("If-Match must be the record's version number.")]})
    version = int(text)
    if body_version is not None and body_version != version:
        raise ValidationFailed(_("Conflicting versions."), {"version": [_("If-Match and the body's version differ.")]})
    return version


def _encode_id_cursor(value: int) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def _decode_id_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
        if not text.isascii() or not text.isdigit() or len(text) > 18:
            raise ValueError
        return int(text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed(_("Invalid cursor."),
                               {"cursor": [_("Invalid cursor; start again from the first page.")]}) from None


def list_users(viewer: User, *, role: str | None, region_code: str | None, cursor: str | None,
               page_size: int) -> tuple[list[User], str | None]:
    """Users in the viewer's region (province viewers: all), by id, keyset-paginated."""
    stmt = select(User)
    if viewer.region_code != province_code():
        stmt = stmt.where(region_clause(User.region_code, viewer))
    if role:
        stmt = stmt.where(User.role == role)
    if region_code:
        stmt = stmt.where(User.region_code == region_code)
    if cursor:
        stmt = stmt.where(User.id > _decode_id_cursor(cursor))
    rows = list(db.session.scalars(stmt.order_by(User.id).limit(page_size + 1)).unique())
    next_cursor = _encode_id_cursor(rows[page_size - 1].id) if len(rows) > page_size else None
    return rows[:page_size], next_cursor
