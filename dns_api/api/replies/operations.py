"""Reply shapes of the audit trail, tokens, admin (reconcile, adopt) and health."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dns_api.api.replies.envelope import Meta
from dns_api.api.replies.records import CursorMeta, GrantView, PlanView

# --- audit ----------------------------------------------------------------------------------


class EventView(BaseModel):
    id: int
    at: str
    actor: str
    token_id: int | None
    source: str | None
    request_id: str | None
    action: str
    outcome: str
    zone: str | None
    name: str | None
    type: str | None
    record_id: int | None
    dnsimple_record_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: str | None


class EventListReply(BaseModel):
    data: list[EventView]
    meta: CursorMeta


class HistoryReply(BaseModel):
    data: list[EventView]
    meta: Meta


class RevertView(PlanView):
    event_id: int


class RevertReply(BaseModel):
    data: RevertView
    meta: Meta


# --- tokens ---------------------------------------------------------------------------------


class TokenView(BaseModel):
    id: int
    type: str
    name: str
    owner: str
    status: str
    grants: list[GrantView]
    cidrs: list[str]
    can_mint: bool
    created: str
    created_by: str
    expires: str | None
    revoked: str | None
    last_used: str | None


class MintedToken(TokenView):
    token: str = Field(description="The secret, shown this once")


class MintedTokenReply(BaseModel):
    data: MintedToken
    meta: Meta


class TokenReply(BaseModel):
    data: TokenView
    meta: Meta


class TokenListReply(BaseModel):
    data: list[TokenView]
    meta: Meta


# --- admin ----------------------------------------------------------------------------------


class ZoneReport(BaseModel):
    """One zone of a reconcile report (items as ``services.reconcile_plan`` lists them)."""

    model_config = ConfigDict(extra="allow")

    zone: str
    in_sync: bool
    owned: int
    needs_force: bool
    counts: dict[str, int]
    missing: list[dict[str, Any]]
    drift: list[dict[str, Any]]
    pending: list[dict[str, Any]]
    unknown: list[dict[str, Any]]
    applied: dict[str, Any] | None


class ReconcileReport(BaseModel):
    in_sync: bool
    applied: bool
    zones: list[ZoneReport]


class ReconcileReply(BaseModel):
    data: ReconcileReport
    meta: Meta


class Adoption(BaseModel):
    adopted: list[dict[str, Any]]
    already_owned: list[dict[str, Any]]


class AdoptReply(BaseModel):
    data: Adoption
    meta: Meta


# --- health ---------------------------------------------------------------------------------


class RootReply(BaseModel):
    meta: Meta


class LiveView(BaseModel):
    status: str


class LiveReply(BaseModel):
    data: LiveView
    meta: Meta


class CheckView(BaseModel):
    ok: bool
    reason: str | None = None


class ReadyView(BaseModel):
    status: str
    checks: dict[str, CheckView]


class ReadyReply(BaseModel):
    data: ReadyView
    meta: Meta
