"""Record input rules: what dns-api accepts, checked in full so every problem is reported at once.

Pure code: no I/O. ``validate_record`` turns raw input into a ``RecordSpec`` or raises
``ValidationFailed`` listing each broken rule with the field that broke it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dns_api.domain import names
from dns_api.domain.rdata import SUPPORTED_TYPES, ContentError, Value, parse_value
from dns_api.errors import FieldProblem, ValidationFailed

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


@dataclass(frozen=True, slots=True)
class FieldNames:
    """How the caller spelled each field, and where it came from (``body``, ``path``)."""

    type: str = "domain_type"
    zone: str = "domain"
    name: str = "subdomain"
    content: str = "to"
    ttl: str = "ttl"
    priority: str = "priority"
    location: str = "body"


class Problems:
    """Every problem found in one input, reported together."""

    def __init__(self, fields: FieldNames) -> None:
        self.fields = fields
        self.items: list[FieldProblem] = []
        self.refused: list[dict[str, str]] = []  # targets a global rule forbids (audited)

    def add(self, field: str, message: str) -> None:
        self.items.append(FieldProblem(field, message, self.fields.location))

    def refuse(self, field: str, message: str, target: dict[str, str]) -> None:
        """A problem that is a refused write (the deny list): reported, and audited."""
        self.add(field, message)
        self.refused.append(target)

    def absorb(self, other: Problems) -> None:
        self.items.extend(other.items)
        self.refused.extend(other.refused)

    def error(self) -> ValidationFailed:
        return ValidationFailed(self.items, refused=tuple(self.refused))

    def raise_if_any(self) -> None:
        if self.items:
            raise self.error()


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
    problems = Problems(fields or FieldNames())
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
    fields: FieldNames | None = None,
) -> RecordSpec:
    """Validate a whole record; every broken rule is reported together."""
    problems = Problems(fields or FieldNames())
    key = check_key(rules, problems, type, zone, name)
    record_type = key[0] if key else parse_type(type)
    value = check_value(problems, record_type, content, priority)
    ttl_ok = check_ttl(rules, problems, ttl)
    if key is None or value is None or not ttl_ok:
        raise problems.error()
    return RecordSpec(zone=key[1], name=key[2], type=key[0], value=value, ttl=ttl)


@dataclass(frozen=True, slots=True)
class ValueInput:
    """A new value for an existing record, as given: content, priority and TTL."""

    content: str
    priority: int | None = None
    ttl: int | None = None


def validate_value(
    rules: ZoneRules, record_type: str, given: ValueInput, fields: FieldNames | None = None
) -> Value:
    """Validate a new value (and TTL) for a record of ``record_type``; every problem at once."""
    problems = Problems(fields or FieldNames())
    value = check_value(problems, record_type, given.content, given.priority)
    check_ttl(rules, problems, given.ttl)
    if value is None or problems.items:
        raise problems.error()
    return value


def check_key(
    rules: ZoneRules, problems: Problems, type: str, zone: str, name: str
) -> tuple[str, str, str] | None:
    """The normalised (type, zone, name), or ``None`` with the problems added."""
    fields = problems.fields
    before = len(problems.items)
    record_type = parse_type(type)
    if record_type is None:
        problems.add(fields.type, f"must be one of {', '.join(SUPPORTED_TYPES)}")
    zone_name = parse_zone(zone, rules)
    if zone_name is None:
        problems.add(fields.zone, "is not a zone managed by this service (see GET /zones)")
    relative = _check_name(rules, problems, zone_name or "", name, record_type)
    if relative == "" and record_type == "CNAME":
        problems.add(fields.name, "cannot be the zone apex for a CNAME record (use ALIAS)")
    if record_type is None or zone_name is None or relative is None:
        return None
    if len(problems.items) > before:
        return None
    return record_type, zone_name, relative


def _check_name(
    rules: ZoneRules, problems: Problems, zone: str, raw: str, record_type: str | None
) -> str | None:
    field = problems.fields.name
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


def check_value(
    problems: Problems, record_type: str | None, content: str, priority: int | None
) -> Value | None:
    field = problems.fields.content
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
        where = problems.fields.priority if exc.about_priority else field
        problems.add(where, str(exc))
        return None


def check_ttl(rules: ZoneRules, problems: Problems, ttl: int | None) -> bool:
    """Whether ``ttl`` (``None``: not given) is within the configured bounds."""
    problem = None if ttl is None else rules.ttl_problem(ttl)
    if problem is not None:
        problems.add(problems.fields.ttl, problem)
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
