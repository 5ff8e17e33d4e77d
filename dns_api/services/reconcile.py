"""Reconcile: compare the records dns-api owns with what DNSimple holds; act only when asked.

``plan`` builds a ``ZonePlan`` per zone (see ``services.reconcile_plan``) from one listing of all
the zone's DNSimple records. ``apply`` finishes the pending intents (``services.recovery``),
PATCHes drifted records back to the owned values and re-creates missing records, or with
``drop_missing`` drops their rows instead. Each item is checked again under its name's lock right
before it is changed, and each DNSimple change is written down as an intent first. Unknown records
are never touched: ``adopt`` is how an admin takes records made elsewhere over.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Row, select
from sqlalchemy.orm import Session

from dns_api.db import audit, queries
from dns_api.db.database import Database
from dns_api.db.models import RecordRow
from dns_api.domain import names
from dns_api.domain.rdata import Value
from dns_api.domain.records import ManagedRecord, ZoneRules
from dns_api.domain.rrsets import Create, Delete, Plan, SetKey, Update
from dns_api.errors import Conflict, NotFound, PermissionDenied, UpstreamNotFound, UpstreamRejected
from dns_api.providers.base import DnsProvider, NewRecord, ProviderRecord, RecordChanges
from dns_api.services.audit import current_actor
from dns_api.services.clock import utc_now
from dns_api.services.container import Services
from dns_api.services.intents import DONE, UNDONE, IntentLog, close_in
from dns_api.services.locks import NameLocks
from dns_api.services.reconcile_plan import (
    Adoption,
    ApplyResult,
    ZonePlan,
    build_plan,
    check_force,
    same_values,
)
from dns_api.services.records_view import to_managed
from dns_api.services.recovery import IntentRecovery

Progress = Callable[[int], None]


class Reconciler:
    """Plans and applies reconciliation, and adopts records; see the module docstring."""

    def __init__(
        self,
        database: Database,
        provider: DnsProvider,
        rules: ZoneRules,
        locks: NameLocks,
        recovery: IntentRecovery,
    ) -> None:
        self._db = database
        self._provider = provider
        self._rules = rules
        self._locks = locks
        self._recovery = recovery
        self._intents = IntentLog(database)

    @classmethod
    def of(cls, services: Services) -> Reconciler:
        return cls(
            services.database, services.provider, services.rules, services.locks, services.recovery
        )

    @property
    def rules(self) -> ZoneRules:
        return self._rules

    def zones(self, zone: str | None = None) -> list[str]:
        """The configured zones (sorted), or just ``zone``; ``NotFound`` if it is not one."""
        if zone is None:
            return sorted(self._rules.zones)
        if zone not in self._rules.zones:
            raise NotFound(f"zone {zone} is not managed by this service (DNSIMPLE_DOMAINS)")
        return [zone]

    async def plan(self, zone: str | None = None) -> list[ZonePlan]:
        """The plan of every configured zone, or of ``zone`` (normalised)."""
        return [await self.plan_zone(z) for z in self.zones(zone)]

    async def plan_zone(self, zone: str) -> ZonePlan:
        """One zone's plan: its rows, every DNSimple record of it (one listing, all pages)."""
        # Rows first: a write finishing in between shows as unknown, never as missing.
        rows = await self._db.read(lambda c: _zone_rows(c, zone))
        intents = await self._intents.pending()
        upstream = await self._provider.list_records(zone)
        return build_plan(zone, [to_managed(r) for r in rows], upstream, intents)

    async def apply(
        self,
        plan: ZonePlan,
        *,
        force: bool = False,
        drop_missing: bool = False,
        actor: str = "dns-api",
        progress: Progress | None = None,
    ) -> ApplyResult:
        """Carry out ``plan`` (``NeedsForce`` first if it changes too much). Unknown records
        are never touched; ``progress(1)`` is called after each drift or missing item."""
        check_force([plan], force)
        result = ApplyResult(plan.zone)
        if plan.pending:
            result.intents = await self._recovery.recover(plan.zone)
        for drift in plan.drift:
            await self._at_name(drift.record, result, lambda row: self._restore(row, actor, result))
            _tick(progress)
        for row in plan.missing:
            if drop_missing:
                await self._at_name(row, result, lambda row: self._drop(row, result))
            else:
                await self._at_name(row, result, lambda row: self._recreate(row, actor, result))
            _tick(progress)
        return result

    async def adopt(self, zone: str, name: str, type: str, actor: str) -> Adoption:
        """Own every non-system record of ``type`` at ``name`` that DNSimple holds (matched by
        id; those already owned are left as they are). ``NotFound`` when there is none."""
        refusal = self._rules.refusal(zone, name)
        if refusal is not None:
            raise PermissionDenied(refusal)
        fqdn = names.fqdn(name, zone)
        async with self._locks.hold((zone, name)):
            found = await self._provider.list_records(zone, name=name, type=type)
            found = [r for r in found if r.name.lower() == name and r.type == type]
            records = [r for r in found if not r.system_record]
            if found and not records:
                raise Conflict(f"the {type} records at {fqdn} are DNSimple system records")
            if not records:
                raise NotFound(f"DNSimple has no {type} record at {fqdn} to adopt")
            return await self._db.run(lambda s: _adopt_rows(s, zone, name, records, actor))

    async def _at_name(
        self,
        planned: ManagedRecord,
        result: ApplyResult,
        work: Callable[[ManagedRecord], Awaitable[None]],
    ) -> None:
        """Run ``work`` on the row as it is now, under its name's lock, unless it changed."""
        async with self._locks.hold((planned.zone, planned.name)):
            row = await self._db.read(lambda c: queries.record(c, planned.id))
            if row is None or row.dnsimple_record_id != planned.dnsimple_record_id:
                result.skipped[planned.id] = "the row changed since the plan"
                return
            await work(to_managed(row))

    async def _restore(self, row: ManagedRecord, actor: str, result: ApplyResult) -> None:
        current = await self._upstream(row)
        if current is None or same_values(row, current):
            result.skipped[row.id] = "no longer drifted"
            return
        before = replace(row, content=current.content, ttl=current.ttl, priority=current.priority)
        intent_id = await self._intents.open(
            row.zone, Plan(updates=(Update(before, row.value, row.ttl),)), actor
        )
        changes = RecordChanges(
            content=row.content if row.content != current.content else None,
            ttl=row.ttl if row.ttl != current.ttl else None,
            priority=row.priority if row.priority != current.priority else None,
        )
        call = self._provider.update_record(row.zone, row.dnsimple_record_id, changes)
        stored = await self._closing_if_refused(intent_id, call)
        await self._db.run(lambda s: _point_row(s, row.id, stored, actor, intent_id))
        result.restored.append(row.id)

    async def _recreate(self, row: ManagedRecord, actor: str, result: ApplyResult) -> None:
        if await self._upstream(row) is not None:
            result.skipped[row.id] = "its record is back at DNSimple"
            return
        # Written as delete + create: if this process dies half-way, recovery replaces the row
        # with one for the new record (and never leaves that record unowned).
        key = SetKey(row.zone, row.name, row.type)
        plan = Plan(creates=(Create(key, row.value, row.ttl),), deletes=(Delete(row),))
        intent_id = await self._intents.open(row.zone, plan, actor)
        new = NewRecord(row.name, row.type, row.content, row.ttl, row.priority)
        stored = await self._closing_if_refused(
            intent_id, self._provider.create_record(row.zone, new)
        )
        await self._db.run(lambda s: _point_row(s, row.id, stored, actor, intent_id))
        result.recreated[row.id] = stored.id

    async def _drop(self, row: ManagedRecord, result: ApplyResult) -> None:
        if await self._upstream(row) is not None:
            result.skipped[row.id] = "its record is back at DNSimple"
            return
        await self._db.run(lambda s: _delete_row(s, row.id))
        result.dropped.append(row.id)

    async def _upstream(self, row: ManagedRecord) -> ProviderRecord | None:
        try:
            return await self._provider.get_record(row.zone, row.dnsimple_record_id)
        except UpstreamNotFound:
            return None

    async def _closing_if_refused(
        self, intent_id: int, call: Awaitable[ProviderRecord]
    ) -> ProviderRecord:
        """An unclear failure leaves the intent pending: recovery finds out what happened."""
        try:
            return await call
        except (UpstreamNotFound, UpstreamRejected):
            await self._intents.close(intent_id, UNDONE, "DNSimple refused the change")
            raise


