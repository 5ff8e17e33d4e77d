"""Fixtures for the third-party DNSimple clients, each in its own venv (.venv-thirdparty/).

- ``emulator`` (tests/conftest.py): the session's DNSimple emulator over HTTP, emptied per test.
- ``dnsimple``: the official ``dnsimple`` Python client, run by ``driver_dnsimple.py``.
- ``lexicon``: dns-lexicon's dnsimple provider through its Python API (``driver_lexicon.py``).
- ``lexicon_cli``: the ``lexicon`` command; ``emulator_dns`` answers its zone lookups.

Each client runs as a subprocess of its venv's Python against the emulator's URL; the tests
check what it did in the emulator's own state over HTTP (``emulator_http``). A missing venv
skips the test, or fails it under ``DNS_API_REQUIRE_CLIENTS=1`` (CI).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dns_api.emulator import RunningEmulator
from tests.clients.runners import DnsServer
from tests.conftest import ACCOUNT_ID, EMULATOR_TOKEN
from tests.thirdparty.harness import HERE, Connected, Driver, venv_program
from tests.thirdparty.lexicon_cli import LexiconCli
from tests.thirdparty.samples import ZONE


@pytest.fixture(scope="session")
def emulator_dns(_emulator_server: RunningEmulator) -> Iterator[DnsServer]:
    """The session emulator's zones over DNS on a free loopback port."""
    from dns_api.emulator.dns import start_dns

    server: DnsServer = start_dns(_emulator_server.state, host="127.0.0.1", port=0)
    try:
        yield server
    finally:
        server.stop()


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return home


@pytest.fixture
def dnsimple(emulator: RunningEmulator, tmp_path: Path) -> Connected:
    driver = Driver(venv_program("dnsimple"), HERE / "driver_dnsimple.py", _home(tmp_path))
    request = {"base_url": emulator.url, "token": EMULATOR_TOKEN, "account": ACCOUNT_ID}
    return Connected(driver, request)


@pytest.fixture
def lexicon(emulator: RunningEmulator, tmp_path: Path) -> Connected:
    driver = Driver(venv_program("lexicon"), HERE / "driver_lexicon.py", _home(tmp_path))
    request = {"api_endpoint": f"{emulator.url}/v2", "token": EMULATOR_TOKEN, "domain": ZONE}
    return Connected(driver, request)


@pytest.fixture
def lexicon_cli(emulator: RunningEmulator, emulator_dns: DnsServer, tmp_path: Path) -> LexiconCli:
    program = venv_program("lexicon", "lexicon")
    dns_server = f"{emulator_dns.host}:{emulator_dns.port}"
    return LexiconCli(program, f"{emulator.url}/v2", dns_server, _home(tmp_path))
