"""Who is asking and what they may do: the one place authorization is decided. Pure code.

A ``Principal`` (what authentication produces) holds ``Grant``s. A grant names zones, name
patterns, record types and actions; a request is allowed when some grant covers it. The global
rules (configured zones, the deny list) are enforced by record validation on top of this.

Name patterns are globs on the name relative to the zone, compared after ``names.normalize``:

- ``@`` is the apex;
- ``*`` inside a label matches any characters within that one label (``pr-*``, ``*.review``);
- a ``**`` label matches one or more whole labels (``_acme-challenge.**``);
- the pattern ``**`` on its own matches every name, the apex included.

A wildcard record (``*.review``) is matched only by a pattern that names it: one whose leftmost
label is exactly ``*`` (``*.review``), or ``**`` on its own. ``pr-*.review`` and
``**.review`` do not let a token create a wildcard that answers for every name beneath.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cache

from dns_api.domain import names
from dns_api.errors import PermissionDenied

ANY = "*"
APEX = "@"
EVERY_NAME = "**"
MAX_EVERY_NAME_LABELS = 2


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


ALL_ACTIONS = frozenset(Action)


class TokenKind(StrEnum):
    LEGACY = "legacy"  # the original service's HS512 JWS: full record access
    SCOPED = "scoped"  # a dns-api token row with grants


class InvalidPattern(ValueError):
    """A name pattern that cannot be used."""


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
        if not re.fullmatch(r"[a-z0-9_*-]{1,63}", label):
            raise InvalidPattern(f"{pattern!r}: labels may hold letters, digits, '-', '_', '*'")
    return normalized


def _label_regex(label: str) -> str:
    if label == EVERY_NAME:
        return r"[^.]+(?:\.[^.]+)*"
    return "".join("[^.]*" if part == "*" else re.escape(part) for part in re.split(r"(\*)", label))


@dataclass(frozen=True, slots=True)
class NamePattern:
    """One normalised name pattern (see the module docstring)."""

    text: str

    @classmethod
    def parse(cls, pattern: str) -> NamePattern:
        return cls(normalize_pattern(pattern))

    def matches(self, name: str) -> bool:
        """Whether the normalised relative ``name`` (``""`` for the apex) matches."""
        if self.text == EVERY_NAME:
            return True
        if self.text == APEX:
            return name == ""
        if names.is_wildcard(name) and not self._names_wildcards:
            return False
        return name != "" and self._regex.fullmatch(name) is not None

    @property
    def _names_wildcards(self) -> bool:
        return self.text == ANY or self.text.startswith(ANY + ".")

    @property
    def _regex(self) -> re.Pattern[str]:
        return _compiled(self.text)

    def covers(self, other: NamePattern) -> bool:
        """Whether every name ``other`` matches is matched by this pattern (sound, not complete)."""
        if self.text == EVERY_NAME or self.text == other.text:
            return True
        if APEX in (self.text, other.text) or other.text == EVERY_NAME:
            return False
        if other._names_wildcards and not self._names_wildcards:
            return False
        return _labels_cover(self.text.split("."), other.text.split("."))


_REGEX_CACHE: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    regex = _REGEX_CACHE.get(pattern)
    if regex is None:
        regex = re.compile(r"\.".join(_label_regex(label) for label in pattern.split(".")))
        _REGEX_CACHE[pattern] = regex
    return regex


def _labels_cover(outer: list[str], inner: list[str]) -> bool:
    """Whether labels ``outer`` cover labels ``inner``; memoised: O(len(outer) * len(inner)^2)."""

    @cache
    def covers(i: int, j: int) -> bool:
        if i == len(outer):
            return j == len(inner)
        if outer[i] == EVERY_NAME:
            return any(covers(i + 1, k) for k in range(j + 1, len(inner) + 1))
        if j == len(inner) or inner[j] == EVERY_NAME:
            return False
        return _label_covers(outer[i], inner[j]) and covers(i + 1, j + 1)

    return covers(0, 0)


def _label_covers(outer: str, inner: str) -> bool:
    if outer in (inner, ANY):
        return True
    if "*" not in inner:
        return _compiled(outer).fullmatch(inner) is not None
    if outer.count("*") != 1:
        return False
    prefix, suffix = outer.split("*")
    fixed_head, fixed_tail = inner.split("*")[0], inner.rsplit("*", 1)[-1]
    return fixed_head.startswith(prefix) and fixed_tail.endswith(suffix)


@dataclass(frozen=True, slots=True)
class Grant:
    """Permission for ``actions`` on records of ``types`` named by ``names`` in ``zones``.

    ``zones`` and ``types`` may be ``{"*"}``: every configured zone, every type.
    """

    zones: frozenset[str]
    names: tuple[NamePattern, ...]
    types: frozenset[str]
    actions: frozenset[Action]

    @classmethod
    def build(
        cls,
        *,
        zones: Iterable[str],
        names: Iterable[str],
        types: Iterable[str],
        actions: Iterable[str],
    ) -> Grant:
        """A grant from raw strings; raises ``InvalidPattern`` or ``ValueError``."""
        zone_set = frozenset(ANY if z.strip() == ANY else _zone_name(z) for z in zones)
        type_set = frozenset(t.strip().upper() for t in types)
        return cls(
            zones=frozenset({ANY}) if ANY in zone_set else zone_set,
            names=tuple(dict.fromkeys(NamePattern.parse(n) for n in names)),
            types=frozenset({ANY}) if ANY in type_set else type_set,
            actions=frozenset(Action(a.strip().lower()) for a in actions),
        )

    def covers(self, action: Action, zone: str, name: str, type: str) -> bool:
        return (
            action in self.actions
            and (ANY in self.zones or zone in self.zones)
            and (ANY in self.types or type in self.types)
            and any(pattern.matches(name) for pattern in self.names)
        )

    def to_json(self) -> dict[str, object]:
        return {
            "zones": sorted(self.zones),
            "names": [p.text for p in self.names],
            "types": sorted(self.types),
            "actions": sorted(str(a) for a in self.actions),
        }


def _zone_name(raw: str) -> str:
    try:
        zone = names.normalize(raw)
    except names.InvalidName as exc:
        raise ValueError(str(exc)) from exc
    if not zone:
        raise ValueError("a zone name is empty")
    return zone


FULL_ACCESS = Grant(
    zones=frozenset({ANY}),
    names=(NamePattern(EVERY_NAME),),
    types=frozenset({ANY}),
    actions=ALL_ACTIONS,
)


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: a user, through one token, holding grants."""

    user: str
    token_kind: TokenKind
    grants: tuple[Grant, ...] = ()
    token_id: int | None = None
    token_name: str | None = None
    expires_at: datetime | None = None
    can_mint: bool = False
    networks: tuple[str, ...] = field(default=())

    @classmethod
    def legacy(cls, user: str) -> Principal:
        """The original service's tokens: full record access, and may mint scoped tokens."""
        return cls(user=user, token_kind=TokenKind.LEGACY, grants=(FULL_ACCESS,), can_mint=True)


