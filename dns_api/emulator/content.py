"""A record's ``content`` per type: what the emulator refuses and how it stores the rest.

Host names: CNAME, ALIAS and MX content is stored without its trailing dot and in lower case;
NS, PTR and SRV content is stored as sent. The dot: octoDNS's DNSimple provider sends these
names with the dot, adds one back to every CNAME, ALIAS and MX target it reads, and its
recorded DNSimple answers hold NS, PTR and SRV targets with the dot and CNAME and MX targets
without (``octodns-dnsimple`` ``tests/fixtures/dnsimple-page-*.json``). Lower case: assumed.
Every one of these must be a host name, not an IP address (DNSimple's CNAME, MX, NS and SRV
reference articles); MX and SRV also take ``.``, the null target. SRV content is
``weight port target``, the priority being a field of its own (same fixtures). CAA content is
``flags tag "value"`` (DNSimple's CAA format article). TXT and SPF content is quoted (``txt``).
The messages of these problems are the emulator's own (docs/emulator.md: assumed), except the
A and AAAA ones.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from dns_api.emulator.names import is_host_name
from dns_api.emulator.txt import QUOTED_TYPES, quote_text

NORMALISED_HOST_TYPES = frozenset({"CNAME", "ALIAS", "MX"})
HOST_TYPES = NORMALISED_HOST_TYPES | {"NS", "PTR"}
NULL_TARGET_TYPES = frozenset({"MX"})
MAX_16_BIT = 65535

_CAA = re.compile(r'(\d{1,3})[ \t]+([A-Za-z0-9]+)[ \t]+"((?:[^"\\]|\\.)*)"', re.DOTALL)
_NOT_A_HOST = "must be a host name such as host.example.com, not an IP address"


def content_problem(rtype: str, content: str) -> str | None:
    """Why ``content`` is not a valid value for a record of type ``rtype``, or None."""
    check = _CHECKS.get(rtype)
    if check is not None:
        return check(content)
    if rtype in HOST_TYPES:
        return _host_problem(content, null_allowed=rtype in NULL_TARGET_TYPES)
    return None


def normalize_content(rtype: str, content: str) -> str:
    """``content`` (already valid) as the emulator stores it for a record of type ``rtype``."""
    if rtype in QUOTED_TYPES:
        return quote_text(content)
    if rtype in NORMALISED_HOST_TYPES and content != ".":
        return content.removesuffix(".").lower()
    return content


def _host_problem(content: str, *, null_allowed: bool) -> str | None:
    if null_allowed and content == ".":
        return None
    return None if is_host_name(content) else _NOT_A_HOST


def _address_problem(version: int) -> Callable[[str], str | None]:
    def problem(content: str) -> str | None:
        try:
            address = ipaddress.ip_address(content)
        except ValueError:
            address = None
        if address is None or address.version != version:
            return f"is not a valid IPv{version} address"
        return None

    return problem


def _srv_problem(content: str) -> str | None:
    parts = content.split(" ")
    if len(parts) != 3 or not all(part.isascii() and part.isdigit() for part in parts[:2]):
        return "must be `weight port target`, such as `10 5060 sip.example.com` (priority apart)"
    if any(int(part) > MAX_16_BIT for part in parts[:2]):
        return f"must have a weight and a port from 0 to {MAX_16_BIT}"
    if parts[2] != "." and not is_host_name(parts[2]):
        return "must have a host name as its target, not an IP address"
    return None


def _caa_problem(content: str) -> str | None:
    match = _CAA.fullmatch(content)
    if match is None or int(match.group(1)) > 255:
        return 'must be `flags tag "value"`, such as `0 issue "letsencrypt.org"` (flags 0-255)'
    return None


_CHECKS: dict[str, Callable[[str], str | None]] = {
    "A": _address_problem(4),
    "AAAA": _address_problem(6),
    "SRV": _srv_problem,
    "CAA": _caa_problem,
}
