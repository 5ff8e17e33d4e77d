"""The tables. Schema changes go through Alembic migrations in ``migrations/versions``."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class RecordRow(Base):
    """One record value dns-api manages, linked to its DNSimple record by id.

    Several rows may share (zone, name, type): a TXT set holds one row per value. The original
    API keeps one value per (type, name); the services enforce that for its endpoints.
    """

    __tablename__ = "records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zone: Mapped[str] = mapped_column(String(253))
    name: Mapped[str] = mapped_column(String(253))  # relative to the zone; "" is the apex
    type: Mapped[str] = mapped_column(String(10))
    content: Mapped[str] = mapped_column(Text)
    ttl: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int | None] = mapped_column(Integer, nullable=True)
    dnsimple_record_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(255))
    updated_by: Mapped[str] = mapped_column(String(255))
    # "created": dns-api made it; "adopted": an admin took over a record made elsewhere;
    # "imported": it came from python-dns-api's table when a deployment moved over.
    origin: Mapped[str] = mapped_column(String(16), default="created", server_default="created")

    __table_args__ = (
        Index("ix_records_zone_name_type", "zone", "name", "type"),
        {"sqlite_autoincrement": True},  # ids are never reused after a delete
    )


class TokenRow(Base):
    """A scoped token: its grants and limits. The secret itself is never stored, only its hash."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    owner: Mapped[str] = mapped_column(String(255), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    grants: Mapped[list[dict[str, list[str]]]] = mapped_column(JSON)
    networks: Mapped[list[str]] = mapped_column(JSON)
    can_mint: Mapped[bool] = mapped_column(Boolean)
    lineage: Mapped[str] = mapped_column(String(255))  # "3/7/": the ids of the tokens it came from
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = ({"sqlite_autoincrement": True},)


class IntentRow(Base):
    """A change about to be made at DNSimple, written before the call and closed after it.

    ``operations`` lists what the change does (see ``db.intents``); a row still
    ``pending`` after its writer is gone is finished or undone by looking at DNSimple.
    """

    __tablename__ = "intents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zone: Mapped[str] = mapped_column(String(253))
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending, done, undone, failed
    operations: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = ({"sqlite_autoincrement": True},)


class IdempotencyRow(Base):
    """The first answer to a write sent with an ``Idempotency-Key``, replayed to its retries."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))  # a hash of the caller's credentials
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # a hash of method, path and body
    state: Mapped[str] = mapped_column(String(16))  # in_progress, done
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    __table_args__ = (UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),)


class AuditRow(Base):
    """One event of the append-only audit trail, written in the transaction of its change."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(255), index=True)  # the user
    token_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str | None] = mapped_column(String(64), nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    action: Mapped[str] = mapped_column(String(40), index=True)  # record:created, ...
    outcome: Mapped[str] = mapped_column(String(16))  # ok, denied, failed
    zone: Mapped[str | None] = mapped_column(String(253), nullable=True)
    name: Mapped[str | None] = mapped_column(String(253), nullable=True)
    type: Mapped[str | None] = mapped_column(String(10), nullable=True)
    record_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    dnsimple_record_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    before: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        Index("ix_audit_events_zone_name", "zone", "name"),
        {"sqlite_autoincrement": True},
    )


class OriginalImportRow(Base):
    """The records of python-dns-api's ``record`` table were taken over (once per database)."""

    __tablename__ = "original_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rows: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class DatabaseMarkRow(Base):
    """A named mark on the database: ``demo`` when demo mode filled it."""

    __tablename__ = "database_marks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AcmeDnsAccountRow(Base):
    """An acme-dns registration: credentials that may update the TXT values of one name,
    ``<subdomain>.<ACME_DNS_ZONE>``. Only the SHA-256 of the key is kept."""

    __tablename__ = "acme_dns_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(36), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    subdomain: Mapped[str] = mapped_column(String(36), unique=True)
    allowfrom: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(255))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(255), nullable=True)

    __table_args__ = ({"sqlite_autoincrement": True},)


class ConsoleSessionRow(Base):
    """A signed-in web console session. The browser holds a random secret; only its SHA-256 is
    kept, with what the session acts as: a scoped token's id, or a legacy token's user (whose
    token is stateless; ``key_check`` ties the session to the SECRET_KEY that signed it)."""

    __tablename__ = "console_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    legacy_user: Mapped[str | None] = mapped_column(String(255), nullable=True)
    key_check: Mapped[str | None] = mapped_column(String(64), nullable=True)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
