"""``create_app(settings)``: wires the HTTP API. No state is created at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from dns_api import __version__
from dns_api.api.errors import install_error_handlers
from dns_api.api.idempotency import install_idempotency
from dns_api.api.metrics import Metrics, install_metrics
from dns_api.api.observation import install_observation
from dns_api.api.route_index import RouteIndex
from dns_api.api.routes import (
    acme_dns,
    acme_httpreq,
    admin,
    audit,
    dyndns,
    health,
    identity,
    records,
    tokens,
    zones,
)
from dns_api.api.source import SourceResolver
from dns_api.console.app import MOUNTED_AT, create_console
from dns_api.db import migrate
from dns_api.errors import DnsApiError
from dns_api.providers.base import DnsProvider
from dns_api.services.container import Services, build_services
from dns_api.services.deployment import claim_database
from dns_api.services.idempotency import IdempotencyKeys
from dns_api.services.move_over import move_over
from dns_api.settings import Settings

log = logging.getLogger(__name__)

RECOVERY_INTERVAL = 60  # seconds

DESCRIPTION = (
    "Scoped access to the DNS records of a DNSimple account. Send `Authorization: Bearer <token>`."
)


def create_app(
    settings: Settings, *, provider: DnsProvider | None = None, migrate_on_start: bool = True
) -> FastAPI:
    """The ASGI app for ``settings``. ``provider`` replaces the DNSimple client (tests)."""
    metrics = Metrics()
    services = build_services(settings, provider, on_call=metrics.observe_dnsimple_call)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if migrate_on_start:
            await anyio.to_thread.run_sync(migrate.upgrade, settings.database_url)
            await claim_database(services.database, demo=False)
            await move_over(services.database, services.provider, services.rules)
        async with anyio.create_task_group() as background:
            background.start_soon(_recover_pending, services)
            try:
                yield
            finally:
                background.cancel_scope.cancel()
        await services.aclose()

    app = FastAPI(
        title="dns-api",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        redirect_slashes=False,  # a bare redirect is no answer for a DELETE: 404 in the envelope
    )
    app.state.services = services
    app.state.source_of = SourceResolver(settings.trusted_proxies)
    app.mount(MOUNTED_AT, create_console(services, app.state.source_of))
    app.add_api_route(MOUNTED_AT, _to_console, include_in_schema=False)
    install_error_handlers(app)
    install_idempotency(app, IdempotencyKeys(services.database, settings.idempotency_max_keys))
    install_metrics(app, metrics)  # GET /metrics
    # Last: the outermost middleware, so every reply gets X-Request-ID and is counted and logged.
    install_observation(app, metrics)
    _include_routers(app)
    return app


def _include_routers(app: FastAPI) -> None:
    modules = (health, identity, records, audit, zones, tokens, admin)
    routers = [m.router for m in (*modules, acme_httpreq, acme_dns, dyndns)]
    for router in routers:
        app.include_router(router)
    app.state.routes = RouteIndex.of(routers)


async def _to_console() -> RedirectResponse:
    return RedirectResponse("/console/", status_code=308)


async def _recover_pending(services: Services) -> None:
    """Finish or undo the changes left pending: at start (a previous run was killed mid-write),
    then every ``RECOVERY_INTERVAL`` seconds (a write whose fate DNSimple would not tell).
    Old audit events are pruned on the same beat."""
    while True:
        try:
            resolved = await services.recovery.recover()
        except DnsApiError as exc:
            log.warning("pending changes not checked (%s); run dns-api reconcile", exc)
        else:
            if resolved:
                log.warning("resolved %d change(s) left pending", len(resolved))
        await _prune_audit(services)
        await anyio.sleep(RECOVERY_INTERVAL)


async def _prune_audit(services: Services) -> None:
    """Apply AUDIT_RETENTION_DAYS (0 keeps every event)."""
    days = services.settings.audit_retention_days
    if not days:
        return
    try:
        removed = await services.audit.prune(days)
    except DnsApiError as exc:
        log.warning("old audit events not pruned (%s)", exc)
        return
    if removed:
        log.info("pruned %d audit event(s) older than %d days", removed, days)


def services_of(app: FastAPI) -> Services:
    services: Services = app.state.services
    return services
