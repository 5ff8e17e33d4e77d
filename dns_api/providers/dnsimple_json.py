"""DNSimple API v2 JSON <-> the dataclasses of ``providers.base``; a helper of ``dnsimple``.

The bodies of the writes dns-api sends (``create_body``, ``changes_body``, ``batch_body``), and
what DNSimple answers: records (``ZoneRecord``), ``whoami``, pagination, a batch's answer, an
error answer's message and field errors (including a batch's per-operation errors),
timestamps. Any 2xx body without the shape DNSimple documents raises
:class:`MalformedBodyError`; ``dnsimple_errors`` turns that into an ``UpstreamError``. Nothing
here sends a request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeGuard, TypeVar

import httpx

from dns_api.domain.rdata import TYPES_WITH_PRIORITY
from dns_api.providers.base import (
    AccountIdentity,
    BatchResult,
    NewRecord,
    ProviderRecord,
    RecordChanges,
    RecordUpdate,
)

T = TypeVar("T")
JsonObject = Mapping[str, object]


class MalformedBodyError(ValueError):
    """A 2xx body that does not have the shape DNSimple documents; the text completes
    "DNSimple answered <status> with ..."."""


def decode_body(response: httpx.Response) -> object:
    """The decoded JSON of ``response``; ``None`` for a 204 (which has no body)."""
    if response.status_code == 204:
        return None
    try:
        return response.json()
    except ValueError:  # JSONDecodeError and UnicodeDecodeError both are
        raise MalformedBodyError("a non-JSON body") from None


def ignore_body(body: object) -> None:
    """The parser of answers whose body carries nothing (``DELETE``)."""


def parse_identity(body: object) -> AccountIdentity:
    """A ``whoami`` answer: an account (account token) or a user (user token)."""
    data = _data(body)
    account = _optional(data, "account", dict) or {}
    user = _optional(data, "user", dict) or {}
    return AccountIdentity(
        account_id=_optional(account, "id", int),
        account_email=_optional(account, "email", str),
        user_id=_optional(user, "id", int),
        user_email=_optional(user, "email", str),
        extra={key: account[key] for key in ("name", "plan_identifier") if key in account},
    )


def parse_page(zone: str, body: object) -> tuple[list[ProviderRecord], int]:
    """One page of a record listing and the number of pages (1 when DNSimple does not say)."""
    envelope = _as_object(body, "body")
    items = _required(envelope, "data", list)
    pagination = _optional(envelope, "pagination", dict) or {}
    total_pages = _optional(pagination, "total_pages", int) or 1
    return [_parse_record(zone, item) for item in items], total_pages


def parse_single_record(zone: str, body: object) -> ProviderRecord:
    """An answer whose ``data`` is one ``ZoneRecord``."""
    return _parse_record(zone, _data(body))


def parse_batch(zone: str, body: object) -> BatchResult:
    """A batchChangeZoneRecords answer: ``data.creates``/``updates`` hold ``ZoneRecord``s and
    ``data.deletes`` ``{"id": n}`` objects; a missing list is an empty one."""
    data = _data(body)
    created = [_parse_record(zone, item) for item in _optional(data, "creates", list) or []]
    updated = [_parse_record(zone, item) for item in _optional(data, "updates", list) or []]
    deleted = [
        _required(_as_object(item, "deleted record"), "id", int)
        for item in _optional(data, "deletes", list) or []
    ]
    return BatchResult(created=tuple(created), updated=tuple(updated), deleted=tuple(deleted))


def error_payload(response: httpx.Response) -> JsonObject | None:
    """The JSON object of an error answer; ``None`` when its body is not one."""
    try:
        body = decode_body(response)
    except MalformedBodyError:
        return None
    return body if isinstance(body, dict) else None


def error_message(payload: JsonObject | None) -> str | None:
    """DNSimple's own ``message``, when it gave a non-empty one."""
    message = payload.get("message") if payload else None
    return message if isinstance(message, str) and message else None


def field_errors(payload: JsonObject | None) -> dict[str, list[str]]:
    """DNSimple's per-field messages (``errors``) of a 400 answer; ``{}`` when there are none.

    A batch's per-operation errors are flattened to keys like ``creates/0/record_type`` (or
    ``deletes/0`` for an operation with a message only).
    """
    errors = payload.get("errors") if payload else None
    if not isinstance(errors, dict):
        return {}
    flat: dict[str, list[str]] = {}
    for field, messages in errors.items():
        if _is_batch_list(messages):
            for index, operation in _indexed(messages):
                flat.update(_operation_messages(f"{field}/{index}", operation))
        else:
            flat[str(field)] = _as_messages(messages)
    return flat


