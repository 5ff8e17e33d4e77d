"""Every DnsimpleClient method against the DNSimple emulator, over HTTP on a real socket."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dns_api.emulator import EmulatorState, RunningEmulator, start_emulator
from dns_api.emulator.state import HANG
from dns_api.errors import (
    UpstreamAuthFailed,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from dns_api.providers.base import NewRecord, RecordChanges
from dns_api.providers.dnsimple import DnsimpleClient
from dns_api.providers.upstream_policy import UpstreamPolicy

ZONE = "example.com"
SYSTEM_RECORDS = 5  # the SOA and four NS every new zone starts with
POLICY = UpstreamPolicy(read_timeout=2.0, read_retries=2, backoff_base=0.001, backoff_cap=0.002)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def running() -> Iterator[RunningEmulator]:
    with start_emulator(EmulatorState(account_id=1010, zones=(ZONE,))) as emulator:
        yield emulator


@pytest.fixture
def emulator(running: RunningEmulator) -> RunningEmulator:
    running.state.reset()
    return running


def client_for(
    emulator: RunningEmulator,
    *,
    token: str | None = None,
    account_id: int | None = None,
    policy: UpstreamPolicy = POLICY,
) -> DnsimpleClient:
    state = emulator.state
    return DnsimpleClient(
        base_url=emulator.url,
        account_id=state.account_id if account_id is None else account_id,
        token=state.token if token is None else token,
        policy=policy,
    )


@pytest.mark.anyio
async def test_whoami(emulator: RunningEmulator) -> None:
    async with client_for(emulator) as client:
        identity = await client.whoami()
        rate_limit = client.rate_limit
    assert (identity.account_id, identity.account_email) == (1010, "emulator@example.com")
    assert identity.user_id is None
    assert rate_limit is not None
    assert (rate_limit.limit, rate_limit.remaining) == (2400, 2399)


@pytest.mark.anyio
async def test_create_then_list_with_filters_including_the_apex(emulator: RunningEmulator) -> None:
    async with client_for(emulator) as client:
        www = await client.create_record(ZONE, NewRecord("www", "A", "192.0.2.1", 300))
        apex_a = await client.create_record(ZONE, NewRecord("", "A", "192.0.2.2", 300))
        apex_mx = await client.create_record(ZONE, NewRecord("", "MX", "mx.example.com", 300, 10))
        everything = await client.list_records(ZONE)
        apex = await client.list_records(ZONE, name="")
        apex_of_type_a = await client.list_records(ZONE, name="", type="A")
        named_www = await client.list_records(ZONE, name="www")
        of_type_mx = await client.list_records(ZONE, type="MX")
    assert (www.name, www.zone, www.ttl, www.regions) == ("www", ZONE, 300, ("global",))
    assert (apex_mx.name, apex_mx.priority) == ("", 10)
    assert len(everything) == SYSTEM_RECORDS + 3
    assert {r.name for r in apex} == {""}
    assert {apex_a.id, apex_mx.id} <= {r.id for r in apex}
    assert www.id not in {r.id for r in apex}
    assert apex_of_type_a == [apex_a]
    assert named_www == [www]
    assert of_type_mx == [apex_mx]


@pytest.mark.anyio
async def test_list_follows_pages_beyond_one_hundred_records(emulator: RunningEmulator) -> None:
    for n in range(150):
        emulator.state.create_record(
            ZONE, {"name": f"host{n}", "type": "A", "content": "192.0.2.10"}
        )
    async with client_for(emulator) as client:
        records = await client.list_records(ZONE)
    assert len(records) == SYSTEM_RECORDS + 150
    assert len({r.id for r in records}) == len(records)
    assert [r.id for r in records] == sorted(r.id for r in records)
    assert emulator.state.count("GET", "listZoneRecords") == 2


@pytest.mark.anyio
async def test_get_update_delete_and_not_found_afterwards(emulator: RunningEmulator) -> None:
    async with client_for(emulator) as client:
        created = await client.create_record(
            ZONE, NewRecord("mail", "MX", "mx1.example.com", 600, 10)
        )
        fetched = await client.get_record(ZONE, created.id)
        updated = await client.update_record(ZONE, created.id, RecordChanges(ttl=120))
        await client.delete_record(ZONE, created.id)
        with pytest.raises(UpstreamNotFound) as gone:
            await client.get_record(ZONE, created.id)
        with pytest.raises(UpstreamNotFound):
            await client.delete_record(ZONE, created.id)
    assert fetched == created
    assert (updated.id, updated.content, updated.ttl, updated.priority) == (
        created.id,
        "mx1.example.com",
        120,
        10,
    )
    assert gone.value.detail == f"Record `{created.id}` not found"
    assert gone.value.upstream_status == 404


@pytest.mark.anyio
async def test_unknown_zone_and_account_are_not_found(emulator: RunningEmulator) -> None:
    async with client_for(emulator) as client:
        with pytest.raises(UpstreamNotFound) as zone:
            await client.list_records("nope.example")
    async with client_for(emulator, account_id=999) as client:
        with pytest.raises(UpstreamNotFound) as account:
            await client.list_records(ZONE)
    assert zone.value.detail == "Zone `nope.example` not found"
    assert account.value.detail == "Account `999` not found"


@pytest.mark.anyio
async def test_a_wrong_token_is_an_upstream_auth_failure(emulator: RunningEmulator) -> None:
    async with client_for(emulator, token="not-the-token") as client:
        with pytest.raises(UpstreamAuthFailed) as caught:
            await client.whoami()
    error = caught.value
    assert (error.code, error.upstream_status, error.detail) == (
        "upstream_auth_failed",
        401,
        "Authentication failed",
    )
    assert "not-the-token" not in repr(error)


@pytest.mark.anyio
async def test_validation_errors_come_back_field_by_field(emulator: RunningEmulator) -> None:
    async with client_for(emulator) as client:
        with pytest.raises(UpstreamRejected) as bad_type:
            await client.create_record(ZONE, NewRecord("x", "BOGUS", "", 60))
        with pytest.raises(UpstreamRejected) as bad_address:
            await client.create_record(ZONE, NewRecord("x", "A", "not-an-ip", 60))
    assert bad_type.value.detail == "Validation failed"
    assert bad_type.value.upstream_status == 400
    assert bad_type.value.field_errors == {
        "record_type": ["unsupported"],
        "content": ["can't be blank"],
    }
    assert bad_address.value.field_errors == {"content": ["is not a valid IPv4 address"]}


@pytest.mark.anyio
async def test_an_injected_502_on_a_read_is_retried(emulator: RunningEmulator) -> None:
    emulator.state.fail_next(502, method="GET")
    async with client_for(emulator) as client:
        records = await client.list_records(ZONE)
    assert len(records) == SYSTEM_RECORDS
    assert emulator.state.count("GET", "listZoneRecords") == 2


@pytest.mark.anyio
async def test_an_injected_502_on_a_post_is_not_retried(emulator: RunningEmulator) -> None:
    emulator.state.fail_next(502, method="POST")
    async with client_for(emulator) as client:
        with pytest.raises(UpstreamUnavailable) as caught:
            await client.create_record(ZONE, NewRecord("www", "A", "192.0.2.1", 300))
        records = await client.list_records(ZONE, name="www")
    assert caught.value.upstream_status == 502
    assert caught.value.detail == "DNSimple answered 502 with a non-JSON body"
    assert emulator.state.count("POST", "createZoneRecord") == 1
    assert records == []


@pytest.mark.anyio
async def test_a_503_that_outlasts_the_retries_stays_a_503(emulator: RunningEmulator) -> None:
    emulator.state.fail_next(503, count=3, method="GET")
    async with client_for(emulator) as client:
        with pytest.raises(UpstreamUnavailable) as caught:
            await client.get_record(ZONE, 1)
    assert (caught.value.status, caught.value.upstream_status) == (503, 503)
    assert emulator.state.count("GET", "getZoneRecord") == 1 + POLICY.read_retries


@pytest.mark.anyio
async def test_a_hanging_read_times_out_after_its_retries(emulator: RunningEmulator) -> None:
    emulator.state.fail_next(HANG, count=2, method="GET")
    policy = UpstreamPolicy(read_timeout=0.3, read_retries=1, backoff_base=0.001)
    async with client_for(emulator, policy=policy) as client:
        with pytest.raises(UpstreamTimeout) as caught:
            await client.whoami()
    assert caught.value.upstream_status is None
    assert emulator.state.count("GET", "whoami") == 2


@pytest.mark.anyio
async def test_quota_exceeded_is_rate_limited_with_retry_after(emulator: RunningEmulator) -> None:
    emulator.state.exhaust_rate_limit()
    async with client_for(emulator) as client:
        with pytest.raises(UpstreamRateLimited) as caught:
            await client.list_records(ZONE)
        rate_limit = client.rate_limit
    error = caught.value
    assert (error.code, error.upstream_status, error.detail) == (
        "upstream_rate_limited",
        429,
        "quota exceeded",
    )
    assert error.retry_after is not None
    assert 3500 <= error.retry_after <= 3601  # the reset is whole seconds, rounded up
    assert rate_limit is not None
    assert rate_limit.remaining == 0
    assert emulator.state.count("GET", "listZoneRecords") == 1
