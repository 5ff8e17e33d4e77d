"""Record values: ``parse_value`` per type, its canonical forms and its errors (pure domain)."""

from __future__ import annotations

import ipaddress
import itertools
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dns_api.domain.rdata import (
    MAX_TXT_CHARACTERS,
    MAX_TXT_STRING_OCTETS,
    SUPPORTED_TYPES,
    ContentError,
    Value,
    parse_value,
)


def error(record_type: str, text: str, priority: int | None = None) -> str:
    """The message of the ``ContentError`` that ``text`` must raise."""
    with pytest.raises(ContentError) as caught:
        parse_value(record_type, text, priority)
    return str(caught.value)


def content(record_type: str, text: str) -> str:
    return parse_value(record_type, text).content


def assert_idempotent(record_type: str, value: Value) -> None:
    assert parse_value(record_type, value.text(record_type)) == value


# --- strategies ----------------------------------------------------------------------------------

LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
labels = st.from_regex(LABEL, fullmatch=True)
short_labels = st.from_regex(r"[a-z0-9_](?:[a-z0-9_-]{0,8}[a-z0-9_])?", fullmatch=True)
UNICODE_LABELS = {"bücher": "xn--bcher-kva", "пример": "xn--e1afmkfd", "例え": "xn--r8jz45g"}

host_names = (
    st.lists(st.one_of(short_labels, labels), min_size=2, max_size=5)
    .map(".".join)
    .filter(lambda name: len(name) <= 253)
)


@st.composite
def spellings(draw: st.DrawFn, name: str) -> str:
    """``name`` as a person might write it: some letters upper case, maybe a trailing dot."""
    upper = draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    spelled = "".join(c.upper() if u else c for c, u in zip(name, upper, strict=True))
    return spelled + draw(st.sampled_from(["", "."]))


@st.composite
def host_and_spelling(draw: st.DrawFn) -> tuple[str, str]:
    """A canonical host name, and a way to write it (upper case, trailing dot, U-labels)."""
    name = draw(host_names)
    spelled = draw(spellings(name))
    if draw(st.booleans()):
        unicode_label, a_label = draw(st.sampled_from(sorted(UNICODE_LABELS.items())))
        assume(len(name) + len(a_label) < 253)
        name, spelled = f"{a_label}.{name}", f"{unicode_label}.{spelled}"
    return name, spelled


numbers = st.integers(0, 65535)

# Text without control, invisible or separator characters (the plain space aside) or surrogates:
# plain TXT input (quotes and backslashes included; a text starting with a quote is quoted input,
# not plain text).
REFUSED_CATEGORIES = ("Cc", "Cs", "Cf", "Zl", "Zp", "Zs")
plain_chars = st.characters(blacklist_categories=REFUSED_CATEGORIES, whitelist_characters=" ")
plain_texts = st.one_of(
    st.text(plain_chars, min_size=1, max_size=1100),
    st.text(
        st.characters(min_codepoint=0x80, blacklist_categories=REFUSED_CATEGORIES), max_size=400
    ),
    st.text(st.sampled_from('ab "\\é€😀'), min_size=1, max_size=700),
    # Runs of one character, one to four octets wide or escaped, around the limits.
    st.tuples(st.sampled_from(["a", "é", "€", "😀", " ", "\\", 'x"']), st.integers(1, 1100)).map(
        lambda pair: pair[0] * pair[1]
    ),
).filter(lambda text: text.strip() != "" and not text.strip().startswith('"'))

QUOTED_CHUNK = re.compile(r'"((?:[^"\\]|\\.)*)"')


def chunks_of(txt_content: str) -> list[str]:
    """The unescaped character-strings of a canonical TXT content."""
    chunks = QUOTED_CHUNK.findall(txt_content)
    assert txt_content == " ".join(f'"{chunk}"' for chunk in chunks)
    return [unescape(chunk) for chunk in chunks]


def unescape(chunk: str) -> str:
    return re.sub(r"\\(.)", r"\1", chunk)


def escape(string: str) -> str:
    return string.replace("\\", "\\\\").replace('"', '\\"')


def octets(string: str) -> int:
    return len(string.encode())


def reference_txt(strings: list[str]) -> str:
    """What the TXT content of these (unescaped) strings should be: each cut greedily into
    pieces of at most 255 octets between characters, escaped, quoted, joined by a space."""
    pieces: list[str] = []
    for string in strings:
        current = ""
        for char in string:
            if octets(current + char) > MAX_TXT_STRING_OCTETS:
                pieces.append(current)
                current = ""
            current += char
        pieces.append(current)
    return " ".join(f'"{escape(piece)}"' for piece in pieces)


# --- every type ----------------------------------------------------------------------------------

