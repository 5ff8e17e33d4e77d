"""The ``intents`` table: every change is written down before DNSimple is called, and closed after.

An intent holds the zone and the operations of one plan (``domain.operations``), stored as JSON
in the shape below, which is read back into the same typed operations. It is ``pending`` while
DNSimple is being called, then ``done`` (in the transaction that records the outcome: see
``db.ledger``), ``undone`` (nothing of it stayed at DNSimple) or ``failed`` (DNSimple and the
database may disagree: ``dns-api reconcile`` shows how). A ``pending`` intent whose writer died
is finished or undone by ``services.recovery``, by looking at DNSimple.

Stored operation shape (kept as it is: intents written by older versions are read back)::

    {"action": "create", "name", "type", "content", "priority", "ttl"}
    {"action": "update", "record_id", "dnsimple_record_id", "name", "type",
     "content", "priority", "ttl", "before": {"content", "priority", "ttl"}}
    {"action": "delete", "record_id", "dnsimple_record_id", "name", "type",
     "content", "priority", "ttl"}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from dns_api.db.models import IntentRow
from dns_api.domain.operations import Create, Delete, Entry, Operation, Update
from dns_api.domain.rdata import Value
from dns_api.domain.records import SetKey

PENDING, DONE, UNDONE, FAILED = "pending", "done", "undone", "failed"

_PENDING_COUNT = select(func.count()).select_from(IntentRow).where(IntentRow.status == PENDING)


@dataclass(frozen=True, slots=True)
class Intent:
    id: int
    zone: str
    status: str
    operations: tuple[Operation, ...]
    actor: str


@dataclass(frozen=True, slots=True)
class Closing:
    """How an intent ends: its status, and why (for ``failed`` and recovered intents)."""

    intent_id: int
    status: str
    note: str | None = None


def open_intent(
    session: Session, zone: str, operations: Sequence[Operation], actor: str, now: datetime
) -> int:
    """A new pending intent; returns its id."""
    row = IntentRow(
        zone=zone,
        status=PENDING,
        operations=[operation_json(o) for o in operations],
        actor=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row.id


def close(session: Session, closing: Closing, now: datetime) -> None:
    """Close the intent, if still pending, inside the caller's transaction."""
    row = session.get(IntentRow, closing.intent_id)
    if row is not None and row.status == PENDING:
        row.status, row.note, row.updated_at = closing.status, closing.note, now


def pending(session: Session) -> list[Intent]:
    query = select(IntentRow).where(IntentRow.status == PENDING).order_by(IntentRow.id)
    return [_intent(row) for row in session.scalars(query)]


def status_of(session: Session, intent_id: int) -> str | None:
    row = session.get(IntentRow, intent_id)
    return row.status if row else None


def count_pending(connection: Connection) -> int:
    return int(connection.execute(_PENDING_COUNT).scalar_one())


def operation_json(operation: Operation) -> dict[str, Any]:
    key = operation.key
    if isinstance(operation, Create):
        return {"action": "create", "name": key.name, "type": key.type, **_entry(operation.after)}
    ids = {"record_id": operation.record_id, "dnsimple_record_id": operation.dnsimple_id}
    head = {"action": operation.kind, **ids, "name": key.name, "type": key.type}
    if isinstance(operation, Delete):
        return {**head, **_entry(operation.before)}
    return {**head, **_entry(operation.after), "before": _entry(operation.before)}


def operation_from_json(zone: str, data: dict[str, Any]) -> Operation:
    key = SetKey(zone, str(data["name"]), str(data["type"]))
    if data["action"] == "create":
        return Create(key, _entry_from(data))
    record_id, dnsimple_id = int(data["record_id"]), int(data["dnsimple_record_id"])
    if data["action"] == "delete":
        return Delete(key, record_id, dnsimple_id, _entry_from(data))
    return Update(key, record_id, dnsimple_id, _entry_from(data["before"]), _entry_from(data))


def _entry(entry: Entry) -> dict[str, Any]:
    return {"content": entry.value.content, "priority": entry.value.priority, "ttl": entry.ttl}


def _entry_from(data: dict[str, Any]) -> Entry:
    priority = data.get("priority")
    return Entry(
        Value(str(data["content"]), None if priority is None else int(priority)), int(data["ttl"])
    )


def _intent(row: IntentRow) -> Intent:
    operations = tuple(operation_from_json(row.zone, dict(o)) for o in row.operations)
    return Intent(row.id, row.zone, row.status, operations, row.actor)
