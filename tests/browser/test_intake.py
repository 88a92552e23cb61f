"""An operator logs calls with the keyboard only: the intake form is built for it (autofocus on the number, tab
order who → what → where → details, selects chosen with the arrow keys, Ctrl+Enter saves), and the side panel
shows the caller's earlier calls while the second call is being typed."""

from __future__ import annotations

import re

from tests.browser.conftest import expect

REF = re.compile(r"HL-\d{4}-\d{6}")
PHONE = "13812345678"


def tab_to(page, name: str) -> None:
    """Tab once; the focus must land on the field called ``name`` (the form's tab order)."""
    page.keyboard.press("Tab")
    expect(page.locator(f'#call-form [name="{name}"]')).to_be_focused()


def choose_with_keyboard(page, value: str) -> None:
    """Pick ``value`` in the focused <select> with the arrow keys, as an operator does (no mouse, no popup)."""
    options, current = page.evaluate(
        "() => [Array.from(document.activeElement.options, o => o.value), document.activeElement.selectedIndex]")
    assert value in options, f"{value!r} is not offered: {options}"
    steps = options.index(value) - current
    for _ in range(abs(steps)):
        page.keyboard.press("ArrowDown" if steps > 0 else "ArrowUp")
    assert page.evaluate("() => document.activeElement.value") == value


def log_call_by_keyboard(page, *, name: str, request_type: str, region: str, accused: str, summary: str,
                         before_save=None) -> str:
    """Fill the intake form from the autofocused number field to the summary and save with Ctrl+Enter; the
    reference the success message gives."""
    phone = page.locator("#caller_phone")
    expect(phone).to_be_focused()
    page.keyboard.type(PHONE)
    tab_to(page, "caller_name")
    page.keyboard.type(name)
    tab_to(page, "anonymous")
    tab_to(page, "request_type")
    choose_with_keyboard(page, request_type)
    tab_to(page, "channel")  # phone: the default
    tab_to(page, "ip_type")  # patent: the default
    tab_to(page, "region_code")
    choose_with_keyboard(page, region)
    tab_to(page, "accused_party")
    page.keyboard.type(accused)
    tab_to(page, "patent_number")
    tab_to(page, "summary")
    page.keyboard.type(summary)
    if before_save is not None:
        before_save()
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    flash = page.locator("main .flash-success")
    expect(flash).to_contain_text(REF)
    ref = REF.search(flash.inner_text()).group(0)
    expect(flash.locator("a", has_text=ref)).to_have_attribute("href", re.compile(r"^/calls/\d+$"))
    # Straight back to an empty form for the next call, the number field focused again.
    assert page.url.endswith("/calls/new")
    expect(page.locator("#caller_phone")).to_have_value("")
    return ref


def test_operator_logs_two_calls_with_the_keyboard(browsing):
    page = browsing.open("operator")
    page.goto("/calls/new")

    first = log_call_by_keyboard(page, name="王先生", request_type="complaint", region="430100",
                                 accused="长沙某某电器有限公司", summary="投诉某电器公司销售的电饭煲涉嫌专利侵权")

    def repeat_caller_panel_shows_first_call():
        # Typing the same number brought up the panel: the earlier call, listed once among the number's calls and
        # marked as a possible duplicate there.
        history = page.locator("#panel-history")
        expect(history).to_be_visible()
        expect(page.locator("#panel-history-list")).to_contain_text(first)
        expect(page.locator("#panel-history-list a", has_text=first)).to_have_attribute(
            "href", re.compile(r"^/calls/\d+$"))
        expect(page.locator("#panel-history-list li.dup")).to_contain_text(first)
        expect(page.locator("#panel-duplicates")).to_be_hidden()
        expect(page.locator("#panel-status")).not_to_have_class(re.compile(r"panel-error"))
        browsing.capture(page, "repeat-caller")

    second = log_call_by_keyboard(page, name="王先生", request_type="consultation", region="430100",
                                  accused="长沙某某电器有限公司", summary="追问上次投诉的处理进度",
                                  before_save=repeat_caller_panel_shows_first_call)
    assert second != first

    page.goto("/calls")
    calls = page.locator("table.calls-list tbody")
    expect(calls).to_contain_text(first)
    expect(calls).to_contain_text(second)
    browsing.assert_clean_console()
