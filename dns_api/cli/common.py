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


def settings_or_exit(*, create_demo_secret: bool = False) -> Settings:
    try:
        return load_settings(create_demo_secret=create_demo_secret)
    except ConfigurationError as exc:
        fail(f"configuration error: {exc.detail}", EXIT_CONFIG)
