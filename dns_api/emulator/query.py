"""The query string of DNSimple's list operations: filters, ``sort`` and pagination.

``page_of`` answers DNSimple's list shape, ``{"data": [...], "pagination": {...}}``; a ``sort``
on a field the operation does not offer is a 400, a bad ``page`` or ``per_page`` falls back to
the default.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from operator import itemgetter

from dns_api.emulator.errors import DnsimpleError, Json
from dns_api.emulator.validation import decimal

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100

Query = Mapping[str, str]


def filter_zones(zones: list[Json], query: Query) -> list[Json]:
    """The zones matching ``name_like`` (substring, any case)."""
    return [zone for zone in zones if _name_like(zone, query)]


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


def page_of(items: list[Json], query: Query, fields: tuple[str, ...], default_sort: str) -> Json:
    """The page asked for of ``items``, sorted by ``sort`` over ``fields`` (or ``default_sort``)."""
    items = _sorted(items, query.get("sort") or default_sort, fields)
    per_page = min(_positive_int(query.get("per_page"), DEFAULT_PER_PAGE), MAX_PER_PAGE)
    page = _positive_int(query.get("page"), 1)
    start = (page - 1) * per_page
    pagination = {
        "current_page": page,
        "per_page": per_page,
        "total_entries": len(items),
        "total_pages": math.ceil(len(items) / per_page),
    }
    return {"data": items[start : start + per_page], "pagination": pagination}


def _name_like(item: Json, query: Query) -> bool:
    like = query.get("name_like")
    return like is None or like.lower() in item["name"]


def _sorted(items: list[Json], spec: str, fields: tuple[str, ...]) -> list[Json]:
    """Sort by ``field:asc|desc[,...]``, the first field most significant (stable sorts)."""
    keys = [_sort_key(part, fields) for part in spec.split(",")]
    for field, descending in reversed(keys):
        items = sorted(items, key=itemgetter(field), reverse=descending)
    return items


def _sort_key(part: str, fields: tuple[str, ...]) -> tuple[str, bool]:
    field, _, direction = part.strip().partition(":")
    direction = direction.lower() or "asc"
    if field not in fields or direction not in ("asc", "desc"):
        raise DnsimpleError(400, f"Invalid sorting policy `{part}`")
    return field, direction == "desc"


def _positive_int(raw: str | None, default: int) -> int:
    number = None if raw is None else decimal(raw)
    return default if number is None or number < 1 else number
