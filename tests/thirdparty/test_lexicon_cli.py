"""The ``lexicon`` command (dns-lexicon 3.25.2, dnsimple provider) against the emulator.

The command offers the types A, AAAA, CNAME, MX, NS, SOA, TXT, SRV and LOC; each one DNSimple
has (all but LOC, and SOA, which is DNSimple's own) goes through create, list, update and
delete here. The provider raises requests' ``HTTPError`` for an error answer, so the command
ends with a traceback that names the status.
"""

from __future__ import annotations

import pytest

from dns_api.emulator import RunningEmulator
from tests.thirdparty import emulator_http
from tests.thirdparty.emulator_http import contents, user_records
from tests.thirdparty.lexicon_cli import LexiconCli
from tests.thirdparty.samples import SAMPLES, ZONE, Sample, Value

pytestmark = [pytest.mark.thirdparty, pytest.mark.slow]

CLI_TYPES = ("A", "AAAA", "CNAME", "MX", "NS", "TXT", "SRV")
CLI_SAMPLES = [sample for sample in SAMPLES if sample.rtype in CLI_TYPES]
A_RECORD = SAMPLES[0]


def options(sample: Sample, value: Value) -> list[str]:
    """``--name``, ``--content`` and, for MX and SRV, ``--priority``."""
    given = ["--name", sample.name, "--content", value.content]
    return given if value.priority is None else [*given, "--priority", str(value.priority)]


@pytest.mark.parametrize("sample", CLI_SAMPLES, ids=[sample.rtype for sample in CLI_SAMPLES])
def test_creates_lists_updates_and_deletes_a_record(
    emulator: RunningEmulator, lexicon_cli: LexiconCli, sample: Sample
) -> None:
    assert lexicon_cli.succeeds("create", sample.rtype, *options(sample, sample.first)) is True
    assert contents(emulator, sample.rtype, sample.name) == [
        (sample.first.stored, sample.first.priority)
    ]

    listed = lexicon_cli.succeeds("list", sample.rtype, "--name", sample.name)
    assert [(r["name"], r["content"]) for r in listed] == [(sample.fqdn, sample.first.stored)]
    identifier = str(listed[0]["id"])

    updated = options(sample, sample.second)
    assert lexicon_cli.succeeds("update", sample.rtype, "--identifier", identifier, *updated)
    assert contents(emulator, sample.rtype, sample.name) == [
        (sample.second.stored, sample.second.priority)
    ]

    assert lexicon_cli.succeeds("delete", sample.rtype, "--identifier", identifier) is True
    assert user_records(emulator) == []


def test_the_ttl_option_is_sent(emulator: RunningEmulator, lexicon_cli: LexiconCli) -> None:
    created = lexicon_cli.succeeds(
        "create", "A", *options(A_RECORD, A_RECORD.first), "--ttl", "600"
    )

    assert created is True
    assert [(r["name"], r["ttl"]) for r in user_records(emulator)] == [(A_RECORD.name, 600)]


def test_deletes_by_name_and_content(emulator: RunningEmulator, lexicon_cli: LexiconCli) -> None:
    emulator_http.create(emulator, "A", A_RECORD.name, A_RECORD.first)
    emulator_http.create(emulator, "A", A_RECORD.name, A_RECORD.second)

    deleted = lexicon_cli.succeeds("delete", "A", *options(A_RECORD, A_RECORD.first))

    assert deleted is True
    assert contents(emulator, "A", A_RECORD.name) == [(A_RECORD.second.content, None)]


# -- what goes wrong -------------------------------------------------------------------------


def test_a_bad_token_ends_the_command_with_a_401(
    emulator: RunningEmulator, lexicon_cli: LexiconCli
) -> None:
    finished = lexicon_cli("create", "A", *options(A_RECORD, A_RECORD.first), token="not-the-token")

    assert finished.returncode == 1, str(finished)
    assert "HTTPError: 401 Client Error" in finished.stderr, str(finished)
    assert user_records(emulator) == []


def test_a_validation_error_ends_the_command_with_a_400(
    emulator: RunningEmulator, lexicon_cli: LexiconCli
) -> None:
    finished = lexicon_cli("create", "A", "--name", "bad", "--content", "not-an-address")

    assert finished.returncode == 1, str(finished)
    assert "HTTPError: 400 Client Error" in finished.stderr, str(finished)
    assert user_records(emulator) == []


def test_a_spent_rate_limit_ends_the_command_with_a_429(
    emulator: RunningEmulator, lexicon_cli: LexiconCli
) -> None:
    emulator_http.exhaust_rate_limit(emulator)

    finished = lexicon_cli("list", "A")

    assert finished.returncode == 1, str(finished)
    assert "HTTPError: 429 Client Error" in finished.stderr, str(finished)


def test_a_server_error_on_the_write_ends_the_command_with_it(
    emulator: RunningEmulator, lexicon_cli: LexiconCli
) -> None:
    emulator_http.fail_next(emulator, 500, method="POST")

    finished = lexicon_cli("create", "A", *options(A_RECORD, A_RECORD.first))

    assert finished.returncode == 1, str(finished)
    assert "HTTPError: 500 Server Error" in finished.stderr, str(finished)
    assert user_records(emulator) == []


def test_a_zone_the_dns_does_not_know_is_refused_before_any_request(
    emulator: RunningEmulator, lexicon_cli: LexiconCli
) -> None:
    """The command looks the zone up over DNS first; the emulator's DNS refuses a name outside
    its zones, so lexicon stops before it asks the API anything."""
    finished = lexicon_cli("list", "A", domain="not-hosted.net")

    assert finished.returncode == 1, str(finished)
    assert "dns.resolver.NoNameservers" in finished.stderr, str(finished)
    assert emulator_http.calls(emulator) == {}
    assert ZONE not in finished.stdout
