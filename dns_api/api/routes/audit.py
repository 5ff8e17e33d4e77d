"""The audit trail: ``GET /audit``, ``GET /records/<id>/history``, ``POST /audit/<id>/revert``.

Who sees which event is decided by ``services.audit`` (admins everything, other tokens the
record events of the sets they may read).

A revert undoes one record event through the normal write path (so the revert is itself
recorded), and only while the record still is as the event left it; else ``409 conflict``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from dns_api.api.deps import DryRunDep, PrincipalDep, ServicesDep, decimal_id
from dns_api.api.envelope import reply
from dns_api.api.replies import (
    READING_ONE,
    WRITING,
    EventListReply,
    HistoryReply,
    RevertReply,
    errors,
    ok,
)
from dns_api.errors import FieldProblem, NotFound, ValidationFailed
from dns_api.services.access import require_admin
from dns_api.services.audit_filters import build_filters
from dns_api.views import event_json, plan_reply

router = APIRouter(tags=["audit"])

DEFAULT_LIMIT = 100


def _cursor(raw: str | None) -> int | None:
    if raw is None:
        return None
    value = decimal_id(raw.strip())
    if value is None:
        problem = "is not a cursor from a previous page"
        raise ValidationFailed([FieldProblem("cursor", problem, "query")])
    return value


@router.get(
    "/audit",
    summary="The audit trail, newest first, a page at a time",
    responses=ok(EventListReply) | errors(401, 422, 429, 503),
)
async def list_events(
    principal: PrincipalDep,
    services: ServicesDep,
    zone: Annotated[str | None, Query(description="Only this zone")] = None,
    name: Annotated[str | None, Query(description="Only this name (@ for the apex)")] = None,
    actor: Annotated[str | None, Query(description="Only this user")] = None,
    action: Annotated[str | None, Query(description="Only this action: record:updated")] = None,
    since: Annotated[str | None, Query(description="From this time on (ISO-8601)")] = None,
    until: Annotated[str | None, Query(description="Before this time (ISO-8601)")] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = DEFAULT_LIMIT,
) -> JSONResponse:
    filters = build_filters(
        zone=zone, name=name, actor=actor, action=action, since=since, until=until
    )
    events, next_id = await services.audit.page(principal, filters, _cursor(cursor), limit)
    meta = {"next_cursor": str(next_id) if next_id is not None else None}
    return reply([event_json(e) for e in events], meta=meta)


@router.get(
    "/records/{record_id}/history",
    summary="A record's events, oldest first",
    responses=ok(HistoryReply) | READING_ONE,
)
async def record_history(
    record_id: str, principal: PrincipalDep, services: ServicesDep
) -> JSONResponse:
    number = decimal_id(record_id)
    events = await services.audit.history(principal, number) if number is not None else []
    if not events:
        raise NotFound("Record not found")
    return reply([event_json(e) for e in events])


@router.post(
    "/audit/{event_id}/revert",
    summary="Undo one record change (admins)",
    responses=ok(RevertReply) | WRITING,
)
async def revert_event(
    event_id: str, principal: PrincipalDep, services: ServicesDep, dry_run: DryRunDep
) -> JSONResponse:
    require_admin(principal, "revert a change")
    number = decimal_id(event_id)
    event = await services.audit.get(number) if number is not None else None
    if event is None:
        raise NotFound("Event not found")
    plan = await services.reverter.revert(principal, event, dry_run=dry_run)
    return reply({"event_id": event.id, **plan_reply(plan, dry_run=dry_run)})
