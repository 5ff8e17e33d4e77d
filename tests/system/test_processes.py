"""Real `dns-api serve` processes: killed mid-write, and two of them sharing PostgreSQL.

Each test starts the servers as subprocesses on loopback against the session's emulator
(over HTTP) and a migrated, empty database, and talks to them over HTTP.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select

from dns_api.db import urls
from dns_api.db.models import IntentRow, RecordRow
from dns_api.emulator import RunningEmulator
from dns_api.emulator.faults import HANG
from tests.conftest import ACCOUNT_ID, EMULATOR_TOKEN, SECRET_KEY, legacy_token

ZONE = "example.com"
HEADERS = {"Authorization": f"Bearer {legacy_token('alice')}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def upstream(emulator: RunningEmulator, name: str | None = None) -> list[dict[str, Any]]:
    return [
        r
        for r in emulator.state.records(ZONE)
        if not r["system_record"] and (name is None or r["name"] == name)
    ]


def rows(database_url: str) -> list[RecordRow]:
    engine = create_engine(urls.engine_url(database_url))
    with engine.connect() as connection:
        found = list(connection.execute(select(RecordRow.__table__)).all())
    engine.dispose()
    return found  # type: ignore[return-value]


def intents(database_url: str) -> list[Any]:
    engine = create_engine(urls.engine_url(database_url))
    with engine.connect() as connection:
        found = list(
            connection.execute(select(IntentRow.__table__).order_by(IntentRow.__table__.c.id))
        )
    engine.dispose()
    return found


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@contextmanager
def server(emulator: RunningEmulator, database_url: str, workdir: Path) -> Iterator[str]:
    """A `dns-api serve` process; yields its base URL; SIGTERM (or already killed) at exit."""
    port = free_port()
    env = {
        **os.environ,
        "SECRET_KEY": SECRET_KEY,
        "VALID_USERS": "alice",
        "DNSIMPLE_ACCOUNT_ID": str(ACCOUNT_ID),
        "DNSIMPLE_ACCOUNT_TOKEN": EMULATOR_TOKEN,
        "DNSIMPLE_DOMAINS": ZONE,
        "DNSIMPLE_BASE_URL": emulator.url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "warning",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "dns_api", "serve", "--port", str(port)],
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(url + "/", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(up, "the server to start")
        yield url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def kill(url: str) -> None:
    """SIGKILL the server listening at ``url`` (found through its port)."""
    port = url.rsplit(":", 1)[1]
    found = subprocess.run(
        ["pgrep", "-f", f"dns_api serve --port {port}"], capture_output=True, text=True, check=False
    )
    for pid in found.stdout.split():
        os.kill(int(pid), signal.SIGKILL)


class TestKilledMidWrite:
    """The server dies after DNSimple made the change and before the database recorded it."""

    @pytest.mark.parametrize("action", ["create", "update", "delete"])
    def test_the_next_start_converges(
        self, emulator: RunningEmulator, database_url: str, tmp_path: Path, action: str
    ) -> None:
        with server(emulator, database_url, tmp_path) as url:
            if action != "create":
                response = httpx.post(f"{url}/records/A/{ZONE}/box/192.0.2.1", headers=HEADERS)
                assert response.status_code == 200
            [before] = upstream(emulator) or [None]
            method = {"create": "POST", "update": "PATCH", "delete": "DELETE"}[action]
            # DNSimple applies the change, then never answers: the server is killed meanwhile.
            emulator.state.fail_next(HANG, method=method, after_apply=True)
            request: Callable[[], httpx.Response]
            if action == "delete":
                request = lambda: httpx.delete(  # noqa: E731
                    f"{url}/records/A/{ZONE}/box", headers=HEADERS, timeout=60
                )
            else:
                request = lambda: httpx.post(  # noqa: E731
                    f"{url}/records/A/{ZONE}/box/192.0.2.2", headers=HEADERS, timeout=60
                )
            writer = threading.Thread(target=lambda: _quietly(request), daemon=True)
            writer.start()

            def applied() -> bool:
                held = upstream(emulator, "box")
                if action == "create":
                    return len(held) == 1
                if action == "update":
                    return [r["content"] for r in held] == ["192.0.2.2"]
                return held == []

            wait_for(applied, f"DNSimple to apply the {action}")
            kill(url)
            writer.join(timeout=30)

        # Killed between DNSimple and the database: the intent is still pending.
        assert [i.status for i in intents(database_url)][-1] == "pending"
        stored = {r.dnsimple_record_id: r.content for r in rows(database_url)}
        if action == "create":
            assert stored == {}
        else:
            assert before is not None
            assert stored == {before["id"]: "192.0.2.1"}

        with server(emulator, database_url, tmp_path) as url:
            wait_for(
                lambda: intents(database_url)[-1].status != "pending",
                "the restart to resolve the pending change",
            )
            held = upstream(emulator, "box")
            stored = {r.dnsimple_record_id: r.content for r in rows(database_url)}
            assert stored == {r["id"]: r["content"] for r in held}  # no orphan, no dangling row
            assert intents(database_url)[-1].status == "done"
            listed = httpx.get(f"{url}/records", headers=HEADERS).json()["data"]
            if action == "delete":
                assert held == []
                assert listed == []
            else:
                assert [r["content"] for r in held] == ["192.0.2.2"]
                assert [(r["subdomain"], r["to"]) for r in listed] == [("box", "192.0.2.2")]
                # and the record is usable again: the next write goes through
                again = httpx.post(f"{url}/records/A/{ZONE}/box/192.0.2.3", headers=HEADERS)
                assert again.status_code == 200
                assert [r["content"] for r in upstream(emulator, "box")] == ["192.0.2.3"]


def _quietly(request: Callable[[], httpx.Response]) -> None:
    with contextlib.suppress(httpx.TransportError):  # killed under it: that is the point
        request()


class TestTwoInstances:
    """Two servers on one PostgreSQL serialise writes to a name between them."""

    @pytest.fixture
    def postgres_url(self, database_url: str) -> str:
        if urls.is_sqlite(database_url):
            pytest.skip("several instances need PostgreSQL (SQLite is single-instance)")
        return database_url

    def test_concurrent_upserts_leave_one_record_per_name_holding_the_last_value(
        self, emulator: RunningEmulator, postgres_url: str, tmp_path: Path
    ) -> None:
        emulator.state.set_faults(latency_ms=5)  # widen the window where writes overlap
        names = ["one", "two", "three"]
        try:
            with (
                server(emulator, postgres_url, tmp_path) as first,
                server(emulator, postgres_url, tmp_path) as second,
            ):
                jobs = [
                    ((first, second)[n % 2], names[n % len(names)], f"192.0.2.{n + 1}")
                    for n in range(50)
                ]
                with ThreadPoolExecutor(max_workers=16) as pool:
                    statuses = list(pool.map(lambda job: _upsert(*job), jobs))
        finally:
            emulator.state.set_faults()
        assert statuses == [200] * len(jobs)
        stored = rows(postgres_url)
        done = [i for i in intents(postgres_url) if i.status == "done"]
        for name in names:
            held = upstream(emulator, name)
            assert len(held) == 1, (name, held)  # exactly one record, never a duplicate
            [row] = [r for r in stored if r.name == name]
            assert (row.dnsimple_record_id, row.content) == (held[0]["id"], held[0]["content"])
            # The intents, in commit order, end with the value DNSimple holds.
            last = [i for i in done if i.operations[-1]["name"] == name][-1]
            assert last.operations[-1]["content"] == held[0]["content"]


def _upsert(url: str, name: str, value: str) -> int:
    response = httpx.post(f"{url}/records/A/{ZONE}/{name}/{value}", headers=HEADERS, timeout=60)
    return response.status_code
