"""Downloads of the statistics: the yearly summary as XLSX, DOCX and CSV, a monthly snapshot as XLSX.

The documents are the office's own reports, so their labels are Chinese whatever the UI language (the
narrative they carry is Chinese too). Numbers are stored as numbers (money as Decimal yuan, growth as a
percentage with one decimal); a growth whose base is zero is shown as "—". The only text that does not come
from this module is region names; text cells are still guarded against formula injection.

Interface used by the views and the JSON API:
``yearly_xlsx(summary) -> bytes``, ``yearly_docx(summary) -> bytes``, ``yearly_csv(summary) -> str``,
``monthly_xlsx(snapshot_data, month, region_code) -> bytes``, plus ``yearly_filename``, ``monthly_filename``
and ``content_disposition`` for the response headers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from flask import has_app_context

from hotline.core.permissions import province_code

DASH = "—"
MONEY_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
GROWTH_FORMAT = "0.0"
PERCENT_FORMAT = "0.0"

MIME_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIME_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MIME_CSV = "text/csv; charset=utf-8"

#: Rows of the totals table: (dotted key, label, kind). kind: count | money | percent.
#: Keys with a year-over-year growth line are those of hotline.stats.yearly.GROWTH_KEYS.
TOTAL_ROWS: tuple[tuple[str, str, str], ...] = (
    ("cases.total", "专利行政执法办案总量(件)", "count"),
    ("cases.disputes", "专利纠纷(件)", "count"),
    ("cases.infringement_disputes", "其中:专利侵权纠纷(件)", "count"),
    ("cases.other_disputes", "其他专利纠纷(件)", "count"),
    ("cases.counterfeit", "假冒专利(件)", "count"),
    ("cases.closed", "结案(件)", "count"),
    ("cases.pending_start", "期初未结(件)", "count"),
    ("cases.closure_rate", "结案率(%)=结案÷(期初未结+立案)", "percent"),
    ("cases.pending_end", "期末未结(件)", "count"),
    ("cases.mediated", "调解结案(件)", "count"),
    ("cases.transferred_judicial", "移送司法机关(件)", "count"),
    ("cases.exhibition", "展会案件(件)", "count"),
    ("cases.ecommerce", "电商领域案件(件)", "count"),
    ("cases.campaign", "专项行动案件(件)", "count"),
    ("cases.amount_involved", "涉案金额(元)", "money"),
    ("cases.fines", "罚款(元)", "money"),
    ("cases.confiscated", "没收违法所得(元)", "money"),
    ("calls.total", "12330热线来电(个)", "count"),
    ("calls.phone_total", "其中:电话(个)", "count"),
    ("calls.reports_and_complaints", "举报投诉(个)", "count"),
    ("calls.exhibition", "展会来电(个)", "count"),
    ("calls.monthly_average_phone", "月平均接听电话(个)", "count"),
)

#: The enforcement work beside the cases (the ``enforcement`` block): (key, label).
ENFORCEMENT_ROWS: tuple[tuple[str, str], ...] = (
    ("decisions_published", "网上公开行政处罚决定书(份)"),
    ("files_reviewed", "抽查案卷(宗)"),
    ("files_excellent", "优秀案卷(宗)"),
    ("transferred_judicial", "移送司法机关案件(件)"),
    ("judicial_confirmations", "司法确认案件(件)"),
    ("campaigns", "集中整治执法专项行动(次)"),
    ("exhibitions_stationed", "入驻大型展会开展巡查(个)"),
)

#: Columns of the per-region table: (row key, header, kind).
REGION_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("label", "地区", "text"),
    ("cases_total", "办案总量(件)", "count"),
    ("growth_cases_total", "办案总量同比增长(%)", "growth"),
    ("disputes", "专利纠纷(件)", "count"),
    ("infringement_disputes", "其中:侵权纠纷(件)", "count"),
    ("other_disputes", "其他纠纷(件)", "count"),
    ("counterfeit", "假冒专利(件)", "count"),
    ("closed", "结案(件)", "count"),
    ("transferred_judicial", "移送司法机关(件)", "count"),
    ("amount_involved", "涉案金额(元)", "money"),
    ("fines", "罚款(元)", "money"),
    ("calls_total", "热线来电(个)", "count"),
    ("calls_phone", "其中:电话(个)", "count"),
)

#: Column widths of the per-region table in the landscape DOCX (26 cm between the margins).
REGION_WIDTHS_CM = (1.9, 1.6, 1.9, 1.6, 1.7, 1.6, 1.6, 1.6, 1.8, 3.0, 2.6, 1.7, 1.7)

OUTCOME_ZH = {
    "infringement_found": "认定侵权", "request_dismissed": "驳回请求", "mediated": "调解结案", "withdrawn": "撤回请求",
    "revoked": "撤销案件", "penalized": "行政处罚", "exempted": "不予处罚", "transferred_police": "移送公安",
}

#: Monthly snapshot figures other than the breakdowns: (section, key, label, kind).
MONTHLY_CALL_ROWS = (
    ("calls", "total", "来电总数(个)", "count"),
    ("calls", "phone_total", "其中:电话(个)", "count"),
    ("calls", "reports_and_complaints", "举报投诉(个)", "count"),
    ("calls", "transferred", "转办(个)", "count"),
    ("calls", "case_opened", "立案处理(个)", "count"),
    ("calls", "not_accepted", "不予受理(个)", "count"),
    ("calls", "answered", "已答复(个)", "count"),
    ("calls", "closed", "已反馈办结(个)", "count"),
    ("calls", "decided_in_time", "按期处理(个)", "count"),
    ("calls", "undecided_overdue", "超期未处理(个)", "count"),
    ("calls", "exhibition", "展会来电(个)", "count"),
)
MONTHLY_CASE_ROWS = (
    ("cases", "received", "收到案件(件)", "count"),
    ("cases", "filed", "立案(件)", "count"),
    ("cases", "disputes", "专利纠纷(件)", "count"),
    ("cases", "infringement_disputes", "其中:专利侵权纠纷(件)", "count"),
    ("cases", "other_disputes", "其他专利纠纷(件)", "count"),
    ("cases", "counterfeit", "假冒专利(件)", "count"),
    ("cases", "not_accepted", "不予受理(件)", "count"),
    ("cases", "closed", "结案(件)", "count"),
    ("cases", "pending_end", "月末未结(件)", "count"),
    ("cases", "overdue", "超期(件)", "count"),
    ("cases", "transferred_judicial", "移送司法机关(件)", "count"),
    ("cases", "mediated", "调解结案(件)", "count"),
    ("cases", "judicial_confirmation", "司法确认(件)", "count"),
    ("cases", "exhibition", "展会案件(件)", "count"),
    ("cases", "campaign", "专项行动案件(件)", "count"),
    ("cases", "ecommerce", "电商领域案件(件)", "count"),
    ("cases", "major", "重大案件(件)", "count"),
    ("cases", "foreign_related", "涉外案件(件)", "count"),
    ("cases", "amount_involved", "涉案金额(元)", "money"),
    ("cases", "fines", "罚款(元)", "money"),
    ("cases", "confiscated", "没收违法所得(元)", "money"),
)

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# ---------------------------------------------------------------------------------------------------------------
# Shared helpers


def safe_text(value: Any) -> str:
    """Text for a cell: a leading = + - @ (or tab/CR) gets a quote so no spreadsheet reads it as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text


