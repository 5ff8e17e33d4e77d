"""DNSimple API v2 over httpx: the only module that speaks DNSimple's HTTP.

It returns the dataclasses of ``providers.base`` and raises only ``UpstreamError`` subclasses:
DNSimple's answers are mapped in :func:`error_for_response`, transport failures in
``DnsimpleClient._send``. Timeouts and retries come from ``upstream_policy``. The API token only
ever lives in the ``Authorization`` header of the long-lived ``httpx.AsyncClient``: it is never
stored elsewhere, logged or put in a message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Self, TypeVar
from urllib.parse import quote

import httpx

from dns_api.errors import (
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from dns_api.providers.base import (
    AccountIdentity,
    NewRecord,
    ProviderRecord,
    RateLimit,
    RecordChanges,
)
from dns_api.providers.upstream_policy import (
    UpstreamPolicy,
    retry_after_seconds,
    send_with_retries,
)

if TYPE_CHECKING:
    from dns_api.providers.base import DnsProvider

logger = logging.getLogger(__name__)

PER_PAGE = 100  # DNSimple's maximum page size
T = TypeVar("T")
JsonObject = Mapping[str, object]


class DnsimpleClient:
    """An async DNSimple API v2 client for one account, reusing one connection pool."""

    def __init__(
        self,
        *,
        base_url: str,
        account_id: str | int,
        token: str,
        policy: UpstreamPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        user_agent: str = "dns-api",
    ) -> None:
        self._policy = policy or UpstreamPolicy()
        self._base_url = base_url
        self._account = quote(str(account_id), safe="")
        self._rate_limit: RateLimit | None = None
        self._http = httpx.AsyncClient(
            base_url=base_url,
            headers={
                "Authorization": f"Bearer {_checked_token(token)}",
                "Accept": "application/json",
                "User-Agent": user_agent,
            },
            timeout=self._policy.timeout(),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"DnsimpleClient(base_url={self._base_url!r}, account_id={self._account!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    @property
    def rate_limit(self) -> RateLimit | None:
        """The ``X-RateLimit-*`` values of the latest response that carried all three."""
        return self._rate_limit

    async def aclose(self) -> None:
        """Close the connection pool; the client cannot be used afterwards."""
        await self._http.aclose()

    async def whoami(self) -> AccountIdentity:
        """Who the token belongs to: an account (account token) or a user (user token)."""
        return await self._call("GET", "/v2/whoami", _parse_identity)

    async def list_records(
        self, zone: str, *, name: str | None = None, type: str | None = None
    ) -> list[ProviderRecord]:
        """Every record of ``zone`` (all pages), filtered by exact ``name`` and ``type``.

        ``name=""`` selects the apex and is sent as ``name=``; ``None`` means no filter.
        """
        filters = {
            key: value for key, value in (("name", name), ("type", type)) if value is not None
        }
        records: list[ProviderRecord] = []
        page = 1
        while True:
            params = {**filters, "page": str(page), "per_page": str(PER_PAGE)}
            page_records, total_pages = await self._call(
                "GET", self._records_path(zone), partial(_parse_page, zone), params=params
            )
            records.extend(page_records)
            if page >= total_pages or not page_records:
                return records
            page += 1

    async def get_record(self, zone: str, record_id: int) -> ProviderRecord:
        """One record by id; ``UpstreamNotFound`` when the zone or record does not exist."""
        path = self._records_path(zone, record_id)
        return await self._call("GET", path, partial(_parse_single_record, zone))

    async def create_record(self, zone: str, record: NewRecord) -> ProviderRecord:
        """Create one record (DNSimple answers 201) and return it as stored."""
        body: dict[str, object] = {
            "name": record.name,
            "type": record.type,
            "content": record.content,
            "ttl": record.ttl,
        }
        if record.priority is not None:
            body["priority"] = record.priority
        parse = partial(_parse_single_record, zone)
        return await self._call(
            "POST", self._records_path(zone), parse, expected=201, json_body=body
        )

    async def update_record(
        self, zone: str, record_id: int, changes: RecordChanges
    ) -> ProviderRecord:
        """PATCH only the fields of ``changes`` that are not ``None``; return the stored record."""
        fields = (
            ("content", changes.content),
            ("ttl", changes.ttl),
            ("priority", changes.priority),
        )
        body = {key: value for key, value in fields if value is not None}
        path = self._records_path(zone, record_id)
        return await self._call("PATCH", path, partial(_parse_single_record, zone), json_body=body)

    async def delete_record(self, zone: str, record_id: int) -> None:
        """Delete one record (DNSimple answers 204); ``UpstreamNotFound`` if already gone."""
        await self._call("DELETE", self._records_path(zone, record_id), _ignore, expected=204)

    def _records_path(self, zone: str, record_id: int | None = None) -> str:
        path = f"/v2/{self._account}/zones/{quote(zone, safe='')}/records"
        return path if record_id is None else f"{path}/{int(record_id)}"

    async def _call(
        self,
        method: str,
        path: str,
        parse: Callable[[object], T],
        *,
        expected: int = 200,
        params: Mapping[str, str] | None = None,
        json_body: JsonObject | None = None,
    ) -> T:
        response = await self._send(method, path, params=params, json_body=json_body)
        self._rate_limit = _rate_limit_from(response.headers) or self._rate_limit
        if response.status_code != expected:
            raise error_for_response(response, expected=expected)
        try:
            return parse(_decode_body(response))
        except _MalformedBodyError as exc:
            status = response.status_code
            raise UpstreamUnavailable(
                f"DNSimple answered {status} with {exc}", upstream_status=status
            ) from None

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None,
        json_body: JsonObject | None,
    ) -> httpx.Response:
        async def send_once() -> httpx.Response:
            return await self._send_once(method, path, params=params, json_body=json_body)

        try:
            return await send_with_retries(self._policy, method, send_once)
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(
                f"DNSimple did not answer {method} in time ({type(exc).__name__})"
            ) from exc
        except httpx.RequestError as exc:
            raise UpstreamUnavailable(
                f"Could not reach DNSimple ({type(exc).__name__}: {exc})"
            ) from exc

    async def _send_once(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None,
        json_body: JsonObject | None,
    ) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = await self._http.request(method, path, params=params, json=json_body)
        except httpx.RequestError as exc:
            _log_call(method, path, type(exc).__name__, started)
            raise
        _log_call(method, path, str(response.status_code), started)
        return response


def _checked_token(token: str) -> str:
    # An unsendable token would otherwise fail inside httpx, with itself in the error's args.
    if not token or not token.isascii() or not token.isprintable() or " " in token:
        raise ValueError("the DNSimple token must be printable ASCII without spaces")
    return token


def _log_call(method: str, path: str, outcome: str, started: float) -> None:
    elapsed_ms = (time.perf_counter() - started) * 1000
    logger.debug("DNSimple %s %s -> %s in %.1f ms", method, path, outcome, elapsed_ms)


# --- DNSimple's answer -> dns-api error -------------------------------------------------------


def error_for_response(response: httpx.Response, *, expected: int = 200) -> UpstreamError:
    """The one table from a DNSimple status that was not ``expected`` to a dns-api error."""
    status = response.status_code
    payload = _error_payload(response)
    message = _message_of(payload) or _describe_status(response, payload)
    match status:
        case 400:
            return UpstreamRejected(message, field_errors=_field_errors(payload))
        case 401 | 403:
            return UpstreamAuthFailed(message, upstream_status=status)
        case 404:
            return UpstreamNotFound(message, upstream_status=status)
        case 429:
            retry_after = retry_after_seconds(response.headers)
            return UpstreamRateLimited(message, retry_after=retry_after, upstream_status=status)
        case 504:
            return UpstreamTimeout(message, upstream_status=status)
        case _ if status >= 500:
            return UpstreamUnavailable(message, upstream_status=status)
        case _ if 200 <= status < 300:
            detail = f"DNSimple answered {status} where {expected} was expected"
            return UpstreamError(detail, upstream_status=status)
        case _:
            return UpstreamError(message, upstream_status=status)


def _error_payload(response: httpx.Response) -> JsonObject | None:
    try:
        body = response.json()
    except ValueError:  # JSONDecodeError and UnicodeDecodeError both are
        return None
    return body if isinstance(body, dict) else None


def _message_of(payload: JsonObject | None) -> str | None:
    message = payload.get("message") if payload else None
    return message if isinstance(message, str) and message else None


def _describe_status(response: httpx.Response, payload: JsonObject | None) -> str:
    status = response.status_code
    if not response.content.strip():
        return f"DNSimple answered {status} {response.reason_phrase} with an empty body"
    if payload is None:
        return f"DNSimple answered {status} with a non-JSON body"
    return f"DNSimple answered {status} {response.reason_phrase}"


def _field_errors(payload: JsonObject | None) -> dict[str, list[str]]:
    errors = payload.get("errors") if payload else None
    if not isinstance(errors, dict):
        return {}
    return {str(field): _as_messages(messages) for field, messages in errors.items()}


def _as_messages(messages: object) -> list[str]:
    if isinstance(messages, list):
        return [str(message) for message in messages]
    return [str(messages)]


def _rate_limit_from(headers: httpx.Headers) -> RateLimit | None:
    names = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")
    try:
        limit, remaining, reset = (int(headers[name]) for name in names)
    except (KeyError, ValueError):
        return None
    return RateLimit(limit=limit, remaining=remaining, reset=reset)


# --- DNSimple's JSON -> dns-api dataclasses ---------------------------------------------------


class _MalformedBodyError(ValueError):
    """A 2xx body that does not have the shape DNSimple documents; the text completes
    "DNSimple answered <status> with ..."."""


def _decode_body(response: httpx.Response) -> object:
    if response.status_code == 204:
        return None
    try:
        return response.json()
    except ValueError:
        raise _MalformedBodyError("a non-JSON body") from None


def _ignore(body: object) -> None:
    return None


def _parse_identity(body: object) -> AccountIdentity:
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


def _parse_page(zone: str, body: object) -> tuple[list[ProviderRecord], int]:
    items = _required(_as_object(body, "body"), "data", list)
    pagination = _optional(_as_object(body, "body"), "pagination", dict) or {}
    total_pages = _optional(pagination, "total_pages", int) or 1
    return [_parse_record(zone, item) for item in items], total_pages


def _parse_single_record(zone: str, body: object) -> ProviderRecord:
    return _parse_record(zone, _data(body))


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
        raise _MalformedBodyError(f"a {what} that is not a JSON object")
    return value


def _required(obj: JsonObject, key: str, kind: type[T]) -> T:
    value = _optional(obj, key, kind)
    if value is None:
        raise _MalformedBodyError(f"a body whose {key!r} is missing")
    return value


def _optional(obj: JsonObject, key: str, kind: type[T]) -> T | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _MalformedBodyError(f"a body whose {key!r} is not of type {kind.__name__}")
    return value


def _timestamp(obj: JsonObject, key: str) -> datetime | None:
    value = _optional(obj, key, str)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _MalformedBodyError(f"a body whose {key!r} is not an ISO-8601 timestamp") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


if TYPE_CHECKING:

    def _implements_protocol(client: DnsimpleClient) -> DnsProvider:
        return client
