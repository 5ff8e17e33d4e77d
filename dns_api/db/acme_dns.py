"""The ``acme_dns_accounts`` table: acme-dns registrations, looked up by username."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select
from sqlalchemy.orm import Session

from dns_api.db.models import AcmeDnsAccountRow

ACCOUNTS = AcmeDnsAccountRow.__table__
_ALL = select(*ACCOUNTS.c)


def by_username(connection: Connection, username: str) -> Row[Any] | None:
    return connection.execute(_ALL.where(ACCOUNTS.c.username == username)).first()


def every_account(connection: Connection) -> Sequence[Row[Any]]:
    return connection.execute(_ALL.order_by(ACCOUNTS.c.id)).all()


def insert(session: Session, row: AcmeDnsAccountRow) -> AcmeDnsAccountRow:
    session.add(row)
    session.flush()
    return row


def revoke(session: Session, account_id: int, now: datetime, by: str) -> AcmeDnsAccountRow | None:
    """Revoke the account (idempotent); ``None`` when there is no such account."""
    row = session.get(AcmeDnsAccountRow, account_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at, row.revoked_by = now, by
    return row
