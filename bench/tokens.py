"""Cost of scoped-token authentication with 10,000 tokens in the table, against legacy tokens.

1. Looks up tokens through ``TokenService.principal_for`` (the per-request lookup: one indexed
   query plus a constant-time compare): p50/p99 for a known token and for an unknown one.
2. Serves the API (`dns-api serve`, a real process) on that database and measures authenticated
   requests per second on GET /whoami with a legacy token and with a scoped token, in the same run,
   with `wrk` when it is installed (apt-get install wrk), else with a Python client.

Usage: .venv/bin/python bench/tokens.py [--tokens 10000] [--database-url URL] [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from dns_api.db import migrate
from dns_api.db.database import Database
from dns_api.db.models import TokenRow
from dns_api.domain.delegation import TokenRequest
from dns_api.domain.policy import Grant
from dns_api.errors import AuthenticationFailed
from dns_api.services.auth import LegacyTokenVerifier
from dns_api.services.clock import utc_now
from dns_api.services.tokens import TokenService, hash_secret, new_secret

SECRET_KEY = "bench-secret-0123456789abcdefghijklmnopqrstuvwxyz-0123456789"
GRANT = Grant.build(zones=["example.com"], names=["pr-*"], types=["CNAME"], actions=["read"])


def fill(database: Database, count: int) -> None:
    """``count`` tokens with random secrets (their secrets are thrown away)."""
    now = utc_now()
    rows = [
        {
            "name": f"bulk-{n}",
            "owner": f"user{n % 50}",
            "secret_hash": hash_secret(new_secret()),
            "grants": [GRANT.to_json()],
            "networks": [],
            "can_mint": False,
            "lineage": "",
            "created_at": now,
            "created_by": "bench",
        }
        for n in range(count)
    ]
    database.transaction(lambda s: s.execute(TokenRow.__table__.insert(), rows))


async def lookups(
    service: TokenService, secret: str, count: int
) -> tuple[list[float], list[float]]:
    known, unknown = [], []
    for _ in range(count):
        began = time.perf_counter()
        await service.principal_for(secret, "127.0.0.1")
        known.append(time.perf_counter() - began)
        began = time.perf_counter()
        with contextlib.suppress(AuthenticationFailed):
            await service.principal_for(new_secret(), "127.0.0.1")
        unknown.append(time.perf_counter() - began)
    return known, unknown


def ms(samples: list[float], q: float) -> str:
    ordered = sorted(samples)
    value = (
        statistics.median(ordered)
        if q == 0.5
        else ordered[min(len(ordered) - 1, int(q * len(ordered)))]
    )
    return f"{value * 1000:.3f} ms"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def throughput_wrk(url: str, token: str, seconds: int) -> float:
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "-H", f"Authorization: Bearer {token}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw errors:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert match is not None, out
    return float(match.group(1))


def throughput_python(url: str, token: str, seconds: int) -> float:
    async def run() -> int:
        done = 0
        end = time.monotonic() + seconds
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as client:

            async def worker() -> None:
                nonlocal done
                while time.monotonic() < end:
                    response = await client.get(url)
                    response.raise_for_status()
                    done += 1

            await asyncio.gather(*(worker() for _ in range(16)))
        return done

    return asyncio.run(run()) / seconds


def serve_and_measure(database_url: str, tokens: dict[str, str], seconds: int) -> dict[str, float]:
    port = free_port()
    env = {
        **os.environ,
        "SECRET_KEY": SECRET_KEY,
        "VALID_USERS": "bench",
        "DNSIMPLE_ACCOUNT_ID": "1010",
        "DNSIMPLE_ACCOUNT_TOKEN": "unused",
        "DNSIMPLE_DOMAINS": "example.com",
        "DNSIMPLE_BASE_URL": "http://127.0.0.1:9",
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "warning",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "dns_api", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/whoami"
    try:
        for _ in range(300):
            try:
                httpx.get(
                    url, headers={"Authorization": f"Bearer {tokens['legacy']}"}
                ).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        measure = throughput_wrk if shutil.which("wrk") else throughput_python
        results = {}
        for _round in range(2):  # interleaved, so drift hits both kinds alike
            for kind, token in tokens.items():
                results.setdefault(kind, []).append(measure(url, token, seconds))
        return {kind: statistics.median(values) for kind, values in results.items()}
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tokens", type=int, default=10_000)
    parser.add_argument("--lookups", type=int, default=2_000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="dns-api-bench-"))
    database_url = options.database_url or f"sqlite:///{work / 'bench.db'}"
    migrate.upgrade(database_url)
    database = Database(database_url)
    fill(database, options.tokens)
    service = TokenService(database)
    issued = asyncio.run(
        service.mint(
            name="bench",
            owner="bench",
            created_by="bench",
            request=TokenRequest(grants=(GRANT,), expires_at=None, networks=(), can_mint=False),
        )
    )
    known, unknown = asyncio.run(lookups(service, issued.secret, options.lookups))
    database.dispose()

    print(f"database: {database_url.split('://')[0]}, {options.tokens + 1} tokens in the table")
    print(f"scoped token lookup, known token:   p50 {ms(known, 0.5)}  p99 {ms(known, 0.99)}")
    print(f"scoped token lookup, unknown token: p50 {ms(unknown, 0.5)}  p99 {ms(unknown, 0.99)}")
    print(f"unknown/known p50 ratio: {statistics.median(unknown) / statistics.median(known):.2f}")

    legacy = LegacyTokenVerifier(SECRET_KEY, ["bench"]).issue("bench")
    rates = serve_and_measure(
        database_url, {"legacy": legacy, "scoped": issued.secret}, options.seconds
    )
    tool = "wrk -t2 -c16" if shutil.which("wrk") else "python client, 16 concurrent"
    print(f"GET /whoami throughput ({tool}, median of 2 interleaved runs of {options.seconds} s):")
    print(f"  legacy token: {rates['legacy']:8.0f} req/s")
    ratio = rates["scoped"] / rates["legacy"]
    print(f"  scoped token: {rates['scoped']:8.0f} req/s   ({ratio:.2f}x legacy)")


if __name__ == "__main__":
    main()
