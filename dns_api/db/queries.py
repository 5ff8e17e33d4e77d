"""The queries the services need, one function each.

Reads take a ``Connection`` (``Database.read``: one statement, no transaction) and return Core
rows, which carry the same attribute names as the ORM classes at a fraction of the cost.
Writes take a ``Session`` (``Database.run``) and work on ORM objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, select
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


def records_page(connection: Connection, *, offset: int, limit: int) -> Sequence[Row[Any]]:
    """Newest first, as the original service listed them."""
    query = _ALL.order_by(RECORDS.c.id.desc()).offset(offset).limit(limit)
    return connection.execute(query).all()


def records_newest_first(connection: Connection) -> Sequence[Row[Any]]:
    return connection.execute(_ALL.order_by(RECORDS.c.id.desc())).all()
