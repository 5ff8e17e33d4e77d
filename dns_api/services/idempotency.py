"""``Idempotency-Key`` storage as use cases: claim a key, then store the answer or let go of it.

``IdempotencyKeys`` is what ``dns_api.api.idempotency`` (the middleware) uses; each method is one
short transaction of ``dns_api.db.idempotency``, which decides what a key's row allows. Every
``cleanup_every``-th claim also deletes the expired rows of every caller. A caller holds at most
``max_keys`` live keys (``IDEMPOTENCY_MAX_KEYS``). The values a claim deals in (``KeyedRequest``,
``Claim``, ``Verdict``, ``Lease``) are re-exported here for the middleware.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from dns_api.db import idempotency as keys_db
from dns_api.db.database import Database
from dns_api.db.idempotency import Claim, KeyedRequest, Lease, Verdict

__all__ = ["CLEANUP_EVERY", "Claim", "IdempotencyKeys", "KeyedRequest", "Lease", "Verdict"]

CLEANUP_EVERY = 100  # claims between two deletions of the expired rows of every caller


def _now() -> datetime:
    # Microseconds: ``created_at`` is also the token of the lease.
    return datetime.now(UTC)


class IdempotencyKeys:
    """Claims keys for requests, and stores or forgets what they answered."""

    def __init__(
        self,
        database: Database,
        max_keys: int,
        *,
        clock: Callable[[], datetime] = _now,
        cleanup_every: int = CLEANUP_EVERY,
    ) -> None:
        self._db = database
        self.max_keys = max_keys
        self._clock = clock
        self._cleanup_every = cleanup_every
        self._claims = 0

    async def claim(self, request: KeyedRequest) -> Claim:
        """Claim ``request``'s key, or say why it may not run (``StorageUnavailable``: the
        database failed, and nothing was claimed)."""
        self._claims += 1
        clean = self._claims % self._cleanup_every == 0
        now = self._clock()
        return await self._db.run(
            lambda session: keys_db.claim(
                session, request, now, clean=clean, max_keys=self.max_keys
            )
        )

    async def finish(self, lease: Lease, status_code: int, body: str) -> bool:
        """Store the answer to replay; ``False`` when the lease was lost (taken over)."""
        return await self._db.run(lambda session: keys_db.finish(session, lease, status_code, body))

    async def release(self, lease: Lease) -> None:
        """Forget the claim, so a retry with the same key runs again."""
        await self._db.run(lambda session: keys_db.release(session, lease))
