"""The official ``dnsimple`` Python client (2.15.0) against the emulator, as its users call it.

Every record type is created, listed, updated and deleted through the client, and each change is
checked in the emulator's own state; then the answers that go wrong, which the client turns
into ``DNSimpleException`` with the HTTP status, DNSimple's message and its field errors.
"""

from __future__ import annotations

from typing import Any

import pytest

from dns_api.emulator import RunningEmulator
from tests.thirdparty import emulator_http
from tests.thirdparty.emulator_http import contents, user_records
from tests.thirdparty.harness import Connected, Outcome
from tests.thirdparty.samples import SAMPLES, ZONE, Sample, Value

pytestmark = [pytest.mark.thirdparty, pytest.mark.slow]


def record_input(sample: Sample, value: Value) -> dict[str, Any]:
    """The fields of a ``ZoneRecordInput`` for ``value`` of ``sample``."""
    fields = {"name": sample.name, "type": sample.rtype, "content": value.content}
    return fields if value.priority is None else {**fields, "priority": value.priority}


def update_fields(sample: Sample, value: Value) -> dict[str, Any]:
    """The fields of a ``ZoneRecordUpdateInput``: a record's type never changes."""
    return {key: v for key, v in record_input(sample, value).items() if key != "type"}


def create(sample: Sample, value: Value, zone: str = ZONE) -> dict[str, Any]:
    return {"op": "create", "zone": zone, "record": record_input(sample, value)}


def seed(emulator: RunningEmulator) -> dict[str, int]:
    """Every sample's first value, made over HTTP; the record id per type."""
    return {
        s.rtype: emulator_http.create(emulator, s.rtype, s.name, s.first)["id"] for s in SAMPLES
    }


def assert_record(outcome: Outcome, sample: Sample, value: Value) -> None:
    assert outcome.ok, f"{sample.rtype}: {outcome.error}"
    record = outcome.value
    wanted = (sample.rtype, sample.name, value.stored, value.priority)
    assert (record["type"], record["name"], record["content"], record["priority"]) == wanted


# -- records of every type -------------------------------------------------------------------


def test_creates_a_record_of_every_type(emulator: RunningEmulator, dnsimple: Connected) -> None:
    outcomes = dnsimple.run(*(create(sample, sample.first) for sample in SAMPLES))

    for sample, outcome in zip(SAMPLES, outcomes, strict=True):
        assert_record(outcome, sample, sample.first)
        assert contents(emulator, sample.rtype, sample.name) == [
            (sample.first.stored, sample.first.priority)
        ], sample.rtype


def test_lists_every_record_and_filters_by_type_and_name(
    emulator: RunningEmulator, dnsimple: Connected
) -> None:
    seed(emulator)

    everything, mx, named = dnsimple.run(
        {"op": "list", "zone": ZONE},
        {"op": "list", "zone": ZONE, "filter": {"type": "MX"}},
        {"op": "list", "zone": ZONE, "filter": {"name": "_sip._tcp"}},
    )

    held = emulator_http.records(emulator)
    assert everything.ok, everything.error
    assert sorted(everything.value, key=lambda r: r["id"]) == sorted(held, key=lambda r: r["id"])
    assert [(r["type"], r["content"], r["priority"]) for r in mx.value] == [
        ("MX", "mail.example.net", 10)
    ]
    assert [(r["type"], r["content"]) for r in named.value] == [("SRV", "5 5060 sip.example.net")]


def test_updates_a_record_of_every_type_in_place(
    emulator: RunningEmulator, dnsimple: Connected
) -> None:
    ids = seed(emulator)

    outcomes = dnsimple.run(
        *(
            {"op": "update", "zone": ZONE, "id": ids[s.rtype], "fields": update_fields(s, s.second)}
            for s in SAMPLES
        )
    )

    for sample, outcome in zip(SAMPLES, outcomes, strict=True):
        assert_record(outcome, sample, sample.second)
        assert outcome.value["id"] == ids[sample.rtype]
        assert contents(emulator, sample.rtype, sample.name) == [
            (sample.second.stored, sample.second.priority)
        ], sample.rtype


def test_deletes_a_record_of_every_type(emulator: RunningEmulator, dnsimple: Connected) -> None:
    ids = seed(emulator)

    outcomes = dnsimple.run(
        *({"op": "delete", "zone": ZONE, "id": ids[s.rtype]} for s in SAMPLES),
        {"op": "get", "zone": ZONE, "id": ids["A"]},
    )

    *deletions, read_back = outcomes
    assert all(outcome.ok for outcome in deletions), [o.error for o in deletions if not o.ok]
    assert user_records(emulator) == []
    assert read_back.failure["status"] == 404


