"""A supervisor of 株洲 (430200) filters the call list and downloads it: the download is an XLSX that opens, with
the page's rows in the page's order, the filters in its title rows and the callers masked as on the page."""

from __future__ import annotations

import re

from openpyxl import load_workbook

from tests.browser.conftest import DEMO_YEAR, expect

MONTH_FROM, MONTH_TO = f"{DEMO_YEAR}-05-01", f"{DEMO_YEAR}-05-31"


def test_supervisor_downloads_the_filtered_call_list(browsing, tmp_path):
    page = browsing.open("supervisor")
    page.goto("/calls")
    page.locator("details.filters-card summary").click()
    page.locator("#date_from").fill(MONTH_FROM)
    page.locator("#date_to").fill(MONTH_TO)
    page.locator("#request_type").select_option("complaint")
    with page.expect_navigation():
        page.locator("form.filters button[type=submit]").click()
    refs = page.locator("table.calls-list tbody td:first-child a")
    expect(refs.first).to_be_visible()
    shown = refs.all_inner_texts()
    callers = page.locator("table.calls-list tbody td.caller-cell").all_inner_texts()
    link = page.get_by_role("link", name="下载 Excel")
    expect(link).to_have_attribute("href", re.compile(r"^/calls/export\.xlsx\?.*request_type=complaint"))
    expect(link).to_have_attribute("href", re.compile(rf"date_from={MONTH_FROM}"))
    browsing.capture(page, "filtered")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.failure() is None
    assert re.fullmatch(r"calls-\d{8}-\d{4}\.xlsx", download.suggested_filename), download.suggested_filename
    path = tmp_path / "calls.xlsx"
    download.save_as(path)
    book = load_workbook(path, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert rows[0][0] == "来电"
    assert "投诉" in rows[1][0] and MONTH_FROM in rows[1][0]
    header, body = rows[3], rows[4:]
    assert header[0] == "编号", header
    assert [r[0] for r in body[:len(shown)]] == shown
    assert all(r[2] == "投诉" for r in body)
    assert all(str(r[1].date()) >= MONTH_FROM and str(r[1].date()) <= MONTH_TO for r in body)
    numbers = [r[6] for r in body if r[6]]
    assert numbers and all("****" in n for n in numbers)  # masked, as on the page
    assert any("****" in c for c in callers)
    browsing.assert_clean_console()


def test_supervisor_prints_a_case_file(browsing):
    """The case page's 打印案卷 opens the A4 case file with its cover and sections."""
    page = browsing.open("supervisor")
    page.goto("/cases?status=closed")
    first = page.locator("table a.ref").first
    expect(first).to_be_visible()
    number = first.inner_text()
    first.click()
    page.get_by_role("link", name="打印案卷").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/file$"))
    expect(page.locator("#cover-title")).to_have_text("专利行政执法案卷")
    expect(page.locator(".case-number")).to_have_text(number)
    for title in ("#timeline-title", "#decisions-title", "#evidence-title"):
        expect(page.locator(title)).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".casefile-toolbar")).to_be_hidden()
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) >= 4  # cover + 3 sheets
    browsing.capture(page, "case-file")
    browsing.assert_clean_console()
