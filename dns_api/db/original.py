"""python-dns-api's ``record`` table, read once when a deployment moves over, and the import.

The original service (Flask) kept one table, ``record``: ``id``, ``dnsimple_record_id``,
``domain_key`` (``TYPE::zone::name``), ``domain_type``, ``domain``, ``subdomain``, ``to`` and
``created``. ``original_rows`` reads it (``None`` when the database has no such table, or one
that is not the original's); ``save_import`` writes the rows it became, with their ids, and the
``original_imports`` marker that says it happened, in the caller's transaction, and
``import_once`` does that at most once per database, with a ``record:imported`` audit event per
record. The original's table is never changed: the old service could still be started against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, MetaData, Table, func, inspect, select, text
from sqlalchemy.orm import Session

from dns_api.db import audit
from dns_api.db.models import OriginalImportRow, RecordRow
from dns_api.domain.rdata import Value

ORIGINAL_TABLE = "record"
ORIGINAL_COLUMNS = frozenset(
    {
        "id",
        "dnsimple_record_id",
        "domain_key",
        "domain_type",
        "domain",
        "subdomain",
        "to",
        "created",
    }
)
IMPORT_LOCK_ID = 0x646E7369  # "dnsi": instances starting together import once
IMPORTED_DETAIL = "taken over from python-dns-api's record table"


@dataclass(frozen=True, slots=True)
class OriginalRow:
    """One row of the original's ``record`` table, as stored."""

    id: int
    dnsimple_record_id: int
    domain_key: str
    domain_type: str
    domain: str
    subdomain: str
    to: str
    created: datetime | None

    @property
    def label(self) -> str:
        return f"record {self.id} ({self.domain_key})"


@dataclass(frozen=True, slots=True)
class ImportedRecord:
    """A managed record that an original row becomes, with the original's ids."""

    id: int
    zone: str
    name: str
    type: str
    content: str
    ttl: int
    priority: int | None
    dnsimple_record_id: int
    created_at: datetime
    created_by: str
    origin: str


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What ``import_once`` did: saved, or not (already imported, or ``clashes`` said why)."""

    saved: bool
    clashes: tuple[str, ...] = ()


def pending_rows(connection: Connection) -> list[OriginalRow] | None:
    """The original's rows while none were imported yet; ``None`` otherwise (or no table)."""
    rows = original_rows(connection)
    if rows is None or imported_already(connection):
        return None
    return rows


def original_rows(connection: Connection) -> list[OriginalRow] | None:
    """Every row of the original's table, by id; ``None`` when there is no such table."""
    found = inspect(connection)
    if not found.has_table(ORIGINAL_TABLE):
        return None
    if not {column["name"] for column in found.get_columns(ORIGINAL_TABLE)} >= ORIGINAL_COLUMNS:
        return None  # a table of that name, but not the original's
    table = Table(ORIGINAL_TABLE, MetaData(), autoload_with=connection)
    query = select(*(table.c[name] for name in sorted(ORIGINAL_COLUMNS))).order_by(table.c.id)
    return [_original(row) for row in connection.execute(query).mappings()]


def _original(row: Any) -> OriginalRow:
    created = row["created"]
    if isinstance(created, datetime) and created.tzinfo is None:
        created = created.replace(tzinfo=UTC)  # the original stored the database's now(), UTC
    return OriginalRow(
        id=int(row["id"]),
        dnsimple_record_id=int(row["dnsimple_record_id"]),
        domain_key=str(row["domain_key"]),
        domain_type=str(row["domain_type"]),
        domain=str(row["domain"]),
        subdomain=str(row["subdomain"]),
        to=str(row["to"]),
        created=created if isinstance(created, datetime) else None,
    )


def imported_already(connection: Connection) -> bool:
    return connection.execute(select(OriginalImportRow.id).limit(1)).first() is not None


def clashes(session: Session, rows: Sequence[ImportedRecord]) -> list[str]:
    """Why ``rows`` cannot be inserted beside the records already there (ids, DNSimple ids)."""
    ids = {row.id: row for row in rows}
    dnsimple_ids = {row.dnsimple_record_id: row for row in rows}
    taken = session.execute(
        select(RecordRow.id, RecordRow.dnsimple_record_id).where(
            RecordRow.id.in_(ids) | RecordRow.dnsimple_record_id.in_(dnsimple_ids)
        )
    ).all()
    problems = []
    for record_id, dnsimple_id in taken:
        if record_id in ids:
            problems.append(f"record {record_id}: dns-api already has a record with id {record_id}")
        if dnsimple_id in dnsimple_ids:
            clash = dnsimple_ids[dnsimple_id].id
            problems.append(
                f"record {clash}: dns-api already owns DNSimple record {dnsimple_id} "
                f"(its record {record_id})"
            )
    return problems


def lock_import(session: Session) -> None:
    """Make instances that start together take turns (PostgreSQL; SQLite is one process)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": IMPORT_LOCK_ID})


def import_once(
    session: Session,
    records: Sequence[ImportedRecord],
    *,
    now: datetime,
    note: str,
    actor: audit.Actor,
) -> ImportOutcome:
    """Insert the records, their events and the marker, unless another instance imported them
    first or they clash with records dns-api has (then nothing is written)."""
    lock_import(session)
    if imported_already(session.connection()):
        return ImportOutcome(saved=False)
    problems = clashes(session, records)
    if problems:
        return ImportOutcome(saved=False, clashes=tuple(problems))
    save_import(session, records, now, note)
    for record in records:
        audit.add(
            session,
            "record:imported",
            actor=actor,
            at=now,
            zone=record.zone,
            name=record.name,
            type=record.type,
            record_id=record.id,
            dnsimple_record_id=record.dnsimple_record_id,
            after=audit.state_json(record.type, Value(record.content, record.priority), record.ttl),
            detail=IMPORTED_DETAIL,
        )
    return ImportOutcome(saved=True)


def _row(record: ImportedRecord) -> RecordRow:
    return RecordRow(
        id=record.id,
        zone=record.zone,
        name=record.name,
        type=record.type,
        content=record.content,
        ttl=record.ttl,
        priority=record.priority,
        dnsimple_record_id=record.dnsimple_record_id,
        created_at=record.created_at,
        updated_at=record.created_at,
        created_by=record.created_by,
        updated_by=record.created_by,
        origin=record.origin,
    )


def save_import(session: Session, rows: Sequence[ImportedRecord], now: datetime, note: str) -> None:
    """Insert ``rows`` with their ids, continue the id sequence after them, and mark the import."""
    session.add_all([_row(row) for row in rows])
    session.add(OriginalImportRow(imported_at=now, rows=len(rows), note=note))
    session.flush()
    if rows and session.get_bind().dialect.name == "postgresql":
        # Explicit ids do not move PostgreSQL's sequence; SQLite's AUTOINCREMENT follows them.
        highest = session.scalar(select(func.max(RecordRow.id)))
        session.execute(
            text("SELECT setval(pg_get_serial_sequence('records', 'id'), :highest)"),
            {"highest": highest},
        )
