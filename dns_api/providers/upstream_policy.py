"""The one place that decides how long to wait for DNSimple and when to ask again.

* Every call has explicit connect/read/write/pool timeouts (``UpstreamPolicy.timeout``).
* Reads (GET, HEAD) are retried on transport errors, timeouts and 5xx answers, with capped
  exponential backoff and full jitter, at most ``read_retries`` times.
* Writes (POST, PATCH, PUT, DELETE) are never retried here: a write that timed out or met a 5xx
  may still have happened, and repeating it blindly could duplicate it.
* A 429 is not retried: the hourly budget will not come back within a request's lifetime, so the
  caller gets ``UpstreamRateLimited`` with ``retry_after`` from :func:`retry_after_seconds`.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import anyio
import httpx

logger = logging.getLogger(__name__)

READ_METHODS = frozenset({"GET", "HEAD"})

# Failures after which nothing reached DNSimple's application, or a read may simply be repeated.
RETRYABLE_TRANSPORT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


@dataclass(frozen=True, slots=True)
class UpstreamPolicy:
    """Timeouts (seconds) and the retry budget for calls to DNSimple."""

    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    write_timeout: float = 10.0
    pool_timeout: float = 5.0
    read_retries: int = 2
    backoff_base: float = 0.2
    backoff_cap: float = 2.0

    def __post_init__(self) -> None:
        if self.read_retries < 0:
            raise ValueError("read_retries must be 0 or more")
        if self.backoff_base < 0 or self.backoff_cap < 0:
            raise ValueError("backoff_base and backoff_cap must be 0 or more")

    def timeout(self) -> httpx.Timeout:
        """The httpx timeout configuration for every request."""
        return httpx.Timeout(
            connect=self.connect_timeout,
            read=self.read_timeout,
            write=self.write_timeout,
            pool=self.pool_timeout,
        )

    def may_retry(self, method: str, attempt: int) -> bool:
        """Whether a call whose attempt number ``attempt`` (1-based) failed may run again."""
        return method.upper() in READ_METHODS and attempt <= self.read_retries

    def backoff_delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based), with full jitter.

        The ceiling doubles per attempt from ``backoff_base`` up to ``backoff_cap``; the delay is
        drawn uniformly between 0 and that ceiling so that clients do not retry in lockstep.
        """
        ceiling = min(self.backoff_cap, self.backoff_base * 2.0 ** min(max(attempt - 1, 0), 30))
        return rand() * ceiling


def is_retryable_status(status: int) -> bool:
    """5xx answers (including nginx's HTML 502) are worth asking again, for reads."""
    return status >= 500


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> int | None:
    """Seconds until DNSimple's rate-limit window resets, at least 1; ``None`` if unknown.

    ``X-RateLimit-Reset`` (Unix seconds) is preferred; a ``Retry-After`` in seconds is the
    fallback (DNSimple sends it on some 429s).
    """
    current = time.time() if now is None else now
    reset = int_header(headers, "x-ratelimit-reset")
    if reset is not None:
        return max(1, int(reset - current))
    retry_after = int_header(headers, "retry-after")
    return None if retry_after is None else max(1, retry_after)


def int_header(headers: Mapping[str, str], name: str) -> int | None:
    """The integer value of header ``name``; ``None`` when it is missing or not an integer."""
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


async def send_with_retries(
    policy: UpstreamPolicy,
    method: str,
    send: Callable[[], Awaitable[httpx.Response]],
    *,
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
) -> httpx.Response:
    """Run ``send`` once, and again for reads while the policy allows.

    Returns the last response (which may still be a 5xx once retries are spent) or re-raises the
    last transport error; mapping either to a dns-api error is the caller's job.
    """
    attempt = 1
    while True:
        try:
            response = await send()
        except RETRYABLE_TRANSPORT_ERRORS as exc:
            if not policy.may_retry(method, attempt):
                raise
            reason = type(exc).__name__
        else:
            if not (
                is_retryable_status(response.status_code) and policy.may_retry(method, attempt)
            ):
                return response
            reason = f"status {response.status_code}"
        delay = policy.backoff_delay(attempt)
        logger.debug("retrying %s after %s (retry %d) in %.3f s", method, reason, attempt, delay)
        await sleep(delay)
        attempt += 1