EXAMPLES = {
    "A": "192.0.2.10",
    "AAAA": "2001:db8::10",
    "ALIAS": "app.example.org",
    "CAA": '0 issue "letsencrypt.org"',
    "CNAME": "app.example.org",
    "MX": "10 mail.example.com",
    "SRV": "10 5 5060 sip.example.com",
    "TXT": "hello",
}


def test_every_supported_type_has_an_example() -> None:
    assert sorted(EXAMPLES) == sorted(SUPPORTED_TYPES)


@pytest.mark.parametrize("record_type", SUPPORTED_TYPES)
@pytest.mark.parametrize("text", ["", " ", "   \u00a0 "], ids=["empty", "blank", "blanks"])
def test_an_empty_value_is_refused(record_type: str, text: str) -> None:
    assert "empty" in error(record_type, text)


@pytest.mark.parametrize("record_type", SUPPORTED_TYPES)
@pytest.mark.parametrize(
    "control",
    [
        pytest.param("\n", id="newline"),
        pytest.param("\r", id="carriage return"),
        pytest.param("\t", id="tab"),
        pytest.param("\x00", id="nul"),
        pytest.param("\x1b", id="escape"),
        pytest.param("\x7f", id="delete"),
    ],
)
@pytest.mark.parametrize("where", ["end", "middle"])
def test_control_characters_are_refused_not_stripped(
    record_type: str, control: str, where: str
) -> None:
    valid = EXAMPLES[record_type]
    text = valid + control if where == "end" else valid[:1] + control + valid[1:]
    assert "control characters" in error(record_type, text)


@pytest.mark.parametrize("record_type", SUPPORTED_TYPES)
def test_surrounding_blanks_are_ignored(record_type: str) -> None:
    value = parse_value(record_type, EXAMPLES[record_type])
    assert parse_value(record_type, f"  {EXAMPLES[record_type]}  ") == value


@pytest.mark.parametrize("record_type", ["A", "AAAA", "ALIAS", "CAA", "CNAME", "TXT"])
@pytest.mark.parametrize("priority", [0, 10])
def test_types_without_priority_refuse_one(record_type: str, priority: int) -> None:
    with pytest.raises(ContentError) as caught:
        parse_value(record_type, EXAMPLES[record_type], priority)
    assert "priority" in str(caught.value)
    assert caught.value.about_priority


@pytest.mark.parametrize("record_type", ["NS", "PTR", "SOA", "a", "txt", ""])
def test_unsupported_types_are_refused(record_type: str) -> None:
    assert "not a supported type" in error(record_type, "192.0.2.1")


@pytest.mark.parametrize(
    ("record_type", "value", "text"),
    [
        pytest.param("MX", Value("mail.example.com", 10), "10 mail.example.com", id="MX"),
        pytest.param(
            "SRV", Value("5 5060 sip.example.com", 0), "0 5 5060 sip.example.com", id="SRV"
        ),
        pytest.param("MX", Value("mail.example.com"), "mail.example.com", id="MX no priority"),
        pytest.param("A", Value("192.0.2.1"), "192.0.2.1", id="A"),
        pytest.param("TXT", Value('"x"', 3), '"x"', id="priority of a TXT is not written"),
    ],
)
def test_value_text_is_the_written_form(record_type: str, value: Value, text: str) -> None:
    assert value.text(record_type) == text


# --- A -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        pytest.param("192.0.2.10", "192.0.2.10", id="plain"),
        pytest.param("0.0.0.0", "0.0.0.0", id="all zero"),
        pytest.param("255.255.255.255", "255.255.255.255", id="broadcast"),
        pytest.param(" 198.51.100.7 ", "198.51.100.7", id="blanks"),
    ],
)
def test_a_valid(text: str, canonical: str) -> None:
    assert parse_value("A", text) == Value(canonical)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("1.2.3", id="three octets"),
        pytest.param("1.2.3.4.5", id="five octets"),
        pytest.param("256.1.1.1", id="octet over 255"),
        pytest.param("01.2.3.4", id="leading zero"),
        pytest.param("1.2.3.4/24", id="prefix"),
        pytest.param("1.2.3.4:80", id="port"),
        pytest.param("::1", id="IPv6"),
        pytest.param("example.com", id="host name"),
        pytest.param("1.2.3.-4", id="negative"),
        pytest.param("\uff11.\uff12.\uff13.\uff14", id="full-width digits"),
        pytest.param("1. 2.3.4", id="inner blank"),
        pytest.param("0x7f.0.0.1", id="hex"),
        pytest.param("2130706433", id="integer"),
    ],
)
def test_a_invalid(text: str) -> None:
    assert "IPv4" in error("A", text)


@given(st.ip_addresses(v=4))
def test_a_round_trips_every_address(address: ipaddress.IPv4Address) -> None:
    value = parse_value("A", str(address))
    assert value == Value(str(address))
    assert ipaddress.IPv4Address(value.content) == address
    assert_idempotent("A", value)


