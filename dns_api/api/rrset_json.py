"""Record sets, plans and changes as JSON (one shape for real writes and dry runs)."""

from __future__ import annotations

from typing import Any

from dns_api.domain import names
from dns_api.domain.operations import Entry
from dns_api.domain.rdata import Value
from dns_api.domain.rrsets import Plan, RecordSet, SetKey
from dns_api.services.rrsets import SetChange

APEX = "@"


def key_json(key: SetKey) -> dict[str, Any]:
    """Names as stored (A-labels, ``@`` for the apex) and as people read them."""
    return {
        "zone": key.zone,
        "name": key.name or APEX,
        "type": key.type,
        "fqdn": key.fqdn,
        "fqdn_unicode": names.to_unicode(key.fqdn),
    }


def set_json(record_set: RecordSet) -> dict[str, Any]:
    return values_json(record_set.key, record_set.values, record_set.ttl, record_set.etag)


def values_json(
    key: SetKey, values: tuple[Value, ...], ttl: int | None, etag: str | None
) -> dict[str, Any]:
    return {
        **key_json(key),
        "ttl": ttl,
        "records": [value.text(key.type) for value in values],
        "etag": etag,
    }


def plan_json(plan: Plan, *, show_before: bool = True) -> list[dict[str, Any]]:
    """Each operation the plan makes at DNSimple, in words a person can check.

    ``show_before=False`` (a token that may not read the set) leaves out what the set held:
    the values of deleted records and the values updates replace."""
    operations: list[dict[str, Any]] = []
    for delete in plan.deletes:
        key = delete.key
        operation: dict[str, Any] = {
            "action": "delete",
            "record_id": delete.record_id,
            "name": key.name or APEX,
            "type": key.type,
        }
        if show_before:
            operation |= entry_json(key, delete.before)
        operations.append(operation)
    for update in plan.updates:
        key = update.key
        operation = {
            "action": "update",
            "record_id": update.record_id,
            "name": key.name or APEX,
            "type": key.type,
            **entry_json(key, update.after),
        }
        if show_before:
            operation["before"] = entry_json(key, update.before)
        operations.append(operation)
    for create in plan.creates:
        key = create.key
        operations.append(
            {"action": "create", "name": key.name or APEX, "type": key.type}
            | entry_json(key, create.after)
        )
    return operations


def entry_json(key: SetKey, entry: Entry) -> dict[str, Any]:
    return {"value": entry.value.text(key.type), "ttl": entry.ttl}


def change_json(change: SetChange, *, dry_run: bool) -> dict[str, Any]:
    shown = change.readable and change.before.records
    return {
        "rrset": values_json(change.key, change.after_values, change.after_ttl, change.after_etag),
        "before": set_json(change.before) if shown else None,
        "changes": plan_json(change.plan, show_before=change.readable),
        "summary": change.plan.summary(),
        "dry_run": dry_run,
    }


def plan_reply(plan: Plan, *, dry_run: bool, show_before: bool = True) -> dict[str, Any]:
    changes = plan_json(plan, show_before=show_before)
    return {"dry_run": dry_run, "changes": changes, "summary": plan.summary()}
