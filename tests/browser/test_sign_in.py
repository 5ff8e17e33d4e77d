"""Signing in and out of the console: with the admin's legacy token, with a scoped token, with
a bad one, and with the keyboard alone."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from tests.browser.api import Api
from tests.browser.browsing import Browser

pytestmark = pytest.mark.browser

READ_ORG = {"zones": ["example.org"], "names": ["**"], "types": ["*"], "actions": ["read"]}
MAX_TABS = 12


def test_the_console_sends_a_stranger_to_sign_in(browser: Browser) -> None:
    browser.open("/console/zones")
    assert browser.path == "/console/sign-in"
    assert browser.heading() == "Sign in"
    assert browser.by_id("token").get_attribute("type") == "password"
    assert browser.signed_in_as() == ""
    browser.screenshot("sign-in")


def test_the_admin_signs_in_with_a_legacy_token_and_out_again(
    browser: Browser, admin_token: str
) -> None:
    browser.sign_in(admin_token)
    assert browser.path == "/console/zones"
    assert browser.signed_in_as() == "alice"
    assert browser.has("nav a[href='/console/operations']")  # admins see operations
    browser.sign_out()
    assert browser.path == "/console/sign-in"
    assert "signed out" in browser.by_id("notice").text
    assert browser.signed_in_as() == ""
    browser.open("/console/zones")  # the session is gone, not only the header
    assert browser.path == "/console/sign-in"


def test_a_scoped_token_signs_in_and_sees_only_its_zones(browser: Browser, admin_api: Api) -> None:
    viewer = admin_api.mint("org viewer", [READ_ORG])
    browser.sign_in(viewer.secret)
    assert browser.path == "/console/zones"
    assert browser.signed_in_as() == "alice · org viewer"
    assert not browser.has("nav a[href='/console/operations']")
    zones = [link.text for link in browser.all("#zones tr.zone a.zone-link")]
    assert zones == ["example.org"]


def test_a_token_that_is_not_valid_is_refused_next_to_the_field(browser: Browser) -> None:
    browser.sign_in("dnsapi_this-is-not-a-token")
    assert browser.path == "/console/sign-in"
    token = browser.by_id("token")
    assert token.get_attribute("aria-invalid") == "true"
    assert token.get_attribute("aria-describedby") == "token-error"
    assert "not valid" in browser.by_id("token-error").text
    assert browser.signed_in_as() == ""


def test_signing_in_with_the_keyboard_alone(browser: Browser, admin_token: str) -> None:
    browser.open("/console/sign-in")
    keys = ActionChains(browser.driver)
    for _ in range(MAX_TABS):
        if browser.driver.switch_to.active_element.get_attribute("id") == "token":
            break
        keys.send_keys(Keys.TAB).perform()
    assert browser.driver.switch_to.active_element.get_attribute("id") == "token"
    browser.then_wait_for_new_page(
        lambda: keys.send_keys(admin_token).send_keys(Keys.ENTER).perform()
    )
    assert browser.path == "/console/zones"
    assert browser.signed_in_as() == "alice"
