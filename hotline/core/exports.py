"""What every list download shares: the filters described for the file's title row, and the audit of an export.

An export is audited as who exported which list, how many rows, and which filters were in effect — by name and
code only: a search text may be a name or a phone number, so the audit (and the log) records only that there
was one, never what it was.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from wtforms import BooleanField, SelectField

from hotline.core.audit import event_values, log_event
from hotline.core.models import AuditEvent
from hotline.extensions import db
from hotline.templating import local_tz

#: Filters whose value may be personal data (a search text): audited as present, never by value.
FREE_TEXT_FILTERS = frozenset({"q"})

#: Rows read from the database per query while an export is written (keyset pages of the list's own query).
EXPORT_BATCH = 1000


def _active(form):
    for name in form.FILTER_FIELDS:
        field = form._fields.get(name)
        if field is not None and field.data and not field.errors:
            yield name, field


def describe_filters(form) -> str:
    """"筛选：状态：已结案；地区：长沙市 · 导出时间：2026-12-07 20:15" — the file's second row."""
    parts = []
    for _name, field in _active(form):
        if isinstance(field, BooleanField):
            shown = _("yes")
        elif isinstance(field, SelectField):
            shown = next((str(label) for value, label, *_rest in field.iter_choices() if value == field.data),
                         str(field.data))
        elif hasattr(field.data, "isoformat"):
            shown = field.data.isoformat()
        else:
            shown = str(field.data)
        parts.append(f"{field.label.text}：{shown}")
    return subtitle(parts)


def api_filters(query, *, skip=("page_size", "cursor")) -> tuple[str, dict]:
    """An API list query's filters in effect: (the file's second row, the audit's codes — a search as ``true``)."""
    shown, codes = [], {}
    for name, value in query.model_dump(exclude_none=True).items():
        if name in skip or value is False or value == "":
            continue
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
        shown.append(f"{name}：{text}")
        codes[name] = True if name in FREE_TEXT_FILTERS or value is True else text
    return subtitle(shown), codes


def subtitle(parts: list[str]) -> str:
    filters = "；".join(parts) if parts else _("none")
    return _("Filters: %(filters)s · Exported at %(time)s", filters=filters,
             time=datetime.now(local_tz()).strftime("%Y-%m-%d %H:%M"))


def filter_codes(form) -> dict:
    """The filters in effect as codes for the audit: a search text only as ``true``."""
    codes = {}
    for name, field in _active(form):
        if name in FREE_TEXT_FILTERS or isinstance(field, BooleanField):
            codes[name] = True
        else:
            codes[name] = field.data.isoformat() if hasattr(field.data, "isoformat") else str(field.data)
    return codes


def audit_export(user, list_name: str, rows: int, form=None, *, filters: dict | None = None) -> AuditEvent:
    """One audit row ``export``: object ``export_<list>`` of the exporting user; changes ``rows`` and
    ``filter_<name>`` per filter in effect (codes and dates; a search only as ``true``)."""
    codes = filter_codes(form) if form is not None else dict(filters or {})
    changes = {"rows": (None, rows), **{f"filter_{name}": (None, value) for name, value in codes.items()}}
    values = event_values(f"export_{list_name}", "export", user, changes, region_code=user.region_code)
    event = AuditEvent(object_id=user.id, **values)
    db.session.add(event)
    log_event(values, user.id)
    return event
