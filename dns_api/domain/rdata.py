"""Record values, one parser per type: what people write in, what DNSimple stores. Pure code.

``parse_value(type, text, priority)`` turns a value as a person writes it (zone-file style:
``10 mail.example.com`` for MX) into a ``Value``: the ``content`` DNSimple stores plus the
``priority`` it keeps apart for MX and SRV. ``Value.text(type)`` gives it back in the written
form. Values are canonical, so two spellings of one value compare equal: addresses normalised,
host names lower case without the trailing dot, TXT as quoted strings of at most 255 octets.
Every parser raises ``ContentError`` with a message that says the rule that was broken.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from dns_api.domain import names

MAX_PRIORITY = 65535
MAX_TXT_STRING_OCTETS = 255
MAX_TXT_CHARACTERS = 1000  # DNSimple's limit on the quoted form
CAA_TAGS = ("issue", "issuewild", "iodef")
TYPES_WITH_PRIORITY = frozenset({"MX", "SRV"})


class ContentError(ValueError):
    """A value that breaks the rules of its type; the message says which rule.

    ``about_priority`` marks a problem with the separately given priority, not the text.
    """

    def __init__(self, message: str, *, about_priority: bool = False) -> None:
        super().__init__(message)
        self.about_priority = about_priority


@dataclass(frozen=True, slots=True, order=True)
class Value:
    """One record value as DNSimple holds it: ``content``, and ``priority`` for MX and SRV."""

    content: str
    priority: int | None = None

    def text(self, record_type: str) -> str:
        """The value as people write it (``10 mail.example.com`` for an MX record)."""
        if record_type in TYPES_WITH_PRIORITY and self.priority is not None:
            return f"{self.priority} {self.content}"
        return self.content


def parse_value(record_type: str, text: str, priority: int | None = None) -> Value:
    """The canonical ``Value`` of ``text`` for ``record_type``; raises ``ContentError``.

    For MX and SRV the priority is either the first word of ``text`` or ``priority``; for the
    other types ``priority`` must be ``None``.
    """
    if not text.strip():
        raise ContentError("must not be empty")
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in text):
        raise ContentError("must not contain control characters (such as a newline)")
    hidden = next((char for char in text if _is_hidden(char)), None)
    if hidden is not None:
        raise ContentError(
            f"must not contain invisible, direction or separator characters "
            f"(U+{ord(hidden):04X} {unicodedata.name(hidden, 'unnamed')}); a space is U+0020"
        )
    if record_type in TYPES_WITH_PRIORITY:
        return _with_priority(record_type, text, priority)
    if priority is not None:
        raise ContentError(f"takes no priority for a {record_type} record", about_priority=True)
    parser = _PARSERS.get(record_type)
    if parser is None:
        raise ContentError(f"cannot be checked: {record_type} is not a supported type")
    return Value(parser(text.strip()))


def _is_hidden(char: str) -> bool:
    """Format characters (zero-width, direction overrides, the byte order mark) and separators
    other than the plain space: they make a value read differently from what it holds."""
    category = unicodedata.category(char)
    return category in ("Cf", "Zl", "Zp") or (category == "Zs" and char != " ")


def _with_priority(record_type: str, text: str, priority: int | None) -> Value:
    words = text.split()
    expected = 2 if record_type == "MX" else 4
    if len(words) == expected:
        written = _number(words[0], "the priority", MAX_PRIORITY)
        if priority is not None and priority != written:
            raise ContentError(
                f"says priority {written} but the priority field says {priority}",
                about_priority=True,
            )
        priority, words = written, words[1:]
    elif len(words) != expected - 1 or priority is None:
        example = "10 mail.example.com" if record_type == "MX" else "10 5 5060 sip.example.com"
        raise ContentError(
            f"must be written like {example!r} for a {record_type} record "
            "(or without the priority, given in the priority field)"
        )
    if not 0 <= priority <= MAX_PRIORITY:
        raise ContentError(f"must be from 0 to {MAX_PRIORITY}", about_priority=True)
    if record_type == "MX":
        return Value(_hostname(words[0], "the mail server"), priority)
    weight = _number(words[0], "the weight", MAX_PRIORITY)
    port = _number(words[1], "the port", 65535)
    target = "." if words[2] == "." else _hostname(words[2], "the target")
    return Value(f"{weight} {port} {target}", priority)


def _number(word: str, what: str, maximum: int) -> int:
    if not (word.isascii() and word.isdigit()) or len(word) > 10 or int(word) > maximum:
        raise ContentError(f"has {what} {word!r}: it must be a whole number from 0 to {maximum}")
    return int(word)


def _ipv4(text: str) -> str:
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        raise ContentError("must be an IPv4 address such as 192.0.2.10 for an A record") from None


def _ipv6(text: str) -> str:
    if "%" in text:
        raise ContentError("must be an IPv6 address without a zone index (%) for an AAAA record")
    try:
        return ipaddress.IPv6Address(text).compressed
    except ValueError:
        raise ContentError(
            "must be an IPv6 address such as 2001:db8::10 for an AAAA record"
        ) from None


def _hostname(text: str, what: str = "the value") -> str:
    name = names.normalize_or_none(text) or ""
    if not names.is_hostname(name):
        raise ContentError(
            f"must have {what} be a host name such as app.example.org "
            "(letters, digits, hyphens; two labels or more; at most 253 characters)"
        )
    return name


def _target(record_type: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        name = names.normalize_or_none(text) or ""
        if names.is_hostname(name):
            return name
        raise ContentError(
            f"must be a host name such as app.example.org for a {record_type} record"
        )

    return parse


# -- TXT --------------------------------------------------------------------------------------

_QUOTED_STRING = re.compile(r'"((?:[^"\\]|\\["\\])*)"')


def _txt(text: str) -> str:
    """Quoted character-strings of at most 255 octets each, joined by a space.

    Plain text is quoted as DNSimple does: ``"`` and ``\\`` escaped, cut every 255 octets.
    Quoted input (``"a" "b"``) keeps its strings; a string over 255 octets is cut too.
    """
    strings = _quoted_strings(text) if text.startswith('"') else [_escaped(text)]
    chunks = [chunk for string in strings for chunk in _split_octets(string)]
    serialized = " ".join(f'"{chunk}"' for chunk in chunks)
    if len(serialized) > MAX_TXT_CHARACTERS:
        raise ContentError(
            f"is {len(serialized)} characters once quoted; DNSimple takes at most "
            f"{MAX_TXT_CHARACTERS}"
        )
    return serialized


def _quoted_strings(text: str) -> list[str]:
    strings, position = [], 0
    while position < len(text):
        match = _QUOTED_STRING.match(text, position)
        if match is None:
            raise ContentError(
                'must be plain text, or quoted strings ("...") separated by spaces '
                'with \\" and \\\\ as the only escapes'
            )
        strings.append(match.group(1))
        position = match.end()
        gap = len(text[position:]) - len(text[position:].lstrip(" "))
        if position + gap < len(text) and not gap:
            raise ContentError("must separate its quoted strings with spaces")
        position += gap
    return strings


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _split_octets(string: str) -> list[str]:
    """``string`` (escaped) cut into pieces of at most 255 octets once unescaped, never inside
    a character or an escape."""
    pieces, current, size = [], "", 0
    for token in re.findall(r"\\.|.", string):
        width = len(token[-1].encode())
        if size + width > MAX_TXT_STRING_OCTETS:
            pieces.append(current)
            current, size = "", 0
        current += token
        size += width
    return [*pieces, current]


# -- CAA --------------------------------------------------------------------------------------


def _caa(text: str) -> str:
    parts = text.split(None, 2)
    if len(parts) != 3:
        raise ContentError(
            "must be written like '0 issue \"letsencrypt.org\"' (flags, tag, value) "
            "for a CAA record"
        )
    flags = _number(parts[0], "the flags", 255)
    tag = parts[1].lower()
    if tag not in CAA_TAGS:
        raise ContentError(f"has the tag {parts[1]!r}: it must be one of {', '.join(CAA_TAGS)}")
    raw = parts[2]
    if raw.startswith('"'):
        if len(raw) < 2 or not raw.endswith('"') or '"' in raw[1:-1]:
            raise ContentError('must quote its value once, as in "letsencrypt.org"')
        raw = raw[1:-1]
    elif '"' in raw or " " in raw:
        raise ContentError('must quote a value holding spaces or quotes, as in "ca.example; a=b"')
    if "\\" in raw:
        raise ContentError("must not hold a backslash in its value")
    value = _caa_iodef(raw) if tag == "iodef" else _caa_issuer(raw)
    return f'{flags} {tag} "{value}"'


def _caa_issuer(value: str) -> str:
    domain, _, parameters = value.partition(";")
    domain = domain.strip()
    if domain:
        domain = _hostname(domain, "the certificate authority")
    if parameters.strip():
        for parameter in parameters.split(";"):
            key, equals, _ = parameter.strip().partition("=")
            if not equals or not re.fullmatch(r"[A-Za-z0-9]+", key):
                raise ContentError(f"has the parameter {parameter.strip()!r}: write key=value")
        return f"{domain}; {'; '.join(p.strip() for p in parameters.split(';'))}"
    return domain if domain else ";"


def _caa_iodef(value: str) -> str:
    if not re.fullmatch(r"(mailto:[^\s@]+@[^\s@]+|https?://\S+)", value):
        raise ContentError("must have an iodef value that is a mailto: or http(s):// URL")
    return value


_PARSERS: dict[str, Callable[[str], str]] = {
    "A": _ipv4,
    "AAAA": _ipv6,
    "CNAME": _target("CNAME"),
    "ALIAS": _target("ALIAS"),
    "TXT": _txt,
    "CAA": _caa,
}
SUPPORTED_TYPES = ("A", "AAAA", "ALIAS", "CAA", "CNAME", "MX", "SRV", "TXT")
