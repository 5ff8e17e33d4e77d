"""The ``idempotency_keys`` table: claim a key, remember the answer, let go of the key.

``claim`` is one transaction: it inserts the key, or reads the row already holding it and
decides (``verdict_on``); rows older than ``KEEP_FOR`` count as absent and rows still in progress
after ``STALE_AFTER`` as abandoned, and both are taken over.

A claimed row is a lease, identified by (scope, key) and the ``created_at`` its holder wrote.
``finish`` and ``release`` only touch the row while that lease still holds, so a request that
was given up on (and taken over by a retry) cannot overwrite or delete the retry's row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, Row, Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dns_api.db.models import IdempotencyRow

KEYS = cast(Table, IdempotencyRow.__table__)
IN_PROGRESS = "in_progress"
DONE = "done"
UNIQUE = ["scope", "key"]
KEEP_FOR = timedelta(hours=24)
# A request still in progress after this is taken to be gone (its process died) and is taken
# over. Longer than a write normally takes; see the upstream timeouts and retries.
STALE_AFTER = timedelta(minutes=5)  # longer than any request: locks, retries, waits


@dataclass(frozen=True, slots=True)
class Lease:
    """The right to run the request sent with ``key`` and to record its answer."""

    scope: str
    key: str
    started_at: datetime


class Verdict(Enum):
    """What becomes of a request sent with a key."""

    RUN = "run"
    REPLAY = "replay"
    REUSED = "reused"
    BUSY = "busy"
    TOO_MANY = "too_many"  # the caller holds as many live keys as it may


@dataclass(frozen=True, slots=True)
class KeyedRequest:
    """A write sent with an ``Idempotency-Key``."""

    scope: str  # SHA-256 of the Authorization header
    key: str
    fingerprint: str  # SHA-256 of method, path, query and body


@dataclass(frozen=True, slots=True)
class Claim:
    """The verdict; the lease to run under, or the stored answer to replay."""

    verdict: Verdict
    lease: Lease | None = None
    status_code: int | None = None
    stored: str | None = None
    retry_after: int | None = None  # TOO_MANY: seconds until the oldest key expires


def _rows_changed(session: Session, statement: Executable) -> int:
    return cast(CursorResult[Any], session.execute(statement)).rowcount


def _insert_unless_taken(session: Session, values: dict[str, Any]) -> Executable:
    """INSERT .. ON CONFLICT DO NOTHING RETURNING id: a row back only when it was inserted
    (``rowcount`` cannot say: psycopg gives -1 for an INSERT that returns rows)."""
    if session.get_bind().dialect.name == "postgresql":
        on_postgres = postgresql.insert(KEYS).values(**values)
        return on_postgres.on_conflict_do_nothing(index_elements=UNIQUE).returning(KEYS.c.id)
    on_sqlite = sqlite.insert(KEYS).values(**values)
    return on_sqlite.on_conflict_do_nothing(index_elements=UNIQUE).returning(KEYS.c.id)


def insert(session: Session, scope: str, key: str, fingerprint: str, now: datetime) -> Lease | None:
    """Claim ``(scope, key)`` for a new request; None when a row already holds it."""
    values = {
        "scope": scope,
        "key": key,
        "fingerprint": fingerprint,
        "state": IN_PROGRESS,
        "created_at": now,
    }
    inserted = session.execute(_insert_unless_taken(session, values)).first() is not None
    return Lease(scope, key, now) if inserted else None


def find(session: Session, scope: str, key: str) -> Row[Any] | None:
    query = select(*KEYS.c).where(KEYS.c.scope == scope, KEYS.c.key == key)
    return session.execute(query).first()


def _held(lease: Lease) -> Any:
    return (
        (KEYS.c.scope == lease.scope)
        & (KEYS.c.key == lease.key)
        & (KEYS.c.created_at == lease.started_at)
    )


def take_over(session: Session, found: Lease, fingerprint: str, now: datetime) -> Lease | None:
    """Restart the row ``found`` as a fresh claim; None if someone changed it first."""
    statement = (
        update(KEYS)
        .where(_held(found))
        .values(
            fingerprint=fingerprint, state=IN_PROGRESS, status_code=None, body=None, created_at=now
        )
    )
    taken = _rows_changed(session, statement) == 1
    return Lease(found.scope, found.key, now) if taken else None


def finish(session: Session, lease: Lease, status_code: int, body: str) -> bool:
    """Record the answer to replay; False when the lease was lost (taken over)."""
    statement = (
        update(KEYS)
        .where(_held(lease), KEYS.c.state == IN_PROGRESS)
        .values(state=DONE, status_code=status_code, body=body)
    )
    return _rows_changed(session, statement) == 1


def release(session: Session, lease: Lease) -> None:
    """Forget the claim, so a retry with the same key runs again."""
    session.execute(delete(KEYS).where(_held(lease), KEYS.c.state == IN_PROGRESS))


def delete_expired(session: Session, before: datetime) -> int:
    """Delete every row created before ``before``; how many went."""
    return _rows_changed(session, delete(KEYS).where(KEYS.c.created_at < before))


def verdict_on(found: Any, fingerprint: str, now: datetime) -> Verdict:
    """What to do about the row ``found`` already holding the key."""
    if found.created_at <= now - KEEP_FOR:
        return Verdict.RUN  # expired: as if absent
    if found.fingerprint != fingerprint:
        return Verdict.REUSED
    if found.state == DONE:
        return Verdict.REPLAY
    if found.created_at > now - STALE_AFTER:
        return Verdict.BUSY
    return Verdict.RUN  # in progress for too long: its process is gone


def oldest_live_keys(session: Session, scope: str, now: datetime, limit: int) -> list[datetime]:
    """When the oldest ``limit`` live keys of ``scope`` were created (at most ``limit``)."""
    query = (
        select(KEYS.c.created_at)
        .where(KEYS.c.scope == scope, KEYS.c.created_at > now - KEEP_FOR)
        .order_by(KEYS.c.created_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def _over_limit(session: Session, request: KeyedRequest, now: datetime, limit: int) -> Claim | None:
    """A refusal when a new key would take the caller past ``limit`` live keys."""
    if find(session, request.scope, request.key) is not None:
        return None  # not a new key: its row decides
    held = oldest_live_keys(session, request.scope, now, limit)
    if len(held) < limit:
        return None
    expires_in = (held[0] + KEEP_FOR - now).total_seconds()
    return Claim(Verdict.TOO_MANY, retry_after=max(1, int(expires_in) + 1))


def claim(
    session: Session, request: KeyedRequest, now: datetime, *, clean: bool, max_keys: int
) -> Claim:
    """Claim ``request``'s key in one transaction, or say why not (a new key past
    ``max_keys`` live keys of the caller is ``TOO_MANY``)."""
    if clean:
        delete_expired(session, now - KEEP_FOR)
    refusal = _over_limit(session, request, now, max_keys)
    if refusal is not None:
        return refusal
    lease = insert(session, request.scope, request.key, request.fingerprint, now)
    if lease is not None:
        return Claim(Verdict.RUN, lease)
    found = find(session, request.scope, request.key)
    if found is None:
        return Claim(Verdict.BUSY)  # let go of between the insert and the read
    verdict = verdict_on(found, request.fingerprint, now)
    if verdict is not Verdict.RUN:
        return Claim(verdict, status_code=found.status_code, stored=found.body)
    held = Lease(found.scope, found.key, found.created_at)
    lease = take_over(session, held, request.fingerprint, now)
    return Claim(Verdict.RUN, lease) if lease is not None else Claim(Verdict.BUSY)
