"""Carry out a ``Plan``: at DNSimple first, then in the database, never half of it.

1. The plan is written down as a pending intent (``db.intents``): if the process dies mid-way,
   the next start finds it and finishes or undoes it (``services.recovery``).
2. DNSimple makes the change (``services.upstream_writes``: batch, or one by one).
3. What DNSimple now holds is recorded, with its audit events, in the transaction that closes
   the intent (``db.ledger``).

When DNSimple fails part-way, or the database cannot take the outcome, what was done is undone
at DNSimple (``services.undo``), what could not be undone is recorded, and the intent is closed
``failed`` (``undone`` when nothing stayed); an operation whose fate is unknown goes to a new
pending intent.
"""

from __future__ import annotations

import logging

from dns_api.db import intents, ledger
from dns_api.db.audit import PARTIAL, Actor
from dns_api.db.database import Database
from dns_api.db.intents import DONE, FAILED, UNDONE, Closing
from dns_api.db.ledger import Effect, Recording
from dns_api.domain.operations import Plan
from dns_api.domain.records import ManagedRecord
from dns_api.errors import DnsApiError, StorageUnavailable
from dns_api.providers.base import DnsProvider
from dns_api.services.audit import current_actor
from dns_api.services.clock import utc_now
from dns_api.services.undo import undo
from dns_api.services.upstream_writes import PartlyApplied, UpstreamWriter

log = logging.getLogger(__name__)


class PlanRunner:
    """Runs the plans of every record service (see the module docstring)."""

    def __init__(self, database: Database, provider: DnsProvider, writer: UpstreamWriter) -> None:
        self._db = database
        self._provider = provider
        self._writer = writer

    async def run(self, zone: str, plan: Plan, actor: str) -> list[ManagedRecord]:
        """Apply ``plan`` in ``zone``; returns the records created and updated, as stored."""
        if plan.is_empty:
            return []
        who = current_actor(actor)  # read here: a transaction may run on another thread
        now = utc_now()
        intent_id = await self._db.run(
            lambda s: intents.open_intent(s, zone, plan.operations, actor, now)
        )
        try:
            effects = await self._writer.apply(zone, plan)
        except PartlyApplied as failure:
            await self._after_failure(who, zone, intent_id, failure)
            raise failure.cause from None
        done = Recording(who, zone, closing=Closing(intent_id, DONE))
        try:
            return await self._record(effects, done)
        except StorageUnavailable as exc:
            await self._after_failure(who, zone, intent_id, PartlyApplied(exc, effects))
            raise

    async def _after_failure(
        self, who: Actor, zone: str, intent_id: int, failure: PartlyApplied
    ) -> None:
        """Undo what was done, record what stays, close the intent (see the module docstring)."""
        left = await undo(self._provider, zone, failure.done)
        closing = _closing(intent_id, failure.cause, stayed=bool(left or failure.unresolved))
        how = Recording(
            who,
            zone,
            outcome=PARTIAL,
            detail=closing.note if closing.status == FAILED else None,
            closing=closing,
            unresolved=failure.unresolved,
        )
        try:
            await self._record(left, how)
        except StorageUnavailable:
            log.error("could not record a failed change; it is finished at the next start")

    async def _record(self, effects: list[Effect], how: Recording) -> list[ManagedRecord]:
        now = utc_now()
        return await self._db.run(lambda s: ledger.record(s, effects, how, now))


def _closing(intent_id: int, cause: DnsApiError, *, stayed: bool) -> Closing:
    if stayed:
        return Closing(
            intent_id, FAILED, f"some changes could not be undone at DNSimple ({cause.code})"
        )
    return Closing(intent_id, UNDONE, f"nothing of it stayed at DNSimple ({cause.code})")
