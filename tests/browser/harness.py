"""Starting what the browser tests drive: Chromium through chromedriver, and a real server.

Nothing here downloads anything: the browser and its driver are the machine's
(``/usr/bin/chromium``, ``/usr/bin/chromedriver``, or ``DNS_API_CHROMIUM``/``DNS_API_CHROMEDRIVER``)
and Selenium Manager is switched off. A missing browser skips the tests, or fails them when
``DNS_API_REQUIRE_CLIENTS=1`` (CI).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dns_api.db import urls
from dns_api.emulator import RunningEmulator
from tests import live

REQUIRE = "DNS_API_REQUIRE_CLIENTS"
DESKTOP = (1280, 900)
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",  # the tests may run as root (containers, CI)
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


@dataclass(frozen=True)
class ChromiumPaths:
    browser: str
    driver: str


def chromium_paths() -> ChromiumPaths:
    """The browser and driver to use; skips (or fails under ``DNS_API_REQUIRE_CLIENTS=1``)
    when either is missing."""
    browser = os.environ.get("DNS_API_CHROMIUM", "/usr/bin/chromium")
    driver = os.environ.get("DNS_API_CHROMEDRIVER", "/usr/bin/chromedriver")
    missing = [path for path in (browser, driver) if not os.access(path, os.X_OK)]
    if missing:
        reason = f"{' and '.join(missing)} not found (apt-get install chromium chromium-driver)"
        if os.environ.get(REQUIRE) == "1":
            pytest.fail(f"{REQUIRE}=1 but {reason}")
        pytest.skip(reason)
    return ChromiumPaths(browser, driver)


def start_chromium(paths: ChromiumPaths, profile: Path, log: Path) -> WebDriver:
    """A headless Chromium with a fresh profile, at desktop size, keeping its console log."""
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never fetch a browser or driver
    options = webdriver.ChromeOptions()
    options.binary_location = paths.browser
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={DESKTOP[0]},{DESKTOP[1]}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=paths.driver, log_output=str(log))
    return webdriver.Chrome(service=service, options=options)


def database_for(backend: str, folder: Path) -> str | None:
    """A database of its own for the console's server (``None``: no PostgreSQL here). The
    server migrates it when it starts, as ``dns-api serve`` always does."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'console.db'}"
    admin_url = os.environ.get("DNS_API_TEST_POSTGRES_URL")
    if not admin_url:
        if os.environ.get("DNS_API_REQUIRE_POSTGRES") == "1":
            pytest.fail("DNS_API_REQUIRE_POSTGRES=1 but DNS_API_TEST_POSTGRES_URL is not set")
        return None
    name = f"dns_api_browser_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    engine = create_engine(urls.engine_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@dataclass(frozen=True)
class Server:
    """A running ``dns-api serve``: its base URL and the file its output goes to."""

    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def serve(
    emulator: RunningEmulator, database_url: str, workdir: Path, **extra: str
) -> Iterator[Server]:
    """``dns-api serve`` on a free loopback port (output kept in ``workdir``); stopped by its
    process group at exit."""
    port = live.free_port()
    log = workdir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "dns_api", "serve", "--port", str(port)],
            env=live.server_environment(emulator, database_url, **extra),
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", log)

    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(
                f"dns-api serve exited with {process.returncode}:\n{server.output()}"
            )
        try:
            return httpx.get(server.url + "/", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        live.wait_for(up, "the server to start", seconds=90)
        yield server
    finally:
        live.stop(process)
