"""Find out at DNSimple whether operations happened, when their answer did not say.

One list call per (name, type) touched: records are matched by DNSimple id for updates and
deletes, and for a create by type, name, content, priority and TTL among the records that
dns-api does not own yet (a record it owns is never taken for a new one).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from dns_api.domain.operations import Create, Delete, Entry, Operation
from dns_api.providers.base import DnsProvider, ProviderRecord


@dataclass(frozen=True, slots=True)
class Observation:
    """``applied``: True (it happened), False (it did not), None (neither: changed by hand).
    ``record``: what DNSimple holds for the operation now, when it holds anything."""

    operation: Operation
    applied: bool | None
    record: ProviderRecord | None = None


async def observe(
    provider: DnsProvider,
    zone: str,
    operations: Sequence[Operation],
    owned_ids: Collection[int],
) -> list[Observation]:
    listed: dict[tuple[str, str], list[ProviderRecord]] = {}
    for operation in operations:
        key = (operation.key.name, operation.key.type)
        if key not in listed:
            listed[key] = await provider.list_records(zone, name=key[0], type=key[1])
    claimed: set[int] = set(owned_ids)
    return [_observe_one(o, listed[(o.key.name, o.key.type)], claimed) for o in operations]


def _observe_one(
    operation: Operation, records: list[ProviderRecord], claimed: set[int]
) -> Observation:
    if isinstance(operation, Create):
        for record in records:
            if record.id not in claimed and _holds(record, operation.after):
                claimed.add(record.id)
                return Observation(operation, True, record)
        return Observation(operation, False)
    found = next((r for r in records if r.id == operation.dnsimple_id), None)
    if isinstance(operation, Delete):
        return Observation(operation, found is None, found)
    if found is None:
        return Observation(operation, None)
    if _holds(found, operation.after):
        return Observation(operation, True, found)
    if _holds(found, operation.before):
        return Observation(operation, False, found)
    return Observation(operation, None, found)


def _holds(record: ProviderRecord, entry: Entry) -> bool:
    value = entry.value
    return (record.content, record.priority, record.ttl) == (
        value.content,
        value.priority,
        entry.ttl,
    )
