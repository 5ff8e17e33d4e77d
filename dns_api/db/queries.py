"""The queries the services need, one function each. Each runs inside ``Database.run``."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from dns_api.db.models import RecordRow


def record_by_id(session: Session, record_id: int) -> RecordRow | None:
    return session.get(RecordRow, record_id)


def records_by_key(session: Session, zone: str, name: str, type: str) -> Sequence[RecordRow]:
    query = select(RecordRow).where(
        RecordRow.zone == zone, RecordRow.name == name, RecordRow.type == type
    )
    return session.scalars(query.order_by(RecordRow.id)).all()


def records_page(session: Session, *, offset: int, limit: int) -> Sequence[RecordRow]:
    """Newest first, as the original service listed them."""
    query = select(RecordRow).order_by(RecordRow.id.desc()).offset(offset).limit(limit)
    return session.scalars(query).all()


def records_newest_first(session: Session) -> Sequence[RecordRow]:
    return session.scalars(select(RecordRow).order_by(RecordRow.id.desc())).all()