# --- AAAA ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        pytest.param("2001:db8::10", "2001:db8::10", id="compressed"),
        pytest.param("2001:DB8::A", "2001:db8::a", id="upper case"),
        pytest.param("2001:0db8:0000:0000:0000:0000:0000:0010", "2001:db8::10", id="exploded"),
        pytest.param("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", id="longest zero run first"),
        pytest.param("::", "::", id="unspecified"),
        pytest.param("::1", "::1", id="loopback"),
        pytest.param(
            "::ffff:192.0.2.1",
            ipaddress.IPv6Address("::ffff:192.0.2.1").compressed,
            id="IPv4-mapped",
        ),
    ],
)
def test_aaaa_valid(text: str, canonical: str) -> None:
    assert parse_value("AAAA", text) == Value(canonical)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("192.0.2.1", id="IPv4"),
        pytest.param("2001:db8::1::2", id="two double colons"),
        pytest.param("2001:db8:::1", id="triple colon"),
        pytest.param("2001:db8::g", id="not hex"),
        pytest.param("1:2:3:4:5:6:7:8:9", id="nine groups"),
        pytest.param("2001:db8::12345", id="five digit group"),
        pytest.param("[2001:db8::1]", id="brackets"),
        pytest.param("2001:db8::/32", id="prefix"),
        pytest.param("example.com", id="host name"),
    ],
)
def test_aaaa_invalid(text: str) -> None:
    assert "IPv6" in error("AAAA", text)


@pytest.mark.parametrize("text", ["fe80::1%eth0", "fe80::1%1", "::1%"])
def test_aaaa_refuses_a_zone_index(text: str) -> None:
    message = error("AAAA", text)
    assert "IPv6" in message
    assert "zone index" in message


@given(st.ip_addresses(v=6), st.booleans())
def test_aaaa_is_the_compressed_lower_case_address(
    address: ipaddress.IPv6Address, exploded: bool
) -> None:
    text = address.exploded.upper() if exploded else str(address)
    value = parse_value("AAAA", text)
    assert value == Value(ipaddress.IPv6Address(text).compressed)
    assert value.content == value.content.lower()
    assert_idempotent("AAAA", value)


# --- CNAME and ALIAS -----------------------------------------------------------------------------

TARGET_TYPES = ["CNAME", "ALIAS"]


@pytest.mark.parametrize("record_type", TARGET_TYPES)
@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        pytest.param("app.example.org", "app.example.org", id="plain"),
        pytest.param("App.Example.ORG", "app.example.org", id="upper case"),
        pytest.param("app.example.org.", "app.example.org", id="trailing dot"),
        pytest.param("bücher.example", "xn--bcher-kva.example", id="IDNA"),
        pytest.param("BÜCHER.example", "xn--bcher-kva.example", id="IDNA upper case"),
        pytest.param("xn--bcher-kva.example", "xn--bcher-kva.example", id="A-label"),
        pytest.param("\uff41\uff50\uff50.example.org", "app.example.org", id="full-width letters"),
        pytest.param("app\u3002example\u3002org", "app.example.org", id="ideographic full stop"),
        pytest.param("_dmarc.example.org", "_dmarc.example.org", id="underscore"),
        pytest.param("pr-42.review.example.org", "pr-42.review.example.org", id="deep"),
        pytest.param("1.2.3.4", "1.2.3.4", id="digits only"),
        pytest.param("a" * 63 + ".example", "a" * 63 + ".example", id="63-octet label"),
    ],
)
def test_target_valid(record_type: str, text: str, canonical: str) -> None:
    assert parse_value(record_type, text) == Value(canonical)


@pytest.mark.parametrize("record_type", TARGET_TYPES)
@pytest.mark.parametrize(
    "text",
    [
        pytest.param("localhost", id="one label"),
        pytest.param("a..b", id="empty label"),
        pytest.param(".example.org", id="leading dot"),
        pytest.param("-a.example.org", id="leading hyphen"),
        pytest.param("a-.example.org", id="trailing hyphen"),
        pytest.param("a b.example.org", id="blank"),
        pytest.param("a" * 64 + ".example", id="64-octet label"),
        pytest.param(".".join(["a" * 63] * 4), id="255 octets"),
        pytest.param("app.example.org..", id="two trailing dots"),
        pytest.param("*.example.org", id="wildcard"),
        pytest.param("a/b.example.org", id="slash"),
        pytest.param("http://example.org", id="URL"),
        pytest.param("@", id="apex sign"),
        pytest.param(".", id="root"),
    ],
)
def test_target_invalid(record_type: str, text: str) -> None:
    message = error(record_type, text)
    assert "host name" in message
    assert record_type in message


