"""What a principal may read, as a SQL condition: listings filter in the database, not in Python.

``readable`` turns the grants that hold ``read`` into a WHERE clause over a table's zone, name
and type columns. A name pattern becomes an equality, or a ``LIKE`` (``*`` and ``**`` as ``%``,
``_`` and ``%`` escaped) together with the number of dots the name must have (exactly, or at
least with ``**``). That is exact for most patterns and a close superset for the rest (a
wildcard record only some patterns may name), so callers still check each row with
``policy.decide``; what the database returns is at most a few rows more than what is shown.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, true

from dns_api.domain.names import APEX
from dns_api.domain.patterns import ANY, EVERY_NAME, NamePattern
from dns_api.domain.policy import Action, Grant

_LIKE_ESCAPE = "\\"


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace(EVERY_NAME, "%").replace(ANY, "%")


def _dots(column: ColumnElement[Any]) -> ColumnElement[int]:
    return func.length(column) - func.length(func.replace(column, ".", ""))


def name_clause(pattern: NamePattern, name: ColumnElement[Any]) -> ColumnElement[bool]:
    """Names ``pattern`` may match (exactly, or a close superset; see the module docstring)."""
    text = pattern.text
    if text == EVERY_NAME:
        return true()
    if text == APEX:
        return name == ""
    if ANY not in text:
        return name == text
    labels = text.split(".")
    fixed_dots = len(labels) - 1
    dots = _dots(name)
    count = dots >= fixed_dots if EVERY_NAME in labels else dots == fixed_dots
    return and_(name != "", name.like(_like(text), escape=_LIKE_ESCAPE), count)


def _grant_clause(
    grant: Grant,
    zone: ColumnElement[Any],
    name: ColumnElement[Any],
    type: ColumnElement[Any],
) -> ColumnElement[bool]:
    parts = [or_(*(name_clause(p, name) for p in grant.names))]
    if ANY not in grant.zones:
        parts.append(zone.in_(sorted(grant.zones)))
    if ANY not in grant.types:
        parts.append(type.in_(sorted(grant.types)))
    return and_(*parts)


def readable(
    grants: tuple[Grant, ...],
    zone: ColumnElement[Any],
    name: ColumnElement[Any],
    type: ColumnElement[Any],
) -> ColumnElement[bool]:
    """Rows whose (zone, name, type) some grant with ``read`` may cover."""
    clauses = [_grant_clause(g, zone, name, type) for g in grants if Action.READ in g.actions]
    return or_(*clauses) if clauses else false()
