"""A supervisor of 株洲 (430200) opens the performance ranking (绩效考核) of the demo year: the ranking chart is
really drawn, the table lists the 14 市州 with 株洲 ranked, the formulas are on the page, and choosing a month
from the selectors shows that month's table."""

from __future__ import annotations

from tests.browser.conftest import DEMO_REGION, DEMO_YEAR, expect
from tests.browser.test_stats import chart_colours


def test_supervisor_opens_the_ranking(browsing):
    page = browsing.open("supervisor")
    page.goto("/stats/")
    # The statistics page a supervisor opens: the last 12 months and the 市州 ranking beside the month.
    expect(page.locator('#overview [data-chart="trend_12"] canvas').first).to_be_visible()
    with page.expect_navigation():
        page.locator("#overview a[href*='/stats/performance']").click()

    page.locator("#perf-year").select_option(str(DEMO_YEAR))
    page.locator("#perf-month").select_option("")
    with page.expect_navigation():
        page.locator("form.stats-filter button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text(str(DEMO_YEAR))

    rows = page.locator("#performance-table tbody tr[data-region]")
    expect(rows).to_have_count(14)
    zhuzhou = page.locator(f'#performance-table tr[data-region="{DEMO_REGION}"]')
    # The demo year's cases are 株洲's: it has a score and the first rank.
    expect(zhuzhou.locator("td").first).to_have_text("1")
    expect(page.locator("#formulas-title")).to_be_visible()
    expect(page.get_by_text("期内结案数 ÷ (期初未结案数 + 期内立案数)").first).to_be_visible()

    ranking = page.locator('[data-chart="ranking"]')
    canvas = ranking.locator("canvas").first
    expect(canvas).to_be_visible()
    deadline_ms = 10_000
    while True:
        colours, ink = chart_colours(ranking)
        if colours > 8 and ink > 0.02:
            break
        deadline_ms -= 250
        assert deadline_ms > 0, f"the ranking chart looks blank: {colours} colours, {ink:.1%} drawn"
        page.wait_for_timeout(250)  # polling the canvas; not a fixed wait for the result
    expect(page.locator('[data-chart="trend_closure_rate"] canvas').first).to_be_visible()
    browsing.capture(page, "performance")

    # A month: the selectors lead to the month's table, and the download links follow.
    page.locator("#perf-month").select_option("5")
    with page.expect_navigation():
        page.locator("form.stats-filter button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text(f"{DEMO_YEAR}-05")
    expect(rows).to_have_count(14)
    expect(page.locator(f'a[href*="/stats/performance/{DEMO_YEAR}-05.xlsx"]')).to_have_count(1)
    browsing.assert_clean_console()
