"""Admin-only endpoints: reconcile (``/reconcile``) and adopt (``.../rrsets/<name>/<type>/adopt``).

The same as ``dns-api reconcile`` and ``dns-api adopt``; only admins (``policy.is_admin``) may
call them, everyone else gets 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from dns_api.api.deps import PrincipalDep, ServicesDep, body_schema, parse_body, read_json_object
from dns_api.api.envelope import reply
from dns_api.api.fields import ADMIN_PATH
from dns_api.api.replies import AdoptReply, ReconcileReply, errors, ok
from dns_api.domain.policy import Principal
from dns_api.domain.records import ZoneRules, parse_zone, validate_key
from dns_api.errors import FieldProblem, ValidationFailed
from dns_api.services.access import require_admin
from dns_api.views import adoption_json, report_json

router = APIRouter(tags=["admin"])


class ReconcileBody(BaseModel):
    """``POST /reconcile``: a dry run unless ``apply`` is true."""

    model_config = ConfigDict(extra="forbid")

    zone: StrictStr | None = Field(default=None, max_length=253, examples=["example.com"])
    apply: StrictBool = False
    force: StrictBool = Field(default=False, description="Apply even a plan that changes > 30 %")
    drop_missing: StrictBool = Field(
        default=False, description="Drop the rows of records deleted at DNSimple (not re-create)"
    )


def _require_admin(principal: Principal) -> None:
    require_admin(principal, "reconcile or adopt records")


def _zone(rules: ZoneRules, raw: str | None, location: str) -> str | None:
    if raw is None:
        return None
    zone = parse_zone(raw, rules)
    if zone is None:
        problem = "is not a zone managed by this service (see GET /zones)"
        raise ValidationFailed([FieldProblem("zone", problem, location)])
    return zone


ADMIN_ERRORS = errors(401, 403, 409, 422, 429, 502, 503, 504)


@router.get(
    "/reconcile",
    summary="What reconcile would do (admins)",
    responses=ok(ReconcileReply) | ADMIN_ERRORS,
)
async def show_plan(
    principal: PrincipalDep,
    services: ServicesDep,
    zone: Annotated[str | None, Query(description="Only this zone")] = None,
) -> JSONResponse:
    _require_admin(principal)
    plans = await services.reconciler.plan(_zone(services.rules, zone, "query"))
    return reply(report_json(plans))


@router.post(
    "/reconcile",
    summary="Reconcile with DNSimple: a dry run unless apply (admins)",
    openapi_extra=body_schema(ReconcileBody),
    responses=ok(ReconcileReply) | ADMIN_ERRORS,
)
async def run_reconcile(
    request: Request, principal: PrincipalDep, services: ServicesDep
) -> JSONResponse:
    _require_admin(principal)
    body = parse_body(ReconcileBody, await read_json_object(request))
    reconciler = services.reconciler
    plans = await reconciler.plan(_zone(services.rules, body.zone, "body"))
    if not body.apply:
        return reply(report_json(plans))
    results = await reconciler.apply_all(
        plans, force=body.force, drop_missing=body.drop_missing, actor=principal.user
    )
    return reply(report_json(plans, results))


@router.post(
    "/zones/{zone}/rrsets/{name}/{type}/adopt",
    summary="Take ownership of records made outside dns-api (admins)",
    responses=ok(AdoptReply, description="Every record there was owned already")
    | ok(AdoptReply, 201, description="Records were adopted")
    | ADMIN_ERRORS
    | errors(404),
)
async def adopt(
    zone: str, name: str, type: str, principal: PrincipalDep, services: ServicesDep
) -> JSONResponse:
    _require_admin(principal)
    with ADMIN_PATH.applied():
        key = validate_key(services.rules, type=type, zone=zone, name=name)
    adoption = await services.reconciler.adopt(key.zone, key.name, key.type, principal.user)
    return reply(adoption_json(adoption), status=201 if adoption.adopted else 200)
