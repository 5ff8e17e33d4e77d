"""The ``console_sessions`` table: web console sign-ins, found by the SHA-256 of the cookie.

Rows leave this module as ``StoredSession`` values. Nothing here is secret on its own: the cookie's
secret is only kept hashed, and a session names its token by id (scoped) or user (legacy).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, CursorResult, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from dns_api.db.models import ConsoleSessionRow

SESSIONS = ConsoleSessionRow.__table__
ROWS = ConsoleSessionRow


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A session as stored."""

    id_hash: str
    token_id: int | None
    legacy_user: str | None
    key_check: str | None
    token_expires_at: datetime | None
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime


def by_hash(connection: Connection, id_hash: str) -> StoredSession | None:
    row = connection.execute(select(*SESSIONS.c).where(SESSIONS.c.id_hash == id_hash)).first()
    return None if row is None else StoredSession(**row._mapping)


def insert_session(session: Session, stored: StoredSession) -> None:
    session.execute(insert(ROWS).values(**_values(stored)))


def insert_pruning(
    session: Session, stored: StoredSession, idle_before: datetime, created_before: datetime
) -> None:
    """Store a new session; ended ones are swept on the way (sign-ins are rare)."""
    remove_stale(session, idle_before, created_before)
    insert_session(session, stored)


def touch(session: Session, id_hash: str, now: datetime) -> None:
    session.execute(update(ROWS).where(ROWS.id_hash == id_hash).values(last_seen_at=now))


def remove(session: Session, id_hash: str) -> None:
    session.execute(delete(ROWS).where(ROWS.id_hash == id_hash))


def remove_stale(session: Session, idle_before: datetime, created_before: datetime) -> int:
    """Forget the sessions idle since ``idle_before`` or started before ``created_before``."""
    stale = or_(ROWS.last_seen_at < idle_before, ROWS.created_at < created_before)
    result = session.execute(delete(ROWS).where(stale))
    return result.rowcount if isinstance(result, CursorResult) else 0


def _values(stored: StoredSession) -> dict[str, object]:
    return {
        "id_hash": stored.id_hash,
        "token_id": stored.token_id,
        "legacy_user": stored.legacy_user,
        "key_check": stored.key_check,
        "token_expires_at": stored.token_expires_at,
        "csrf_token": stored.csrf_token,
        "created_at": stored.created_at,
        "last_seen_at": stored.last_seen_at,
    }
