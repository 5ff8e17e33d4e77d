"""Record-set input (a name, a type, a TTL and a list of values), checked in full. Pure code.

Used by the record-set API for one set (``PUT /zones/<zone>/rrsets/<name>/<type>``) and for each
item of a change list, where every field is reported with its place (``changes/2/records/0``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dns_api.domain.rdata import ContentError, Value, parse_value
from dns_api.domain.records import FieldNames, Problems, ZoneRules, check_key, check_ttl
from dns_api.domain.rrsets import SetKey
from dns_api.errors import FieldProblem

MAX_VALUES = 100
SINGLE_VALUE_TYPES = frozenset({"CNAME", "ALIAS"})


@dataclass(frozen=True, slots=True)
class SetFields:
    """Where each part of one set was given: ``prefix`` is ``""`` or ``changes/2/``."""

    prefix: str = ""
    name_location: str = "path"

    def key_fields(self) -> FieldNames:
        if self.name_location == "path":
            return FieldNames(type="type", zone="zone", name="name", location="path")
        p = self.prefix
        return FieldNames(type=f"{p}type", zone="zone", name=f"{p}name", location="body")


def check_set_key(
    rules: ZoneRules, problems: Problems, zone: str, name: str, type: str, fields: SetFields
) -> SetKey | None:
    key_problems = Problems(fields.key_fields())
    key = check_key(rules, key_problems, type, zone, name)
    problems.absorb(key_problems)
    return SetKey(key[1], key[2], key[0]) if key else None


def check_values(
    problems: Problems, key: SetKey | None, records: Sequence[str], fields: SetFields
) -> tuple[Value, ...] | None:
    """The canonical values (duplicates folded), or ``None`` with every problem added."""
    field = f"{fields.prefix}records"
    if not records:
        problems.items.append(_body(field, "must list at least one value (DELETE removes a set)"))
        return None
    if len(records) > MAX_VALUES:
        problems.items.append(_body(field, f"must list at most {MAX_VALUES} values"))
        return None
    if key is None:
        return None
    values: list[Value] = []
    for index, text in enumerate(records):
        try:
            values.append(parse_value(key.type, text))
        except ContentError as exc:
            problems.items.append(_body(f"{field}/{index}", str(exc)))
    unique = tuple(sorted(set(values)))
    if key.type in SINGLE_VALUE_TYPES and len(unique) > 1:
        problems.items.append(_body(field, f"must hold exactly one value for a {key.type} set"))
        return None
    return unique if len(values) == len(records) else None


def check_set_ttl(rules: ZoneRules, problems: Problems, ttl: int | None, fields: SetFields) -> bool:
    ttl_problems = Problems(FieldNames(ttl=f"{fields.prefix}ttl"))
    ok = check_ttl(rules, ttl_problems, ttl)
    problems.items.extend(ttl_problems.items)
    return ok


def _body(field: str, message: str) -> FieldProblem:
    return FieldProblem(field, message, "body")
