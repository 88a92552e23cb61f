"""Work between people, in a browser, from each person's inbox and without typing an address after logging in:
the hotline operator transfers a complaint to 株洲; 株洲's officer signs for it, opens a case from it and answers;
the operator calls the caller back (dissatisfied) and reopens it once; 株洲 answers again; the caller is satisfied
and the call is closed. Then an extension: 株洲's officer asks, nothing moves; 株洲's supervisor approves from the
inbox; the closing deadline moves."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.browser.conftest import ACCOUNTS, DEMO_REGION, expect

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_today():
    return datetime.now(BEIJING).date()


def submit(page, form) -> None:
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("main .flash-error, main .errors")).to_have_count(0)


def from_inbox(page, href: str) -> None:
    """Open the inbox from the top bar and follow the row that links to ``href``."""
    page.locator("header a[href='/inbox']").first.click()
    expect(page).to_have_url(re.compile(r"/inbox"))
    row = page.locator(f".inbox-list a[href='{href}']")
    expect(row).to_have_count(1)
    with page.expect_navigation():
        row.click()
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))


def transfer_status(page, text: str) -> None:
    expect(page.locator("h1")).to_contain_text(text)


def test_transfer_cycle_and_an_approved_extension_from_the_inboxes(browsing):
    operator = browsing.open("operator", label="operator")
    officer = browsing.open("zz_officer", label="zz-officer")
    supervisor = browsing.open("supervisor", label="zz-supervisor")

    # The operator logs a complaint against a 株洲 trader and transfers it to 株洲 from the call page.
    operator.goto("/")
    operator.locator("header a[href='/calls/new']").first.click()
    operator.locator("#caller_phone").fill("13907330001")
    operator.locator("#caller_name").fill("王先生")
    operator.locator("#request_type").select_option("complaint")
    operator.locator("#region_code").select_option(DEMO_REGION)
    operator.locator("#accused_party").fill("株洲某某电器商行")
    operator.locator("#summary").fill("投诉某电器商行销售的电热水壶涉嫌侵犯实用新型专利权")
    with operator.expect_navigation():
        operator.locator("#call-save").click()
    operator.locator("main .flash-success a[href^='/calls/']").click()
    expect(operator.locator("h1 .ref")).to_contain_text("HL-")
    call_path = re.search(r"/calls/\d+", operator.url).group(0)
    transfer_form = operator.locator("#transfer-form")
    transfer_form.locator("#transfer-to_region").select_option(DEMO_REGION)
    transfer_form.locator("#transfer-note").fill("属株洲市管辖，请核查")
    submit(operator, transfer_form)
    link = operator.locator("#transfers a[href^='/transfers/']")
    expect(link).to_have_count(1)
    transfer_path = link.get_attribute("href")
    browsing.capture(operator, "transferred")

    # 株洲's officer: the transfer waits in the inbox, with its signing deadline; sign for it.
    officer.goto("/")
    expect(officer).to_have_url(re.compile(r"/inbox"))
    row = officer.locator(f".inbox-list a[href='{transfer_path}']")
    expect(row).to_contain_text("签收")
    expect(officer.locator("header")).to_contain_text(re.compile(r"\d"))  # the top bar counts open items
    from_inbox(officer, transfer_path)
    submit(officer, officer.locator("#sign-form"))
    # Signed: a case can be opened from it; the call is not shown as done to anyone.
    with officer.expect_navigation():
        officer.locator("#open-case").click()
    form = officer.locator("form.case-form")
    expect(officer.locator("#region_code")).to_have_value(DEMO_REGION)
    officer.locator("#requester_name").fill("王先生")
    officer.locator("#received_on").fill(beijing_today().isoformat())
    submit(officer, form)
    expect(officer).to_have_url(re.compile(r"/cases/\d+$"))
    case_path = re.search(r"/cases/\d+", officer.url).group(0)
    expect(officer.locator(f"a[href='{call_path}']").first).to_be_visible()  # the case links the call
    from_inbox(officer, transfer_path)  # signed, its answer due: still in the inbox
    answer = officer.locator("#answer-form")
    answer.locator("#answer-outcome").select_option("case_opened")
    answer.locator("#answer-result").fill("已立案调查，责令停止销售")
    submit(officer, answer)
    expect(officer.locator(f"a[href='{case_path}']").first).to_be_visible()
    browsing.capture(officer, "answered")

    # The operator: the answered transfer is a call-back in the inbox; the caller is dissatisfied; reopen once.
    operator.goto("/")
    from_inbox(operator, transfer_path)
    callback = operator.locator("#callback-form")
    callback.locator("#callback-reached").select_option("yes")
    callback.locator("#callback-satisfaction").select_option("dissatisfied")
    callback.locator("#callback-note").fill("来电人认为处理太慢")
    submit(operator, callback)
    reopen = operator.locator("#reopen-form")
    reopen.locator("#reopen-reason").fill("来电人不满意处理进度，请加快")
    submit(operator, reopen)
    expect(operator.locator("#reopen-form")).to_have_count(0)  # once only

    # 株洲 again: the reopened transfer is back in the inbox; sign and answer.
    officer.goto("/")
    from_inbox(officer, transfer_path)
    submit(officer, officer.locator("#sign-form"))
    answer = officer.locator("#answer-form")
    answer.locator("#answer-outcome").select_option("case_opened")
    answer.locator("#answer-result").fill("已作出处理决定，涉案产品已下架")
    submit(officer, answer)

    # The operator calls back: satisfied. The transfer and the call are done, and nothing waits any more.
    operator.goto("/")
    from_inbox(operator, transfer_path)
    callback = operator.locator("#callback-form")
    callback.locator("#callback-reached").select_option("yes")
    callback.locator("#callback-satisfaction").select_option("satisfied")
    submit(operator, callback)
    expect(operator.locator("#callback-form, #reopen-form")).to_have_count(0)
    operator.locator("header a[href='/inbox']").first.click()
    expect(operator.locator(f".inbox-list a[href='{transfer_path}']")).to_have_count(0)
    browsing.capture(operator, "called-back")

    # An extension: 株洲's officer works a case received months ago and asks for one more month.
    received_on = beijing_today() - timedelta(days=130)
    officer.locator("header a[href='/cases']").first.click()
    officer.locator("a[href='/cases/new']").first.click()
    officer.locator("#case_type").select_option("infringement_dispute")
    officer.locator("#source").select_option("request")
    officer.locator("#respondent_name").fill("株洲某某机械有限公司")
    officer.locator("#received_on").fill(received_on.isoformat())
    officer.locator("#summary").fill("请求人称被请求人制造的粉碎机落入其发明专利保护范围")
    submit(officer, officer.locator("form.case-form"))
    extended_case = re.search(r"/cases/\d+", officer.url).group(0)
    file_form = officer.locator("#action-file")
    file_form.locator("input[name='file-filed_on']").fill((received_on + timedelta(days=3)).isoformat())
    # A dispute is heard by three officers; the supervisor stays out of it, to decide its approvals.
    for username in (ACCOUNTS["zz_officer2"].username, "demo-officer-430200-1"):
        file_form.locator("li", has_text=f"({username},").locator("input[type=checkbox]").check()
    expect(file_form.locator("input[type=checkbox]:checked")).to_have_count(3)
    submit(officer, file_form)
    close_row = officer.locator("#deadlines table.deadlines tbody tr").nth(1)
    due_before = re.search(r"\d{4}-\d{2}-\d{2}", close_row.locator("td").nth(1).inner_text()).group(0)
    extend = officer.locator("#action-extend")
    expect(extend.locator("button[type=submit]")).to_contain_text("提交审批")
    extend.locator("input[name='extend-months']").fill("1")
    extend.locator("textarea[name='extend-reason']").fill("需要委托技术鉴定")
    submit(officer, extend)
    # Asked, not granted: the deadline has not moved.
    close_row = officer.locator("#deadlines table.deadlines tbody tr").nth(1)
    expect(close_row.locator("td").nth(1)).to_contain_text(due_before)
    approval_link = officer.locator("a[href^='/approvals/']").first
    approval_path = approval_link.get_attribute("href")

    # 株洲's supervisor approves from the inbox.
    supervisor.goto("/")
    from_inbox(supervisor, approval_path)
    decide = supervisor.locator("#decide")
    decide.locator("input[name='decision'][value='approve']").check()
    decide.locator("textarea[name='reason']").fill("同意延期一个月")
    submit(supervisor, decide)
    expect(supervisor.locator("main")).to_contain_text(ACCOUNTS["supervisor"].display_name)

    # The officer sees the closing deadline moved, approved by the supervisor.
    officer.goto("/")
    officer.locator("header a[href='/cases']").first.click()
    officer.locator(f"main a[href='{extended_case}']").first.click()
    expect(officer).to_have_url(re.compile(re.escape(extended_case) + "$"))
    close_row = officer.locator("#deadlines table.deadlines tbody tr").nth(1)
    expect(close_row.locator("td").nth(1)).not_to_contain_text(due_before)
    browsing.capture(officer, "extended")
    browsing.assert_clean_console()
