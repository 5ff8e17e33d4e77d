"""Demo mode serves the emulator's zones over DNS too: its start line says where, and what
dns-api writes through the emulator answers there (``dig @127.0.0.1 -p PORT``)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode
import httpx
import pytest

DEMO_LINE = re.compile(
    r"dns-api: demo mode \(no DNSIMPLE_ACCOUNT_TOKEN\): using the built-in DNSimple emulator at "
    r"\S+ for example\.com and \S+; "
    r"DNS on 127\.0\.0\.1:(?P<port>\d+) \(dig @127\.0\.0\.1 -p (?P=port) example\.com\)"
)
TIMEOUT = 5.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def demo(clean_config: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, str, int]]:
    """`dns-api serve` in demo mode in an empty folder; yields its URL, the admin token and
    the DNS port its start line names."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "dns_api", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=clean_config,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    dns_port, token = 0, ""
    for line in process.stdout:
        lines.append(line)
        if match := DEMO_LINE.fullmatch(line.rstrip("\n")):
            dns_port = int(match["port"])
        if match := re.match(r"\*\*\* token for admin: (\S+)", line):
            token = match.group(1)
            break
    url = f"http://127.0.0.1:{port}"
    try:
        assert dns_port, "".join(lines)
        assert token, "".join(lines)
        _wait_for_http(url)
        yield url, token, dns_port
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()


def _wait_for_http(url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(url + "/", timeout=1)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _ask(port: int, name: str, rdtype: str) -> dns.message.Message:
    request = dns.message.make_query(name, rdtype)
    return dns.query.udp(request, "127.0.0.1", port=port, timeout=TIMEOUT)


@pytest.mark.slow
def test_demo_mode_names_a_dns_port_that_answers_what_dns_api_wrote(
    demo: tuple[str, str, int],
) -> None:
    url, token, dns_port = demo

    soa = _ask(dns_port, "example.com", "SOA")
    created = httpx.post(
        url + "/records/cname/example.com/pr-42/review.example.net",
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )
    assert created.status_code == 200, created.text
    cname = _ask(dns_port, "pr-42.example.com", "A")

    assert soa.rcode() == dns.rcode.NOERROR
    assert soa.flags & dns.flags.AA
    assert [rrset.to_text().split()[-2:] for rrset in cname.answer] == [
        ["CNAME", "review.example.net."]
    ]
