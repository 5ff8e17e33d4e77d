"""Soak: thousands of mixed writes while DNSimple misbehaves, then a reconcile.

Starts the DNSimple emulator and `dns-api serve` as real processes, makes the emulator fail
10 % of requests with a 5xx, hang 5 % past dns-api's timeout and answer some 429s (a share of
the failures striking after the change was made: a lost answer), and sends ``--writes`` mixed
writes from ``--clients`` concurrent clients: path upserts, record-set PUTs, deletes and A/CNAME
type changes over a few hundred names. Then it lifts the faults, runs
`dns-api reconcile --apply`, and compares every record DNSimple holds with dns-api's rows.

It prints operations done, errors returned to clients (by status), divergences between DNSimple
and the database before and after reconcile (must be 0 after), DNSimple calls per successful
write, and the elapsed time.

Usage: .venv/bin/python bench/soak.py [--writes 5000] [--clients 16] [--names 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import time
from collections import Counter
from typing import Any

import httpx
from servers import EMULATOR_TOKEN, Servers, running_servers

ZONE = "example.com"
FAULTS = {
    "failure_rates": {"500": 0.04, "502": 0.03, "503": 0.03, "429": 0.01},
    "hang_rate": 0.05,
    "hang_seconds": 3.0,
    "after_apply_share": 0.3,
}


def address(rng: random.Random) -> str:
    return f"198.51.100.{rng.randint(1, 254)}"


def write_request(rng: random.Random, names: int) -> tuple[str, str, dict[str, Any] | None]:
    """(method, path, json body) of one random write."""
    name = f"soak{rng.randrange(names)}"
    roll = rng.random()
    if roll < 0.40:
        return "POST", f"/records/A/{ZONE}/{name}/{address(rng)}", None
    if roll < 0.65:
        values = sorted({address(rng) for _ in range(rng.randint(1, 3))})
        return "PUT", f"/zones/{ZONE}/rrsets/{name}/A", {"records": values}
    if roll < 0.80:
        return "DELETE", f"/zones/{ZONE}/rrsets/{name}/A", None
    if roll < 0.90:
        changes = [
            {"action": "delete", "name": name, "type": "A"},
            {"action": "replace", "name": name, "type": "CNAME", "records": ["app.example.net"]},
        ]
        return "POST", f"/zones/{ZONE}/changes", {"changes": changes}
    return "DELETE", f"/zones/{ZONE}/rrsets/{name}/CNAME", None


async def soak(servers: Servers, writes: int, clients: int, names: int) -> tuple[Counter[int], int]:
    rng = random.Random(42)
    requests = [write_request(rng, names) for _ in range(writes)]
    statuses: Counter[int] = Counter()
    queue: asyncio.Queue[tuple[str, str, dict[str, Any] | None]] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    headers = {"Authorization": f"Bearer {servers.token}"}
    async with httpx.AsyncClient(base_url=servers.api_url, headers=headers, timeout=120) as api:

        async def worker() -> None:
            while not queue.empty():
                method, path, body = queue.get_nowait()
                try:
                    response = await api.request(method, path, json=body)
                    statuses[response.status_code] += 1
                except httpx.TransportError:
                    statuses[0] += 1

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(clients)))
        print(f"  {writes} writes sent in {time.monotonic() - started:.1f} s", flush=True)
    return statuses, writes


def upstream_records(servers: Servers) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {EMULATOR_TOKEN}"}
    records, page = [], 1
    with httpx.Client(base_url=servers.emulator_url, headers=headers, timeout=30) as client:
        while True:
            answer = client.get(
                f"/v2/1010/zones/{ZONE}/records", params={"page": page, "per_page": 100}
            ).json()
            records += [r for r in answer["data"] if not r["system_record"]]
            if page >= answer["pagination"]["total_pages"]:
                return records
            page += 1


def stored_records(servers: Servers) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {servers.token}"}
    found: list[dict[str, Any]] = []
    with httpx.Client(base_url=servers.api_url, headers=headers, timeout=30) as client:
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 500, **({"cursor": cursor} if cursor else {})}
            answer = client.get(f"/zones/{ZONE}/rrsets", params=params).json()
            for record_set in answer["data"]:
                found.append(record_set)
            cursor = answer["meta"]["next_cursor"]
            if cursor is None:
                return found


def divergences(servers: Servers) -> int:
    """Sets where DNSimple and dns-api disagree (values or TTL), plus records nobody owns."""
    upstream: dict[tuple[str, str], set[tuple[str, int]]] = {}
    for record in upstream_records(servers):
        key = (record["name"] or "@", record["type"])
        upstream.setdefault(key, set()).add((record["content"], record["ttl"]))
    stored = {
        (s["name"], s["type"]): {(value, s["ttl"]) for value in s["records"]}
        for s in stored_records(servers)
    }
    keys = sorted(set(upstream) | set(stored))
    differing = [key for key in keys if upstream.get(key) != stored.get(key)]
    for key in differing[:5]:
        print(f"  differs: {key}: DNSimple {upstream.get(key)} / dns-api {stored.get(key)}")
    return len(differing)


def reconcile(servers: Servers) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "dns_api", "reconcile", "--apply", "--force", "--json"],
        env=servers.env,
        cwd=servers.workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 2):
        return f"reconcile failed ({result.returncode}): {result.stderr.strip()[:300]}"
    try:
        plans = json.loads(result.stdout)
    except ValueError:
        return result.stdout.strip()[:300]
    return json.dumps(plans)[:600]


def calls(servers: Servers) -> int:
    snapshot = httpx.get(f"{servers.emulator_url}/_emulator/calls", timeout=30).json()
    return sum(snapshot.values())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--writes", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--names", type=int, default=300)
    options = parser.parse_args()
    extra = {"DNSIMPLE_TIMEOUT": "1", "DNSIMPLE_MAX_RATE_LIMIT_WAIT": "2"}
    with running_servers(extra) as servers:
        print(f"database: {servers.database}; faults: {json.dumps(FAULTS)}")
        httpx.put(f"{servers.emulator_url}/_emulator/faults", json=FAULTS, timeout=30)
        began = time.monotonic()
        statuses, writes = asyncio.run(
            soak(servers, options.writes, options.clients, options.names)
        )
        elapsed = time.monotonic() - began
        httpx.put(f"{servers.emulator_url}/_emulator/faults", json={}, timeout=30)
        upstream_calls = calls(servers)
        before = divergences(servers)
        print(f"  reconcile --apply: {reconcile(servers)}")
        after = divergences(servers)
    succeeded = sum(n for status, n in statuses.items() if 200 <= status < 300)
    refused = sum(n for status, n in statuses.items() if 400 <= status < 500)
    failed = sum(n for status, n in statuses.items() if status >= 500 or status == 0)
    print(f"operations: {writes} in {elapsed:.1f} s ({writes / elapsed:.0f}/s)")
    print(f"  succeeded {succeeded}; refused (4xx) {refused}; failed (5xx) {failed}")
    print(f"  by status: {dict(sorted(statuses.items()))}")
    print(
        f"DNSimple calls: {upstream_calls} ({upstream_calls / max(succeeded, 1):.2f} per success)"
    )
    print(f"divergences DNSimple vs dns-api: {before} before reconcile, {after} after (must be 0)")
    if after:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
