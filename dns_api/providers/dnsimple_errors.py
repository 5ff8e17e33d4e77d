"""What DNSimple answered (or failed to) -> a dns-api ``UpstreamError``; a helper of ``dnsimple``.

The one table, from the cause to the error ``DnsimpleClient`` raises:

    400                             UpstreamRejected     (DNSimple's field errors; for a batch,
                                                          every failing operation in the detail)
    401, 403                        UpstreamAuthFailed
    404                             UpstreamNotFound
    412                             UpstreamFeatureUnavailable  (not on the account's plan)
    429                             UpstreamRateLimited  (retry_after)
    no budget left, resets too late UpstreamRateLimited  (retry_after; nothing was sent)
    504, a transport timeout        UpstreamTimeout
    other 5xx, other transport
    errors, a malformed 2xx body    UpstreamUnavailable
    any other status                UpstreamError
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime

import httpx

from dns_api.errors import (
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamFeatureUnavailable,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from dns_api.providers.base import RateLimit
from dns_api.providers.dnsimple_json import (
    JsonObject,
    MalformedBodyError,
    batch_problems,
    error_message,
    error_payload,
    field_errors,
)
from dns_api.providers.upstream_policy import retry_after_seconds

log = logging.getLogger("dns_api.providers.dnsimple")


def error_for_response(
    response: httpx.Response, *, expected: int = 200, now: float | None = None
) -> UpstreamError:
    """The one table from a DNSimple status that was not ``expected`` to a dns-api error.

    ``now`` (Unix seconds, default the system clock) turns a 429's reset into ``retry_after``.
    """
    status = response.status_code
    payload = error_payload(response)
    message = error_message(payload) or _describe_status(response, payload)
    match status:
        case 400:
            return _rejected(message, payload)
        case 401 | 403:
            return UpstreamAuthFailed(message, upstream_status=status)
        case 404:
            return UpstreamNotFound(message, upstream_status=status)
        case 412:
            return UpstreamFeatureUnavailable(message, upstream_status=status)
        case 429:
            retry_after = retry_after_seconds(response.headers, now)
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


def error_for_transport(method: str, exc: httpx.RequestError) -> UpstreamError:
    """A request that got no answer (after any retries): a timeout, or DNSimple unreachable."""
    if isinstance(exc, httpx.TimeoutException):
        return UpstreamTimeout(f"DNSimple did not answer {method} in time ({type(exc).__name__})")
    log.warning("could not reach DNSimple for %s: %s: %s", method, type(exc).__name__, exc)
    return UpstreamUnavailable(f"Could not reach DNSimple ({type(exc).__name__})")


def error_for_spent_budget(rate_limit: RateLimit, now: float) -> UpstreamRateLimited:
    """The request was not sent: the hourly budget seen last is spent and resets too late."""
    retry_after = max(1, math.ceil(rate_limit.reset - now))
    until = datetime.fromtimestamp(rate_limit.reset, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    detail = (
        f"DNSimple's hourly budget of {rate_limit.limit} requests is spent until {until} "
        f"(in {retry_after} s); the request was not sent"
    )
    return UpstreamRateLimited(detail, retry_after=retry_after, upstream_status=None)


def error_for_malformed_body(response: httpx.Response, exc: MalformedBodyError) -> UpstreamError:
    """An expected status whose body is not what DNSimple documents."""
    status = response.status_code
    return UpstreamUnavailable(f"DNSimple answered {status} with {exc}", upstream_status=status)


def _rejected(message: str, payload: JsonObject | None) -> UpstreamRejected:
    """A 400; a batch's names every failing operation: ``Validation failed: creates[0]: ...``."""
    problems = batch_problems(payload)
    detail = f"{message}: {'; '.join(problems)}" if problems else message
    return UpstreamRejected(detail, field_errors=field_errors(payload))


def _describe_status(response: httpx.Response, payload: JsonObject | None) -> str:
    status = response.status_code
    if not response.content.strip():
        return f"DNSimple answered {status} {response.reason_phrase} with an empty body"
    if payload is None:
        return f"DNSimple answered {status} with a non-JSON body"
    return f"DNSimple answered {status} {response.reason_phrase}"
