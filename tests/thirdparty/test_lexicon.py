"""dns-lexicon's dnsimple provider (3.25.2) against the emulator, through lexicon's Python API.

Each operation is one lexicon run, as certbot's and other tools' calls are: it first finds the
account (``GET /v2/accounts``) and the domain (``GET /v2/<account>/domains?name_like=...``),
then reads or writes the zone's records. lexicon raises requests' ``HTTPError`` for any error
answer; the driver reports its status and DNSimple's JSON body.
"""

from __future__ import annotations

from typing import Any

import pytest

from dns_api.emulator import RunningEmulator
from tests.thirdparty import emulator_http
from tests.thirdparty.emulator_http import contents, user_records
from tests.thirdparty.harness import Connected, Outcome
from tests.thirdparty.samples import SAMPLES, ZONE, Quoted, Sample, Value

pytestmark = [pytest.mark.thirdparty, pytest.mark.slow]

A_RECORD = SAMPLES[0]
TXT_RECORD = next(sample for sample in SAMPLES if sample.rtype == "TXT")


def step(op: str, sample: Sample, value: Value, **extra: Any) -> dict[str, Any]:
    """A lexicon step for ``value`` of ``sample``, its priority as lexicon's option."""
    fields = {"op": op, "type": sample.rtype, "name": sample.fqdn, "content": value.content}
    priority = {} if value.priority is None else {"priority": value.priority}
    return {**fields, **priority, **extra}


def seed(emulator: RunningEmulator) -> dict[str, int]:
    """Every sample's first value, made over HTTP; the record id per type."""
    return {
        s.rtype: emulator_http.create(emulator, s.rtype, s.name, s.first)["id"] for s in SAMPLES
    }


def assert_http_error(outcome: Outcome, status: int) -> dict[str, Any]:
    """The outcome is requests' HTTPError for ``status``; DNSimple's JSON body."""
    error = outcome.failure
    assert (error["type"], error["status"]) == ("HTTPError", status), error
    body: dict[str, Any] = error["body"]
    return body


# -- records of every type -------------------------------------------------------------------


def test_creates_a_record_of_every_type(emulator: RunningEmulator, lexicon: Connected) -> None:
    outcomes = lexicon.run(*(step("create", sample, sample.first) for sample in SAMPLES))

    for sample, outcome in zip(SAMPLES, outcomes, strict=True):
        assert outcome.ok, f"{sample.rtype}: {outcome.error}"
        assert outcome.value is True
        assert contents(emulator, sample.rtype, sample.name) == [
            (sample.first.stored, sample.first.priority)
        ], sample.rtype


def test_lists_records_as_fully_qualified_names(
    emulator: RunningEmulator, lexicon: Connected
) -> None:
    ids = seed(emulator)

    everything, mx, named = lexicon.run(
        {"op": "list"},
        {"op": "list", "type": "MX"},
        {"op": "list", "type": "SRV", "name": f"_sip._tcp.{ZONE}"},
    )

    assert everything.ok, everything.error
    listed = {(r["id"], r["type"], r["name"], r["content"]) for r in everything.value}
    held = emulator_http.records(emulator)
    fqdn = {record["id"]: f"{record['name']}.{ZONE}".lstrip(".") for record in held}
    assert listed == {(r["id"], r["type"], fqdn[r["id"]], r["content"]) for r in held}
    mail = {"type": "MX", "name": f"mx.{ZONE}", "ttl": 3600, "content": "mail.example.net"}
    assert mx.value == [{**mail, "id": ids["MX"], "priority": 10}]
    assert [(r["id"], r["content"]) for r in named.value] == [
        (ids["SRV"], "5 5060 sip.example.net")
    ]


def test_updates_a_record_of_every_type_by_its_identifier(
    emulator: RunningEmulator, lexicon: Connected
) -> None:
    ids = seed(emulator)

    outcomes = lexicon.run(*(step("update", s, s.second, identifier=ids[s.rtype]) for s in SAMPLES))

    for sample, outcome in zip(SAMPLES, outcomes, strict=True):
        assert outcome.ok, f"{sample.rtype}: {outcome.error}"
        assert contents(emulator, sample.rtype, sample.name) == [
            (sample.second.stored, sample.second.priority)
        ], sample.rtype


def test_deletes_a_record_of_every_type_by_its_identifier(
    emulator: RunningEmulator, lexicon: Connected
) -> None:
    ids = seed(emulator)

    outcomes = lexicon.run(*({"op": "delete", "identifier": ids[s.rtype]} for s in SAMPLES))

    assert all(outcome.ok for outcome in outcomes), [o.error for o in outcomes if not o.ok]
    assert user_records(emulator) == []


def test_deletes_by_type_name_and_content(emulator: RunningEmulator, lexicon: Connected) -> None:
    untouched = [sample for sample in SAMPLES if not isinstance(sample.first, Quoted)]
    seed(emulator)

    outcomes = lexicon.run(*(step("delete", sample, sample.first) for sample in untouched))

    assert all(outcome.ok for outcome in outcomes), [o.error for o in outcomes if not o.ok]
    assert {record["type"] for record in user_records(emulator)} == {"TXT", "SPF"}


