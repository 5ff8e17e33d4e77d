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


def plan_json(plan: Plan) -> list[dict[str, Any]]:
    """Each operation the plan makes at DNSimple, in words a person can check."""
    operations: list[dict[str, Any]] = []
    for delete in plan.deletes:
        record = delete.record
        operations.append(
            {
                "action": "delete",
                "record_id": record.id,
                "name": record.name or APEX,
                "type": record.type,
                "value": record.value.text(record.type),
                "ttl": record.ttl,
            }
        )
    for update in plan.updates:
        record = update.record
        operations.append(
            {
                "action": "update",
                "record_id": record.id,
                "name": record.name or APEX,
                "type": record.type,
                "value": update.value.text(record.type),
                "ttl": update.ttl,
                "before": {"value": record.value.text(record.type), "ttl": record.ttl},
            }
        )
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
    return {
        "rrset": values_json(change.key, change.after_values, change.after_ttl, change.after_etag),
        "before": set_json(change.before) if change.before.records else None,
        "changes": plan_json(change.plan),
        "summary": change.plan.summary(),
        "dry_run": dry_run,
    }


def plan_reply(plan: Plan, *, dry_run: bool) -> dict[str, Any]:
    return {"dry_run": dry_run, "changes": plan_json(plan), "summary": plan.summary()}
