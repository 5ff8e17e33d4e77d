"""TXT (and SPF) content as DNSimple stores it since December 2023: RFC 1035 character-strings.

Content already in quoted form, one or more ``"..."`` strings separated by blanks (inside a
string a backslash escapes the next character, so ``\\"`` and ``\\\\`` do not end it), is
stored as given. Anything else is text: it is cut into chunks of at most 255 octets of UTF-8
(never inside a character), each chunk has its ``\\`` and ``"`` escaped with a backslash and
is wrapped in double quotes, and the chunks are joined by one space. So ``v=spf1 -all``
becomes ``"v=spf1 -all"`` and ``say "hi"`` becomes ``"say \\"hi\\""``.
"""

from __future__ import annotations

import re

QUOTED_TYPES = frozenset({"TXT", "SPF"})
MAX_STRING_OCTETS = 255

_STRING = r'"(?:[^"\\]|\\.)*"'
_QUOTED_FORM = re.compile(rf"{_STRING}(?:[ \t]+{_STRING})*", re.DOTALL)


def quote_text(content: str) -> str:
    """``content`` unchanged if it is in quoted form, else as quoted character-strings."""
    if is_quoted(content):
        return content
    return " ".join(f'"{_escape(chunk)}"' for chunk in split_octets(content))


def is_quoted(content: str) -> bool:
    """Whether ``content`` is one or more ``"..."`` strings separated by blanks."""
    return _QUOTED_FORM.fullmatch(content) is not None


def split_octets(text: str, limit: int = MAX_STRING_OCTETS) -> list[str]:
    """``text`` cut into pieces of at most ``limit`` octets of UTF-8, never inside a character."""
    chunks: list[str] = []
    start, size = 0, 0
    for index, char in enumerate(text):
        octets = len(char.encode())
        if size + octets > limit:
            chunks.append(text[start:index])
            start, size = index, 0
        size += octets
    chunks.append(text[start:])
    return chunks


def _escape(chunk: str) -> str:
    return chunk.replace("\\", "\\\\").replace('"', '\\"')
