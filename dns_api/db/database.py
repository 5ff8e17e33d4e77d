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
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from dns_api.db import urls
from dns_api.errors import StorageUnavailable

T = TypeVar("T")

POOL_SIZE = 10
POOL_RECYCLE_SECONDS = 1800


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def describe_failure(exc: SQLAlchemyError, database_url: str) -> str:
    """Why the database refused, in the driver's words, without the URL's password."""
    cause = getattr(exc, "orig", None) or exc
    text = " ".join(str(cause).split()) or type(cause).__name__
    password = make_url(database_url).password
    if password:
        text = text.replace(str(password), "***")
    return f"{type(cause).__name__}: {text[:300]}"


class Database:
    """Owns the engine; runs short transactions. Never held across an upstream call."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        urls.ensure_sqlite_directory(url)
        options: dict[str, Any] = {"echo": echo, "pool_size": POOL_SIZE, "max_overflow": 0}
        if not urls.is_sqlite(url):
            # Replace connections before a server or proxy is likely to drop them idle; a
            # ping on every checkout would cost a round trip per request.
            options["pool_recycle"] = POOL_RECYCLE_SECONDS
        self.engine: Engine = create_engine(urls.engine_url(url), **options)
        # Single-statement reads (the token lookup of every request) get their own pool of
        # autocommit connections: no BEGIN/COMMIT and no reset round trips.
        self.read_engine: Engine = create_engine(
            urls.engine_url(url), isolation_level="AUTOCOMMIT", pool_reset_on_return=None, **options
        )
        if urls.is_sqlite(url):
            for engine in (self.engine, self.read_engine):
                event.listen(engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # No more threads than connections in a pool, so no thread ever waits for one.
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
            raise self._unavailable(exc) from exc

    def read_once(self, work: Callable[[Connection], T]) -> T:
        """Run a read of ONE statement without a transaction; retried once on a dropped link."""
        for attempt in (1, 2):
            try:
                with self.read_engine.connect() as connection:
                    return work(connection)
            except DBAPIError as exc:
                if attempt == 1 and exc.connection_invalidated:
                    continue
                raise self._unavailable(exc) from exc
            except SQLAlchemyError as exc:
                raise self._unavailable(exc) from exc
        raise AssertionError("unreachable")

    async def read(self, work: Callable[[Connection], T]) -> T:
        """``read_once(work)``: inline for SQLite, on a worker thread for PostgreSQL."""
        if self._inline:
            return self.read_once(work)
        return await anyio.to_thread.run_sync(self.read_once, work, limiter=self._threads)

    async def run(self, work: Callable[[Session], T]) -> T:
        """``transaction(work)``: inline for SQLite, on a worker thread for PostgreSQL."""
        if self._inline:
            return self.transaction(work)
        return await anyio.to_thread.run_sync(self.transaction, work, limiter=self._threads)

    def _unavailable(self, exc: SQLAlchemyError) -> StorageUnavailable:
        return StorageUnavailable(
            f"database error: {type(exc).__name__}", reason=describe_failure(exc, self.url)
        )

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()