@pytest.mark.parametrize("record_type", TARGET_TYPES)
def test_target_with_a_zero_width_joiner_is_refused(record_type: str) -> None:
    assert "U+200D" in error(record_type, "p\u200dr.example.org")


def test_target_of_253_octets_is_the_longest() -> None:
    longest = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])
    assert len(longest) == 253
    assert content("CNAME", longest) == longest
    assert "host name" in error("CNAME", longest + "d")


@given(host_and_spelling())
def test_target_spellings_give_the_canonical_name(pair: tuple[str, str]) -> None:
    name, spelled = pair
    for record_type in TARGET_TYPES:
        value = parse_value(record_type, spelled)
        assert value == Value(name)
        assert_idempotent(record_type, value)


# --- MX ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "priority", "expected"),
    [
        pytest.param("10 mail.example.com", None, Value("mail.example.com", 10), id="written"),
        pytest.param("mail.example.com", 10, Value("mail.example.com", 10), id="field"),
        pytest.param("10 mail.example.com", 10, Value("mail.example.com", 10), id="both agree"),
        pytest.param("0 mail.example.com", None, Value("mail.example.com", 0), id="zero"),
        pytest.param("65535 mx.example.com", None, Value("mx.example.com", 65535), id="maximum"),
        pytest.param("mail.example.com", 0, Value("mail.example.com", 0), id="field zero"),
        pytest.param("007 mail.example.com", None, Value("mail.example.com", 7), id="zeros"),
        pytest.param("  10   Mail.Example.COM.  ", None, Value("mail.example.com", 10), id="spell"),
        pytest.param("10 bücher.example", None, Value("xn--bcher-kva.example", 10), id="IDNA"),
    ],
)
def test_mx_valid(text: str, priority: int | None, expected: Value) -> None:
    value = parse_value("MX", text, priority)
    assert value == expected
    assert value.text("MX") == f"{expected.priority} {expected.content}"


@pytest.mark.parametrize(
    ("text", "priority", "rule"),
    [
        pytest.param("mail.example.com", None, "10 mail.example.com", id="no priority"),
        pytest.param("10", None, "10 mail.example.com", id="no host"),
        pytest.param("10 mail.example.com x", None, "10 mail.example.com", id="three words"),
        pytest.param("10 a.example b.example", 10, "10 mail.example.com", id="two hosts"),
        pytest.param("65536 mail.example.com", None, "65535", id="priority too big"),
        pytest.param("-1 mail.example.com", None, "0 to 65535", id="negative"),
        pytest.param("+1 mail.example.com", None, "0 to 65535", id="plus sign"),
        pytest.param("1.5 mail.example.com", None, "0 to 65535", id="fraction"),
        pytest.param("ten mail.example.com", None, "priority", id="word"),
        pytest.param("\uff11\uff10 mail.example.com", None, "priority", id="full-width digits"),
        pytest.param("10 localhost", None, "mail server", id="one-label host"),
        pytest.param("10 .", None, "host name", id="null MX"),
        pytest.param("10 192.0.2.1/24", None, "host name", id="not a host"),
    ],
)
def test_mx_invalid(text: str, priority: int | None, rule: str) -> None:
    assert rule in error("MX", text, priority)


@pytest.mark.parametrize(
    ("text", "priority", "rule"),
    [
        pytest.param("10 mail.example.com", 20, "says priority 10", id="conflict"),
        pytest.param("0 mail.example.com", 1, "says priority 0", id="conflict with zero"),
        pytest.param("mail.example.com", 65536, "65535", id="field too big"),
        pytest.param("mail.example.com", -1, "65535", id="field negative"),
    ],
)
def test_mx_priority_field_problems_are_about_the_priority(
    text: str, priority: int, rule: str
) -> None:
    with pytest.raises(ContentError) as caught:
        parse_value("MX", text, priority)
    assert rule in str(caught.value)
    assert caught.value.about_priority


@given(numbers, host_and_spelling(), st.sampled_from(["written", "field", "both"]))
def test_mx_round_trips(priority: int, pair: tuple[str, str], how: str) -> None:
    name, spelled = pair
    text = spelled if how == "field" else f"{priority} {spelled}"
    value = parse_value("MX", text, None if how == "written" else priority)
    assert value == Value(name, priority)
    assert_idempotent("MX", value)


@given(numbers, numbers, host_names)
def test_mx_conflicting_priorities_are_refused(written: int, given_: int, name: str) -> None:
    assume(written != given_)
    assert f"says priority {written}" in error("MX", f"{written} {name}", given_)


