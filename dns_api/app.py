"""``create_app(settings)``: wires the HTTP API. No state is created at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI

from dns_api import __version__
from dns_api.api.errors import install_error_handlers
from dns_api.api.routes import health, identity, records, tokens, zones
from dns_api.api.source import SourceResolver
from dns_api.db import migrate
from dns_api.providers.base import DnsProvider
from dns_api.services.container import Services, build_services
from dns_api.settings import Settings

DESCRIPTION = (
    "Scoped access to the DNS records of a DNSimple account. Send `Authorization: Bearer <token>`."
)


def create_app(
    settings: Settings, *, provider: DnsProvider | None = None, migrate_on_start: bool = True
) -> FastAPI:
    """The ASGI app for ``settings``. ``provider`` replaces the DNSimple client (tests)."""
    services = build_services(settings, provider)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if migrate_on_start:
            await anyio.to_thread.run_sync(migrate.upgrade, settings.database_url)
        try:
            yield
        finally:
            await services.aclose()

    app = FastAPI(title="dns-api", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.services = services
    app.state.source_of = SourceResolver(settings.trusted_proxies)
    install_error_handlers(app)
    for module in (health, identity, records, zones, tokens):
        app.include_router(module.router)
    return app


def services_of(app: FastAPI) -> Services:
    services: Services = app.state.services
    return services
