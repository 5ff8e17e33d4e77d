"""Name patterns of grants: parsing, matching a name, and covering another pattern. Pure code.

Patterns are globs on the name relative to the zone, compared after ``names.normalize``:

- ``@`` is the apex;
- ``*`` inside a label matches any characters within that one label (``pr-*``, ``*.review``);
- a ``**`` label matches one or more whole labels (``_acme-challenge.**``);
- the pattern ``**`` on its own matches every name, the apex included.

A wildcard record (``*.review``) is matched only by a pattern that names it: one whose leftmost
label is exactly ``*`` (``*.review``), or ``**`` on its own. ``pr-*.review`` and
``**.review`` do not let a token create a wildcard that answers for every name beneath.

Matching never backtracks: a label glob is matched by finding its fixed pieces left to right
(the leftmost place of each piece leaves the most room for the rest), and runs of labels between
``**`` labels the same way, so the work grows linearly with the name for a given pattern. A
pattern holds at most ``MAX_WILDCARDS`` wildcards (``*`` characters, a ``**`` label counting as
one) and at most ``MAX_EVERY_NAME_LABELS`` ``**`` labels.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from dns_api.domain import names
from dns_api.domain.names import APEX

ANY = "*"
EVERY_NAME = "**"
MAX_EVERY_NAME_LABELS = 2
MAX_WILDCARDS = 4
_PATTERN_LABEL = re.compile(r"[a-z0-9_*-]{1,63}")


class InvalidPattern(ValueError):
    """A name pattern that cannot be used."""


def wildcard_count(pattern: str) -> int:
    """The wildcards of a normalised pattern: each ``*``, a ``**`` label counting as one."""
    return sum(1 if label == EVERY_NAME else label.count(ANY) for label in pattern.split("."))


def normalize_pattern(pattern: str) -> str:
    """Normalise a name pattern like a name (case, trailing dot, IDNA); keeps ``@`` and ``*``."""
    value = pattern.strip()
    if value in (APEX, EVERY_NAME):
        return value
    if not value or value.startswith(".") or ".." in value:
        raise InvalidPattern(f"{pattern!r} is not a name pattern")
    if len(value) > names.MAX_NAME_LENGTH:
        raise InvalidPattern(f"a name pattern is at most {names.MAX_NAME_LENGTH} characters")
    try:
        normalized = names.normalize(value)
    except names.InvalidName as exc:
        raise InvalidPattern(str(exc)) from exc
    labels = normalized.split(".")
    if labels.count(EVERY_NAME) > MAX_EVERY_NAME_LABELS:
        raise InvalidPattern(f"{pattern!r}: at most {MAX_EVERY_NAME_LABELS} '**' labels")
    for label in labels:
        if "**" in label and label != EVERY_NAME:
            raise InvalidPattern(f"{pattern!r}: '**' must be a whole label")
        if not _PATTERN_LABEL.fullmatch(label):
            raise InvalidPattern(f"{pattern!r}: labels may hold letters, digits, '-', '_', '*'")
    if wildcard_count(normalized) > MAX_WILDCARDS:
        raise InvalidPattern(f"{pattern!r}: at most {MAX_WILDCARDS} wildcards ('*') per pattern")
    return normalized


@dataclass(frozen=True, slots=True)
class NamePattern:
    """One normalised name pattern (see the module docstring)."""

    text: str

    @classmethod
    def parse(cls, pattern: str) -> NamePattern:
        """A pattern from input; raises ``InvalidPattern``."""
        return cls(normalize_pattern(pattern))

    def matches(self, name: str) -> bool:
        """Whether the normalised relative ``name`` (``""`` for the apex) matches."""
        if self.text == EVERY_NAME:
            return True
        if self.text == APEX:
            return name == ""
        if name == "" or (names.is_wildcard(name) and not self.names_wildcards):
            return False
        return labels_match(self.text.split("."), name.split("."))

    @property
    def names_wildcards(self) -> bool:
        return self.text == ANY or self.text.startswith(ANY + ".")

    def covers(self, other: NamePattern) -> bool:
        """Whether every name ``other`` matches is matched by this pattern (sound, not complete)."""
        if self.text == EVERY_NAME or self.text == other.text:
            return True
        if APEX in (self.text, other.text) or other.text == EVERY_NAME:
            return False
        if other.names_wildcards and not self.names_wildcards:
            return False
        return _labels_cover(self.text.split("."), other.text.split("."))


def label_matches(pattern: str, label: str) -> bool:
    """A glob on one label where ``*`` is the only wildcard; linear, no backtracking."""
    if ANY not in pattern:
        return pattern == label
    head, *middle, tail = pattern.split(ANY)
    end = len(label) - len(tail)
    if end < len(head) or not label.startswith(head) or not label.endswith(tail):
        return False
    position = len(head)
    for piece in middle:
        found = label.find(piece, position, end)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def _run_matches(pattern: Sequence[str], labels: Sequence[str], start: int) -> bool:
    return all(label_matches(p, labels[start + i]) for i, p in enumerate(pattern))


def labels_match(pattern: Sequence[str], labels: Sequence[str]) -> bool:
    """Whether the labels of a pattern match the labels of a name; ``**`` takes one or more."""
    runs: list[list[str]] = [[]]
    for label in pattern:
        if label == EVERY_NAME:
            runs.append([])
        else:
            runs[-1].append(label)
    if len(runs) == 1:
        return len(pattern) == len(labels) and _run_matches(pattern, labels, 0)
    head, *middle, tail = runs
    end = len(labels) - len(tail)  # where the last run must start
    if end < len(head) + len(runs) - 1 or not _run_matches(head, labels, 0):
        return False
    if not _run_matches(tail, labels, end):
        return False
    position = len(head)
    for run in middle:
        # Each "**" before this run takes at least one label; the leftmost fit of the run
        # leaves the most labels to the runs after it.
        start = position + 1
        while start + len(run) <= end - 1 and not _run_matches(run, labels, start):
            start += 1
        if start + len(run) > end - 1:
            return False
        position = start + len(run)
    return position < end  # the last "**" takes at least one label


def _labels_cover(outer: list[str], inner: list[str]) -> bool:
    """Whether labels ``outer`` cover labels ``inner``: O(len(outer) * len(inner)) states, each
    settled once (a ``**`` state looks at every later position of ``inner``)."""
    known: dict[tuple[int, int], bool] = {}

    def covers(i: int, j: int) -> bool:
        if (i, j) in known:
            return known[(i, j)]
        if i == len(outer):
            result = j == len(inner)
        elif outer[i] == EVERY_NAME:
            result = any(covers(i + 1, k) for k in range(j + 1, len(inner) + 1))
        elif j == len(inner) or inner[j] == EVERY_NAME:
            result = False
        else:
            result = _label_covers(outer[i], inner[j]) and covers(i + 1, j + 1)
        known[(i, j)] = result
        return result

    return covers(0, 0)


def _label_covers(outer: str, inner: str) -> bool:
    if outer in (inner, ANY):
        return True
    if ANY not in inner:
        return label_matches(outer, inner)
    if outer.count(ANY) != 1:
        return False
    prefix, suffix = outer.split(ANY)
    fixed_head, fixed_tail = inner.split(ANY)[0], inner.rsplit(ANY, 1)[-1]
    return fixed_head.startswith(prefix) and fixed_tail.endswith(suffix)
