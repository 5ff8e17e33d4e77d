"""What every reply looks like, for the OpenAPI description: the success shapes and the errors.

Routes shape their JSON with plain dicts (``api.envelope``, ``api.*_json``); these models only
describe it, and the schema fuzzing suite (``tests/security/test_fuzz.py``) checks every reply
against them, so a shape and its description cannot drift apart. ``errors(...)`` documents the
error statuses of a route, each in the one error envelope.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dns_api.api.schemas import RecordOut

# --- the envelope ---------------------------------------------------------------------------


class Meta(BaseModel):
    status: int


class ErrorSource(BaseModel):
    """Where the input to blame was: a JSON pointer into the body, a parameter or a header."""

    pointer: str | None = None
    parameter: str | None = None
    header: str | None = None


class ErrorItem(BaseModel):
    title: str
    detail: str
    code: str = Field(description="Stable: clients and tests rely on it, not on the detail")
    source: ErrorSource | None = None


class ErrorReply(BaseModel):
    errors: list[ErrorItem] = Field(min_length=1)
    meta: Meta


ERROR_DESCRIPTIONS = {
    401: "No token, or an unknown, invalid, expired, revoked or wrong-source one",
    403: "The token may not do this (the reason says which grant or rule is missing)",
    404: "No such thing, or one this token may not read",
    409: "The change clashes with what exists (the detail says how)",
    412: "If-Match / If-None-Match no longer holds",
    422: "Invalid input: every broken rule, each naming its field",
    429: "Too many failed authentications from this address, or too many Idempotency-Keys",
    502: "DNSimple failed, refused dns-api's credentials, or lacks a configured zone",
    503: "The database or DNSimple is unavailable, or DNSimple's hourly budget is spent",
    504: "DNSimple did not answer in time",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route for these error statuses."""
    return {
        status: {"model": ErrorReply, "description": ERROR_DESCRIPTIONS[status]}
        for status in statuses
    }


def ok(model: type[BaseModel], status: int = 200, **more: Any) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": model, **more}}


READING = errors(401, 429, 503)
READING_ONE = errors(401, 404, 422, 429, 503)
WRITING = errors(401, 403, 404, 409, 412, 422, 429, 502, 503, 504)


# --- identity and zones ---------------------------------------------------------------------


class GrantView(BaseModel):
    zones: list[str]
    names: list[str]
    types: list[str]
    actions: list[str]


class CallerToken(BaseModel):
    id: int | None
    kind: str
    name: str | None
    grants: list[GrantView]
    cidrs: list[str]
    can_mint: bool
    expires: str | None


class Caller(BaseModel):
    id: str
    type: str
    token: CallerToken


class WhoamiReply(BaseModel):
    data: Caller
    meta: Meta


class DomainItem(BaseModel):
    id: str
    type: str


class DomainsReply(BaseModel):
    data: list[DomainItem]
    meta: Meta


class ZoneItem(BaseModel):
    name: str
    name_unicode: str


class ZonesReply(BaseModel):
    data: list[ZoneItem]
    meta: Meta


# --- records, record sets and changes -------------------------------------------------------


class PageMeta(BaseModel):
    status: int
    pagination: dict[str, int]


class RecordListReply(BaseModel):
    data: list[RecordOut]
    meta: PageMeta


class RecordReply(BaseModel):
    data: RecordOut
    meta: Meta


class SetView(BaseModel):
    zone: str
    name: str
    type: str
    fqdn: str
    fqdn_unicode: str
    ttl: int | None
    records: list[str]
    etag: str | None


class CursorMeta(BaseModel):
    status: int
    next_cursor: str | None


class SetListReply(BaseModel):
    data: list[SetView]
    meta: CursorMeta


class SetReply(BaseModel):
    data: SetView
    meta: Meta


class ValueView(BaseModel):
    value: str
    ttl: int


class OperationView(BaseModel):
    """One DNSimple operation of a change. ``value``/``ttl`` of a delete and ``before`` of an
    update are left out for a token that may not read the set."""

    action: str
    record_id: int | None = None
    name: str
    type: str
    value: str | None = None
    ttl: int | None = None
    before: ValueView | None = None


class Summary(BaseModel):
    created: int
    updated: int
    deleted: int
    unchanged: int


class PlanView(BaseModel):
    dry_run: bool
    changes: list[OperationView]
    summary: Summary


class PlanReply(BaseModel):
    data: PlanView
    meta: Meta


class RecordWriteReply(BaseModel):
    """A write by the original endpoints: the record it leaves, or for a dry run the plan."""

    data: RecordOut | PlanView
    meta: Meta


class SetChangeView(BaseModel):
    rrset: SetView
    before: SetView | None
    changes: list[OperationView]
    summary: Summary
    dry_run: bool


class SetChangeReply(BaseModel):
    data: SetChangeView
    meta: Meta


class ChangesView(BaseModel):
    dry_run: bool
    summary: Summary
    changes: list[SetChangeView]


class ChangesReply(BaseModel):
    data: ChangesView
    meta: Meta


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
