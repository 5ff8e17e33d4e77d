"""Fixtures for the real protocol clients: DNS, pebble, a running dns-api, and each client.

- ``emulator_dns``: the emulator's zones over DNS (UDP/TCP) on a free loopback port, for the
  whole session, answering from the session emulator's live state (each test's ``emulator``
  empties it), so pebble sees exactly what dns-api wrote.
- ``pebble``: the ACME test CA on free loopback ports with a TLS certificate made at start,
  validating against ``emulator_dns``; one per session (``PEBBLE_AUTHZREUSE=0``: no
  authorization carries over from one test to the next).
- ``api``: a ``dns-api serve`` process (``tests.live.serve``) with ``api_env`` added to its
  environment; a test module overrides ``api_env`` to switch a feature on.
- ``lego``, ``certbot``, ``ddclient``, ``inadyn``: callables that run the program once in the
  test's own folder (see ``runners``).

Only SQLite: these tests prove the protocols with the real programs; the storage tests run
every backend. A missing program skips the test, or fails it under ``DNS_API_REQUIRE_CLIENTS=1``
(CI). Every process is ended by its process group, also when a test fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dns_api.emulator import RunningEmulator
from tests import live
from tests.clients.harness import Pebble, program, start_pebble
from tests.clients.runners import Certbot, Ddclient, DnsServer, Inadyn, Lego
from tests.conftest import _empty_tables


@pytest.fixture
def database_url(_migrated_databases: dict[str, str | None]) -> str:
    """The session's migrated SQLite database, emptied (this group skips PostgreSQL)."""
    url = _migrated_databases["sqlite"]
    assert url is not None
    _empty_tables(url)
    return url


@pytest.fixture(scope="session")
def emulator_dns(_emulator_server: RunningEmulator) -> Iterator[DnsServer]:
    from dns_api.emulator.dns import start_dns

    server: DnsServer = start_dns(_emulator_server.state, host="127.0.0.1", port=0)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pebble(tmp_path_factory: pytest.TempPathFactory, emulator_dns: DnsServer) -> Iterator[Pebble]:
    with start_pebble(tmp_path_factory.mktemp("pebble"), emulator_dns.port) as running:
        yield running


@pytest.fixture
def api_env() -> dict[str, str]:
    """Extra environment for the ``api`` server; override it in a test module."""
    return {}


@pytest.fixture
def api(
    emulator: RunningEmulator, database_url: str, tmp_path: Path, api_env: dict[str, str]
) -> Iterator[str]:
    """The base URL of a running dns-api, ``http://127.0.0.1:<port>``."""
    workdir = tmp_path / "dns-api"
    workdir.mkdir()
    with live.serve(emulator, database_url, workdir, **api_env) as url:
        yield url


def _folder(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return folder


@pytest.fixture
def lego(pebble: Pebble, emulator_dns: DnsServer, tmp_path: Path) -> Lego:
    return Lego(program("lego"), pebble, emulator_dns, _folder(tmp_path, "lego") / "data")


@pytest.fixture
def certbot(pebble: Pebble, emulator_dns: DnsServer, tmp_path: Path) -> Certbot:
    return Certbot(program("certbot"), pebble, emulator_dns, _folder(tmp_path, "certbot"))


@pytest.fixture
def ddclient(api: str, tmp_path: Path) -> Ddclient:
    return Ddclient(program("ddclient"), api, _folder(tmp_path, "ddclient"))


@pytest.fixture
def inadyn(api: str, tmp_path: Path) -> Inadyn:
    return Inadyn(program("inadyn"), api, _folder(tmp_path, "inadyn"))
