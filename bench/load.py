"""Requests per second under load, as a ratio to what one Python process can do here.

Starts, as real processes on loopback: the bare FastAPI reference (``bench/reference.py``, the
ceiling), the DNSimple emulator and ``dns-api serve`` (SQLite, or ``BENCH_DATABASE_URL``;
``--workers``). Fills dns-api's database (``--records`` records, ``--tokens`` scoped tokens),
then drives every scenario with ``wrk`` (another process) and prints one table: requests/s, p50,
p99, non-2xx answers, DNSimple calls per request, the server's peak RSS, and the ratio to the
reference's ``GET /whoami`` measured in the same run.

``--compare URL`` also runs the read scenarios against another server (e.g. the original
Flask service, ``../shared/original/RUNNING.md``) with ``--compare-token``.

Usage: .venv/bin/python bench/load.py [--seconds 8] [--records 1000] [--tokens 10000]
       [--latency-ms 50] [--workers 1] [--compare URL --compare-token TOKEN]
Needs ``wrk`` (Debian: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
from fill import fill_records, fill_tokens, scoped_token
from servers import SECRET, Servers, free_port, running_servers, wait_until_up

# Each wrk thread names its writes after itself and a counter, so creates never collide.
WRITE_SCRIPT = """
local counter = 0
function setup(thread) thread:set("prefix", tostring(math.random(1, 1e9))) end
function request()
  counter = counter + 1
  return wrk.format("%(method)s", string.format("%(path)s", prefix or "0", counter))
end
local told = false
function response(status, headers, body)
  if status >= 300 and not told then
    told = true
    print("first refusal: " .. status .. " " .. body)
  end
end
"""


# Lua's string.format fills in the thread's prefix and its counter; {run} keeps runs apart.
CREATE_PATH = "/records/A/example.com/w{run}-%s-%d/192.0.2.1"


@dataclass(frozen=True)
class Result:
    scenario: str
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    calls_per_request: float | None
    cpu_ms: float | None  # dns-api's own CPU time per request (user + system)
    rss_mb: float | None


def wrk(url: str, token: str, seconds: int, connections: int, script: str | None = None) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += ["-H", f"Authorization: Bearer {token}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        if script is not None:
            lua.write(script)
            lua.flush()
            command += ["-s", lua.name]
        output = subprocess.run([*command, url], capture_output=True, text=True).stdout
    return _parse(output)


def _parse(output: str) -> dict:
    def ms(label: str) -> float:
        found = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", output, re.M)
        if found is None:
            return float("nan")
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    total = re.search(r"(\d+) requests in", output)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50": ms("50"),
        "p99": ms("99"),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "requests": int(total.group(1)) if total else 0,
        "refusal": next((line for line in output.splitlines() if "first refusal" in line), ""),
    }


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time so far of ``pid`` and its worker processes (from /proc)."""
    stat = Path(f"/proc/{pid}/stat")
    if pid is None or not stat.exists():
        return None
    fields = stat.read_text().rpartition(")")[2].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children")
    workers = children.read_text().split() if children.exists() else []
    return own + sum(cpu_seconds(int(child)) or 0.0 for child in workers)


def peak_rss_mb(pid: int | None) -> float | None:
    if pid is None:
        return None
    status = Path(f"/proc/{pid}/status")
    found = re.search(r"VmHWM:\s+(\d+) kB", status.read_text()) if status.exists() else None
    return int(found.group(1)) / 1024 if found else None


class Runner:
    def __init__(self, servers: Servers, options: argparse.Namespace) -> None:
        self.servers, self.options = servers, options
        self.control = httpx.Client(base_url=servers.emulator_url, timeout=30)
        self.results: list[Result] = []

    def calls(self) -> int:
        return sum(self.control.get("/_emulator/calls").json().values())

    def run(self, name: str, path: str, token: str, *, script: str | None = None) -> Result:
        before, cpu_before = self.calls(), cpu_seconds(self.servers.pid)
        measured = wrk(
            self.servers.api_url + path,
            token,
            self.options.seconds,
            self.options.connections,
            script,
        )
        if measured["refusal"]:
            print(f"{name}: {measured['refusal'][:300]}")
        made, cpu_after = self.calls() - before, cpu_seconds(self.servers.pid)
        requests = measured["requests"]
        per_request = made / requests if requests else None
        cpu_ms = None
        if cpu_before is not None and cpu_after is not None and requests:
            cpu_ms = (cpu_after - cpu_before) * 1000 / requests
        result = Result(
            name,
            measured["rps"],
            measured["p50"],
            measured["p99"],
            measured["non_2xx"],
            per_request,
            cpu_ms,
            peak_rss_mb(self.servers.pid),
        )
        self.results.append(result)
        return result

    def latency(self, milliseconds: int, *, hang: bool = False) -> None:
        faults: dict[str, object] = {"latency_ms": milliseconds}
        if hang:
            faults = {"hang_rate": 1.0, "hang_seconds": 3600}
        self.control.put("/_emulator/faults", json=faults)


