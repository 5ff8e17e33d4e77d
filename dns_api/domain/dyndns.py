"""What DynDNS2 clients (ddclient, inadyn, routers) send to ``/nic/update``, checked. Pure code.

``hostname`` is a comma list of full names; ``myip`` one address, or an IPv4 and an IPv6
address separated by a comma, or nothing (then the caller's address is meant). Each host gets
the A record of an IPv4 address and the AAAA record of an IPv6 one. The answer is one line per
host, in order (``good <ip>``, ``nochg <ip>``, ``nohost``, ``notfqdn``, ``dnserr``, ``911``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from dns_api.domain import names

MAX_HOSTS = 20
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class Host:
    """One host of a request: where it is (``None`` when it is not a name this service manages:
    ``problem`` says which answer it gets)."""

    raw: str
    zone: str | None = None
    name: str | None = None
    problem: str | None = None  # notfqdn, nohost


def read_hosts(raw: str | None, zones: Iterable[str]) -> list[Host]:
    """The hosts of ``hostname``, each placed in its zone or marked with its answer."""
    listed = [h.strip() for h in (raw or "").split(",") if h.strip()]
    return [_host(h, zones) for h in listed[:MAX_HOSTS]]


def _host(raw: str, zones: Iterable[str]) -> Host:
    name = names.normalize_or_none(raw)
    if not name or not names.is_hostname(name) or names.is_wildcard(name):
        return Host(raw, problem="notfqdn")
    split = names.split_fqdn(name, zones)
    if split is None:
        return Host(raw, problem="nohost")
    zone, relative = split
    if names.record_name_problem(relative, zone) is not None:
        return Host(raw, problem="notfqdn")
    return Host(raw, zone, relative)


def read_addresses(raw: str | None) -> list[IPAddress] | None:
    """The addresses of ``myip`` (at most one of each family); ``[]`` when it is not given,
    ``None`` when it is not addresses."""
    if raw is None or not raw.strip():
        return []
    found: dict[int, IPAddress] = {}
    for part in raw.split(","):
        try:
            address = ipaddress.ip_address(part.strip())
        except ValueError:
            return None
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if address.version in found:
            return None
        found[address.version] = address
    return [found[v] for v in sorted(found)]


def record_type(address: IPAddress) -> str:
    return "A" if address.version == 4 else "AAAA"
