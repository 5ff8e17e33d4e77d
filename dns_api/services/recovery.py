"""Finish or undo the intents that their writer left pending (it crashed, or lost its database).

For each pending intent, oldest first: take the locks of its names (a live writer on another
instance still holds them, so its intent is left alone), look at DNSimple, and record what
DNSimple holds. An operation that happened is recorded (a create gets its row, an update its new
value, a delete loses its row); one that did not is dropped. So no record is left at DNSimple
without a row, and no row points at nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from dns_api.db import audit, queries
from dns_api.db.audit import Actor
from dns_api.db.database import Database
from dns_api.db.models import RecordRow
from dns_api.domain.rdata import Value
from dns_api.providers.base import DnsProvider, ProviderRecord
from dns_api.services.clock import utc_now
from dns_api.services.intents import DONE, FAILED, PENDING, UNDONE, Intent, IntentLog, close_in
from dns_api.services.locks import NameLocks
from dns_api.services.observe import Observation, observe

log = logging.getLogger(__name__)

RECOVERED = "recovered"  # the audit outcome of a change finished by recovery


@dataclass(frozen=True, slots=True)
class Resolution:
    intent_id: int
    zone: str
    status: str  # done (everything had happened), undone (nothing had), failed (a mix)
    applied: int
    not_applied: int
    changed_by_hand: int


class IntentRecovery:
    def __init__(
        self, database: Database, provider: DnsProvider, intents: IntentLog, locks: NameLocks
    ) -> None:
        self._db = database
        self._provider = provider
        self._intents = intents
        self._locks = locks

    async def recover(self, zone: str | None = None) -> list[Resolution]:
        """Resolve every pending intent (of ``zone``, if given); returns what was found."""
        resolutions = []
        for intent in await self._intents.pending():
            if zone is None or intent.zone == zone:
                resolution = await self._resolve(intent)
                if resolution is not None:
                    resolutions.append(resolution)
        return resolutions

    async def _resolve(self, intent: Intent) -> Resolution | None:
        names = {(intent.zone, str(op["name"])) for op in intent.operations}
        async with self._locks.hold_all(names):
            if await self._intents.status_of(intent.id) != PENDING:
                return None  # its writer finished it meanwhile
            zone_names = sorted(name for _, name in names)
            rows = await self._db.read(
                lambda c: queries.records_at_names(c, intent.zone, zone_names)
            )
            owned = {row.dnsimple_record_id for row in rows}
            seen = await observe(self._provider, intent.zone, intent.operations, owned)
            resolution = _resolution(intent, seen)
            await self._db.run(lambda session: _record(session, intent, seen, resolution))
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


def _record(
    session: Session, intent: Intent, seen: list[Observation], resolution: Resolution
) -> None:
    now = utc_now()
    actor = Actor(intent.actor)
    for observation in seen:
        operation, record = observation.operation, observation.record
        if observation.applied is not True:
            continue
        action = operation["action"]
        subject = {"zone": intent.zone, "name": operation["name"], "type": operation["type"]}
        if action == "create" and record is not None:
            new = _new_row(intent, operation, record)
            session.add(new)
            session.flush()
            after = {"value": _text(operation["type"], record), "ttl": record.ttl}
            _event(session, actor, "record:created", subject, new.id, record.id, after=after)
        elif action == "update" and record is not None:
            row = queries.record_for_update(session, int(operation["record_id"]))
            if row is not None:
                before = {"value": _text(row.type, row), "ttl": row.ttl}
                row.content, row.ttl, row.priority = record.content, record.ttl, record.priority
                row.updated_at, row.updated_by = now, intent.actor
                after = {"value": _text(row.type, row), "ttl": row.ttl}
                _event(session, actor, "record:updated", subject, row.id, record.id, before, after)
        elif action == "delete":
            gone = queries.record_for_update(session, int(operation["record_id"]))
            if gone is not None:
                before = {"value": _text(gone.type, gone), "ttl": gone.ttl}
                rid, did = gone.id, gone.dnsimple_record_id
                _event(session, actor, "record:deleted", subject, rid, did, before=before)
                session.delete(gone)
    note = f"resolved after its writer stopped: {resolution.applied} of {len(seen)} had happened"
    close_in(session, intent.id, resolution.status, note)


def _text(record_type: str, record: RecordRow | ProviderRecord) -> str:
    return Value(record.content, record.priority).text(record_type)


def _event(
    session: Session,
    actor: Actor,
    action: str,
    subject: dict[str, Any],
    record_id: int,
    dnsimple_record_id: int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    audit.add(
        session,
        action,
        actor=actor,
        outcome=RECOVERED,
        at=utc_now(),
        record_id=record_id,
        dnsimple_record_id=dnsimple_record_id,
        before=before,
        after=after,
        detail="finished after its writer stopped, by looking at DNSimple",
        **subject,
    )


def _new_row(intent: Intent, operation: dict[str, object], record: ProviderRecord) -> RecordRow:
    now = utc_now()
    return RecordRow(
        zone=intent.zone,
        name=str(operation["name"]),
        type=str(operation["type"]),
        content=record.content,
        ttl=record.ttl,
        priority=record.priority,
        dnsimple_record_id=record.id,
        created_at=now,
        updated_at=now,
        created_by=intent.actor,
        updated_by=intent.actor,
    )