def test_a_trailing_dot_on_a_host_name_is_dropped(
    emulator: RunningEmulator, dnsimple: Connected
) -> None:
    cname = Sample("CNAME", "dotted", Value("target.example.net."), Value("other.example.net."))

    outcome = dnsimple.one(create(cname, cname.first))

    assert outcome.ok, outcome.error
    assert contents(emulator, "CNAME", "dotted") == [("target.example.net", None)]


def test_an_exact_duplicate_is_refused(emulator: RunningEmulator, dnsimple: Connected) -> None:
    sample = SAMPLES[0]

    first, again = dnsimple.run(create(sample, sample.first), create(sample, sample.first))

    assert first.ok, first.error
    assert again.failure["status"] == 400
    assert contents(emulator, sample.rtype, sample.name) == [(sample.first.stored, None)]


def test_the_client_cannot_create_an_apex_record(
    emulator: RunningEmulator, dnsimple: Connected
) -> None:
    """dnsimple-python drops an empty ``name`` from the body (its ``omitempty``; upstream issue
    dnsimple/dnsimple-python#451), and DNSimple then refuses the record: the name is required."""
    apex = Sample("A", "", Value("192.0.2.1"), Value("192.0.2.2"))

    error = dnsimple.one(create(apex, apex.first)).failure

    assert (error["type"], error["status"], error["message"]) == (
        "DNSimpleException",
        400,
        "Validation failed",
    )
    assert list(error["errors"]) == ["name"]
    assert user_records(emulator) == []


# -- what goes wrong -------------------------------------------------------------------------


def test_a_bad_token_is_the_clients_authentication_error(
    emulator: RunningEmulator, dnsimple: Connected
) -> None:
    sample = SAMPLES[0]

    whoami, created = dnsimple.with_token("not-the-token").run(
        {"op": "whoami"}, create(sample, sample.first)
    )

    for outcome in (whoami, created):
        error = outcome.failure
        assert (error["type"], error["status"]) == ("DNSimpleException", 401)
        assert error["message"] == "Authentication failed"
    assert user_records(emulator) == []


def test_an_unknown_zone_is_not_found(emulator: RunningEmulator, dnsimple: Connected) -> None:
    sample = SAMPLES[0]

    listed, created = dnsimple.run(
        {"op": "list", "zone": "unknown.example"}, create(sample, sample.first, "unknown.example")
    )

    for outcome in (listed, created):
        error = outcome.failure
        assert (error["type"], error["status"]) == ("DNSimpleException", 404)
        assert "unknown.example" in error["message"]


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"name": "bad", "type": "A", "content": "not-an-address"}, "content"),
        ({"name": "bad", "type": "AAAA", "content": "192.0.2.1"}, "content"),
        ({"name": "bad", "type": "BOGUS", "content": "x"}, "record_type"),
        ({"name": "bad name", "type": "A", "content": "192.0.2.1"}, "name"),
        ({"name": "bad", "type": "A", "content": "192.0.2.1", "ttl": "soon"}, "ttl"),
    ],
)
def test_a_validation_error_carries_the_field_errors(
    emulator: RunningEmulator, dnsimple: Connected, record: dict[str, Any], field: str
) -> None:
    error = dnsimple.one({"op": "create", "zone": ZONE, "record": record}).failure

    assert (error["type"], error["status"], error["message"]) == (
        "DNSimpleException",
        400,
        "Validation failed",
    )
    assert field in error["errors"], error
    assert all(isinstance(problem, str) for problem in error["errors"][field])
    assert user_records(emulator) == []


def test_a_spent_rate_limit_is_a_429(emulator: RunningEmulator, dnsimple: Connected) -> None:
    sample = SAMPLES[0]
    emulator_http.exhaust_rate_limit(emulator)

    listed, created = dnsimple.run({"op": "list", "zone": ZONE}, create(sample, sample.first))

    for outcome in (listed, created):
        assert (outcome.failure["type"], outcome.failure["status"]) == ("DNSimpleException", 429)
    assert user_records(emulator) == []


@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_is_raised_and_nothing_is_written(
    emulator: RunningEmulator, dnsimple: Connected, status: int
) -> None:
    sample = SAMPLES[0]
    emulator_http.fail_next(emulator, status)

    failed, retried = dnsimple.run(create(sample, sample.first), create(sample, sample.first))

    assert (failed.failure["type"], failed.failure["status"]) == ("DNSimpleException", status)
    assert_record(retried, sample, sample.first)  # the client never retries; its caller does
    assert contents(emulator, sample.rtype, sample.name) == [(sample.first.stored, None)]


def test_a_bad_gateway_page_is_not_json_to_the_client(
    emulator: RunningEmulator, dnsimple: Connected
) -> None:
    """DNSimple's load balancer answers a 502 with an HTML page; the client reads every error
    body as JSON, so its caller gets requests' JSONDecodeError instead of DNSimpleException."""
    emulator_http.fail_next(emulator, 502)

    error = dnsimple.one({"op": "list", "zone": ZONE}).failure

    assert error["type"] == "JSONDecodeError"
