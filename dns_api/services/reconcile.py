"""Reconcile: compare the records dns-api owns with what DNSimple holds; act only when asked.

``plan`` builds a ``ZonePlan`` per zone (see ``services.reconcile_plan``) from one listing of all
the zone's DNSimple records. ``apply`` finishes the pending intents (``services.recovery``),
PATCHes drifted records back to the owned values and re-creates missing records, or with
``drop_missing`` drops their rows instead. Each item is checked again under its name's lock right
before it is changed, each DNSimple change is written down as an intent first, and every outcome
is recorded by ``db.ledger``. Unknown records are never touched: ``adopt`` is how an admin takes
records made elsewhere over.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from dns_api.db import intents, ledger, records
from dns_api.db.database import Database
from dns_api.db.intents import DONE, UNDONE, Closing
from dns_api.db.ledger import Effect, Recording
from dns_api.domain import names
from dns_api.domain.operations import Create, Delete, Entry, Operation, Update
from dns_api.domain.rdata import Value
from dns_api.domain.records import ManagedRecord, SetKey, ZoneRules
from dns_api.errors import Conflict, NotFound, PermissionDenied, UpstreamNotFound, UpstreamRejected
from dns_api.providers.base import DnsProvider, ProviderRecord
from dns_api.services.audit import current_actor
from dns_api.services.clock import utc_now
from dns_api.services.locks import NameLocks
from dns_api.services.reconcile_plan import (
    Adoption,
    ApplyResult,
    ZonePlan,
    build_plan,
    check_force,
    same_values,
)
from dns_api.services.recovery import IntentRecovery
from dns_api.services.upstream_writes import changes, new_record

Progress = Callable[[int], None]
RESTORED = "put back at DNSimple"
DROPPED = "row dropped: deleted at DNSimple by hand"


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

    async def plan(
        self, zone: str | None = None, progress: Progress | None = None
    ) -> list[ZonePlan]:
        """The plan of every configured zone, or of ``zone`` (normalised)."""
        plans = []
        for name in self.zones(zone):
            plans.append(await self.plan_zone(name))
            _tick(progress)
        return plans

    async def plan_zone(self, zone: str) -> ZonePlan:
        """One zone's plan: its rows, every DNSimple record of it (one listing, all pages)."""
        # Rows first: a write finishing in between shows as unknown, never as missing.
        rows = await self._db.read(lambda c: records.of_zone(c, zone))
        pending = await self._db.run(intents.pending)
        upstream = await self._provider.list_records(zone)
        return build_plan(zone, rows, upstream, pending)

    async def apply_all(
        self,
        plans: Sequence[ZonePlan],
        *,
        force: bool = False,
        drop_missing: bool = False,
        actor: str = "dns-api",
        progress: Progress | None = None,
    ) -> list[ApplyResult]:
        """Apply every plan that is not in sync; ``NeedsForce`` before any zone is changed
        when one of them changes too much."""
        check_force(plans, force)
        return [
            await self.apply(
                p, force=force, drop_missing=drop_missing, actor=actor, progress=progress
            )
            for p in plans
            if not p.in_sync
        ]

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
        fix = self._drop if drop_missing else self._recreate
        for row in plan.missing:
            await self._at_name(row, result, lambda row: fix(row, actor, result))
            _tick(progress)
        return result

    async def adopt(self, zone: str, name: str, type: str, actor: str) -> Adoption:
        """Own every non-system record of ``type`` at ``name`` that DNSimple holds (matched by
        id; those already owned are left as they are). ``NotFound`` when there is none."""
        refusal = self._rules.refusal(zone, name)
        if refusal is not None:
            raise PermissionDenied(refusal)
        async with self._locks.hold((zone, name)):
            found = await self._adoptable(zone, name, type)
            owned = await self._db.read(lambda c: records.owned_among(c, [r.id for r in found]))
            owned_ids = {row.dnsimple_record_id for row in owned}
            effects = [_adopted(zone, name, r) for r in found if r.id not in owned_ids]
            how = Recording(current_actor(actor), zone, action="record:adopted", origin="adopted")
            adopted = await self._record(effects, how)
        return Adoption(adopted, owned)

    async def _adoptable(self, zone: str, name: str, type: str) -> list[ProviderRecord]:
        fqdn = names.fqdn(name, zone)
        found = await self._provider.list_records(zone, name=name, type=type)
        found = [r for r in found if r.name.lower() == name and r.type == type]
        adoptable = [r for r in found if not r.system_record]
        if found and not adoptable:
            raise Conflict(f"the {type} records at {fqdn} are DNSimple system records")
        if not adoptable:
            raise NotFound(f"DNSimple has no {type} record at {fqdn} to adopt")
        return adoptable

    async def _at_name(
        self,
        planned: ManagedRecord,
        result: ApplyResult,
        work: Callable[[ManagedRecord], Awaitable[None]],
    ) -> None:
        """Run ``work`` on the row as it is now, under its name's lock, unless it changed."""
        async with self._locks.hold((planned.zone, planned.name)):
            row = await self._db.read(lambda c: records.by_id(c, planned.id))
            if row is None or row.dnsimple_record_id != planned.dnsimple_record_id:
                result.skipped[planned.id] = "the row changed since the plan"
                return
            await work(row)

    async def _restore(self, row: ManagedRecord, actor: str, result: ApplyResult) -> None:
        current = await self._upstream(row)
        if current is None or same_values(row, current):
            result.skipped[row.id] = "no longer drifted"
            return
        theirs = _entry(current)
        restore = Update(row.key, row.id, row.dnsimple_record_id, theirs, Entry.of(row))
        intent_id = await self._open(row.zone, (restore,), actor)
        call = self._provider.update_record(row.zone, row.dnsimple_record_id, changes(restore))
        stored = await self._closing_if_refused(intent_id, call)
        await self._repoint(row, stored, actor, intent_id)
        result.restored.append(row.id)

    async def _recreate(self, row: ManagedRecord, actor: str, result: ApplyResult) -> None:
        if await self._upstream(row) is not None:
            result.skipped[row.id] = "its record is back at DNSimple"
            return
        # Written as delete + create: if this process dies half-way, recovery replaces the row
        # with one for the new record (and never leaves that record unowned).
        create = Create(row.key, Entry.of(row))
        intent_id = await self._open(row.zone, (Delete.of(row), create), actor)
        call = self._provider.create_record(row.zone, new_record(create))
        stored = await self._closing_if_refused(intent_id, call)
        await self._repoint(row, stored, actor, intent_id)
        result.recreated[row.id] = stored.id

    async def _drop(self, row: ManagedRecord, actor: str, result: ApplyResult) -> None:
        if await self._upstream(row) is not None:
            result.skipped[row.id] = "its record is back at DNSimple"
            return
        how = Recording(current_actor(actor), row.zone, action="reconcile:applied", detail=DROPPED)
        await self._record([Effect(Delete.of(row))], how)
        result.dropped.append(row.id)

    async def _repoint(
        self, row: ManagedRecord, stored: ProviderRecord, actor: str, intent_id: int
    ) -> None:
        """The row now holds what DNSimple stored (its values and id); closes the intent."""
        now_held = Update(row.key, row.id, row.dnsimple_record_id, Entry.of(row), Entry.of(row))
        how = Recording(
            current_actor(actor),
            row.zone,
            action="reconcile:applied",
            detail=RESTORED,
            closing=Closing(intent_id, DONE),
        )
        await self._record([Effect(now_held, stored)], how)

    async def _upstream(self, row: ManagedRecord) -> ProviderRecord | None:
        try:
            return await self._provider.get_record(row.zone, row.dnsimple_record_id)
        except UpstreamNotFound:
            return None

    async def _open(self, zone: str, operations: tuple[Operation, ...], actor: str) -> int:
        now = utc_now()
        return await self._db.run(lambda s: intents.open_intent(s, zone, operations, actor, now))

    async def _record(self, effects: list[Effect], how: Recording) -> list[ManagedRecord]:
        now = utc_now()
        return await self._db.run(lambda s: ledger.record(s, effects, how, now))

    async def _closing_if_refused(
        self, intent_id: int, call: Awaitable[ProviderRecord]
    ) -> ProviderRecord:
        """An unclear failure leaves the intent pending: recovery finds out what happened."""
        try:
            return await call
        except (UpstreamNotFound, UpstreamRejected):
            closing = Closing(intent_id, UNDONE, "DNSimple refused the change")
            now = utc_now()
            await self._db.run(lambda s: intents.close(s, closing, now))
            raise


def _adopted(zone: str, name: str, record: ProviderRecord) -> Effect:
    return Effect(Create(SetKey(zone, name, record.type), _entry(record)), record)


def _entry(record: ProviderRecord) -> Entry:
    return Entry(Value(record.content, record.priority), record.ttl)


def _tick(progress: Progress | None) -> None:
    if progress is not None:
        progress(1)
