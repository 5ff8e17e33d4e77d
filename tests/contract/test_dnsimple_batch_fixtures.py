"""DnsimpleClient.batch_change against DNSimple's recorded batchChangeZoneRecords answers.

The recorded answers (``tests/fixtures/dnsimple/api/batchChangeZoneRecords``) are replayed
through ``httpx.MockTransport``: DNSimple's side is recorded, our client is the real one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from dns_api.errors import (
    UpstreamError,
    UpstreamFeatureUnavailable,
    UpstreamRejected,
    UpstreamUnavailable,
)
from dns_api.providers.base import (
    BatchResult,
    NewRecord,
    ProviderRecord,
    RateLimit,
    RecordChanges,
    RecordUpdate,
)
from dns_api.providers.dnsimple import DnsimpleClient
from dns_api.providers.upstream_policy import UpstreamPolicy
from tests.dnsimple_fixtures import load

ZONE = "example.com"
BATCH_PATH = "/v2/1010/zones/example.com/batch"
FIXTURES = "batchChangeZoneRecords"
RETRYING = UpstreamPolicy(read_retries=2, backoff_base=0.001, backoff_cap=0.002)
FRAMING_HEADERS = {"content-length", "transfer-encoding", "connection", "content-encoding"}

Answer = str | httpx.Response | Exception


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def recorded(name: str) -> httpx.Response:
    fixture = load(f"{FIXTURES}/{name}")
    headers = {k: v for k, v in fixture.headers.items() if k not in FRAMING_HEADERS}
    return httpx.Response(fixture.status, headers=headers, content=fixture.body)


class Upstream:
    """Answers each request with the next scripted answer and keeps what it was sent."""

    def __init__(self, *answers: Answer) -> None:
        self._answers: Iterator[Answer] = iter(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = next(self._answers)
        if isinstance(answer, Exception):
            raise answer
        return recorded(answer) if isinstance(answer, str) else answer

    def client(self, policy: UpstreamPolicy | None = None) -> DnsimpleClient:
        return DnsimpleClient(
            base_url="https://api.dnsimple.test",
            account_id=1010,
            token="tok-batch-tests",
            policy=policy or UpstreamPolicy(read_retries=0),
            transport=httpx.MockTransport(self),
        )

    @property
    def last_json(self) -> object:
        return json.loads(self.requests[-1].content)


def a_record(record_id: int, name: str, content: str, created: str, updated: str) -> ProviderRecord:
    return ProviderRecord(
        id=record_id,
        zone=ZONE,
        name=name,
        type="A",
        content=content,
        ttl=3600,
        regions=("global",),
        created_at=datetime.fromisoformat(created).replace(tzinfo=UTC),
        updated_at=datetime.fromisoformat(updated).replace(tzinfo=UTC),
    )


# -- success ---------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_batch_posts_every_kind_and_returns_what_dnsimple_changed() -> None:
    upstream = Upstream("success.http")
    async with upstream.client() as client:
        result = await client.batch_change(
            ZONE,
            creates=[NewRecord("ab", "A", "3.2.3.4", 3600), NewRecord("ab", "A", "4.2.3.4", 3600)],
            updates=[
                RecordUpdate(67622534, RecordChanges(content="3.2.3.40")),
                RecordUpdate(67622537, RecordChanges(content="5.2.3.40")),
            ],
            deletes=[67622509, 67622527],
        )
        assert client.rate_limit == RateLimit(limit=2400, remaining=2399, reset=1757053501)
    request = upstream.requests[0]
    assert (request.method, request.url.path) == ("POST", BATCH_PATH)
    assert request.headers["content-type"] == "application/json"
    assert upstream.last_json == {
        "creates": [
            {"name": "ab", "type": "A", "content": "3.2.3.4", "ttl": 3600},
            {"name": "ab", "type": "A", "content": "4.2.3.4", "ttl": 3600},
        ],
        "updates": [
            {"id": 67622534, "content": "3.2.3.40"},
            {"id": 67622537, "content": "5.2.3.40"},
        ],
        "deletes": [{"id": 67622509}, {"id": 67622527}],
    }
    created_at = "2025-09-05 05:25:00"
    assert result == BatchResult(
        created=(
            a_record(67623409, "ab", "3.2.3.4", created_at, created_at),
            a_record(67623410, "ab", "4.2.3.4", created_at, created_at),
        ),
        updated=(
            a_record(67622534, "update1-1757049890", "3.2.3.40", "2025-09-05 04:40:15", created_at),
            a_record(67622537, "update2-1757049890", "5.2.3.40", "2025-09-05 04:40:22", created_at),
        ),
        deleted=(67622509, 67622527),
    )


@pytest.mark.anyio
async def test_empty_kinds_are_left_out_and_updates_carry_only_what_changes() -> None:
    upstream = Upstream("success.http", "success.http")
    async with upstream.client() as client:
        await client.batch_change(ZONE, deletes=[7])
        first = upstream.last_json
        await client.batch_change(
            ZONE,
            creates=[NewRecord("", "MX", "mx.example.com", 600, priority=10)],
            updates=[RecordUpdate(8, RecordChanges(ttl=60, priority=5))],
        )
    assert first == {"deletes": [{"id": 7}]}
    assert upstream.last_json == {
        "creates": [
            {"name": "", "type": "MX", "content": "mx.example.com", "ttl": 600, "priority": 10}
        ],
        "updates": [{"id": 8, "ttl": 60, "priority": 5}],
    }


@pytest.mark.anyio
async def test_a_success_whose_records_lack_fields_is_an_upstream_failure() -> None:
    body = {"data": {"creates": [{"id": 1}], "updates": [], "deletes": []}}
    async with Upstream(httpx.Response(200, json=body)).client() as client:
        with pytest.raises(UpstreamUnavailable) as caught:
            await client.batch_change(ZONE, creates=[NewRecord("a", "A", "192.0.2.1", 60)])
    assert caught.value.upstream_status == 200
    assert "'name' is missing" in caught.value.detail


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("fixture", "detail", "field_errors"),
    [
        (
            "error_400_create_validation_failed.http",
            "Validation failed: creates[0]: record_type unsupported",
            {"creates/0/record_type": ["unsupported"]},
        ),
        (
            "error_400_update_validation_failed.http",
            "Validation failed: updates[0]: Record not found ID=99999999",
            {"updates/0": ["Record not found ID=99999999"]},
        ),
        (
            "error_400_delete_validation_failed.http",
            "Validation failed: deletes[0]: Record not found ID=67622509",
            {"deletes/0": ["Record not found ID=67622509"]},
        ),
    ],
)
async def test_a_refused_batch_names_each_failing_operation(
    fixture: str, detail: str, field_errors: dict[str, list[str]]
) -> None:
    async with Upstream(fixture).client() as client:
        with pytest.raises(UpstreamRejected) as caught:
            await client.batch_change(ZONE, deletes=[67622509])
        assert client.rate_limit is not None
    error = caught.value
    assert (error.code, error.status, error.upstream_status) == ("upstream_rejected", 422, 400)
    assert error.detail == detail
    assert error.field_errors == field_errors


@pytest.mark.anyio
async def test_several_failing_operations_are_all_named_in_dnsimples_order() -> None:
    body = {
        "message": "Validation failed",
        "errors": {
            "creates": [
                {
                    "index": 1,
                    "message": "Validation failed",
                    "errors": {"name": ["is invalid"], "content": ["can't be blank", "too long"]},
                }
            ],
            "deletes": [{"index": 0, "message": "Record not found ID=67622509"}],
        },
    }
    async with Upstream(httpx.Response(400, json=body)).client() as client:
        with pytest.raises(UpstreamRejected) as caught:
            await client.batch_change(ZONE, deletes=[67622509])
    assert caught.value.detail == (
        "Validation failed: creates[1]: name is invalid, content can't be blank, content too long;"
        " deletes[0]: Record not found ID=67622509"
    )
    assert caught.value.field_errors == {
        "creates/1/name": ["is invalid"],
        "creates/1/content": ["can't be blank", "too long"],
        "deletes/0": ["Record not found ID=67622509"],
    }


@pytest.mark.anyio
async def test_a_412_is_a_feature_the_plan_lacks() -> None:
    message = "Your plan does not include batch changes"
    answer = httpx.Response(412, json={"message": message}, headers={"x-ratelimit-limit": "2400"})
    async with Upstream(answer).client() as client:
        with pytest.raises(UpstreamFeatureUnavailable) as caught:
            await client.batch_change(ZONE, deletes=[1])
    error = caught.value
    assert (error.code, error.status, error.upstream_status) == (
        "upstream_feature_unavailable",
        502,
        412,
    )
    assert error.detail == message


@pytest.mark.anyio
@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(502, text="<html>bad gateway</html>"),
        httpx.Response(503, json={"message": "Service Unavailable"}),
        httpx.ReadTimeout("slow"),
        httpx.ConnectError("refused"),
    ],
    ids=["502", "503", "timeout", "connect-error"],
)
async def test_a_batch_is_never_retried(answer: Answer) -> None:
    upstream = Upstream(answer, "success.http")
    async with upstream.client(RETRYING) as client:
        with pytest.raises(UpstreamError):
            await client.batch_change(ZONE, deletes=[1])
    assert len(upstream.requests) == 1