def to_decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value is not None else 0))
    except InvalidOperation:
        return Decimal(0)


def _get(data: dict[str, Any], dotted: str) -> Any:
    section, key = dotted.split(".")
    return (data.get(section) or {}).get(key)


def _cell_value(value: Any, kind: str) -> Any:
    """A value as it is stored in a spreadsheet cell (numbers stay numbers; None growth becomes "—")."""
    if kind == "money":
        return to_decimal(value).quantize(Decimal("0.01"))
    if kind in ("growth", "percent"):
        return DASH if value is None else float(value)
    if kind == "count":
        return 0 if value is None else int(value)
    return safe_text(value)


def _plain(value: Any, kind: str) -> str:
    """A value as text (CSV, DOCX): money with two decimals, growth with one, "—" for no growth."""
    if kind == "money":
        return f"{to_decimal(value).quantize(Decimal('0.01')):,.2f}"
    if kind in ("growth", "percent"):
        return DASH if value is None else f"{float(value):.1f}"
    if kind == "count":
        return str(0 if value is None else int(value))
    return safe_text(value)


def _csv_plain(value: Any, kind: str) -> str:
    """CSV cells are read back by programs: money without thousands separators."""
    if kind == "money":
        return f"{to_decimal(value).quantize(Decimal('0.01'))}"
    return _plain(value, kind)


