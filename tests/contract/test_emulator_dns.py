"""The emulator's zones over DNS, as a resolver sees them: real UDP and TCP sockets, dnspython.

Records are made through the state (or its HTTP API) and read back with DNS queries: every
record type DNSimple has that the emulator serves, CNAME chains (one zone, across zones, loops),
wildcards, NODATA versus NXDOMAIN, REFUSED outside the zones, truncation over UDP, and the
``dns-api emulator --dns-port`` command as a process.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdataclass
import httpx
import pytest

from dns_api.emulator import EmulatorState, RunningEmulator, start_emulator
from dns_api.emulator.dns import MAX_HOPS, RunningDns, start_dns

ACCOUNT = 1010
TOKEN = "emulator-token"
ZONES = ("example.com", "example.org", "auth.example.com")
TIMEOUT = 5.0
SOA_MINIMUM = 300  # the last field of the SOA every emulator zone gets
SSHFP = "1 1 c4d1b9b2a1f1e2d3c4b5a6978899aabbccddeeff"

Answer = list[tuple[str, str, int, str]]  # (owner, type, ttl, rdata) per record


@pytest.fixture(scope="module")
def running() -> Iterator[RunningEmulator]:
    state = EmulatorState(account_id=ACCOUNT, token=TOKEN, zones=ZONES)
    with start_emulator(state) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def server(running: RunningEmulator) -> Iterator[RunningDns]:
    with start_dns(running.state) as dns_server:
        yield dns_server


@pytest.fixture
def state(running: RunningEmulator, server: RunningDns) -> EmulatorState:
    """The emulator's account, emptied for this test, its DNS server running."""
    running.state.reset()
    return running.state


