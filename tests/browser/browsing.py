"""``Browser``: the console as a person uses it, through one shared Chromium.

Each step waits for what a person would wait for (the next page to load), then the test looks
at what is on the page. Waits end on a condition, never after a fixed time; their deadline only
stops a hung page from hanging the run.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from selenium.common.exceptions import NoSuchElementException, WebDriverException
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

PAGE_LOAD_DEADLINE_S = 60
CSP_MARKERS = ("Content Security Policy", "Content-Security-Policy")


class Browser:
    """One test's view of the console at ``base_url``."""

    def __init__(self, driver: WebDriver, base_url: str, screenshots: Path) -> None:
        self.driver = driver
        self.base_url = base_url
        self.screenshots = screenshots

    # -- where we are ----------------------------------------------------------------------

    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    @property
    def path(self) -> str:
        return urlsplit(self.driver.current_url).path

    @property
    def query(self) -> str:
        return urlsplit(self.driver.current_url).query

    # -- finding ---------------------------------------------------------------------------

    def by_id(self, element_id: str) -> WebElement:
        return self.driver.find_element(By.ID, element_id)

    def one(self, selector: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def all(self, selector: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def has(self, selector: str) -> bool:
        return bool(self.all(selector))

    def text(self, selector: str) -> str:
        """The visible text of the first element ``selector`` finds."""
        return self.one(selector).text

    def page_text(self) -> str:
        return self.one("body").text

    def heading(self) -> str:
        return self.text("main h1")

    # -- acting ----------------------------------------------------------------------------

    def fill(self, element_id: str, value: str) -> None:
        """Type ``value`` into the field (emptied first); newlines start new lines."""
        field = self.by_id(element_id)
        field.clear()
        field.send_keys(value)

    def click_to_load(self, element: WebElement) -> None:
        """Click ``element`` and wait for the page it leads to."""
        self.then_wait_for_new_page(element.click)

    def press(self, element_id: str) -> None:
        """Click the button or link with this id and wait for the next page."""
        self.click_to_load(self.by_id(element_id))

    def then_wait_for_new_page(self, action: Callable[[], Any]) -> None:
        """Do ``action`` and wait until another document has loaded: the old one carried a
        mark, the new one does not."""
        self.driver.execute_script("window.dnsApiOldPage = true")
        action()
        WebDriverWait(self.driver, PAGE_LOAD_DEADLINE_S).until(
            lambda _: self._new_page_loaded(), "the next page"
        )

    def _new_page_loaded(self) -> bool:
        try:
            loaded: bool = self.driver.execute_script(
                "return !window.dnsApiOldPage && document.readyState === 'complete'"
            )
        except WebDriverException:  # the page is being replaced under the script
            return False
        return loaded

    def wait_until(self, condition: Callable[[], bool], what: str) -> None:
        WebDriverWait(self.driver, PAGE_LOAD_DEADLINE_S).until(lambda _: condition(), what)

    # -- the console's own steps -----------------------------------------------------------

    def forget_cookies(self) -> None:
        """Every cookie of the browser gone (as a new browser would be)."""
        self.driver.execute_cdp_cmd("Network.clearBrowserCookies", {})

    def sign_in(self, token: str) -> None:
        """Sign in with ``token`` from the sign-in page; lands on the page after it."""
        self.open("/console/sign-in")
        self.fill("token", token)
        self.click_to_load(self.one("#sign-in button[type=submit]"))

    def sign_out(self) -> None:
        self.press("sign-out")

    def signed_in_as(self) -> str:
        try:
            return self.by_id("signed-in-as").text
        except NoSuchElementException:
            return ""

    # -- evidence --------------------------------------------------------------------------

    def screenshot(self, name: str) -> Path:
        """The whole page (not just the window) as ``<name>.png`` in the screenshot folder,
        with no field focused (no caret in the picture)."""
        self.driver.execute_script("document.activeElement?.blur()")
        metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True, "clip": clip},
        )
        target = self.screenshots / f"{name}.png"
        target.write_bytes(base64.b64decode(shot["data"]))
        return target

    def console_log(self) -> list[str]:
        """What the browser logged since the last call (then forgotten)."""
        entries = self.driver.get_log("browser")  # type: ignore[no-untyped-call]  # selenium
        return [entry["message"] for entry in entries]


def csp_violations(messages: list[str]) -> list[str]:
    return [m for m in messages if any(marker in m for marker in CSP_MARKERS)]
