"""Beijing time: what "today" and "this month" mean for deadlines and statistics."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TZ = "Asia/Shanghai"


def local_tz() -> ZoneInfo:
    name = current_app.config.get("HOTLINE_TIMEZONE", DEFAULT_TZ) if has_app_context() else DEFAULT_TZ
    return ZoneInfo(name)


def local_date(value: datetime) -> date:
    """The Beijing calendar date of an aware datetime."""
    return value.astimezone(local_tz()).date()


def local_today() -> date:
    return datetime.now(local_tz()).date()