# --- SRV -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "priority", "expected"),
    [
        pytest.param(
            "10 5 5060 sip.example.com", None, Value("5 5060 sip.example.com", 10), id="written"
        ),
        pytest.param("5 5060 sip.example.com", 10, Value("5 5060 sip.example.com", 10), id="field"),
        pytest.param("0 0 0 .", None, Value("0 0 .", 0), id="no service"),
        pytest.param(
            "65535 65535 65535 t.example", None, Value("65535 65535 t.example", 65535), id="max"
        ),
        pytest.param(
            "1 2 443 _Sip._TCP.Example.COM.",
            None,
            Value("2 443 _sip._tcp.example.com", 1),
            id="spell",
        ),
        pytest.param("01 02 0443 t.example", None, Value("2 443 t.example", 1), id="zeros"),
    ],
)
def test_srv_valid(text: str, priority: int | None, expected: Value) -> None:
    value = parse_value("SRV", text, priority)
    assert value == expected
    assert_idempotent("SRV", value)


@pytest.mark.parametrize(
    ("text", "priority", "rule"),
    [
        pytest.param("5 5060 sip.example.com", None, "10 5 5060 sip.example.com", id="no prio"),
        pytest.param("10 5 sip.example.com", None, "10 5 5060 sip.example.com", id="three words"),
        pytest.param("1 2 3 4 t.example", None, "10 5 5060 sip.example.com", id="five words"),
        pytest.param("10 5 5060", 1, "target", id="no target"),
        pytest.param("65536 5 5060 t.example", None, "priority", id="priority too big"),
        pytest.param("10 65536 5060 t.example", None, "weight", id="weight too big"),
        pytest.param("10 5 65536 t.example", None, "port", id="port too big"),
        pytest.param("10 -5 5060 t.example", None, "weight", id="negative weight"),
        pytest.param("10 5 http t.example", None, "port", id="named port"),
        pytest.param("10 5 5060 localhost", None, "target", id="one-label target"),
        pytest.param("10 5 5060 ..", None, "target", id="two dots"),
        pytest.param("10 5 5060 a b", 1, "10 5 5060 sip.example.com", id="blank in target"),
    ],
)
def test_srv_invalid(text: str, priority: int | None, rule: str) -> None:
    assert rule in error("SRV", text, priority)


def test_srv_conflicting_priority_is_about_the_priority() -> None:
    with pytest.raises(ContentError) as caught:
        parse_value("SRV", "10 5 5060 t.example", 11)
    assert "says priority 10" in str(caught.value)
    assert caught.value.about_priority


@given(
    numbers,
    numbers,
    numbers,
    st.one_of(st.just((".", ".")), host_and_spelling()),
    st.booleans(),
)
def test_srv_round_trips(
    priority: int, weight: int, port: int, pair: tuple[str, str], written: bool
) -> None:
    target, spelled = pair
    text = f"{weight} {port} {spelled}"
    value = (
        parse_value("SRV", f"{priority} {text}") if written else parse_value("SRV", text, priority)
    )
    assert value == Value(f"{weight} {port} {target}", priority)
    assert_idempotent("SRV", value)


# --- TXT -----------------------------------------------------------------------------------------

LONGEST_PLAIN_ASCII = 989  # 4 strings: 989 characters + 4 * 2 quotes + 3 spaces = 1000


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        pytest.param("hello", '"hello"', id="plain"),
        pytest.param("v=spf1 -all", '"v=spf1 -all"', id="blanks inside"),
        pytest.param("a  b", '"a  b"', id="two blanks kept"),
        pytest.param("  padded  ", '"padded"', id="surrounding blanks dropped"),
        pytest.param("grüße ☃", '"grüße ☃"', id="unicode"),
        pytest.param('say "hi"', '"say \\"hi\\""', id="plain quote escaped"),
        pytest.param("back\\slash", '"back\\\\slash"', id="plain backslash escaped"),
        pytest.param('a\\"b', '"a\\\\\\"b"', id="plain backslash and quote"),
        pytest.param("'single'", "\"'single'\"", id="single quotes"),
        pytest.param('"hello"', '"hello"', id="quoted"),
        pytest.param('"a" "b"', '"a" "b"', id="two strings"),
        pytest.param('"a"    "b"', '"a" "b"', id="one blank between strings"),
        pytest.param('"say \\"hi\\""', '"say \\"hi\\""', id="quoted escaped quote"),
        pytest.param('"back\\\\slash"', '"back\\\\slash"', id="quoted escaped backslash"),
        pytest.param('""', '""', id="empty string"),
        pytest.param('"a b" "" "c"', '"a b" "" "c"', id="empty string inside"),
    ],
)
def test_txt_valid(text: str, canonical: str) -> None:
    value = parse_value("TXT", text)
    assert value == Value(canonical)
    assert_idempotent("TXT", value)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        pytest.param('"open', "quoted strings", id="unterminated"),
        pytest.param('"a" b', "quoted strings", id="plain after quoted"),
        pytest.param('"a" say "hi"', "quoted strings", id="plain between quoted"),
        pytest.param('"a\\nb"', "escapes", id="other escape"),
        pytest.param('"a\\065"', "escapes", id="decimal escape"),
        pytest.param('"a\\"', "quoted strings", id="escaped closing quote"),
        pytest.param('"a""b"', "spaces", id="strings not separated"),
        pytest.param('"a"\u00a0"b"', "U+00A0", id="separated by a no-break space"),
        pytest.param("x" * (LONGEST_PLAIN_ASCII + 1), "1000", id="1001 characters quoted"),
        pytest.param("x" + '"' * 499, "1000", id="quotes doubled by escaping"),
        pytest.param('"' + "x" * (LONGEST_PLAIN_ASCII + 1) + '"', "1000", id="quoted"),
        pytest.param(" ".join(['"x"'] * 251), "1000", id="many short strings"),
    ],
)
def test_txt_invalid(text: str, rule: str) -> None:
    assert rule in error("TXT", text)


