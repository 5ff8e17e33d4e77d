"""Carry a plan out at DNSimple: one batch when it can, else operation by operation.

A plan of two or more operations goes to DNSimple's batch endpoint, which applies it atomically
(deletes, then updates, then creates). Accounts without batch changes (DNSimple answers 412) get
the operations one by one instead, in an order that keeps names resolving; ``BatchSupport``
remembers that for the life of the process. An answer that leaves it unclear whether DNSimple
made a change (a timeout, a 5xx) is never simply repeated: DNSimple is asked what it holds first
(``services.probing``). A plan that fails part-way raises ``PartlyApplied`` with what it did, so
the caller can undo it (``services.undo``) and record what stays.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from dns_api.db import records
from dns_api.db.database import Database
from dns_api.db.ledger import Effect
from dns_api.domain.operations import Create, Operation, Plan, Update, must_delete_first
from dns_api.errors import (
    DnsApiError,
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
from dns_api.services.probing import Observation, observe

log = logging.getLogger(__name__)

# Failures after which DNSimple may or may not have made the change.
AMBIGUOUS = (UpstreamTimeout, UpstreamUnavailable)


class PartlyApplied(Exception):
    """A plan that failed at DNSimple: ``done`` happened (to be undone), ``unresolved`` may or
    may not have (a pending intent: recovery finds out), ``cause`` is what the client hears."""

    def __init__(
        self, cause: DnsApiError, done: list[Effect], unresolved: tuple[Operation, ...] = ()
    ) -> None:
        super().__init__(cause.detail)
        self.cause, self.done, self.unresolved = cause, done, unresolved


class _Unclear(Exception):
    def __init__(self, cause: UpstreamError) -> None:
        super().__init__(cause.detail)
        self.cause = cause


class BatchSupport:
    """Whether this account has DNSimple's batch changes: assumed until DNSimple says no."""

    def __init__(self) -> None:
        self.available = True

    def lacking(self) -> None:
        if self.available:
            log.info("DNSimple batch changes are not on this plan; changing one by one")
        self.available = False