def region_name(region_code: str) -> str:
    """全省 for the province, the region's full name otherwise (its code outside an app context)."""
    if region_code == province_code():
        return "全省"
    if has_app_context():
        from hotline.reference import queries as ref

        region = ref.region_map().get(region_code)
        if region is not None:
            return region.name
    from hotline.reference import data

    return next((name for code, name, *_ in data.PREFECTURES if code == region_code), region_code)


def yearly_title(summary: dict[str, Any]) -> str:
    return f"{summary['year']}年{region_name(summary['region_code'])}专利行政执法和12330热线工作统计"


def yearly_filename(summary: dict[str, Any], ext: str) -> str:
    return f"{yearly_title(summary)}.{ext}"


def monthly_filename(month: str, region_code: str) -> str:
    return f"{month}{region_name(region_code)}专利行政执法和12330热线月度统计.xlsx"


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the RFC 5987 UTF-8 name (Chinese names in every browser)."""
    stem, dot, ext = filename.rpartition(".")
    ascii_name = re.sub(r"_+", "_", "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_"
                                            for ch in stem)).strip("_")
    fallback = f"{ascii_name or 'report'}{dot}{ext}" if dot else (ascii_name or "report")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _category_labels(kind: str) -> dict[str, str]:
    """Chinese labels in the reference order: the database's when there is an app context, the seed's otherwise."""
    if has_app_context():
        from hotline.reference import queries as ref

        source = {"request_type": ref.list_request_types, "channel": ref.list_channels,
                  "ip_type": ref.list_ip_types}[kind]
        labels = {c.code: c.name_zh for c in source()}
    else:
        from hotline.reference import data

        rows = {"request_type": data.REQUEST_TYPES, "channel": data.CHANNELS, "ip_type": data.IP_TYPES}[kind]
        labels = {code: zh for code, zh, _ in rows}
    if kind == "ip_type":
        labels["unspecified"] = "未注明"
    return labels


def _ordered(breakdown: dict[str, Any], labels: dict[str, str]) -> list[tuple[str, int]]:
    """(label, count) in the reference order, then any code the labels do not know."""
    rows = [(labels[code], int(breakdown.get(code) or 0)) for code in labels if code in breakdown]
    rows += [(code, int(value or 0)) for code, value in breakdown.items() if code not in labels]
    return rows


_NO_GROWTH_KEYS = ("cases.pending_start", "cases.closure_rate", "cases.pending_end", "calls.monthly_average_phone")


def total_rows(summary: dict[str, Any]) -> list[tuple[str, Any, Any, float | None, str, bool]]:
    """(label, this year, last year, growth %, kind, has growth) for the totals table.

    Rates, averages and end-of-period stocks have no year-over-year line; last year's pending cases are shown.
    """
    previous = summary.get("previous") or {}
    growth = summary.get("growth") or {}
    out = []
    for key, label, kind in TOTAL_ROWS:
        current = _get(summary, key)
        if current is None:
            continue
        if key in _NO_GROWTH_KEYS:
            # A rate, an average or the stock at the end of the period: no growth line; last year's stock is shown.
            prev = _get(previous, key) if key == "cases.pending_end" else None
            out.append((label, current, prev, None, kind, False))
        else:
            out.append((label, current, _get(previous, key), growth.get(key), kind, True))
    return out


def enforcement_cells(summary: dict[str, Any]) -> list[list[tuple[Any, str]]]:
    """Typed cells of the enforcement table (label, number); none when the summary has no such block."""
    block = summary.get("enforcement") or {}
    return [[(label, "text"), (block.get(key), "count")] for key, label in ENFORCEMENT_ROWS if key in block]


def _total_cells(summary: dict[str, Any]) -> list[list[tuple[Any, str]]]:
    """Typed cells of the totals table (blank where a value has no meaning)."""
    blank = ("", "text")
    return [[(label, "text"), (current, kind), blank if previous is None else (previous, kind),
             (growth, "growth") if has_growth else blank]
            for label, current, previous, growth, kind, has_growth in total_rows(summary)]


# ---------------------------------------------------------------------------------------------------------------
# XLSX


def _xlsx_styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="B7C0CC")
    return {
        "title": Font(bold=True, size=14),
        "header": Font(bold=True, color="FFFFFF"),
        "header_fill": PatternFill("solid", fgColor="2F5D8A"),
        "total_font": Font(bold=True),
        "total_fill": PatternFill("solid", fgColor="E8EEF5"),
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "wrap": Alignment(wrap_text=True, vertical="top"),
        "right": Alignment(horizontal="right"),
    }


def _write_table(ws, headers: Sequence[str], rows: Iterable[Sequence[tuple[Any, str]]], *, widths: Sequence[int],
                 start_row: int = 1, total_last: bool = False) -> int:
    """Header row (bold, filled, frozen when at the top) and typed rows; returns the next free row."""
    from openpyxl.utils import get_column_letter

    st = _xlsx_styles()
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=start_row, column=col, value=safe_text(header))
        cell.font, cell.fill, cell.alignment, cell.border = st["header"], st["header_fill"], st["center"], st["border"]
    row_index = start_row
    rows = list(rows)
    for i, row in enumerate(rows):
        row_index += 1
        for col, (value, kind) in enumerate(row, start=1):
            cell = ws.cell(row=row_index, column=col, value=_cell_value(value, kind))
            cell.border = st["border"]
            if kind == "money":
                cell.number_format = MONEY_FORMAT
            elif kind in ("growth", "percent"):
                cell.number_format = GROWTH_FORMAT
                if cell.value == DASH:
                    cell.alignment = st["right"]
            elif kind == "count":
                cell.number_format = COUNT_FORMAT
            if total_last and i == len(rows) - 1:
                cell.font, cell.fill = st["total_font"], st["total_fill"]
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[start_row].height = 30
    _print_setup(ws, landscape=sum(widths) > 90)
    return row_index + 1


def _print_setup(ws, *, landscape: bool) -> None:
    """A4, one page wide, the header row repeated on every printed page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:1"


