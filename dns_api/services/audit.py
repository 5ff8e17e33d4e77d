"""The audit trail: one append-only event per change and per denial.

Changes are recorded inside the transaction that makes them (``add``), so an event exists if
and only if its change does. Who acted comes from the request (``act_as``, set by the API for
each request: user, token, source address, request id) or, outside a request, from the caller.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dns_api.db import visibility
from dns_api.db.database import Database
from dns_api.db.models import AuditRow
from dns_api.domain.policy import Grant, Principal
from dns_api.domain.rdata import Value
from dns_api.services.clock import utc_now

OK, DENIED, PARTIAL = "ok", "denied", "partial"


@dataclass(frozen=True, slots=True)
class Actor:
    user: str
    token_id: int | None = None
    source: str | None = None
    request_id: str | None = None
    via: str | None = None  # a protocol endpoint, and the username its client gave


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


def value_json(record_type: str, value: Value, ttl: int) -> dict[str, Any]:
    return {"value": value.text(record_type), "ttl": ttl}


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


def add(
    session: Session,
    action: str,
    *,
    actor: Actor,
    outcome: str = OK,
    zone: str | None = None,
    name: str | None = None,
    type: str | None = None,
    record_id: int | None = None,
    dnsimple_record_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str | None = None,
    at: datetime | None = None,
) -> None:
    """Append one event inside the caller's transaction.

    Text that does not fit its column is cut to fit: an event is never lost (and a write never
    fails) because a caller-influenced field was long."""
    session.add(
        AuditRow(
            at=at or utc_now(),
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


def _with_via(detail: str | None, via: str | None) -> str | None:
    if via is None:
        return detail
    return f"{detail} (via {via})" if detail else f"via {via}"


def _fit(column: str, value: str | None) -> str | None:
    width: int | None = getattr(AuditRow.__table__.c[column].type, "length", None)
    if value is None or width is None or len(value) <= width:
        return value
    return value[: width - 1] + "\u2026"


_EVENTS = AuditRow.__table__
_SUBJECT_COLUMNS = (_EVENTS.c.zone, _EVENTS.c.name, _EVENTS.c.type)


@dataclass(frozen=True, slots=True)
class Filters:
    zone: str | None = None
    name: str | None = None
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    record_id: int | None = None


class AuditLog:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def refused(
        self, principal: Principal, targets: Sequence[Mapping[str, str]], detail: str
    ) -> None:
        """Record a refused record write, one event per target (its own transaction: nothing
        else happened)."""
        actor = current_actor(principal.user)

        def write(session: Session) -> None:
            for target in targets:
                add(
                    session,
                    "record:denied",
                    actor=actor,
                    outcome=DENIED,
                    zone=target.get("zone"),
                    name=target.get("name"),
                    type=target.get("type") or None,
                    detail=detail,
                )

        await self._db.run(write)

    async def search(
        self,
        filters: Filters,
        *,
        before_id: int | None = None,
        limit: int = 100,
        readable_by: tuple[Grant, ...] | None = None,
    ) -> list[Event]:
        """Events matching ``filters``, newest first, older than ``before_id`` (the cursor).

        ``readable_by``: only record events these grants may read (filtered by the database;
        see ``db.visibility``), for a caller who is not an admin."""

        def load(session: Session) -> list[Event]:
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

        return await self._db.run(load)

    async def get(self, event_id: int) -> Event | None:
        def load(session: Session) -> Event | None:
            row = session.get(AuditRow, event_id)
            return _event(row) if row else None

        return await self._db.run(load)

    async def prune(self, keep_days: int) -> int:
        """Delete events older than ``keep_days`` (the retention setting); returns how many."""
        cutoff = utc_now() - timedelta(days=keep_days)

        def remove(session: Session) -> int:
            result = session.execute(delete(AuditRow).where(AuditRow.at < cutoff))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

        return await self._db.run(remove)


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
