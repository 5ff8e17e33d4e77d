"""Reply shapes of identity, zones, records, record sets, plans and changes."""

from __future__ import annotations

from pydantic import BaseModel

from dns_api.api.replies.envelope import Meta
from dns_api.api.schemas import RecordOut

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
