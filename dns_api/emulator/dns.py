"""The emulator's zones over DNS: an authoritative name server on UDP and TCP (``start_dns``).

Owns how the emulator's DNSimple-style records become DNS answers, read afresh from the
``EmulatorState`` on every query (a record created through the HTTP API answers at once). A
name in one of the state's zones (the longest wins) is answered authoritatively, anything else
REFUSED. Served: A, AAAA, CNAME, TXT and SPF (DNSimple's quoted form cut into its strings), MX,
SRV, CAA, NS, SOA, PTR, and NAPTR, SSHFP, DS, DNSKEY as far as dnslib reads them; an ALIAS
answers A/AAAA with its target's when that is in the emulator's zones. CNAMEs are followed
through the emulator's zones (``MAX_HOPS`` at most, loops end the chain), wildcards answer at
the closest encloser (RFC 4592), NODATA and NXDOMAIN carry the zone's SOA (RFC 2308), and a UDP
answer larger than the client takes comes back truncated (TC) so the client asks over TCP.

Not emulated: delegation below a zone (NS records under the apex are data), DNSSEC, zone
transfers, EDNS options, DNSimple's URL and POOL records.
"""

from __future__ import annotations

import logging
import re
import socket
import socketserver
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import dnslib
from dnslib import QTYPE, RCODE, RR
from dnslib.server import DNSLogger, DNSServer

from dns_api.emulator.errors import Json
from dns_api.emulator.state import EmulatorState
from dns_api.emulator.txt import quote_text, split_octets

MAX_HOPS = 8  # CNAMEs (and ALIAS indirections) followed for one answer
PLAIN_UDP_SIZE = 512  # what a client without EDNS accepts over UDP (RFC 1035)
_BIND_ATTEMPTS = 20  # port 0: free ports tried until one is free for UDP and for TCP too
_CLASS_IN, _CLASS_ANY = 1, 255

_log = logging.getLogger(__name__)
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"', re.DOTALL)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_CAA = re.compile(r"(\d+)\s+(\S+)\s+(.*)", re.DOTALL)


# -- records as DNS data -----------------------------------------------------------------------


def _absolute(host: str) -> str:
    return host if host.endswith(".") else f"{host}."


def _strings(quoted: str) -> list[str]:
    """The character-strings of content in DNSimple's quoted form, unescaped."""
    return [_ESCAPE.sub(r"\1", string) for string in _STRING.findall(quoted)]


def _txt(record: Json) -> Any:
    strings = _strings(quote_text(record["content"]))
    return dnslib.TXT([chunk.encode() for string in strings for chunk in split_octets(string)])


def _srv(record: Json) -> Any:
    weight, port, target = record["content"].split()
    return dnslib.SRV(int(record["priority"] or 0), int(weight), int(port), _absolute(target))


def _caa(record: Json) -> Any:
    match = _CAA.fullmatch(record["content"].strip())
    if match is None:
        raise ValueError(f"not CAA content: {record['content']!r}")
    flags, tag, value = match.groups()
    return dnslib.CAA(int(flags), tag, "".join(_strings(value)) if value.startswith('"') else value)


def _soa(record: Json) -> Any:
    mname, rname, *times = record["content"].split()
    if len(times) != 5:
        raise ValueError(f"not SOA content: {record['content']!r}")
    return dnslib.SOA(_absolute(mname), _absolute(rname), [int(time) for time in times])


def _zone_file(record: Json) -> Any:
    return RR.fromZone(f". 0 IN {record['type']} {record['content']}")[0].rdata


_RDATA: dict[str, Callable[[Json], Any]] = {
    "A": lambda record: dnslib.A(record["content"]),
    "AAAA": lambda record: dnslib.AAAA(record["content"]),
    "CNAME": lambda record: dnslib.CNAME(_absolute(record["content"])),
    "NS": lambda record: dnslib.NS(_absolute(record["content"])),
    "PTR": lambda record: dnslib.PTR(_absolute(record["content"])),
    "MX": lambda record: dnslib.MX(_absolute(record["content"]), int(record["priority"] or 0)),
    "TXT": _txt,
    "SPF": _txt,
    "SRV": _srv,
    "CAA": _caa,
    "SOA": _soa,
    **dict.fromkeys(("NAPTR", "SSHFP", "DS", "DNSKEY"), _zone_file),
}
_TYPE_CODES: dict[str, int] = {rtype: getattr(QTYPE, rtype) for rtype in _RDATA}