def is_admin(principal: Principal) -> bool:
    """Admins (the users of VALID_USERS with their own tokens) may adopt and reconcile."""
    return principal.token_kind is TokenKind.LEGACY and FULL_ACCESS in principal.grants


def reads_everything(principal: Principal) -> bool:
    """Whether some grant lets ``principal`` read every record (no filtering needed)."""
    return any(
        Action.READ in g.actions
        and ANY in g.zones
        and ANY in g.types
        and any(p.text == EVERY_NAME for p in g.names)
        for g in principal.grants
    )


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str


def decide(principal: Principal, action: Action, zone: str, name: str, type: str) -> Decision:
    """Whether ``principal`` may perform ``action`` on the record ``type`` ``name`` in ``zone``.

    ``zone``, ``name`` and ``type`` must already be normalised (``names.normalize``, upper case).
    """
    for grant in principal.grants:
        if grant.covers(action, zone, name, type):
            return Decision(True, "granted")
    label = f"{name}.{zone}" if name else zone
    return Decision(False, f"no grant of this token allows {action} of {type} records at {label}")


def authorize(principal: Principal, action: Action, zone: str, name: str, type: str) -> None:
    """Raise ``PermissionDenied`` (with the reason) unless ``decide`` allows the action."""
    decision = decide(principal, action, zone, name, type)
    if not decision.allowed:
        target = {"zone": zone, "name": name, "type": type, "action": str(action)}
        raise PermissionDenied(decision.reason, target=target)
