"""``dns-api serve``: migrate, then run the API with uvicorn.

Without DNSimple credentials (demo mode) it first starts the built-in emulator, keeping its
records in ``data/emulator.json`` beside the SQLite file, and prints a token per user.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from pydantic import SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from dns_api.app import create_app
from dns_api.cli.common import fail, settings_or_exit
from dns_api.cli.tokens import token_lines
from dns_api.db import migrate
from dns_api.emulator import EmulatorState, RunningEmulator, start_emulator
from dns_api.settings import Settings

EMULATOR_STATE = Path("data") / "emulator.json"


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Port (default: PORT or 8000).")] = None,
) -> None:
    """Apply migrations and serve the HTTP API."""
    settings = settings_or_exit()
    _configure_logging(settings.log_level)
    emulator = _start_demo_emulator(settings) if settings.demo_mode else None
    if emulator is not None:
        settings = _pointed_at(settings, emulator)
    try:
        migrate.upgrade(settings.database_url)
    except SQLAlchemyError as exc:
        fail(f"database error at DATABASE_URL: {type(exc).__name__}")
    if emulator is not None:
        for line in token_lines(settings):
            typer.echo(line)
    app = create_app(settings, migrate_on_start=False)
    try:
        uvicorn.run(app, host=host, port=port or settings.port, log_level=settings.log_level)
    finally:
        if emulator is not None:
            emulator.stop()


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(levelname)s %(name)s: %(message)s")
    if level.lower() != "debug":
        logging.getLogger("alembic").setLevel(logging.WARNING)


def _start_demo_emulator(settings: Settings) -> RunningEmulator:
    state = EmulatorState(
        account_id=int(settings.dnsimple_account_id or 1010),
        zones=settings.dnsimple_domains,
        persist_path=EMULATOR_STATE,
    )
    emulator = start_emulator(state)
    typer.echo(
        "dns-api: demo mode (no DNSIMPLE_ACCOUNT_TOKEN): using the built-in DNSimple emulator at "
        f"{emulator.url} for {', '.join(settings.dnsimple_domains)} and "
        f"{make_url(settings.database_url).render_as_string(hide_password=True)}"
    )
    return emulator


def _pointed_at(settings: Settings, emulator: RunningEmulator) -> Settings:
    return settings.model_copy(
        update={
            "dnsimple_base_url": emulator.url,
            "dnsimple_account_token": SecretStr(emulator.state.token),
        }
    )
