"""Put DNSimple back as it was after part of a plan ran, as far as DNSimple lets us.

Newest change first: a created record is deleted, an updated one gets its old value back, and a
deleted one is created again (its row then points at the new DNSimple record). What cannot be
undone stays, and is recorded as done (the intent is closed ``failed``: reconcile shows it).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from dns_api.db.ledger import Effect
from dns_api.domain.operations import Create, Delete, Entry, Update
from dns_api.errors import UpstreamError
from dns_api.providers.base import DnsProvider, NewRecord, RecordChanges

log = logging.getLogger(__name__)


async def undo(provider: DnsProvider, zone: str, effects: Sequence[Effect]) -> list[Effect]:
    """Undo ``effects`` (in the order they happened); returns what stays at DNSimple, as
    effects to record."""
    left: list[Effect] = []
    for effect in reversed(effects):
        try:
            remaining = await _undo_one(provider, zone, effect)
        except UpstreamError as exc:
            log.error("could not undo a DNSimple change (%s): %s", effect.operation.kind, exc)
            remaining = effect
        if remaining is not None:
            left.append(remaining)
    return left[::-1]


async def _undo_one(provider: DnsProvider, zone: str, effect: Effect) -> Effect | None:
    operation, upstream = effect.operation, effect.upstream
    if isinstance(operation, Delete):
        again = await provider.create_record(zone, _again(operation))
        # The row stays; it now owns the record created again.
        return Effect(_repoint(operation), again)
    assert upstream is not None, "a create or an update leaves a record"
    if isinstance(operation, Create):
        await provider.delete_record(zone, upstream.id)
    else:
        before = operation.before
        restore = RecordChanges(before.value.content, before.ttl, before.value.priority)
        await provider.update_record(zone, upstream.id, restore)
    return None


def _again(delete: Delete) -> NewRecord:
    key, before = delete.key, delete.before
    return NewRecord(key.name, key.type, before.value.content, before.ttl, before.value.priority)


def _repoint(delete: Delete) -> Update:
    before: Entry = delete.before
    return Update(delete.key, delete.record_id, delete.dnsimple_id, before, before)