def _tick(progress: Progress | None) -> None:
    if progress is not None:
        progress(1)


def _zone_rows(connection: Connection, zone: str) -> Sequence[Row[Any]]:
    records = queries.RECORDS
    query = select(*records.c).where(records.c.zone == zone)
    return connection.execute(query.order_by(records.c.name, records.c.type, records.c.id)).all()


def _point_row(
    session: Session, row_id: int, stored: ProviderRecord, actor: str, intent_id: int
) -> None:
    """Record what DNSimple now holds for the row, and close the intent, in one transaction."""
    row = session.get(RecordRow, row_id)
    if row is not None:
        before = _state(row)
        row.dnsimple_record_id = stored.id
        row.content, row.ttl, row.priority = stored.content, stored.ttl, stored.priority
        row.updated_at, row.updated_by = utc_now(), actor
        _event(session, actor, row, "put back at DNSimple", before=before, after=_state(row))
    close_in(session, intent_id, DONE)


def _delete_row(session: Session, row_id: int) -> None:
    row = session.get(RecordRow, row_id)
    if row is not None:
        _event(session, "cli", row, "row dropped: deleted at DNSimple by hand", before=_state(row))
        session.delete(row)


def _adopt_rows(
    session: Session, zone: str, name: str, records: list[ProviderRecord], actor: str
) -> Adoption:
    ids = [r.id for r in records]
    owned = list(session.scalars(select(RecordRow).where(RecordRow.dnsimple_record_id.in_(ids))))
    owned_ids = {row.dnsimple_record_id for row in owned}
    now = utc_now()
    new = [
        RecordRow(
            zone=zone, name=name, type=r.type, content=r.content, ttl=r.ttl, priority=r.priority,
            dnsimple_record_id=r.id, created_at=now, updated_at=now, created_by=actor,
            updated_by=actor, origin="adopted",
        )
        for r in records
        if r.id not in owned_ids
    ]  # fmt: skip
    session.add_all(new)
    session.flush()
    for row in new:
        audit.add(
            session,
            "record:adopted",
            actor=current_actor(actor),
            at=now,
            zone=zone,
            name=name,
            type=row.type,
            record_id=row.id,
            dnsimple_record_id=row.dnsimple_record_id,
            after=_state(row),
        )
    return Adoption([to_managed(r) for r in new], [to_managed(r) for r in owned])


def _state(row: RecordRow) -> dict[str, Any]:
    return {"value": Value(row.content, row.priority).text(row.type), "ttl": row.ttl}


def _event(
    session: Session,
    actor: str,
    row: RecordRow,
    detail: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    audit.add(
        session,
        "reconcile:applied",
        actor=current_actor(actor),
        at=utc_now(),
        zone=row.zone,
        name=row.name,
        type=row.type,
        record_id=row.id,
        dnsimple_record_id=row.dnsimple_record_id,
        before=before,
        after=after,
        detail=detail,
    )
