"""The one place that decides how long to wait for DNSimple and when to ask again.

* Every call has explicit connect/read/write/pool timeouts (``UpstreamPolicy.timeout``).
* Reads (GET, HEAD) are retried on retryable transport errors (timeouts, network errors, broken
  answers) and 5xx answers, with capped exponential backoff and full jitter, at most
  ``read_retries`` times.
* Idempotent writes (PATCH, PUT, DELETE) are retried the same way, at most ``write_retries``
  times: sending one twice leaves the same state as sending it once. A DELETE whose first answer
  was lost may meet a 404 the second time; callers already take that as "already gone".
* POST (a create, a batch) is never retried here: a POST that timed out or met a 5xx may still
  have happened, and only the caller can check that it did not before sending it again.
* A 429 means DNSimple did not process the request, so any method may be sent again: when the
  wait until the window resets (``X-RateLimit-Reset``, else ``Retry-After``) is known and fits
  in what is left of ``max_rate_limit_wait`` for this call, the request waits that long (plus up
  to ``rate_limit_jitter``) and is sent again, at most ``rate_limit_retries`` times. Otherwise
  the 429 is returned and the caller raises ``UpstreamRateLimited`` with ``retry_after`` from
  :func:`retry_after_seconds`.
* Before sending, :meth:`UpstreamPolicy.wait_before_sending` looks at the budget seen last: when
  none is left and the window resets later than ``max_rate_limit_wait`` from now, the caller
  refuses without sending anything; a shorter wait is taken (and counts towards the same limit).

Clocks, sleeps and random draws are parameters, so tests never really wait.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime

import anyio
import httpx

from dns_api.providers.base import RateLimit

logger = logging.getLogger(__name__)

READ_METHODS = frozenset({"GET", "HEAD"})
IDEMPOTENT_WRITE_METHODS = frozenset({"PATCH", "PUT", "DELETE"})
RATE_LIMITED = 429

# Failures after which nothing reached DNSimple's application, or a read may simply be repeated.
RETRYABLE_TRANSPORT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
Rand = Callable[[], float]


@dataclass(frozen=True, slots=True)
class UpstreamPolicy:
    """Timeouts (seconds), the retry budgets and the rate-limit waits for calls to DNSimple."""

    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    write_timeout: float = 10.0
    pool_timeout: float = 5.0
    read_retries: int = 2
    write_retries: int = 2
    backoff_base: float = 0.2
    backoff_cap: float = 2.0
    rate_limit_retries: int = 2
    max_rate_limit_wait: float = 10.0
    rate_limit_jitter: float = 0.5

    def __post_init__(self) -> None:
        for name in ("read_retries", "write_retries", "rate_limit_retries"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 or more")
        if self.backoff_base < 0 or self.backoff_cap < 0:
            raise ValueError("backoff_base and backoff_cap must be 0 or more")
        if self.max_rate_limit_wait < 0 or self.rate_limit_jitter < 0:
            raise ValueError("max_rate_limit_wait and rate_limit_jitter must be 0 or more")
        timeouts = (self.connect_timeout, self.read_timeout, self.write_timeout, self.pool_timeout)
        if any(not timeout > 0 for timeout in timeouts):
            raise ValueError("timeouts must be more than 0")

    def timeout(self) -> httpx.Timeout:
        """The httpx timeout configuration for every request."""
        return httpx.Timeout(
            connect=self.connect_timeout,
            read=self.read_timeout,
            write=self.write_timeout,
            pool=self.pool_timeout,
        )

    def retries_for(self, method: str) -> int:
        """How many times a failed ``method`` call may be sent again (0 for POST)."""
        method = method.upper()
        if method in READ_METHODS:
            return self.read_retries
        if method in IDEMPOTENT_WRITE_METHODS:
            return self.write_retries
        return 0

    def without_retries(self) -> UpstreamPolicy:
        """The same timeouts with no retry after a failure (429 waits included)."""
        return replace(self, read_retries=0, write_retries=0, rate_limit_retries=0)

    def may_retry(self, method: str, attempt: int) -> bool:
        """Whether a call whose attempt number ``attempt`` (1-based) failed with a 5xx or a
        retryable transport error may run again."""
        return attempt <= self.retries_for(method)

    def backoff_delay(self, attempt: int, rand: Rand = random.random) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based), with full jitter.

        The ceiling doubles per attempt from ``backoff_base`` up to ``backoff_cap``; the delay is
        drawn uniformly between 0 and that ceiling so that clients do not retry in lockstep.
        """
        ceiling = min(self.backoff_cap, self.backoff_base * 2.0 ** min(max(attempt - 1, 0), 30))
        return rand() * ceiling

    def jitter(self, rand: Rand = random.random) -> float:
        """Seconds added to a rate-limit wait, between 0 and ``rate_limit_jitter``, so that
        callers waiting for the same reset do not all come back in the same instant."""
        return rand() * self.rate_limit_jitter

    def may_wait(self, wait: float | None, waited: float) -> bool:
        """Whether a rate-limit wait of ``wait`` seconds (``None``: unknown) fits in what is
        left of ``max_rate_limit_wait`` once ``waited`` seconds were already spent waiting."""
        return wait is not None and waited + wait <= self.max_rate_limit_wait

    def wait_before_sending(
        self, remaining: int | None, reset: float | None, now: float
    ) -> float | None:
        """Seconds to wait before sending, given the budget seen last.

        ``0.0`` when budget is left (or unknown, or its window has already reset); the seconds
        until ``reset`` when none is left and that fits in ``max_rate_limit_wait``; ``None`` when
        it does not, and the call must be refused without being sent.
        """
        if remaining is None or reset is None or remaining > 0 or reset <= now:
            return 0.0
        wait = reset - now
        return wait if self.may_wait(wait, 0.0) else None


