"""``dns-api db``: apply and inspect migrations."""

from __future__ import annotations

import typer
from sqlalchemy.exc import SQLAlchemyError

from dns_api.cli.common import fail, settings_or_exit
from dns_api.db import migrate

app = typer.Typer(no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    settings = settings_or_exit()
    try:
        migrate.upgrade(settings.database_url, revision)
    except SQLAlchemyError as exc:
        fail(f"database error: {type(exc).__name__}: {exc.args[0] if exc.args else ''}")
    typer.echo(f"database at revision {migrate.current_revision(settings.database_url)}")


@app.command("current")
def current() -> None:
    """Print the schema revision of the database and the latest one known."""
    settings = settings_or_exit()
    typer.echo(f"current: {migrate.current_revision(settings.database_url)}")
    typer.echo(f"head: {migrate.head_revision()}")