def _rrs(owner: str, records: Iterable[Json]) -> list[Any]:
    """``records`` as resource records at ``owner``; what the wire cannot carry is left out."""
    rrs = []
    for record in records:
        rdata = _RDATA.get(record["type"])
        if rdata is None:
            continue
        try:
            rr = RR(owner, _TYPE_CODES[record["type"]], ttl=int(record["ttl"]), rdata=rdata(record))
            rr.pack(dnslib.DNSBuffer())  # fails now rather than while the whole answer is packed
        except Exception:  # any content the wire cannot carry: that record is not served
            _log.debug("record %s cannot be served over DNS", record.get("id"), exc_info=True)
            continue
        rrs.append(rr)
    return rrs


# -- looking names up --------------------------------------------------------------------------


def _normal(name: str) -> str:
    return name.rstrip(".").lower()


class _Zones:
    """The state's zones as one query sees them; each zone's records are read when needed."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state
        self._names = sorted((zone["name"].lower() for zone in state.zones()), key=len)[::-1]
        self._records: dict[str, dict[str, list[Json]]] = {}

    def zone_of(self, name: str) -> str | None:
        """The longest zone holding ``name`` (normal form), None outside every zone."""
        name = _normal(name)
        return next((z for z in self._names if name == z or name.endswith(f".{z}")), None)

    def names(self, zone: str) -> dict[str, list[Json]]:
        """The records of ``zone`` by their name relative to it, in lower case."""
        if zone not in self._records:
            by_name: dict[str, list[Json]] = {}
            for record in self._state.records(zone):
                by_name.setdefault(record["name"].lower(), []).append(record)
            self._records[zone] = by_name
        return self._records[zone]

    def soa(self, zone: str) -> list[Any]:
        """The zone's SOA for an authority section, its TTL capped by the SOA minimum."""
        rrs = _rrs(f"{zone}.", (r for r in self.names(zone).get("", []) if r["type"] == "SOA"))
        for rr in rrs:
            rr.ttl = min(rr.ttl, rr.rdata.times[4])
        return rrs


def _exists(names: dict[str, list[Json]], relative: str) -> bool:
    """Whether the name has records or names beneath it (the apex always exists)."""
    return not relative or relative in names or any(n.endswith(f".{relative}") for n in names)


def _records_at(names: dict[str, list[Json]], relative: str) -> list[Json] | None:
    """The records answering for ``relative``: its own, else those of the wildcard at its
    closest encloser; [] for a name that exists without records, None for no such name."""
    if relative in names:
        return names[relative]
    encloser = relative
    while not _exists(names, encloser):
        encloser = encloser.partition(".")[2]
    if encloser == relative:
        return []
    return names.get(f"*.{encloser}" if encloser else "*")


@dataclass
class _Answer:
    rcode: int = 0
    answers: list[Any] = field(default_factory=list)
    authority: list[Any] = field(default_factory=list)


def _lookup(zones: _Zones, qname: str, qtype: int, budget: int = MAX_HOPS) -> _Answer:
    """Answer ``qtype`` at ``qname``, following CNAMEs while they stay in the emulator's zones
    (``budget`` hops at most, none twice); the rcode is that of the last name (RFC 6604)."""
    result, owner = _Answer(), qname
    seen: set[str] = set()
    while (zone := zones.zone_of(owner)) is not None:
        relative = _normal(owner).removesuffix(zone).removesuffix(".")
        records = _records_at(zones.names(zone), relative)
        if records is None:
            return _Answer(RCODE.NXDOMAIN, result.answers, zones.soa(zone))
        matching = _matching(zones, owner, records, qtype, budget)
        cname = next((r for r in records if r["type"] == "CNAME"), None)
        if matching or cname is None or qtype == QTYPE.CNAME:
            return _Answer(0, result.answers + matching, [] if matching else zones.soa(zone))
        result.answers += _rrs(owner, [cname])
        seen.add(_normal(owner))
        owner = _absolute(cname["content"])
        if _normal(owner) in seen or len(seen) > budget:
            break
    return result


def _matching(zones: _Zones, owner: str, records: list[Json], qtype: int, budget: int) -> list[Any]:
    """The records of type ``qtype`` (every type for ANY), an ALIAS's answers for A/AAAA."""
    rrs = _rrs(owner, [r for r in records if qtype in (QTYPE.ANY, _TYPE_CODES.get(r["type"]))])
    if qtype in (QTYPE.A, QTYPE.AAAA) and budget > 0:
        for alias in (r for r in records if r["type"] == "ALIAS"):
            target = _lookup(zones, _absolute(alias["content"]), qtype, budget - 1)
            rrs += [
                RR(owner, qtype, ttl=int(alias["ttl"]), rdata=rr.rdata)
                for rr in target.answers
                if rr.rtype == qtype
            ]
    return rrs


# -- the resolver dnslib calls -----------------------------------------------------------------


