"""Record-set use cases: read sets, and change one or many sets as one plan.

A change is first authorized from the request alone (``access.authorize_request``: nothing is
read yet, so a token learns nothing about sets it may not read, and ``If-Match`` /
``If-None-Match`` need read access). It then holds the locks of every name it touches (sorted,
so two changes never wait on each other), reads those names once, checks the preconditions,
works out the plan, checks every operation of it against the token and the global rules, checks
that a CNAME stays alone at its name, and hands the plan to the ``PlanRunner``. A dry run stops
before the runner.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from functools import partial

from dns_api.db import records as stored
from dns_api.db.database import Database
from dns_api.domain import names
from dns_api.domain.patterns import ANY
from dns_api.domain.policy import Action, Principal, decide, reads_everything
from dns_api.domain.rdata import Value
from dns_api.domain.records import ManagedRecord, ZoneRules
from dns_api.domain.rrsets import (
    EntityTags,
    Plan,
    RecordSet,
    SetKey,
    ordered,
    plan_delete,
    plan_set,
)
from dns_api.domain.set_requests import Precondition, SetChange, SetRequest
from dns_api.errors import Conflict, NotFound, PermissionDenied, PreconditionFailed
from dns_api.providers.base import DnsProvider
from dns_api.services.access import authorize_request, authorize_write, may_read_set
from dns_api.services.audit import AuditTrail
from dns_api.services.locks import NameLocks
from dns_api.services.ownership import check_unowned
from dns_api.services.plans import PlanRunner

MAX_CHANGES = 100

__all__ = ["MAX_CHANGES", "Precondition", "RecordSetService", "SetChange", "SetRequest"]


class RecordSetService:
    def __init__(
        self,
        database: Database,
        provider: DnsProvider,
        runner: PlanRunner,
        rules: ZoneRules,
        locks: NameLocks,
        audit: AuditTrail,
        tags: EntityTags,
    ) -> None:
        self._db = database
        self._tags = tags
        self._audit = audit
        self._provider = provider
        self._runner = runner
        self._rules = rules
        self._locks = locks

    def zones(self, principal: Principal) -> list[str]:
        """The configured zones where some grant of ``principal`` lets it read."""
        return sorted(
            zone
            for zone in self._rules.zones
            if any(
                Action.READ in g.actions and (ANY in g.zones or zone in g.zones)
                for g in principal.grants
            )
        )

    async def list_sets(
        self,
        principal: Principal,
        zone: str,
        *,
        name: str | None = None,
        type: str | None = None,
        after: tuple[str, str] | None = None,
        limit: int = 100,
    ) -> tuple[list[RecordSet], tuple[str, str] | None]:
        """A page of the sets ``principal`` may read, in (name, type) order, and the next cursor."""
        self._check_zone(zone)
        keys = await self._readable_keys(principal, zone, name, type, after, limit + 1)
        page, more = keys[:limit], len(keys) > limit
        if not page:
            return [], None
        wanted = sorted({n for n, _ in page})
        records = await self._db.read(lambda c: stored.at_names(c, zone, wanted))
        by_key: dict[tuple[str, str], list[ManagedRecord]] = defaultdict(list)
        for record in records:
            by_key[(record.name, record.type)].append(record)
        sets = [
            self._tags.record_set(SetKey(zone, n, t), by_key[(n, t)])
            for n, t in page
            if by_key[(n, t)]
        ]
        return sets, (page[-1] if more else None)

    async def _readable_keys(
        self,
        principal: Principal,
        zone: str,
        name: str | None,
        type: str | None,
        after: tuple[str, str] | None,
        wanted: int,
    ) -> list[tuple[str, str]]:
        """Up to ``wanted`` keys the principal may read, in order, after ``after``. The database
        filters by the grants (a close superset: ``db.visibility``); each key is then checked
        exactly, reading further while some were dropped."""
        everything = reads_everything(principal)
        readable_by = None if everything else principal.grants
        keys: list[tuple[str, str]] = []
        while len(keys) < wanted:
            asked = wanted - len(keys)
            found = await self._db.read(
                partial(
                    stored.set_keys,
                    zone=zone,
                    name=name,
                    type=type,
                    readable_by=readable_by,
                    after=after,
                    limit=asked,
                )
            )
            keys += [k for k in found if everything or may_read_set(principal, zone, *k)]
            if len(found) < asked:
                break
            after = found[-1]
        return keys

    async def get_set(self, principal: Principal, key: SetKey) -> RecordSet:
        """The set ``key``; ``NotFound`` when empty or when ``principal`` may not read it."""
        self._check_zone(key.zone)
        if not may_read_set(principal, key.zone, key.name, key.type):
            raise NotFound(f"No {key.label()} records")
        records = await self._db.read(lambda c: stored.of_set(c, key.zone, key.name, key.type))
        if not records:
            raise NotFound(f"No {key.label()} records")
        return self._tags.record_set(key, records)

    def empty_set(self, key: SetKey) -> RecordSet:
        return self._tags.record_set(key, ())

    async def change(
        self, principal: Principal, requests: Sequence[SetRequest], *, dry_run: bool = False
    ) -> list[SetChange]:
        """Apply every request as one plan (or work it out only, for a dry run)."""
        if len({r.key for r in requests}) != len(requests):
            raise Conflict("A change lists the same record set twice")
        if len({r.key.zone for r in requests}) > 1:
            raise Conflict("A change covers one zone; send one change per zone")
        for request in requests:
            self._check_zone(request.key.zone)
            self._authorize_request(principal, request)
        names_touched = {(r.key.zone, r.key.name) for r in requests}
        async with self._locks.hold_all(names_touched):
            at_names = await self._records_at(names_touched)
            changes = [self._plan(principal, r, at_names) for r in requests]
            _check_cname_alone(requests, at_names)
            await self._check_ownership(changes, at_names)
            if dry_run:
                return changes
            plan = sum((c.plan for c in changes), Plan())
            saved: list[ManagedRecord] = []
            if not plan.is_empty:
                saved = await self._runner.run(requests[0].key.zone, plan, principal.user)
            return [_with_records(c, saved) for c in changes]

    def _plan(
        self,
        principal: Principal,
        request: SetRequest,
        at_names: dict[tuple[str, str], list[ManagedRecord]],
    ) -> SetChange:
        key = request.key
        current = [r for r in at_names[(key.zone, key.name)] if r.type == key.type]
        before = self._tags.record_set(key, current)
        problem = request.precondition.check(before)
        if problem is not None:
            raise PreconditionFailed(f"{key.label()}: {problem}")
        if request.create_only and current:
            raise Conflict(
                f"{key.type} record {key.fqdn} already exists; change it with PATCH "
                "/records/<id>, or add values with PUT /zones/<zone>/rrsets/<name>/<type>"
            )
        wanted = request.edit.values(current) if request.edit else request.values
        values: tuple[Value, ...] = ()
        ttl: int | None = None
        if request.edit is not None and not wanted:
            plan = plan_delete(current)  # nothing left (or nothing there: nothing to do)
        elif wanted is None:
            if not current:
                raise NotFound(f"No {key.label()} records")
            plan = plan_delete(current)
        else:
            ttl = request.ttl or before.ttl or self._rules.default_ttl
            plan = plan_set(key, current, wanted, ttl)
            values = ordered(wanted)
        if request.edit is None or not plan.is_empty:  # an edit that changes nothing is as asked
            self._authorize(principal, key, plan, deleting=not wanted)
        after_etag = self._tags.of(key, [(v, ttl) for v in values]) if ttl else None
        readable = may_read_set(principal, key.zone, key.name, key.type)
        return SetChange(key, before, values, ttl, after_etag, plan, readable)

    def _authorize_request(self, principal: Principal, request: SetRequest) -> None:
        """What the request asks, before anything is read (see the module docstring)."""
        key = request.key
        if request.edit is not None:
            add = request.edit.add is not None
            actions: tuple[Action, ...] = (Action.CREATE,) if add else (Action.DELETE,)
        elif request.values is None:
            actions = (Action.DELETE,)
        elif request.create_only:
            actions = (Action.CREATE,)
        else:
            actions = (Action.CREATE, Action.UPDATE)
        authorize_request(self._rules, principal, actions, key.zone, key.name, key.type)
        if request.precondition.given and not may_read_set(principal, key.zone, key.name, key.type):
            raise PermissionDenied(
                f"If-Match and If-None-Match need read access to {key.label()} (an ETag tells "
                "whether the set changed)",
                target={"zone": key.zone, "name": key.name, "type": key.type, "action": "read"},
            )

    def _authorize(self, principal: Principal, key: SetKey, plan: Plan, *, deleting: bool) -> None:
        needed = {Action.CREATE for _ in plan.creates} | {Action.UPDATE for _ in plan.updates}
        needed |= {Action.DELETE for _ in plan.deletes}
        if not needed and not deleting:
            # A set already as asked: still only for a token that could have written it.
            allowed = [
                a
                for a in (Action.CREATE, Action.UPDATE)
                if decide(principal, a, key.zone, key.name, key.type).allowed
            ]
            needed = {allowed[0] if allowed else Action.UPDATE}
        for action in sorted(needed):
            authorize_write(self._rules, principal, action, key.zone, key.name, key.type)

    async def _check_ownership(
        self, changes: list[SetChange], at_names: dict[tuple[str, str], list[ManagedRecord]]
    ) -> None:
        """A look at DNSimple where records are to be created (see ``services.ownership``)."""
        creating: dict[tuple[str, str], set[str]] = defaultdict(set)
        for change in changes:
            for create in change.plan.creates:
                creating[(create.key.zone, create.key.name)].add(create.key.type)
        if not creating:
            return
        zone = changes[0].key.zone  # a change covers one zone
        owned = {r.dnsimple_record_id for records in at_names.values() for r in records}
        by_name = {name: types for (_, name), types in creating.items()}
        await check_unowned(self._provider, zone, by_name, owned)

    async def _records_at(
        self, names_touched: set[tuple[str, str]]
    ) -> dict[tuple[str, str], list[ManagedRecord]]:
        by_zone: dict[str, list[str]] = defaultdict(list)
        for zone, name in names_touched:
            by_zone[zone].append(name)
        found: dict[tuple[str, str], list[ManagedRecord]] = {k: [] for k in names_touched}
        for zone, zone_names in by_zone.items():
            for record in await self._db.read(
                partial(stored.at_names, zone=zone, names=zone_names)
            ):
                found[(record.zone, record.name)].append(record)
        return found

    def _check_zone(self, zone: str) -> None:
        if zone not in self._rules.zones:
            raise PermissionDenied(f"zone {zone} is not managed by this service (DNSIMPLE_DOMAINS)")


def _with_records(change: SetChange, saved: list[ManagedRecord]) -> SetChange:
    key = change.key
    records = [*change.plan.unchanged, *saved]
    mine = tuple(r for r in records if (r.zone, r.name, r.type) == (key.zone, key.name, key.type))
    return replace(change, after_records=mine)


def _check_cname_alone(
    requests: Sequence[SetRequest], at_names: dict[tuple[str, str], list[ManagedRecord]]
) -> None:
    """A CNAME owns its name: no other type may be there once the change is done."""
    for (zone, name), records in at_names.items():
        final = {r.type for r in records}
        for request in requests:
            if (request.key.zone, request.key.name) != (zone, name):
                continue
            final.discard(request.key.type)
            if request.values:
                final.add(request.key.type)
        if "CNAME" in final and len(final) > 1:
            others = ", ".join(sorted(final - {"CNAME"}))
            raise Conflict(
                f"{names.fqdn(name, zone)} would hold a CNAME next to {others} records; a CNAME "
                "must be alone at its name (delete the others in the same change: "
                "POST /zones/<zone>/changes)"
            )
