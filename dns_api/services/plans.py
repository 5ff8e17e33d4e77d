"""Carry out a ``Plan``: at DNSimple first, then in the database, never half of it.

Before DNSimple is called, the plan is written down as a pending intent (``services.intents``):
if the process dies mid-way, the next start finds it and finishes or undoes it.

A plan of two or more operations goes to DNSimple's batch endpoint, which applies it atomically
(deletes, then updates, then creates). Accounts without batch changes (DNSimple answers 412)
get the operations one by one instead, in an order that keeps names resolving, and if one fails
the ones already done are undone. An answer that leaves it unclear whether DNSimple made the
change (a timeout, a 5xx) is never simply repeated: DNSimple is asked what it holds first. What
DNSimple holds afterwards is written to the database in one transaction, which also closes the
intent; if that write fails, the DNSimple changes are undone as far as possible.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from dns_api.db import queries
from dns_api.db.database import Database
from dns_api.domain.records import ManagedRecord
from dns_api.domain.rrsets import Create, Delete, Plan, Update, must_delete_first
from dns_api.errors import (
    StorageUnavailable,
    UpstreamDrift,
    UpstreamError,
    UpstreamFeatureUnavailable,
    UpstreamNotFound,
    UpstreamRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from dns_api.providers.base import (
    DnsProvider,
    NewRecord,
    ProviderRecord,
    RecordChanges,
    RecordUpdate,
)
from dns_api.services.audit import current_actor
from dns_api.services.clock import utc_now
from dns_api.services.intents import (
    DONE,
    FAILED,
    UNDONE,
    IntentLog,
    operations_of,
)
from dns_api.services.observe import observe
from dns_api.services.outcomes import Outcome, save_outcome

# Failures after which DNSimple may or may not have made the change.
AMBIGUOUS = (UpstreamTimeout, UpstreamUnavailable)


class _Unresolved(UpstreamError):
    """A step whose fate DNSimple would not tell: it is left to recovery as a pending intent."""

    def __init__(self, cause: UpstreamError, operations: list[dict[str, Any]]) -> None:
        super().__init__(cause.detail, upstream_status=cause.upstream_status)
        self.cause = cause
        self.operations = operations


log = logging.getLogger(__name__)


class PlanRunner:
    """Runs plans for every record service, sharing what it learnt about the batch endpoint."""

    def __init__(self, database: Database, provider: DnsProvider, intents: IntentLog) -> None:
        self._db = database
        self._provider = provider
        self._intents = intents
        self._batch_available = True

    async def run(self, zone: str, plan: Plan, actor: str) -> list[ManagedRecord]:
        """Apply ``plan`` in ``zone``; returns the records created and updated, as stored."""
        if plan.is_empty:
            return []
        intent_id = await self._intents.open(zone, plan, actor)
        outcome = await self._apply_upstream(zone, plan, intent_id)
        try:
            return await self._save(outcome, actor, intent_id, DONE)
        except StorageUnavailable:
            await self._undo(zone, outcome)
            await self._save_after_failure(outcome, intent_id)
            raise

    async def _apply_upstream(self, zone: str, plan: Plan, intent_id: int) -> Outcome:
        if plan.operation_count > 1 and self._batch_available:
            try:
                return await self._apply_batch(zone, plan)
            except UpstreamFeatureUnavailable:
                log.info("DNSimple batch changes are not on this plan; changing one by one")
                self._batch_available = False
            except UpstreamRejected:
                if not (plan.updates or plan.deletes):
                    await self._intents.close(intent_id, UNDONE, "DNSimple refused the change")
                    raise
                # A record gone at DNSimple fails the whole batch; one by one says which.
                log.info("DNSimple refused a batch; retrying one by one to find the cause")
            except AMBIGUOUS as exc:
                outcome = await self._batch_outcome(zone, plan, exc)
                if outcome is not None:
                    return outcome
            except UpstreamError:
                await self._intents.close(intent_id, UNDONE, "DNSimple refused the change")
                raise
        return await self._apply_one_by_one(zone, plan, intent_id)

    async def _apply_batch(self, zone: str, plan: Plan) -> Outcome:
        result = await self._provider.batch_change(
            zone,
            creates=[_new_record(c) for c in plan.creates],
            updates=[RecordUpdate(u.record.dnsimple_record_id, _changes(u)) for u in plan.updates],
            deletes=[d.record.dnsimple_record_id for d in plan.deletes],
        )
        return Outcome(
            created=list(zip(plan.creates, result.created, strict=True)),
            updated=list(zip(plan.updates, result.updated, strict=True)),
            deleted=[d.record for d in plan.deletes],
        )

    async def _batch_outcome(self, zone: str, plan: Plan, error: UpstreamError) -> Outcome | None:
        """After an unclear batch answer: the outcome if DNSimple applied it, ``None`` if it did
        not (so it can be sent again one by one); anything else is raised."""
        log.warning("unclear answer to a DNSimple batch (%s); checking what DNSimple holds", error)
        owned = await self._owned_ids(zone, plan)
        seen = await observe(self._provider, zone, operations_of(plan), owned)
        if all(o.applied is False for o in seen):
            return None
        if not all(o.applied for o in seen):
            raise error  # a batch is atomic: a mix means someone else changed these records
        created = [o.record for o in seen if o.operation["action"] == "create"]
        updated = [o.record for o in seen if o.operation["action"] == "update"]
        return Outcome(
            created=[(c, r) for c, r in zip(plan.creates, created, strict=True) if r],
            updated=[(u, r) for u, r in zip(plan.updates, updated, strict=True) if r],
            deleted=[d.record for d in plan.deletes],
        )

    async def _owned_ids(self, zone: str, plan: Plan) -> set[int]:
        touched = sorted({c.key.name for c in plan.creates})
        rows = await self._db.read(lambda c: queries.records_at_names(c, zone, touched))
        return {row.dnsimple_record_id for row in rows}

    async def _apply_one_by_one(self, zone: str, plan: Plan, intent_id: int) -> Outcome:
        outcome = Outcome()
        creates = [self._create_step(zone, c, outcome) for c in plan.creates]
        updates = [self._update_step(zone, u, outcome) for u in plan.updates]
        deletes = [self._delete_step(zone, d, outcome) for d in plan.deletes]
        if must_delete_first(plan):
            steps = [*deletes, *updates, *creates]
        else:
            steps = [*updates, *creates, *deletes]
        try:
            for step in steps:
                await step()
        except UpstreamError as exc:
            await self._undo(zone, outcome)
            unresolved = exc.operations if isinstance(exc, _Unresolved) else []
            await self._save_after_failure(outcome, intent_id, zone, unresolved)
            if isinstance(exc, _Unresolved):
                raise exc.cause from None
            raise
        return outcome

    def _create_step(
        self, zone: str, create: Create, outcome: Outcome
    ) -> Callable[[], Awaitable[None]]:
        async def step() -> None:
            unresolved = operations_of(Plan(creates=(create,)))
            try:
                record = await self._provider.create_record(zone, _new_record(create))
            except AMBIGUOUS as exc:
                # Never a second create before checking that the first did not happen.
                try:
                    found = await self._find_created(zone, create)
                except UpstreamError:
                    raise _Unresolved(exc, unresolved) from exc
                if found is None:
                    log.warning("a DNSimple create did not happen (%s); sending it again", exc)
                    try:
                        found = await self._provider.create_record(zone, _new_record(create))
                    except AMBIGUOUS as again:
                        raise _Unresolved(again, unresolved) from again
                record = found
            outcome.created.append((create, record))

        return step

    async def _find_created(self, zone: str, create: Create) -> ProviderRecord | None:
        plan = Plan(creates=(create,))
        [seen] = await observe(
            self._provider, zone, operations_of(plan), await self._owned_ids(zone, plan)
        )
        return seen.record if seen.applied else None

    def _update_step(
        self, zone: str, update: Update, outcome: Outcome
    ) -> Callable[[], Awaitable[None]]:
        async def step() -> None:
            record = update.record
            try:
                stored = await self._provider.update_record(
                    zone, record.dnsimple_record_id, _changes(update)
                )
            except AMBIGUOUS as exc:  # retried already: it may or may not have happened
                raise _Unresolved(exc, operations_of(Plan(updates=(update,)))) from exc
            except UpstreamNotFound as exc:
                raise UpstreamDrift(
                    f"{record.type} record {record.fqdn} ({record.content}) was deleted at "
                    "DNSimple outside dns-api; delete it here and create it again"
                ) from exc
            outcome.updated.append((update, stored))

        return step

    def _delete_step(
        self, zone: str, delete: Delete, outcome: Outcome
    ) -> Callable[[], Awaitable[None]]:
        async def step() -> None:
            record = delete.record
            try:
                await self._provider.delete_record(zone, record.dnsimple_record_id)
            except AMBIGUOUS as exc:
                raise _Unresolved(exc, operations_of(Plan(deletes=(delete,)))) from exc
            except UpstreamNotFound:
                log.info("DNSimple record %s was already gone", record.dnsimple_record_id)
            outcome.deleted.append(record)

        return step

    async def _undo(self, zone: str, outcome: Outcome) -> None:
        """Put DNSimple back as it was, newest change first; ``outcome`` keeps what remains."""
        for create, record in reversed(list(outcome.created)):
            if await self._quietly(self._provider.delete_record(zone, record.id)):
                outcome.created.remove((create, record))
        for update, record in reversed(list(outcome.updated)):
            before = update.record
            restore = RecordChanges(
                content=before.content, ttl=before.ttl, priority=before.priority
            )
            if await self._quietly(self._provider.update_record(zone, record.id, restore)):
                outcome.updated.remove((update, record))
        for deleted in reversed(list(outcome.deleted)):
            again = NewRecord(
                deleted.name, deleted.type, deleted.content, deleted.ttl, deleted.priority
            )
            try:
                record = await self._provider.create_record(zone, again)
            except UpstreamError:
                log.error("could not put back DNSimple record %s", deleted.dnsimple_record_id)
                continue
            outcome.deleted.remove(deleted)
            outcome.recreated.append((deleted, record))

    @staticmethod
    async def _quietly(call: Awaitable[object]) -> bool:
        try:
            await call
        except UpstreamError as exc:
            log.error("could not undo a DNSimple change: %s", exc)
            return False
        return True

    async def _save_after_failure(
        self,
        outcome: Outcome,
        intent_id: int,
        zone: str = "",
        unresolved: list[dict[str, Any]] | None = None,
    ) -> None:
        """Record what stayed at DNSimple after a failure and close the intent; a step whose
        fate is unknown goes to a new pending intent, resolved later by looking at DNSimple."""
        status = UNDONE if outcome.is_empty and not unresolved else FAILED
        note = None if status == UNDONE else "some changes could not be undone at DNSimple"
        try:
            await self._save(outcome, "dns-api", intent_id, status, note, zone, unresolved)
        except StorageUnavailable:
            log.error("could not record a failed change; it is finished at the next start")

    async def _save(
        self,
        outcome: Outcome,
        actor: str,
        intent_id: int,
        status: str,
        note: str | None = None,
        zone: str = "",
        unresolved: list[dict[str, Any]] | None = None,
    ) -> list[ManagedRecord]:
        who = current_actor(actor)  # read here: the transaction may run on another thread
        record = partial(
            save_outcome, outcome, who, intent_id, status, note, zone, unresolved, utc_now()
        )
        return await self._db.run(record)


def _new_record(create: Create) -> NewRecord:
    return NewRecord(
        name=create.key.name,
        type=create.key.type,
        content=create.value.content,
        ttl=create.ttl,
        priority=create.value.priority,
    )


def _changes(update: Update) -> RecordChanges:
    """Only the fields that change, so a TTL change never resends the content."""
    before = update.record
    return RecordChanges(
        content=update.value.content if update.value.content != before.content else None,
        ttl=update.ttl if update.ttl != before.ttl else None,
        priority=update.value.priority if update.value.priority != before.priority else None,
    )
