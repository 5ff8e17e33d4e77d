"""What a plan left at DNSimple, and how it is written to the database (one transaction)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dns_api.db import audit, queries
from dns_api.db.audit import OK, PARTIAL, Actor
from dns_api.db.audit import state_json as value_json
from dns_api.db.models import RecordRow
from dns_api.domain.rdata import Value
from dns_api.domain.records import ManagedRecord
from dns_api.domain.rrsets import Create, Update
from dns_api.providers.base import ProviderRecord
from dns_api.services.intents import DONE, close_in, pending_intent
from dns_api.services.records_view import to_managed


@dataclass(slots=True)
class Outcome:
    """What DNSimple holds after (part of) a plan ran: what the database must now record."""

    created: list[tuple[Create, ProviderRecord]] = field(default_factory=list)
    updated: list[tuple[Update, ProviderRecord]] = field(default_factory=list)
    deleted: list[ManagedRecord] = field(default_factory=list)
    # A deleted record put back after a failure: same row, new DNSimple id.
    recreated: list[tuple[ManagedRecord, ProviderRecord]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.created or self.updated or self.deleted or self.recreated)


def save_outcome(
    outcome: Outcome,
    who: Actor,
    intent_id: int,
    status: str,
    note: str | None,
    zone: str,
    unresolved: list[dict[str, Any]] | None,
    now: datetime,
    session: Session,
) -> list[ManagedRecord]:
    """Record ``outcome`` (what DNSimple now holds), its audit events, and close the intent:
    one transaction. ``unresolved`` steps go to a new pending intent."""
    actor = who.user
    result = OK if status == DONE else PARTIAL

    def event(session: Session, action: str, **fields: Any) -> None:
        audit.add(session, action, actor=who, outcome=result, at=now, detail=note, **fields)

    rows: list[RecordRow] = []
    created: list[RecordRow] = []
    for create, record in outcome.created:
        row = RecordRow(
            zone=create.key.zone,
            name=create.key.name,
            type=create.key.type,
            dnsimple_record_id=record.id,
            created_at=now,
            created_by=actor,
        )
        _copy(row, record, now, actor)
        session.add(row)
        rows.append(row)
        created.append(row)
    for update, record in outcome.updated:
        existing = queries.record_for_update(session, update.record.id)
        if existing is not None:
            _copy(existing, record, now, actor)
            rows.append(existing)
            before = update.record
            event(
                session,
                "record:updated",
                **_subject(existing),
                before=value_json(before.type, before.value, before.ttl),
                after=value_json(existing.type, _value(existing), existing.ttl),
            )
    for deleted in outcome.deleted:
        gone = queries.record_for_update(session, deleted.id)
        if gone is not None:
            event(
                session,
                "record:deleted",
                **_subject(gone),
                before=value_json(deleted.type, deleted.value, deleted.ttl),
            )
            session.delete(gone)
    for deleted, again in outcome.recreated:
        row_again = queries.record_for_update(session, deleted.id)
        if row_again is not None:
            row_again.dnsimple_record_id = again.id
    close_in(session, intent_id, status, note)
    session.flush()  # the new rows get their ids
    for row in created:
        event(
            session,
            "record:created",
            **_subject(row),
            after=value_json(row.type, _value(row), row.ttl),
        )
    if unresolved:
        session.add(pending_intent(zone, unresolved, actor, now))
    session.flush()
    return [to_managed(row) for row in rows]


def _subject(row: RecordRow) -> dict[str, Any]:
    return {
        "zone": row.zone,
        "name": row.name,
        "type": row.type,
        "record_id": row.id,
        "dnsimple_record_id": row.dnsimple_record_id,
    }


def _value(row: RecordRow) -> Value:
    return Value(row.content, row.priority)


def _copy(row: RecordRow, record: ProviderRecord, now: datetime, actor: str) -> None:
    row.content = record.content
    row.ttl = record.ttl
    row.priority = record.priority
    row.updated_at = now
    row.updated_by = actor
