"""The case list as XLSX: the page's filters and region scope (``queries.filtered``), read in keyset batches of
plain columns (no entities pile up in the session), with what the case page shows of each case."""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import gettext as _
from sqlalchemy import and_, or_

from hotline.cases.forms import CASE_STATUS_LABELS, CASE_TYPE_LABELS, OUTCOME_LABELS
from hotline.cases.models import Case
from hotline.cases.queries import CaseFilters, filtered
from hotline.core import exports as core_exports
from hotline.core.xlsx import Column, write_xlsx
from hotline.extensions import db
from hotline.reference import queries as ref

_COLUMNS = (Case.id, Case.case_number, Case.received_on, Case.case_type, Case.requester_name, Case.respondent_name,
            Case.patent_number, Case.region_code, Case.status, Case.filed_on, Case.closed_on, Case.outcome,
            Case.amount_involved, Case.fine_amount, Case.next_due_on, Case.is_major, Case.summary)


def columns() -> list[Column]:
    return [Column(_("Case number"), 24), Column(_("Received on"), 11, "date"), Column(_("Type"), 16),
            Column(_("Requester"), 20), Column(_("Respondent"), 24), Column(_("Patent number"), 18),
            Column(_("Region"), 10), Column(_("Status"), 10), Column(_("Filed on"), 11, "date"),
            Column(_("Closed on"), 11, "date"), Column(_("Outcome"), 12),
            Column(_("Amount involved"), 14, "money"), Column(_("Fine"), 12, "money"),
            Column(_("Next deadline"), 11, "date"), Column(_("Major"), 6), Column(_("Officers"), 16),
            Column(_("Summary"), 60)]


def case_rows(user, filters: CaseFilters, *, batch: int | None = None) -> Iterator[tuple]:
    """Every case of the list, newest receipt first (the page's order), ``batch`` at a time."""
    from hotline.cases.views import _officer_names

    batch = batch or core_exports.EXPORT_BATCH
    regions = ref.region_map()
    types = {k: str(v) for k, v in CASE_TYPE_LABELS.items()}
    statuses = {k: str(v) for k, v in CASE_STATUS_LABELS.items()}
    outcomes = {k: str(v) for k, v in OUTCOME_LABELS.items()}
    yes = _("yes")
    base = filtered(user, filters).with_only_columns(*_COLUMNS)
    after = None
    while True:
        stmt = base
        if after is not None:
            on, id_ = after
            stmt = stmt.where(Case.received_on <= on, or_(Case.received_on < on,
                                                          and_(Case.received_on == on, Case.id < id_)))
        page = list(db.session.execute(stmt.order_by(Case.received_on.desc(), Case.id.desc()).limit(batch)))
        officers = _officer_names([c.id for c in page])
        for c in page:
            region = regions.get(c.region_code)
            yield (c.case_number or f"#{c.id}", c.received_on, types.get(c.case_type, c.case_type),
                   c.requester_name, c.respondent_name, c.patent_number, region.name if region else c.region_code,
                   statuses.get(c.status, c.status), c.filed_on, c.closed_on,
                   outcomes.get(c.outcome, c.outcome or ""), c.amount_involved, c.fine_amount, c.next_due_on,
                   yes if c.is_major else "", "、".join(officers.get(c.id, ())), c.summary)
        if len(page) < batch:
            return
        after = (page[-1].received_on, page[-1].id)


def export_cases(user, filters: CaseFilters, subtitle: str, *, batch: int | None = None):
    """(temporary XLSX file, number of rows)."""
    return write_xlsx(_("Cases"), subtitle, columns(), case_rows(user, filters, batch=batch))