def batch_problems(payload: JsonObject | None) -> list[str]:
    """One line per failing operation of a batch's 400, in DNSimple's order, e.g.
    ``creates[0]: record_type unsupported``; ``[]`` when the answer is not a batch's."""
    errors = payload.get("errors") if payload else None
    if not isinstance(errors, dict):
        return []
    lines: list[str] = []
    for kind, operations in errors.items():
        if _is_batch_list(operations):
            lines.extend(
                f"{kind}[{index}]: {_describe_operation(operation)}"
                for index, operation in _indexed(operations)
            )
    return lines


def _is_batch_list(value: object) -> TypeGuard[list[JsonObject]]:
    """A batch's ``errors.<kind>``: a non-empty list of objects (one per failing operation)."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _indexed(operations: list[JsonObject]) -> list[tuple[object, JsonObject]]:
    return [(operation.get("index", "?"), operation) for operation in operations]


def _operation_messages(key: str, operation: JsonObject) -> dict[str, list[str]]:
    errors = operation.get("errors")
    if isinstance(errors, dict) and errors:
        return {f"{key}/{field}": _as_messages(messages) for field, messages in errors.items()}
    return {key: [error_message(operation) or "invalid"]}


def _describe_operation(operation: JsonObject) -> str:
    errors = operation.get("errors")
    if isinstance(errors, dict) and errors:
        return ", ".join(
            f"{field} {message}"
            for field, messages in errors.items()
            for message in _as_messages(messages)
        )
    return error_message(operation) or "invalid"


def _as_messages(messages: object) -> list[str]:
    if isinstance(messages, list):
        return [str(message) for message in messages]
    return [str(messages)]


def _parse_record(zone: str, item: object) -> ProviderRecord:
    record = _as_object(item, "record")
    parsed = ProviderRecord(
        id=_required(record, "id", int),
        zone=_optional(record, "zone_id", str) or zone,
        name=_required(record, "name", str),
        type=_required(record, "type", str),
        content=_required(record, "content", str),
        ttl=_required(record, "ttl", int),
        priority=_optional(record, "priority", int),
        system_record=_optional(record, "system_record", bool) or False,
        regions=tuple(str(region) for region in _optional(record, "regions", list) or ["global"]),
        created_at=_timestamp(record, "created_at"),
        updated_at=_timestamp(record, "updated_at"),
    )
    # DNSimple keeps whatever priority it was sent, for any type (python-dns-api sent 10 with
    # every A and CNAME record): it means something for MX and SRV only.
    if parsed.type not in TYPES_WITH_PRIORITY and parsed.priority is not None:
        return replace(parsed, priority=None)
    return parsed


def _data(body: object) -> JsonObject:
    return _required(_as_object(body, "body"), "data", dict)


def _as_object(value: object, what: str) -> JsonObject:
    if not isinstance(value, dict):
        raise MalformedBodyError(f"a {what} that is not a JSON object")
    return value


def _required(obj: JsonObject, key: str, kind: type[T]) -> T:
    value = _optional(obj, key, kind)
    if value is None:
        raise MalformedBodyError(f"a body whose {key!r} is missing")
    return value


def _optional(obj: JsonObject, key: str, kind: type[T]) -> T | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise MalformedBodyError(f"a body whose {key!r} is not of type {kind.__name__}")
    return value


def _timestamp(obj: JsonObject, key: str) -> datetime | None:
    value = _optional(obj, key, str)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise MalformedBodyError(f"a body whose {key!r} is not an ISO-8601 timestamp") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def create_body(record: NewRecord) -> dict[str, object]:
    """The body of a POST .../records (and of a batch's create)."""
    body: dict[str, object] = {
        "name": record.name,
        "type": record.type,
        "content": record.content,
        "ttl": record.ttl,
    }
    if record.priority is not None:
        body["priority"] = record.priority
    return body


def changes_body(changes: RecordChanges) -> dict[str, object]:
    """The body of a PATCH: only the fields that change."""
    fields = (("content", changes.content), ("ttl", changes.ttl), ("priority", changes.priority))
    return {key: value for key, value in fields if value is not None}


def batch_body(
    creates: Sequence[NewRecord], updates: Sequence[RecordUpdate], deletes: Sequence[int]
) -> dict[str, list[dict[str, object]]]:
    """The body of a POST .../batch; empty lists are left out."""
    operations: dict[str, list[dict[str, object]]] = {
        "creates": [create_body(record) for record in creates],
        "updates": [{"id": int(u.id), **changes_body(u.changes)} for u in updates],
        "deletes": [{"id": int(record_id)} for record_id in deletes],
    }
    return {kind: items for kind, items in operations.items() if items}
