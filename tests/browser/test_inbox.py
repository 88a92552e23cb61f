"""我的待办 on a phone: an officer logs in, lands in the inbox, sees the office's overdue 立案 deadline with the
working days it is late and the count in the top bar, and opens the case from the row."""

from __future__ import annotations

import re

from tests.browser.conftest import expect
from tests.browser.test_cases import PHONE_VIEWPORT, assert_no_horizontal_scroll, beijing_days_ago


def test_officer_works_from_the_inbox_on_a_phone(browsing):
    page = browsing.open("officer", label="phone", viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True,
                         device_scale_factor=2)
    # The landing page after login is the inbox.
    expect(page).to_have_url(re.compile(r"/inbox$"))
    page.goto("/cases/new")
    page.locator("#case_type").select_option("counterfeit")
    page.locator("#source").select_option("inspection")
    page.locator("#respondent_name").fill("长沙某某五金经营部")
    page.locator("#received_on").fill(beijing_days_ago(45).isoformat())  # the 5-working-day 立案 limit passed
    page.locator("#summary").fill("巡查发现某五金经营部销售的锁具包装上标注已失效的专利号")
    with page.expect_navigation():
        page.locator("form.case-form button[type=submit]").tap()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    case_path = re.search(r"/cases/\d+$", page.url).group(0)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/inbox$"))
    row = page.locator(f'.inbox-item a[href="{case_path}"]')
    expect(row).to_be_visible()
    expect(row.locator(".inbox-deadline")).to_have_text("立案")
    expect(row.locator(".inbox-when")).to_contain_text(re.compile(r"已逾期 \d+ 个工作日"))
    expect(page.locator(".mainnav a[href='/inbox'] .badge.count")).to_be_visible()
    assert_no_horizontal_scroll(page)
    with page.expect_navigation():
        row.tap()
    expect(page).to_have_url(re.compile(case_path + "$"))
    browsing.assert_clean_console()
