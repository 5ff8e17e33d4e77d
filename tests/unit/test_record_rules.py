"""The record input rules (pure domain code)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dns_api.domain.records import (
    FieldNames,
    ZoneRules,
    validate_content,
    validate_key,
    validate_record,
)
from dns_api.errors import ValidationFailed

RULES = ZoneRules.build(["Example.com.", "example.org"], ["www", "Admin"], 60)


def problems_of(**kwargs: str) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        validate_record(RULES, **kwargs)
    return {p.field: p.message for p in caught.value.problems}


def test_valid_a_record_is_normalised() -> None:
    spec = validate_record(
        RULES, type="a", zone="EXAMPLE.COM.", name="Pr-42", content=" 192.0.2.1 "
    )
    assert (spec.type, spec.zone, spec.name, spec.content, spec.ttl) == (
        "A",
        "example.com",
        "pr-42",
        "192.0.2.1",
        60,
    )
    assert spec.fqdn == "pr-42.example.com"


def test_valid_cname_target_is_normalised() -> None:
    spec = validate_record(
        RULES, type="CNAME", zone="example.org", name="api", content="App.Example.NET."
    )
    assert spec.content == "app.example.net"


def test_every_problem_is_reported_at_once() -> None:
    problems = problems_of(type="MX", zone="nope.com", name="-bad-", content="")
    assert set(problems) == {"domain_type", "domain", "subdomain", "to"}


@pytest.mark.parametrize(
    "name",
    [
        "www",
        "WWW",
        "Www.",
        "admin",
        "ADMIN",
        " admin ",
        "\uff37\uff37\uff37",
        "w\u200bww",
        "\uff41\uff44\uff4d\uff49\uff4e",
    ],
)
def test_deny_list_is_case_insensitive(name: str) -> None:
    assert (
        "deny list"
        in problems_of(type="A", zone="example.com", name=name, content="192.0.2.1")["subdomain"]
    )


@pytest.mark.parametrize(
    "name", ["", "a.b", "-a", "a-", "a_b", "a b", "x" * 64, "*", "@", "%41", "a/b"]
)
def test_subdomain_must_be_one_dns_label(name: str) -> None:
    assert "subdomain" in problems_of(type="A", zone="example.com", name=name, content="192.0.2.1")


@pytest.mark.parametrize(
    "content", ["1.2.3", "256.1.1.1", "01.2.3.4", "::1", "example.com", "1.2.3.4/24"]
)
def test_a_content_must_be_ipv4(content: str) -> None:
    assert "IPv4" in problems_of(type="A", zone="example.com", name="host", content=content)["to"]


@pytest.mark.parametrize(
    "content", ["localhost", "a..b", "-a.com", "a b.com", "x" * 64 + ".com", "1.2.3.4/x"]
)
def test_cname_content_must_be_a_hostname(content: str) -> None:
    assert (
        "host name"
        in problems_of(type="CNAME", zone="example.com", name="host", content=content)["to"]
    )


def test_content_length_is_bounded() -> None:
    assert (
        "at most"
        in problems_of(type="CNAME", zone="example.com", name="h", content="a" * 2000)["to"]
    )


@pytest.mark.parametrize("name", ["www\n.", "www\n", "w w", "w\tw", "www\x00", "a..b"])
def test_blanks_and_control_characters_never_slip_through(name: str) -> None:
    assert "subdomain" in problems_of(type="A", zone="example.com", name=name, content="192.0.2.1")


def test_non_ascii_names_become_a_labels() -> None:
    spec = validate_record(RULES, type="A", zone="example.com", name="Bücher", content="192.0.2.1")
    assert spec.name == "xn--bcher-kva"


def test_path_fields_are_reported_as_parameters() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_key(
            RULES, type="TXT", zone="example.com", name="h", fields=FieldNames(location="path")
        )
    assert [(p.field, p.location) for p in caught.value.problems] == [("domain_type", "path")]


def test_validate_content_for_an_existing_type() -> None:
    assert validate_content("A", "198.51.100.9") == "198.51.100.9"
    with pytest.raises(ValidationFailed):
        validate_content("A", "not-an-ip")


@given(st.text(max_size=80))
def test_accepted_subdomains_are_single_lowercase_labels(raw: str) -> None:
    try:
        spec = validate_record(RULES, type="A", zone="example.com", name=raw, content="192.0.2.1")
    except ValidationFailed:
        return
    assert spec.name == spec.name.lower()
    assert "." not in spec.name
    assert 1 <= len(spec.name) <= 63
    assert spec.name not in {"www", "admin"}
    assert spec.name.isascii()


@given(st.ip_addresses(v=4))
def test_every_ipv4_address_is_accepted(address: object) -> None:
    spec = validate_record(RULES, type="A", zone="example.com", name="h", content=str(address))
    assert spec.content == str(address)
