"""A 县 office in the browser: an officer of 芙蓉区 (430102, a county of 长沙) opens a case of its county, files it
with its colleague and finds it in its list; an officer of the sibling county 天心区 (430103) neither lists it nor
reads it (404)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.browser.conftest import ACCOUNTS, expect

RESPONDENT = "芙蓉区某某商行"


def test_a_county_officer_works_a_case_its_sibling_cannot_see(browsing):
    received_on = datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=120)
    page = browsing.open("county_officer")
    page.goto("/cases/new")
    # The county's own office is the only region offered, and chosen already.
    region = page.locator("#region_code")
    expect(region).to_have_value("430102")
    expect(region.locator("option[value='430102']")).to_have_count(1)
    expect(region.locator("option[value='430100']")).to_have_count(0)
    expect(region.locator("option[value='430103']")).to_have_count(0)
    page.locator("#case_type").select_option("counterfeit")
    page.locator("#source").select_option("inspection")
    page.locator("#received_on").fill(received_on.isoformat())
    page.locator("#respondent_name").fill(RESPONDENT)
    page.locator("#summary").fill("检查发现某商行销售的插座标注已失效的专利号")
    with page.expect_navigation():
        page.locator("form.case-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    case_url = page.url
    case_id = int(case_url.rsplit("/", 1)[1])

    # File it (立案) with the county's two officers.
    file_form = page.locator("#action-file")
    box = file_form.locator("li", has_text=f"({ACCOUNTS['county_officer2'].username},").locator("input[type=checkbox]")
    box.check()
    expect(file_form.locator("input[type=checkbox]:checked")).to_have_count(2)
    # Only the county's own officers (and those above it) may be assigned: never the sibling county's.
    expect(file_form.locator("li", has_text=ACCOUNTS["sibling_officer"].username)).to_have_count(0)
    file_form.locator("input[name='file-filed_on']").fill((received_on + timedelta(days=2)).isoformat())
    with page.expect_navigation():
        file_form.locator("button[type=submit]").click()
    expect(page.locator("main .flash-success")).to_be_visible()
    expect(page.locator("h1 .badge-case-filed")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("湘知执字")

    page.goto("/cases")
    expect(page.locator(f'main a[href="/cases/{case_id}"]')).to_have_count(1)
    browsing.assert_clean_console()

    # The sibling county: not in its list, and the page itself is 404.
    sibling = browsing.open("sibling_officer")
    sibling.goto("/cases")
    expect(sibling.locator(f'main a[href="/cases/{case_id}"]')).to_have_count(0)
    expect(sibling.locator("main")).not_to_contain_text(RESPONDENT)
    response = sibling.goto(f"/cases/{case_id}")
    assert response.status == 404
    expect(sibling.locator("main")).not_to_contain_text(RESPONDENT)
