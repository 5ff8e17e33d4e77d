"""Zones and record sets in the console: browse, filter, edit with a preview, conflicts,
refusals, create and delete, and a hostile value shown as text. What reaches "DNSimple" is
read back from the emulator over HTTP."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.support.select import Select

from tests.browser.api import Api, Upstream
from tests.browser.browsing import Browser

pytestmark = pytest.mark.browser

ZONE = "example.com"
ZONE_PAGE = f"/console/zones/{ZONE}"
HOSTILE = "<script>alert(1)</script>"


def set_page(name: str, type_: str) -> str:
    return f"{ZONE_PAGE}/sets/{name}/{type_}"


def rows(browser: Browser) -> list[tuple[str, str]]:
    """The (name, type) of each record set row on the page."""
    return [
        (row.get_attribute("data-name") or "", row.get_attribute("data-type") or "")
        for row in browser.all("#rrsets tr.rrset")
    ]


def row_of(browser: Browser, name: str, type_: str) -> list[str]:
    """The cells' text of one set's row."""
    [row] = browser.all(f"#rrsets tr.rrset[data-name='{name}'][data-type='{type_}']")
    return [cell.text for cell in row.find_elements("css selector", "td")]


def assert_no_alert(browser: Browser) -> None:
    with pytest.raises(NoAlertPresentException):
        browser.driver.switch_to.alert  # noqa: B018 (the property raises when there is none)


def test_browsing_zones_and_their_record_sets(
    browser: Browser, admin_token: str, admin_api: Api
) -> None:
    admin_api.put_set(ZONE, "shop", "A", ["192.0.2.10", "192.0.2.11"], ttl=600)
    admin_api.put_set(ZONE, "shop", "AAAA", ["2001:db8::10"])
    admin_api.put_set(ZONE, "mail", "MX", ["10 mx1.example.net", "20 mx2.example.net"])
    admin_api.put_set(ZONE, "blog", "CNAME", ["shop.example.com"])
    browser.sign_in(admin_token)
    zones = [link.text for link in browser.all("#zones tr.zone a.zone-link")]
    assert zones == ["example.com", "example.org"]
    browser.screenshot("zones")
    browser.click_to_load(browser.one(f"#zones a.zone-link[href='{ZONE_PAGE}']"))
    assert browser.path == ZONE_PAGE
    assert {("shop", "A"), ("shop", "AAAA"), ("mail", "MX"), ("blog", "CNAME")} <= set(
        rows(browser)
    )
    cells = row_of(browser, "shop", "A")
    assert cells[:4] == ["shop", "A", "192.0.2.10\n192.0.2.11", "600"]
    assert "managed" in cells[4]
    assert "alice" in cells[5]
    browser.screenshot("rrsets")  # docs/console.md shows it
    browser.click_to_load(browser.one("#rrsets tr.rrset[data-name='mail'] a.rrset-link"))
    assert browser.path == set_page("mail", "MX")
    assert "10 mx1.example.net" in browser.text("#current")
    browser.screenshot("record-set")


def test_filtering_by_name_and_type(browser: Browser, admin_token: str, admin_api: Api) -> None:
    admin_api.put_set(ZONE, "filtered", "A", ["192.0.2.20"])
    admin_api.put_set(ZONE, "filtered", "TXT", ["kept"])
    admin_api.put_set(ZONE, "other", "TXT", ["not kept"])
    browser.sign_in(admin_token)
    browser.open(ZONE_PAGE)
    browser.fill("filter-name", "filtered")
    browser.click_to_load(browser.one("#filter [type=submit]"))
    assert sorted(rows(browser)) == [("filtered", "A"), ("filtered", "TXT")]
    Select(browser.by_id("filter-type")).select_by_value("TXT")
    browser.click_to_load(browser.one("#filter [type=submit]"))
    assert rows(browser) == [("filtered", "TXT")]
    assert browser.by_id("filter-name").get_attribute("value") == "filtered"


def test_an_edit_is_previewed_then_applied(
    browser: Browser, admin_token: str, admin_api: Api, upstream: Upstream
) -> None:
    admin_api.put_set(ZONE, "edit-me", "A", ["192.0.2.1"], ttl=3600)
    browser.sign_in(admin_token)
    browser.open(set_page("edit-me", "A"))
    browser.fill("values", "192.0.2.1\n192.0.2.2")
    browser.fill("ttl", "3600")
    browser.press("preview")
    [create] = browser.all("#plan li.op")
    assert "op-create" in (create.get_attribute("class") or "")
    assert "192.0.2.2" in create.text
    assert "POST" in browser.text("#plan")  # the DNSimple call it will make
    assert upstream.values(ZONE, "edit-me", "A") == ["192.0.2.1"]  # a preview writes nothing
    browser.screenshot("preview-plan")
    browser.press("apply-button")
    assert "done" in browser.query
    assert browser.by_id("done").is_displayed()
    assert upstream.values(ZONE, "edit-me", "A") == ["192.0.2.1", "192.0.2.2"]
    assert "192.0.2.2" in browser.text("#current")


def test_an_edit_of_a_set_changed_meanwhile_is_stopped(
    browser: Browser, admin_token: str, admin_api: Api, upstream: Upstream
) -> None:
    admin_api.put_set(ZONE, "stale", "A", ["192.0.2.1"])
    browser.sign_in(admin_token)
    browser.open(set_page("stale", "A"))
    browser.fill("values", "192.0.2.5")
    browser.press("preview")
    admin_api.put_set(ZONE, "stale", "A", ["192.0.2.9"])  # someone else, over the API
    browser.press("apply-button")
    conflict = browser.by_id("conflict")
    assert "changed since you opened it" in conflict.text
    assert "192.0.2.9" in conflict.text
    assert upstream.values(ZONE, "stale", "A") == ["192.0.2.9"]
    browser.screenshot("conflict")


def test_a_value_the_api_refuses_is_named_next_to_its_field(
    browser: Browser, admin_token: str, admin_api: Api, upstream: Upstream
) -> None:
    admin_api.put_set(ZONE, "refused", "A", ["192.0.2.1"])
    browser.sign_in(admin_token)
    browser.open(set_page("refused", "A"))
    browser.fill("values", "not-an-address")
    browser.fill("ttl", "ten")
    browser.press("preview")
    assert browser.by_id("values").get_attribute("aria-invalid") == "true"
    assert browser.by_id("values").get_attribute("aria-describedby") == "values-error"
    assert browser.by_id("values-error").text
    assert browser.by_id("ttl-error").text
    assert browser.by_id("values").get_attribute("value") == "not-an-address"  # kept
    assert not browser.has("#apply")
    assert upstream.values(ZONE, "refused", "A") == ["192.0.2.1"]
    browser.screenshot("refused-values")


def test_a_deny_listed_name_is_refused(
    browser: Browser, admin_token: str, upstream: Upstream
) -> None:
    browser.sign_in(admin_token)
    browser.open(f"{ZONE_PAGE}/new")
    browser.fill("name", "www")
    Select(browser.by_id("type")).select_by_value("A")
    browser.fill("values", "192.0.2.80")
    browser.press("preview")
    assert browser.by_id("name").get_attribute("aria-invalid") == "true"
    assert browser.by_id("name-error").text
    assert not browser.has("#apply")
    assert upstream.values(ZONE, "www", "A") == []


def test_a_set_is_created_and_deleted_after_confirmation(
    browser: Browser, admin_token: str, upstream: Upstream
) -> None:
    browser.sign_in(admin_token)
    browser.open(ZONE_PAGE)
    browser.press("new-rrset")
    assert browser.path == f"{ZONE_PAGE}/new"
    browser.fill("name", "fresh")
    Select(browser.by_id("type")).select_by_value("MX")
    browser.fill("values", "10 mx1.example.net\n20 mx2.example.net")
    browser.fill("ttl", "900")
    browser.screenshot("new-record-set")
    browser.press("preview")
    assert len(browser.all("#plan li.op.op-create")) == 2
    browser.press("apply-button")
    assert browser.by_id("done").is_displayed()
    assert upstream.values(ZONE, "fresh", "MX") == ["mx1.example.net", "mx2.example.net"]

    browser.open(set_page("fresh", "MX"))
    browser.press("delete-button")
    assert "mx1.example.net" in browser.page_text()  # what goes is shown before it goes
    assert upstream.values(ZONE, "fresh", "MX") != []
    browser.screenshot("delete-confirmation")
    browser.press("confirm-delete-button")
    assert browser.path == ZONE_PAGE
    assert browser.by_id("done").is_displayed()
    assert ("fresh", "MX") not in rows(browser)
    assert upstream.values(ZONE, "fresh", "MX") == []


def test_a_script_in_a_value_is_shown_as_text(
    browser: Browser, admin_token: str, upstream: Upstream
) -> None:
    browser.sign_in(admin_token)
    browser.open(f"{ZONE_PAGE}/new")
    browser.fill("name", "xss")
    Select(browser.by_id("type")).select_by_value("TXT")
    browser.fill("values", HOSTILE)
    browser.press("preview")
    assert_no_alert(browser)
    assert HOSTILE in browser.text("#plan")
    browser.press("apply-button")
    assert upstream.values(ZONE, "xss", "TXT") == [f'"{HOSTILE}"']  # TXT goes quoted
    for page in (ZONE_PAGE, set_page("xss", "TXT")):
        browser.open(page)
        assert_no_alert(browser)
        # As text (TXT may show quoted); waited for, as a busy CI machine may still be drawing.
        browser.wait_until(
            lambda: any(HOSTILE in cell.text for cell in browser.all("td.value")),
            f"{HOSTILE} shown as text on {page}",
        )
        assert not browser.driver.execute_script(
            "return [...document.scripts].some(s => s.textContent.includes('alert(1)'))"
        )


def test_the_zone_page_fits_a_phone(browser: Browser, admin_token: str, admin_api: Api) -> None:
    long_value = "v=spf1 " + " ".join(f"ip4:198.51.100.{n}" for n in range(1, 25)) + " -all"
    admin_api.put_set(ZONE, "phone", "TXT", [long_value])
    browser.sign_in(admin_token)
    browser.driver.set_window_size(390, 844)
    browser.open(ZONE_PAGE)
    assert browser.has("#rrsets tr.rrset[data-name='phone']")
    widths = browser.driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page is wider than the phone: {widths}"
    assert browser.by_id("sign-out").is_displayed()
    browser.screenshot("zone-phone")
