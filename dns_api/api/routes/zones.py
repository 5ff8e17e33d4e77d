"""The record-set API: ``/zones``, ``/zones/<zone>/rrsets`` and ``/zones/<zone>/changes``."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from dns_api.api.deps import (
    DryRunDep,
    PrincipalDep,
    ServicesDep,
    body_schema,
    parse_body,
    read_json_object,
)
from dns_api.api.envelope import reply
from dns_api.api.fields import SET_PATH, change_item
from dns_api.api.replies import (
    READING,
    READING_ONE,
    WRITING,
    ChangesReply,
    SetChangeReply,
    SetListReply,
    SetReply,
    ZonesReply,
    ok,
)
from dns_api.domain import names
from dns_api.domain.problems import Problems
from dns_api.domain.rdata import SUPPORTED_TYPES
from dns_api.domain.records import ZoneRules, parse_zone, validate_key
from dns_api.domain.rrsets import SetKey
from dns_api.domain.set_input import MAX_VALUES, validate_removal, validate_set
from dns_api.errors import FieldProblem, ValidationFailed
from dns_api.services.rrsets import MAX_CHANGES, Precondition, SetRequest
from dns_api.views import change_json, set_json

router = APIRouter(tags=["record sets"])

DEFAULT_LIMIT = 100
ETAG = {"ETag": {"description": "The set's entity tag", "schema": {"type": "string"}}}


class SetBody(BaseModel):
    """``PUT /zones/<zone>/rrsets/<name>/<type>``: the whole set as it must be."""

    model_config = ConfigDict(extra="forbid")

    ttl: StrictInt | None = Field(default=None, examples=[300])
    records: list[StrictStr] = Field(max_length=MAX_VALUES, examples=[["192.0.2.1", "192.0.2.2"]])


class ChangeItem(BaseModel):
    """One item of ``POST /zones/<zone>/changes``."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["replace", "delete"]
    name: StrictStr = Field(max_length=300, examples=["pr-42.review"])
    type: StrictStr = Field(max_length=16, examples=["CNAME"])
    ttl: StrictInt | None = None
    records: list[StrictStr] | None = Field(default=None, max_length=MAX_VALUES)
    if_match: StrictStr | None = Field(default=None, max_length=200)


class ChangesBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    changes: list[ChangeItem] = Field(min_length=1, max_length=MAX_CHANGES)


IfMatch = Annotated[str | None, Header(description="Write only if the set's ETag still matches")]
IfNoneMatch = Annotated[
    str | None, Header(description="`*`: create only, never replace an existing set")
]


@router.get("/zones", summary="Zones this token may read", responses=ok(ZonesReply) | READING)
async def list_zones(principal: PrincipalDep, services: ServicesDep) -> JSONResponse:
    zones = services.record_sets.zones(principal)
    return reply([{"name": z, "name_unicode": names.to_unicode(z)} for z in zones])


@router.get(
    "/zones/{zone}/rrsets",
    summary="Record sets of a zone, a page at a time",
    responses=ok(SetListReply) | READING_ONE,
)
async def list_sets(
    zone: str,
    principal: PrincipalDep,
    services: ServicesDep,
    name: Annotated[str | None, Query(description="Only this name (@ for the apex)")] = None,
    type: Annotated[str | None, Query(description="Only this type")] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = DEFAULT_LIMIT,
) -> JSONResponse:
    zone_name = zone_param(services.rules, zone)
    only_name = name_filter(zone_name, name)
    type_filter = type.strip().upper() if type is not None else None
    if type_filter is not None and type_filter not in SUPPORTED_TYPES:
        raise ValidationFailed(
            [FieldProblem("type", f"must be one of {', '.join(SUPPORTED_TYPES)}", "query")]
        )
    sets, next_key = await services.record_sets.list_sets(
        principal,
        zone_name,
        name=only_name,
        type=type_filter,
        after=decode_cursor(cursor),
        limit=limit,
    )
    meta = {"next_cursor": encode_cursor(next_key) if next_key else None}
    return reply([set_json(s) for s in sets], meta=meta)


