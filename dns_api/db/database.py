"""The async engine and sessions. One ``Database`` per process, made by ``create_app``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from dns_api.db import urls
from dns_api.errors import StorageUnavailable


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    """Owns the engine; hands out short transactions. Never held across an upstream call."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        urls.ensure_sqlite_directory(url)
        options: dict[str, Any] = {"echo": echo}
        if not urls.is_sqlite(url):
            # A server can drop idle connections; a local SQLite file cannot.
            options.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(urls.async_url(url), **options)
        if urls.is_sqlite(url):
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error.

        Database failures surface as ``StorageUnavailable``.
        """
        try:
            async with self._sessions() as session, session.begin():
                yield session
        except SQLAlchemyError as exc:
            raise StorageUnavailable(f"database error: {type(exc).__name__}") from exc

    async def dispose(self) -> None:
        await self.engine.dispose()