@pytest.mark.parametrize(
    ("text", "chunks"),
    [
        pytest.param("a" * 511, ["a" * 255, "a" * 255, "a"], id="1 octet"),
        pytest.param("é" * 255, ["é" * 127, "é" * 127, "é"], id="2 octets"),
        pytest.param("€" * 171, ["€" * 85, "€" * 85, "€"], id="3 octets"),
        pytest.param("😀" * 127, ["😀" * 63, "😀" * 63, "😀"], id="4 octets"),
        pytest.param("x" + '"' * 300, ["x" + '"' * 254, '"' * 46], id="quotes"),
        pytest.param("\\" * 300, ["\\" * 255, "\\" * 45], id="backslashes"),
    ],
)
def test_txt_strings_hold_whole_characters_of_255_octets(text: str, chunks: list[str]) -> None:
    assert chunks_of(content("TXT", text)) == chunks


@pytest.mark.parametrize(
    ("length", "chunk_lengths"),
    [(255, [255]), (256, [255, 1]), (510, [255, 255]), (511, [255, 255, 1])],
)
def test_txt_chunk_boundaries(length: int, chunk_lengths: list[int]) -> None:
    chunks = chunks_of(content("TXT", "x" * length))
    assert [len(chunk) for chunk in chunks] == chunk_lengths


def test_txt_multibyte_character_at_the_boundary_moves_to_the_next_string() -> None:
    assert chunks_of(content("TXT", "a" * 254 + "é" + "b")) == ["a" * 254, "éb"]


def test_txt_escape_counts_as_one_octet_and_is_never_cut() -> None:
    assert content("TXT", "a" * 254 + '"b') == '"' + "a" * 254 + '\\"" "b"'
    assert content("TXT", "a" * 255 + '"') == '"' + "a" * 255 + '" "\\""'
    written = "a" * 255 + '\\"' + "b"
    assert content("TXT", f'"{written}"') == '"' + "a" * 255 + '" "\\"b"'


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("x" * LONGEST_PLAIN_ASCII, id="plain ASCII"),
        pytest.param('"' + "x" * LONGEST_PLAIN_ASCII + '"', id="quoted"),
        pytest.param(" ".join(['"x"'] * 249 + ['"xx"']), id="250 short strings"),
    ],
)
def test_txt_of_1000_characters_once_quoted_is_the_longest(text: str) -> None:
    assert len(content("TXT", text)) == MAX_TXT_CHARACTERS


@settings(max_examples=300, deadline=None)
@given(plain_texts)
def test_txt_plain_text_becomes_strings_that_join_back(text: str) -> None:
    expected = reference_txt([text.strip()])
    if len(expected) > MAX_TXT_CHARACTERS:
        assert str(MAX_TXT_CHARACTERS) in error("TXT", text)
        return
    value = parse_value("TXT", text)
    assert value == Value(expected)
    chunks = chunks_of(value.content)
    assert all(octets(chunk) <= MAX_TXT_STRING_OCTETS for chunk in chunks)
    assert "".join(chunks) == text.strip()
    # Greedy: a string is only cut where the next character would not fit.
    for chunk, following in itertools.pairwise(chunks):
        assert octets(chunk) + octets(following[0]) > MAX_TXT_STRING_OCTETS
    assert_idempotent("TXT", value)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(plain_chars, max_size=300), min_size=1, max_size=6))
def test_txt_quoted_strings_keep_their_text(strings: list[str]) -> None:
    text = " ".join(f'"{escape(string)}"' for string in strings)
    expected = reference_txt(strings)
    if len(expected) > MAX_TXT_CHARACTERS:
        assert str(MAX_TXT_CHARACTERS) in error("TXT", text)
        return
    value = parse_value("TXT", text)
    assert value == Value(expected)
    chunks = chunks_of(value.content)
    assert all(octets(chunk) <= MAX_TXT_STRING_OCTETS for chunk in chunks)
    assert "".join(chunks) == "".join(strings)
    assert_idempotent("TXT", value)