def _workbook_bytes(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _workbook(title: str):
    from openpyxl import Workbook

    wb = Workbook()
    wb.properties.title = title
    wb.properties.creator = "12330"
    wb.properties.created = wb.properties.modified = datetime.now(UTC).replace(tzinfo=None)
    return wb


def yearly_xlsx(summary: dict[str, Any]) -> bytes:
    """Sheets 概要 (totals, growth, narrative), 分地区 (per-region table, province only), 月度 (monthly series)."""
    wb = _workbook(yearly_title(summary))
    st = _xlsx_styles()

    ws = wb.active
    ws.title = "概要"
    year = summary["year"]
    _write_table(ws, ["指标", f"{year}年", f"{year - 1}年", "同比增长(%)"], _total_cells(summary),
                 widths=[30, 16, 16, 14])
    ws.freeze_panes = "A2"
    note_row = ws.max_row + 2
    ws.cell(row=note_row, column=1, value=safe_text(yearly_title(summary))).font = st["title"]
    narrative = ws.cell(row=note_row + 1, column=1, value=safe_text(summary.get("narrative", "")))
    narrative.alignment = st["wrap"]
    ws.merge_cells(start_row=note_row + 1, start_column=1, end_row=note_row + 1, end_column=4)
    ws.row_dimensions[note_row + 1].height = 120
    if summary.get("months", 12) < 12:
        ws.cell(row=note_row + 2, column=1, value=f"统计期间:{year}年1—{summary['months']}月")

    if summary.get("by_region"):
        ws = wb.create_sheet("分地区")
        _write_table(ws, [header for _, header, _ in REGION_COLUMNS],
                     ([(row.get(key), kind) for key, _, kind in REGION_COLUMNS] for row in summary["by_region"]),
                     widths=[12, 12, 14, 12, 14, 12, 12, 10, 14, 16, 14, 12, 12], total_last=True)
        ws.freeze_panes = "B2"

    ws = wb.create_sheet("月度")
    request_labels = _category_labels("request_type")
    monthly = summary.get("monthly") or []
    codes = [code for code in request_labels if any(code in (m.get("calls_by_request_type") or {}) for m in monthly)]
    previous_by_month = {m["month"][5:]: m for m in summary.get("monthly_previous") or []}
    headers = ["月份", "来电(个)", *[f"{request_labels[c]}(个)" for c in codes], "立案(件)", "专利纠纷(件)",
               "假冒专利(件)", f"{year - 1}年同月来电(个)", f"{year - 1}年同月立案(件)"]
    rows = []
    for m in monthly:
        prev = previous_by_month.get(m["month"][5:], {})
        rows.append([(m["month"], "text"), (m.get("calls"), "count"),
                     *[((m.get("calls_by_request_type") or {}).get(c), "count") for c in codes],
                     (m.get("cases_filed"), "count"), (m.get("disputes"), "count"), (m.get("counterfeit"), "count"),
                     (prev.get("calls"), "count"), (prev.get("cases_filed"), "count")])
    if monthly:
        rows.append([("合计", "text"), (sum(m.get("calls") or 0 for m in monthly), "count"),
                     *[(sum((m.get("calls_by_request_type") or {}).get(c) or 0 for m in monthly), "count")
                       for c in codes],
                     (sum(m.get("cases_filed") or 0 for m in monthly), "count"),
                     (sum(m.get("disputes") or 0 for m in monthly), "count"),
                     (sum(m.get("counterfeit") or 0 for m in monthly), "count"),
                     (sum(previous_by_month.get(m["month"][5:], {}).get("calls") or 0 for m in monthly), "count"),
                     (sum(previous_by_month.get(m["month"][5:], {}).get("cases_filed") or 0 for m in monthly),
                      "count")])
    _write_table(ws, headers, rows, widths=[10, 10, *[10] * len(codes), 10, 12, 12, 16, 16], total_last=bool(monthly))
    ws.freeze_panes = "B2"

    if enforcement_cells(summary):
        ws = wb.create_sheet("执法工作")
        _write_table(ws, ["指标", f"{year}年"], enforcement_cells(summary), widths=[30, 16])
        ws.freeze_panes = "A2"
    return _workbook_bytes(wb)


def monthly_xlsx(snapshot_data: dict[str, Any], month: str, region_code: str) -> bytes:
    """One month's snapshot: sheets 来电 (figures and breakdowns) and 案件 (figures and closing outcomes)."""
    wb = _workbook(monthly_filename(month, region_code).rsplit(".", 1)[0])
    calls = snapshot_data.get("calls") or {}
    cases = snapshot_data.get("cases") or {}

    ws = wb.active
    ws.title = "来电"
    row = _write_table(ws, ["指标", "数量"],
                       ([(label, "text"), (calls.get(key), kind)] for _, key, label, kind in MONTHLY_CALL_ROWS),
                       widths=[26, 14])
    ws.freeze_panes = "A2"
    for kind, title in (("request_type", "按诉求类型"), ("channel", "按来电渠道"), ("ip_type", "按知识产权类型")):
        key = {"request_type": "by_request_type", "channel": "by_channel", "ip_type": "by_ip_type"}[kind]
        breakdown = calls.get(key) or {}
        row = _write_table(ws, [title, "数量(个)"], ([(label, "text"), (value, "count")]
                                                    for label, value in _ordered(breakdown, _category_labels(kind))),
                           widths=[26, 14], start_row=row + 1)

    ws = wb.create_sheet("案件")
    row = _write_table(ws, ["指标", "数量"],
                       ([(label, "text"), (cases.get(key), kind)] for _, key, label, kind in MONTHLY_CASE_ROWS),
                       widths=[26, 18])
    ws.freeze_panes = "A2"
    _write_table(ws, ["结案方式", "数量(件)"],
                 ([(label, "text"), (value, "count")]
                  for label, value in _ordered(cases.get("closed_by_outcome") or {}, OUTCOME_ZH)),
                 widths=[26, 18], start_row=row + 1)
    return _workbook_bytes(wb)


# ---------------------------------------------------------------------------------------------------------------
# DOCX


def _docx_font(run_or_style, name: str = "宋体", size: float | None = None, bold: bool | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font = run_or_style.font
    font.name = name
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    element = run_or_style.element if hasattr(run_or_style, "element") else run_or_style._element
    rpr = element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), name)


