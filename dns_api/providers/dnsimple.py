"""DNSimple API v2 over httpx: the only module that speaks DNSimple's HTTP.

It returns the dataclasses of ``providers.base`` and raises only ``UpstreamError`` subclasses.
Two helpers of this module do the translating and no I/O: ``dnsimple_json`` reads and writes
DNSimple's JSON and ``dnsimple_errors`` maps its answers and transport failures to errors. Timeouts,
retries and rate-limit waits come from ``upstream_policy``: reads and idempotent writes (PATCH,
DELETE) are sent again after a 5xx or a transport failure, a POST never is, and a 429 is waited
out when the window resets soon enough. When the budget seen last is spent and resets later than
the policy's ``max_rate_limit_wait``, a call is refused (``UpstreamRateLimited``) without being
sent. The clock, the sleep and the jitter's random source can be replaced (tests). The API
token only ever lives in the ``Authorization`` header of the long-lived ``httpx.AsyncClient``:
it is never stored elsewhere, logged or put in a message.
"""

from __future__ import annotations

import functools
import logging
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Self, TypeVar
from urllib.parse import quote

import anyio
import httpx

from dns_api.providers.base import (
    AccountIdentity,
    BatchResult,
    NewRecord,
    ProviderRecord,
    RateLimit,
    RecordChanges,
    RecordUpdate,
)
from dns_api.providers.dnsimple_errors import (
    error_for_malformed_body,
    error_for_response,
    error_for_spent_budget,
    error_for_transport,
)
from dns_api.providers.dnsimple_json import (
    JsonObject,
    MalformedBodyError,
    batch_body,
    changes_body,
    create_body,
    decode_body,
    ignore_body,
    parse_batch,
    parse_identity,
    parse_page,
    parse_single_record,
)
from dns_api.providers.upstream_policy import UpstreamPolicy, rate_limit_from, send_with_retries

if TYPE_CHECKING:
    from dns_api.providers.base import DnsProvider

__all__ = ["PER_PAGE", "CallObserver", "DnsimpleClient", "error_for_response"]

logger = logging.getLogger(__name__)

PER_PAGE = 100  # DNSimple's maximum page size
T = TypeVar("T")

