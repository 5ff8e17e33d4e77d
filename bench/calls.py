"""DNSimple calls per operation, and dns-api's time on top of DNSimple's own.

Starts the DNSimple emulator and `dns-api serve` as real processes on loopback, then:

1. runs each operation ``--rounds`` times and counts, with the emulator's call counter, the
   DNSimple requests each one made (targets from the issue in brackets);
2. times a changed upsert through dns-api against the same PATCH sent straight to the emulator,
   with the emulator answering at once and with ``--latency-ms`` of injected latency, and prints
   p50/p99 of both and their differences (dns-api's overhead), measured in this run.

Usage: .venv/bin/python bench/calls.py [--rounds 20] [--samples 200] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from collections.abc import Callable

import httpx
from servers import EMULATOR_TOKEN, Servers, percentile, running_servers

ZONE = "example.com"


class Bench:
    def __init__(self, servers: Servers) -> None:
        self.api = httpx.Client(
            base_url=servers.api_url,
            headers={"Authorization": f"Bearer {servers.token}"},
            timeout=30,
        )
        self.control = httpx.Client(base_url=servers.emulator_url, timeout=30)
        self.upstream = httpx.Client(
            base_url=servers.emulator_url,
            headers={"Authorization": f"Bearer {EMULATOR_TOKEN}"},
            timeout=30,
        )

    def calls(self) -> Counter[str]:
        return Counter(self.control.get("/_emulator/calls").json())

    def count(self, action: Callable[[], httpx.Response]) -> tuple[int, int]:
        """(DNSimple calls, of which writes) made by ``action``."""
        before = self.calls()
        response = action()
        if response.status_code >= 400:
            raise SystemExit(f"unexpected {response.status_code}: {response.text[:300]}")
        made = self.calls() - before
        writes = sum(n for key, n in made.items() if not key.startswith("GET "))
        return sum(made.values()), writes

    def put(self, name: str, records: list[str], ttl: int | None = None) -> httpx.Response:
        body: dict[str, object] = {"records": records}
        if ttl is not None:
            body["ttl"] = ttl
        return self.api.put(f"/zones/{ZONE}/rrsets/{name}/A", json=body)


def five(n: int, changed: int | None = None) -> list[str]:
    values = [f"192.0.2.{10 + i}" for i in range(5)]
    if changed is not None:
        values[changed] = f"198.51.100.{n % 250 + 1}"
    return values


def operations(bench: Bench, n: int) -> list[tuple[str, str, tuple[int, int]]]:
    """(operation, target, (DNSimple calls, writes)) for round ``n``."""
    name = f"op{n}"
    rows = [
        ("create (new name)", "1", bench.count(lambda: bench.put(name, ["192.0.2.1"]))),
        (
            "unchanged upsert",
            "0",
            bench.count(lambda: bench.api.post(f"/records/A/{ZONE}/{name}/192.0.2.1")),
        ),
        (
            "changed upsert",
            "1",
            bench.count(lambda: bench.api.post(f"/records/A/{ZONE}/{name}/192.0.2.2")),
        ),
        ("delete", "1", bench.count(lambda: bench.api.delete(f"/records/A/{ZONE}/{name}"))),
    ]
    bench.put(f"set{n}", five(n))
    rows += [
        (
            "5-value set, 1 value changed",
            "1",
            bench.count(lambda: bench.put(f"set{n}", five(n, changed=2))),
        ),
        (
            "5-value set, TTL changed (batch)",
            "-",
            bench.count(lambda: bench.put(f"set{n}", five(n, changed=2), ttl=600)),
        ),
        (
            "A -> CNAME at one name (/changes)",
            "-",
            bench.count(
                lambda: bench.api.post(
                    f"/zones/{ZONE}/changes",
                    json={
                        "changes": [
                            {"action": "delete", "name": f"set{n}", "type": "A"},
                            {
                                "action": "replace",
                                "name": f"set{n}",
                                "type": "CNAME",
                                "records": ["app.example.net"],
                            },
                        ]
                    },
                )
            ),
        ),
    ]
    bench.api.delete(f"/zones/{ZONE}/rrsets/set{n}/CNAME")
    return rows


def report_calls(bench: Bench, rounds: int) -> None:
    results: dict[str, list[tuple[int, int]]] = {}
    targets: dict[str, str] = {}
    for n in range(rounds):
        for operation, target, counted in operations(bench, n):
            results.setdefault(operation, []).append(counted)
            targets[operation] = target
    print(f"DNSimple calls per operation ({rounds} rounds each; reads are ownership checks):")
    print(f"  {'operation':<36} {'calls':>5} {'writes':>6} {'reads':>5} {'max':>4} {'target':>6}")
    for operation, counts in results.items():
        target = targets[operation]
        calls = statistics.median(c for c, _ in counts)
        writes = statistics.median(w for _, w in counts)
        worst = max(c for c, _ in counts)
        verdict = "" if target == "-" else ("ok" if worst <= int(target) else "over")
        print(
            f"  {operation:<36} {calls:>5g} {writes:>6g} {calls - writes:>5g} {worst:>4} "
            f"{target:>6} {verdict}"
        )


def timed(call: Callable[[], httpx.Response]) -> float:
    began = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - began
    if response.status_code >= 400:
        raise SystemExit(f"unexpected {response.status_code}: {response.text[:300]}")
    return elapsed


def overhead(bench: Bench, samples: int, latency_ms: int) -> None:
    bench.control.put("/_emulator/faults", json={"latency_ms": latency_ms})
    try:
        bench.api.post(f"/records/A/{ZONE}/timed/192.0.2.1")
        listed = bench.upstream.get(f"/v2/1010/zones/{ZONE}/records", params={"name": "timed"})
        record_id = listed.json()["data"][0]["id"]
        via_api, direct = [], []
        for n in range(samples):
            value = f"203.0.113.{n % 250 + 1}"
            via_api.append(timed(lambda v=value: bench.api.post(f"/records/A/{ZONE}/timed/{v}")))
            direct.append(
                timed(
                    lambda v=value: bench.upstream.patch(
                        f"/v2/1010/zones/{ZONE}/records/{record_id}", json={"content": v}
                    )
                )
            )
    finally:
        bench.control.put("/_emulator/faults", json={})
    p50 = statistics.median(via_api), statistics.median(direct)
    p99 = percentile(via_api, 0.99), percentile(direct, 0.99)
    print(f"changed upsert, emulator latency {latency_ms} ms ({samples} samples):")
    print(f"  through dns-api            p50 {p50[0] * 1000:7.2f} ms   p99 {p99[0] * 1000:7.2f} ms")
    print(f"  same PATCH to the emulator p50 {p50[1] * 1000:7.2f} ms   p99 {p99[1] * 1000:7.2f} ms")
    print(
        f"  dns-api overhead           p50 {(p50[0] - p50[1]) * 1000:7.2f} ms   "
        f"p99 {(p99[0] - p99[1]) * 1000:7.2f} ms   ratio p50 {p50[0] / p50[1]:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=50)
    options = parser.parse_args()
    with running_servers() as servers:
        bench = Bench(servers)
        print(f"database: {servers.database}")
        report_calls(bench, options.rounds)
        for latency in (0, options.latency_ms):
            overhead(bench, options.samples, latency)


if __name__ == "__main__":
    main()
