"""Undo one recorded change through the normal write path, only if nothing changed it since.

A created record is deleted, an updated one gets its value and TTL back, and a deleted value
joins whatever its set holds now. The revert is itself a change, recorded as such.
"""

from __future__ import annotations

from typing import Any

from dns_api.db.audit import Event
from dns_api.domain.policy import Principal
from dns_api.domain.rdata import ContentError, Value, parse_value
from dns_api.domain.records import ManagedRecord
from dns_api.domain.rrsets import Plan, SetKey
from dns_api.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from dns_api.services.records import RecordService
from dns_api.services.rrsets import Precondition, RecordSetService, SetRequest

REVERTIBLE = ("record:created", "record:updated", "record:deleted")


class Reverter:
    def __init__(self, records: RecordService, record_sets: RecordSetService) -> None:
        self._records = records
        self._sets = record_sets

    async def revert(self, principal: Principal, event: Event, *, dry_run: bool) -> Plan:
        """Undo ``event`` (a record created, updated or deleted) if nothing changed it since."""
        if event.action not in REVERTIBLE or event.zone is None or event.type is None:
            problem = FieldProblem("event_id", "this event cannot be reverted", "path")
            raise ValidationFailed([problem])
        if event.action == "record:deleted":
            key = SetKey(event.zone, event.name or "", event.type)
            return await self._create_again(principal, key, event, dry_run=dry_run)
        record = await self._as_event_left_it(principal, event)
        if event.action == "record:created":
            return (await self._records.delete(principal, record.id, dry_run=dry_run)).plan
        value, ttl = _written(event.before, event.type)
        write = await self._records.change_content(
            principal, record.id, value, ttl, dry_run=dry_run
        )
        return write.plan

    async def _as_event_left_it(self, principal: Principal, event: Event) -> ManagedRecord:
        """The record of ``event``, refused (409) unless it still holds the event's ``after``."""
        changed = Conflict(f"the record has changed since event {event.id}; not reverted")
        if event.record_id is None:
            raise changed
        try:
            record = await self._records.get_record(principal, event.record_id)
        except NotFound:
            raise changed from None
        after = event.after or {}
        if (record.value.text(record.type), record.ttl) != (after.get("value"), after.get("ttl")):
            raise changed
        return record

    async def _create_again(
        self, principal: Principal, key: SetKey, event: Event, *, dry_run: bool
    ) -> Plan:
        """The deleted value joins whatever the set holds now (with the deleted record's TTL)."""
        value, ttl = _written(event.before, key.type)
        try:
            current = await self._sets.get_set(principal, key)
        except NotFound:
            current = self._sets.empty_set(key)
        if value in current.values:
            raise Conflict(f"the value of event {event.id} is there again; not reverted")
        precondition = (
            Precondition(if_match=current.etag) if current.etag else Precondition(if_none_match="*")
        )
        request = SetRequest(key, (*current.values, value), ttl, precondition)
        [change] = await self._sets.change(principal, [request], dry_run=dry_run)
        return change.plan


def _written(state: dict[str, Any] | None, record_type: str) -> tuple[Value, int | None]:
    """The value and TTL an event recorded, as a value to write again."""
    state = state or {}
    text, ttl = state.get("value"), state.get("ttl")
    try:
        if not isinstance(text, str):
            raise ContentError("is missing from the event")
        value = parse_value(record_type, text)
    except ContentError as exc:
        raise Conflict(f"the event's value cannot be written again: {exc}") from None
    return value, ttl if isinstance(ttl, int) else None
