"""Record sets, plans and changes as JSON (one shape for real writes and dry runs)."""

from __future__ import annotations

from typing import Any

from dns_api.domain import names
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
        record = delete.record
        operation: dict[str, Any] = {
            "action": "delete",
            "record_id": record.id,
            "name": record.name or APEX,
            "type": record.type,
        }
        if show_before:
            operation |= {"value": record.value.text(record.type), "ttl": record.ttl}
        operations.append(operation)
    for update in plan.updates:
        record = update.record
        operation = {
            "action": "update",
            "record_id": record.id,
            "name": record.name or APEX,
            "type": record.type,
            "value": update.value.text(record.type),
            "ttl": update.ttl,
        }
        if show_before:
            operation["before"] = {"value": record.value.text(record.type), "ttl": record.ttl}
        operations.append(operation)
    for create in plan.creates:
        operations.append(
            {
                "action": "create",
                "name": create.key.name or APEX,
                "type": create.key.type,
                "value": create.value.text(create.key.type),
                "ttl": create.ttl,
            }
        )
    return operations


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
