"""What every command shares: settings that fail with one clear line, never a traceback."""

from __future__ import annotations

from typing import NoReturn

import typer

from dns_api.errors import ConfigurationError
from dns_api.settings import Settings, load_settings

EXIT_CONFIG = 2


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"dns-api: {message}", err=True)
    raise typer.Exit(code)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigurationError as exc:
        fail(f"configuration error: {exc.detail}", EXIT_CONFIG)
