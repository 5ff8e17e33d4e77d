"""Named marks on a database (``database_marks``): ``demo`` for one that demo mode filled; and
whether a database holds records or tokens at all."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from dns_api.db.models import DatabaseMarkRow, RecordRow, TokenRow

DEMO = "demo"


def has_mark(connection: Connection, name: str) -> bool:
    query = select(DatabaseMarkRow.name).where(DatabaseMarkRow.name == name)
    return connection.execute(query).first() is not None


def holds_data(connection: Connection) -> bool:
    """Whether the database holds records or tokens."""
    for table in (RecordRow, TokenRow):
        if connection.execute(select(table.id).limit(1)).first() is not None:
            return True
    return False


def what_it_holds(connection: Connection) -> tuple[bool, bool]:
    """(marked demo, holds data without the demo mark)."""
    demo = has_mark(connection, DEMO)
    return demo, not demo and holds_data(connection)


def set_mark(session: Session, name: str, now: datetime) -> None:
    if session.get(DatabaseMarkRow, name) is None:
        session.add(DatabaseMarkRow(name=name, set_at=now))
