"""Intents: every change is written down before DNSimple is called, and closed after.

An intent row holds the zone and the operations of one plan, each as a plain dict (what to
create; which record to change, from what to what; which record to delete). It is ``pending``
while DNSimple is being called, then ``done`` (in the same transaction that records the
outcome), ``undone`` (nothing of it stayed at DNSimple) or ``failed`` (DNSimple and the
database may disagree: ``dns-api reconcile`` shows how). A ``pending`` row whose writer died is
finished or undone by ``services.recovery``, by looking at DNSimple.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dns_api.db.database import Database
from dns_api.db.models import IntentRow
from dns_api.domain.rrsets import Plan
from dns_api.services.clock import utc_now

PENDING, DONE, UNDONE, FAILED = "pending", "done", "undone", "failed"


@dataclass(frozen=True, slots=True)
class Intent:
    id: int
    zone: str
    status: str
    operations: list[dict[str, Any]]
    actor: str


def operations_of(plan: Plan) -> list[dict[str, Any]]:
    """The plan as plain data, enough to find out later whether each step happened."""
    operations: list[dict[str, Any]] = []
    for delete in plan.deletes:
        record = delete.record
        operations.append(
            {
                "action": "delete",
                "record_id": record.id,
                "dnsimple_record_id": record.dnsimple_record_id,
                "name": record.name,
                "type": record.type,
                "content": record.content,
                "priority": record.priority,
                "ttl": record.ttl,
            }
        )
    for update in plan.updates:
        record = update.record
        operations.append(
            {
                "action": "update",
                "record_id": record.id,
                "dnsimple_record_id": record.dnsimple_record_id,
                "name": record.name,
                "type": record.type,
                "content": update.value.content,
                "priority": update.value.priority,
                "ttl": update.ttl,
                "before": {
                    "content": record.content,
                    "priority": record.priority,
                    "ttl": record.ttl,
                },
            }
        )
    for create in plan.creates:
        operations.append(
            {
                "action": "create",
                "name": create.key.name,
                "type": create.key.type,
                "content": create.value.content,
                "priority": create.value.priority,
                "ttl": create.ttl,
            }
        )
    return operations


def pending_intent(
    zone: str, operations: list[dict[str, Any]], actor: str, now: datetime
) -> IntentRow:
    return IntentRow(
        zone=zone,
        status=PENDING,
        operations=operations,
        actor=actor,
        created_at=now,
        updated_at=now,
    )


class IntentLog:
    """Writes and closes intents; each call is one short transaction."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def open(self, zone: str, plan: Plan, actor: str) -> int:
        row = pending_intent(zone, operations_of(plan), actor, utc_now())

        def insert(session: Session) -> int:
            session.add(row)
            session.flush()
            return row.id

        return await self._db.run(insert)

    async def close(self, intent_id: int, status: str, note: str | None = None) -> None:
        await self._db.run(lambda session: close_in(session, intent_id, status, note))

    async def pending(self) -> list[Intent]:
        def load(session: Session) -> list[Intent]:
            rows = session.scalars(
                select(IntentRow).where(IntentRow.status == PENDING).order_by(IntentRow.id)
            )
            return [_intent(row) for row in rows]

        return await self._db.run(load)

    async def status_of(self, intent_id: int) -> str | None:
        def load(session: Session) -> str | None:
            row = session.get(IntentRow, intent_id)
            return row.status if row else None

        return await self._db.run(load)


def close_in(session: Session, intent_id: int, status: str, note: str | None = None) -> None:
    """Close the intent inside the caller's transaction (the one that records the outcome)."""
    row = session.get(IntentRow, intent_id)
    if row is not None and row.status == PENDING:
        row.status = status
        row.note = note
        row.updated_at = utc_now()


def _intent(row: IntentRow) -> Intent:
    return Intent(
        id=row.id,
        zone=row.zone,
        status=row.status,
        operations=list(row.operations),
        actor=row.actor,
    )
