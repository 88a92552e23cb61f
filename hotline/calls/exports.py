"""The call list as XLSX: the page's rows with the page's filters, region scope and masking, read in batches."""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import gettext as _

from hotline.calls.forms import CALL_STATUS_LABELS, status_label
from hotline.calls.queries import CallFilters, encode_cursor, list_calls
from hotline.core import exports as core_exports
from hotline.core.permissions import PII_ROLES
from hotline.core.xlsx import Column, write_xlsx
from hotline.reference import queries as ref


def columns() -> list[Column]:
    return [Column(_("Reference"), 16), Column(_("Received"), 17, "datetime"), Column(_("Type"), 10),
            Column(_("Channel"), 10), Column(_("Region"), 10), Column(_("Caller name"), 12),
            Column(_("Caller number"), 16), Column(_("Accused party"), 24), Column(_("Summary"), 60),
            Column(_("Status"), 10)]


def call_rows(user, filters: CallFilters, *, batch: int | None = None) -> Iterator[tuple]:
    """Every row of the list (newest first), one keyset page of ``batch`` at a time: the list's own query
    (``list_calls``), so the filters, scope and search are the page's. Callers are masked unless the role sees
    them (PII_ROLES), as on the page; an export never reveals."""
    from hotline.calls.views import _caller_view, _category_labels

    batch = batch or core_exports.EXPORT_BATCH
    labels = _category_labels()
    types, channels = labels["request_type"], labels["channel"]
    regions = ref.region_map()
    statuses = {s.value: str(label) for s, label in CALL_STATUS_LABELS.items()}
    full = user.role in PII_ROLES
    anonymous = _("Anonymous")
    cursor = None
    while True:
        page, _next = list_calls(user, filters, cursor=cursor, page_size=batch, for_list=True, max_page_size=batch)
        for c in page:
            region = regions.get(c.region_code)
            caller = _caller_view(c.is_anonymous, c.caller_name, c.phone_key, c.caller_phone_raw, full=full)
            yield (c.ref, c.received_at, types.get(c.request_type, c.request_type or ""),
                   channels.get(c.channel, c.channel or ""), region.name if region else c.region_code,
                   anonymous if caller["anonymous"] else caller["name"], caller["number"], c.accused_party,
                   c.summary,
                   statuses.get(c.status, c.status) if c.transfer_status is None
                   else status_label(c.status, c.transfer_status))
        if _next is None:
            return
        cursor = encode_cursor(page[-1])


def export_calls(user, filters: CallFilters, subtitle: str, *, batch: int | None = None):
    """(temporary XLSX file, number of rows)."""
    return write_xlsx(_("Calls"), subtitle, columns(), call_rows(user, filters, batch=batch))
