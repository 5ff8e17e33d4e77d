"""Reads of the ``records`` table (the records dns-api owns), as the domain's ``ManagedRecord``.

Each read takes a ``Connection`` (``Database.read``: one statement, no transaction) and selects
Core rows, which cost a fraction of ORM objects. ``readable_by`` narrows a read to what some
grants may read (``db.visibility``); callers still check each record exactly. Writes to the table
are ``db.ledger``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, or_, select

from dns_api.db import visibility
from dns_api.db.models import RecordRow
from dns_api.domain.policy import Grant
from dns_api.domain.records import ManagedRecord

RECORDS = RecordRow.__table__
_ALL = select(*RECORDS.c)
_SUBJECT = (RECORDS.c.zone, RECORDS.c.name, RECORDS.c.type)  # what grants are about


def managed(row: Any) -> ManagedRecord:
    """A row of the table (Core or ORM: the same attribute names) as a ``ManagedRecord``."""
    return ManagedRecord(
        id=row.id,
        zone=row.zone,
        name=row.name,
        type=row.type,
        content=row.content,
        ttl=row.ttl,
        priority=row.priority,
        dnsimple_record_id=row.dnsimple_record_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
        updated_by=row.updated_by,
        origin=row.origin,
    )


def _all(connection: Connection, query: Select[Any]) -> list[ManagedRecord]:
    return [managed(row) for row in connection.execute(query)]


def by_id(connection: Connection, record_id: int) -> ManagedRecord | None:
    row = connection.execute(_ALL.where(RECORDS.c.id == record_id)).first()
    return managed(row) if row is not None else None


def of_set(connection: Connection, zone: str, name: str, type: str) -> list[ManagedRecord]:
    query = _ALL.where(RECORDS.c.zone == zone, RECORDS.c.name == name, RECORDS.c.type == type)
    return _all(connection, query.order_by(RECORDS.c.id))


def at_names(connection: Connection, zone: str, names: Sequence[str]) -> list[ManagedRecord]:
    """Every record, of every type, at ``names`` in ``zone`` (the CNAME rule looks across
    types), oldest first."""
    query = _ALL.where(RECORDS.c.zone == zone, RECORDS.c.name.in_(list(names)))
    return _all(connection, query.order_by(RECORDS.c.id))


def of_zone(connection: Connection, zone: str) -> list[ManagedRecord]:
    query = _ALL.where(RECORDS.c.zone == zone)
    return _all(connection, query.order_by(RECORDS.c.name, RECORDS.c.type, RECORDS.c.id))


def set_keys(
    connection: Connection,
    zone: str,
    *,
    name: str | None = None,
    type: str | None = None,
    readable_by: tuple[Grant, ...] | None = None,
    after: tuple[str, str] | None = None,
    limit: int | None = None,
) -> list[tuple[str, str]]:
    """The distinct (name, type) of ``zone``'s records in code-point order, after ``after``,
    at most ``limit`` of them: one index range, however deep the page."""
    name_col, type_col = (
        _code_point(connection, RECORDS.c.name),
        _code_point(connection, RECORDS.c.type),
    )
    # DISTINCT with ORDER BY: the ordered (collated) expressions are what is selected.
    query = select(name_col.label("name"), type_col.label("type"))
    query = query.where(RECORDS.c.zone == zone).distinct()
    if readable_by is not None:
        query = query.where(visibility.readable(readable_by, *_SUBJECT))
    if name is not None:
        query = query.where(RECORDS.c.name == name)
    if type is not None:
        query = query.where(RECORDS.c.type == type)
    if after is not None:
        # name >= first: a range on the (zone, name, type) index; the OR alone is a scan.
        query = query.where(
            name_col >= after[0],
            or_(name_col > after[0], and_(name_col == after[0], type_col > after[1])),
        )
    query = query.order_by(name_col, type_col)
    if limit is not None:
        query = query.limit(limit)
    return [(row.name, row.type) for row in connection.execute(query)]


def _code_point(connection: Connection, column: ColumnElement[str]) -> ColumnElement[str]:
    """``column`` compared as Python compares strings: PostgreSQL's "C" collation (byte order
    of UTF-8 is code-point order); SQLite's default (BINARY) already is."""
    if connection.dialect.name == "postgresql":
        return column.collate("C")
    return column


def page(connection: Connection, *, offset: int, limit: int) -> list[ManagedRecord]:
    """Newest first, as the original service listed them."""
    return _all(connection, _ALL.order_by(RECORDS.c.id.desc()).offset(offset).limit(limit))


def readable_newest_first(
    connection: Connection, grants: tuple[Grant, ...], *, before_id: int | None, limit: int
) -> list[ManagedRecord]:
    """Up to ``limit`` records that ``grants`` may read, newest first, older than
    ``before_id`` (the database filter may let a few more through: check each)."""
    where: ColumnElement[bool] = visibility.readable(grants, *_SUBJECT)
    query = _ALL.where(where)
    if before_id is not None:
        query = query.where(RECORDS.c.id < before_id)
    return _all(connection, query.order_by(RECORDS.c.id.desc()).limit(limit))


def owned_among(connection: Connection, dnsimple_ids: Sequence[int]) -> list[ManagedRecord]:
    """The records that own any of these DNSimple records."""
    query = _ALL.where(RECORDS.c.dnsimple_record_id.in_(list(dnsimple_ids)))
    return _all(connection, query.order_by(RECORDS.c.id))
