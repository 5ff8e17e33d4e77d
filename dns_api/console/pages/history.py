"""History: the audit events per set and zone-wide, with diffs and filters; revert (admins).

The trail is read as ``GET /audit`` reads it (``services.audit``: admins see everything, other
tokens the record events of the sets they may read), a page at a time by cursor. A revert is
``POST /audit/<id>/revert``: admins only, through ``services.revert`` (the normal write path),
first as a dry run that shows the plan, then applied.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import RedirectResponse, Response

from dns_api.api.deps import decimal_id
from dns_api.api.errors import audit_refusal
from dns_api.console.pages.history_forms import (
    ACTIONS,
    FILTER_FIELDS,
    diff_rows,
    event_view,
    field_errors,
    read_cursor,
    read_filters,
)
from dns_api.console.web import Visit, VisitDep, read_checked_form
from dns_api.domain.operations import Plan
from dns_api.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    UpstreamError,
    ValidationFailed,
)
from dns_api.services.access import require_admin
from dns_api.services.audit import Event, visible
from dns_api.services.revert import REVERTIBLE
from dns_api.views import plan_json

router = APIRouter()

PAGE_SIZE = 50
REFUSALS = (ValidationFailed, PermissionDenied, Conflict, PreconditionFailed, UpstreamError)
DONE = {"reverted": "The change was reverted; the revert is itself in the history."}


@router.get("/history")
async def history_page(
    visit: VisitDep,
    zone: str = "",
    name: str = "",
    actor: str = "",
    action: str = "",
    since: str = "",
    until: str = "",
    before: str = "",
) -> Response:
    given = {"zone": zone, "name": name, "actor": actor, "action": action}
    given |= {"since": since, "until": until}
    try:
        filters, cursor = read_filters(given), read_cursor(before)
    except ValidationFailed as exc:
        return _history(visit, given, errors=field_errors(exc), status=422)
    found, older = await visit.services.audit.page(visit.principal, filters, cursor, PAGE_SIZE)
    return _history(visit, given, events=[event_view(e) for e in found], older=older)


def _history(
    visit: Visit,
    given: dict[str, str],
    *,
    events: list[dict[str, Any]] | None = None,
    older: int | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    kept = {field: given[field] for field in FILTER_FIELDS if given.get(field)}
    return visit.page(
        "history_list.html",
        status=status,
        given=given,
        kept=kept,
        actions=ACTIONS,
        events=events or [],
        older=older,
        errors=errors or {},
    )


@router.get("/history/{event_id}")
async def event_page(event_id: str, visit: VisitDep, done: str = "") -> Response:
    event = await _visible_event(visit, event_id)
    return _event_page(visit, event, done=DONE.get(done, ""))


@router.post("/history/{event_id}/revert/preview")
async def revert_preview(event_id: str, visit: VisitDep) -> Response:
    await read_checked_form(visit)
    event = await _event_to_revert(visit, event_id)
    try:
        plan = await visit.services.reverter.revert(visit.principal, event, dry_run=True)
    except REFUSALS as exc:
        await audit_refusal(visit.request, exc)
        return _event_page(visit, event, problem=exc.detail, status=exc.status)
    return _event_page(visit, event, plan=plan)


@router.post("/history/{event_id}/revert")
async def revert(event_id: str, visit: VisitDep) -> Response:
    await read_checked_form(visit)
    event = await _event_to_revert(visit, event_id)
    try:
        await visit.services.reverter.revert(visit.principal, event, dry_run=False)
    except REFUSALS as exc:
        await audit_refusal(visit.request, exc)
        return _event_page(visit, event, problem=exc.detail, status=exc.status)
    return RedirectResponse(f"/console/history/{event.id}?done=reverted", status_code=303)


async def _visible_event(visit: Visit, event_id: str) -> Event:
    """The event, if this session may see it (as ``GET /audit`` would list it); else 404."""
    number = decimal_id(event_id)
    event = await visit.services.audit.get(number) if number is not None else None
    if event is None or not visible(visit.principal, event):
        raise NotFound("Event not found")
    return event


async def _event_to_revert(visit: Visit, event_id: str) -> Event:
    """The event to revert: admins only, as ``POST /audit/<id>/revert``."""
    require_admin(visit.principal, "revert a change")
    return await _visible_event(visit, event_id)


def _event_page(
    visit: Visit,
    event: Event,
    *,
    plan: Plan | None = None,
    problem: str = "",
    done: str = "",
    status: int = 200,
) -> Response:
    return visit.page(
        "history_event.html",
        status=status,
        event=event_view(event),
        diff=diff_rows(event),
        revertible=event.action in REVERTIBLE and event.zone is not None,
        plan=plan_json(plan) if plan is not None else None,
        empty_plan=plan is not None and plan.is_empty,
        problem=problem,
        done=done,
    )
