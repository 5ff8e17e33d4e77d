"""Shared fixtures: a real DNSimple emulator over HTTP, and both storage backends.

Every test that asks for ``database_url`` (directly or through ``settings``/``client``) runs
twice: on SQLite and on PostgreSQL. PostgreSQL comes from ``DNS_API_TEST_POSTGRES_URL`` (set by
``scripts/with-postgres`` and ``.ci/run``); without it those runs are skipped, unless
``DNS_API_REQUIRE_POSTGRES=1`` makes that an error.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from dns_api.app import create_app
from dns_api.db import migrate, urls
from dns_api.db.models import Base
from dns_api.emulator import EmulatorState, RunningEmulator, start_emulator
from dns_api.services.auth import LegacyTokenVerifier
from dns_api.settings import Settings

# Property tests are never timed: a busy 2-core machine must not turn a slow example into a
# failure (hypothesis' default deadline is 200 ms per example). A failure prints its example.
hypothesis_settings.register_profile("dns-api", deadline=None, print_blob=True)
hypothesis_settings.load_profile("dns-api")

SECRET_KEY = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
ZONES = ["example.com", "example.org"]
USERS = ["alice", "bob"]
DENIED = ["www", "Admin"]
EMULATOR_TOKEN = "emulator-token"
ACCOUNT_ID = 1010
# Where test requests come from: a loopback address, as a local client's would be.
PEER = ("127.0.0.1", 50000)
# Every variable the service reads, so tests can start from a clean environment.
CONFIG_VARIABLES = [name.upper() for name in Settings.model_fields]


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: one worker more than this process has cores. A worker waits for a good part
    of its time (server processes starting, timeouts under test running out, PostgreSQL), and
    the extra worker runs meanwhile. ``PYTEST_XDIST_AUTO_NUM_WORKERS``, when set, decides."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # pytest-xdist's own hook reads it
    return len(os.sched_getaffinity(0)) + 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked ``slow`` (real processes, seconds each) first, the others after them in
    their own order: with ``--dist worksteal`` (pyproject.toml) the workers then end on short
    tests and finish together. The same order in every worker, as pytest-xdist requires."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def _emulator_server() -> Iterator[RunningEmulator]:
    state = EmulatorState(account_id=ACCOUNT_ID, token=EMULATOR_TOKEN, zones=ZONES)
    with start_emulator(state) as running:
        yield running


@pytest.fixture
def emulator(_emulator_server: RunningEmulator) -> RunningEmulator:
    """The DNSimple emulator, emptied for this test."""
    _emulator_server.state.reset()
    return _emulator_server


# One database per pytest-xdist worker ("gw0", "gw1", ...), so workers never share tables.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
TEST_DATABASE = f"dns_api_test_{WORKER}"


def _postgres_test_url() -> str | None:
    admin_url = os.environ.get("DNS_API_TEST_POSTGRES_URL")
    if not admin_url:
        if os.environ.get("DNS_API_REQUIRE_POSTGRES") == "1":
            pytest.fail("DNS_API_REQUIRE_POSTGRES=1 but DNS_API_TEST_POSTGRES_URL is not set")
        return None
    engine = create_engine(urls.engine_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {TEST_DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {TEST_DATABASE}"))
    engine.dispose()
    return make_url(admin_url).set(database=TEST_DATABASE).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _migrated_databases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | None]:
    sqlite_url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'dns-api.db'}"
    migrate.upgrade(sqlite_url)
    postgres_url = _postgres_test_url()
    if postgres_url:
        migrate.upgrade(postgres_url)
    return {"sqlite": sqlite_url, "postgresql": postgres_url}


@functools.cache
def _cleaning_engine(url: str) -> Engine:
    # One small pool per database for the whole session: a new engine per test cost a connect.
    return create_engine(urls.engine_url(url), poolclass=StaticPool)


def _empty_tables(url: str) -> None:
    with _cleaning_engine(url).begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, _migrated_databases: dict[str, str | None]) -> str:
    """A migrated, empty database: SQLite, then PostgreSQL."""
    url = _migrated_databases[request.param]
    if url is None:
        pytest.skip("PostgreSQL not available (set DNS_API_TEST_POSTGRES_URL)")
    _empty_tables(url)
    return url


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "secret_key": SECRET_KEY,
        "valid_users": USERS,
        "dnsimple_account_id": str(ACCOUNT_ID),
        "dnsimple_account_token": EMULATOR_TOKEN,
        "dnsimple_domains": ZONES,
        "blacklisted_subdomains": DENIED,
        "database_url": "sqlite:///:memory:",
        "dnsimple_base_url": "http://127.0.0.1:9",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(emulator: RunningEmulator, database_url: str) -> Settings:
    return make_settings(dnsimple_base_url=emulator.url, database_url=database_url)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app on the test's empty database, started as ``dns-api serve`` starts it: the
    session already migrated that database, so the start-up migration, database claim and
    move-over are not run again for every test (their own tests start apps that run them)."""
    app = create_app(settings, migrate_on_start=False)
    with TestClient(app, client=PEER) as test_client:
        yield test_client


def legacy_token(user: str, secret: str = SECRET_KEY) -> str:
    return LegacyTokenVerifier(secret, [user]).issue(user)


@pytest.fixture
def auth() -> Callable[[str], dict[str, str]]:
    """``auth("alice")``: the Authorization header of a legacy token for that user."""

    def headers(user: str = "alice") -> dict[str, str]:
        return {"Authorization": f"Bearer {legacy_token(user)}"}

    return headers


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture
def clean_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """No configuration variable set, in an empty folder (no .env); returns the environment
    for subprocesses."""
    for name in CONFIG_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
