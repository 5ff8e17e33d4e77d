"""What protects the console, seen from the browser: the Content-Security-Policy (and nothing
on the pages breaking it), and forms refused without their CSRF token."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.api import Api, Upstream
from tests.browser.browsing import Browser

pytestmark = pytest.mark.browser

ZONE = "example.com"
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


@pytest.mark.parametrize(
    "path",
    ["/console/sign-in", "/console/zones", "/console/no-such-page", "/console/static/console.js"],
)
def test_console_answers_carry_the_content_security_policy(console_url: str, path: str) -> None:
    answer = httpx.get(console_url + path, timeout=30)
    assert answer.headers["content-security-policy"] == POLICY
    assert answer.headers["x-frame-options"] == "DENY"


def test_the_main_pages_log_no_error_in_the_browser(
    browser: Browser, admin_token: str, admin_api: Api
) -> None:
    admin_api.put_set(ZONE, "quiet", "TXT", ["nothing to report"])
    pages = [
        "/console/zones",
        f"/console/zones/{ZONE}",
        f"/console/zones/{ZONE}/sets/quiet/TXT",
        f"/console/zones/{ZONE}/new",
        "/console/history",
        "/console/tokens",
        "/console/operations",
        "/console/tokens/new",
    ]
    browser.sign_in(admin_token)
    for page in pages:
        browser.open(page)
        assert browser.signed_in_as() == "alice", page
    # On the last page, the live example fetches a fragment from the server.
    browser.fill("names", "pr-*")
    browser.wait_until(lambda: bool(browser.text("#match-example")), "the example names")
    assert browser.console_log() == []  # base.html's empty icon: no request for /favicon.ico


def test_a_form_without_its_csrf_token_is_refused(
    browser: Browser, admin_token: str, admin_api: Api, upstream: Upstream
) -> None:
    admin_api.put_set(ZONE, "guarded", "A", ["192.0.2.1"])
    browser.sign_in(admin_token)
    browser.open(f"/console/zones/{ZONE}/sets/guarded/A")
    browser.fill("values", "192.0.2.66")
    browser.press("preview")
    browser.driver.execute_script(
        "document.querySelector('#apply input[name=csrf_token]').remove()"
    )
    browser.press("apply-button")
    assert browser.heading() == "Forbidden"
    assert browser.by_id("error").is_displayed()
    assert upstream.values(ZONE, "guarded", "A") == ["192.0.2.1"]


def test_a_form_with_an_altered_csrf_token_is_refused(browser: Browser, admin_token: str) -> None:
    browser.sign_in(admin_token)
    browser.driver.execute_script(
        "document.querySelector('header input[name=csrf_token]').value = 'forged'"
    )
    browser.press("sign-out")
    assert browser.heading() == "Forbidden"
    browser.open("/console/zones")  # the refused sign-out ended nothing
    assert browser.signed_in_as() == "alice"
