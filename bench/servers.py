"""Shared by the benchmarks: the emulator and ``dns-api serve`` as real processes on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

SECRET = "bench-secret-0123456789abcdefghijklmnopqrstuvwxyz"
EMULATOR_TOKEN = "emulator-token"


@dataclass(frozen=True)
class Servers:
    api_url: str
    emulator_url: str
    token: str  # a full-access dns-api token
    database: str  # its scheme: sqlite or postgresql
    env: dict[str, str]  # the environment of the server (for CLI commands against it)
    workdir: Path
    database_url: str = ""
    pid: int | None = None  # of dns-api serve (with several workers: their supervisor)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_up(url: str, deadline: float = 60) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@contextmanager
def running_servers(
    extra_env: dict[str, str] | None = None, *, workers: int = 1
) -> Iterator[Servers]:
    """The emulator and dns-api, on SQLite (or ``BENCH_DATABASE_URL``), stopped on exit."""
    work = Path(tempfile.mkdtemp(prefix="dns-api-bench-"))
    emulator_port, api_port = free_port(), free_port()
    emulator_url, api_url = f"http://127.0.0.1:{emulator_port}", f"http://127.0.0.1:{api_port}"
    env = {
        **os.environ,
        "SECRET_KEY": SECRET,
        "VALID_USERS": "bench",
        "DNSIMPLE_ACCOUNT_ID": "1010",
        "DNSIMPLE_ACCOUNT_TOKEN": EMULATOR_TOKEN,
        "DNSIMPLE_DOMAINS": "example.com",
        "DNSIMPLE_BASE_URL": emulator_url,
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{work / 'bench.db'}"),
        "LOG_LEVEL": "warning",
        **(extra_env or {}),
    }

    def start(args: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "dns_api", *args],
            env=env,
            cwd=work,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    processes = [
        start(["emulator", "--port", str(emulator_port), "--hourly-limit", "1000000"]),
        start(["serve", "--port", str(api_port), "--workers", str(workers)]),
    ]
    try:
        wait_until_up(emulator_url + "/_emulator/calls")
        wait_until_up(api_url + "/")
        token = subprocess.run(
            [sys.executable, "-m", "dns_api", "token", "print"],
            env=env,
            cwd=work,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[-1]
        url = env["DATABASE_URL"]
        scheme = url.split("://")[0]
        yield Servers(api_url, emulator_url, token, scheme, env, work, url, processes[1].pid)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
