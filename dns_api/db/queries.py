"""The queries the services need, one function each."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dns_api.db.models import RecordRow


async def record_by_id(session: AsyncSession, record_id: int) -> RecordRow | None:
    return await session.get(RecordRow, record_id)


async def records_by_key(
    session: AsyncSession, zone: str, name: str, type: str
) -> Sequence[RecordRow]:
    query = select(RecordRow).where(
        RecordRow.zone == zone, RecordRow.name == name, RecordRow.type == type
    )
    return (await session.scalars(query.order_by(RecordRow.id))).all()


async def records_page(session: AsyncSession, *, offset: int, limit: int) -> Sequence[RecordRow]:
    """Newest first, as the original service listed them."""
    query = select(RecordRow).order_by(RecordRow.id.desc()).offset(offset).limit(limit)
    return (await session.scalars(query)).all()
