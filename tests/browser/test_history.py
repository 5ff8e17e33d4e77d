"""History in the console: the list, one event with its diff, and reverting it (preview, then
apply) with the change reaching the emulator."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.support.select import Select

from tests.browser.api import Api, Upstream
from tests.browser.browsing import Browser

pytestmark = pytest.mark.browser

ZONE = "example.com"


def changed_twice(api: Api, name: str) -> dict[str, Any]:
    """A set made, then changed; returns the event of the change."""
    api.put_set(ZONE, name, "A", ["192.0.2.1"], ttl=3600)
    api.put_set(ZONE, name, "A", ["192.0.2.2"], ttl=3600)
    [event] = api.events(ZONE, name, "record:updated")
    return event


def test_the_history_lists_changes_and_shows_one_with_its_diff(
    browser: Browser, admin_token: str, admin_api: Api
) -> None:
    event = changed_twice(admin_api, "hist")
    browser.sign_in(admin_token)
    browser.open("/console/history")
    browser.fill("name", "hist")
    Select(browser.by_id("action")).select_by_value("record:updated")
    browser.click_to_load(browser.one("#history-filter [type=submit]"))
    [row] = browser.all("#events tr.event")
    assert row.get_attribute("data-event-id") == str(event["id"])
    assert "record:updated" in row.text
    assert "alice" in row.text
    browser.open("/console/history?zone=example.com")
    browser.screenshot("history")

    browser.open(f"/console/history/{event['id']}")
    diff = browser.by_id("diff")
    assert [d.text for d in diff.find_elements("css selector", "del")] == ["192.0.2.1"]
    assert [i.text for i in diff.find_elements("css selector", "ins")] == ["192.0.2.2"]
    browser.screenshot("history-diff")


def test_reverting_a_change_after_its_preview(
    browser: Browser, admin_token: str, admin_api: Api, upstream: Upstream
) -> None:
    event = changed_twice(admin_api, "undo-me")
    assert upstream.values(ZONE, "undo-me", "A") == ["192.0.2.2"]
    browser.sign_in(admin_token)
    browser.open(f"/console/history/{event['id']}")
    browser.press("revert-preview-button")
    [update] = browser.all("#plan li.op")
    assert "op-update" in (update.get_attribute("class") or "")
    assert "192.0.2.1" in update.text
    assert upstream.values(ZONE, "undo-me", "A") == ["192.0.2.2"]  # the preview wrote nothing
    browser.screenshot("revert-plan")
    browser.press("revert-button")
    assert browser.by_id("done").is_displayed()
    assert upstream.values(ZONE, "undo-me", "A") == ["192.0.2.1"]
    assert admin_api.set_values(ZONE, "undo-me", "A") == ["192.0.2.1"]
