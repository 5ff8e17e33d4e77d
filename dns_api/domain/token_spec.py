"""Turning what a person or a script asks for into a ``TokenRequest``. Pure code.

Every problem is reported at once, each naming its field (``grants/0/zones``, ``expires``...).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from dns_api.domain.delegation import TokenRequest
from dns_api.domain.names import normalize_or_none
from dns_api.domain.patterns import ANY, InvalidPattern, NamePattern
from dns_api.domain.policy import Action, Grant
from dns_api.domain.rdata import SUPPORTED_TYPES
from dns_api.domain.records import ZoneRules
from dns_api.errors import FieldProblem, ValidationFailed

GRANT_FIELDS = ("zones", "names", "types", "actions")
MAX_GRANTS = 20
MAX_ITEMS = 50
MAX_NETWORKS = 20
MAX_LIFETIME = timedelta(days=3650)
_DURATION = re.compile(r"\s*(\d{1,6})\s*([smhdw])\s*")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """``90s``, ``15m``, ``1h``, ``30d``, ``2w``. Raises ``ValueError``."""
    match = _DURATION.fullmatch(text)
    if match is None:
        raise ValueError("must be a duration such as 1h, 30d or 2w")
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds > MAX_LIFETIME.total_seconds():
        raise ValueError("must be within ten years")
    return timedelta(seconds=seconds)


def parse_expiry(value: str | None, now: datetime) -> datetime | None:
    """A duration from now (``30d``) or an ISO-8601 time with a zone; ``None``: never expires."""
    if value is None or value == "":
        return None
    try:
        moment = now + parse_duration(value)
    except ValueError:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("must be a duration (1h, 30d) or an ISO-8601 time") from None
        if moment.tzinfo is None:
            raise ValueError("an ISO-8601 time needs a zone, e.g. 2027-01-01T00:00:00Z") from None
    if moment <= now:
        raise ValueError("must be in the future")
    if moment - now > MAX_LIFETIME:
        raise ValueError("must be within ten years")
    return moment.astimezone(UTC).replace(microsecond=0)


def parse_networks(values: Sequence[str]) -> tuple[str, ...]:
    """CIDRs (IPv4 or IPv6; a bare address is a /32 or /128), normalised."""
    if len(values) > MAX_NETWORKS:
        raise ValueError(f"at most {MAX_NETWORKS} networks")
    try:
        return tuple(
            dict.fromkeys(str(ipaddress.ip_network(v.strip(), strict=False)) for v in values)
        )
    except ValueError:
        raise ValueError(
            "each entry must be an IPv4 or IPv6 network such as 192.0.2.0/24"
        ) from None


def _strings(raw: Any, field: str, problems: list[FieldProblem]) -> list[str]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw or not all(isinstance(v, str) for v in raw):
        problems.append(FieldProblem(field, "must be a non-empty list of strings"))
        return []
    if len(raw) > MAX_ITEMS:
        problems.append(FieldProblem(field, f"must hold at most {MAX_ITEMS} entries"))
        return []
    return raw


def _check_grant(raw: Any, at: str, rules: ZoneRules, problems: list[FieldProblem]) -> Grant | None:
    if not isinstance(raw, dict):
        problems.append(FieldProblem(at, "must be an object with zones, names, types, actions"))
        return None
    before = len(problems)
    problems.extend(
        FieldProblem(f"{at}/{key}", "is not a grant field (zones, names, types, actions)")
        for key in raw
        if key not in GRANT_FIELDS
    )
    zones = _strings(raw.get("zones"), f"{at}/zones", problems)
    names = _strings(raw.get("names"), f"{at}/names", problems)
    types = _strings(raw.get("types"), f"{at}/types", problems)
    actions = _strings(raw.get("actions"), f"{at}/actions", problems)
    unknown_zones = [
        z for z in zones if z.strip() != ANY and normalize_or_none(z) not in rules.zones
    ]
    if unknown_zones:
        problems.append(
            FieldProblem(f"{at}/zones", f"not managed here: {', '.join(unknown_zones)}")
        )
    bad_types = [t for t in types if t.strip() != ANY and t.strip().upper() not in SUPPORTED_TYPES]
    if bad_types:
        problems.append(FieldProblem(f"{at}/types", f"must be {', '.join(SUPPORTED_TYPES)} or *"))
    bad_actions = [a for a in actions if a.strip().lower() not in {str(x) for x in Action}]
    if bad_actions:
        problems.append(
            FieldProblem(f"{at}/actions", "must be read, create, update, delete or register")
        )
    for pattern in names:
        try:
            NamePattern.parse(pattern)
        except InvalidPattern as exc:
            problems.append(FieldProblem(f"{at}/names", str(exc)))
    if len(problems) > before:
        return None
    return Grant.build(zones=zones, names=names, types=types, actions=actions)


def token_request(
    *,
    grants: Any,
    expires: str | None,
    networks: Sequence[str],
    can_mint: bool,
    rules: ZoneRules,
    now: datetime,
) -> TokenRequest:
    """Validate a whole token request; ``ValidationFailed`` lists every problem."""
    problems: list[FieldProblem] = []
    parsed: list[Grant] = []
    if not isinstance(grants, list) or not grants or len(grants) > MAX_GRANTS:
        problems.append(FieldProblem("grants", f"must be a list of 1 to {MAX_GRANTS} grants"))
    else:
        for index, raw in enumerate(grants):
            grant = _check_grant(raw, f"grants/{index}", rules, problems)
            if grant is not None:
                parsed.append(grant)
    expires_at = _collect(lambda: parse_expiry(expires, now), "expires", problems)
    cidrs = _collect(lambda: parse_networks(networks), "cidrs", problems)
    if problems:
        raise ValidationFailed(problems)
    return TokenRequest(
        grants=tuple(parsed), expires_at=expires_at, networks=cidrs or (), can_mint=can_mint
    )


def _collect(parse: Any, field: str, problems: list[FieldProblem]) -> Any:
    try:
        return parse()
    except ValueError as exc:
        problems.append(FieldProblem(field, str(exc)))
        return None
