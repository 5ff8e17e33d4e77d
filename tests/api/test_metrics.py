"""``GET /metrics``: the series, their labels and values after real requests, on both databases."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jwt.warnings import InsecureKeyLengthWarning
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from dns_api.api.metrics import (
    auth_failure_reason,
    dnsimple_operation,
    dnsimple_outcome,
)
from dns_api.app import create_app
from dns_api.db import urls
from dns_api.db.models import IntentRow
from dns_api.emulator import RunningEmulator
from dns_api.emulator.faults import HANG
from dns_api.errors import TooManyFailures
from dns_api.settings import Settings
from tests.conftest import SECRET_KEY, make_settings

Auth = Callable[..., dict[str, str]]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

CREATE_PATH = "/records/a/example.com/box/192.0.2.10"
CREATE_ROUTE = "/records/{domain_type}/{domain}/{subdomain}/{to}"
WRONG_KEY_TOKEN = jwt.encode({"username": "alice"}, "x" * 64, algorithm="HS512")
METRICS_TOKEN = "metrics-token-0123456789"


def observed_app(settings: Settings, **options: Any) -> FastAPI:
    """The app as ``dns-api serve`` builds it: metrics and request ids installed."""
    return create_app(settings, **options)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    # The session migrated the database; the apps below this fixture run the start-up migration.
    with TestClient(observed_app(settings, migrate_on_start=False)) as test_client:
        yield test_client


def scrape(client: TestClient, **headers: str) -> Samples:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def series(samples: Samples, name: str) -> dict[frozenset[tuple[str, str]], float]:
    return {labels: v for (n, labels), v in samples.items() if n == name}


def test_http_requests_are_counted_by_route_template(client: TestClient, auth: Auth) -> None:
    assert client.post(CREATE_PATH, headers=auth()).status_code == 200
    assert client.get("/records/999999", headers=auth()).status_code == 404
    assert client.get("/nope/123").status_code == 404
    assert client.get("/whoami").status_code == 401
    samples = scrape(client)
    requests = "dns_api_http_requests_total"
    assert value(samples, requests, method="POST", route=CREATE_ROUTE, status="200") == 1
    assert value(samples, requests, method="GET", route="/records/{record_id}", status="404") == 1
    assert value(samples, requests, method="GET", route="unmatched", status="404") == 1
    assert value(samples, requests, method="GET", route="/whoami", status="401") == 1
    duration = "dns_api_http_request_duration_seconds_count"
    assert value(samples, duration, method="POST", route=CREATE_ROUTE) == 1
    routes = {dict(labels)["route"] for labels in series(samples, requests)}
    assert not any(raw in route for route in routes for raw in ("box", "999999", "nope"))


def test_dnsimple_calls_by_operation_and_outcome(
    client: TestClient, auth: Auth, emulator: RunningEmulator
) -> None:
    assert client.post(CREATE_PATH, headers=auth()).status_code == 200
    assert client.post("/records/a/example.com/box/192.0.2.11", headers=auth()).status_code == 200
    samples = scrape(client)
    calls = series(samples, "dns_api_dnsimple_calls_total")
    operations = {dict(labels)["operation"] for labels in calls}
    assert all(
        re.fullmatch(r"(GET|POST|PATCH|DELETE) (records|record|batch)", o) for o in operations
    )
    assert {dict(labels)["outcome"] for labels in calls} == {"2xx"}
    assert sum(calls.values()) == sum(emulator.state.calls_snapshot().values())
    writes = sum(
        v for labels, v in calls.items() if not dict(labels)["operation"].startswith("GET")
    )
    assert writes == 2  # the create, then the change in place
    timed = series(samples, "dns_api_dnsimple_call_duration_seconds_count")
    assert sum(timed.values()) == sum(calls.values())


def test_rate_limit_gauge_follows_dnsimple(
    client: TestClient, auth: Auth, emulator: RunningEmulator
) -> None:
    assert value(scrape(client), "dns_api_dnsimple_rate_limit_remaining") is None  # no call yet
    assert client.post(CREATE_PATH, headers=auth()).status_code == 200
    samples = scrape(client)
    budget = emulator.state.rate_limit()
    assert value(samples, "dns_api_dnsimple_rate_limit_remaining") == budget.remaining
    assert value(samples, "dns_api_dnsimple_rate_limit_limit") == budget.limit


def test_auth_failures_by_reason(client: TestClient) -> None:
    for header in (None, "Bearer not-a-token", f"Bearer {WRONG_KEY_TOKEN}", "Bearer dnsapi_x"):
        headers = {"Authorization": header} if header else {}
        assert client.get("/whoami", headers=headers).status_code == 401
    failures = series(scrape(client), "dns_api_auth_failures_total")
    counted = {dict(labels)["reason"]: v for labels, v in failures.items()}
    assert counted == {
        "missing": 1,
        "malformed": 1,
        "signature": 1,
        "unknown": 1,
        "expired": 0,
        "revoked": 0,
        "source": 0,
        "throttled": 0,
    }


def test_throttled_authentications_are_counted(
    emulator: RunningEmulator, database_url: str
) -> None:
    settings = make_settings(
        dnsimple_base_url=emulator.url, database_url=database_url, auth_failure_limit=2
    )
    with TestClient(observed_app(settings)) as client:
        statuses = [
            client.get("/whoami", headers={"Authorization": "Bearer x"}).status_code
            for _ in range(3)
        ]
        assert statuses == [401, 401, 429]
        samples = scrape(client)
    assert value(samples, "dns_api_auth_failures_total", reason="malformed") == 2
    assert value(samples, "dns_api_auth_failures_total", reason="throttled") == 1


def test_an_expired_token_is_counted_as_expired(client: TestClient) -> None:
    with warnings.catch_warnings():  # the test key is shorter than PyJWT recommends
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        expired = jwt.encode(
            {"username": "alice", "exp": datetime(2020, 1, 1, tzinfo=UTC)},
            SECRET_KEY,
            algorithm="HS512",
        )
    response = client.get("/whoami", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    samples = scrape(client)
    assert value(samples, "dns_api_auth_failures_total", reason="expired") == 1
    assert value(samples, "dns_api_auth_failures_total", reason="malformed") == 0


def test_throttling_is_its_own_reason() -> None:
    assert auth_failure_reason(TooManyFailures(30)) == "throttled"


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("GET", "/v2/whoami", "GET whoami"),
        ("GET", "/v2/1010/zones/example.com/records", "GET records"),
        ("POST", "/v2/1010/zones/example.com/records", "POST records"),
        ("GET", "/v2/1010/zones/example.com/records/42", "GET record"),
        ("PATCH", "/v2/1010/zones/xn--bcher-kva.example/records/42", "PATCH record"),
        ("DELETE", "/v2/1010/zones/example.com/records/42", "DELETE record"),
        ("POST", "/v2/1010/zones/example.com/batch", "POST batch"),
        ("GET", "/v2/1010/zones/example.com/records/42/extra", "GET other"),
        ("BREW", "/v2/whoami", "OTHER whoami"),
    ],
)
def test_dnsimple_operations_hold_no_ids(method: str, path: str, operation: str) -> None:
    assert dnsimple_operation(method, path) == operation


@pytest.mark.parametrize(
    ("outcome", "label"),
    [
        ("200", "2xx"),
        ("201", "2xx"),
        ("404", "4xx"),
        ("429", "429"),
        ("503", "5xx"),
        ("timeout", "timeout"),
        ("error", "error"),
        ("999", "error"),
    ],
)
def test_dnsimple_outcomes(outcome: str, label: str) -> None:
    assert dnsimple_outcome(outcome) == label


def test_dnsimple_failures_are_counted_as_error_and_timeout(
    emulator: RunningEmulator, database_url: str
) -> None:
    unreachable = make_settings(database_url=database_url)  # DNSimple at a closed port
    with TestClient(observed_app(unreachable)) as client:
        assert client.get("/health/ready").status_code == 503
        samples = scrape(client)
    errors = value(samples, "dns_api_dnsimple_calls_total", operation="GET whoami", outcome="error")
    assert errors == 1  # a readiness probe is never retried (it needs no token)

    emulator.state.set_faults(hang_seconds=1.0)
    emulator.state.fail_next(HANG, 1)
    slow = make_settings(
        dnsimple_base_url=emulator.url, database_url=database_url, dnsimple_timeout=0.2
    )
    with TestClient(observed_app(slow)) as client:
        assert client.get("/health/ready").status_code == 503
        samples = scrape(client)
    timeouts = value(
        samples, "dns_api_dnsimple_calls_total", operation="GET whoami", outcome="timeout"
    )
    assert timeouts == 1


def _pending_intent(database_url: str) -> None:
    now = datetime.now(UTC)
    operation = {"action": "create", "name": "x", "type": "A", "content": "192.0.2.1"}
    engine = create_engine(urls.engine_url(database_url))
    with Session(engine) as session, session.begin():
        # A zone DNSimple does not know: the recovery at start cannot resolve it, so it stays.
        session.add(
            IntentRow(
                zone="unknown.example",
                status="pending",
                operations=[{**operation, "priority": None, "ttl": 60}],
                actor="alice",
                created_at=now,
                updated_at=now,
            )
        )
        session.add(
            IntentRow(
                zone="example.com",
                status="done",
                operations=[],
                actor="alice",
                created_at=now,
                updated_at=now,
            )
        )
    engine.dispose()


def test_pending_intents_gauge(settings: Settings, database_url: str) -> None:
    with TestClient(observed_app(settings)) as client:
        assert value(scrape(client), "dns_api_pending_intents") == 0
    _pending_intent(database_url)
    with TestClient(observed_app(settings)) as client:
        assert value(scrape(client), "dns_api_pending_intents") == 1


def test_metrics_token_protects_the_endpoint(emulator: RunningEmulator, database_url: str) -> None:
    settings = make_settings(
        dnsimple_base_url=emulator.url, database_url=database_url, metrics_token=METRICS_TOKEN
    )
    with TestClient(observed_app(settings)) as client:
        refused = client.get("/metrics")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
        assert refused.json()["errors"][0]["code"] == "unauthenticated"
        wrong = client.get("/metrics", headers={"Authorization": "Bearer not-it"})
        assert wrong.status_code == 401
        samples = scrape(client, Authorization=f"Bearer {METRICS_TOKEN}")
    assert (
        value(samples, "dns_api_http_requests_total", method="GET", route="/metrics", status="401")
        == 2
    )
    failures = series(samples, "dns_api_auth_failures_total")
    assert sum(failures.values()) == 0  # a scraper's token is not an API token


def test_metrics_are_open_without_a_token(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 200
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]
