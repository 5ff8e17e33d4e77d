"""Record input rules: what dns-api accepts, checked in full so every problem is reported at once.

Pure code: no I/O. One entry point per thing validated: ``validate_key`` (the type, zone and
name of a record), ``validate_record`` (a whole record) and ``validate_value`` (a new value for
a record). Each returns the normalised input or raises ``ValidationFailed`` listing each broken
rule with the logical field that broke it (``dns_api.domain.problems.Field``); the edges spell
those fields their own way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dns_api.domain import names
from dns_api.domain.problems import Field, Problems
from dns_api.domain.rdata import SUPPORTED_TYPES, ContentError, Value, parse_value

MAX_CONTENT_LENGTH = 4096
DEFAULT_MIN_TTL = 60
DEFAULT_MAX_TTL = 86400


@dataclass(frozen=True, slots=True)
class ZoneRules:
    """The global rules of the deployment: which zones, which names are off limits, TTL bounds."""

    zones: frozenset[str]
    denied_names: frozenset[str]
    default_ttl: int
    min_ttl: int = DEFAULT_MIN_TTL
    max_ttl: int = DEFAULT_MAX_TTL

    def refusal(self, zone: str, name: str) -> str | None:
        """Why the global rules forbid changing ``name`` in ``zone`` (normalised), or ``None``."""
        if zone not in self.zones:
            return f"zone {zone} is not managed by this service (DNSIMPLE_DOMAINS)"
        if self.is_denied(name):
            return f"{names.fqdn(name, zone)} is on the deny list of this service"
        return None

    def is_denied(self, name: str) -> bool:
        """Whether ``name`` is a denied name, lies beneath one (``v2.api`` under ``api``), or is
        a wildcard that could answer for one (``*`` when ``api`` is denied)."""
        if not self.denied_names:
            return False
        labels = name.split(".")
        if any(".".join(labels[i:]) in self.denied_names for i in range(len(labels))):
            return True
        if names.is_wildcard(name):
            parent = name.removeprefix(names.WILDCARD).removeprefix(".")
            return any(not parent or d.endswith("." + parent) for d in self.denied_names)
        return False

    def ttl_problem(self, ttl: int) -> str | None:
        if self.min_ttl <= ttl <= self.max_ttl:
            return None
        return f"must be a whole number of seconds from {self.min_ttl} to {self.max_ttl}"

    def inner_zone(self, zone: str, name: str) -> str | None:
        """A configured zone, other than ``zone``, that ``name`` in ``zone`` belongs to."""
        if not name:
            return None
        owner = names.zone_of(names.fqdn(name, zone), self.zones)
        return owner if owner != zone else None

    @classmethod
    def build(
        cls,
        zones: list[str],
        denied: list[str],
        default_ttl: int,
        *,
        min_ttl: int = DEFAULT_MIN_TTL,
        max_ttl: int = DEFAULT_MAX_TTL,
    ) -> ZoneRules:
        return cls(
            zones=frozenset(names.normalize(z) for z in zones),
            denied_names=frozenset(d for d in (names.normalize(d) for d in denied) if d),
            default_ttl=default_ttl,
            min_ttl=min_ttl,
            max_ttl=max_ttl,
        )


@dataclass(frozen=True, slots=True)
class RecordSpec:
    """A validated, normalised record: ``name`` is relative to ``zone``."""

    zone: str
    name: str
    type: str
    value: Value
    ttl: int | None  # None: keep the set's TTL, or the default for a new set

    @property
    def content(self) -> str:
        return self.value.content

    @property
    def priority(self) -> int | None:
        return self.value.priority

    @property
    def fqdn(self) -> str:
        return names.fqdn(self.name, self.zone)


def parse_type(raw: str) -> str | None:
    value = raw.strip().upper()
    return value if value in SUPPORTED_TYPES else None


def parse_zone(raw: str, rules: ZoneRules) -> str | None:
    value = names.normalize_or_none(raw)
    return value if value in rules.zones else None


def validate_key(rules: ZoneRules, *, type: str, zone: str, name: str) -> SetKey:
    """Validate the type, zone and name that identify a record (and its set), normalised."""
    problems = Problems()
    key = check_key(rules, problems, type, zone, name)
    if key is None:
        raise problems.error()
    return key


def validate_record(
    rules: ZoneRules,
    *,
    type: str,
    zone: str,
    name: str,
    content: str,
    ttl: int | None = None,
    priority: int | None = None,
) -> RecordSpec:
    """Validate a whole record; every broken rule is reported together."""
    problems = Problems()
    key = check_key(rules, problems, type, zone, name)
    record_type = key.type if key else parse_type(type)
    value = _check_value(problems, record_type, content, priority)
    ttl_ok = check_ttl(rules, problems, ttl)
    if key is None or value is None or not ttl_ok:
        raise problems.error()
    return RecordSpec(zone=key.zone, name=key.name, type=key.type, value=value, ttl=ttl)


@dataclass(frozen=True, slots=True)
class ValueInput:
    """A new value for an existing record, as given: content, priority and TTL."""

    content: str
    priority: int | None = None
    ttl: int | None = None


def validate_value(rules: ZoneRules, record_type: str, given: ValueInput) -> Value:
    """Validate a new value (and TTL) for a record of ``record_type``; every problem at once."""
    problems = Problems()
    value = _check_value(problems, record_type, given.content, given.priority)
    check_ttl(rules, problems, given.ttl)
    if value is None or problems.items:
        raise problems.error()
    return value


def check_key(
    rules: ZoneRules, problems: Problems, type: str, zone: str, name: str
) -> SetKey | None:
    """The normalised key, or ``None`` with the problems added (for the validators of records
    and of record sets)."""
    before = len(problems.items)
    record_type = parse_type(type)
    if record_type is None:
        problems.add(Field.TYPE, f"must be one of {', '.join(SUPPORTED_TYPES)}")
    zone_name = parse_zone(zone, rules)
    if zone_name is None:
        problems.add(Field.ZONE, "is not a zone managed by this service (see GET /zones)")
    relative = _check_name(rules, problems, zone_name or "", name, record_type)
    if relative == "" and record_type == "CNAME":
        problems.add(Field.NAME, "cannot be the zone apex for a CNAME record (use ALIAS)")
    if record_type is None or zone_name is None or relative is None:
        return None
    if len(problems.items) > before:
        return None
    return SetKey(zone_name, relative, record_type)


def _check_name(
    rules: ZoneRules, problems: Problems, zone: str, raw: str, record_type: str | None
) -> str | None:
    field = Field.NAME
    try:
        name = names.relative_name(raw, zone)
    except names.InvalidName as exc:
        problems.add(field, str(exc) if str(exc).startswith("is ") else f"is not a DNS name: {exc}")
        return None
    problem = names.record_name_problem(name, zone)
    if problem is not None:
        problems.add(field, problem)
        return None
    inner = rules.inner_zone(zone, name) if zone else None
    if inner is not None:
        problems.add(field, f"belongs to the zone {inner}: use that zone")
        return None
    if rules.is_denied(name):
        message = "is on the deny list of this service (or a wildcard that would answer for it)"
        if zone:
            target = {"zone": zone, "name": name, "type": record_type or "", "action": "write"}
            problems.refuse(field, message, target)
        else:
            problems.add(field, message)
        return None
    return name


def _check_value(
    problems: Problems, record_type: str | None, content: str, priority: int | None
) -> Value | None:
    field = Field.CONTENT
    if len(content) > MAX_CONTENT_LENGTH:
        problems.add(field, f"must be at most {MAX_CONTENT_LENGTH} characters")
        return None
    if record_type is None:
        if not content.strip():
            problems.add(field, "must not be empty")
        return None
    try:
        return parse_value(record_type, content, priority)
    except ContentError as exc:
        where = Field.PRIORITY if exc.about_priority else field
        problems.add(where, str(exc))
        return None


def check_ttl(rules: ZoneRules, problems: Problems, ttl: int | None) -> bool:
    """Whether ``ttl`` (``None``: not given) is within the configured bounds."""
    problem = None if ttl is None else rules.ttl_problem(ttl)
    if problem is not None:
        problems.add(Field.TTL, problem)
    return problem is None


@dataclass(frozen=True, slots=True, order=True)
class SetKey:
    """One record set: ``name`` relative to ``zone`` (``""`` is the apex), ``type`` upper case."""

    zone: str
    name: str
    type: str

    @property
    def fqdn(self) -> str:
        return names.fqdn(self.name, self.zone)

    def label(self) -> str:
        return f"{self.type} {self.fqdn}"


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
    updated_by: str = ""  # who changed it last ("": not known)
    origin: str = "created"  # made by dns-api; "adopted" by an admin; "imported" from the original

    @property
    def fqdn(self) -> str:
        return names.fqdn(self.name, self.zone)

    @property
    def value(self) -> Value:
        return Value(self.content, self.priority)

    @property
    def key(self) -> SetKey:
        return SetKey(self.zone, self.name, self.type)

    @property
    def domain_key(self) -> str:
        """The original service's key: ``TYPE::zone::name``."""
        return f"{self.type}::{self.zone}::{self.name or '@'}"
