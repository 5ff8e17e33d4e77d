"""Latency of dns-api, and whether a slow DNSimple stalls other requests.

Starts the DNSimple emulator and `dns-api serve` as real processes on loopback, then measures,
in one run:

1. reads (GET /records, GET /) on an idle server;
2. the same reads while writes are stuck behind a slow DNSimple (emulator latency);
3. write latency through dns-api versus the same call made straight to the emulator.

It prints medians, p99s and ratios measured in this run (never a single absolute time).
Usage: .venv/bin/python bench/latency.py [--requests 400] [--slow-ms 500]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

import httpx
from servers import EMULATOR_TOKEN, percentile, running_servers


async def timed(call: Callable[[], Awaitable[httpx.Response]]) -> float:
    began = time.perf_counter()
    response = await call()
    elapsed = time.perf_counter() - began
    if response.status_code >= 400:
        raise SystemExit(f"unexpected {response.status_code}: {response.text[:200]}")
    return elapsed


async def read_latencies(client: httpx.AsyncClient, count: int) -> list[float]:
    samples = []
    for n in range(count):
        path = "/records" if n % 2 else "/"
        samples.append(await timed(lambda p=path: client.get(p)))  # type: ignore[misc]
    return samples


async def stuck_writes(client: httpx.AsyncClient, stop: asyncio.Event, width: int) -> int:
    done = 0

    async def writer(slot: int) -> None:
        nonlocal done
        n = 0
        while not stop.is_set():
            n += 1
            await client.post(f"/records/a/example.com/slow{slot}/192.0.2.{n % 250 + 1}")
            done += 1

    await asyncio.gather(*(writer(slot) for slot in range(width)))
    return done


async def measure(api: str, emulator: str, token: str, count: int, slow_ms: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=64)
    async with (
        httpx.AsyncClient(base_url=api, headers=headers, limits=limits, timeout=30) as client,
        httpx.AsyncClient(base_url=emulator, timeout=30) as control,
    ):
        for n in range(50):  # some rows to list
            await client.post(f"/records/a/example.com/host{n}/192.0.2.{n + 1}")
        await read_latencies(client, 50)  # warm-up

        idle = await read_latencies(client, count)

        await control.put("/_emulator/faults", json={"latency_ms": slow_ms})
        stop = asyncio.Event()
        writers = asyncio.create_task(stuck_writes(client, stop, width=16))
        await asyncio.sleep(0.2)
        busy = await read_latencies(client, count)
        stop.set()
        writes_done = await writers
        await control.put("/_emulator/faults", json={})

        via_api, direct = await write_overhead(client, emulator, count // 4)

    report(idle, busy, writes_done, slow_ms, via_api, direct)


async def write_overhead(
    client: httpx.AsyncClient, emulator: str, count: int
) -> tuple[list[float], list[float]]:
    upstream_headers = {"Authorization": f"Bearer {EMULATOR_TOKEN}"}
    via_api: list[float] = []
    direct: list[float] = []
    async with httpx.AsyncClient(
        base_url=emulator, headers=upstream_headers, timeout=30
    ) as upstream:
        for n in range(count):
            value = f"198.51.100.{n % 250 + 1}"
            via_api.append(
                await timed(lambda v=value: client.post(f"/records/a/example.com/w/{v}"))
            )  # type: ignore[misc]
            body = {"content": value}
            record = (
                await upstream.get("/v2/1010/zones/example.com/records", params={"name": "w"})
            ).json()
            record_id = record["data"][0]["id"]
            direct.append(
                await timed(
                    lambda b=body, r=record_id: upstream.patch(  # type: ignore[misc]
                        f"/v2/1010/zones/example.com/records/{r}", json=b
                    )
                )
            )
    return via_api, direct


def ms(value: float) -> str:
    return f"{value * 1000:7.2f} ms"


def row(label: str, samples: list[float], note: str = "") -> None:
    p50, p99 = statistics.median(samples), percentile(samples, 0.99)
    print(f"  {label:<38} p50 {ms(p50)}   p99 {ms(p99)}   n={len(samples)} {note}")


def report(
    idle: list[float],
    busy: list[float],
    writes_done: int,
    slow_ms: int,
    via_api: list[float],
    direct: list[float],
) -> None:
    print("reads (GET / and GET /records alternately):")
    row("idle server", idle)
    row(f"16 writes stuck on a {slow_ms} ms DNSimple", busy, f"({writes_done} slow writes done)")
    ratio = statistics.median(busy) / statistics.median(idle)
    print(f"  ratio busy/idle p50: {ratio:.2f}x (1.00x: reads do not wait for DNSimple at all)")
    print(f"  busy p99 / one slow DNSimple call: {percentile(busy, 0.99) * 1000 / slow_ms:.2f}")
    print("writes (changed value, upsert by path):")
    row("through dns-api", via_api)
    row("the same PATCH straight to the emulator", direct)
    overhead = statistics.median(via_api) - statistics.median(direct)
    print(f"  dns-api's own share of a write (p50 difference): {overhead * 1000:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--slow-ms", type=int, default=500)
    options = parser.parse_args()
    with running_servers() as servers:
        print(f"database: {servers.database}; {options.requests} reads per phase")
        asyncio.run(
            measure(
                servers.api_url,
                servers.emulator_url,
                servers.token,
                options.requests,
                options.slow_ms,
            )
        )


if __name__ == "__main__":
    main()
