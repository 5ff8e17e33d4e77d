"""Finish or undo the intents that their writer left pending (it crashed, or lost its database).

For each pending intent, oldest first: take the locks of its names (a live writer on another
instance still holds them, so its intent is left alone), look at DNSimple (``services.probing``),
and record what DNSimple holds (``db.ledger``). An operation that happened is recorded (a create
gets its row, an update its new value, a delete loses its row); one that did not is dropped. So
no record is left at DNSimple without a row, and no row points at nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from dns_api.db import intents, ledger, records
from dns_api.db.audit import RECOVERED, Actor
from dns_api.db.database import Database
from dns_api.db.intents import DONE, FAILED, PENDING, UNDONE, Closing, Intent
from dns_api.db.ledger import Effect, Recording
from dns_api.providers.base import DnsProvider
from dns_api.services.clock import utc_now
from dns_api.services.locks import NameLocks
from dns_api.services.probing import Observation, observe

log = logging.getLogger(__name__)

DETAIL = "finished after its writer stopped, by looking at DNSimple"


@dataclass(frozen=True, slots=True)
class Resolution:
    intent_id: int
    zone: str
    status: str  # done (everything had happened), undone (nothing had), failed (a mix)
    applied: int
    not_applied: int
    changed_by_hand: int


class IntentRecovery:
    def __init__(self, database: Database, provider: DnsProvider, locks: NameLocks) -> None:
        self._db = database
        self._provider = provider
        self._locks = locks

    async def recover(self, zone: str | None = None) -> list[Resolution]:
        """Resolve every pending intent (of ``zone``, if given); returns what was found."""
        resolutions = []
        for intent in await self._db.run(intents.pending):
            if zone is None or intent.zone == zone:
                resolution = await self._resolve(intent)
                if resolution is not None:
                    resolutions.append(resolution)
        return resolutions

    async def pending_count(self) -> int:
        """How many writes are unfinished (in flight, or left by a writer that stopped)."""
        return await self._db.read(intents.count_pending)

    async def _resolve(self, intent: Intent) -> Resolution | None:
        names = {(intent.zone, op.key.name) for op in intent.operations}
        async with self._locks.hold_all(names):
            if await self._db.run(lambda s: intents.status_of(s, intent.id)) != PENDING:
                return None  # its writer finished it meanwhile
            zone_names = sorted(name for _, name in names)
            owned = await self._db.read(lambda c: records.at_names(c, intent.zone, zone_names))
            seen = await observe(
                self._provider,
                intent.zone,
                intent.operations,
                {r.dnsimple_record_id for r in owned},
            )
            resolution = _resolution(intent, seen)
            await self._record(intent, seen, resolution)
        log.warning(
            "intent %s (%s) left pending was resolved: %s (%d happened, %d had not, %d changed "
            "by hand)",
            intent.id,
            intent.zone,
            resolution.status,
            resolution.applied,
            resolution.not_applied,
            resolution.changed_by_hand,
        )
        return resolution

    async def _record(
        self, intent: Intent, seen: list[Observation], resolution: Resolution
    ) -> None:
        happened = [Effect(o.operation, o.record) for o in seen if o.applied is True]
        note = (
            f"resolved after its writer stopped: {resolution.applied} of {len(seen)} had happened"
        )
        how = Recording(
            Actor(intent.actor),
            intent.zone,
            outcome=RECOVERED,
            detail=DETAIL,
            closing=Closing(intent.id, resolution.status, note),
        )
        now = utc_now()
        await self._db.run(lambda s: ledger.record(s, happened, how, now))


def _resolution(intent: Intent, seen: list[Observation]) -> Resolution:
    applied = sum(1 for o in seen if o.applied is True)
    not_applied = sum(1 for o in seen if o.applied is False)
    by_hand = sum(1 for o in seen if o.applied is None)
    if applied == len(seen):
        status = DONE
    elif not_applied == len(seen):
        status = UNDONE
    else:
        status = FAILED
    return Resolution(intent.id, intent.zone, status, applied, not_applied, by_hand)
