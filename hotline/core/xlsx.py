"""Lists out of the product: an XLSX written row by row to a temporary file, then streamed.

XlsxWriter's ``constant_memory`` mode flushes each row to disk as soon as the next one starts, so the worker's
memory stays flat however many rows the list has (bench/exports.py: 10,000 and 100,000 calls); the rows come
from the database in keyset-paginated batches (the callers), never all at once. The file is a temporary file
deleted when the response has been sent (or on error).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

import xlsxwriter
from flask import Response

from hotline.templating import local_tz

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Column(NamedTuple):
    header: str
    width: int = 14
    #: text, datetime (an aware datetime: shown in Asia/Shanghai), date, money (Decimal: a number, 2 decimals), int
    kind: str = "text"


def _excel_text(value: str) -> str:
    """Text as a cell shows it. A cell beginning with = + - @ is stored as text by write_string (never a formula);
    Excel's limit of 32,767 characters per cell is kept."""
    return value[:32767]


def write_xlsx(title: str, subtitle: str, columns: Sequence[Column], rows: Iterable[Sequence]) -> tuple[object, int]:
    """Write ``rows`` under a title row, a filter/time row and the header; return (open temporary file at 0, rows).

    Each value goes in as its kind: datetimes as Excel dates in the local time zone, money as numbers with two
    decimals, text always as text (``write_string``: nothing a caller typed becomes a formula)."""
    # Not a context manager: the open file outlives this function (the response streams and closes it).
    out = tempfile.TemporaryFile(prefix="hotline-export-", suffix=".xlsx")  # noqa: SIM115
    book = None
    try:
        book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False,
                                         "tmpdir": tempfile.gettempdir(), "strings_to_formulas": False,
                                         "strings_to_urls": False, "strings_to_numbers": False})
        sheet = book.add_worksheet()
        bold = book.add_format({"bold": True, "font_size": 14})
        muted = book.add_format({"font_color": "#555555"})
        header = book.add_format({"bold": True, "bg_color": "#E8EEF5", "border": 1})
        formats = {
            "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
            "date": book.add_format({"num_format": "yyyy-mm-dd"}),
            "money": book.add_format({"num_format": "#,##0.00"}),
            "int": book.add_format({"num_format": "0"}),
        }
        for i, column in enumerate(columns):
            sheet.set_column(i, i, column.width)
        sheet.write_string(0, 0, title, bold)
        sheet.write_string(1, 0, subtitle, muted)
        for i, column in enumerate(columns):
            sheet.write_string(3, i, column.header, header)
        sheet.freeze_panes(4, 0)
        tz = local_tz()
        kinds = [c.kind for c in columns]
        count = 0
        r = 4
        for row in rows:
            for i, value in enumerate(row):
                if value is None or value == "":
                    continue
                kind = kinds[i]
                if kind == "datetime" and isinstance(value, datetime):
                    sheet.write_datetime(r, i, value.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0),
                                         formats["datetime"])
                elif kind == "date" and isinstance(value, date):
                    sheet.write_datetime(r, i, datetime(value.year, value.month, value.day), formats["date"])
                elif kind == "money" and isinstance(value, Decimal | int | float):
                    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)  # 四舍五入
                    sheet.write_number(r, i, float(amount), formats["money"])
                elif kind == "int" and isinstance(value, int):
                    sheet.write_number(r, i, value, formats["int"])
                else:
                    sheet.write_string(r, i, _excel_text(str(value)))
            r += 1
            count += 1
        if count:
            sheet.autofilter(3, 0, r - 1, len(columns) - 1)
        book.close()
        out.seek(0)
    except BaseException:
        # A failure mid-list (the database, a bad value): the workbook never closed, so its row-data file (one per
        # sheet in constant_memory mode, deleted by close()) is closed and deleted here, with the output.
        for worksheet in book.worksheets() if book is not None else ():
            if worksheet.row_data_fh is not None and not worksheet.row_data_fh.closed:
                worksheet.row_data_fh.close()
            if worksheet.row_data_filename and os.path.exists(worksheet.row_data_filename):
                os.unlink(worksheet.row_data_filename)
        out.close()
        raise
    return out, count


CHUNK_BYTES = 64 * 1024


def _chunks(out):
    """The file in chunks, closed (and so deleted) once read to the end — also by a client that never calls the
    response's close(); a server that stops early closes it through call_on_close."""
    try:
        while chunk := out.read(CHUNK_BYTES):
            yield chunk
    finally:
        out.close()


def xlsx_response(out, filename: str) -> Response:
    """Stream the written temporary file as an attachment (``filename``: ASCII)."""
    size = out.seek(0, 2)
    out.seek(0)
    response = Response(_chunks(out), mimetype=XLSX_MIMETYPE, direct_passthrough=True)
    response.call_on_close(out.close)
    response.content_length = size
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