@router.head("/zones/{zone}/rrsets/{name}/{type}", include_in_schema=False)
@router.get(
    "/zones/{zone}/rrsets/{name}/{type}",
    summary="One record set",
    responses=ok(SetReply, headers=ETAG)
    | {304: {"description": "Not modified since the ETag given in If-None-Match"}}
    | READING_ONE,
)
async def get_set(
    zone: str,
    name: str,
    type: str,
    principal: PrincipalDep,
    services: ServicesDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    key = _path_key(services.rules, zone, name, type)
    record_set = await services.record_sets.get_set(principal, key)
    etag = record_set.etag or ""
    if if_none_match and Precondition(if_none_match=if_none_match).check(record_set):
        return Response(status_code=304, headers={"ETag": etag})
    return reply(set_json(record_set), headers={"ETag": etag})


@router.put(
    "/zones/{zone}/rrsets/{name}/{type}",
    summary="Make a record set exactly these values",
    openapi_extra=body_schema(SetBody),
    responses=ok(SetChangeReply, headers=ETAG) | WRITING,
)
async def put_set(
    zone: str,
    name: str,
    type: str,
    request: Request,
    principal: PrincipalDep,
    services: ServicesDep,
    dry_run: DryRunDep,
    if_match: IfMatch = None,
    if_none_match: IfNoneMatch = None,
) -> JSONResponse:
    body = parse_body(SetBody, await read_json_object(request))
    with SET_PATH.applied():
        wanted = validate_set(
            services.rules, zone=zone, name=name, type=type, records=body.records, ttl=body.ttl
        )
    precondition = Precondition(if_match=if_match, if_none_match=if_none_match)
    request_ = SetRequest(wanted.key, wanted.values, wanted.ttl, precondition)
    [change] = await services.record_sets.change(principal, [request_], dry_run=dry_run)
    return reply(change_json(change, dry_run=dry_run), headers=_etag_header(change.after_etag))


@router.delete(
    "/zones/{zone}/rrsets/{name}/{type}",
    summary="Delete a record set",
    responses=ok(SetChangeReply) | WRITING,
)
async def delete_set(
    zone: str,
    name: str,
    type: str,
    principal: PrincipalDep,
    services: ServicesDep,
    dry_run: DryRunDep,
    if_match: IfMatch = None,
) -> JSONResponse:
    key = _path_key(services.rules, zone, name, type)
    request_ = SetRequest(key, None, None, Precondition(if_match=if_match))
    [change] = await services.record_sets.change(principal, [request_], dry_run=dry_run)
    return reply(change_json(change, dry_run=dry_run))


@router.post(
    "/zones/{zone}/changes",
    summary="Replace or delete several record sets as one change",
    openapi_extra=body_schema(ChangesBody),
    responses=ok(ChangesReply) | WRITING,
)
async def apply_changes(
    zone: str,
    request: Request,
    principal: PrincipalDep,
    services: ServicesDep,
    dry_run: DryRunDep,
) -> JSONResponse:
    body = parse_body(ChangesBody, await read_json_object(request))
    requests = _change_requests(services.rules, zone_param(services.rules, zone), body.changes)
    _refuse_repeats(requests)
    changes = await services.record_sets.change(principal, requests, dry_run=dry_run)
    summary = {
        k: sum(c.plan.summary()[k] for c in changes)
        for k in ("created", "updated", "deleted", "unchanged")
    }
    return reply(
        {
            "dry_run": dry_run,
            "summary": summary,
            "changes": [change_json(c, dry_run=dry_run) for c in changes],
        }
    )


def _change_requests(rules: ZoneRules, zone: str, items: list[ChangeItem]) -> list[SetRequest]:
    """A request per item; the problems of every item are reported together."""
    requests: list[SetRequest] = []
    problems = Problems()
    for index, item in enumerate(items):
        try:
            requests.append(_change_request(rules, zone, item))
        except ValidationFailed as failure:
            problems.absorb(change_item(index).error(failure))
    problems.raise_if_any()
    return requests


def _change_request(rules: ZoneRules, zone: str, item: ChangeItem) -> SetRequest:
    precondition = Precondition(if_match=item.if_match)
    if item.action == "delete":
        key = validate_removal(
            rules, zone=zone, name=item.name, type=item.type, records=item.records, ttl=item.ttl
        )
        return SetRequest(key, None, None, precondition)
    wanted = validate_set(
        rules, zone=zone, name=item.name, type=item.type, records=item.records or [], ttl=item.ttl
    )
    return SetRequest(wanted.key, wanted.values, wanted.ttl, precondition)


def _refuse_repeats(requests: list[SetRequest]) -> None:
    seen: dict[SetKey, int] = {}
    problems = []
    for index, request in enumerate(requests):
        if request.key in seen:
            problems.append(
                FieldProblem(
                    f"changes/{index}",
                    f"changes {request.key.label()} again (see changes/{seen[request.key]})",
                )
            )
        seen.setdefault(request.key, index)
    if problems:
        raise ValidationFailed(problems)


def _path_key(rules: ZoneRules, zone: str, name: str, type: str) -> SetKey:
    with SET_PATH.applied():
        return validate_key(rules, type=type, zone=zone, name=name)


def zone_param(rules: ZoneRules, raw: str) -> str:
    zone = parse_zone(raw, rules)
    if zone is None:
        raise ValidationFailed(
            [FieldProblem("zone", "is not a zone managed by this service (see GET /zones)", "path")]
        )
    return zone


def name_filter(zone: str, raw: str | None) -> str | None:
    if raw is None:
        return None
    try:
        return names.relative_name(raw, zone)
    except names.InvalidName as exc:
        raise ValidationFailed([FieldProblem("name", str(exc), "query")]) from None


def encode_cursor(key: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(raw: str | None) -> tuple[str, str] | None:
    if raw is None:
        return None
    try:
        padded = raw + "=" * (-len(raw) % 4)
        value: Any = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        value = None
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise ValidationFailed(
            [FieldProblem("cursor", "is not a cursor from a previous page", "query")]
        )
    return value[0], value[1]


def _etag_header(etag: str | None) -> dict[str, str] | None:
    return {"ETag": etag} if etag else None