def test_a_txt_record_is_deleted_only_by_its_quoted_content(
    emulator: RunningEmulator, lexicon: Connected
) -> None:
    """DNSimple hands TXT content back quoted, and lexicon's delete compares it with the text it
    is given: the plain text matches nothing (what certbot/certbot#10607 reports), the quoted
    form deletes the record."""
    emulator_http.create(emulator, "TXT", TXT_RECORD.name, TXT_RECORD.first)
    plain = step("delete", TXT_RECORD, TXT_RECORD.first)

    by_text, by_quoted = lexicon.run(plain, {**plain, "content": TXT_RECORD.first.stored})

    assert by_text.ok, by_text.error
    assert by_quoted.ok, by_quoted.error
    assert user_records(emulator) == []
    # and the first run left it there: only the second one deleted it
    calls = emulator_http.calls(emulator)
    assert calls.get("DELETE deleteZoneRecord") == 1, calls


def test_creating_an_existing_record_again_changes_nothing(
    emulator: RunningEmulator, lexicon: Connected
) -> None:
    first, again = lexicon.run(
        step("create", A_RECORD, A_RECORD.first), step("create", A_RECORD, A_RECORD.first)
    )

    assert (first.value, again.value) == (True, True)
    assert contents(emulator, "A", A_RECORD.name) == [(A_RECORD.first.content, None)]


def test_creating_the_same_txt_record_again_is_refused_as_a_duplicate(
    emulator: RunningEmulator, lexicon: Connected
) -> None:
    """lexicon looks for the record first, by its plain text, and misses the quoted one."""
    first, again = lexicon.run(
        step("create", TXT_RECORD, TXT_RECORD.first), step("create", TXT_RECORD, TXT_RECORD.first)
    )

    assert first.value is True, first.error
    assert_http_error(again, 400)
    assert contents(emulator, "TXT", TXT_RECORD.name) == [(TXT_RECORD.first.stored, None)]


def test_the_ttl_option_is_sent(emulator: RunningEmulator, lexicon: Connected) -> None:
    outcome = lexicon.one(step("create", A_RECORD, A_RECORD.first, ttl=600))

    assert outcome.ok, outcome.error
    assert [r["ttl"] for r in user_records(emulator)] == [600]


# -- what goes wrong -------------------------------------------------------------------------


def test_a_bad_token_fails_the_first_request(emulator: RunningEmulator, lexicon: Connected) -> None:
    outcome = lexicon.with_token("not-the-token").one(step("create", A_RECORD, A_RECORD.first))

    body = assert_http_error(outcome, 401)
    assert body["message"] == "Authentication failed"
    assert "/v2/accounts" in outcome.failure["message"]
    assert user_records(emulator) == []


def test_an_unknown_zone_is_an_authentication_error(
    emulator: RunningEmulator, lexicon: Connected
) -> None:
    """lexicon finds the zone among the account's domains; none is like it, which lexicon
    reports as its ``AuthenticationError``."""
    request = {**lexicon.request, "domain": "not-hosted.net"}

    error = lexicon.driver.one(request, {"op": "list"}).failure

    assert error["type"] == "AuthenticationError", error
    assert "not-hosted.net" in error["message"]


@pytest.mark.parametrize(
    ("rtype", "content", "field"),
    [
        ("A", "not-an-address", "content"),
        ("AAAA", "192.0.2.1", "content"),
        ("BOGUS", "x", "record_type"),
    ],
)
def test_a_validation_error_carries_the_field_errors(
    emulator: RunningEmulator, lexicon: Connected, rtype: str, content: str, field: str
) -> None:
    outcome = lexicon.one(
        {"op": "create", "type": rtype, "name": f"bad.{ZONE}", "content": content}
    )

    body = assert_http_error(outcome, 400)
    assert body["message"] == "Validation failed"
    assert field in body["errors"], body
    assert user_records(emulator) == []


def test_a_spent_rate_limit_is_a_429(emulator: RunningEmulator, lexicon: Connected) -> None:
    emulator_http.exhaust_rate_limit(emulator)

    outcome = lexicon.one(step("create", A_RECORD, A_RECORD.first))

    assert assert_http_error(outcome, 429)["message"]
    assert user_records(emulator) == []


@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_on_the_write_fails_it(
    emulator: RunningEmulator, lexicon: Connected, status: int
) -> None:
    emulator_http.fail_next(emulator, status, method="POST")

    failed, retried = lexicon.run(
        step("create", A_RECORD, A_RECORD.first), step("create", A_RECORD, A_RECORD.first)
    )

    assert assert_http_error(failed, status)["message"]
    assert retried.value is True, retried.error
    assert contents(emulator, "A", A_RECORD.name) == [(A_RECORD.first.content, None)]
