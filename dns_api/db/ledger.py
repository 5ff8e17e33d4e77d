"""The one outcome recorder: what DNSimple now holds, written down in one transaction.

Every change dns-api makes at DNSimple ends here, whoever made it: a normal write, a failed write
after its undo, recovery of an intent whose writer died, reconcile, adopt. ``record`` takes the
``Effect``s (an operation, and the DNSimple record it left) and, in the caller's transaction:

- a ``Create`` gets a row (its values as DNSimple stored them);
- an ``Update`` copies DNSimple's values, and its id, into the row (so re-pointing a row at a
  record created again is an update too);
- a ``Delete`` removes the row;
- each gets an audit event (``record:created`` / ``updated`` / ``deleted``, or the one action the
  ``Recording`` names), with what the row held before and after;
- the intent is closed, and the operations whose fate is unknown go to a new pending intent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dns_api.db import audit, intents
from dns_api.db.audit import OK, Actor
from dns_api.db.intents import Closing
from dns_api.db.models import RecordRow
from dns_api.db.records import managed
from dns_api.domain.operations import Create, Delete, Operation
from dns_api.domain.rdata import Value
from dns_api.domain.records import ManagedRecord
from dns_api.providers.base import ProviderRecord

ACTIONS = {"create": "record:created", "update": "record:updated", "delete": "record:deleted"}


@dataclass(frozen=True, slots=True)
class Effect:
    """One operation as DNSimple carried it out; ``upstream``: the record it holds now
    (``None`` after a delete)."""

    operation: Operation
    upstream: ProviderRecord | None = None


@dataclass(frozen=True, slots=True)
class Recording:
    """How a group of effects is written down: by whom, with which audit outcome and detail
    (``action`` replaces ``record:<kind>``; ``origin`` marks new rows), which intent it closes,
    and which operations stay unresolved (a new pending intent)."""

    actor: Actor
    zone: str
    outcome: str = OK
    detail: str | None = None
    action: str | None = None
    origin: str = "created"
    closing: Closing | None = None
    unresolved: tuple[Operation, ...] = ()


def record(
    session: Session, effects: Sequence[Effect], how: Recording, now: datetime
) -> list[ManagedRecord]:
    """Write ``effects`` down (see the module docstring); returns the records created and
    updated, as stored."""
    created = [_insert(session, e, how, now) for e in effects if isinstance(e.operation, Create)]
    changed = [_apply(session, e, how, now) for e in effects if not isinstance(e.operation, Create)]
    if how.closing is not None:
        intents.close(session, how.closing, now)
    session.flush()  # the new rows get their ids
    for row in created:
        _event(session, how, now, "create", row, after=_state(row))
    if how.unresolved:
        intents.open_intent(session, how.zone, how.unresolved, how.actor.user, now)
    session.flush()
    return [managed(row) for row in [*created, *(r for r in changed if r is not None)]]


def _insert(session: Session, effect: Effect, how: Recording, now: datetime) -> RecordRow:
    key, upstream = effect.operation.key, _upstream(effect)
    row = RecordRow(zone=key.zone, name=key.name, type=key.type, created_at=now)
    row.created_by, row.origin = how.actor.user, how.origin
    _copy(row, upstream, how, now)
    session.add(row)
    return row


def _apply(session: Session, effect: Effect, how: Recording, now: datetime) -> RecordRow | None:
    """An update or a delete of the operation's row; ``None`` for a delete (or a row gone)."""
    operation = effect.operation
    assert not isinstance(operation, Create)
    row = session.get(RecordRow, operation.record_id)
    if row is None:
        return None
    before = _state(row)
    if isinstance(operation, Delete):
        _event(session, how, now, "delete", row, before=before)
        session.delete(row)
        return None
    _copy(row, _upstream(effect), how, now)
    _event(session, how, now, "update", row, before=before, after=_state(row))
    return row


def _upstream(effect: Effect) -> ProviderRecord:
    if effect.upstream is None:
        raise ValueError(f"a {effect.operation.kind} needs the record DNSimple stored")
    return effect.upstream


def _copy(row: RecordRow, upstream: ProviderRecord, how: Recording, now: datetime) -> None:
    row.dnsimple_record_id = upstream.id
    row.content, row.ttl, row.priority = upstream.content, upstream.ttl, upstream.priority
    row.updated_at, row.updated_by = now, how.actor.user


def _state(row: RecordRow) -> dict[str, Any]:
    return audit.state_json(row.type, Value(row.content, row.priority), row.ttl)


def _event(
    session: Session,
    how: Recording,
    now: datetime,
    kind: str,
    row: RecordRow,
    **change: dict[str, Any],
) -> None:
    audit.add(
        session,
        how.action or ACTIONS[kind],
        actor=how.actor,
        at=now,
        outcome=how.outcome,
        zone=row.zone,
        name=row.name,
        type=row.type,
        record_id=row.id,
        dnsimple_record_id=row.dnsimple_record_id,
        detail=how.detail,
        **change,
    )
