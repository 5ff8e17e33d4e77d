"""The engine and its transactions. One ``Database`` per process, made by ``create_app``.

Each unit of work is a plain function run inside one transaction (``await database.run(work)``).

- PostgreSQL: on a worker thread, one thread hop per transaction (not one per statement), so the
  event loop never waits on the network.
- SQLite: on the event loop itself. A transaction on a local file takes well under a millisecond,
  less than a thread hop costs (about 0.4 ms here); and since no transaction awaits anything, the
  loop runs them one at a time, so they never wait on each other's locks. SQLite mode is one
  process (see the README); only another process writing the same file (a CLI command) could make
  a transaction wait, for at most ``busy_timeout``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from dns_api.db import urls
from dns_api.errors import StorageUnavailable

T = TypeVar("T")

POOL_SIZE = 10


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    """Owns the engine; runs short transactions. Never held across an upstream call."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        urls.ensure_sqlite_directory(url)
        options: dict[str, Any] = {"echo": echo, "pool_size": POOL_SIZE, "max_overflow": 0}
        if not urls.is_sqlite(url):
            # A server can drop idle connections; a local SQLite file cannot.
            options["pool_pre_ping"] = True
        self.engine: Engine = create_engine(urls.engine_url(url), **options)
        if urls.is_sqlite(url):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # As many threads as connections, so no thread ever waits for the pool.
        self._threads = anyio.CapacityLimiter(POOL_SIZE)
        self._inline = urls.is_sqlite(url)

    def transaction(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction on this thread: committed on success.

        Database failures surface as ``StorageUnavailable``.
        """
        try:
            with self._sessions() as session, session.begin():
                return work(session)
        except SQLAlchemyError as exc:
            raise StorageUnavailable(f"database error: {type(exc).__name__}") from exc

    async def run(self, work: Callable[[Session], T]) -> T:
        """``transaction(work)``: inline for SQLite, on a worker thread for PostgreSQL."""
        if self._inline:
            return self.transaction(work)
        return await anyio.to_thread.run_sync(self.transaction, work, limiter=self._threads)

    def dispose(self) -> None:
        self.engine.dispose()