@pytest.fixture(params=["udp", "tcp"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def ask(
    server: RunningDns | tuple[str, int],
    name: str,
    rdtype: str,
    transport: str = "udp",
    **query: Any,
) -> dns.message.Message:
    """What ``dig @host -p port name rdtype`` (``+tcp``) gets."""
    host, port = (server.host, server.port) if isinstance(server, RunningDns) else server
    request = dns.message.make_query(name, rdtype, **query)
    if transport == "tcp":
        return dns.query.tcp(request, host, port=port, timeout=TIMEOUT)
    return dns.query.udp(request, host, port=port, timeout=TIMEOUT)


def records(section: list[Any]) -> Answer:
    return [
        (rrset.name.to_text(), dns.rdatatype.to_text(rrset.rdtype), rrset.ttl, rdata.to_text())
        for rrset in section
        for rdata in rrset
    ]


def add(state: EmulatorState, zone: str, name: str, rtype: str, content: str, **more: Any) -> None:
    state.create_record(zone, {"name": name, "type": rtype, "content": content, **more})


def is_authoritative(response: dns.message.Message) -> bool:
    return bool(response.flags & dns.flags.AA)


# -- record types ---------------------------------------------------------------------------------


def test_an_address_is_answered_authoritatively_with_its_ttl(
    state: EmulatorState, server: RunningDns, transport: str
) -> None:
    add(state, "example.com", "www", "A", "192.0.2.1", ttl=300)
    add(state, "example.com", "www", "A", "192.0.2.2", ttl=300)
    add(state, "example.com", "www", "AAAA", "2001:db8::1", ttl=60)

    a = ask(server, "www.example.com", "A", transport, flags=dns.flags.RD | dns.flags.AD)
    aaaa = ask(server, "www.example.com", "AAAA", transport)

    assert a.rcode() == dns.rcode.NOERROR
    assert is_authoritative(a)
    assert a.flags & dns.flags.RD  # echoed, as RFC 1035 wants
    assert not a.flags & (dns.flags.RA | dns.flags.AD)  # no recursion, nothing validated
    assert sorted(records(a.answer)) == [
        ("www.example.com.", "A", 300, "192.0.2.1"),
        ("www.example.com.", "A", 300, "192.0.2.2"),
    ]
    assert records(aaaa.answer) == [("www.example.com.", "AAAA", 60, "2001:db8::1")]


@pytest.mark.parametrize(
    ("rtype", "content", "priority", "expected"),
    [
        ("MX", "mx.example.net", 10, "10 mx.example.net."),
        ("SRV", "5 5060 sip.example.net", 20, "20 5 5060 sip.example.net."),
        ("CAA", '0 issue "letsencrypt.org"', None, '0 issue "letsencrypt.org"'),
        ("CAA", '128 iodef "mailto:ops@example.com"', None, '128 iodef "mailto:ops@example.com"'),
        ("TXT", "v=spf1 -all", None, '"v=spf1 -all"'),
        ("SPF", "v=spf1 -all", None, '"v=spf1 -all"'),
        ("NS", "ns1.example.net", None, "ns1.example.net."),
        ("PTR", "host.example.net", None, "host.example.net."),
        ("CNAME", "elsewhere.example.net", None, "elsewhere.example.net."),
        ("SSHFP", "1 1 C4D1B9B2A1F1E2D3C4B5A6978899AABBCCDDEEFF", None, SSHFP),
    ],
)
def test_each_record_type_is_answered_in_its_wire_form(
    state: EmulatorState,
    server: RunningDns,
    transport: str,
    rtype: str,
    content: str,
    priority: int | None,
    expected: str,
) -> None:
    add(state, "example.com", "thing", rtype, content, ttl=120, priority=priority)

    response = ask(server, "thing.example.com", rtype, transport)

    assert response.rcode() == dns.rcode.NOERROR
    assert is_authoritative(response)
    assert records(response.answer) == [("thing.example.com.", rtype, 120, expected)]


def test_the_system_soa_and_ns_records_are_served_at_the_apex(
    state: EmulatorState, server: RunningDns, transport: str
) -> None:
    soa = ask(server, "example.com", "SOA", transport)
    ns = ask(server, "example.com", "NS", transport)

    [(owner, _, _, rdata)] = records(soa.answer)
    assert owner == "example.com."
    assert re.fullmatch(
        r"ns1\.dnsimple\.com\. admin\.dnsimple\.com\. \d+ 86400 7200 604800 300", rdata
    )
    assert sorted(r[3] for r in records(ns.answer)) == [f"ns{n}.dnsimple.com." for n in range(1, 5)]


def test_txt_content_is_split_into_its_character_strings(
    state: EmulatorState, server: RunningDns, transport: str
) -> None:
    add(state, "example.com", "quoted", "TXT", r'"part one" "say \"hi\" \\ back"')
    add(state, "example.com", "long", "TXT", "x" * 300)

    quoted = ask(server, "quoted.example.com", "TXT", transport)
    long = ask(server, "long.example.com", "TXT", transport)

    assert [rdata.strings for rdata in quoted.answer[0]] == [(b"part one", b'say "hi" \\ back')]
    assert [rdata.strings for rdata in long.answer[0]] == [(b"x" * 255, b"x" * 45)]


def test_several_txt_records_at_a_name_are_all_answered(
    state: EmulatorState, server: RunningDns
) -> None:
    add(state, "example.com", "_acme-challenge", "TXT", "token-one")
    add(state, "example.com", "_acme-challenge", "TXT", "token-two")

    response = ask(server, "_acme-challenge.example.com", "TXT")

    assert sorted(r[3] for r in records(response.answer)) == ['"token-one"', '"token-two"']


def test_an_alias_answers_with_the_addresses_of_its_target_in_the_emulator(
    state: EmulatorState, server: RunningDns, transport: str
) -> None:
    add(state, "example.com", "", "ALIAS", "www.example.org", ttl=600)
    add(state, "example.org", "www", "CNAME", "web.example.org")
    add(state, "example.org", "web", "A", "192.0.2.7", ttl=60)
    add(state, "example.com", "outside", "ALIAS", "app.example.net")

    a = ask(server, "example.com", "A", transport)
    aaaa = ask(server, "example.com", "AAAA", transport)
    nowhere = ask(server, "outside.example.com", "A", transport)

    assert records(a.answer) == [("example.com.", "A", 600, "192.0.2.7")]
    assert aaaa.rcode() == dns.rcode.NOERROR
    assert (aaaa.answer, records(aaaa.authority)[0][1]) == ([], "SOA")
    assert (nowhere.rcode(), nowhere.answer) == (dns.rcode.NOERROR, [])


# -- CNAME chains ---------------------------------------------------------------------------------


def test_a_cname_is_followed_inside_its_zone(
    state: EmulatorState, server: RunningDns, transport: str
) -> None:
    add(state, "example.com", "www", "CNAME", "web.example.com", ttl=100)
    add(state, "example.com", "web", "A", "192.0.2.1", ttl=200)

    response = ask(server, "www.example.com", "A", transport)

    assert is_authoritative(response)
    assert records(response.answer) == [
        ("www.example.com.", "CNAME", 100, "web.example.com."),
        ("web.example.com.", "A", 200, "192.0.2.1"),
    ]


def test_an_acme_dns_delegation_is_followed_across_zones(
    state: EmulatorState, server: RunningDns, transport: str
) -> None:
    uuid = "d420c923-bbd7-4056-ab64-c3ca54c9b3cf"
    add(state, "example.com", "_acme-challenge", "CNAME", f"{uuid}.auth.example.com")
    add(state, "auth.example.com", uuid, "CNAME", "final.example.org")
    add(state, "example.org", "final", "TXT", "the-validation-token", ttl=60)

    response = ask(server, "_acme-challenge.example.com", "TXT", transport)

    assert records(response.answer) == [
        ("_acme-challenge.example.com.", "CNAME", 3600, f"{uuid}.auth.example.com."),
        (f"{uuid}.auth.example.com.", "CNAME", 3600, "final.example.org."),
        ("final.example.org.", "TXT", 60, '"the-validation-token"'),
    ]


def test_a_cname_query_gets_the_cname_only(state: EmulatorState, server: RunningDns) -> None:
    add(state, "example.com", "www", "CNAME", "web.example.com")
    add(state, "example.com", "web", "A", "192.0.2.1")

    response = ask(server, "www.example.com", "CNAME")

    assert records(response.answer) == [("www.example.com.", "CNAME", 3600, "web.example.com.")]


def test_a_cname_out_of_the_emulator_is_answered_alone(
    state: EmulatorState, server: RunningDns
) -> None:
    add(state, "example.com", "www", "CNAME", "review.example.net")

    response = ask(server, "www.example.com", "A")

    assert response.rcode() == dns.rcode.NOERROR
    assert [r[1] for r in records(response.answer)] == ["CNAME"]
    assert response.authority == []


def test_a_cname_to_a_missing_name_ends_in_nxdomain(
    state: EmulatorState, server: RunningDns
) -> None:
    add(state, "example.com", "www", "CNAME", "gone.example.org")

    response = ask(server, "www.example.com", "A")

    assert response.rcode() == dns.rcode.NXDOMAIN  # the rcode of the last name (RFC 6604)
    assert [r[1] for r in records(response.answer)] == ["CNAME"]
    assert records(response.authority)[0][:2] == ("example.org.", "SOA")


def test_a_cname_loop_ends(state: EmulatorState, server: RunningDns, transport: str) -> None:
    add(state, "example.com", "ping", "CNAME", "pong.example.org")
    add(state, "example.org", "pong", "CNAME", "ping.example.com")

    response = ask(server, "ping.example.com", "A", transport)

    assert response.rcode() == dns.rcode.NOERROR
    assert [r[0] for r in records(response.answer)] == ["ping.example.com.", "pong.example.org."]


def test_a_long_chain_is_followed_for_max_hops_only(
    state: EmulatorState, server: RunningDns
) -> None:
    for hop in range(MAX_HOPS + 5):
        add(state, "example.com", f"hop{hop}", "CNAME", f"hop{hop + 1}.example.com")

    response = ask(server, "hop0.example.com", "A")

    assert [r[0] for r in records(response.answer)] == [
        f"hop{hop}.example.com." for hop in range(MAX_HOPS + 1)
    ]


# -- names: wildcards, NODATA, NXDOMAIN, outside the zones ----------------------------------------


def test_a_wildcard_answers_for_names_beneath_it_without_records_of_their_own(
    state: EmulatorState, server: RunningDns, transport: str
) -> None:
    add(state, "example.com", "*.preview", "A", "192.0.2.9", ttl=30)
    add(state, "example.com", "own.preview", "TXT", "mine")
    add(state, "example.org", "*", "CNAME", "www.example.com")
    add(state, "example.com", "www", "A", "192.0.2.1")

    deep = ask(server, "pr-1.deep.preview.example.com", "A", transport)
    own = ask(server, "own.preview.example.com", "A", transport)
    parent = ask(server, "preview.example.com", "A", transport)
    apex_wildcard = ask(server, "anything.example.org", "A", transport)

    assert records(deep.answer) == [("pr-1.deep.preview.example.com.", "A", 30, "192.0.2.9")]
    assert (own.rcode(), own.answer) == (dns.rcode.NOERROR, [])  # a name of its own: NODATA
    assert (parent.rcode(), parent.answer) == (dns.rcode.NOERROR, [])  # an empty non-terminal
    assert records(apex_wildcard.answer) == [
        ("anything.example.org.", "CNAME", 3600, "www.example.com."),
        ("www.example.com.", "A", 3600, "192.0.2.1"),
    ]


def test_nodata_and_nxdomain_carry_the_zone_soa(
    state: EmulatorState, server: RunningDns, transport: str
) -> None:
    add(state, "example.com", "www", "A", "192.0.2.1")
    add(state, "example.com", "a.b", "A", "192.0.2.2")

    nodata = ask(server, "www.example.com", "AAAA", transport)
    empty_non_terminal = ask(server, "b.example.com", "A", transport)
    nxdomain = ask(server, "nope.example.com", "A", transport)

    for response in (nodata, empty_non_terminal):
        assert (response.rcode(), response.answer) == (dns.rcode.NOERROR, [])
    assert nxdomain.rcode() == dns.rcode.NXDOMAIN
    for response in (nodata, empty_non_terminal, nxdomain):
        assert is_authoritative(response)
        [(owner, rtype, ttl, _)] = records(response.authority)
        assert (owner, rtype, ttl) == ("example.com.", "SOA", SOA_MINIMUM)


def test_the_longest_zone_answers(state: EmulatorState, server: RunningDns) -> None:
    add(state, "example.com", "x.auth", "A", "192.0.2.1")  # hidden by the zone auth.example.com
    add(state, "auth.example.com", "x", "A", "192.0.2.2")

    found = ask(server, "x.auth.example.com", "A")
    missing = ask(server, "y.auth.example.com", "A")

    assert records(found.answer) == [("x.auth.example.com.", "A", 3600, "192.0.2.2")]
    assert records(missing.authority)[0][:2] == ("auth.example.com.", "SOA")


def test_names_are_matched_whatever_their_case_and_answered_as_asked(
    state: EmulatorState, server: RunningDns
) -> None:
    add(state, "example.com", "www", "A", "192.0.2.1")

    response = ask(server, "WWW.Example.COM.", "A")

    assert records(response.answer) == [("WWW.Example.COM.", "A", 3600, "192.0.2.1")]


@pytest.mark.parametrize("name", ["example.net", "com", ".", "notexample.com"])
def test_a_name_outside_every_zone_is_refused(
    state: EmulatorState, server: RunningDns, transport: str, name: str
) -> None:
    response = ask(server, name, "A", transport)

    assert response.rcode() == dns.rcode.REFUSED
    assert not is_authoritative(response)
    assert response.answer == []


def test_what_is_not_an_in_query_is_not_answered(state: EmulatorState, server: RunningDns) -> None:
    chaos = ask(server, "example.com", "TXT", rdclass=dns.rdataclass.CH)
    notify = dns.message.make_query("example.com", "SOA")
    notify.set_opcode(dns.opcode.NOTIFY)

    assert chaos.rcode() == dns.rcode.REFUSED
    reply = dns.query.udp(notify, server.host, port=server.port, timeout=TIMEOUT)
    assert reply.rcode() == dns.rcode.NOTIMP


# -- liveness, size and the server's life ---------------------------------------------------------


def test_a_record_created_through_the_http_api_answers_at_once(
    running: RunningEmulator, state: EmulatorState, server: RunningDns, transport: str
) -> None:
    before = ask(server, "fresh.example.com", "TXT", transport)
    created = httpx.post(
        f"{running.url}/v2/{ACCOUNT}/zones/example.com/records",
        headers={"Authorization": f"Bearer {TOKEN}"},
        json={"name": "fresh", "type": "TXT", "content": "hello", "ttl": 60},
        timeout=TIMEOUT,
    )
    assert created.status_code == 201, created.text

    after = ask(server, "fresh.example.com", "TXT", transport)

    assert before.rcode() == dns.rcode.NXDOMAIN
    assert records(after.answer) == [("fresh.example.com.", "TXT", 60, '"hello"')]


def test_an_answer_too_large_for_udp_is_truncated_and_whole_over_tcp(
    state: EmulatorState, server: RunningDns
) -> None:
    for n in range(4):
        add(state, "example.com", "big", "TXT", f"{n}" * 200)

    plain = ask(server, "big.example.com", "TXT")  # no EDNS: 512 octets at most
    with_edns = ask(server, "big.example.com", "TXT", use_edns=0, payload=4096)
    over_tcp = ask(server, "big.example.com", "TXT", "tcp")

    assert plain.flags & dns.flags.TC
    assert plain.answer == []
    assert not with_edns.flags & dns.flags.TC
    assert len(records(with_edns.answer)) == len(records(over_tcp.answer)) == 4


def test_a_stopped_server_frees_its_port_and_a_taken_port_is_an_error() -> None:
    state = EmulatorState(zones=["example.com"])
    with start_dns(state) as first:
        with pytest.raises(OSError, match="in use"):
            start_dns(state, port=first.port)
        port = first.port
    with start_dns(state, port=port) as again:
        assert ask(again, "example.com", "SOA", "tcp").rcode() == dns.rcode.NOERROR
        again.stop()  # stopping twice is harmless


# -- the command ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.slow
def test_the_emulator_command_serves_dns_and_says_where(tmp_path: Path) -> None:
    http_port = _free_port()
    command = [sys.executable, "-m", "dns_api", "emulator", "--port", str(http_port)]
    command += ["--zone", "example.com", "--zone", "example.org", "--dns-port", "0"]
    with subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            pattern = (
                rf"DNSimple emulator: base URL (http://127\.0\.0\.1:{http_port}) "
                r"\(API under /v2\), token ([^,\s]+), account id (\d+), "
                r"zones example\.com, example\.org; DNS on 127\.0\.0\.1:(\d+)\n"
            )
            match = re.fullmatch(pattern, line)
            assert match, line
            url, token, account, dns_port = match.groups()
            dig = ("127.0.0.1", int(dns_port))
            assert ask(dig, "example.org", "SOA").rcode() == dns.rcode.NOERROR
            _wait_for_http(url)
            created = httpx.post(
                f"{url}/v2/{account}/zones/example.com/records",
                headers={"Authorization": f"Bearer {token}"},
                json={"name": "www", "type": "A", "content": "192.0.2.1"},
                timeout=TIMEOUT,
            )
            assert created.status_code == 201, created.text
            answer = records(ask(dig, "www.example.com", "A", "tcp").answer)
            assert answer == [("www.example.com.", "A", 3600, "192.0.2.1")]
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_for_http(url: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