# --- CAA -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        pytest.param('0 issue "letsencrypt.org"', '0 issue "letsencrypt.org"', id="canonical"),
        pytest.param("0 issue letsencrypt.org", '0 issue "letsencrypt.org"', id="unquoted"),
        pytest.param('0 ISSUE "Letsencrypt.ORG."', '0 issue "letsencrypt.org"', id="spelling"),
        pytest.param('128 issuewild "ca.example"', '128 issuewild "ca.example"', id="critical"),
        pytest.param('255 IssueWild "ca.example"', '255 issuewild "ca.example"', id="max flags"),
        pytest.param('00 issue "ca.example"', '0 issue "ca.example"', id="zero flags"),
        pytest.param('0 issue ";"', '0 issue ";"', id="no CA"),
        pytest.param("0 issue ;", '0 issue ";"', id="no CA unquoted"),
        pytest.param('0 issue ""', '0 issue ";"', id="empty is no CA"),
        pytest.param('0 issue "ca.example;"', '0 issue "ca.example"', id="empty parameters"),
        pytest.param(
            '0 issue "ca.example;validationmethods=dns-01 ;  accounturi=https://ca/1"',
            '0 issue "ca.example; validationmethods=dns-01; accounturi=https://ca/1"',
            id="parameters",
        ),
        pytest.param("0 issue ca.example;a=b", '0 issue "ca.example; a=b"', id="parameter bare"),
        pytest.param('0 issue "; a=b"', '0 issue "; a=b"', id="parameter without CA"),
        pytest.param('0 issue "bücher.example"', '0 issue "xn--bcher-kva.example"', id="IDNA"),
        pytest.param(
            '0 iodef "mailto:security@example.com"',
            '0 iodef "mailto:security@example.com"',
            id="iodef mailto",
        ),
        pytest.param(
            "0 IODEF https://iodef.example.com/report",
            '0 iodef "https://iodef.example.com/report"',
            id="iodef https",
        ),
        pytest.param('0 iodef "http://x.example"', '0 iodef "http://x.example"', id="iodef http"),
    ],
)
def test_caa_valid(text: str, canonical: str) -> None:
    value = parse_value("CAA", text)
    assert value == Value(canonical)
    assert_idempotent("CAA", value)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        pytest.param("0 issue", "flags, tag, value", id="two words"),
        pytest.param("letsencrypt.org", "flags, tag, value", id="one word"),
        pytest.param('256 issue "ca.example"', "255", id="flags too big"),
        pytest.param('-1 issue "ca.example"', "flags", id="negative flags"),
        pytest.param('x issue "ca.example"', "flags", id="word flags"),
        pytest.param('0 issuer "ca.example"', "issue, issuewild, iodef", id="unknown tag"),
        pytest.param('0 tbs "x"', "issue, issuewild, iodef", id="reserved tag"),
        pytest.param('0 issue "ca.example', "quote its value once", id="unterminated"),
        pytest.param('0 issue "', "quote its value once", id="lone quote"),
        pytest.param('0 issue "a"b"', "quote its value once", id="inner quote"),
        pytest.param('0 issue "a" "b"', "quote its value once", id="two strings"),
        pytest.param("0 issue ca.example; a=b", "must quote", id="blank unquoted"),
        pytest.param('0 issue ca"example', "must quote", id="quote unquoted"),
        pytest.param('0 issue "letsencrypt"', "certificate authority", id="one-label CA"),
        pytest.param('0 issue "-ca.example"', "certificate authority", id="bad CA"),
        pytest.param('0 issue "ca.example; a"', "key=value", id="parameter without ="),
        pytest.param('0 issue "ca.example; =b"', "key=value", id="parameter without key"),
        pytest.param('0 issue "ca.example; a-b=c"', "key=value", id="parameter key hyphen"),
        pytest.param('0 issue "ca.example; a=b;"', "key=value", id="trailing semicolon"),
        pytest.param('0 iodef "security@example.com"', "mailto:", id="iodef bare mail"),
        pytest.param('0 iodef "mailto:security"', "mailto:", id="iodef mailto without @"),
        pytest.param('0 iodef "ftp://x.example"', "http(s)", id="iodef ftp"),
        pytest.param('0 iodef "https://"', "http(s)", id="iodef empty URL"),
        pytest.param('0 iodef "https://a b"', "http(s)", id="iodef blank"),
        pytest.param('0 iodef "MAILTO:a@b.example"', "mailto:", id="iodef upper-case scheme"),
    ],
)
def test_caa_invalid(text: str, rule: str) -> None:
    assert rule in error("CAA", text)