def _docx_table(doc, headers: Sequence[str], rows: Sequence[Sequence[tuple[Any, str]]], *,
                widths_cm: Sequence[float], size: float = 9, total_last: bool = False):
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _docx_font(paragraph.add_run(safe_text(header)), "黑体", size, bold=True)
    _repeat_header(table.rows[0])
    for i, values in enumerate(rows):
        cells = table.add_row().cells
        for cell, (value, kind) in zip(cells, values, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if kind == "text" else WD_ALIGN_PARAGRAPH.RIGHT
            _docx_font(paragraph.add_run(_plain(value, kind) if value != "" else ""), "宋体", size,
                       bold=total_last and i == len(rows) - 1)
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)
    return table


def _repeat_header(row) -> None:
    """Mark a table's first row as a header row that Word repeats on each page."""
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    header = tr_pr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"})
    tr_pr.append(header)


def yearly_docx(summary: dict[str, Any]) -> bytes:
    """The summary as an editable Word document: title, narrative, totals table, per-region table."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    doc.core_properties.title = yearly_title(summary)
    doc.core_properties.author = "12330"
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.4)
    section.top_margin = section.bottom_margin = Cm(2.5)
    _docx_font(doc.styles["Normal"], "仿宋", 12)

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _docx_font(title.add_run(safe_text(yearly_title(summary))), "黑体", 18, bold=True)
    year = summary["year"]
    if summary.get("months", 12) < 12:
        period = doc.add_paragraph()
        period.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _docx_font(period.add_run(f"(统计期间:{year}年1—{summary['months']}月)"), "楷体", 12)

    narrative = doc.add_paragraph()
    narrative.paragraph_format.first_line_indent = Pt(24)
    narrative.paragraph_format.line_spacing = 1.5
    _docx_font(narrative.add_run(safe_text(summary.get("narrative", ""))), "仿宋", 14)

    heading = doc.add_paragraph()
    _docx_font(heading.add_run("一、主要指标"), "黑体", 14, bold=True)
    _docx_table(doc, ["指标", f"{year}年", f"{year - 1}年", "同比增长(%)"], _total_cells(summary),
                widths_cm=[6.6, 3.6, 3.6, 2.4], size=10.5)

    if enforcement_cells(summary):
        heading = doc.add_paragraph()
        _docx_font(heading.add_run("执法工作"), "黑体", 14, bold=True)
        _docx_table(doc, ["指标", f"{year}年"], enforcement_cells(summary), widths_cm=[10.2, 6.0], size=10.5)

    if summary.get("by_region"):
        new_section = doc.add_section()
        new_section.orientation = WD_ORIENT.LANDSCAPE
        new_section.page_width, new_section.page_height = Cm(29.7), Cm(21)
        new_section.left_margin = new_section.right_margin = Cm(1.8)
        heading = doc.add_paragraph()
        _docx_font(heading.add_run("二、分地区情况"), "黑体", 14, bold=True)
        _docx_table(doc, [header for _, header, _ in REGION_COLUMNS],
                    [[(row.get(key), kind) for key, _, kind in REGION_COLUMNS] for row in summary["by_region"]],
                    widths_cm=REGION_WIDTHS_CM, size=8, total_last=True)
        note = doc.add_paragraph()
        own_row = "“其他”为登记在全省、未分到市州的来电和案件。" if summary["region_code"] == province_code() else \
            f"“{summary['by_region'][-2]['label']}”为登记在{region_name(summary['region_code'])}本身、未分到县市区的来电和案件。"
        _docx_font(note.add_run("注:办案总量=专利纠纷立案+假冒专利立案;" + own_row), "楷体", 10)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------------------------
# CSV


def yearly_csv(summary: dict[str, Any]) -> str:
    """The per-region table (or the totals for a 市州), UTF-8 with a BOM so Excel reads the Chinese."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    if summary.get("by_region"):
        writer.writerow([header for _, header, _ in REGION_COLUMNS])
        for row in summary["by_region"]:
            writer.writerow([_csv_plain(row.get(key), kind) for key, _, kind in REGION_COLUMNS])
    else:
        year = summary["year"]
        writer.writerow(["地区", "指标", f"{year}年", f"{year - 1}年", "同比增长(%)"])
        where = region_name(summary["region_code"])
        for label, current, previous, growth, kind, has_growth in total_rows(summary):
            writer.writerow([safe_text(where), safe_text(label), _csv_plain(current, kind),
                             "" if previous is None else _csv_plain(previous, kind),
                             _csv_plain(growth, "growth") if has_growth else ""])
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------------------------
# Performance of the regions (绩效考核)

