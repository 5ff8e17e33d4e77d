"""The audit trail's use cases, and who the changes of this request are attributed to.

Who acted comes from the request (``act_as``, set by the API for each request: user, token,
source address, request id) or, outside a request, from the caller (``acting``, or the fallback
user given to ``current_actor``). Events are written by ``db.audit``, inside the transaction of
the change they record.

Reading the trail: admins see every event. Any other token sees only the record events of the
record sets it may read: never token events, never events without a zone. The database filters
by the token's grants (``db.visibility``); each event is then checked exactly, and a page keeps
fetching until it holds ``limit`` visible events or the trail ends.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from dns_api.db import audit as events
from dns_api.db.audit import Actor, Event, Filters

__all__ = ["Actor", "AuditTrail", "Event", "Filters", "act_as", "acting", "current_actor"]
from dns_api.db.database import Database
from dns_api.domain.policy import Action, Grant, Principal, decide, is_admin
from dns_api.services.clock import utc_now

HISTORY_BATCH = 500

_current: ContextVar[Actor | None] = ContextVar("dns_api_actor", default=None)


@contextmanager
def acting(actor: Actor) -> Iterator[None]:
    """Attribute the changes made inside to ``actor`` (a CLI command, a background task)."""
    token = _current.set(actor)
    try:
        yield
    finally:
        _current.reset(token)


def act_as(
    principal: Principal, source: str | None, request_id: str | None, via: str | None = None
) -> None:
    """For the rest of this request, changes are attributed to ``principal`` (``via`` a
    protocol endpoint, when one is named)."""
    _current.set(Actor(principal.user, principal.token_id, source, request_id, via))


def current_actor(fallback_user: str) -> Actor:
    actor = _current.get()
    if actor is None:
        return Actor(fallback_user)
    return actor


def visible(principal: Principal, event: Event) -> bool:
    """Whether ``principal`` may see ``event`` (see the module docstring)."""
    if is_admin(principal):
        return True
    if not event.action.startswith("record:") or event.zone is None:
        return False
    if event.name is None or event.type is None:
        return False
    return decide(principal, Action.READ, event.zone, event.name, event.type).allowed


class AuditTrail:
    """Records refusals; reads the trail as a principal may see it; prunes it."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def refused(
        self, principal: Principal, targets: Sequence[Mapping[str, str]], detail: str
    ) -> None:
        """Record a refused record write, one event per target (its own transaction: nothing
        else happened)."""
        actor, now = current_actor(principal.user), utc_now()
        await self._db.run(lambda s: events.add_refusals(s, actor, targets, detail, now))

    async def page(
        self, principal: Principal, filters: Filters, before_id: int | None, limit: int
    ) -> tuple[list[Event], int | None]:
        """Up to ``limit`` visible events older than ``before_id``, newest first, and the
        next cursor."""
        found: list[Event] = []
        cursor = before_id
        readable_by = None if is_admin(principal) else principal.grants
        while len(found) <= limit:
            batch = await self.search(
                filters, before_id=cursor, limit=limit + 1, readable_by=readable_by
            )
            found.extend(e for e in batch if visible(principal, e))
            if len(batch) <= limit:
                break
            cursor = batch[-1].id
        if len(found) > limit:
            return found[:limit], found[limit - 1].id
        return found, None

    async def history(self, principal: Principal, record_id: int) -> list[Event]:
        """Every visible event of the record ``record_id``, oldest first."""
        found: list[Event] = []
        cursor: int | None = None
        while True:
            batch = await self.search(
                Filters(record_id=record_id), before_id=cursor, limit=HISTORY_BATCH
            )
            found.extend(e for e in batch if visible(principal, e))
            if len(batch) < HISTORY_BATCH:
                return found[::-1]
            cursor = batch[-1].id

    async def search(
        self,
        filters: Filters,
        *,
        before_id: int | None = None,
        limit: int = 100,
        readable_by: tuple[Grant, ...] | None = None,
    ) -> list[Event]:
        """Events matching ``filters``, newest first (no visibility check: the CLI, admins)."""
        return await self._db.run(
            lambda s: events.search(
                s, filters, before_id=before_id, limit=limit, readable_by=readable_by
            )
        )

    async def get(self, event_id: int) -> Event | None:
        return await self._db.run(lambda s: events.get(s, event_id))

    async def prune(self, keep_days: int) -> int:
        """Delete events older than ``keep_days`` (the retention setting); returns how many."""
        cutoff = utc_now() - timedelta(days=keep_days)
        return await self._db.run(lambda s: events.prune(s, cutoff))
