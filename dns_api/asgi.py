"""An ASGI application factory for servers that import the app by name.

``dns-api serve --workers N`` (or ``WEB_CONCURRENCY=N``) runs uvicorn with
``dns_api.asgi:create_from_environment`` as a factory: each worker process calls it and builds
its own app from the environment. Another server can use it the same way::

    uvicorn --factory --no-proxy-headers dns_api.asgi:create_from_environment --workers 4

``--no-proxy-headers``: TRUSTED_PROXIES is the only authority on X-Forwarded-For. ``dns-api
serve`` also sets the connection limits of ``dns_api.serving``; another server does not.

Each app applies pending migrations at start (a no-op when ``dns-api serve`` or
``dns-api db upgrade`` already did; on PostgreSQL an advisory lock makes the processes take
turns). Nothing is created at import time.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI

from dns_api import logs
from dns_api.app import create_app
from dns_api.errors import ConfigurationError
from dns_api.settings import load_settings

FACTORY = "dns_api.asgi:create_from_environment"


def create_from_environment() -> FastAPI:
    """The app for the settings in the environment (and ``.env``).

    Raises ``ConfigurationError`` for a misconfiguration, and in demo mode: the built-in
    emulator runs inside a single ``dns-api serve`` process only.
    """
    settings = load_settings()
    if settings.demo_mode:
        raise ConfigurationError(
            "DNSIMPLE_ACCOUNT_TOKEN",
            "is required: demo mode (the built-in emulator) is single-process; run dns-api serve",
        )
    if not logging.getLogger().handlers:
        # Another server (plain uvicorn): dns-api serve hands its log_config to each worker.
        logs.configure_logging(settings.log_level, as_json=logs.wants_json(settings.log_format))
    return create_app(settings)
