"""The language switch in the top bar: Simplified Chinese by default, English on request, and back.

The switch is a one-button form posting to /language/<code>; its button is labelled in the language it switches
to (lang="en" on a Chinese page, lang="zh-CN" on an English one), which is what is checked here rather than the
locale codes in the URL."""

from __future__ import annotations

from tests.browser.conftest import expect


def switch_language(page) -> None:
    button = page.locator('header form[action^="/language/"] button[type=submit]')
    expect(button).to_have_count(1)
    with page.expect_navigation():
        button.click()


def test_language_switch_chinese_english_chinese(browsing):
    page = browsing.open()
    page.goto("/login")
    html = page.locator("html")
    switch = page.locator('header form[action^="/language/"] button')
    expect(html).to_have_attribute("lang", "zh-CN")
    expect(switch).to_have_attribute("lang", "en")

    switch_language(page)
    expect(html).to_have_attribute("lang", "en")
    expect(switch).to_have_attribute("lang", "zh-CN")
    assert page.url.endswith("/login"), "the switch brings the user back to the page they were on"

    # The choice lasts for the session: logging in and moving between pages keeps English.
    browsing.login(page, "operator", next_path="/calls")
    expect(html).to_have_attribute("lang", "en")
    page.goto("/calls/new")
    expect(html).to_have_attribute("lang", "en")

    switch_language(page)
    expect(html).to_have_attribute("lang", "zh-CN")
    expect(switch).to_have_attribute("lang", "en")
    assert page.url.endswith("/calls/new")
    page.goto("/calls")
    expect(html).to_have_attribute("lang", "zh-CN")
    browsing.assert_clean_console()
