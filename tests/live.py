"""Real ``dns-api serve`` processes for tests that need the whole server: sockets, uvicorn, workers.

``serve(emulator, database_url, workdir, **env)`` starts one on a free loopback port against the
session's emulator and yields its base URL; it is stopped (SIGTERM, then SIGKILL) on the way out.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from dns_api.emulator import RunningEmulator
from tests.conftest import ACCOUNT_ID, EMULATOR_TOKEN, SECRET_KEY

ZONE = "example.com"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def server_environment(
    emulator: RunningEmulator, database_url: str, **extra: str
) -> dict[str, str]:
    return {
        **os.environ,
        "SECRET_KEY": SECRET_KEY,
        "VALID_USERS": "alice",
        "DNSIMPLE_ACCOUNT_ID": str(ACCOUNT_ID),
        "DNSIMPLE_ACCOUNT_TOKEN": EMULATOR_TOKEN,
        "DNSIMPLE_DOMAINS": ZONE,
        "DNSIMPLE_BASE_URL": emulator.url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "warning",
        **extra,
    }


@contextmanager
def serve(
    emulator: RunningEmulator,
    database_url: str,
    workdir: Path,
    *,
    args: Sequence[str] = (),
    **extra: str,
) -> Iterator[str]:
    """A ``dns-api serve`` process; yields its base URL; stopped at exit."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "dns_api", "serve", "--port", str(port), *args],
        env=server_environment(emulator, database_url, **extra),
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # workers too are stopped with the group
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"dns-api serve exited with {process.returncode}")
        try:
            return httpx.get(url + "/", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(up, "the server to start", seconds=60)
        yield url
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
