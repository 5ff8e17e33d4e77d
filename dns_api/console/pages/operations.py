"""Operations at a glance (admins): drift, pending changes, DNSimple's budget, readiness.

Admins only, as ``/reconcile`` is (``policy.is_admin``); everyone else gets the 403 page. The
drift is ``Reconciler.plan`` (what ``GET /reconcile`` shows), and applying it is
``Reconciler.apply_all`` (what ``dns-api reconcile --apply`` does). The budget is the rate limit
DNSimple reported on its latest answer (no call is made to learn it); readiness is the check
behind ``/health/ready``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter
from starlette.responses import RedirectResponse, Response

from dns_api.console.web import Visit, VisitDep, read_checked_form
from dns_api.errors import Conflict, UpstreamError
from dns_api.services.access import require_admin
from dns_api.services.health import CHECKS
from dns_api.views import JsonObject, report_json

router = APIRouter()

DONE = {"reconciled": "Reconciled: DNSimple holds what dns-api owns again."}


@dataclass(frozen=True, slots=True)
class Budget:
    """DNSimple's hourly request budget, as its latest answer reported it."""

    limit: int
    remaining: int
    resets_at: datetime


@router.get("/operations")
async def operations_page(visit: VisitDep, done: str = "") -> Response:
    _require_admin(visit)
    return await _overview(visit, done=DONE.get(done, ""))


@router.post("/operations/reconcile")
async def reconcile(visit: VisitDep) -> Response:
    form = await read_checked_form(visit)
    _require_admin(visit)
    reconciler = visit.services.reconciler
    try:
        plans = await reconciler.plan()
        await reconciler.apply_all(
            plans, force=form.get("force") == "on", actor=visit.principal.user
        )
    except (Conflict, UpstreamError) as exc:
        return await _overview(visit, problem=exc.detail, status=exc.status)
    return RedirectResponse("/console/operations?done=reconciled", status_code=303)


def _require_admin(visit: Visit) -> None:
    require_admin(visit.principal, "see operations, reconcile or adopt records")


async def _overview(
    visit: Visit, *, done: str = "", problem: str = "", status: int = 200
) -> Response:
    services = visit.services
    report: JsonObject | None = None
    drift_problem = ""
    try:
        report = report_json(await services.reconciler.plan())
    except UpstreamError as exc:
        drift_problem = f"DNSimple could not be read: {exc.detail}"
    checks = await services.readiness.run()
    return visit.page(
        "operations.html",
        status=status,
        report=report,
        drift_problem=drift_problem,
        pending_count=await services.recovery.pending_count(),
        intents=[(z["zone"], i) for z in report["zones"] for i in z["pending"]] if report else [],
        budget=_budget(visit),
        checks=[(name, checks[name]) for name in CHECKS],
        ready=all(check.ok for check in checks.values()),
        done=done,
        problem=problem,
    )


def _budget(visit: Visit) -> Budget | None:
    seen = visit.services.provider.rate_limit
    if seen is None:
        return None
    return Budget(seen.limit, seen.remaining, datetime.fromtimestamp(seen.reset, UTC))
