"""协查 round trip in the browser: a 长沙 officer asks 株洲 for assistance from the case page; a 株洲 officer finds
it in 我的待办, reads only what the request shares, and answers with an evidence file; 长沙 sees the answer and
the file on the case page and its audit trail."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.browser.conftest import expect
from tests.browser.test_cases import beijing_days_ago

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_changsha_asks_zhuzhou_and_sees_the_answer(browsing):
    officer = browsing.open("officer")
    officer.goto("/cases/new")
    officer.locator("#case_type").select_option("counterfeit")
    officer.locator("#source").select_option("inspection")
    officer.locator("#respondent_name").fill("长沙某某五金经营部")
    officer.locator("#received_on").fill(beijing_days_ago(3).isoformat())
    officer.locator("#summary").fill("销售的锁具标注他人专利号，货源为株洲某锁厂")
    with officer.expect_navigation():
        officer.locator("form.case-form button[type=submit]").click()
    expect(officer).to_have_url(re.compile(r"/cases/\d+$"))
    case_path = re.search(r"/cases/\d+$", officer.url).group(0)

    with officer.expect_navigation():
        officer.locator("#ask-assist").click()
    officer.locator("#region_code").select_option("430200")
    officer.locator("#kind").select_option("evidence")
    officer.locator("#request").fill("请协助到株洲某锁厂核查生产记录并提取样品")
    officer.locator("#case_summary").fill("长沙查获标注他人专利号的锁具，货源为株洲某锁厂")
    officer.locator("#due_on").fill((beijing_days_ago(0) + timedelta(days=14)).isoformat())
    with officer.expect_navigation():
        officer.locator("#assist-form button[type=submit]").click()
    expect(officer).to_have_url(re.compile(case_path + "(#assists)?$"))
    expect(officer.locator("#assists")).to_contain_text("待答复")

    zhuzhou = browsing.open("zz_officer")
    zhuzhou.goto("/inbox")
    row = zhuzhou.locator('.inbox-item a[href^="/assists/"]')
    expect(row).to_have_count(1)
    expect(row).to_contain_text("货源为株洲某锁厂")
    with zhuzhou.expect_navigation():
        row.click()
    expect(zhuzhou.locator("main")).to_contain_text("请协助到株洲某锁厂核查生产记录并提取样品")
    expect(zhuzhou.locator("main")).not_to_contain_text("长沙某某五金经营部")  # the case's parties are not shared
    expect(zhuzhou.locator(f'a[href^="{case_path}"]')).to_have_count(0)
    zhuzhou.locator("#answer-result").fill("已到株洲某锁厂核查，生产记录显示供货长沙三批，已提取样品")
    zhuzhou.locator("#answer-file").set_input_files(
        files=[{"name": "现场检查笔录.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    with zhuzhou.expect_navigation():
        zhuzhou.locator("#answer-form button[type=submit]").click()
    expect(zhuzhou.locator("main .flash-success")).to_be_visible()
    expect(zhuzhou.locator("#assist-result")).to_contain_text("已提取样品")
    expect(zhuzhou.locator("#assist-files")).to_contain_text("现场检查笔录.pdf")

    officer.goto(case_path)
    panel = officer.locator("#assists")
    expect(panel).to_contain_text("已答复")
    expect(panel).to_contain_text("生产记录显示供货长沙三批")
    expect(panel.locator("a", has_text="现场检查笔录.pdf")).to_have_count(1)
    expect(officer.locator("main")).to_contain_text("协查已答复")  # the audit trail
    with officer.expect_download() as download:
        panel.locator("a", has_text="现场检查笔录.pdf").click()
    assert download.value.suggested_filename == "现场检查笔录.pdf"
    browsing.assert_clean_console()