def is_retryable_status(status: int) -> bool:
    """5xx answers (including nginx's HTML 502) are worth asking again, for reads and
    idempotent writes."""
    return status >= 500


def seconds_until_reset(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds (0 or more, fractional) until the rate-limit window resets; ``None`` if unknown.

    ``X-RateLimit-Reset`` (Unix seconds) is preferred; ``Retry-After`` (seconds or an HTTP date)
    is the fallback (DNSimple sends it on some 429s).
    """
    reset = int_header(headers, "x-ratelimit-reset")
    if reset is not None:
        return max(0.0, reset - now)
    return _retry_after_header(headers, now)


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> int | None:
    """Whole seconds (at least 1, rounded up) until DNSimple's rate-limit window resets, for a
    ``Retry-After``; ``None`` if unknown. Same sources as :func:`seconds_until_reset`."""
    wait = seconds_until_reset(headers, time.time() if now is None else now)
    return None if wait is None else max(1, math.ceil(wait))


def int_header(headers: Mapping[str, str], name: str) -> int | None:
    """The integer value of header ``name``; ``None`` when it is missing or not an integer."""
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def _retry_after_header(headers: Mapping[str, str], now: float) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = int_header(headers, "retry-after")
    if seconds is not None:
        return float(max(0, seconds))
    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # an HTTP date is always GMT
        return None
    return max(0.0, moment.timestamp() - now)


@dataclass(slots=True)
class _Attempts:
    """What one call has been through so far, and whether (and when) to send it again."""

    policy: UpstreamPolicy
    method: str
    waited: float  # seconds spent waiting for the rate limit
    failures: int = 0  # 5xx answers and transport errors
    rate_limited: int = 0  # 429 answers waited out

    def after_error(self, exc: Exception, rand: Rand) -> tuple[float, str] | None:
        """The delay before sending again after a transport error, or None: give up."""
        self.failures += 1
        if not self.policy.may_retry(self.method, self.failures):
            return None
        return self.policy.backoff_delay(self.failures, rand), type(exc).__name__

    def after_response(
        self, response: httpx.Response, now: float, rand: Rand
    ) -> tuple[float, str] | None:
        """The delay before sending again after ``response``, or None: it is the answer."""
        status = response.status_code
        if status == RATE_LIMITED:
            wait = seconds_until_reset(response.headers, now)
            policy = self.policy
            if self.rate_limited >= policy.rate_limit_retries or not policy.may_wait(
                wait, self.waited
            ):
                return None
            assert wait is not None  # may_wait said so
            self.rate_limited += 1
            self.waited += wait
            return wait + policy.jitter(rand), "status 429 (rate limit)"
        if is_retryable_status(status) and self.policy.may_retry(self.method, self.failures + 1):
            self.failures += 1
            return self.policy.backoff_delay(self.failures, rand), f"status {status}"
        return None


async def send_with_retries(
    policy: UpstreamPolicy,
    method: str,
    send: Callable[[], Awaitable[httpx.Response]],
    *,
    sleep: Sleep = anyio.sleep,
    now: Clock = time.time,
    rand: Rand = random.random,
    rate_limit_waited: float = 0.0,
) -> httpx.Response:
    """Run ``send`` once, and again while the policy allows (see the module's rules).

    ``rate_limit_waited`` is what this call already spent waiting for the rate limit (before
    sending). Returns the last response (which may still be a 5xx or a 429 once the policy says
    stop) or re-raises the last transport error; mapping either to a dns-api error is the
    caller's job.
    """
    attempts = _Attempts(policy, method, waited=rate_limit_waited)
    while True:
        try:
            response = await send()
        except RETRYABLE_TRANSPORT_ERRORS as exc:
            retry = attempts.after_error(exc, rand)
            if retry is None:
                raise
        else:
            retry = attempts.after_response(response, now(), rand)
            if retry is None:
                return response
        delay, reason = retry
        level = logging.INFO if reason.startswith("status 429") else logging.DEBUG
        logger.log(level, "sending %s again after %s, in %.3f s", method, reason, delay)
        await sleep(delay)


def rate_limit_from(headers: httpx.Headers) -> RateLimit | None:
    """The budget an answer reports (``X-RateLimit-*``), if it reports all of it."""
    limit, remaining, reset = (
        int_header(headers, f"x-ratelimit-{name}") for name in ("limit", "remaining", "reset")
    )
    if limit is None or remaining is None or reset is None:
        return None
    return RateLimit(limit=limit, remaining=remaining, reset=reset)
