"""Tokens in the console: minted in the browser and used by a script over the API; revoked in
the browser, which ends the console sessions signed in with them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from selenium.webdriver.common.by import By

from tests.browser.api import Api, Upstream, bearer
from tests.browser.browsing import Browser

pytestmark = pytest.mark.browser

ZONE = "example.com"
DEPLOY = {"zones": [ZONE], "names": ["deploy-*"], "types": ["A"], "actions": ["read", "create"]}


def check(browser: Browser, name: str, value: str) -> None:
    box = browser.one(f"#mint input[name='{name}'][value='{value}']")
    if not box.is_selected():
        box.click()


def test_a_token_minted_in_the_console_works_over_the_api(
    browser: Browser, admin_token: str, console_url: str, upstream: Upstream
) -> None:
    browser.sign_in(admin_token)
    browser.open("/console/tokens")
    browser.press("mint-link")
    assert browser.path == "/console/tokens/new"
    browser.fill("token-name", "deploy bot")
    browser.fill("zones", ZONE)
    browser.fill("names", "deploy-*")
    browser.wait_until(lambda: "deploy-" in browser.text("#match-example"), "the example names")
    check(browser, "types", "A")
    for action in ("read", "create"):
        check(browser, "actions", action)
    browser.fill("expires", "30d")
    browser.screenshot("tokens-mint")
    browser.click_to_load(browser.one("#mint [type=submit]"))

    secret = browser.by_id("new-token-secret").text
    assert secret.startswith("dnsapi_")
    assert browser.by_id("copy-token").get_attribute("data-copy") == "#new-token-secret"
    with httpx.Client(base_url=console_url, headers=bearer(secret), timeout=30) as script:
        made = script.put(f"/zones/{ZONE}/rrsets/deploy-1/A", json={"records": ["192.0.2.7"]})
        assert made.status_code == 200, made.text
        beyond = script.put(f"/zones/{ZONE}/rrsets/other/A", json={"records": ["192.0.2.7"]})
        assert beyond.status_code == 403, beyond.text
    assert upstream.values(ZONE, "deploy-1", "A") == ["192.0.2.7"]

    browser.open("/console/tokens")
    [row] = [r for r in browser.all("#tokens tr.token") if "deploy bot" in r.text]
    assert "live" in row.text
    assert "deploy-*" in row.text
    browser.screenshot("tokens")


def cookies_of(browser: Browser) -> list[dict[str, Any]]:
    return [c for c in browser.driver.get_cookies() if c["name"] == "dns_api_session"]


def test_revoking_a_token_ends_the_sessions_signed_in_with_it(
    browser: Browser, admin_token: str, admin_api: Api, console_url: str
) -> None:
    parent = admin_api.mint("ci parent", [DEPLOY], can_mint=True)
    child = Api(console_url, parent.secret).mint("ci child", [DEPLOY])
    browser.sign_in(child.secret)
    assert browser.signed_in_as() == "alice · ci child"
    child_session = cookies_of(browser)
    assert child_session

    browser.forget_cookies()  # the admin, in another browser
    browser.sign_in(admin_token)
    browser.open("/console/tokens")
    row = browser.one(f"#tokens tr.token[data-token-id='{parent.id}']")
    browser.click_to_load(row.find_element(By.CSS_SELECTOR, "a.revoke-link"))
    going = {li.get_attribute("data-token-id") for li in browser.all("#cascade li")}
    assert going == {parent.id, child.id}
    browser.screenshot("revoke-cascade")
    browser.press("confirm-revoke-button")
    assert browser.path == "/console/tokens"
    assert browser.by_id("done").is_displayed()
    status = browser.text(f"#tokens tr.token[data-token-id='{parent.id}'] .badge")
    assert status == "revoked"

    browser.forget_cookies()  # back to the child's browser
    for cookie in child_session:
        browser.driver.add_cookie(cookie)
    browser.open("/console/zones")
    assert browser.path == "/console/sign-in"
    assert "ended" in browser.by_id("notice").text
    answer = httpx.get(f"{console_url}/zones", headers=bearer(child.secret), timeout=30)
    assert answer.status_code == 401
