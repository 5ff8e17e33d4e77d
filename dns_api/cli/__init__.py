"""The ``dns-api`` command line. Server-side commands: serve, db, token, emulator."""

from __future__ import annotations

import typer

from dns_api.cli import db, emulator, serve, tokens

app = typer.Typer(
    name="dns-api",
    help="A self-hosted gateway for scoped changes to DNS records in a DNSimple account.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("serve", help="Run the HTTP API (uvicorn).")(serve.serve)
app.add_typer(db.app, name="db", help="Database schema (Alembic migrations).")
app.add_typer(tokens.app, name="token", help="Access tokens.")
app.command("emulator", help="Run the built-in DNSimple API v2 emulator.")(emulator.emulator)


def main() -> None:
    app()
