"""The hotline desk: an operator answers a consultation with a standard answer, by keyboard only, in one step —
the summary brings up the matching standard answers beside the form, Alt+1 puts the first one into "answer
given", Ctrl+Shift+Enter logs the call answered. No region is chosen: a consultation goes nowhere."""

from __future__ import annotations

import re

from tests.browser.conftest import expect
from tests.browser.test_intake import REF, choose_with_keyboard, tab_to


def test_operator_answers_a_consultation_with_a_standard_answer_in_one_step(browsing):
    page = browsing.open("operator")
    page.goto("/calls/new")

    expect(page.locator("#caller_phone")).to_be_focused()
    page.keyboard.type("13907310001")
    tab_to(page, "caller_name")
    page.keyboard.type("刘女士")
    tab_to(page, "anonymous")
    tab_to(page, "request_type")
    choose_with_keyboard(page, "consultation")
    # Straight to the summary: Alt+S (the region is left empty).
    page.keyboard.press("Alt+s")
    expect(page.locator("#summary")).to_be_focused()
    page.keyboard.type("商场卖的电饭煲上标的专利号是假的，这算假冒专利吗")

    suggestions = page.locator("#answer-list li")
    expect(suggestions.first).to_be_visible()
    expect(page.locator("#answer-list")).to_contain_text("什么是假冒专利")
    first_answer = page.evaluate("() => document.querySelector('#answer-list li .answer-text').textContent")
    browsing.capture(page, "answer-suggestions")

    page.keyboard.press("Alt+1")
    answer = page.locator("#answer_text")
    expect(answer).to_be_focused()
    expect(answer).to_have_value(first_answer)
    expect(page.locator("#answer-source")).to_be_visible()
    page.keyboard.press("End")
    page.keyboard.type("可拨打12315举报。")  # the operator adapts the standard answer

    with page.expect_navigation():
        page.keyboard.press("Control+Shift+Enter")
    flash = page.locator("main .flash-success")
    expect(flash).to_contain_text(REF)
    assert page.url.endswith("/calls/new")
    ref = REF.search(flash.inner_text()).group(0)

    with page.expect_navigation():
        flash.locator("a", has_text=ref).click()
    assert re.search(r"/calls/\d+$", page.url)
    expect(page.locator("main .badge-answered").first).to_be_visible()
    expect(page.locator("#call-answer")).to_contain_text("可拨打12315举报。")
    expect(page.locator("#call-answer a")).to_have_attribute("href", re.compile(r"^/answers/\d+#version-1$"))
    browsing.capture(page, "answered-call")
    browsing.assert_clean_console()
