"""JSON shapes shared by the HTTP API and the CLI (never a secret)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dns_api.domain.policy import Principal
from dns_api.services.clock import utc_now
from dns_api.services.tokens import TokenInfo


def timestamp(moment: datetime) -> str:
    """ISO-8601 in UTC with a trailing Z, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _when(moment: datetime | None) -> str | None:
    return timestamp(moment) if moment else None


def token_json(info: TokenInfo, now: datetime | None = None) -> dict[str, Any]:
    """A token as shown to people and scripts: never its secret."""
    now = now or utc_now()
    status = "active"
    if info.revoked_at is not None:
        status = "revoked"
    elif info.expires_at is not None and info.expires_at <= now:
        status = "expired"
    return {
        "id": info.id,
        "type": "token",
        "name": info.name,
        "owner": info.owner,
        "status": status,
        "grants": [g.to_json() for g in info.grants],
        "cidrs": list(info.networks),
        "can_mint": info.can_mint,
        "created": timestamp(info.created_at),
        "created_by": info.created_by,
        "expires": _when(info.expires_at),
        "revoked": _when(info.revoked_at),
        "last_used": _when(info.last_used_at),
    }


def principal_json(principal: Principal) -> dict[str, Any]:
    return {
        "id": principal.token_id,
        "kind": str(principal.token_kind),
        "name": principal.token_name,
        "grants": [g.to_json() for g in principal.grants],
        "cidrs": list(principal.networks),
        "can_mint": principal.can_mint,
        "expires": _when(principal.expires_at),
    }
