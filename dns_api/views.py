"""Every JSON shape the HTTP API and the CLI show: tokens, records, record sets, plans, audit
events and reconcile reports (never a secret).

Names are shown as stored (A-labels, ``@`` for the apex); key order is part of the shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from dns_api.db.audit import Event
from dns_api.db.intents import Intent
from dns_api.domain import names
from dns_api.domain.names import APEX
from dns_api.domain.operations import Delete, Entry, Operation, Plan
from dns_api.domain.policy import Principal
from dns_api.domain.rdata import Value
from dns_api.domain.records import ManagedRecord, SetKey
from dns_api.domain.rrsets import RecordSet
from dns_api.domain.set_requests import SetChange
from dns_api.providers.base import ProviderRecord
from dns_api.services.clock import utc_now
from dns_api.services.reconcile_plan import KINDS, Adoption, ApplyResult, Drift, ZonePlan
from dns_api.services.recovery import Resolution
from dns_api.services.tokens import TokenInfo

JsonObject = dict[str, Any]


def timestamp(moment: datetime) -> str:
    """ISO-8601 in UTC with a trailing Z, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _when(moment: datetime | None) -> str | None:
    return timestamp(moment) if moment else None


def _shown_name(name: str) -> str:
    """A relative name as people read it: ``@`` for the apex."""
    return name or APEX


# Tokens and callers


def token_json(info: TokenInfo, now: datetime | None = None) -> JsonObject:
    """A token as shown to people and scripts: never its secret."""
    now = now or utc_now()
    status = "active"
    if info.revoked_at is not None:
        status = "revoked"
    elif info.expires_at is not None and info.expires_at <= now:
        status = "expired"
    return {
        "id": info.id,
        "type": "token",
        "name": info.name,
        "owner": info.owner,
        "status": status,
        "grants": [g.to_json() for g in info.grants],
        "cidrs": list(info.networks),
        "can_mint": info.can_mint,
        "created": timestamp(info.created_at),
        "created_by": info.created_by,
        "expires": _when(info.expires_at),
        "revoked": _when(info.revoked_at),
        "last_used": _when(info.last_used_at),
    }


def principal_json(principal: Principal) -> JsonObject:
    return {
        "id": principal.token_id,
        "kind": str(principal.token_kind),
        "name": principal.token_name,
        "grants": [g.to_json() for g in principal.grants],
        "cidrs": list(principal.networks),
        "can_mint": principal.can_mint,
        "expires": _when(principal.expires_at),
    }


# Records and record sets


def record_json(record: ManagedRecord) -> JsonObject:
    """A record in the original service's shape, plus the newer fields."""
    return {
        "id": record.id,
        "type": "record",
        "domain_key": record.domain_key,
        "domain_type": record.type,
        "domain": record.zone,
        "subdomain": _shown_name(record.name),
        "to": record.value.text(record.type),
        "ttl": record.ttl,
        "priority": record.priority,
        "fqdn": record.fqdn,
        "fqdn_unicode": names.to_unicode(record.fqdn),
        "dnsimple_record_id": record.dnsimple_record_id,
        "created": timestamp(record.created_at),
        "updated": timestamp(record.updated_at),
        "created_by": record.created_by,
    }


def key_json(key: SetKey) -> JsonObject:
    """Names as stored (A-labels, ``@`` for the apex) and as people read them."""
    return {
        "zone": key.zone,
        "name": _shown_name(key.name),
        "type": key.type,
        "fqdn": key.fqdn,
        "fqdn_unicode": names.to_unicode(key.fqdn),
    }


def set_json(record_set: RecordSet) -> JsonObject:
    return _set_values_json(record_set.key, record_set.values, record_set.ttl, record_set.etag)


def _set_values_json(
    key: SetKey, values: tuple[Value, ...], ttl: int | None, etag: str | None
) -> JsonObject:
    return {
        **key_json(key),
        "ttl": ttl,
        "records": [value.text(key.type) for value in values],
        "etag": etag,
    }


# Plans and changes (one shape for real writes and dry runs)


def plan_json(plan: Plan, *, show_before: bool = True) -> list[JsonObject]:
    """Each operation the plan makes at DNSimple, in words a person can check.

    ``show_before=False`` (a token that may not read the set) leaves out what the set held:
    the values of deleted records and the values updates replace."""
    operations: list[JsonObject] = []
    for delete in plan.deletes:
        operation = {"action": "delete", "record_id": delete.record_id, **_target(delete.key)}
        if show_before:
            operation |= _entry_json(delete.key, delete.before)
        operations.append(operation)
    for update in plan.updates:
        key = update.key
        operation = {
            "action": "update",
            "record_id": update.record_id,
            **_target(key),
            **_entry_json(key, update.after),
        }
        if show_before:
            operation["before"] = _entry_json(key, update.before)
        operations.append(operation)
    for create in plan.creates:
        operations.append(
            {"action": "create", **_target(create.key), **_entry_json(create.key, create.after)}
        )
    return operations


def _target(key: SetKey) -> JsonObject:
    return {"name": _shown_name(key.name), "type": key.type}


