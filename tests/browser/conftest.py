"""Fixtures for the console in a real browser (marker ``browser``).

- ``console_server``: ONE ``dns-api serve`` process per backend for the whole session, on a
  database of its own, against an emulator of its own (the other tests empty the shared one
  between tests; this server's rows must keep matching what its emulator holds). Admin: alice's
  legacy token (``VALID_USERS``, ``SECRET_KEY``). Tests use names of their own, so they never
  see each other's sets.
- ``driver``: one headless Chromium for the session; ``browser`` gives each test that browser
  with no cookies, at desktop size, and checks afterwards that the page logged no
  Content-Security-Policy violation and the server logged no traceback.
- ``screenshots``: the folder ``DNS_API_SCREENSHOTS`` names (default: a pytest temporary one).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver

from dns_api.emulator import EmulatorState, RunningEmulator, start_emulator
from tests.browser.api import Api, Upstream
from tests.browser.browsing import Browser, csp_violations
from tests.browser.harness import (
    DESKTOP,
    Server,
    chromium_paths,
    database_for,
    serve,
    start_chromium,
)
from tests.conftest import ACCOUNT_ID, EMULATOR_TOKEN, ZONES, legacy_token

ADMIN = "alice"
DENIED_NAMES = "www,admin"


@dataclass(frozen=True)
class Console:
    """The running console and what the tests check it against."""

    server: Server
    emulator: RunningEmulator

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="session")
def _console_emulator() -> Iterator[RunningEmulator]:
    state = EmulatorState(account_id=ACCOUNT_ID, token=EMULATOR_TOKEN, zones=ZONES)
    with start_emulator(state) as running:
        yield running


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def console_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    _console_emulator: RunningEmulator,
) -> Iterator[Console]:
    chromium_paths()  # no browser: skip before starting anything
    folder = tmp_path_factory.mktemp(f"console-{request.param}")
    database_url = database_for(request.param, folder)
    if database_url is None:
        pytest.skip("PostgreSQL not available (set DNS_API_TEST_POSTGRES_URL)")
    _console_emulator.state.reset()
    extra = {"DNSIMPLE_DOMAINS": ",".join(ZONES), "BLACKLISTED_SUBDOMAINS": DENIED_NAMES}
    with serve(_console_emulator, database_url, folder, **extra) as server:
        yield Console(server, _console_emulator)


@pytest.fixture(scope="session")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    paths = chromium_paths()
    folder = tmp_path_factory.mktemp("chromium")
    chromium = start_chromium(paths, folder / "profile", folder / "chromedriver.log")
    try:
        yield chromium
    finally:
        chromium.quit()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("DNS_API_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser(console_server: Console, driver: WebDriver, screenshots: Path) -> Iterator[Browser]:
    """The shared browser, signed out (no cookies), at desktop size, on a blank page."""
    browser = Browser(driver, console_server.url, screenshots)
    driver.get("about:blank")
    browser.forget_cookies()
    driver.set_window_size(*DESKTOP)
    browser.console_log()  # forget what earlier tests logged
    server_output_before = len(console_server.server.output())
    yield browser
    violations = csp_violations(browser.console_log())
    assert not violations, f"the page broke its Content-Security-Policy: {violations}"
    new_output = console_server.server.output()[server_output_before:]
    assert "Traceback" not in new_output, f"the server failed:\n{new_output}"


@pytest.fixture
def console_url(console_server: Console) -> str:
    return console_server.url


@pytest.fixture
def admin_token() -> str:
    return legacy_token(ADMIN)


@pytest.fixture
def admin_api(console_server: Console, admin_token: str) -> Api:
    return Api(console_server.url, admin_token)


@pytest.fixture
def upstream(console_server: Console) -> Upstream:
    return Upstream(console_server.emulator)
