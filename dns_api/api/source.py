"""The address a request came from: the peer, or X-Forwarded-For behind a trusted proxy.

``TRUSTED_PROXIES`` is the only authority: ``dns-api serve`` turns uvicorn's own proxy-header
handling off, so the peer seen here is the socket's. Behind a trusted proxy the hops of
``X-Forwarded-For`` are read from the right (the proxy appends the address it saw), skipping
trusted hops; the first other hop is the client. Hops are parsed as IP addresses (a port or
IPv6 brackets are removed); a hop that is not an address makes the source unknown (``None``), so a
token limited to networks fails closed and nothing unchecked reaches the audit trail. IPv4
addresses seen through a dual-stack socket (``::ffff:192.0.2.1``) are given as IPv4. Parsed
addresses are remembered (a bounded cache: the same peers call again and again).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

from fastapi import Request

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_FORWARDED_HOPS = 20  # a longer chain is not one a real proxy setup writes


@functools.lru_cache(maxsize=4096)
def parse_address(text: str) -> IPAddress | None:
    """An address as proxies write it (``192.0.2.1``, ``192.0.2.1:5678``, ``[2001:db8::1]:80``),
    or ``None`` when it is not one."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class SourceResolver:
    """X-Forwarded-For is believed only when the peer is one of ``trusted_proxies``."""

    def __init__(self, trusted_proxies: Iterable[str]) -> None:
        self._trusted = tuple(ipaddress.ip_network(n) for n in trusted_proxies)

    def _is_trusted(self, address: IPAddress) -> bool:
        return any(address in network for network in self._trusted)

    def trusts(self, peer: str) -> bool:
        """Whether ``peer`` (a socket address) is one of the trusted proxies."""
        address = parse_address(peer)
        return address is not None and bool(self._trusted) and self._is_trusted(address)

    def __call__(self, request: Request) -> str | None:
        peer = parse_address(request.client.host) if request.client else None
        if peer is None:
            return None
        if not self._trusted or not self._is_trusted(peer):
            return str(peer)
        header = ",".join(request.headers.getlist("x-forwarded-for"))
        hops = [hop for hop in header.split(",") if hop.strip()]
        for hop in reversed(hops[-MAX_FORWARDED_HOPS:]):
            address = parse_address(hop)
            if address is None:
                return None  # the chain is not addresses: the client cannot be known
            if not self._is_trusted(address):
                return str(address)
        return str(peer)