# Told of every request sent: method, path (ids included), outcome (the status as text,
# "timeout" or "error") and seconds taken. See ``api.metrics``.
CallObserver = Callable[[str, str, str, float], None]


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
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        rand: Callable[[], float] = random.random,
        on_call: CallObserver | None = None,
    ) -> None:
        self._policy = policy or UpstreamPolicy()
        self._on_call = on_call
        self._clock = clock
        self._sleep = sleep
        self._rand = rand
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
            verify=_tls_context(),
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

    async def whoami(self, *, retry: bool = True) -> AccountIdentity:
        """Who the token belongs to: an account (account token) or a user (user token).
        ``retry=False`` sends it once (no retry after a 5xx or a transport failure)."""
        return await self._call("GET", "/v2/whoami", parse_identity, retry=retry)

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
                "GET", self._records_path(zone), partial(parse_page, zone), params=params
            )
            records.extend(page_records)
            if page >= total_pages or not page_records:
                return records
            page += 1

    async def get_record(self, zone: str, record_id: int) -> ProviderRecord:
        """One record by id; ``UpstreamNotFound`` when the zone or record does not exist."""
        path = self._records_path(zone, record_id)
        return await self._call("GET", path, partial(parse_single_record, zone))

    async def create_record(self, zone: str, record: NewRecord) -> ProviderRecord:
        """Create one record (DNSimple answers 201) and return it as stored.

        A POST: never sent again after a 5xx or a transport failure (it may have happened), only
        after a 429. The caller checks whether the record exists before trying again."""
        parse = partial(parse_single_record, zone)
        return await self._call(
            "POST", self._records_path(zone), parse, expected=201, json_body=create_body(record)
        )

    async def update_record(
        self, zone: str, record_id: int, changes: RecordChanges
    ) -> ProviderRecord:
        """PATCH only the fields of ``changes`` that are not ``None``; return the stored record."""
        path = self._records_path(zone, record_id)
        parse = partial(parse_single_record, zone)
        return await self._call("PATCH", path, parse, json_body=changes_body(changes))

    async def delete_record(self, zone: str, record_id: int) -> None:
        """Delete one record (DNSimple answers 204); ``UpstreamNotFound`` if already gone.

        Sent again after a 5xx or a transport failure, so a first attempt whose answer was lost
        shows as ``UpstreamNotFound`` too."""
        await self._call("DELETE", self._records_path(zone, record_id), ignore_body, expected=204)

    async def batch_change(
        self,
        zone: str,
        *,
        creates: Sequence[NewRecord] = (),
        updates: Sequence[RecordUpdate] = (),
        deletes: Sequence[int] = (),
    ) -> BatchResult:
        """One atomic POST .../batch: DNSimple deletes, then updates, then creates, or does
        nothing. Empty lists are not sent; updates carry ``id`` and their non-None fields.

        ``UpstreamFeatureUnavailable`` when the plan has no batch changes (412);
        ``UpstreamRejected`` naming every failing operation (400). A POST: never sent again
        after a 5xx or a transport failure (only after a 429, which DNSimple did not process).
        """
        body = batch_body(creates, updates, deletes)
        path = f"{self._zone_path(zone)}/batch"
        return await self._call("POST", path, partial(parse_batch, zone), json_body=body)

    def _zone_path(self, zone: str) -> str:
        return f"/v2/{self._account}/zones/{quote(zone, safe='')}"

    def _records_path(self, zone: str, record_id: int | None = None) -> str:
        path = f"{self._zone_path(zone)}/records"
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
        retry: bool = True,
    ) -> T:
        response = await self._send(method, path, params=params, json_body=json_body, retry=retry)
        if response.status_code != expected:
            raise error_for_response(response, expected=expected, now=self._clock())
        try:
            return parse(decode_body(response))
        except MalformedBodyError as exc:
            raise error_for_malformed_body(response, exc) from None

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None,
        json_body: JsonObject | None,
        retry: bool = True,
    ) -> httpx.Response:
        async def send_once() -> httpx.Response:
            return await self._send_once(method, path, params=params, json_body=json_body)

        waited = await self._wait_for_budget(method, path)
        policy = self._policy if retry else self._policy.without_retries()
        try:
            return await send_with_retries(
                policy,
                method,
                send_once,
                sleep=self._sleep,
                now=self._clock,
                rand=self._rand,
                rate_limit_waited=waited,
            )
        except httpx.RequestError as exc:
            raise error_for_transport(method, exc) from exc

    async def _wait_for_budget(self, method: str, path: str) -> float:
        """Wait until the window resets if the budget seen last is spent and that is soon enough;
        ``UpstreamRateLimited`` (nothing sent) if it is not. Returns the seconds waited for."""
        seen = self._rate_limit
        if seen is None:
            return 0.0
        now = self._clock()
        wait = self._policy.wait_before_sending(seen.remaining, seen.reset, now)
        if wait is None:
            logger.info(
                "not sending %s %s: DNSimple's hourly budget is spent for %.0f s more",
                method,
                path,
                seen.reset - now,
            )
            raise error_for_spent_budget(seen, now)
        if wait > 0:
            delay = wait + self._policy.jitter(self._rand)
            logger.info(
                "DNSimple's hourly budget is spent: %s %s waits %.3f s for the reset",
                method,
                path,
                delay,
            )
            await self._sleep(delay)
        return wait

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
            failure = "timeout" if isinstance(exc, httpx.TimeoutException) else "error"
            self._observe(method, path, failure, started)
            raise
        _log_call(method, path, str(response.status_code), started)
        self._observe(method, path, str(response.status_code), started)
        self._rate_limit = rate_limit_from(response.headers) or self._rate_limit
        return response

    def _observe(self, method: str, path: str, outcome: str, started: float) -> None:
        if self._on_call is None:
            return
        try:
            self._on_call(method, path, outcome, time.perf_counter() - started)
        except Exception:
            # Counting must never turn a call that was made into one that seems to have failed.
            logger.exception("the on_call observer failed")


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context (the CA bundle loaded once) for every client of the process: building
    one per client costs tens of milliseconds; the context is safe to share between them."""
    return httpx.create_ssl_context()


def _checked_token(token: str) -> str:
    # An unsendable token would otherwise fail inside httpx, with itself in the error's args.
    if not token or not token.isascii() or not token.isprintable() or " " in token:
        raise ValueError("the DNSimple token must be printable ASCII without spaces")
    return token


def _log_call(method: str, path: str, outcome: str, started: float) -> None:
    elapsed_ms = (time.perf_counter() - started) * 1000
    logger.debug("DNSimple %s %s -> %s in %.1f ms", method, path, outcome, elapsed_ms)


if TYPE_CHECKING:

    def _implements_protocol(client: DnsimpleClient) -> DnsProvider:
        return client
