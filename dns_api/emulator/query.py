"""The query string of DNSimple's list operations: filters, ``sort`` and pagination.

``page_of`` answers DNSimple's list shape, ``{"data": [...], "pagination": {...}}``. A ``sort``
on a field the operation does not offer is a 400, and so is a ``page`` that is not a whole
number from 1 or a ``per_page`` that is not one from 1 to 100 (docs/emulator.md: assumed). A
page past the last is empty and an empty list has one page, as will_paginate (whose names
DNSimple's pagination object uses) counts them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from operator import itemgetter
from typing import Any

from dns_api.emulator.errors import DnsimpleError, Json
from dns_api.emulator.validation import decimal

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100

Query = Mapping[str, str]
SortKeys = Mapping[str, Callable[[Json], Any]]
"""The fields a list can be sorted by, each with the key that sorts it."""


def sort_keys(*fields: str) -> SortKeys:
    """Sorting on each of ``fields`` by its value."""
    return {field: itemgetter(field) for field in fields}


ZONE_SORTS = sort_keys("id", "name")
RECORD_SORTS = sort_keys("id", "name", "content", "type")
DOMAIN_SORTS: SortKeys = {
    **sort_keys("id", "name"),
    # no hosted domain expires: those without a date sort after the others (assumed)
    "expiration": lambda domain: (domain["expires_at"] is None, domain["expires_at"] or ""),
}


def filter_zones(zones: list[Json], query: Query) -> list[Json]:
    """The zones (or domains) matching ``name_like`` (substring, any case)."""
    return [zone for zone in zones if _name_like(zone, query)]


def filter_domains(domains: list[Json], query: Query) -> list[Json]:
    """The domains matching ``name_like`` (substring, any case) and ``registrant_id``."""
    registrant = query.get("registrant_id")
    return [
        domain
        for domain in filter_zones(domains, query)
        if registrant is None or str(domain["registrant_id"]) == registrant
    ]


def filter_records(records: list[Json], query: Query) -> list[Json]:
    """The records matching ``name`` exact (``name=`` is the apex), ``name_like`` substring and
    ``type`` exact; no case."""
    name, rtype = query.get("name"), query.get("type")
    return [
        record
        for record in records
        if (name is None or record["name"] == name.lower())
        and _name_like(record, query)
        and (rtype is None or record["type"] == rtype.upper())
    ]


def page_of(items: list[Json], query: Query, sorts: SortKeys, default_sort: str) -> Json:
    """The page asked for of ``items``, sorted by ``sort`` over ``sorts`` (or ``default_sort``)."""
    per_page = _paging_number(query, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    page = _paging_number(query, "page", 1, None)
    items = _sorted(items, query.get("sort") or default_sort, sorts)
    start = (page - 1) * per_page
    pagination = {
        "current_page": page,
        "per_page": per_page,
        "total_entries": len(items),
        "total_pages": max(1, math.ceil(len(items) / per_page)),
    }
    return {"data": items[start : start + per_page], "pagination": pagination}


def _name_like(item: Json, query: Query) -> bool:
    like = query.get("name_like")
    return like is None or like.lower() in item["name"]


def _sorted(items: list[Json], spec: str, sorts: SortKeys) -> list[Json]:
    """Sort by ``field:asc|desc[,...]``, the first field most significant (stable sorts)."""
    keys = [_sort_key(part, sorts) for part in spec.split(",")]
    for key, descending in reversed(keys):
        items = sorted(items, key=key, reverse=descending)
    return items


def _sort_key(part: str, sorts: SortKeys) -> tuple[Callable[[Json], Any], bool]:
    field, _, direction = part.strip().partition(":")
    direction = direction.lower() or "asc"
    if field not in sorts or direction not in ("asc", "desc"):
        raise DnsimpleError(400, f"Invalid sorting policy `{part}`")
    return sorts[field], direction == "desc"


def _paging_number(query: Query, name: str, default: int, maximum: int | None) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    number = decimal(raw)
    if number is None or number < 1 or (maximum is not None and number > maximum):
        bounds = f"from 1 to {maximum}" if maximum is not None else "from 1"
        raise DnsimpleError(400, f"Invalid {name} `{raw}`: it must be a whole number {bounds}")
    return number
