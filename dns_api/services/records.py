"""Record use cases: read from the database, write through DNSimple then the database.

Reads never call DNSimple. A write holds the name's lock, reads the database in one short
transaction, calls DNSimple outside any transaction (so a slow DNSimple holds no database lock),
then records the outcome in a second short transaction. If that last step fails, the DNSimple
change is undone so no upstream record is left without a row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from dns_api.db import queries
from dns_api.db.database import Database
from dns_api.db.models import RecordRow
from dns_api.domain.policy import Action, Principal, authorize, decide, reads_everything
from dns_api.domain.records import ManagedRecord, RecordSpec, ZoneRules, validate_content
from dns_api.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    StorageUnavailable,
    UpstreamDrift,
    UpstreamError,
    UpstreamNotFound,
)
from dns_api.providers.base import DnsProvider, NewRecord, ProviderRecord, RecordChanges
from dns_api.services.clock import utc_now
from dns_api.services.locks import KeyedLocks

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Page:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def _to_managed(row: Any) -> ManagedRecord:
    """From an ORM ``RecordRow`` or a Core row of the records table (same attribute names)."""
    return ManagedRecord(
        id=row.id,
        zone=row.zone,
        name=row.name,
        type=row.type,
        content=row.content,
        ttl=row.ttl,
        priority=row.priority,
        dnsimple_record_id=row.dnsimple_record_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
    )


class RecordService:
    """The record use cases of the original API (one value per type and name)."""

    def __init__(self, database: Database, provider: DnsProvider, rules: ZoneRules) -> None:
        self._rules = rules
        self._db = database
        self._provider = provider
        self._locks = KeyedLocks()

    async def list_records(self, principal: Principal, page: Page) -> list[ManagedRecord]:
        """The page of records ``principal`` may read, newest first."""
        if reads_everything(principal):
            return await self._db.read(
                lambda connection: [
                    _to_managed(row)
                    for row in queries.records_page(connection, offset=page.offset, limit=page.size)
                ]
            )
        rows = await self._db.read(
            lambda connection: [
                _to_managed(row) for row in queries.records_newest_first(connection)
            ]
        )
        readable = [r for r in rows if self._may(principal, Action.READ, r)]
        return readable[page.offset : page.offset + page.size]

    async def get_record(self, principal: Principal, record_id: int) -> ManagedRecord:
        """One record by dns-api id; ``NotFound`` also when the caller may not read it."""
        record = await self._load(record_id)
        if not self._may(principal, Action.READ, record):
            raise NotFound("Record not found")
        return record

    async def create(self, principal: Principal, spec: RecordSpec) -> ManagedRecord:
        """Create a record; ``Conflict`` when dns-api already manages that type and name."""
        self._authorize(principal, Action.CREATE, spec.zone, spec.name, spec.type)
        async with self._locks.hold(self._key(spec.zone, spec.name, spec.type)):
            if await self._find(spec.zone, spec.name, spec.type) is not None:
                raise Conflict(f"{spec.type} record {spec.fqdn} already exists")
            return await self._create_unlocked(principal, spec)

    async def upsert(self, principal: Principal, spec: RecordSpec) -> ManagedRecord:
        """Create the record, or point the existing one at the new content."""
        async with self._locks.hold(self._key(spec.zone, spec.name, spec.type)):
            existing = await self._find(spec.zone, spec.name, spec.type)
            if existing is None:
                self._authorize(principal, Action.CREATE, spec.zone, spec.name, spec.type)
                return await self._create_unlocked(principal, spec)
            self._authorize(principal, Action.UPDATE, spec.zone, spec.name, spec.type)
            return await self._update_unlocked(principal, existing, spec.content)

    async def change_content(
        self, principal: Principal, record_id: int, content: str
    ) -> ManagedRecord:
        """Point the record ``record_id`` at ``content``, validated for the record's type."""
        record = await self.get_record(principal, record_id)
        self._authorize(principal, Action.UPDATE, record.zone, record.name, record.type)
        content = validate_content(record.type, content)
        async with self._locks.hold(self._key(record.zone, record.name, record.type)):
            return await self._update_unlocked(principal, await self._load(record_id), content)

    async def delete(self, principal: Principal, record_id: int) -> ManagedRecord:
        """Delete the record ``record_id`` at DNSimple and here."""
        record = await self.get_record(principal, record_id)
        self._authorize(principal, Action.DELETE, record.zone, record.name, record.type)
        async with self._locks.hold(self._key(record.zone, record.name, record.type)):
            return await self._delete_unlocked(await self._load(record_id))

    async def delete_by_name(
        self, principal: Principal, zone: str, name: str, type: str
    ) -> ManagedRecord:
        """Delete the ``type`` record at ``name`` in ``zone``."""
        self._authorize(principal, Action.DELETE, zone, name, type)
        async with self._locks.hold(self._key(zone, name, type)):
            existing = await self._find(zone, name, type)
            if existing is None:
                raise NotFound("Record not found")
            return await self._delete_unlocked(existing)

    def _authorize(
        self, principal: Principal, action: Action, zone: str, name: str, type: str
    ) -> None:
        """The one check before every write: the global rules, then the token's grants."""
        refusal = self._rules.refusal(zone, name)
        if refusal is not None:
            raise PermissionDenied(refusal)
        authorize(principal, action, zone, name, type)

    @staticmethod
    def _may(principal: Principal, action: Action, record: ManagedRecord) -> bool:
        return decide(principal, action, record.zone, record.name, record.type).allowed

    @staticmethod
    def _key(zone: str, name: str, type: str) -> tuple[str, str, str]:
        return (zone, name, type)

    async def _load(self, record_id: int) -> ManagedRecord:
        row = await self._db.read(lambda connection: queries.record(connection, record_id))
        if row is None:
            raise NotFound("Record not found")
        return _to_managed(row)

    async def _find(self, zone: str, name: str, type: str) -> ManagedRecord | None:
        rows = await self._db.read(
            lambda connection: queries.records_by_key(connection, zone, name, type)
        )
        return _to_managed(rows[0]) if rows else None

    async def _create_unlocked(self, principal: Principal, spec: RecordSpec) -> ManagedRecord:
        upstream = await self._provider.create_record(
            spec.zone, NewRecord(name=spec.name, type=spec.type, content=spec.content, ttl=spec.ttl)
        )
        try:
            return await self._insert(principal, spec.zone, upstream)
        except StorageUnavailable:
            await self._undo_create(spec.zone, upstream.id)
            raise

    async def _insert(
        self, principal: Principal, zone: str, upstream: ProviderRecord
    ) -> ManagedRecord:
        now = utc_now()
        row = RecordRow(
            zone=zone,
            name=upstream.name,
            type=upstream.type,
            content=upstream.content,
            ttl=upstream.ttl,
            priority=upstream.priority,
            dnsimple_record_id=upstream.id,
            created_at=now,
            updated_at=now,
            created_by=principal.user,
            updated_by=principal.user,
        )

        def insert(session: Session) -> ManagedRecord:
            session.add(row)
            session.flush()
            return _to_managed(row)

        return await self._db.run(insert)

    async def _undo_create(self, zone: str, upstream_id: int) -> None:
        try:
            await self._provider.delete_record(zone, upstream_id)
        except UpstreamError:
            log.error(
                "could not remove DNSimple record %s in %s after a failed save", upstream_id, zone
            )

    async def _update_unlocked(
        self, principal: Principal, record: ManagedRecord, content: str
    ) -> ManagedRecord:
        if record.content == content:
            return record
        upstream = await self._patch(record, RecordChanges(content=content))
        try:
            return await self._save_update(principal, record.id, upstream)
        except StorageUnavailable:
            await self._undo_update(record)
            raise

    async def _patch(self, record: ManagedRecord, changes: RecordChanges) -> ProviderRecord:
        try:
            return await self._provider.update_record(
                record.zone, record.dnsimple_record_id, changes
            )
        except UpstreamNotFound as exc:
            raise UpstreamDrift(
                f"{record.type} record {record.fqdn} was deleted at DNSimple outside dns-api; "
                "delete it here and create it again"
            ) from exc

    async def _save_update(
        self, principal: Principal, record_id: int, upstream: ProviderRecord
    ) -> ManagedRecord:
        def save(session: Session) -> ManagedRecord:
            row = queries.record_for_update(session, record_id)
            if row is None:
                raise NotFound("Record not found")
            row.content = upstream.content
            row.ttl = upstream.ttl
            row.priority = upstream.priority
            row.updated_at = utc_now()
            row.updated_by = principal.user
            session.flush()
            return _to_managed(row)

        return await self._db.run(save)

    async def _undo_update(self, record: ManagedRecord) -> None:
        try:
            await self._provider.update_record(
                record.zone, record.dnsimple_record_id, RecordChanges(content=record.content)
            )
        except UpstreamError:
            log.error(
                "could not restore DNSimple record %s after a failed save",
                record.dnsimple_record_id,
            )

    async def _delete_unlocked(self, record: ManagedRecord) -> ManagedRecord:
        try:
            await self._provider.delete_record(record.zone, record.dnsimple_record_id)
        except UpstreamNotFound:
            log.info("DNSimple record %s was already gone", record.dnsimple_record_id)

        def remove(session: Session) -> None:
            row = queries.record_for_update(session, record.id)
            if row is not None:
                session.delete(row)

        await self._db.run(remove)
        return record