class EmulatorResolver:
    """dnslib's resolver interface over an ``EmulatorState``, read afresh on every query."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def resolve(self, request: Any, handler: Any) -> Any:
        """The reply to ``request`` (a dnslib ``DNSRecord``); SERVFAIL if answering failed."""
        try:
            return _fitted(self.answer(request), request, getattr(handler, "protocol", "udp"))
        except Exception:
            _log.exception("the DNS emulator failed to answer %s", request.q.qname)
            reply = _reply(request, aa=0)
            reply.header.rcode = RCODE.SERVFAIL
            return reply

    def answer(self, request: Any) -> Any:
        """The full reply to ``request``, whatever its size."""
        reply = _reply(request, aa=1)
        zones = _Zones(self.state)
        refusal = _refusal(request, zones)
        if refusal is not None:
            reply.header.rcode, reply.header.aa = refusal, 0
            return reply
        result = _lookup(zones, str(request.q.qname), request.q.qtype)
        reply.add_answer(*result.answers)
        reply.add_auth(*result.authority)
        reply.header.rcode = result.rcode
        return reply


def _reply(request: Any, aa: int) -> Any:
    """An empty reply to ``request``: its id, RD and question; no recursion, nothing validated."""
    reply = request.reply(ra=0, aa=aa)
    reply.header.ad = reply.header.z = 0
    return reply


def _refusal(request: Any, zones: _Zones) -> int | None:
    """The rcode of a request this server does not answer, None for one it answers."""
    if request.header.opcode != dnslib.OPCODE.QUERY:
        return int(RCODE.NOTIMP)
    if len(request.questions) != 1:
        return int(RCODE.FORMERR)
    question = request.q
    if question.qclass not in (_CLASS_IN, _CLASS_ANY) or zones.zone_of(str(question.qname)) is None:
        return int(RCODE.REFUSED)
    return None


def _fitted(reply: Any, request: Any, protocol: str) -> Any:
    """``reply``, or over UDP when larger than the client accepts its header and question
    with TC set (the client then asks over TCP)."""
    if protocol != "udp":
        return reply
    offered = [rr.edns_len for rr in request.ar if rr.rtype == QTYPE.OPT]
    if len(reply.pack()) <= max([PLAIN_UDP_SIZE, *offered]):
        return reply
    truncated = _reply(request, aa=reply.header.aa)
    truncated.header.rcode, truncated.header.tc = reply.header.rcode, 1
    return truncated


# -- the servers -------------------------------------------------------------------------------


class _Threaded(socketserver.ThreadingMixIn, socketserver.BaseServer):
    """Each request in a daemon thread; IPv6 when the host is an IPv6 address."""

    daemon_threads = True
    address_family: int = socket.AF_INET

    def __init__(self, address: tuple[str, int], handler: Any) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, handler)


class _UdpServer(_Threaded, socketserver.UDPServer):
    allow_reuse_address = False  # else a second server on the port would take queries silently


class _TcpServer(_Threaded, socketserver.TCPServer):
    allow_reuse_address = True  # on Linux this never shares a port with a listening socket


@dataclass
class RunningDns:
    """The emulator's DNS server on ``host:port`` (UDP and TCP); ``stop()`` or leaving the
    ``with`` ends it."""

    host: str
    port: int
    _servers: list[Any] = field(repr=False)
    _threads: list[threading.Thread] = field(repr=False)

    @property
    def address(self) -> str:
        """``host:port`` as ``dig`` users read it, e.g. ``127.0.0.1:5353`` or ``[::1]:5353``."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def stop(self) -> None:
        """Stop answering, close both sockets and join the serving threads (idempotent)."""
        servers, self._servers = self._servers, []
        for server in servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join()

    def __enter__(self) -> RunningDns:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def start_dns(state: EmulatorState, host: str = "127.0.0.1", port: int = 0) -> RunningDns:
    """Answer DNS queries for ``state``'s zones on ``host:port``, UDP and TCP alike (port 0:
    a port free for both), each in a daemon thread; return once both sockets are bound.

    Raises ``OSError`` when the port is taken.
    """
    resolver = EmulatorResolver(state)
    logger = DNSLogger(prefix=False, logf=_log.debug)
    for _ in range(_BIND_ATTEMPTS if port == 0 else 1):
        udp = DNSServer(resolver, address=host, port=port, logger=logger, server=_UdpServer)
        bound: int = udp.server.server_address[1]
        try:
            tcp = DNSServer(
                resolver, address=host, port=bound, tcp=True, logger=logger, server=_TcpServer
            )
        except OSError:
            udp.server.server_close()
            if port != 0:
                raise
            continue
        servers = [udp.server, tcp.server]
        threads = [_serve(udp.server, "emulator-dns-udp"), _serve(tcp.server, "emulator-dns-tcp")]
        return RunningDns(host, bound, servers, threads)
    raise OSError(f"no port on {host} was free for both UDP and TCP")


def _serve(server: socketserver.BaseServer, name: str) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    return thread
