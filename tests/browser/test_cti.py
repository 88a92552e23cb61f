"""Telephony (CTI): the switch pushes a ringing event for the operator whose intake page is open; without a reload
the page shows the ringing number and, in the side panel, that number's earlier calls — before the operator picks
up. Alt+P picks up: the number and the switch's call id go into the form, which then logs the call once."""

from __future__ import annotations

import json
import time
import urllib.request

from tests.browser.conftest import expect
from tests.browser.test_intake import REF

PHONE = "13907319999"


def _api(server, path: str, body: dict) -> dict:
    request = urllib.request.Request(  # noqa: S310 - our own live server, http
        server.url + path, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {server.switch_token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own live server
        return json.loads(response.read())


def test_a_ringing_call_pops_up_with_its_history_and_picking_up_fills_the_form(browsing):
    server = browsing.server
    cti_call_id = f"BT-{time.time_ns()}"
    # The number called before (logged through the API by the switch's account, an operator service account).
    earlier = _api(server, "/api/v1/calls", {
        "received_at": "2015-03-02T10:00:00+08:00", "channel": "phone", "request_type": "consultation",
        "caller_phone": PHONE, "caller_name": "周先生", "summary": "上次来电咨询专利费减缴"})

    page = browsing.open("operator")
    page.goto("/calls/new")
    panel = page.locator("#cti-ringing")
    expect(panel).to_be_hidden()

    _api(server, "/api/v1/cti/events", {"event": "ringing", "cti_call_id": cti_call_id, "caller_phone": PHONE,
                                        "agent": server.accounts["operator"].username})
    # No reload: the page's poll brings it in, with the number's earlier calls, before pick-up.
    expect(panel).to_be_visible()
    expect(panel).to_contain_text(PHONE)
    expect(page.locator("#panel-history-list")).to_contain_text(earlier["ref"])
    expect(page.locator("#caller_phone")).to_have_value("")
    browsing.capture(page, "ringing")

    page.keyboard.press("Alt+p")
    expect(page.locator("#caller_phone")).to_have_value(PHONE)
    expect(page.locator("input[name=cti_call_id]")).to_have_value(cti_call_id)
    expect(panel).to_be_hidden()
    _api(server, "/api/v1/cti/events", {"event": "answered", "cti_call_id": cti_call_id,
                                        "agent": server.accounts["operator"].username})

    page.keyboard.press("Alt+s")
    expect(page.locator("#summary")).to_be_focused()
    page.keyboard.type("再次咨询专利费减缴的办理条件")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    flash = page.locator("main .flash-success")
    expect(flash).to_contain_text(REF)
    # logged: the switch call no longer rings on the page
    expect(panel).to_be_hidden()
    browsing.capture(page, "picked-up-and-logged")
    # the switch's retry of the intake (same cti_call_id) answers the call just logged, not a second one
    ref = REF.search(flash.inner_text()).group(0)
    again = _api(server, "/api/v1/calls", {
        "received_at": "2015-03-02T10:00:00+08:00", "channel": "phone", "request_type": "consultation",
        "summary": "重试", "cti_call_id": cti_call_id})
    assert again["ref"] == ref
    browsing.assert_clean_console()
