"""Prometheus metrics: the instruments and ``GET /metrics``.

The HTTP series are fed by the middleware of ``api.observation``; the DNSimple ones by the
``on_call`` observer of ``DnsimpleClient``; the auth failures by ``api.errors``.

Each app has its own ``Metrics`` (its own ``CollectorRegistry``, never the global one, so several
apps in one process, as in the tests, do not clash). Labels hold only small fixed sets: route
templates (``/records/{record_id}``; ``unmatched`` for unknown paths), methods, statuses,
DNSimple operations (``GET records``, ``PATCH record``, ``POST batch``: never a zone name or a
record id) and authentication failure reasons.

    dns_api_http_requests_total{method,route,status}
    dns_api_http_request_duration_seconds{method,route}        histogram
    dns_api_dnsimple_calls_total{operation,outcome}            outcome: 2xx, 4xx, 429, 5xx,
                                                               timeout, error
    dns_api_dnsimple_call_duration_seconds{operation}          histogram
    dns_api_dnsimple_rate_limit_remaining, ..._limit           from DNSimple's latest answer
                                                               (absent before the first one)
    dns_api_pending_intents                                    read at scrape time (NaN when
                                                               the database cannot be read)
    dns_api_auth_failures_total{reason}                        see AUTH_FAILURE_REASONS

``GET /metrics`` is open unless ``METRICS_TOKEN`` is set; then it needs
``Authorization: Bearer <METRICS_TOKEN>``.
"""

from __future__ import annotations

import hmac
import logging
import math
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from pydantic import SecretStr
from starlette.applications import Starlette

from dns_api.api.envelope import error_item, error_reply
from dns_api.errors import AuthenticationFailed, AuthFailure, DnsApiError, StorageUnavailable
from dns_api.providers.base import RateLimit

if TYPE_CHECKING:
    from dns_api.services.container import Services

log = logging.getLogger(__name__)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

THROTTLED = "throttled"

_DNSIMPLE_OPERATIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"/v2/whoami"), "whoami"),
    (re.compile(r"/v2/accounts"), "accounts"),
    (re.compile(r"/v2/[^/]+/zones"), "zones"),
    (re.compile(r"/v2/[^/]+/zones/[^/]+"), "zone"),
    (re.compile(r"/v2/[^/]+/zones/[^/]+/records"), "records"),
    (re.compile(r"/v2/[^/]+/zones/[^/]+/records/[^/]+"), "record"),
    (re.compile(r"/v2/[^/]+/zones/[^/]+/batch"), "batch"),
)


def auth_failure_reason(exc: DnsApiError) -> str:
    """The label for a failed authentication: one of a small fixed set."""
    if isinstance(exc, AuthenticationFailed):
        return exc.failure.value
    return THROTTLED  # TooManyFailures: the source failed too often to be heard


def dnsimple_operation(method: str, path: str) -> str:
    """``GET records``, ``PATCH record``, ``POST batch``...: the call without its ids."""
    kind = next((name for pattern, name in _DNSIMPLE_OPERATIONS if pattern.fullmatch(path)), None)
    return f"{_method(method)} {kind or 'other'}"


def dnsimple_outcome(outcome: str) -> str:
    """``2xx``, ``4xx``, ``429``, ``5xx`` from a status; ``timeout`` and ``error`` as given."""
    if outcome == "429" or outcome in ("timeout", "error"):
        return outcome
    if len(outcome) == 3 and outcome.isdigit() and outcome[0] in "12345":
        return outcome[0] + "xx"
    return "error"


def _method(method: str) -> str:
    method = method.upper()
    return method if method in METHODS else "OTHER"


class _ScrapeTimeValues:
    """The gauges whose values are looked up when Prometheus scrapes, not counted as they go."""

    def __init__(self) -> None:
        self.pending: float = math.nan
        self.rate_limit: RateLimit | None = None

    def collect(self) -> Iterable[Metric]:
        yield GaugeMetricFamily(
            "dns_api_pending_intents",
            "DNSimple changes begun and not yet known to be finished (NaN: database unreadable)",
            value=self.pending,
        )
        if self.rate_limit is not None:
            yield GaugeMetricFamily(
                "dns_api_dnsimple_rate_limit_remaining",
                "DNSimple requests left in the hourly window, from its latest answer",
                value=self.rate_limit.remaining,
            )
            yield GaugeMetricFamily(
                "dns_api_dnsimple_rate_limit_limit",
                "DNSimple requests allowed per hour, from its latest answer",
                value=self.rate_limit.limit,
            )


