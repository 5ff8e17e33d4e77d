"""Record validation with DNSimple's rules and wording.

``validate_record`` turns a createZoneRecord or updateZoneRecord body into the record's new
fields, or raises a 400 ``Validation failed`` that lists every problem found at once, keyed like
DNSimple (``record_type`` for the type; ``base`` for a record matching one the zone holds,
worded as in DNSimple's batch example of ``openapi.yml``), including the CNAME exclusivity
rules; ``check_record`` does the same without raising (the batch collects the problems of every
operation). Names follow ``names``, content ``content``; docs/emulator.md gives the source of
every rule and message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from dns_api.emulator.content import MAX_16_BIT, content_problem, normalize_content
from dns_api.emulator.errors import DnsimpleError, Errors, Json
from dns_api.emulator.names import record_name_problem

RECORD_TYPES = frozenset(
    {"A", "AAAA", "ALIAS", "CAA", "CNAME", "DNSKEY", "DS", "HINFO", "MX", "NAPTR"}
    | {"NS", "POOL", "PTR", "SOA", "SPF", "SRV", "SSHFP", "TXT", "URL"}
)
REGIONS = frozenset({"global", "SV1", "ORD", "IAD", "AMS", "TKO", "SYD", "CDG", "FRA"})
DEFAULT_TTL = 3600
TYPES_WITH_PRIORITY = frozenset({"MX", "SRV"})
ALREADY_EXISTS = "Matching record already exists for this zone"

Parser = Callable[[Any], tuple[Any, str | None]]


def record_defaults() -> Json:
    """The optional fields of a new record, as DNSimple fills them in (a fresh dict each time)."""
    return {"ttl": DEFAULT_TTL, "priority": None, "regions": ["global"]}


def decimal(text: str) -> int | None:
    """The value of ``text`` if it is an unsigned ASCII decimal number, else None."""
    return int(text) if text.isdigit() and text.isascii() else None


def validate_record(
    body: Mapping[str, Any], *, base: Json | None, zone: str, zone_records: Iterable[Json]
) -> Json:
    """The fields of a record of ``zone`` created (``base`` None) or updated (``base`` = the
    record) from ``body``, checked against the other records of the zone; 400 ``Validation
    failed`` if not."""
    candidate, errors = check_record(body, base=base, zone=zone, zone_records=zone_records)
    if errors:
        raise DnsimpleError(400, "Validation failed", errors)
    return candidate


def check_record(
    body: Mapping[str, Any], *, base: Json | None, zone: str, zone_records: Iterable[Json]
) -> tuple[Json, Errors]:
    """``validate_record`` without raising: the candidate fields and every problem found."""
    candidate, errors = parse_record_fields(body, base=base, zone=zone)
    if errors.keys() & {"name", "record_type"}:
        return candidate, errors
    exclude_id = None if base is None else base["id"]
    others = [r for r in zone_records if r["id"] != exclude_id]
    comparable = not errors.keys() & {"content", "priority"}
    if comparable and any(_matches(candidate, other) for other in others):
        _add(errors, "base", ALREADY_EXISTS)  # what a retried create meets, not the CNAME rule
    else:
        _add(errors, "name", _cname_problem(candidate, others))
    return candidate, errors


def parse_record_fields(
    body: Mapping[str, Any], *, base: Json | None, zone: str
) -> tuple[Json, Errors]:
    """Merge a create (``base`` None) or update (``base`` = the record) body into a candidate.

    Returns the candidate fields and every problem found, keyed like DNSimple (``record_type``
    for the type). On update, ``type`` is not updatable: repeating the record's own is allowed
    (external-dns sends it), any other is refused. Content given in ``body`` is checked and
    normalised for its type (``content``).
    """
    errors: Errors = {}
    fields: tuple[str, ...]
    if base is None:
        candidate, fields = record_defaults(), _CREATE_FIELDS
    else:
        candidate, fields = {key: base[key] for key in (*_UPDATE_FIELDS, "type")}, _UPDATE_FIELDS
        if "type" in body and _type_name(body["type"]) != base["type"]:
            _add(errors, "record_type", "cannot be changed")
    for name in fields:
        if name in body:
            value, problem = _FIELD_PARSERS[name](body[name])
            _store(candidate, errors, name, value, problem)
        elif base is None and name in _REQUIRED:
            _store(candidate, errors, name, None, _REQUIRED[name])
    if "name" in body and "name" not in errors:
        _add(errors, "name", record_name_problem(candidate["name"], zone))
    if "content" in body and "content" not in errors and "record_type" not in errors:
        _add(errors, "content", content_problem(candidate["type"], candidate["content"]))
        candidate["content"] = normalize_content(candidate["type"], candidate["content"])
    return candidate, errors


def _store(candidate: Json, errors: Errors, name: str, value: Any, problem: str | None) -> None:
    if problem is None:
        candidate[name] = value
    else:
        _add(errors, "record_type" if name == "type" else name, problem)


def _add(errors: Errors, key: str, problem: str | None) -> None:
    if problem is not None:
        errors.setdefault(key, []).append(problem)


# -- one parser per field: (value, None) or (None, DNSimple's complaint) --------------------------


def _parse_name(value: Any) -> tuple[Any, str | None]:
    if value is None:
        return None, "can't be blank"
    if not isinstance(value, str):
        return None, "is invalid"
    return value.lower(), None


def _type_name(value: Any) -> str | None:
    return value.upper() if isinstance(value, str) else None


def _parse_type(value: Any) -> tuple[Any, str | None]:
    if value is None or value == "":
        return None, "can't be blank"
    rtype = _type_name(value)
    return (rtype, None) if rtype in RECORD_TYPES else (None, "unsupported")


def _parse_content(value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, str) or not value.strip():
        return None, "can't be blank"
    return value, None


def _parse_integer(value: Any, maximum: int | None = None) -> tuple[Any, str | None]:
    if isinstance(value, str) and (number := decimal(value)) is not None:
        value = number
    if isinstance(value, bool) or not isinstance(value, int):
        return None, "is not a number"
    if value < 0:
        return None, "must be greater than or equal to 0"
    if maximum is not None and value > maximum:
        return None, f"must be less than or equal to {maximum}"
    return value, None


def _parse_priority(value: Any) -> tuple[Any, str | None]:
    return _parse_integer(value, MAX_16_BIT)


def _parse_regions(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, list) and value and all(r in REGIONS for r in value):
        return list(value), None
    return None, "is invalid"


def _or_default(name: str, parse: Parser) -> Parser:
    """``parse``, except that null puts the field back to its default."""

    def parse_or_default(value: Any) -> tuple[Any, str | None]:
        return (record_defaults()[name], None) if value is None else parse(value)

    return parse_or_default


_FIELD_PARSERS: dict[str, Parser] = {
    "name": _parse_name,
    "type": _parse_type,
    "content": _parse_content,
    "ttl": _or_default("ttl", _parse_integer),
    "priority": _or_default("priority", _parse_priority),
    "regions": _or_default("regions", _parse_regions),
}
_CREATE_FIELDS = ("name", "type", "content", "ttl", "priority", "regions")
_UPDATE_FIELDS = ("name", "content", "ttl", "priority", "regions")
# A missing name is "can't be null" (quoted from DNSimple in dnsimple-python#451; "" is the apex).
_REQUIRED = {"name": "can't be null", "type": "can't be blank", "content": "can't be blank"}


# -- rules that look beyond one record ------------------------------------------------------------


def _matches(candidate: Json, other: Json) -> bool:
    """Whether ``other`` is the same record: name, type, content and, for MX and SRV, the
    priority (what "matching" covers is assumed; TTL and regions do not count)."""
    keys = ["name", "type", "content"]
    if candidate["type"] in TYPES_WITH_PRIORITY:
        keys.append("priority")
    return all(candidate[key] == other[key] for key in keys)


def _cname_problem(candidate: Json, others: list[Json]) -> str | None:
    """DNSimple's CNAME exclusivity: a CNAME owns its name, and never sits at the apex."""
    same_name = [r for r in others if r["name"] == candidate["name"]]
    if candidate["type"] == "CNAME":
        if candidate["name"] == "":
            return "CNAME records cannot be added at the zone apex"
        if same_name:
            return "Zone already contains other records at this name"
    elif any(r["type"] == "CNAME" for r in same_name):
        return "Zone already contains a CNAME record at this name"
    return None
