"""The JSON objects DNSimple answers with: account, zone, domain and record, and its timestamps.

Pure constructors: the caller hands in the ids and the time, so the shapes stay in one place
while ``EmulatorState`` keeps the counters and the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import idna

from dns_api.emulator.errors import Json
from dns_api.emulator.validation import record_defaults

_NAMESERVERS = tuple(f"ns{n}.dnsimple.com" for n in range(1, 5))
_SOA_TEMPLATE = "ns1.dnsimple.com admin.dnsimple.com {serial} 86400 7200 604800 300"


def iso(timestamp: float) -> str:
    """DNSimple's timestamp format: ISO-8601 UTC, whole seconds, trailing ``Z``."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def account(account_id: int, created_at: str) -> Json:
    """The account object of ``whoami`` and ``listAccounts``."""
    return {
        "id": account_id,
        "email": "emulator@example.com",
        "plan_identifier": "teams-v1-monthly",
        "created_at": created_at,
        "updated_at": created_at,
        "name": "Emulator Account",
    }


def zone(zone_id: int, account_id: int, name: str, now: str) -> Json:
    """A primary zone created at ``now``."""
    return {
        "id": zone_id,
        "account_id": account_id,
        "name": name,
        "reverse": name.endswith((".in-addr.arpa", ".ip6.arpa")),
        "secondary": False,
        "last_transferred_at": None,
        "active": True,
        "created_at": now,
        "updated_at": now,
    }


def domain(zone_json: Json) -> Json:
    """The Domain object of ``zone_json``: every zone is a domain hosted here, never registered,
    so it has no registrant and no expiry (``listDomains``/``getDomain`` fixtures' fields)."""
    return {
        "id": zone_json["id"],
        "account_id": zone_json["account_id"],
        "registrant_id": None,
        "name": zone_json["name"],
        "unicode_name": unicode_name(zone_json["name"]),
        "state": "hosted",
        "auto_renew": False,
        "private_whois": False,
        "trustee": False,
        "expires_on": None,
        "expires_at": None,
        "created_at": zone_json["created_at"],
        "updated_at": zone_json["updated_at"],
    }


def unicode_name(name: str) -> str:
    """``name`` with its ``xn--`` labels shown in Unicode; unchanged if they do not decode."""
    try:
        return str(idna.decode(name))
    except (idna.IDNAError, UnicodeError):
        return name


def record(record_id: int, zone_name: str, fields: Mapping[str, Any], now: str) -> Json:
    """A record of ``zone_name`` created at ``now`` from validated ``fields``."""
    return {
        "id": record_id,
        "zone_id": zone_name,
        "parent_id": None,
        "name": fields["name"],
        "content": fields["content"],
        "ttl": fields["ttl"],
        "priority": fields["priority"],
        "type": fields["type"],
        "regions": list(fields["regions"]),
        "system_record": False,
        "created_at": now,
        "updated_at": now,
    }


def system_record_fields(serial: int) -> list[Json]:
    """The fields of the SOA and NS records DNSimple puts at the apex of every new zone."""
    soa = _SOA_TEMPLATE.format(serial=serial)
    return [
        {**record_defaults(), "name": "", "type": rtype, "content": content}
        for rtype, content in [("SOA", soa), *(("NS", ns) for ns in _NAMESERVERS)]
    ]
