"""Find out at DNSimple whether the operations of an intent happened.

One list call per (name, type) touched: records are matched by DNSimple id for updates and
deletes, and for a create by type, name, content and priority among the records that dns-api
does not own yet (a record it owns is never taken for a new one).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from dns_api.providers.base import DnsProvider, ProviderRecord


@dataclass(frozen=True, slots=True)
class Observation:
    """``applied``: True (it happened), False (it did not), None (neither: changed by hand)."""

    operation: dict[str, Any]
    applied: bool | None
    record: ProviderRecord | None = None


async def observe(
    provider: DnsProvider,
    zone: str,
    operations: Sequence[dict[str, Any]],
    owned_ids: Collection[int],
) -> list[Observation]:
    listed: dict[tuple[str, str], list[ProviderRecord]] = {}
    for operation in operations:
        key = (operation["name"], operation["type"])
        if key not in listed:
            listed[key] = await provider.list_records(zone, name=key[0], type=key[1])
    claimed: set[int] = set(owned_ids)
    observations = []
    for operation in operations:
        records = listed[(operation["name"], operation["type"])]
        observations.append(_observe_one(operation, records, claimed))
    return observations


def _observe_one(
    operation: dict[str, Any], records: list[ProviderRecord], claimed: set[int]
) -> Observation:
    action = operation["action"]
    if action == "create":
        for record in records:
            if record.id not in claimed and _holds(record, operation):
                claimed.add(record.id)
                return Observation(operation, True, record)
        return Observation(operation, False)
    by_id = {r.id: r for r in records}
    found = by_id.get(int(operation["dnsimple_record_id"]))
    if action == "delete":
        return Observation(operation, found is None, found)
    if found is None:
        return Observation(operation, None)
    if _holds(found, operation):
        return Observation(operation, True, found)
    if _holds(found, operation["before"]):
        return Observation(operation, False, found)
    return Observation(operation, None, found)


def _holds(record: ProviderRecord, values: dict[str, Any]) -> bool:
    return bool(
        record.content == values["content"]
        and record.priority == values["priority"]
        and record.ttl == values["ttl"]
    )
