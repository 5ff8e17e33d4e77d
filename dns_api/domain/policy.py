"""Who is asking and what they may do: the one place authorization is decided. Pure code.

A ``Principal`` (what authentication produces) holds ``Grant``s. A grant names zones, name
patterns (``domain.patterns``), record types and actions; a request is allowed when some grant
covers it. The global rules (configured zones, the deny list) are enforced by record validation
on top of this.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from dns_api.domain import names
from dns_api.domain.patterns import ANY, EVERY_NAME, NamePattern
from dns_api.errors import PermissionDenied


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    # Open acme-dns registrations under ACME_DNS_ZONE (for ACME_DNS_REGISTRATION=token).
    REGISTER = "register"


ALL_ACTIONS = frozenset(Action)


class TokenKind(StrEnum):
    LEGACY = "legacy"  # the original service's HS512 JWS: full record access
    SCOPED = "scoped"  # a dns-api token row with grants
    ACME_DNS = "acme-dns"  # an acme-dns registration: one name's TXT values


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

    @classmethod
    def stored(cls, raw: Mapping[str, Sequence[str]]) -> Grant:
        """A grant as ``to_json`` stored it. Its patterns were checked when it was minted, so
        they are taken as they are: a pattern minted before a newer limit keeps working (and
        matching stays linear whatever it holds)."""
        return cls(
            zones=frozenset(raw["zones"]),
            names=tuple(NamePattern(text) for text in raw["names"]),
            types=frozenset(raw["types"]),
            actions=frozenset(Action(a) for a in raw["actions"]),
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