class Metrics:
    """The instruments of one app, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "dns_api_http_requests",
            "HTTP requests answered, by route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_duration = Histogram(
            "dns_api_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template",
            ["method", "route"],
            registry=self.registry,
        )
        self.dnsimple_calls = Counter(
            "dns_api_dnsimple_calls",
            "Requests sent to DNSimple (each retry counts), by operation and outcome",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.dnsimple_duration = Histogram(
            "dns_api_dnsimple_call_duration_seconds",
            "Time DNSimple took to answer (or fail), by operation",
            ["operation"],
            registry=self.registry,
        )
        self.auth_failures = Counter(
            "dns_api_auth_failures",
            "Failed authentications, by reason",
            ["reason"],
            registry=self.registry,
        )
        for reason in [failure.value for failure in AuthFailure] + [THROTTLED]:
            self.auth_failures.labels(reason)  # every reason shows, at 0, from the start
        self._scraped = _ScrapeTimeValues()
        self.registry.register(self._scraped)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count and time one HTTP request (``route`` is its template, never a raw path)."""
        method = _method(method)
        self.http_requests.labels(method, route, str(status)).inc()
        self.http_duration.labels(method, route).observe(seconds)

    def observe_dnsimple_call(self, method: str, path: str, outcome: str, seconds: float) -> None:
        """The ``on_call`` observer of ``DnsimpleClient``."""
        operation = dnsimple_operation(method, path)
        self.dnsimple_calls.labels(operation, dnsimple_outcome(outcome)).inc()
        self.dnsimple_duration.labels(operation).observe(seconds)

    def count_auth_failure(self, exc: DnsApiError) -> None:
        self.auth_failures.labels(auth_failure_reason(exc)).inc()

    async def exposition(self, services: Services) -> bytes:
        """The text exposition, with the scrape-time values looked up first."""
        self._scraped.pending = await _pending_intents(services)
        self._scraped.rate_limit = services.provider.rate_limit
        return generate_latest(self.registry)


async def _pending_intents(services: Services) -> float:
    try:
        count = await services.recovery.pending_count()
    except StorageUnavailable as exc:
        log.warning("pending intents not counted for /metrics: %s", exc.detail)
        return math.nan
    return float(count)


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics_endpoint(request: Request) -> Response:
    services: Services = request.app.state.services
    if not scrape_allowed(request.headers.get("authorization"), services.settings.metrics_token):
        log.info("/metrics refused: no valid METRICS_TOKEN")
        item = error_item(
            title="Unauthorized", detail="A valid bearer token is required.", code="unauthenticated"
        )
        return error_reply(401, [item], {"WWW-Authenticate": "Bearer"})
    metrics: Metrics = request.app.state.metrics
    return Response(await metrics.exposition(services), media_type=CONTENT_TYPE_LATEST)


def scrape_allowed(authorization: str | None, token: SecretStr | None) -> bool:
    """Open without ``METRICS_TOKEN``; else ``Bearer <METRICS_TOKEN>``, compared in constant
    time."""
    if token is None:
        return True
    scheme, _, given = (authorization or "").partition(" ")
    expected = token.get_secret_value().encode()
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected)


def count_auth_failure(app: Starlette, exc: DnsApiError) -> None:
    """Count a 401 (or a 429 of the failure throttle); a no-op for an app without metrics."""
    metrics: Metrics | None = getattr(app.state, "metrics", None)
    if metrics is not None:
        metrics.count_auth_failure(exc)


def install_metrics(app: FastAPI, metrics: Metrics) -> None:
    """Serve ``metrics`` at ``GET /metrics`` (``install_observation`` records the requests)."""
    app.state.metrics = metrics
    app.include_router(router)