def reference_rps(options: argparse.Namespace, token: str) -> float:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("reference.py")), str(port), SECRET],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/docs")
        url = f"http://127.0.0.1:{port}/whoami"
        return float(wrk(url, token, options.seconds, options.connections)["rps"])
    finally:
        process.terminate()
        process.wait(timeout=30)


def scenarios(runner: Runner, legacy: str, scoped: str, record_id: int, options) -> None:
    runner.run("GET /whoami (legacy token)", "/whoami", legacy)
    runner.run("GET /whoami (scoped token)", "/whoami", scoped)
    runner.run("GET /records/<id> (legacy)", f"/records/{record_id}", legacy)
    runner.run("GET /records/<id> (scoped)", f"/records/{record_id}", scoped)
    page = "/records?page%5Bsize%5D=30"
    runner.run("GET /records page 1 (30)", page, legacy)
    deep = max(1, min(1000, options.records // 30 - 1))
    runner.run(f"GET /records page {deep} (30)", f"{page}&page%5Bnumber%5D={deep}", legacy)
    sets = "/zones/example.com/rrsets?limit=30"
    runner.run("GET /zones/<z>/rrsets first page (30)", sets, legacy)
    runner.run(
        "GET /zones/<z>/rrsets 97% deep (cursor)", f"{sets}&cursor={deep_cursor(options)}", legacy
    )
    runner.run("GET /health/live", "/health/live", legacy)
    for latency in (0, options.latency_ms):
        runner.latency(latency)
        path = CREATE_PATH.format(run=f"at{latency}ms")
        create = WRITE_SCRIPT % {"method": "POST", "path": path}
        runner.run(f"path upsert creates, DNSimple {latency} ms", "/", legacy, script=create)
        unchanged = "/records/A/example.com/same/192.0.2.7"
        runner.run(
            f"unchanged upsert, DNSimple {latency} ms",
            unchanged,
            legacy,
            script=('wrk.method = "POST"\n'),
        )
    runner.latency(0, hang=True)
    runner.run("GET /records/<id> while DNSimple hangs", f"/records/{record_id}", legacy)
    runner.latency(0)


def deep_cursor(options: argparse.Namespace) -> str:
    """The cursor of a page 97% of the way through the filled sets (``r<n>`` A records)."""
    names = sorted(f"r{n}" for n in range(options.records))
    key = [names[int(len(names) * 0.97)], "A"]
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def print_table(results: list[Result], ceiling: float) -> None:
    print(f"reference (bare FastAPI + PyJWT, GET /whoami): {ceiling:,.0f} requests/s")
    header = f"{'scenario':44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}"
    print(header + f" {'calls/req':>9} {'CPU ms':>7} {'RSS MB':>7} {'ratio':>6}")
    for r in results:
        calls = "-" if r.calls_per_request is None else f"{r.calls_per_request:.2f}"
        rss = "-" if r.rss_mb is None else f"{r.rss_mb:.0f}"
        cpu = "-" if r.cpu_ms is None else f"{r.cpu_ms:.2f}"
        print(
            f"{r.scenario:44} {r.rps:9,.0f} {r.p50_ms:8.2f} {r.p99_ms:8.2f} {r.non_2xx:8d}"
            f" {calls:>9} {cpu:>7} {rss:>7} {r.rps / ceiling:6.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--tokens", type=int, default=10000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--token-cache", type=float, default=0, help="TOKEN_CACHE_SECONDS")
    parser.add_argument("--compare", help="another server's base URL, for the read scenarios")
    parser.add_argument("--compare-token", default="")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("bench/load.py needs wrk (Debian: apt-get install wrk)")
    extra = {"TOKEN_CACHE_SECONDS": str(options.token_cache)}
    with running_servers(extra, workers=options.workers) as servers:
        record_id = fill_records(servers.database_url, options.records)
        fill_tokens(servers.database_url, options.tokens)
        scoped = scoped_token(servers)
        ceiling = reference_rps(options, servers.token)
        runner = Runner(servers, options)
        scenarios(runner, servers.token, scoped, record_id, options)
        if options.compare:
            compare(options)
        print_table(runner.results, ceiling)


def compare(options: argparse.Namespace) -> None:
    for path in ("/whoami", "/records"):
        measured = wrk(options.compare + path, options.compare_token, options.seconds, 32)
        print(f"compare {options.compare}{path}: {measured['rps']:,.0f} requests/s")


if __name__ == "__main__":
    main()