parameter_keys = st.from_regex(r"[A-Za-z0-9]{1,10}", fullmatch=True)
parameter_values = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, blacklist_characters='";\\'),
    max_size=10,
)


@st.composite
def caa_values(draw: st.DrawFn) -> tuple[str, str]:
    """``(written, canonical)`` value of a CAA record (without flags and tag)."""
    tag = draw(st.sampled_from(["issue", "issuewild", "iodef"]))
    if tag == "iodef":
        url = draw(
            st.one_of(
                st.builds("mailto:{}@{}".format, short_labels, host_names),
                st.builds(
                    "{}://{}/{}".format,
                    st.sampled_from(["http", "https"]),
                    host_names,
                    short_labels,
                ),
            )
        )
        return f'{tag} "{url}"', f'{tag} "{url}"'
    domain, spelled = draw(st.one_of(st.just(("", "")), host_and_spelling()))
    parameters = draw(st.lists(st.tuples(parameter_keys, parameter_values), max_size=3))
    written = ";".join([spelled, *(f"{key}={value}" for key, value in parameters)])
    if parameters:
        canonical = "; ".join([domain, *(f"{key}={value}" for key, value in parameters)])
    else:
        canonical = domain or ";"
    written_tag = "".join(draw(st.sampled_from([c, c.upper()])) for c in tag)
    return f'{written_tag} "{written}"', f'{tag} "{canonical}"'


@settings(deadline=None)
@given(st.integers(0, 255), caa_values())
def test_caa_round_trips(flags: int, value: tuple[str, str]) -> None:
    written, canonical = value
    parsed = parse_value("CAA", f"{flags} {written}")
    assert parsed == Value(f"{flags} {canonical}")
    assert_idempotent("CAA", parsed)


@given(st.integers(256, 10**6))
def test_caa_flags_above_255_are_refused(flags: int) -> None:
    assert "255" in error("CAA", f'{flags} issue "ca.example"')


# --- robustness: ContentError and nothing else ---------------------------------------------------

TOKENS = [
    "0", "10", "255", "256", "65535", "65536", "-1", "issue", "IODEF", "issuewild", "mailto:",
    "https://", "@", "a.example", "Bücher.example", ".", "..", '"', '\\"', "\\\\", "\\", ";",
    "=", "a=b", " ", "  ", "\u3002", "é", "😀", "::", "1.2.3.4", "%", "*", "xn--", "_x",
]  # fmt: skip
token_soup = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=12).map("".join)


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(SUPPORTED_TYPES),
    st.one_of(st.text(), token_soup),
    st.one_of(st.none(), st.integers(), st.integers(-2, 70000)),
)
def test_any_input_is_a_value_or_a_content_error(
    record_type: str, text: str, priority: int | None
) -> None:
    try:
        value = parse_value(record_type, text, priority)
    except ContentError as exc:
        problem = str(exc)
    else:
        problem = None
    if problem is not None:
        assert problem, "a ContentError says which rule was broken"
        return
    assert value.content
    assert value.content == value.content.strip()
    assert (value.priority is not None) is (record_type in ("MX", "SRV"))
    assert_idempotent(record_type, value)


# --- edge cases that once crashed or slipped through ---------------------------------------------


@pytest.mark.parametrize(
    ("record_type", "text"),
    [
        pytest.param("MX", "9" * 4301 + " mail.example.com", id="MX priority"),
        pytest.param("SRV", "1 " + "9" * 4301 + " 5060 t.example", id="SRV weight"),
        pytest.param("CAA", "9" * 4301 + ' issue "ca.example"', id="CAA flags"),
    ],
)
def test_huge_numbers_are_a_content_error(record_type: str, text: str) -> None:
    assert "0 to" in error(record_type, text)


@pytest.mark.parametrize("text", ["\ud800", '"\udcff"', "ok\udcffok"])
def test_txt_lone_surrogate_is_a_content_error(text: str) -> None:
    error("TXT", text)


@pytest.mark.parametrize(
    "control", [pytest.param("\x85", id="NEL"), pytest.param("\x9b", id="CSI")]
)
def test_txt_c1_control_characters_are_refused(control: str) -> None:
    assert "control characters" in error("TXT", f"a{control}b")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('0 iodef "https://x.example/\\"', id="iodef"),
        pytest.param('0 issue "ca.example; a=b\\"', id="issue parameter"),
    ],
)
def test_caa_canonical_value_is_a_well_formed_quoted_string(text: str) -> None:
    try:
        value = parse_value("CAA", text)
    except ContentError:
        return
    quoted = value.content.split(None, 2)[2]
    assert re.fullmatch(r'"(?:[^"\\]|\\["\\])*"', quoted), quoted