def _entry_json(key: SetKey, entry: Entry) -> JsonObject:
    return {"value": entry.value.text(key.type), "ttl": entry.ttl}


def change_json(change: SetChange, *, dry_run: bool) -> JsonObject:
    shown = change.readable and change.before.records
    after = _set_values_json(change.key, change.after_values, change.after_ttl, change.after_etag)
    return {
        "rrset": after,
        "before": set_json(change.before) if shown else None,
        "changes": plan_json(change.plan, show_before=change.readable),
        "summary": change.plan.summary(),
        "dry_run": dry_run,
    }


def plan_reply(plan: Plan, *, dry_run: bool, show_before: bool = True) -> JsonObject:
    changes = plan_json(plan, show_before=show_before)
    return {"dry_run": dry_run, "changes": changes, "summary": plan.summary()}


# Audit events


def event_json(event: Event) -> JsonObject:
    """One event as the API and ``dns-api audit --json`` show it (``@`` for the apex)."""
    return {
        "id": event.id,
        "at": timestamp(event.at),
        "actor": event.actor,
        "token_id": event.token_id,
        "source": event.source,
        "request_id": event.request_id,
        "action": event.action,
        "outcome": event.outcome,
        "zone": event.zone,
        "name": APEX if event.name == "" else event.name,
        "type": event.type,
        "record_id": event.record_id,
        "dnsimple_record_id": event.dnsimple_record_id,
        "before": event.before,
        "after": event.after,
        "detail": event.detail,
    }


# Reconcile reports and adoptions


def report_json(
    plans: Sequence[ZonePlan], results: Sequence[ApplyResult] | None = None
) -> JsonObject:
    """Plans and, unless it was a dry run (``results`` is ``None``), what was applied in each
    zone (``null`` for a zone in sync), as one JSON object."""
    applied = {r.zone: _apply_result_json(r) for r in results or ()}
    return {
        "in_sync": all(p.in_sync for p in plans),
        "applied": results is not None,
        "zones": [{**_zone_plan_json(p), "applied": applied.get(p.zone)} for p in plans],
    }


def _zone_plan_json(plan: ZonePlan) -> JsonObject:
    return {
        "zone": plan.zone,
        "in_sync": plan.in_sync,
        "owned": plan.owned,
        "needs_force": plan.needs_force,
        "counts": {kind: len(getattr(plan, kind)) for kind in KINDS},
        "missing": [_row_json(r) for r in plan.missing],
        "drift": [_drift_json(d) for d in plan.drift],
        "pending": [_intent_json(i) for i in plan.pending],
        "unknown": [_upstream_json(r) for r in plan.unknown],
    }


def _apply_result_json(result: ApplyResult) -> JsonObject:
    return {
        "intents": [_resolution_json(r) for r in result.intents],
        "restored": result.restored,
        "recreated": [{"id": i, "dnsimple_record_id": d} for i, d in result.recreated.items()],
        "dropped": result.dropped,
        "skipped": [{"id": i, "reason": why} for i, why in result.skipped.items()],
    }


def adoption_json(adoption: Adoption) -> JsonObject:
    return {
        "adopted": [_row_json(r) for r in adoption.adopted],
        "already_owned": [_row_json(r) for r in adoption.already],
    }


def _stored_json(record: ManagedRecord | ProviderRecord) -> JsonObject:
    """What a record holds, as stored here or at DNSimple."""
    return {"content": record.content, "ttl": record.ttl, "priority": record.priority}


def _row_identity(row: ManagedRecord) -> JsonObject:
    return {
        "id": row.id,
        "name": _shown_name(row.name),
        "fqdn": row.fqdn,
        "type": row.type,
        "dnsimple_record_id": row.dnsimple_record_id,
    }


def _row_json(row: ManagedRecord) -> JsonObject:
    return {**_row_identity(row), **_stored_json(row)}


def _drift_json(drift: Drift) -> JsonObject:
    ours, theirs = _stored_json(drift.record), _stored_json(drift.upstream)
    return {**_row_identity(drift.record), "ours": ours, "theirs": theirs}


def _upstream_json(record: ProviderRecord) -> JsonObject:
    return {
        "dnsimple_record_id": record.id,
        "name": _shown_name(record.name),
        "fqdn": names.fqdn(record.name, record.zone),
        "type": record.type,
        **_stored_json(record),
    }


def _intent_json(intent: Intent) -> JsonObject:
    operations = [
        {"action": op.kind, **_target(op.key), "content": _written_content(op)}
        for op in intent.operations
    ]
    return {"intent_id": intent.id, "actor": intent.actor, "operations": operations}


def _written_content(operation: Operation) -> str:
    """What the operation writes (what it deletes, for a delete)."""
    entry = operation.before if isinstance(operation, Delete) else operation.after
    return entry.value.content


def _resolution_json(resolution: Resolution) -> JsonObject:
    return {
        "intent_id": resolution.intent_id,
        "status": resolution.status,
        "applied": resolution.applied,
        "not_applied": resolution.not_applied,
        "changed_by_hand": resolution.changed_by_hand,
    }
