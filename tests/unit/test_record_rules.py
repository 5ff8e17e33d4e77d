"""The record input rules (pure domain code): problems name logical fields (``Field``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dns_api.api.fields import RECORD_BODY, RECORD_PATH
from dns_api.domain.problems import Field
from dns_api.domain.records import (
    ValueInput,
    ZoneRules,
    validate_key,
    validate_record,
    validate_value,
)
from dns_api.errors import ValidationFailed

RULES = ZoneRules.build(
    ["Example.com.", "example.org", "sub.example.com"], ["www", "Admin"], 60, max_ttl=3600
)


def problems_of(**kwargs: object) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        validate_record(RULES, **kwargs)
    assert all(isinstance(p.field, Field) for p in caught.value.problems)
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
        None,  # not given: the set keeps its TTL, a new set gets the default
    )
    assert spec.fqdn == "pr-42.example.com"


def test_valid_cname_target_is_normalised() -> None:
    spec = validate_record(
        RULES, type="CNAME", zone="example.org", name="api", content="App.Example.NET."
    )
    assert spec.content == "app.example.net"


def test_every_problem_is_reported_at_once() -> None:
    problems = problems_of(type="NS", zone="example.com", name="-bad-", content="", ttl=5)
    assert set(problems) == {Field.TYPE, Field.NAME, Field.CONTENT, Field.TTL}
    problems = problems_of(type="NS", zone="nope.com", name="x", content="")
    assert set(problems) == {Field.TYPE, Field.ZONE, Field.CONTENT}


@pytest.mark.parametrize(
    "name",
    [
        "www",
        "WWW",
        "www.example.com.",
        "v2.www",
        "*.WWW",
        "_acme-challenge.admin",
        "admin",
        "ADMIN",
        " admin ",
        "\uff37\uff37\uff37",
        "w\u200bww",
        "\uff41\uff44\uff4d\uff49\uff4e",
    ],
)
def test_deny_list_is_case_insensitive(name: str) -> None:
    problems = problems_of(type="A", zone="example.com", name=name, content="192.0.2.1")
    assert "deny list" in problems[Field.NAME]


def test_a_name_on_the_deny_list_protects_only_itself_and_names_beneath() -> None:
    spec = validate_record(RULES, type="A", zone="example.com", name="wwwx", content="192.0.2.1")
    assert spec.name == "wwwx"
    spec = validate_record(RULES, type="A", zone="example.com", name="www-2", content="192.0.2.1")
    assert spec.name == "www-2"


@pytest.mark.parametrize(
    "name",
    ["", ".", "-a", "a-", "a b", "x" * 64, "a.*", "a.*.b", "%41", "a/b", "other.org."],
)
def test_bad_names_are_refused(name: str) -> None:
    assert Field.NAME in problems_of(type="A", zone="example.com", name=name, content="192.0.2.1")


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("@", ""),
        ("example.com", ""),
        ("Example.COM.", ""),
        ("pr-42.review", "pr-42.review"),
        ("pr-42.review.example.com.", "pr-42.review"),
        ("pr-42.review.example.com", "pr-42.review"),
        ("_acme-challenge.WWW2", "_acme-challenge.www2"),
        ("_sip._tcp", "_sip._tcp"),
        ("*.review", "*.review"),
        ("x" * 63, "x" * 63),
    ],
)
def test_deep_apex_underscore_and_wildcard_names(raw: str, name: str) -> None:
    spec = validate_record(RULES, type="A", zone="example.com", name=raw, content="192.0.2.1")
    assert spec.name == name


def test_names_are_at_most_253_octets_with_the_zone() -> None:
    label = "x" * 63
    fits = ".".join([label, label, label, "y" * (253 - 3 * 64 - len(".example.com"))])
    assert validate_record(RULES, type="A", zone="example.com", name=fits, content="192.0.2.1")
    problems = problems_of(type="A", zone="example.com", name=fits + "y", content="192.0.2.1")
    assert "253" in problems[Field.NAME]


def test_a_name_in_a_more_specific_configured_zone_is_sent_there() -> None:
    problem = problems_of(type="A", zone="example.com", name="a.sub", content="192.0.2.1")
    assert "sub.example.com" in problem[Field.NAME]
    spec = validate_record(RULES, type="A", zone="sub.example.com", name="a", content="192.0.2.1")
    assert (spec.zone, spec.name) == ("sub.example.com", "a")


def test_no_cname_at_the_apex() -> None:
    problem = problems_of(type="CNAME", zone="example.com", name="@", content="a.example.org")
    assert "apex" in problem[Field.NAME]
    spec = validate_record(RULES, type="ALIAS", zone="example.com", name="@", content="a.b.org")
    assert spec.name == ""


@pytest.mark.parametrize("ttl", [59, 3601, 0, -1])
def test_ttl_must_be_within_the_configured_bounds(ttl: int) -> None:
    problem = problems_of(type="A", zone="example.com", name="h", content="192.0.2.1", ttl=ttl)
    assert "60 to 3600" in problem[Field.TTL]


def test_priority_goes_with_mx_and_srv_only() -> None:
    spec = validate_record(
        RULES, type="MX", zone="example.com", name="@", content="mail.example.com", priority=10
    )
    assert (spec.content, spec.priority) == ("mail.example.com", 10)
    problem = problems_of(type="A", zone="example.com", name="h", content="192.0.2.1", priority=10)
    assert Field.PRIORITY in problem


@pytest.mark.parametrize(
    "content", ["1.2.3", "256.1.1.1", "01.2.3.4", "::1", "example.com", "1.2.3.4/24"]
)
def test_a_content_must_be_ipv4(content: str) -> None:
    problems = problems_of(type="A", zone="example.com", name="host", content=content)
    assert "IPv4" in problems[Field.CONTENT]


@pytest.mark.parametrize(
    "content", ["localhost", "a..b", "-a.com", "a b.com", "x" * 64 + ".com", "1.2.3.4/x"]
)
def test_cname_content_must_be_a_hostname(content: str) -> None:
    problems = problems_of(type="CNAME", zone="example.com", name="host", content=content)
    assert "host name" in problems[Field.CONTENT]


def test_content_length_is_bounded() -> None:
    problems = problems_of(type="CNAME", zone="example.com", name="h", content="a" * 5000)
    assert "at most" in problems[Field.CONTENT]


@pytest.mark.parametrize("name", ["www\n.", "www\n", "w w", "w\tw", "www\x00", "a..b"])
def test_blanks_and_control_characters_never_slip_through(name: str) -> None:
    assert Field.NAME in problems_of(type="A", zone="example.com", name=name, content="192.0.2.1")


def test_non_ascii_names_become_a_labels() -> None:
    spec = validate_record(RULES, type="A", zone="example.com", name="Bücher", content="192.0.2.1")
    assert spec.name == "xn--bcher-kva"


def test_validate_key_normalises_the_key() -> None:
    key = validate_key(RULES, type="txt", zone="Example.COM.", name="_Acme-Challenge.h")
    assert (key.type, key.zone, key.name) == ("TXT", "example.com", "_acme-challenge.h")


def test_path_fields_are_reported_as_parameters() -> None:
    with pytest.raises(ValidationFailed) as caught, RECORD_PATH.applied():
        validate_key(RULES, type="NS", zone="example.com", name="h")
    assert [(p.field, p.location) for p in caught.value.problems] == [("domain_type", "path")]


def test_the_original_api_spells_the_fields_its_own_way() -> None:
    with pytest.raises(ValidationFailed) as caught, RECORD_BODY.applied():
        validate_record(RULES, type="NS", zone="nope.com", name="-x-", content="", ttl=5)
    assert [(p.field, p.location) for p in caught.value.problems] == [
        ("domain_type", "body"),
        ("domain", "body"),
        ("subdomain", "body"),
        ("to", "body"),
        ("ttl", "body"),
    ]


def test_validate_value_for_an_existing_type() -> None:
    assert validate_value(RULES, "A", ValueInput("198.51.100.9")).content == "198.51.100.9"
    with pytest.raises(ValidationFailed):
        validate_value(RULES, "A", ValueInput("not-an-ip"))


@given(st.text(max_size=80))
def test_accepted_names_are_lowercase_ascii_and_never_denied(raw: str) -> None:
    try:
        spec = validate_record(RULES, type="A", zone="example.com", name=raw, content="192.0.2.1")
    except ValidationFailed:
        return
    assert spec.name == spec.name.lower()
    assert spec.name.isascii()
    labels = spec.name.split(".") if spec.name else []
    assert all(1 <= len(label) <= 63 for label in labels)
    assert "*" not in labels[1:]
    assert not {"www", "admin"} & {".".join(labels[i:]) for i in range(len(labels))}


@given(st.ip_addresses(v=4))
def test_every_ipv4_address_is_accepted(address: object) -> None:
    spec = validate_record(RULES, type="A", zone="example.com", name="h", content=str(address))
    assert spec.content == str(address)


def test_a_wildcard_that_would_answer_for_a_denied_name_is_refused() -> None:
    for name in ("*", "*.v2"):
        rules = ZoneRules.build(["example.com"], ["www.v2" if name == "*.v2" else "www"], 60)
        with pytest.raises(ValidationFailed, match="deny list"):
            validate_record(rules, type="A", zone="example.com", name=name, content="192.0.2.1")
    spec = validate_record(
        RULES, type="A", zone="example.com", name="*.review", content="192.0.2.1"
    )
    assert spec.name == "*.review"
