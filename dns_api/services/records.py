"""The original API's record use cases: one value per type and name, records by id.

Reads never call DNSimple. Writes hold the name's lock (shared with the record-set API),
work out a ``Plan`` and hand it to the ``PlanRunner``, which changes DNSimple and then the
database. Upsert and delete by name are record-set changes of one value.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

from dns_api.db import records as stored
from dns_api.db.database import Database
from dns_api.domain.operations import Delete, Entry, Plan, Update
from dns_api.domain.policy import Action, Principal, reads_everything
from dns_api.domain.rdata import Value
from dns_api.domain.records import (
    ManagedRecord,
    RecordSpec,
    SetKey,
    ValueInput,
    ZoneRules,
    validate_value,
)
from dns_api.errors import Conflict, NotFound
from dns_api.services.access import authorize_write, may_read
from dns_api.services.audit import AuditTrail
from dns_api.services.locks import NameLocks
from dns_api.services.plans import PlanRunner
from dns_api.services.rrsets import Precondition, RecordSetService, SetChange, SetRequest

LIST_CHUNK = 500  # rows read at a time when the database filter may hold a few rows more


@dataclass(frozen=True, slots=True)
class Page:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


@dataclass(frozen=True, slots=True)
class RecordWrite:
    """What a write did (or, for a dry run, would do), and the record it leaves."""

    plan: Plan
    record: ManagedRecord | None
    dry_run: bool = False
    readable: bool = True  # whether the token may read the set (and see what it held)


class RecordService:
    """The record use cases of the original API."""

    def __init__(
        self,
        database: Database,
        runner: PlanRunner,
        rules: ZoneRules,
        locks: NameLocks,
        sets: RecordSetService,
        audit: AuditTrail,
    ) -> None:
        self._db = database
        self._audit = audit
        self._runner = runner
        self._rules = rules
        self._locks = locks
        self._sets = sets

    async def list_records(self, principal: Principal, page: Page) -> list[ManagedRecord]:
        """The page of records ``principal`` may read, newest first."""
        if reads_everything(principal):
            return await self._db.read(partial(stored.page, offset=page.offset, limit=page.size))
        # The database filters by the grants (db.visibility); each row is then checked exactly.
        shown: list[ManagedRecord] = []
        skipped, before_id = 0, None
        while len(shown) < page.size:
            rows = await self._db.read(
                partial(
                    stored.readable_newest_first,
                    grants=principal.grants,
                    before_id=before_id,
                    limit=LIST_CHUNK,
                )
            )
            for record in rows:
                if not may_read(principal, record):
                    continue
                if skipped < page.offset:
                    skipped += 1
                elif len(shown) < page.size:
                    shown.append(record)
            if len(rows) < LIST_CHUNK:
                break
            before_id = rows[-1].id
        return shown

    async def get_record(self, principal: Principal, record_id: int) -> ManagedRecord:
        """One record by dns-api id; ``NotFound`` also when the caller may not read it."""
        record = await self._load(record_id)
        if not may_read(principal, record):
            raise NotFound("Record not found")
        return record

    async def create(
        self, principal: Principal, spec: RecordSpec, *, dry_run: bool = False
    ) -> RecordWrite:
        """Create a record; ``Conflict`` when dns-api already manages that type and name."""
        request = replace(self._one_value(spec), create_only=True)
        change = (await self._sets.change(principal, [request], dry_run=dry_run))[0]
        return _result(change, dry_run)

    async def upsert(
        self, principal: Principal, spec: RecordSpec, *, dry_run: bool = False
    ) -> RecordWrite:
        """Make ``spec`` the one value of its type at its name (create, update or no-op)."""
        change = (await self._sets.change(principal, [self._one_value(spec)], dry_run=dry_run))[0]
        return _result(change, dry_run)

    async def update(
        self, principal: Principal, record_id: int, change: ValueInput, *, dry_run: bool = False
    ) -> RecordWrite:
        """Give the record ``record_id`` the value ``change`` (validated for its type here:
        problems name the logical fields ``content``, ``priority`` and ``ttl``)."""
        record = await self.get_record(principal, record_id)
        value = validate_value(self._rules, record.type, change)
        return await self._change(principal, record, value, change.ttl, dry_run)

    async def change_content(
        self,
        principal: Principal,
        record_id: int,
        value: Value,
        ttl: int | None = None,
        *,
        dry_run: bool = False,
    ) -> RecordWrite:
        """Give the record ``record_id`` a new value (already valid for its type)."""
        record = await self.get_record(principal, record_id)
        return await self._change(principal, record, value, ttl, dry_run)

    async def _change(
        self,
        principal: Principal,
        record: ManagedRecord,
        value: Value,
        ttl: int | None,
        dry_run: bool,
    ) -> RecordWrite:
        authorize_write(
            self._rules, principal, Action.UPDATE, record.zone, record.name, record.type
        )
        async with self._locks.hold((record.zone, record.name)):
            # The set as it is now, under the lock: the record itself, and its siblings.
            current = await self._db.read(
                partial(stored.of_set, zone=record.zone, name=record.name, type=record.type)
            )
            now = next((r for r in current if r.id == record.id), None)
            if now is None:
                raise NotFound("Record not found")
            entry = Entry(value, ttl or now.ttl)
            if Entry.of(now) == entry:
                return RecordWrite(Plan(unchanged=(now,)), now, dry_run)
            if any(r.id != now.id and r.value == value for r in current):
                raise Conflict(f"{now.type} record {now.fqdn} already has that value")
            plan = Plan(updates=(Update.of(now, entry),))
            if dry_run:
                return RecordWrite(plan, now, True)
            saved = await self._runner.run(now.zone, plan, principal.user)
            return RecordWrite(plan, saved[0])

    async def delete(
        self, principal: Principal, record_id: int, *, dry_run: bool = False
    ) -> RecordWrite:
        """Delete the record ``record_id`` at DNSimple and here."""
        record = await self.get_record(principal, record_id)
        authorize_write(
            self._rules, principal, Action.DELETE, record.zone, record.name, record.type
        )
        async with self._locks.hold((record.zone, record.name)):
            record = await self._load(record_id)
            plan = Plan(deletes=(Delete.of(record),))
            if not dry_run:
                await self._runner.run(record.zone, plan, principal.user)
            return RecordWrite(plan, record, dry_run)

    async def delete_by_name(
        self, principal: Principal, zone: str, name: str, type: str, *, dry_run: bool = False
    ) -> RecordWrite:
        """Delete every ``type`` record at ``name`` in ``zone``."""
        request = SetRequest(SetKey(zone, name, type), None)
        try:
            change = (await self._sets.change(principal, [request], dry_run=dry_run))[0]
        except NotFound:
            raise NotFound("Record not found") from None
        first = change.before.records[0] if change.before.records else None
        return RecordWrite(change.plan, first, dry_run, change.readable)

    def _one_value(self, spec: RecordSpec, precondition: Precondition | None = None) -> SetRequest:
        key = SetKey(spec.zone, spec.name, spec.type)
        return SetRequest(key, (spec.value,), spec.ttl, precondition or Precondition())

    async def _load(self, record_id: int) -> ManagedRecord:
        record = await self._db.read(partial(stored.by_id, record_id=record_id))
        if record is None:
            raise NotFound("Record not found")
        return record


def _result(change: SetChange, dry_run: bool) -> RecordWrite:
    if dry_run:
        return RecordWrite(change.plan, None, True, change.readable)
    record = change.after_records[0] if change.after_records else None
    return RecordWrite(change.plan, record, readable=change.readable)
