"""The ``acme_dns_accounts`` table: acme-dns registrations, looked up by username.

Rows leave this module as ``Account`` values. A registration and a revocation each append their
audit event (``acme-dns:registered``, ``acme-dns:revoked``) in the transaction that writes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from dns_api.db import audit
from dns_api.db.models import AcmeDnsAccountRow
from dns_api.domain.rrsets import SetKey

ACCOUNTS = AcmeDnsAccountRow.__table__
_ALL = select(*ACCOUNTS.c)

# The TXT set a registration's label may update (``None``: no acme-dns zone is configured).
SubjectOf = Callable[[str], SetKey | None]


@dataclass(frozen=True, slots=True)
class Account:
    """One registration, as stored (only the SHA-256 of its key)."""

    id: int
    username: str
    key_hash: str
    subdomain: str
    allowfrom: tuple[str, ...]
    created_at: datetime
    created_by: str
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewAccount:
    """A registration to store."""

    username: str
    key_hash: str
    subdomain: str
    allowfrom: tuple[str, ...]
    created_at: datetime
    created_by: str


def _account(row: Any) -> Account:
    return Account(
        id=row.id,
        username=row.username,
        key_hash=row.key_hash,
        subdomain=row.subdomain,
        allowfrom=tuple(row.allowfrom),
        created_at=row.created_at,
        created_by=row.created_by,
        revoked_at=row.revoked_at,
    )


def by_username(connection: Connection, username: str) -> Account | None:
    row = connection.execute(_ALL.where(ACCOUNTS.c.username == username)).first()
    return _account(row) if row is not None else None


def every_account(connection: Connection) -> list[Account]:
    return [_account(row) for row in connection.execute(_ALL.order_by(ACCOUNTS.c.id))]


def register(
    session: Session, new: NewAccount, *, actor: audit.Actor, subject: SetKey | None
) -> Account:
    """Store ``new`` and its ``acme-dns:registered`` event (on ``subject``)."""
    row = AcmeDnsAccountRow(
        username=new.username,
        key_hash=new.key_hash,
        subdomain=new.subdomain,
        allowfrom=list(new.allowfrom),
        created_at=new.created_at,
        created_by=new.created_by,
    )
    session.add(row)
    session.flush()
    _event(session, "acme-dns:registered", row, actor, new.created_at, subject)
    return _account(row)


def revoke(
    session: Session,
    account_id: int,
    now: datetime,
    by: str,
    *,
    actor: audit.Actor,
    subject_of: SubjectOf,
) -> Account | None:
    """Revoke the account (idempotent: only a live one is changed, with its
    ``acme-dns:revoked`` event); ``None`` when there is no such account."""
    row = session.get(AcmeDnsAccountRow, account_id)
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at, row.revoked_by = now, by
        _event(session, "acme-dns:revoked", row, actor, now, subject_of(row.subdomain))
    return _account(row)


def _event(
    session: Session,
    action: str,
    row: AcmeDnsAccountRow,
    actor: audit.Actor,
    at: datetime,
    subject: SetKey | None,
) -> None:
    audit.add(
        session,
        action,
        actor=actor,
        at=at,
        zone=subject.zone if subject else None,
        name=subject.name if subject else None,
        type="TXT",
        detail=f"acme-dns registration {row.id} ({row.username})",
    )
