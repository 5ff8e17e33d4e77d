"""DnsimpleClient against DNSimple's own recorded answers.

Each test replays raw recorded responses (``tests/fixtures/dnsimple/api``) through
``httpx.MockTransport``: DNSimple's side is recorded, our client is the real one.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest

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
from dns_api.providers.dnsimple import DnsimpleClient
from dns_api.providers.upstream_policy import UpstreamPolicy, retry_after_seconds
from tests.dnsimple_fixtures import all_names, load

TOKEN = "tok-SECRET-do-not-leak-1234"
ZONE = "example.com"
NO_RETRY = UpstreamPolicy(read_retries=0)
FAST_RETRY = UpstreamPolicy(read_retries=2, backoff_base=0.001, backoff_cap=0.002)
# Framing headers describe the recorded bytes on the wire, not the body we hand to httpx.
FRAMING_HEADERS = {"content-length", "transfer-encoding", "connection", "content-encoding"}

Answer = str | httpx.Response | Exception


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def recorded(name: str) -> httpx.Response:
    """A recorded DNSimple answer, byte for byte, as an httpx response."""
    fixture = load(name)
    headers = {k: v for k, v in fixture.headers.items() if k not in FRAMING_HEADERS}
    return httpx.Response(fixture.status, headers=headers, content=fixture.body)


def json_answer(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


class Upstream:
    """Plays a scripted sequence of answers and keeps every request it was sent."""

    def __init__(self, *answers: Answer, route: Callable[[httpx.Request], Answer] | None = None):
        self._answers: Iterator[Answer] = iter(answers)
        self._route = route
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self._route(request) if self._route else next(self._answers)
        if isinstance(answer, Exception):
            raise answer
        return recorded(answer) if isinstance(answer, str) else answer

    def client(self, policy: UpstreamPolicy = NO_RETRY) -> DnsimpleClient:
        return DnsimpleClient(
            base_url="https://api.dnsimple.test",
            account_id=1010,
            token=TOKEN,
            policy=policy,
            transport=httpx.MockTransport(self),
            user_agent="dns-api-tests",
        )

    @property
    def last_json(self) -> object:
        return json.loads(self.requests[-1].content)


def rate_limit_of(name: str) -> RateLimit:
    headers = load(name).headers
    return RateLimit(
        limit=int(headers["x-ratelimit-limit"]),
        remaining=int(headers["x-ratelimit-remaining"]),
        reset=int(headers["x-ratelimit-reset"]),
    )


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


# --- whoami ---------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("name", ["whoami/success.http", "whoami/success-account.http"])
async def test_whoami_with_an_account_token(name: str) -> None:
    upstream = Upstream(name)
    async with upstream.client() as client:
        identity = await client.whoami()
        assert client.rate_limit == RateLimit(limit=4000, remaining=3991, reset=1450451976)
    assert identity == AccountIdentity(
        account_id=1,
        account_email="example-account@example.com",
        extra={"name": "Example Account", "plan_identifier": "teams-v1-monthly"},
    )
    request = upstream.requests[0]
    assert (request.method, request.url.path) == ("GET", "/v2/whoami")


@pytest.mark.anyio
async def test_whoami_with_a_user_token() -> None:
    async with Upstream("whoami/success-user.http").client() as client:
        identity = await client.whoami()
    assert identity == AccountIdentity(
        account_id=None, user_id=1, user_email="example-user@example.com"
    )


@pytest.mark.anyio
async def test_whoami_with_neither_user_nor_account() -> None:
    async with Upstream("response.http").client() as client:
        identity = await client.whoami()
    assert identity == AccountIdentity(account_id=None)


# --- records: read --------------------------------------------------------------------------


@pytest.mark.anyio
async def test_list_records_parses_every_record() -> None:
    upstream = Upstream("listZoneRecords/success.http")
    async with upstream.client() as client:
        records = await client.list_records(ZONE)
        assert client.rate_limit == rate_limit_of("listZoneRecords/success.http")
    assert [r.id for r in records] == [1, 69061, 2, 3, 4]
    assert records[0] == ProviderRecord(
        id=1,
        zone=ZONE,
        name="",
        type="SOA",
        content="ns1.dnsimple.com admin.dnsimple.com 1458642070 86400 7200 604800 300",
        ttl=3600,
        priority=None,
        system_record=True,
        regions=("global",),
        created_at=at("2016-03-22 10:20:53"),
        updated_at=at("2016-10-05 09:26:38"),
    )
    assert all(r.type == "NS" and r.system_record for r in records[1:])
    request = upstream.requests[0]
    assert request.url.path == "/v2/1010/zones/example.com/records"
    assert dict(request.url.params) == {"page": "1", "per_page": "100"}


@pytest.mark.anyio
async def test_list_records_sends_filters_and_an_empty_name_for_the_apex() -> None:
    upstream = Upstream("listZoneRecords/success.http")
    async with upstream.client() as client:
        await client.list_records(ZONE, name="", type="NS")
    params = upstream.requests[0].url.params
    assert (params["name"], params["type"]) == ("", "NS")
    assert b"name=" in upstream.requests[0].url.query.split(b"&")


def full_record(item: dict[str, object]) -> dict[str, object]:
    """The pages fixtures hold only ids; give each item the rest of a ZoneRecord."""
    base = json.loads(load("getZoneRecord/success.http").body)["data"]
    return {**base, "name": f"r{item['id']}", **item}


def page_route(request: httpx.Request) -> httpx.Response:
    page = request.url.params["page"]
    fixture = load(f"pages-{page}of3.http")
    body = fixture.json()
    body["data"] = [full_record(item) for item in body["data"]]
    return httpx.Response(200, json=body, headers=fixture.rate_limit_headers)


@pytest.mark.anyio
async def test_list_records_follows_every_page_in_order() -> None:
    upstream = Upstream(route=page_route)
    async with upstream.client() as client:
        records = await client.list_records(ZONE)
    assert [r.id for r in records] == [1, 2, 3, 4, 5]
    assert [r.name for r in records] == ["r1", "r2", "r3", "r4", "r5"]
    assert [r.url.params["page"] for r in upstream.requests] == ["1", "2", "3"]
    assert {r.url.params["per_page"] for r in upstream.requests} == {"100"}


@pytest.mark.anyio
async def test_a_record_without_its_fields_is_an_upstream_failure_not_a_key_error() -> None:
    # pages-1of3.http as recorded: records that carry nothing but an id.
    async with Upstream("pages-1of3.http").client() as client:
        with pytest.raises(UpstreamUnavailable) as caught:
            await client.list_records(ZONE)
    assert caught.value.upstream_status == 200
    assert "'name' is missing" in caught.value.detail


@pytest.mark.anyio
async def test_get_record() -> None:
    upstream = Upstream("getZoneRecord/success.http")
    async with upstream.client() as client:
        record = await client.get_record(ZONE, 5)
        assert client.rate_limit == rate_limit_of("getZoneRecord/success.http")
    assert record == ProviderRecord(
        id=5,
        zone=ZONE,
        name="",
        type="MX",
        content="mxa.example.com",
        ttl=600,
        priority=10,
        system_record=False,
        regions=("SV1", "IAD"),
        created_at=at("2016-10-05 09:51:35"),
        updated_at=at("2016-10-05 09:51:35"),
    )
    assert upstream.requests[0].url.path == "/v2/1010/zones/example.com/records/5"


@pytest.mark.anyio
async def test_optional_record_fields_may_be_missing() -> None:
    data = {"id": 7, "name": "www", "type": "A", "content": "192.0.2.1", "ttl": 60}
    async with Upstream(json_answer(200, {"data": data})).client() as client:
        record = await client.get_record(ZONE, 7)
    assert record == ProviderRecord(
        id=7, zone=ZONE, name="www", type="A", content="192.0.2.1", ttl=60
    )


@pytest.mark.anyio
async def test_zone_name_is_quoted_in_the_path() -> None:
    upstream = Upstream("getZoneRecord/success.http")
    async with upstream.client() as client:
        await client.get_record("a/b?c", 5)
    assert upstream.requests[0].url.raw_path == b"/v2/1010/zones/a%2Fb%3Fc/records/5"


# --- records: write -------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("name", "fixture"),
    [("www", "createZoneRecord/created.http"), ("", "createZoneRecord/created-apex.http")],
)
async def test_create_record(name: str, fixture: str) -> None:
    upstream = Upstream(fixture)
    async with upstream.client() as client:
        record = await client.create_record(
            ZONE, NewRecord(name=name, type="A", content="127.0.0.1", ttl=600)
        )
        assert client.rate_limit == rate_limit_of(fixture)
    assert (record.id, record.name, record.type, record.content, record.ttl) == (
        1,
        name,
        "A",
        "127.0.0.1",
        600,
    )
    request = upstream.requests[0]
    assert (request.method, request.url.path) == ("POST", "/v2/1010/zones/example.com/records")
    assert request.headers["content-type"] == "application/json"
    assert upstream.last_json == {"name": name, "type": "A", "content": "127.0.0.1", "ttl": 600}


@pytest.mark.anyio
async def test_create_sends_priority_when_given() -> None:
    upstream = Upstream("createZoneRecord/created.http")
    async with upstream.client() as client:
        await client.create_record(ZONE, NewRecord("", "MX", "mx.example.com", 600, priority=10))
    assert upstream.last_json == {
        "name": "",
        "type": "MX",
        "content": "mx.example.com",
        "ttl": 600,
        "priority": 10,
    }


@pytest.mark.anyio
async def test_create_answered_with_200_instead_of_201_is_an_upstream_error() -> None:
    async with Upstream(recorded("getZoneRecord/success.http")).client() as client:
        with pytest.raises(UpstreamError) as caught:
            await client.create_record(ZONE, NewRecord("www", "A", "127.0.0.1", 600))
    assert type(caught.value) is UpstreamError
    assert caught.value.upstream_status == 200
    assert caught.value.detail == "DNSimple answered 200 where 201 was expected"


@pytest.mark.anyio
async def test_update_record_patches_only_the_given_fields() -> None:
    upstream = Upstream("updateZoneRecord/success.http")
    async with upstream.client() as client:
        record = await client.update_record(
            ZONE, 5, RecordChanges(content="mxb.example.com", priority=20)
        )
        assert client.rate_limit == rate_limit_of("updateZoneRecord/success.http")
    request = upstream.requests[0]
    assert (request.method, request.url.path) == ("PATCH", "/v2/1010/zones/example.com/records/5")
    assert upstream.last_json == {"content": "mxb.example.com", "priority": 20}
    assert (record.content, record.ttl, record.priority, record.regions) == (
        "mxb.example.com",
        3600,
        20,
        ("global",),
    )


@pytest.mark.anyio
async def test_delete_record() -> None:
    upstream = Upstream("deleteZoneRecord/success.http")
    async with upstream.client() as client:
        await client.delete_record(ZONE, 5)
        assert client.rate_limit == RateLimit(limit=4000, remaining=3987, reset=1452189987)
    request = upstream.requests[0]
    assert (request.method, request.url.path) == ("DELETE", "/v2/1010/zones/example.com/records/5")


# --- error answers --------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("notfound-record.http", "Record `0` not found"),
        ("notfound-zone.http", "Zone `0` not found"),
        ("notfound-domain.http", "Domain `0` not found"),
    ],
)
async def test_not_found(fixture: str, message: str) -> None:
    async with Upstream(fixture).client() as client:
        with pytest.raises(UpstreamNotFound) as caught:
            await client.get_record(ZONE, 0)
        assert client.rate_limit is None  # DNSimple's 404s carry no rate-limit headers
    error = caught.value
    assert (error.code, error.status, error.upstream_status) == ("upstream_not_found", 502, 404)
    assert error.detail == message


@pytest.mark.anyio
async def test_rate_limit_keeps_the_latest_values_seen_when_an_answer_has_none() -> None:
    async with Upstream("whoami/success.http", "notfound-record.http").client() as client:
        await client.whoami()
        with pytest.raises(UpstreamNotFound):
            await client.delete_record(ZONE, 0)
        assert client.rate_limit == rate_limit_of("whoami/success.http")


@pytest.mark.anyio
@pytest.mark.parametrize(
    "fixture", ["validation-error.http", "createContact/error-validation-errors.http"]
)
async def test_validation_errors_keep_every_field_message(fixture: str) -> None:
    async with Upstream(fixture).client() as client:
        with pytest.raises(UpstreamRejected) as caught:
            await client.create_record(ZONE, NewRecord("www", "A", "", 600))
        assert client.rate_limit == rate_limit_of(fixture)
    error = caught.value
    assert (error.code, error.status, error.upstream_status) == ("upstream_rejected", 422, 400)
    assert error.detail == "Validation failed"
    assert error.field_errors == load(fixture).json()["errors"]
    assert error.field_errors["email"] == ["can't be blank", "is an invalid email address"]


@pytest.mark.anyio
async def test_a_400_without_an_errors_map() -> None:
    fixture = "listCharges/fail-400-bad-filter.http"
    async with Upstream(fixture).client() as client:
        with pytest.raises(UpstreamRejected) as caught:
            await client.list_records(ZONE)
        assert client.rate_limit == rate_limit_of(fixture)
    assert caught.value.detail == "Invalid date format must be ISO8601 (YYYY-MM-DD)"
    assert caught.value.field_errors == {}


@pytest.mark.anyio
async def test_a_400_with_an_empty_errors_map_and_record_type_errors() -> None:
    empty = json_answer(400, {"message": "Validation failed", "errors": {}})
    typed = json_answer(
        400, {"message": "Validation failed", "errors": {"record_type": ["unsupported"]}}
    )
    async with Upstream(empty, typed).client() as client:
        with pytest.raises(UpstreamRejected) as first:
            await client.create_record(ZONE, NewRecord("www", "A", "", 600))
        with pytest.raises(UpstreamRejected) as second:
            await client.create_record(ZONE, NewRecord("www", "BOGUS", "x", 600))
    assert first.value.field_errors == {}
    assert second.value.field_errors == {"record_type": ["unsupported"]}


@pytest.mark.anyio
async def test_a_403_for_a_missing_scope() -> None:
    fixture = "listCharges/fail-403.http"
    async with Upstream(fixture).client() as client:
        with pytest.raises(UpstreamAuthFailed) as caught:
            await client.list_records(ZONE)
        assert client.rate_limit == rate_limit_of(fixture)
    error = caught.value
    assert (error.code, error.status, error.upstream_status) == ("upstream_auth_failed", 502, 403)
    assert error.detail == "Permission Denied. Required Scope: billing:*:read"


@pytest.mark.anyio
async def test_a_401() -> None:
    answer = json_answer(401, {"message": "Authentication failed"})
    async with Upstream(answer).client() as client:
        with pytest.raises(UpstreamAuthFailed) as caught:
            await client.whoami()
    assert (caught.value.upstream_status, caught.value.detail) == (401, "Authentication failed")


@pytest.mark.anyio
async def test_a_504_with_a_json_message() -> None:
    fixture = "checkZoneRecordDistribution/error.http"
    async with Upstream(fixture).client() as client:
        with pytest.raises(UpstreamTimeout) as caught:
            await client.get_record(ZONE, 5)
        assert client.rate_limit == rate_limit_of(fixture)
    error = caught.value
    assert (error.code, error.status, error.upstream_status) == ("upstream_timeout", 504, 504)
    assert error.detail == "Could not query zone, connection timed out"


@pytest.mark.anyio
async def test_nginx_html_502() -> None:
    async with Upstream("badgateway.http").client() as client:
        with pytest.raises(UpstreamUnavailable) as caught:
            await client.list_records(ZONE)
    error = caught.value
    assert (error.code, error.status, error.upstream_status) == ("upstream_unavailable", 502, 502)
    assert error.detail == "DNSimple answered 502 with a non-JSON body"


@pytest.mark.anyio
async def test_a_503_stays_a_503() -> None:
    answer = json_answer(503, {"message": "Service Unavailable"})
    async with Upstream(answer).client() as client:
        with pytest.raises(UpstreamUnavailable) as caught:
            await client.whoami()
    error = caught.value
    assert (error.code, error.status, error.upstream_status) == ("upstream_unavailable", 503, 503)
    assert error.detail == "Service Unavailable"
    assert UpstreamUnavailable.status == 502  # the instance changed, not the class


@pytest.mark.anyio
async def test_a_200_whose_body_is_not_json() -> None:
    async with Upstream("success-with-malformed-json.http").client() as client:
        with pytest.raises(UpstreamUnavailable) as caught:
            await client.whoami()
    assert caught.value.upstream_status == 200
    assert caught.value.detail == "DNSimple answered 200 with a non-JSON body"


@pytest.mark.anyio
async def test_a_405_with_an_empty_body() -> None:
    async with Upstream("method-not-allowed.http").client() as client:
        with pytest.raises(UpstreamError) as caught:
            await client.update_record(ZONE, 5, RecordChanges(ttl=60))
    error = caught.value
    assert type(error) is UpstreamError
    assert (error.code, error.status, error.upstream_status) == ("upstream_error", 502, 405)
    assert error.detail == "DNSimple answered 405 Method Not Allowed with an empty body"


@pytest.mark.anyio
async def test_a_429_is_rate_limited_with_retry_after_from_the_reset_header() -> None:
    reset = int(time.time()) + 120
    headers = {
        "x-ratelimit-limit": "2400",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": str(reset),
    }
    upstream = Upstream(json_answer(429, {"message": "quota exceeded"}, headers))
    async with upstream.client(FAST_RETRY) as client:
        with pytest.raises(UpstreamRateLimited) as caught:
            await client.list_records(ZONE)
        assert client.rate_limit == RateLimit(limit=2400, remaining=0, reset=reset)
    error = caught.value
    assert (error.code, error.status, error.upstream_status) == ("upstream_rate_limited", 503, 429)
    assert error.detail == "quota exceeded"
    assert error.retry_after is not None
    assert 118 <= error.retry_after <= 120
    assert len(upstream.requests) == 1  # a 429 is not retried, not even for a read


def test_retry_after_is_at_least_one_second_and_falls_back_to_retry_after() -> None:
    assert retry_after_seconds({"x-ratelimit-reset": "1000"}, now=5000.0) == 1
    assert retry_after_seconds({"x-ratelimit-reset": "1060"}, now=1000.0) == 60
    assert retry_after_seconds({"retry-after": "30"}, now=1000.0) == 30
    assert retry_after_seconds({"x-ratelimit-reset": "soon"}, now=1000.0) is None
    assert retry_after_seconds({}, now=1000.0) is None


@pytest.mark.anyio
@pytest.mark.parametrize("name", all_names())
async def test_no_recorded_answer_escapes_as_anything_but_an_upstream_error(name: str) -> None:
    async with Upstream(name).client() as client:
        outcome: ProviderRecord | UpstreamError
        try:
            outcome = await client.get_record(ZONE, 5)
        except UpstreamError as error:
            outcome = error
    if isinstance(outcome, UpstreamError):
        assert outcome.upstream_status == load(name).status
    else:
        assert isinstance(outcome, ProviderRecord)


# --- retries --------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_read_is_retried_after_a_502() -> None:
    upstream = Upstream("badgateway.http", "whoami/success.http")
    async with upstream.client(FAST_RETRY) as client:
        identity = await client.whoami()
    assert identity.account_id == 1
    assert len(upstream.requests) == 2


@pytest.mark.anyio
async def test_a_read_gives_up_after_its_retries() -> None:
    upstream = Upstream(route=lambda request: "badgateway.http")
    async with upstream.client(FAST_RETRY) as client:
        with pytest.raises(UpstreamUnavailable):
            await client.get_record(ZONE, 5)
    assert len(upstream.requests) == 1 + FAST_RETRY.read_retries


@pytest.mark.anyio
async def test_a_read_is_retried_after_a_timeout() -> None:
    upstream = Upstream(httpx.ReadTimeout("slow"), "getZoneRecord/success.http")
    async with upstream.client(FAST_RETRY) as client:
        record = await client.get_record(ZONE, 5)
    assert record.id == 5
    assert len(upstream.requests) == 2


@pytest.mark.anyio
async def test_a_post_that_met_a_502_is_not_retried() -> None:
    upstream = Upstream("badgateway.http", "createZoneRecord/created.http")
    async with upstream.client(FAST_RETRY) as client:
        with pytest.raises(UpstreamUnavailable) as caught:
            await client.create_record(ZONE, NewRecord("www", "A", "127.0.0.1", 600))
    assert caught.value.upstream_status == 502
    assert len(upstream.requests) == 1


@pytest.mark.anyio
@pytest.mark.parametrize(
    "answer",
    ["badgateway.http", httpx.ReadTimeout("slow"), httpx.ConnectError("refused")],
    ids=["502", "timeout", "connect-error"],
)
async def test_patch_and_delete_are_retried_like_reads(answer: Answer) -> None:
    upstream = Upstream(route=lambda request: answer)
    async with upstream.client(FAST_RETRY) as client:
        with pytest.raises(UpstreamError):
            await client.update_record(ZONE, 5, RecordChanges(ttl=60))
        with pytest.raises(UpstreamError):
            await client.delete_record(ZONE, 5)
    tries = 1 + FAST_RETRY.write_retries
    assert [r.method for r in upstream.requests] == ["PATCH"] * tries + ["DELETE"] * tries


@pytest.mark.anyio
async def test_transport_failures_map_to_timeout_and_unavailable() -> None:
    upstream = Upstream(httpx.ConnectTimeout("slow"), httpx.ConnectError("refused"))
    async with upstream.client() as client:
        with pytest.raises(UpstreamTimeout) as timeout:
            await client.whoami()
        with pytest.raises(UpstreamUnavailable) as unavailable:
            await client.whoami()
    assert timeout.value.upstream_status is None
    assert unavailable.value.upstream_status is None
    assert "ConnectError" in unavailable.value.detail


def test_backoff_is_capped_exponential_with_full_jitter() -> None:
    policy = UpstreamPolicy(backoff_base=0.2, backoff_cap=2.0)
    ceilings = [policy.backoff_delay(n, rand=lambda: 1.0) for n in range(1, 7)]
    assert ceilings == pytest.approx([0.2, 0.4, 0.8, 1.6, 2.0, 2.0])
    assert policy.backoff_delay(3, rand=lambda: 0.0) == 0.0
    assert policy.backoff_delay(3, rand=lambda: 0.5) == pytest.approx(0.4)
    assert 0.0 <= policy.backoff_delay(100) <= 2.0


def test_policy_defaults_and_timeouts() -> None:
    policy = UpstreamPolicy()
    timeout = policy.timeout()
    assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (3.0, 10.0, 10.0, 5.0)
    assert (policy.read_retries, policy.backoff_base, policy.backoff_cap) == (2, 0.2, 2.0)
    assert (policy.write_retries, policy.rate_limit_retries) == (2, 2)
    assert (policy.max_rate_limit_wait, policy.rate_limit_jitter) == (10.0, 0.5)
    for method in ("GET", "HEAD", "PATCH", "PUT", "DELETE", "delete"):
        assert policy.may_retry(method, 2)
        assert not policy.may_retry(method, 3)
    assert not policy.may_retry("POST", 1)
    for name in ("read_retries", "write_retries", "rate_limit_retries"):
        with pytest.raises(ValueError, match=name):
            UpstreamPolicy(**{name: -1})


# --- headers, secrets, logs -----------------------------------------------------------------


@pytest.mark.anyio
async def test_requests_carry_auth_accept_and_user_agent() -> None:
    upstream = Upstream("whoami/success.http")
    async with upstream.client() as client:
        await client.whoami()
    headers = upstream.requests[0].headers
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["accept"] == "application/json"
    assert headers["user-agent"] == "dns-api-tests"


@pytest.mark.anyio
async def test_the_token_never_shows_in_errors_reprs_or_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    upstream = Upstream(
        json_answer(401, {"message": "Authentication failed"}), httpx.ConnectError("x")
    )
    async with upstream.client() as client:
        errors = []
        for _ in range(2):
            with pytest.raises(UpstreamError) as caught:
                await client.whoami()
            errors.append(caught.value)
        assert TOKEN not in repr(client)
    for error in errors:
        assert TOKEN not in f"{error} {error!r} {error.__cause__} {error.__cause__!r}"
    assert caplog.records
    assert TOKEN not in caplog.text


@pytest.mark.parametrize("token", ["", "tok en", "tok\nen", "t\u00f6ken"])
def test_an_unsendable_token_is_refused_without_showing_it(token: str) -> None:
    with pytest.raises(ValueError, match="printable ASCII") as caught:
        DnsimpleClient(base_url="https://api.dnsimple.test", account_id=1, token=token)
    assert not token or token not in repr(caught.value)


@pytest.mark.anyio
async def test_each_call_is_logged_with_method_path_status_and_duration(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="dns_api.providers.dnsimple")
    async with Upstream("getZoneRecord/success.http").client() as client:
        await client.get_record(ZONE, 5)
    [entry] = [r for r in caplog.records if r.name == "dns_api.providers.dnsimple"]
    assert entry.levelno == logging.DEBUG
    assert "GET /v2/1010/zones/example.com/records/5 -> 200 in" in entry.getMessage()
    assert entry.getMessage().endswith(" ms")
