"""The original record endpoints: CRUD by id with JSON bodies, and curl-friendly paths."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from dns_api.api.deps import (
    DryRunDep,
    PrincipalDep,
    ServicesDep,
    body_schema,
    decimal_id,
    parse_body,
    read_json_object,
)
from dns_api.api.envelope import reply
from dns_api.api.fields import RECORD_BODY, RECORD_PATH
from dns_api.api.replies import (
    READING,
    READING_ONE,
    WRITING,
    RecordListReply,
    RecordReply,
    RecordWriteReply,
    ok,
)
from dns_api.api.schemas import RecordCreateBody, RecordUpdateBody
from dns_api.domain.records import ValueInput, validate_key, validate_record
from dns_api.errors import NotFound
from dns_api.services.records import Page, RecordWrite
from dns_api.views import plan_reply, record_json

router = APIRouter(prefix="/records", tags=["records"])

DEFAULT_PAGE_SIZE = 30
MAX_PAGE_NUMBER = 1_000_000
WRITE_REPLY = ok(RecordWriteReply) | WRITING


def _int_or(raw: str | None, default: int) -> int:
    try:
        return int(raw) if raw is not None else default
    except ValueError:
        return default


def page_from(number: str | None, size: str | None) -> Page:
    """Out-of-range or unreadable values fall back to the defaults, as in the original."""
    page_number = _int_or(number, 1)
    page_size = _int_or(size, DEFAULT_PAGE_SIZE)
    return Page(
        number=page_number if 1 <= page_number <= MAX_PAGE_NUMBER else 1,
        size=page_size if 10 <= page_size <= 100 else DEFAULT_PAGE_SIZE,
    )


def write_reply(write: RecordWrite) -> JSONResponse:
    """The record a write leaves, or for a dry run the changes it would make."""
    if write.dry_run or write.record is None:
        return reply(plan_reply(write.plan, dry_run=write.dry_run, show_before=write.readable))
    return reply(record_json(write.record))


def record_id_from(raw: str) -> int:
    record_id = decimal_id(raw)
    if record_id is None:
        raise NotFound("Record not found")
    return record_id


@router.get("", summary="List records", responses=ok(RecordListReply) | READING)
async def list_records(
    principal: PrincipalDep,
    services: ServicesDep,
    page_number: Annotated[str | None, Query(alias="page[number]")] = None,
    page_size: Annotated[str | None, Query(alias="page[size]")] = None,
) -> JSONResponse:
    page = page_from(page_number, page_size)
    records = await services.records.list_records(principal, page)
    meta = {"pagination": {"number": page.number, "size": page.size}}
    return reply([record_json(r) for r in records], meta=meta)


@router.post(
    "",
    summary="Create a record",
    openapi_extra=body_schema(RecordCreateBody),
    responses=WRITE_REPLY,
)
async def create_record(
    request: Request, principal: PrincipalDep, services: ServicesDep, dry_run: DryRunDep
) -> JSONResponse:
    body = parse_body(RecordCreateBody, await read_json_object(request))
    with RECORD_BODY.applied():
        spec = validate_record(
            services.rules,
            type=body.domain_type,
            zone=body.domain,
            name=body.subdomain,
            content=body.to,
            ttl=body.ttl,
            priority=body.priority,
        )
    return write_reply(await services.records.create(principal, spec, dry_run=dry_run))


@router.get("/{record_id}", summary="Read a record", responses=ok(RecordReply) | READING_ONE)
async def read_record(
    record_id: str, principal: PrincipalDep, services: ServicesDep
) -> JSONResponse:
    record = await services.records.get_record(principal, record_id_from(record_id))
    return reply(record_json(record))


UPDATE_ROUTE: dict[str, Any] = {
    "openapi_extra": body_schema(RecordUpdateBody),
    "responses": WRITE_REPLY,
}


# POST too: the original README updates with `curl -X POST`.
@router.patch("/{record_id}", summary="Change a record's value", **UPDATE_ROUTE)
@router.post("/{record_id}", summary="Change a record's value (alias of PATCH)", **UPDATE_ROUTE)
async def update_record(
    record_id: str,
    request: Request,
    principal: PrincipalDep,
    services: ServicesDep,
    dry_run: DryRunDep,
) -> JSONResponse:
    body = parse_body(RecordUpdateBody, await read_json_object(request))
    given = ValueInput(body.to, body.priority, body.ttl)
    with RECORD_BODY.applied():  # the service checks the value against the record's type
        write = await services.records.update(
            principal, record_id_from(record_id), given, dry_run=dry_run
        )
    return write_reply(write)


@router.delete("/{record_id}", summary="Delete a record", responses=WRITE_REPLY)
async def delete_record(
    record_id: str, principal: PrincipalDep, services: ServicesDep, dry_run: DryRunDep
) -> JSONResponse:
    write = await services.records.delete(principal, record_id_from(record_id), dry_run=dry_run)
    return write_reply(write)


@router.post(
    "/{domain_type}/{domain}/{subdomain}/{to}",
    summary="Create or update a record by path",
    responses=WRITE_REPLY,
)
async def upsert_by_path(
    domain_type: str,
    domain: str,
    subdomain: str,
    to: str,
    principal: PrincipalDep,
    services: ServicesDep,
    dry_run: DryRunDep,
    ttl: Annotated[int | None, Query(description="Seconds; default: kept, or the default")] = None,
    priority: Annotated[int | None, Query(description="MX and SRV")] = None,
) -> JSONResponse:
    with RECORD_PATH.applied():
        spec = validate_record(
            services.rules,
            type=domain_type,
            zone=domain,
            name=subdomain,
            content=to,
            ttl=ttl,
            priority=priority,
        )
    return write_reply(await services.records.upsert(principal, spec, dry_run=dry_run))


@router.delete(
    "/{domain_type}/{domain}/{subdomain}", summary="Delete a record by path", responses=WRITE_REPLY
)
async def delete_by_path(
    domain_type: str,
    domain: str,
    subdomain: str,
    principal: PrincipalDep,
    services: ServicesDep,
    dry_run: DryRunDep,
) -> JSONResponse:
    with RECORD_PATH.applied():
        key = validate_key(services.rules, type=domain_type, zone=domain, name=subdomain)
    write = await services.records.delete_by_name(
        principal, key.zone, key.name, key.type, dry_run=dry_run
    )
    return write_reply(write)
