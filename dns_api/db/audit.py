"""The ``audit_events`` table: append one event, search, fetch, prune.

An event is appended inside the transaction of the change it records (``add``), so an event
exists if and only if its change does. Text that does not fit its column is cut to fit: an event
is never lost (and a write never fails) because a caller-influenced field was long.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dns_api.db import visibility
from dns_api.db.models import AuditRow
from dns_api.domain.policy import Grant
from dns_api.domain.rdata import Value

# An event's outcome: done, refused, partly done (a failed change), finished by recovery.
OK, DENIED, PARTIAL, RECOVERED = "ok", "denied", "partial", "recovered"

_EVENTS = AuditRow.__table__
_SUBJECT_COLUMNS = (_EVENTS.c.zone, _EVENTS.c.name, _EVENTS.c.type)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acted: the user, and where known the token, source address and request id."""

    user: str
    token_id: int | None = None
    source: str | None = None
    request_id: str | None = None
    via: str | None = None  # a protocol endpoint, and the username its client gave


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    at: datetime
    actor: str
    token_id: int | None
    source: str | None
    request_id: str | None
    action: str
    outcome: str
    zone: str | None
    name: str | None
    type: str | None
    record_id: int | None
    dnsimple_record_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: str | None


@dataclass(frozen=True, slots=True)
class Filters:
    zone: str | None = None
    name: str | None = None
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    record_id: int | None = None


def state_json(record_type: str, value: Value, ttl: int) -> dict[str, Any]:
    """What a record held, as an event's ``before`` or ``after``."""
    return {"value": value.text(record_type), "ttl": ttl}


def add(
    session: Session,
    action: str,
    *,
    actor: Actor,
    at: datetime,
    outcome: str = OK,
    zone: str | None = None,
    name: str | None = None,
    type: str | None = None,
    record_id: int | None = None,
    dnsimple_record_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str | None = None,
) -> None:
    """Append one event inside the caller's transaction."""
    session.add(
        AuditRow(
            at=at,
            actor=_fit("actor", actor.user),
            token_id=actor.token_id,
            source=_fit("source", actor.source),
            request_id=_fit("request_id", actor.request_id),
            action=action,
            outcome=outcome,
            zone=_fit("zone", zone),
            name=_fit("name", name),
            type=_fit("type", type),
            record_id=record_id,
            dnsimple_record_id=dnsimple_record_id,
            before=before,
            after=after,
            detail=_with_via(detail, actor.via),
        )
    )


def add_refusals(
    session: Session, actor: Actor, targets: Sequence[Mapping[str, str]], detail: str, at: datetime
) -> None:
    """One ``record:denied`` event per refused target (zone, name, type)."""
    for target in targets:
        add(
            session,
            "record:denied",
            actor=actor,
            at=at,
            outcome=DENIED,
            zone=target.get("zone"),
            name=target.get("name"),
            type=target.get("type") or None,
            detail=detail,
        )


def search(
    session: Session,
    filters: Filters,
    *,
    before_id: int | None,
    limit: int,
    readable_by: tuple[Grant, ...] | None,
) -> list[Event]:
    """Events matching ``filters``, newest first, older than ``before_id``; with
    ``readable_by``, only record events those grants may read (see ``db.visibility``)."""
    query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    if readable_by is not None:
        query = query.where(
            AuditRow.action.startswith("record:"),
            visibility.readable(readable_by, *_SUBJECT_COLUMNS),
        )
    for column, value in (
        (AuditRow.zone, filters.zone),
        (AuditRow.name, filters.name),
        (AuditRow.actor, filters.actor),
        (AuditRow.action, filters.action),
        (AuditRow.record_id, filters.record_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if filters.since is not None:
        query = query.where(AuditRow.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditRow.at < filters.until)
    if before_id is not None:
        query = query.where(AuditRow.id < before_id)
    return [_event(row) for row in session.scalars(query)]


def get(session: Session, event_id: int) -> Event | None:
    row = session.get(AuditRow, event_id)
    return _event(row) if row else None


def prune(session: Session, cutoff: datetime) -> int:
    """Delete the events older than ``cutoff``; returns how many."""
    result = session.execute(delete(AuditRow).where(AuditRow.at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _with_via(detail: str | None, via: str | None) -> str | None:
    if via is None:
        return detail
    return f"{detail} (via {via})" if detail else f"via {via}"


def _fit(column: str, value: str | None) -> str | None:
    width: int | None = getattr(AuditRow.__table__.c[column].type, "length", None)
    if value is None or width is None or len(value) <= width:
        return value
    return value[: width - 1] + "\u2026"


def _event(row: AuditRow) -> Event:
    return Event(
        id=row.id,
        at=row.at,
        actor=row.actor,
        token_id=row.token_id,
        source=row.source,
        request_id=row.request_id,
        action=row.action,
        outcome=row.outcome,
        zone=row.zone,
        name=row.name,
        type=row.type,
        record_id=row.record_id,
        dnsimple_record_id=row.dnsimple_record_id,
        before=row.before,
        after=row.after,
        detail=row.detail,
    )
