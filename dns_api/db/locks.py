"""Locks that every instance sharing a PostgreSQL database respects: advisory locks.

A write holds the lock of each name it changes for its whole length, DNSimple call included,
on a connection of its own (never one that runs queries). A session-level advisory lock dies
with its connection, so an instance that crashes cannot leave a name locked.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import anyio
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from dns_api.db import urls
from dns_api.errors import StorageUnavailable

log = logging.getLogger(__name__)

DEFAULT_WAIT_SECONDS = 30
POOL_SIZE = 20


def lock_id(key: tuple[str, str]) -> int:
    """A stable signed 64-bit id for a (zone, name) key."""
    digest = hashlib.blake2b("\x00".join(key).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class AdvisoryLocks:
    def __init__(self, url: str, *, wait_seconds: int = DEFAULT_WAIT_SECONDS) -> None:
        self._engine = create_engine(
            urls.engine_url(url),
            isolation_level="AUTOCOMMIT",
            pool_size=POOL_SIZE,
            max_overflow=0,
            pool_recycle=1800,
        )
        self._wait_ms = int(wait_seconds * 1000)
        self._threads = anyio.CapacityLimiter(POOL_SIZE)

    @asynccontextmanager
    async def hold_all(self, keys: Iterable[tuple[str, str]]) -> AsyncIterator[None]:
        """Hold the lock of every key (taken in a fixed order, so holders never deadlock)."""
        ids = sorted({lock_id(key) for key in keys})
        connection = await anyio.to_thread.run_sync(self._acquire, ids, limiter=self._threads)
        try:
            yield
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self._release, connection, limiter=self._threads)

    def _acquire(self, ids: list[int]) -> Connection:
        try:
            connection = self._engine.connect()
        except SQLAlchemyError as exc:
            raise StorageUnavailable(f"database error: {type(exc).__name__}") from exc
        try:
            connection.execute(text(f"SET lock_timeout = {self._wait_ms}"))
            for lock in ids:
                connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": lock})
        except SQLAlchemyError as exc:
            connection.invalidate()  # closing the session frees any lock already taken
            connection.close()
            raise StorageUnavailable(
                "another dns-api instance is changing this name; try again shortly"
            ) from exc
        return connection

    @staticmethod
    def _release(connection: Connection) -> None:
        try:
            connection.execute(text("SELECT pg_advisory_unlock_all()"))
            connection.close()
        except SQLAlchemyError:
            log.warning("could not release advisory locks; dropping the connection")
            connection.invalidate()
            connection.close()

    def dispose(self) -> None:
        self._engine.dispose()
