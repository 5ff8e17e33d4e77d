"""Who is asking and what they may do. Pure code: the one place authorization is decided.

A ``Principal`` is what authentication produces. ``authorize`` answers whether it may perform an
action on a record; the global rules (configured zones, deny list) are enforced by record
validation before this is asked. The tokens of the original service carry full record access.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dns_api.errors import PermissionDenied


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class TokenKind(StrEnum):
    LEGACY = "legacy"  # the original service's HS512 JWS, full record access


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: a user, through one token."""

    user: str
    token_kind: TokenKind
    token_id: str | None = None

    @property
    def full_access(self) -> bool:
        return self.token_kind is TokenKind.LEGACY


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str


def decide(principal: Principal, action: Action, zone: str, name: str, type: str) -> Decision:
    """Whether ``principal`` may perform ``action`` on the record ``type`` ``name`` in ``zone``."""
    if principal.full_access:
        return Decision(True, "legacy token: full record access")
    return Decision(False, f"no grant covers {action} of {type} {name or '@'} in {zone}")


def authorize(principal: Principal, action: Action, zone: str, name: str, type: str) -> None:
    """Raise ``PermissionDenied`` unless ``decide`` allows the action."""
    decision = decide(principal, action, zone, name, type)
    if not decision.allowed:
        raise PermissionDenied(decision.reason)
