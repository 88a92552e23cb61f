"""A supervisor of 株洲 (430200) reads the statistics built from the demo year: the monthly ECharts charts are
really drawn, a month is rebuilt with the progress page reaching 100 %, and the yearly XLSX carries the same
figures as the pages."""

from __future__ import annotations

import re
from collections import Counter

from openpyxl import load_workbook

from tests.browser.conftest import DEMO_REGION, DEMO_YEAR, expect
from tests.browser.png import pixels

MONTH = f"{DEMO_YEAR}-05"


def chart_colours(chart) -> tuple[int, float]:
    """(distinct colours, share of pixels that are not the commonest colour) of a chart's canvas screenshot."""
    _, _, rgb = pixels(chart.locator("canvas").first.screenshot(animations="disabled", scale="css"))
    counts = Counter(px[:3] for px in rgb)
    background = counts.most_common(1)[0][1]
    return len(counts), 1 - background / len(rgb)


def assert_charts_drawn(page) -> int:
    """Every chart container got an ECharts canvas of non-zero size with a picture on it; how many there are."""
    charts = page.locator("[data-chart]")
    expect(charts.first).to_be_visible()
    count = charts.count()
    assert count > 0
    for i in range(count):
        chart = charts.nth(i)
        canvas = chart.locator("canvas").first
        expect(canvas).to_be_visible()
        size = canvas.evaluate("c => [c.width, c.height, c.getBoundingClientRect().width, "
                               "c.getBoundingClientRect().height]")
        assert min(size) > 0, f"chart {chart.get_attribute('data-chart')}: canvas size {size}"
        # The bars and slices grow in (animation, 0.4 s): look again until there is a picture, not a blank.
        deadline_ms = 10_000
        while True:
            colours, ink = chart_colours(chart)
            if colours > 8 and ink > 0.02:
                break
            deadline_ms -= 250
            assert deadline_ms > 0, (f"chart {chart.get_attribute('data-chart')} looks blank: {colours} colours, "
                                     f"{ink:.1%} of it drawn")
            page.wait_for_timeout(250)  # polling the canvas; not a fixed wait for the result
    return count


def number(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


def test_supervisor_charts_rebuild_and_yearly_xlsx(browsing, tmp_path):
    page = browsing.open("supervisor")
    page.goto(f"/stats/monthly?month={MONTH}")
    expect(page.locator("h1")).to_contain_text(MONTH)
    assert assert_charts_drawn(page) >= 3
    calls_in_month = number(page.locator("#panel-request_type").locator("xpath=..")
                            .locator("tfoot td.num").inner_text())
    assert calls_in_month > 0, "the demo year has calls in May"
    browsing.capture(page, "monthly")

    # Rebuild the month: the progress page follows the task to 100 %.
    rebuild = page.locator(".supervisor-card form.rebuild-form")
    expect(rebuild.locator("[name=month_from]")).to_have_value(MONTH)
    expect(rebuild.locator("[name=month_to]")).to_have_value(MONTH)
    with page.expect_navigation():
        rebuild.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/stats/tasks/[0-9a-f-]{36}$"))
    expect(page.locator("#task-percent")).to_have_text("100%")
    expect(page.locator("#task-state")).to_have_class(re.compile(r"\btask-state-success\b"))
    assert page.locator("#task-bar").evaluate("bar => bar.value / bar.max") == 1
    result = page.locator("#task-result")
    expect(result).to_be_visible()
    expect(result.locator(f'a[href*="month={MONTH}"]')).to_have_count(1)
    browsing.capture(page, "rebuild")

    # Back on the month: the same figure after the rebuild.
    with page.expect_navigation():
        result.locator("a").first.click()
    expect(page.locator("[data-chart] canvas").first).to_be_visible()
    assert number(page.locator("#panel-request_type").locator("xpath=..").locator("tfoot td.num")
                  .inner_text()) == calls_in_month

    # The yearly summary draws its charts and offers the XLSX; the workbook has May's calls.
    page.goto(f"/stats/yearly?year={DEMO_YEAR}")
    assert_charts_drawn(page)
    link = page.locator(f'a[href^="/stats/yearly/{DEMO_YEAR}.xlsx"]')
    expect(link).to_have_attribute("href", re.compile(rf"region_code={DEMO_REGION}"))
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    path = tmp_path / "yearly.xlsx"
    download.save_as(path)
    workbook = load_workbook(path, read_only=True)
    assert {"概要", "月度"} <= set(workbook.sheetnames), workbook.sheetnames
    rows = list(workbook["月度"].iter_rows(values_only=True))
    assert rows[0][:2] == ("月份", "来电(个)"), rows[0]
    by_month = {row[0]: row for row in rows[1:]}
    assert by_month[MONTH][1] == calls_in_month, by_month[MONTH]
    assert by_month["合计"][1] == sum(row[1] for month, row in by_month.items() if month != "合计")
    workbook.close()
    browsing.assert_clean_console()
