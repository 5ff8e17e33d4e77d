"""The queries the services need, one function each.

Reads take a ``Connection`` (``Database.read``: one statement, no transaction) and return Core
rows, which carry the same attribute names as the ORM classes at a fraction of the cost.
Writes take a ``Session`` (``Database.run``) and work on ORM objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, select
from sqlalchemy.orm import Session

from dns_api.db.models import RecordRow

RECORDS = RecordRow.__table__
_ALL = select(*RECORDS.c)


def record_for_update(session: Session, record_id: int) -> RecordRow | None:
    return session.get(RecordRow, record_id)


def record(connection: Connection, record_id: int) -> Row[Any] | None:
    return connection.execute(_ALL.where(RECORDS.c.id == record_id)).first()


def records_by_key(connection: Connection, zone: str, name: str, type: str) -> Sequence[Row[Any]]:
    query = _ALL.where(RECORDS.c.zone == zone, RECORDS.c.name == name, RECORDS.c.type == type)
    return connection.execute(query.order_by(RECORDS.c.id)).all()


def records_at_name(connection: Connection, zone: str, name: str) -> Sequence[Row[Any]]:
    """Every record at ``name``, of every type (the CNAME rule looks across types)."""
    query = _ALL.where(RECORDS.c.zone == zone, RECORDS.c.name == name)
    return connection.execute(query.order_by(RECORDS.c.type, RECORDS.c.id)).all()


SUBJECT = (RECORDS.c.zone, RECORDS.c.name, RECORDS.c.type)  # what grants are about


def set_keys(
    connection: Connection,
    zone: str,
    *,
    name: str | None = None,
    type: str | None = None,
    where: ColumnElement[bool] | None = None,
) -> Sequence[Any]:
    """The distinct (name, type) of ``zone``'s records, in name then type order."""
    query = select(RECORDS.c.name, RECORDS.c.type).where(RECORDS.c.zone == zone).distinct()
    if where is not None:
        query = query.where(where)
    if name is not None:
        query = query.where(RECORDS.c.name == name)
    if type is not None:
        query = query.where(RECORDS.c.type == type)
    return connection.execute(query.order_by(RECORDS.c.name, RECORDS.c.type)).all()


def records_at_names(connection: Connection, zone: str, names: list[str]) -> Sequence[Row[Any]]:
    query = _ALL.where(RECORDS.c.zone == zone, RECORDS.c.name.in_(names))
    return connection.execute(query.order_by(RECORDS.c.id)).all()


def records_page(connection: Connection, *, offset: int, limit: int) -> Sequence[Row[Any]]:
    """Newest first, as the original service listed them."""
    query = _ALL.order_by(RECORDS.c.id.desc()).offset(offset).limit(limit)
    return connection.execute(query).all()


def records_newest_first(
    connection: Connection, where: ColumnElement[bool], *, before_id: int | None, limit: int
) -> Sequence[Row[Any]]:
    """Up to ``limit`` records matching ``where``, newest first, older than ``before_id``."""
    query = _ALL.where(where)
    if before_id is not None:
        query = query.where(RECORDS.c.id < before_id)
    return connection.execute(query.order_by(RECORDS.c.id.desc()).limit(limit)).all()
