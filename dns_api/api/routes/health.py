"""Health checks; none of them needs a token.

- ``GET /``: the original service's check, unchanged (``{"meta": {"status": 200}}``).
- ``GET /health/live``: the process answers (no I/O): 200 ``{"data": {"status": "ok"}}``.
- ``GET /health/ready``: 200 when the database answers, its schema is at the head of the
  migrations and DNSimple answers; else 503, ``data.status`` ``failing`` and, for each check in
  ``data.checks`` (``database``, ``migrations``, ``dnsimple``), ``ok`` and the ``reason`` when
  not. Each check gets ``CHECK_TIMEOUT`` seconds, and they run side by side.

The checks, and what DNSimple answered (remembered for ``DNSIMPLE_CHECK_TTL`` seconds, so that
anonymous probes cannot spend the account's hourly budget), are ``Services.readiness``
(``dns_api.services.health``); this module shapes its answer as JSON.
Reasons never hold a URL, a password or a token.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from dns_api.api.deps import ServicesDep
from dns_api.api.envelope import reply
from dns_api.api.replies import LiveReply, ReadyReply, RootReply, ok
from dns_api.services.health import Check

router = APIRouter(tags=["health"])


@router.get("/", summary="Health check", responses=ok(RootReply))
async def home() -> JSONResponse:
    return reply()


@router.get("/health/live", summary="Liveness: the process answers", responses=ok(LiveReply))
async def live() -> JSONResponse:
    return reply({"status": "ok"}, headers={"Cache-Control": "no-store"})


@router.get(
    "/health/ready",
    summary="Readiness: database, migrations and DNSimple",
    responses=ok(ReadyReply) | ok(ReadyReply, 503, description="A check fails (each says why)"),
)
async def ready(services: ServicesDep) -> JSONResponse:
    checks = await services.readiness.run()
    ok = all(check.ok for check in checks.values())
    data = {
        "status": "ok" if ok else "failing",
        "checks": {name: _check_json(check) for name, check in checks.items()},
    }
    return reply(data, status=200 if ok else 503, headers={"Cache-Control": "no-store"})


def _check_json(check: Check) -> dict[str, Any]:
    return {"ok": True} if check.ok else {"ok": False, "reason": check.reason}
