"""The XLSX writer: text stays text (no formulas), times in Beijing, money as numbers with two decimals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from hotline.core.xlsx import Column, write_xlsx


def test_cells_keep_their_kind(app):
    columns = [Column("文本"), Column("时间", kind="datetime"), Column("日期", kind="date"),
               Column("金额", kind="money"), Column("整数", kind="int")]
    rows = [("=HYPERLINK(\"http://evil\")", datetime(2015, 5, 27, 16, 30, 59, tzinfo=UTC), date(2015, 5, 28),
             Decimal("12500.005"), -3),
            ("+86 138\x07", None, None, None, None),
            ("长" * 40_000, None, None, Decimal("0"), 0)]
    with app.test_request_context():
        out, count = write_xlsx("标题", "筛选条件：无", columns, iter(rows))
    try:
        book = load_workbook(out)
    finally:
        out.close()
    sheet = book.worksheets[0]
    assert count == 3 and sheet["A1"].value == "标题" and sheet["A2"].value == "筛选条件：无"
    assert [c.value for c in sheet[4]] == ["文本", "时间", "日期", "金额", "整数"]
    first = list(sheet[5])
    assert first[0].data_type == "s" and first[0].value.startswith("=HYPERLINK")  # text, not a formula
    assert first[1].value == datetime(2015, 5, 28, 0, 30)  # Beijing time, to the minute
    assert first[2].value == datetime(2015, 5, 28) and first[2].number_format == "yyyy-mm-dd"
    assert first[3].value == 12500.01 and first[3].number_format == "#,##0.00"
    assert first[4].value == -3
    assert sheet["B6"].value is None and sheet["A6"].value.startswith("+86 138")
    assert len(sheet["A7"].value) == 32767 and sheet["D7"].value == 0


def test_a_failure_mid_list_leaves_no_temporary_file(app, tmp_path, monkeypatch):
    import tempfile

    import pytest

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def rows():
        yield ("一",)
        raise RuntimeError("the database went away")

    with app.test_request_context(), pytest.raises(RuntimeError):
        write_xlsx("标题", "", [Column("文本")], rows())
    assert list(tmp_path.iterdir()) == []