def performance_title(table: dict[str, Any]) -> str:
    period = table["period"]
    when = f"{period}年" if len(period) == 4 else f"{period[:4]}年{int(period[5:])}月"
    where = "各市州" if table["region_code"] == province_code() else f"{region_name(table['region_code'])}各县市区"
    return f"{when}{where}专利行政执法和12330热线工作绩效考核"


def performance_filename(table: dict[str, Any], ext: str) -> str:
    return f"{performance_title(table)}.{ext}"


def _performance_kind(kind: str) -> str:
    return {"percent": "percent", "score": "percent", "count": "count"}[kind]


def _performance_headers(table: dict[str, Any]) -> list[str]:
    units = {"percent": "(%)", "score": "(分)", "count": "(件)"}
    from hotline.stats.performance import INDICATORS

    kinds = {i.code: i.kind for i in INDICATORS}
    return ["名次", "地区", *[f"{i['name']}{units[kinds[i['code']]]}" for i in table["indicators"]], "综合得分"]


def _performance_cells(table: dict[str, Any]) -> list[list[tuple[Any, str]]]:
    from hotline.stats.performance import INDICATORS

    kinds = {i.code: _performance_kind(i.kind) for i in INDICATORS}
    rows = []
    for row in [*table["rows"], {**table["total"], "rank": None, "name": table["total"]["name"] + "(合计)"}]:
        rows.append([(DASH if row.get("rank") is None else str(row["rank"]), "text"), (row["name"], "text"),
                     *[(row["values"][i["code"]], kinds[i["code"]]) for i in table["indicators"]],
                     (row["score"], "percent")])
    return rows


