"""``dns-api serve``: migrate, then run the API with uvicorn.

Without DNSimple credentials (demo mode) it first starts the built-in emulator, keeping its
records in ``data/emulator.json`` beside the SQLite file, and prints a token per user.

``--workers N`` (default ``WEB_CONCURRENCY``, else 1) runs N uvicorn worker processes, each
building its app with ``dns_api.asgi:create_from_environment``, after the migrations ran once
here. Several workers need PostgreSQL and real DNSimple credentials: SQLite and demo mode are
single-process, so they are refused with one line.

What a connection may send, and for how long (MAX_HEADER_BYTES, HEADER_TIMEOUT, BODY_TIMEOUT,
KEEPALIVE_TIMEOUT, MAX_CONNECTIONS), is enforced below the app by ``dns_api.serving``.
"""

from __future__ import annotations

import logging.config
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr

from dns_api import logs, serving
from dns_api.app import create_app
from dns_api.asgi import FACTORY
from dns_api.cli import demo
from dns_api.cli.common import EXIT_CONFIG, fail, settings_or_exit
from dns_api.cli.db import upgrade_database
from dns_api.cli.tokens import token_lines
from dns_api.db import urls
from dns_api.emulator import EmulatorState, RunningEmulator, start_emulator
from dns_api.emulator.dns import RunningDns, start_dns
from dns_api.settings import Settings

EMULATOR_STATE = Path("data") / "emulator.json"
# How long uvicorn gives a worker process to answer its supervisor before killing it. uvicorn's
# 5 s is shorter than a worker takes to import dns-api on a busy small machine (a shared dyno).
WORKER_START_SECONDS = 30


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Port (default: PORT or 8000).")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            envvar="WEB_CONCURRENCY",
            help="Worker processes (default: WEB_CONCURRENCY or 1); above 1 needs PostgreSQL.",
        ),
    ] = 1,
) -> None:
    """Apply migrations and serve the HTTP API."""
    settings = settings_or_exit(create_demo_secret=True)
    log_config = logs.logging_config(
        settings.log_level, as_json=logs.wants_json(settings.log_format)
    )
    logging.config.dictConfig(log_config)
    if workers > 1:
        _check_several_workers(settings)
    emulator, demo_dns = _start_demo_emulator(settings) if settings.demo_mode else (None, None)
    try:
        if emulator is not None:
            settings = _pointed_at(settings, emulator)
        upgrade_database(settings, demo=emulator is not None, ask_dnsimple=True)
        if emulator is not None:
            for line in token_lines(settings):
                typer.echo(line)
        # One worker: this process serves the app (and the demo emulator, if any). Several: each
        # worker process builds its own app from the environment (migrations already ran here).
        app: FastAPI | str = FACTORY
        if workers == 1:
            app = create_app(settings, migrate_on_start=False)
        _run(app, settings, host=host, port=port or settings.port, workers=workers, log=log_config)
    finally:
        if emulator is not None:
            demo.withdraw()
            emulator.stop()
        if demo_dns is not None:
            demo_dns.stop()


def _run(
    app: FastAPI | str,
    settings: Settings,
    *,
    host: str,
    port: int,
    workers: int,
    log: dict[str, Any],
) -> None:
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=settings.log_level,
        log_config=log,  # applied again in each worker process
        access_log=False,  # dns_api.access writes one line per request instead
        # TRUSTED_PROXIES (api/source.py) is the only authority on X-Forwarded-For: uvicorn's
        # own handling would believe it from 127.0.0.1 and rewrite the peer before the app.
        proxy_headers=False,
        workers=workers,
        factory=workers > 1,
        timeout_worker_healthcheck=WORKER_START_SECONDS,
        # Size and time limits on what a connection sends (dns_api/serving.py); the same in
        # every worker process: uvicorn hands each one this configuration.
        **serving.uvicorn_options(settings),
    )


def _check_several_workers(settings: Settings) -> None:
    if settings.demo_mode:
        fail(
            "demo mode is single-process: --workers/WEB_CONCURRENCY must be 1 "
            "without DNSIMPLE_ACCOUNT_TOKEN",
            EXIT_CONFIG,
        )
    if settings.is_sqlite:
        fail(
            "SQLite is for a single process: --workers/WEB_CONCURRENCY above 1 needs a "
            "PostgreSQL DATABASE_URL (README: Several instances on PostgreSQL)",
            EXIT_CONFIG,
        )


def _start_demo_emulator(settings: Settings) -> tuple[RunningEmulator, RunningDns]:
    """The emulator over HTTP, and over DNS on a free port (``dig @127.0.0.1 -p PORT``)."""
    state = EmulatorState(
        account_id=int(settings.dnsimple_account_id or 1010),
        zones=settings.dnsimple_domains,
        persist_path=EMULATOR_STATE,
    )
    emulator = start_emulator(state)
    try:
        dns = start_dns(state)
    except OSError:
        emulator.stop()
        raise
    demo.announce(emulator.url, state.token)
    typer.echo(
        "dns-api: demo mode (no DNSIMPLE_ACCOUNT_TOKEN): using the built-in DNSimple emulator at "
        f"{emulator.url} for {', '.join(settings.dnsimple_domains)} and "
        f"{urls.display(settings.database_url)}; "
        f"DNS on {dns.address} (dig @{dns.host} -p {dns.port} {settings.dnsimple_domains[0]})"
    )
    return emulator, dns


def _pointed_at(settings: Settings, emulator: RunningEmulator) -> Settings:
    return settings.model_copy(
        update={
            "dnsimple_base_url": emulator.url,
            "dnsimple_account_token": SecretStr(emulator.state.token),
        }
    )
