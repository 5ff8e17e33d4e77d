"""Record input rules: what dns-api accepts, checked in full so every problem is reported at once.

Pure code: no I/O. ``validate_record`` turns raw input into a ``RecordSpec`` or raises
``ValidationFailed`` listing each broken rule with the field that broke it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from dns_api.domain import names
from dns_api.errors import FieldProblem, ValidationFailed

SUPPORTED_TYPES = ("A", "CNAME")
MAX_CONTENT_LENGTH = 1024


@dataclass(frozen=True, slots=True)
class ZoneRules:
    """The global rules of the deployment: which zones, which names are off limits."""

    zones: frozenset[str]
    denied_names: frozenset[str]
    default_ttl: int

    def refusal(self, zone: str, name: str) -> str | None:
        """Why the global rules forbid changing ``name`` in ``zone`` (normalised), or ``None``."""
        if zone not in self.zones:
            return f"zone {zone} is not managed by this service (DNSIMPLE_DOMAINS)"
        if name in self.denied_names:
            return f"{names.fqdn(name, zone)} is on the deny list of this service"
        return None

    @classmethod
    def build(cls, zones: list[str], denied: list[str], default_ttl: int) -> ZoneRules:
        return cls(
            zones=frozenset(names.normalize(z) for z in zones),
            denied_names=frozenset(names.normalize(d) for d in denied),
            default_ttl=default_ttl,
        )


@dataclass(frozen=True, slots=True)
class RecordSpec:
    """A validated, normalised record: ``name`` is relative to ``zone``."""

    zone: str
    name: str
    type: str
    content: str
    ttl: int

    @property
    def fqdn(self) -> str:
        return names.fqdn(self.name, self.zone)


@dataclass(frozen=True, slots=True)
class FieldNames:
    """How the caller spelled each field, and where it came from (``body``, ``path``)."""

    type: str = "domain_type"
    zone: str = "domain"
    name: str = "subdomain"
    content: str = "to"
    location: str = "body"


class _Problems:
    def __init__(self, fields: FieldNames) -> None:
        self.fields = fields
        self.items: list[FieldProblem] = []

    def add(self, field: str, message: str) -> None:
        self.items.append(FieldProblem(field, message, self.fields.location))


def parse_type(raw: str) -> str | None:
    value = raw.strip().upper()
    return value if value in SUPPORTED_TYPES else None


def parse_zone(raw: str, rules: ZoneRules) -> str | None:
    value = names.normalize_or_none(raw)
    return value if value in rules.zones else None


def validate_key(
    rules: ZoneRules, *, type: str, zone: str, name: str, fields: FieldNames | None = None
) -> tuple[str, str, str]:
    """Validate the (type, zone, name) that identifies a record; returns them normalised."""
    problems = _Problems(fields or FieldNames())
    key = _check_key(rules, problems, type, zone, name)
    if key is None:
        raise ValidationFailed(problems.items)
    return key


def validate_record(
    rules: ZoneRules,
    *,
    type: str,
    zone: str,
    name: str,
    content: str,
    fields: FieldNames | None = None,
) -> RecordSpec:
    """Validate a whole record; every broken rule is reported together."""
    problems = _Problems(fields or FieldNames())
    key = _check_key(rules, problems, type, zone, name)
    record_type = key[0] if key else parse_type(type)
    value = _check_content(problems, record_type, content)
    if key is None or value is None:
        raise ValidationFailed(problems.items)
    return RecordSpec(zone=key[1], name=key[2], type=key[0], content=value, ttl=rules.default_ttl)


def validate_content(record_type: str, content: str, fields: FieldNames | None = None) -> str:
    """Validate new content for an existing record of ``record_type``."""
    problems = _Problems(fields or FieldNames())
    value = _check_content(problems, record_type, content)
    if value is None:
        raise ValidationFailed(problems.items)
    return value


def _check_key(
    rules: ZoneRules, problems: _Problems, type: str, zone: str, name: str
) -> tuple[str, str, str] | None:
    fields = problems.fields
    record_type = parse_type(type)
    if record_type is None:
        problems.add(fields.type, f"must be one of {', '.join(SUPPORTED_TYPES)}")
    zone_name = parse_zone(zone, rules)
    if zone_name is None:
        problems.add(fields.zone, "is not a zone managed by this service (see GET /domains)")
    label = names.normalize_or_none(name) or ""
    if not names.is_subdomain_label(label):
        problems.add(
            fields.name,
            "must be a single DNS label of 1-63 letters, digits or inner hyphens",
        )
    elif label in rules.denied_names:
        problems.add(fields.name, "is on the deny list of this service")
    if record_type is None or zone_name is None or problems.items:
        return None
    return record_type, zone_name, label


def _check_content(problems: _Problems, record_type: str | None, content: str) -> str | None:
    field = problems.fields.content
    if not content.strip():
        problems.add(field, "must not be empty")
        return None
    if len(content) > MAX_CONTENT_LENGTH:
        problems.add(field, f"must be at most {MAX_CONTENT_LENGTH} characters")
        return None
    checker = _CONTENT_CHECKS.get(record_type or "")
    if checker is None:
        return None
    value, message = checker(content)
    if message:
        problems.add(field, message)
    return value


def _ipv4(content: str) -> tuple[str | None, str | None]:
    try:
        return str(ipaddress.IPv4Address(content.strip())), None
    except ValueError:
        return None, "must be an IPv4 address such as 192.0.2.10 for an A record"


def _hostname(content: str) -> tuple[str | None, str | None]:
    value = names.normalize_or_none(content) or ""
    if names.is_hostname(value):
        return value, None
    return None, "must be a host name such as app.example.org for a CNAME record"


_CONTENT_CHECKS: dict[str, Callable[[str], tuple[str | None, str | None]]] = {
    "A": _ipv4,
    "CNAME": _hostname,
}


@dataclass(frozen=True, slots=True)
class ManagedRecord:
    """A record dns-api manages, as stored."""

    id: int
    zone: str
    name: str
    type: str
    content: str
    ttl: int
    priority: int | None
    dnsimple_record_id: int
    created_at: datetime
    updated_at: datetime
    created_by: str

    @property
    def fqdn(self) -> str:
        return names.fqdn(self.name, self.zone)

    @property
    def domain_key(self) -> str:
        """The original service's key: ``TYPE::zone::name``."""
        return f"{self.type}::{self.zone}::{self.name}"
