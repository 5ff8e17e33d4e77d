"""Record names relative to a zone: ``relative_name``, ``record_name_problem``, zones (pure).

The spellings ``normalize`` folds (case, blanks, full-width letters, zero-width characters) are
covered with the policy tests; here they are checked through ``relative_name``, which is what a
request's name goes through.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dns_api.domain import names
from dns_api.domain.names import InvalidName

ZONE = "example.com"
SUB_ZONE = "sub.example.com"
ZONES = [ZONE, SUB_ZONE, "example.org"]


def refused(raw: str, zone: str = ZONE) -> str:
    """The message of the ``InvalidName`` that ``relative_name(raw, zone)`` must raise."""
    with pytest.raises(InvalidName) as caught:
        names.relative_name(raw, zone)
    return str(caught.value)


# --- normalize -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        pytest.param("", "", id="empty is the apex"),
        pytest.param(".", "", id="root is the apex"),
        pytest.param(" . ", "", id="blank root"),
        pytest.param("\u3002", "", id="ideographic full stop alone"),
        pytest.param("Bücher", "xn--bcher-kva", id="IDNA"),
        pytest.param("b\u00fccher.Example.COM.", "xn--bcher-kva.example.com", id="IDNA in a name"),
        pytest.param("_Acme-Challenge", "_acme-challenge", id="underscore"),
        pytest.param("XN--BCHER-KVA", "xn--bcher-kva", id="upper-case A-label"),
    ],
)
def test_normalize(raw: str, normalised: str) -> None:
    assert names.normalize(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("a..b", id="empty label"),
        pytest.param(".a", id="leading dot"),
        pytest.param("a..", id="two trailing dots"),
        pytest.param("a b", id="blank"),
        pytest.param("a\tb", id="tab"),
        pytest.param("a\x00b", id="nul"),
        pytest.param("a\u3002\u3002b", id="two ideographic full stops"),
        pytest.param("\u00fc" * 64, id="U-label too long for 63 octets"),
    ],
)
def test_normalize_refuses(raw: str) -> None:
    with pytest.raises(InvalidName):
        names.normalize(raw)
    assert names.normalize_or_none(raw) is None


unicode_names = st.lists(
    st.text(st.sampled_from("abxz09-_üßéæøпримерαβ例え中ﬁＡＢ"), min_size=1, max_size=10),
    min_size=1,
    max_size=4,
).map(".".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.one_of(unicode_names, st.text(max_size=40)))
def test_normalize_is_idempotent_and_ascii(raw: str) -> None:
    name = names.normalize_or_none(raw)
    assume(name is not None)
    assert name.isascii()
    assert name == name.lower()
    assert names.normalize(name) == name


# --- relative_name -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "relative"),
    [
        pytest.param("@", "", id="apex sign"),
        pytest.param(" @ ", "", id="apex sign with blanks"),
        pytest.param("example.com", "", id="zone"),
        pytest.param("example.com.", "", id="zone with trailing dot"),
        pytest.param("EXAMPLE.Com.", "", id="zone upper case"),
        pytest.param("www", "www", id="relative"),
        pytest.param("WWW", "www", id="upper case"),
        pytest.param("www.example.com", "www", id="fqdn"),
        pytest.param("www.example.com.", "www", id="fqdn with trailing dot"),
        pytest.param("Www.Example.COM.", "www", id="fqdn upper case"),
        pytest.param("pr-42.review", "pr-42.review", id="deep relative"),
        pytest.param("pr-42.review.example.com.", "pr-42.review", id="deep fqdn"),
        pytest.param("_acme-challenge", "_acme-challenge", id="underscore"),
        pytest.param("_sip._tcp.example.com", "_sip._tcp", id="underscore labels fqdn"),
        pytest.param("*", "*", id="wildcard"),
        pytest.param("*.example.com.", "*", id="wildcard fqdn"),
        pytest.param("bücher", "xn--bcher-kva", id="IDNA"),
        pytest.param("bücher.example.com.", "xn--bcher-kva", id="IDNA fqdn"),
        pytest.param("\uff50\uff52-42", "pr-42", id="full-width letters"),
        pytest.param("\uff37\uff37\uff37.\uff45xample.com", "www", id="full-width fqdn"),
        pytest.param("www\u3002example\u3002com\u3002", "www", id="ideographic full stops"),
        pytest.param("www\uff0eexample\uff0ecom", "www", id="full-width full stops"),
        pytest.param("pr-42\u3002review", "pr-42.review", id="ideographic full stop inside"),
        pytest.param("www.example.org", "www.example.org", id="other domain without dot"),
        pytest.param("notexample.com", "notexample.com", id="zone only as a suffix of a label"),
    ],
)
def test_relative_name(raw: str, relative: str) -> None:
    assert names.relative_name(raw, ZONE) == relative


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        pytest.param("", "empty", id="empty"),
        pytest.param("   ", "empty", id="blank"),
        pytest.param(".", "empty", id="root"),
        pytest.param("..", "empty", id="two dots"),
        pytest.param("\u3002", "empty", id="ideographic full stop"),
        pytest.param("www.example.org.", "outside the zone example.com", id="other zone"),
        pytest.param("www.", "outside the zone", id="one absolute label"),
        pytest.param("com.", "outside the zone", id="parent of the zone"),
        pytest.param("notexample.com.", "outside the zone", id="suffix of a label"),
        pytest.param("www\u3002example\u3002org\u3002", "outside the zone", id="ideographic dots"),
        pytest.param("@.", "outside the zone", id="absolute apex sign"),
    ],
)
def test_relative_name_refuses(raw: str, rule: str) -> None:
    assert rule in refused(raw)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("a..b", id="empty label"),
        pytest.param("a b", id="blank inside"),
        pytest.param("www\n.example.com", id="newline"),
        pytest.param("p\u200dr-42", id="zero-width joiner"),
    ],
)
def test_relative_name_refuses_what_is_not_a_name(raw: str) -> None:
    refused(raw)


def test_relative_name_in_a_sub_zone() -> None:
    assert names.relative_name("a.sub.example.com.", SUB_ZONE) == "a"
    assert names.relative_name("sub.example.com", SUB_ZONE) == ""
    assert "outside the zone sub.example.com" in refused("a.example.com.", SUB_ZONE)
    # Without the trailing dot a name outside the zone is taken as relative.
    assert names.relative_name("a.example.com", SUB_ZONE) == "a.example.com"


def test_relative_name_in_an_idna_zone() -> None:
    zone = "xn--bcher-kva.example"
    assert names.relative_name("WWW.Bücher.example.", zone) == "www"
    assert names.relative_name("www.xn--bcher-kva.example", zone) == "www"


# --- record_name_problem -------------------------------------------------------------------------

LABEL_63 = "a" * 63
LABEL_64 = "a" * 64


def name_of_length(length: int) -> str:
    """A relative name of ``length`` octets (at most 255), labels of at most 63."""
    name = ".".join(["x" * 63] * 4)[:length]
    name = name[:-2] + ".y" if name.endswith(".") else name
    assert len(name) == length
    assert all(1 <= len(label) <= 63 for label in name.split("."))
    return name


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("", id="apex"),
        pytest.param("www", id="one label"),
        pytest.param("pr-42.review", id="deep"),
        pytest.param("_acme-challenge", id="leading underscore"),
        pytest.param("_sip._tcp", id="service labels"),
        pytest.param("a_", id="trailing underscore"),
        pytest.param("a--b", id="double hyphen"),
        pytest.param("xn--bcher-kva", id="A-label"),
        pytest.param("0", id="digit"),
        pytest.param("*", id="wildcard"),
        pytest.param("*.pr-42", id="leftmost wildcard"),
        pytest.param("*._acme-challenge", id="wildcard over underscore"),
        pytest.param(LABEL_63, id="63-octet label"),
        pytest.param(f"{LABEL_63}.{LABEL_63}", id="two 63-octet labels"),
    ],
)
def test_record_names_without_problem(name: str) -> None:
    assert names.record_name_problem(name, ZONE) is None


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        pytest.param("-www", "do not start or end with a hyphen", id="leading hyphen"),
        pytest.param("www-", "do not start or end with a hyphen", id="trailing hyphen"),
        pytest.param("a.-b", "'-b'", id="hyphen in a deeper label"),
        pytest.param("a b", "letters, digits, underscores", id="blank"),
        pytest.param("a/b", "letters, digits, underscores", id="slash"),
        pytest.param("%41", "letters, digits, underscores", id="percent"),
        pytest.param("@", "letters, digits, underscores", id="apex sign"),
        pytest.param("a..b", "''", id="empty label"),
        pytest.param("a*", "'a*'", id="star in a label"),
        pytest.param("**", "'**'", id="double star"),
        pytest.param("www.*", "wildcard * only as its leftmost label", id="wildcard inside"),
        pytest.param("*.*", "wildcard * only as its leftmost label", id="two wildcards"),
        pytest.param(LABEL_64, "longer than 63 octets", id="64-octet label"),
        pytest.param(f"www.{LABEL_64}", "longer than 63 octets", id="deep 64-octet label"),
    ],
)
def test_record_name_problems(name: str, rule: str) -> None:
    problem = names.record_name_problem(name, ZONE)
    assert problem is not None
    assert rule in problem


@pytest.mark.parametrize(
    ("zone", "room"),
    [(ZONE, 253 - len(ZONE) - 1), (SUB_ZONE, 253 - len(SUB_ZONE) - 1)],
    ids=["example.com", "sub.example.com"],
)
def test_record_name_of_253_octets_with_the_zone_is_the_longest(zone: str, room: int) -> None:
    longest = name_of_length(room)
    assert len(names.fqdn(longest, zone)) == 253
    assert names.record_name_problem(longest, zone) is None
    too_long = name_of_length(room + 1)
    assert len(names.fqdn(too_long, zone)) == 254
    problem = names.record_name_problem(too_long, zone)
    assert problem is not None
    assert "longer than 253 octets with the zone" in problem


def test_a_name_fits_one_zone_but_not_a_longer_one() -> None:
    name = name_of_length(253 - len(ZONE) - 1)
    assert names.record_name_problem(name, ZONE) is None
    assert names.record_name_problem(name, SUB_ZONE) is not None


# --- is_wildcard ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("*", True, id="star"),
        pytest.param("*.pr-42", True, id="leftmost star"),
        pytest.param("*.a.b", True, id="deep"),
        pytest.param("", False, id="apex"),
        pytest.param("www", False, id="plain"),
        pytest.param("a.*", False, id="star not leftmost"),
        pytest.param("*a", False, id="star in a label"),
        pytest.param("**", False, id="double star"),
        pytest.param("a*.b", False, id="star inside the first label"),
    ],
)
def test_is_wildcard(name: str, expected: bool) -> None:
    assert names.is_wildcard(name) is expected


# --- zone_of and split_fqdn ----------------------------------------------------------------------


@pytest.mark.parametrize("zones", [ZONES, list(reversed(ZONES))], ids=["short first", "long first"])
@pytest.mark.parametrize(
    ("name", "zone"),
    [
        pytest.param("a.sub.example.com", SUB_ZONE, id="in the sub zone"),
        pytest.param("sub.example.com", SUB_ZONE, id="the sub zone"),
        pytest.param("x.y.sub.example.com", SUB_ZONE, id="deep in the sub zone"),
        pytest.param("a.example.com", ZONE, id="in the zone"),
        pytest.param("example.com", ZONE, id="the zone"),
        pytest.param("asub.example.com", ZONE, id="sub zone only as a label suffix"),
        pytest.param("www.example.org", "example.org", id="another zone"),
        pytest.param("notexample.com", None, id="label suffix"),
        pytest.param("com", None, id="parent"),
        pytest.param("example.net", None, id="unknown"),
        pytest.param("", None, id="empty"),
    ],
)
def test_zone_of_prefers_the_longest_zone(zones: list[str], name: str, zone: str | None) -> None:
    assert names.zone_of(name, zones) == zone


def test_zone_of_without_zones() -> None:
    assert names.zone_of("a.example.com", []) is None


@pytest.mark.parametrize("zones", [ZONES, list(reversed(ZONES))], ids=["short first", "long first"])
@pytest.mark.parametrize(
    ("raw", "split"),
    [
        pytest.param("a.sub.example.com", (SUB_ZONE, "a"), id="sub zone"),
        pytest.param("A.Sub.Example.COM.", (SUB_ZONE, "a"), id="sub zone spelled"),
        pytest.param("sub.example.com.", (SUB_ZONE, ""), id="sub zone apex"),
        pytest.param("pr-42.review.example.com", (ZONE, "pr-42.review"), id="deep"),
        pytest.param("example.com", (ZONE, ""), id="apex"),
        pytest.param("bücher.example.com", (ZONE, "xn--bcher-kva"), id="IDNA"),
        pytest.param("www\u3002example\u3002org\u3002", ("example.org", "www"), id="ideographic"),
        pytest.param("_dmarc.example.org", ("example.org", "_dmarc"), id="underscore"),
        pytest.param("*.example.com", (ZONE, "*"), id="wildcard"),
        pytest.param("www.example.net", None, id="unknown zone"),
        pytest.param("notexample.com", None, id="label suffix"),
        pytest.param("", None, id="empty"),
        pytest.param(".", None, id="root"),
        pytest.param("a..example.com", None, id="not a name"),
        pytest.param("a b.example.com", None, id="blank"),
    ],
)
def test_split_fqdn(zones: list[str], raw: str, split: tuple[str, str] | None) -> None:
    assert names.split_fqdn(raw, zones) == split


# --- to_unicode ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        pytest.param("xn--bcher-kva", "bücher", id="A-label"),
        pytest.param("www.xn--bcher-kva.example", "www.bücher.example", id="inside a name"),
        pytest.param("xn--e1afmkfd.xn--r8jz45g", "пример.例え", id="two A-labels"),
        pytest.param("www.example.com", "www.example.com", id="ASCII"),
        pytest.param("", "", id="apex"),
        pytest.param("pr-42.xn--", "pr-42.xn--", id="empty A-label kept"),
        pytest.param("xn--zz-", "xn--zz-", id="undecodable kept"),
        pytest.param("xn--a.xn--bcher-kva", "xn--a.bücher", id="undecodable beside decodable"),
        pytest.param("xn--www-", "xn--www-", id="hyphen at the end"),
        pytest.param("a-xn--b", "a-xn--b", id="xn-- not at the start"),
    ],
)
def test_to_unicode(name: str, shown: str) -> None:
    assert names.to_unicode(name) == shown


@settings(max_examples=300, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.one_of(unicode_names, st.text(min_size=1, max_size=30)))
def test_to_unicode_shows_a_name_that_normalises_back(raw: str) -> None:
    name = names.normalize_or_none(raw)
    assume(name)
    assert names.normalize(names.to_unicode(name)) == name


@given(st.text(max_size=30))
def test_to_unicode_never_fails(name: str) -> None:
    names.to_unicode(name)
    names.to_unicode("xn--" + name)


# --- properties ----------------------------------------------------------------------------------

labels = st.one_of(
    st.from_regex(r"[a-z0-9_](?:[a-z0-9_-]{0,8}[a-z0-9_])?", fullmatch=True),
    st.from_regex(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?", fullmatch=True),
)
relative_names = st.lists(labels, min_size=1, max_size=5).map(".".join)


@st.composite
def upper_cased(draw: st.DrawFn, text: str) -> str:
    flags = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if up else c for c, up in zip(text, flags, strict=True))


@given(
    relative_names,
    st.booleans(),
    st.sampled_from([ZONE, SUB_ZONE, "xn--bcher-kva.example"]),
    st.data(),
)
def test_relative_and_absolute_spellings_agree(
    name: str, wildcard: bool, zone: str, data: st.DataObject
) -> None:
    name = f"*.{name}" if wildcard else name
    assume(names.zone_of(name, [zone]) is None)
    absolute = names.fqdn(name, zone)
    spellings = [
        name,
        data.draw(upper_cased(name)),
        absolute,
        absolute + ".",
        data.draw(upper_cased(absolute)) + ".",
        absolute.replace(".", "\u3002"),
    ]
    for spelled in spellings:
        assert names.relative_name(spelled, zone) == name, spelled
    assert names.split_fqdn(absolute, [zone, "example.org"]) == (zone, name)
    problem = names.record_name_problem(name, zone)
    assert (problem is None) is (len(absolute) <= names.MAX_NAME_LENGTH)