class UpstreamWriter:
    def __init__(self, database: Database, provider: DnsProvider, batch: BatchSupport) -> None:
        self._db = database
        self._provider = provider
        self._batch = batch

    async def apply(self, zone: str, plan: Plan) -> list[Effect]:
        """Carry ``plan`` out; returns each operation's effect, in the order they happened."""
        if plan.operation_count > 1 and self._batch.available:
            effects = await self._by_batch(zone, plan)
            if effects is not None:
                return effects
        return await self._one_by_one(zone, plan)

    async def _by_batch(self, zone: str, plan: Plan) -> list[Effect] | None:
        """The batch's effects, or ``None`` when the plan is to go one by one instead."""
        try:
            return await self._send_batch(zone, plan)
        except UpstreamFeatureUnavailable:
            self._batch.lacking()
        except UpstreamRejected as exc:
            if not (plan.updates or plan.deletes):
                raise PartlyApplied(exc, []) from exc
            # A record gone at DNSimple fails the whole batch; one by one says which.
            log.info("DNSimple refused a batch; retrying one by one to find the cause")
        except AMBIGUOUS as exc:
            return await self._batch_outcome(zone, plan, exc)
        except UpstreamError as exc:
            raise PartlyApplied(exc, []) from exc
        return None

    async def _send_batch(self, zone: str, plan: Plan) -> list[Effect]:
        result = await self._provider.batch_change(
            zone,
            creates=[new_record(c) for c in plan.creates],
            updates=[RecordUpdate(u.dnsimple_id, changes(u)) for u in plan.updates],
            deletes=[d.dnsimple_id for d in plan.deletes],
        )
        return [
            *(Effect(d) for d in plan.deletes),
            *map(Effect, plan.updates, result.updated),
            *map(Effect, plan.creates, result.created),
        ]

    async def _batch_outcome(
        self, zone: str, plan: Plan, error: UpstreamError
    ) -> list[Effect] | None:
        """After an unclear batch answer: the effects if DNSimple applied it, ``None`` if it did
        not (so it can be sent again one by one); anything else is raised (the intent stays
        pending for recovery)."""
        log.warning("unclear answer to a DNSimple batch (%s); checking what DNSimple holds", error)
        seen = await self._observe(zone, plan.operations)
        if all(o.applied is False for o in seen):
            return None
        if not all(o.applied for o in seen):
            raise error  # a batch is atomic: a mix means someone else changed these records
        return [Effect(o.operation, o.record) for o in seen]

    async def _one_by_one(self, zone: str, plan: Plan) -> list[Effect]:
        done: list[Effect] = []
        for operation in _safe_order(plan):
            try:
                done.append(await self._send(zone, operation))
            except _Unclear as unclear:
                raise PartlyApplied(unclear.cause, done, (operation,)) from unclear.cause
            except (UpstreamError, UpstreamDrift) as exc:
                raise PartlyApplied(exc, done) from exc
        return done

    async def _send(self, zone: str, operation: Operation) -> Effect:
        if isinstance(operation, Create):
            return Effect(operation, await self._create(zone, operation))
        try:
            if isinstance(operation, Update):
                changed = await self._provider.update_record(
                    zone, operation.dnsimple_id, changes(operation)
                )
                return Effect(operation, changed)
            await self._provider.delete_record(zone, operation.dnsimple_id)
        except AMBIGUOUS as exc:  # retried already: it may or may not have happened
            raise _Unclear(exc) from exc
        except UpstreamNotFound as exc:
            if isinstance(operation, Update):
                raise UpstreamDrift(_gone(operation)) from exc
            log.info("DNSimple record %s was already gone", operation.dnsimple_id)
        return Effect(operation)

    async def _create(self, zone: str, create: Create) -> ProviderRecord:
        try:
            return await self._provider.create_record(zone, new_record(create))
        except AMBIGUOUS as exc:
            # Never a second create before checking that the first did not happen.
            try:
                [seen] = await self._observe(zone, [create])
            except UpstreamError:
                raise _Unclear(exc) from exc
            if seen.applied and seen.record is not None:
                return seen.record
            log.warning("a DNSimple create did not happen (%s); sending it again", exc)
        try:
            return await self._provider.create_record(zone, new_record(create))
        except AMBIGUOUS as again:
            raise _Unclear(again) from again

    async def _observe(self, zone: str, operations: Sequence[Operation]) -> list[Observation]:
        """What DNSimple holds for ``operations``; records dns-api owns at the names of the
        creates are never taken for a new one."""
        names = sorted({o.key.name for o in operations if isinstance(o, Create)})
        owned = await self._db.read(lambda c: records.at_names(c, zone, names))
        return await observe(
            self._provider, zone, operations, {r.dnsimple_record_id for r in owned}
        )


def _safe_order(plan: Plan) -> tuple[Operation, ...]:
    """One by one, names keep resolving: updates, creates, then deletes; unless a CNAME takes
    the place of another type (or the reverse): then the deletes go first."""
    if must_delete_first(plan):
        return (*plan.deletes, *plan.updates, *plan.creates)
    return (*plan.updates, *plan.creates, *plan.deletes)


def new_record(create: Create) -> NewRecord:
    after = create.after
    key = create.key
    return NewRecord(key.name, key.type, after.value.content, after.ttl, after.value.priority)


def changes(update: Update) -> RecordChanges:
    """Only the fields that change, so a TTL change never resends the content."""
    before, after = update.before, update.after
    return RecordChanges(
        content=after.value.content if after.value.content != before.value.content else None,
        ttl=after.ttl if after.ttl != before.ttl else None,
        priority=after.value.priority if after.value.priority != before.value.priority else None,
    )


def _gone(update: Update) -> str:
    key = update.key
    return (
        f"{key.type} record {key.fqdn} ({update.before.value.content}) was deleted at DNSimple "
        "outside dns-api; delete it here and create it again"
    )
