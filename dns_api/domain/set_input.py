"""Record-set input (a name, a type, a TTL and a list of values), checked in full. Pure code.

``validate_set`` checks a set as it must be (``PUT /zones/<zone>/rrsets/<name>/<type>``, or a
``replace`` item of a change list), ``validate_removal`` a ``delete`` item of a change list;
the key alone is ``records.validate_key``. Problems name logical fields (``Field``): the key's
``type``, ``zone`` and ``name``, ``values`` (with the index of a bad value) and ``ttl``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dns_api.domain.problems import Field, Problems
from dns_api.domain.rdata import ContentError, Value, parse_value
from dns_api.domain.records import ZoneRules, check_key, check_ttl
from dns_api.domain.rrsets import SetKey

MAX_VALUES = 100
SINGLE_VALUE_TYPES = frozenset({"CNAME", "ALIAS"})


@dataclass(frozen=True, slots=True)
class SetInput:
    """A valid record set as asked for: canonical values (duplicates folded), TTL if given."""

    key: SetKey
    values: tuple[Value, ...]
    ttl: int | None


def validate_set(
    rules: ZoneRules, *, zone: str, name: str, type: str, records: Sequence[str], ttl: int | None
) -> SetInput:
    """Validate a whole set; every broken rule is reported together."""
    problems = Problems()
    key = check_key(rules, problems, type, zone, name)
    values = _check_values(problems, key, records)
    ttl_ok = check_ttl(rules, problems, ttl)
    if key is None or values is None or not ttl_ok:
        raise problems.error()
    return SetInput(key, values, ttl)


def validate_removal(
    rules: ZoneRules,
    *,
    zone: str,
    name: str,
    type: str,
    records: Sequence[str] | None,
    ttl: int | None,
) -> SetKey:
    """Validate the set a removal names; a removal carries neither values nor a TTL."""
    problems = Problems()
    key = check_key(rules, problems, type, zone, name)
    if records is not None:
        problems.add(Field.VALUES, "must not be given with delete")
    if ttl is not None:
        problems.add(Field.TTL, "must not be given with delete")
    if key is None or problems.items:
        raise problems.error()
    return key


def _check_values(
    problems: Problems, key: SetKey | None, records: Sequence[str]
) -> tuple[Value, ...] | None:
    """The canonical values (duplicates folded), or ``None`` with every problem added."""
    if not records:
        problems.add(Field.VALUES, "must list at least one value (DELETE removes a set)")
        return None
    if len(records) > MAX_VALUES:
        problems.add(Field.VALUES, f"must list at most {MAX_VALUES} values")
        return None
    if key is None:
        return None
    values: list[Value] = []
    for index, text in enumerate(records):
        try:
            values.append(parse_value(key.type, text))
        except ContentError as exc:
            problems.add(Field.VALUES, str(exc), index=index)
    unique = tuple(sorted(set(values)))
    if key.type in SINGLE_VALUE_TYPES and len(unique) > 1:
        problems.add(Field.VALUES, f"must hold exactly one value for a {key.type} set")
        return None
    return unique if len(values) == len(records) else None
