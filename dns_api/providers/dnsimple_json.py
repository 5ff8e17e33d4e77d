"""DNSimple API v2 JSON -> the dataclasses of ``providers.base``; a helper of ``dnsimple``.

Records (``ZoneRecord``), ``whoami``, pagination, an error answer's message and field errors,
timestamps. Any 2xx body without the shape DNSimple documents raises :class:`MalformedBodyError`;
``dnsimple_errors`` turns that into an ``UpstreamError``. Nothing here sends a request.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TypeVar

import httpx

from dns_api.providers.base import AccountIdentity, ProviderRecord

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
    """DNSimple's per-field messages (``errors``) of a 400 answer; ``{}`` when there are none."""
    errors = payload.get("errors") if payload else None
    if not isinstance(errors, dict):
        return {}
    return {str(field): _as_messages(messages) for field, messages in errors.items()}


def _as_messages(messages: object) -> list[str]:
    if isinstance(messages, list):
        return [str(message) for message in messages]
    return [str(messages)]


def _parse_record(zone: str, item: object) -> ProviderRecord:
    record = _as_object(item, "record")
    return ProviderRecord(
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
