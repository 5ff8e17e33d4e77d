"""DnsimpleClient.batch_change against the DNSimple emulator, over HTTP on a real socket."""

from __future__ import annotations

import pytest

from dns_api.emulator import RunningEmulator
from dns_api.errors import UpstreamFeatureUnavailable, UpstreamRejected, UpstreamUnavailable
from dns_api.providers.base import NewRecord, ProviderRecord, RecordChanges, RecordUpdate
from dns_api.providers.dnsimple import DnsimpleClient
from dns_api.providers.upstream_policy import UpstreamPolicy

ZONE = "example.com"
OPERATION = "batchChangeZoneRecords"
RETRYING = UpstreamPolicy(read_timeout=2.0, read_retries=2, backoff_base=0.001, backoff_cap=0.002)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def client_for(emulator: RunningEmulator) -> DnsimpleClient:
    state = emulator.state
    return DnsimpleClient(
        base_url=emulator.url, account_id=state.account_id, token=state.token, policy=RETRYING
    )


def user_records(emulator: RunningEmulator) -> list[ProviderRecord]:
    records = emulator.state.records(ZONE)
    return [
        ProviderRecord(r["id"], ZONE, r["name"], r["type"], r["content"], r["ttl"], r["priority"])
        for r in records
        if not r["system_record"]
    ]


@pytest.mark.anyio
async def test_a_batch_replaces_records_in_one_call(emulator: RunningEmulator) -> None:
    async with client_for(emulator) as client:
        a = await client.create_record(ZONE, NewRecord("www", "A", "192.0.2.1", 300))
        mx = await client.create_record(ZONE, NewRecord("", "MX", "mx1.example.com", 300, 10))
        result = await client.batch_change(
            ZONE,
            creates=[
                NewRecord("www", "CNAME", "target.example.net", 300),
                NewRecord("", "TXT", "v=spf1 -all", 600),
            ],
            updates=[RecordUpdate(mx.id, RecordChanges(content="mx2.example.com", priority=20))],
            deletes=[a.id],
        )
        listed = await client.list_records(ZONE)
        rate_limit = client.rate_limit
    assert result.deleted == (a.id,)
    [updated] = result.updated
    assert (updated.id, updated.content, updated.priority, updated.ttl) == (
        mx.id,
        "mx2.example.com",
        20,
        300,
    )
    assert [(r.name, r.type, r.content, r.ttl) for r in result.created] == [
        ("www", "CNAME", "target.example.net", 300),
        ("", "TXT", '"v=spf1 -all"', 600),
    ]
    assert [r for r in listed if not r.system_record] == [updated, *result.created]
    assert emulator.state.count("POST", OPERATION) == 1
    assert rate_limit is not None
    assert rate_limit.remaining == 2400 - 4  # two creates, the batch, the listing


@pytest.mark.anyio
async def test_a_refused_batch_names_every_failing_operation_and_changes_nothing(
    emulator: RunningEmulator,
) -> None:
    async with client_for(emulator) as client:
        a = await client.create_record(ZONE, NewRecord("www", "A", "192.0.2.1", 300))
        before = user_records(emulator)
        with pytest.raises(UpstreamRejected) as caught:
            await client.batch_change(
                ZONE,
                creates=[
                    NewRecord("ok", "A", "192.0.2.2", 300),
                    NewRecord("www", "CNAME", "target.example.net", 300),
                ],
                updates=[RecordUpdate(a.id, RecordChanges(content="not-an-ip"))],
                deletes=[67622509],
            )
    error = caught.value
    assert (error.code, error.upstream_status) == ("upstream_rejected", 400)
    assert error.detail == (
        "Validation failed: "
        "creates[1]: name Zone already contains other records at this name; "
        "updates[0]: content is not a valid IPv4 address; "
        "deletes[0]: Record not found ID=67622509"
    )
    assert error.field_errors == {
        "creates/1/name": ["Zone already contains other records at this name"],
        "updates/0/content": ["is not a valid IPv4 address"],
        "deletes/0": ["Record not found ID=67622509"],
    }
    assert user_records(emulator) == before


@pytest.mark.anyio
async def test_without_batch_on_the_plan_the_client_says_so(emulator: RunningEmulator) -> None:
    emulator.state.batch_enabled = False
    async with client_for(emulator) as client:
        with pytest.raises(UpstreamFeatureUnavailable) as caught:
            await client.batch_change(ZONE, creates=[NewRecord("a", "A", "192.0.2.1", 60)])
        assert client.rate_limit is not None  # a 412 still carries the rate-limit headers
    error = caught.value
    assert (error.code, error.status, error.upstream_status) == (
        "upstream_feature_unavailable",
        502,
        412,
    )
    assert error.detail == "Batch change zone records is not available on the current plan"
    assert user_records(emulator) == []


@pytest.mark.anyio
async def test_a_batch_that_met_a_5xx_is_not_sent_again(emulator: RunningEmulator) -> None:
    emulator.state.fail_next(502, method="POST")
    async with client_for(emulator) as client:
        with pytest.raises(UpstreamUnavailable):
            await client.batch_change(ZONE, creates=[NewRecord("a", "A", "192.0.2.1", 60)])
    assert emulator.state.count("POST", OPERATION) == 1
    assert user_records(emulator) == []


@pytest.mark.anyio
async def test_a_lost_answer_is_not_sent_again_although_the_batch_happened(
    emulator: RunningEmulator,
) -> None:
    emulator.state.fail_next(503, method="POST", after_apply=True)
    async with client_for(emulator) as client:
        with pytest.raises(UpstreamUnavailable):
            await client.batch_change(ZONE, creates=[NewRecord("a", "A", "192.0.2.1", 60)])
    assert emulator.state.count("POST", OPERATION) == 1
    assert [(r.name, r.content) for r in user_records(emulator)] == [("a", "192.0.2.1")]
