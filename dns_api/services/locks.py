"""Serialise writes to one record name: within this process, and across instances."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from dns_api.db.locks import AdvisoryLocks


class KeyedLocks:
    """One ``asyncio.Lock`` per key, created on demand and dropped when nobody holds it."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    @asynccontextmanager
    async def hold_all(self, keys: Iterable[Any]) -> AsyncIterator[None]:
        """Hold every key, taken in sorted order so two holders never wait on each other."""
        async with AsyncExitStack() as stack:
            for key in sorted(set(keys)):
                await stack.enter_async_context(self.hold(key))
            yield


class NameLocks:
    """The lock of each (zone, name) a write changes, for the whole write.

    Within the process an ``asyncio.Lock`` per name; with ``shared`` (PostgreSQL) also an
    advisory lock per name, so every instance sharing the database takes turns. Waiters of one
    process queue on the asyncio lock first, so each instance uses one connection per name.
    """

    def __init__(self, shared: AdvisoryLocks | None = None) -> None:
        self._local = KeyedLocks()
        self._shared = shared

    @asynccontextmanager
    async def hold(self, key: tuple[str, str]) -> AsyncIterator[None]:
        async with self.hold_all([key]):
            yield

    @asynccontextmanager
    async def hold_all(self, keys: Iterable[tuple[str, str]]) -> AsyncIterator[None]:
        wanted = sorted(set(keys))
        async with self._local.hold_all(wanted):
            if self._shared is None:
                yield
            else:
                async with self._shared.hold_all(wanted):
                    yield

    def dispose(self) -> None:
        if self._shared is not None:
            self._shared.dispose()
