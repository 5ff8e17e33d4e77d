"""DNSimple's batchChangeZoneRecords: check the whole batch first, then apply all of it.

``plan_batch`` checks each operation against the zone as it would be after the ones before it:
the deletes, then the updates, then the creates, each kind in list order, so that an A record
deleted in a batch makes room for a CNAME created by the same batch, and two creates of one
batch obey the CNAME rules between them. An operation that fails is left out of that picture and
the next ones are still checked, so the 400 lists every failing operation with its index
(DNSimple's shape: ``{"errors": {"creates": [{"index": 0, "message": ..., "errors"?: ...}]}}``).
Nothing is changed unless every operation passes; then ``apply_plan`` performs the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dns_api.emulator.errors import (
    SYSTEM_RECORD_READ_ONLY,
    BatchErrors,
    DnsimpleError,
    Errors,
    Json,
)
from dns_api.emulator.validation import check_record, decimal

UNAVAILABLE_MESSAGE = "Batch change zone records is not available on the current plan"
KINDS = ("creates", "updates", "deletes")
"""The keys of a batch body and of its answer, in the order DNSimple's answer lists them."""


@dataclass
class BatchPlan:
    """What a valid batch does: ids to delete, ``(id, new fields)`` to update, fields to create."""

    deletes: list[int] = field(default_factory=list)
    updates: list[tuple[int, Json]] = field(default_factory=list)
    creates: list[Json] = field(default_factory=list)


View = dict[int, Json]
"""The zone's records by id as they would be after the operations checked so far."""
Step = Callable[[Json, str, View, BatchPlan, int], Json | None]


def plan_batch(body: Mapping[str, Any], zone: str, records: Mapping[int, Json]) -> BatchPlan:
    """The plan of a batchChangeZoneRecords ``body`` over ``zone`` holding ``records`` (not
    changed); 400 ``Validation failed`` listing every failing operation otherwise."""
    operations = {kind: _operations(body, kind) for kind in KINDS}
    view, plan, errors = dict(records), BatchPlan(), BatchErrors()
    steps: list[tuple[str, Step]] = [
        ("deletes", _plan_delete),
        ("updates", _plan_update),
        ("creates", _plan_create),
    ]
    for kind, step in steps:
        for index, item in enumerate(operations[kind]):
            problem = (
                step(item, zone, view, plan, index) if isinstance(item, dict) else _NOT_AN_OBJECT
            )
            if problem is not None:
                errors.setdefault(kind, []).append({"index": index, **problem})
    if errors:
        raise DnsimpleError(400, "Validation failed", {k: errors[k] for k in KINDS if k in errors})
    return plan


def apply_plan(
    plan: BatchPlan, records: dict[int, Json], new_record: Callable[[Json], Json], now: str
) -> Json:
    """Perform ``plan`` on ``records`` (``new_record`` turns fields into a stored record) and
    return the ``data`` of DNSimple's answer."""
    for record_id in plan.deletes:
        del records[record_id]
    updated = []
    for record_id, fields in plan.updates:
        records[record_id].update(fields, updated_at=now)
        updated.append(dict(records[record_id]))
    created = []
    for fields in plan.creates:
        record = new_record(fields)
        records[record["id"]] = record
        created.append(dict(record))
    deleted = [{"id": record_id} for record_id in plan.deletes]
    return {"creates": created, "updates": updated, "deletes": deleted}


# -- one step per kind: None when the operation passes (and is added to the plan) -------------


def _plan_delete(item: Json, zone: str, view: View, plan: BatchPlan, index: int) -> Json | None:
    record, problem = _target(item, view)
    if record is None:
        return problem
    del view[record["id"]]
    plan.deletes.append(record["id"])
    return None


def _plan_update(item: Json, zone: str, view: View, plan: BatchPlan, index: int) -> Json | None:
    record, problem = _target(item, view)
    if record is None:
        return problem
    fields, errors = check_record(item, base=record, zone=zone, zone_records=view.values())
    if errors:
        return _invalid(errors)
    view[record["id"]] = {**record, **fields}
    plan.updates.append((record["id"], fields))
    return None


def _plan_create(item: Json, zone: str, view: View, plan: BatchPlan, index: int) -> Json | None:
    fields, errors = check_record(item, base=None, zone=zone, zone_records=view.values())
    if errors:
        return _invalid(errors)
    placeholder = -1 - index  # no real id yet; real ids are positive
    view[placeholder] = {**fields, "id": placeholder}
    plan.creates.append(fields)
    return None


def _target(item: Json, view: View) -> tuple[Json | None, Json | None]:
    """The record an update or delete names by ``id``, or why there is none to change."""
    raw = item.get("id")
    number = decimal(str(raw)) if isinstance(raw, int | str) and not isinstance(raw, bool) else None
    record = view.get(number) if number is not None else None
    if record is None:
        return None, {"message": f"Record not found ID={'' if raw is None else raw}"}
    if record["system_record"]:
        return None, {"message": SYSTEM_RECORD_READ_ONLY}
    return record, None


def _invalid(errors: Errors) -> Json:
    return {"message": "Validation failed", "errors": errors}


def _operations(body: Mapping[str, Any], kind: str) -> list[Any]:
    value = body.get(kind)
    if value is None:
        return []
    if not isinstance(value, list):
        raise DnsimpleError(400, f"Invalid batch: `{kind}` must be an array")
    return value


_NOT_AN_OBJECT: Json = {"message": "Invalid operation: must be a JSON object"}
