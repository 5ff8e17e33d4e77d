"""Minting a token from a token: the new one may hold no more than its parent. Pure code."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

from dns_api.domain.patterns import ANY
from dns_api.domain.policy import Grant, Principal


@dataclass(frozen=True, slots=True)
class TokenRequest:
    """What a new token is to hold."""

    grants: tuple[Grant, ...]
    expires_at: datetime | None
    networks: tuple[str, ...]
    can_mint: bool


def _set_within(inner: frozenset[str], outer: frozenset[str]) -> bool:
    return ANY in outer or (ANY not in inner and inner <= outer)


def _grant_excess(child: Grant, parent: Grant) -> list[str]:
    excess = []
    if not _set_within(child.zones, parent.zones):
        excess.append("zones " + ", ".join(sorted(child.zones - parent.zones)))
    if not all(any(p.covers(c) for p in parent.names) for c in child.names):
        uncovered = [c.text for c in child.names if not any(p.covers(c) for p in parent.names)]
        excess.append("names " + ", ".join(uncovered))
    if not _set_within(child.types, parent.types):
        excess.append("types " + ", ".join(sorted(child.types - parent.types)))
    if not child.actions <= parent.actions:
        excess.append(
            "actions " + ", ".join(sorted(str(a) for a in child.actions - parent.actions))
        )
    return excess


def grant_excess(child: Grant, parents: tuple[Grant, ...]) -> list[str]:
    """What ``child`` holds beyond the closest parent grant; empty when one parent covers it."""
    best: list[str] | None = None
    for parent in parents:
        excess = _grant_excess(child, parent)
        if not excess:
            return []
        if best is None or len(excess) < len(best):
            best = excess
    return best if best is not None else ["the token holds no grants"]


def _networks_within(inner: tuple[str, ...], outer: tuple[str, ...]) -> bool:
    if not outer:
        return True
    if not inner:
        return False
    parents = [ipaddress.ip_network(n) for n in outer]
    return all(
        any(
            net.version == parent.version and net.subnet_of(parent)  # type: ignore[arg-type]
            for parent in parents
        )
        for net in (ipaddress.ip_network(n) for n in inner)
    )


def excess(request: TokenRequest, parent: Principal) -> list[str]:
    """Every way ``request`` exceeds what ``parent`` holds; empty when it is a subset."""
    problems = []
    for index, grant in enumerate(request.grants):
        problems += [
            f"grants[{index}]: {item} beyond this token's grants"
            for item in grant_excess(grant, parent.grants)
        ]
    if parent.expires_at is not None and (
        request.expires_at is None or request.expires_at > parent.expires_at
    ):
        limit = f"{parent.expires_at:%Y-%m-%dT%H:%M:%SZ}"
        problems.append(f"expires: must be no later than this token's expiry {limit}")
    if not _networks_within(request.networks, parent.networks):
        problems.append(
            "cidrs: must lie within this token's networks " + ", ".join(parent.networks)
        )
    if request.can_mint and not parent.can_mint:
        problems.append("can_mint: this token may not mint tokens that mint")
    return problems