def _performance_formulas(table: dict[str, Any]) -> list[list[tuple[Any, str]]]:
    return [[(i["name"], "text"), (i["formula"], "text"), (i["weight"], "percent")] for i in table["indicators"]]


def performance_xlsx(table: dict[str, Any]) -> bytes:
    """Sheets 排名 (the ranked table, the region as a whole last) and 指标说明 (formulas, weights, the rule)."""
    wb = _workbook(performance_title(table))
    st = _xlsx_styles()
    ws = wb.active
    ws.title = "排名"
    next_row = _write_table(ws, _performance_headers(table), _performance_cells(table),
                            widths=[8, 14, *[14] * len(table["indicators"]), 12], total_last=True)
    ws.freeze_panes = "C2"
    ws.cell(row=next_row + 1, column=1, value=safe_text(performance_title(table))).font = st["title"]
    if not table["rows"]:
        ws.cell(row=next_row + 2, column=1, value="该地区没有下级地区,无排名。")
    ws = wb.create_sheet("指标说明")
    next_row = _write_table(ws, ["指标", "计算公式", "权重"], _performance_formulas(table), widths=[18, 80, 10])
    rule = ws.cell(row=next_row + 1, column=1, value=safe_text(table["score_rule"]))
    rule.alignment = st["wrap"]
    ws.merge_cells(start_row=next_row + 1, start_column=1, end_row=next_row + 1, end_column=3)
    ws.row_dimensions[next_row + 1].height = 60
    return _workbook_bytes(wb)


def performance_docx(table: dict[str, Any]) -> bytes:
    """The assessment as a Word document: title, the ranked table (landscape), the formulas and the rule."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    doc = Document()
    doc.core_properties.title = performance_title(table)
    doc.core_properties.author = "12330"
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    section.left_margin = section.right_margin = Cm(1.8)
    section.top_margin = section.bottom_margin = Cm(2.0)
    _docx_font(doc.styles["Normal"], "仿宋", 12)

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _docx_font(title.add_run(safe_text(performance_title(table))), "黑体", 18, bold=True)
    heading = doc.add_paragraph()
    _docx_font(heading.add_run("一、考核排名"), "黑体", 14, bold=True)
    if table["rows"]:
        n = len(table["indicators"])
        _docx_table(doc, _performance_headers(table), _performance_cells(table),
                    widths_cm=[1.2, 2.6, *[(26.1 - 1.2 - 2.6 - 1.8) / n] * n, 1.8], size=8, total_last=True)
    else:
        _docx_font(doc.add_paragraph().add_run("该地区没有下级地区,无排名。"), "仿宋", 12)
    heading = doc.add_paragraph()
    _docx_font(heading.add_run("二、指标与计分"), "黑体", 14, bold=True)
    _docx_table(doc, ["指标", "计算公式", "权重"], _performance_formulas(table), widths_cm=[4.0, 19.6, 2.0],
                size=9)
    note = doc.add_paragraph()
    _docx_font(note.add_run(safe_text(table["score_rule"])), "楷体", 10)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
