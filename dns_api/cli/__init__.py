"""The ``dns-api`` command line, one tool in two groups (panels in ``--help``).

Client commands talk to a running server over HTTP (``--url``/``DNS_API_URL``,
``--token``/``DNS_API_TOKEN``): whoami, zones, records. Server-side commands work on this
machine's configuration and database: serve, db, token, reconcile, adopt, audit, emulator.
"""

from __future__ import annotations

import os
import sys

import typer

from dns_api.cli import acme_dns, audit, client, db, emulator, reconcile, serve, tokens

app = typer.Typer(
    name="dns-api",
    help="A self-hosted gateway for scoped changes to DNS records in a DNSimple account.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
CLIENT = client.PANEL
SERVER = "Server"

app.command("whoami", cls=client.ClientCommand, rich_help_panel=CLIENT)(client.whoami)
app.command("zones", cls=client.ClientCommand, rich_help_panel=CLIENT)(client.list_zones)
app.add_typer(client.records, name="records", rich_help_panel=CLIENT)
app.command("serve", help="Run the HTTP API (uvicorn).", rich_help_panel=SERVER)(serve.serve)
app.add_typer(
    db.app, name="db", help="Database schema (Alembic migrations).", rich_help_panel=SERVER
)
app.add_typer(tokens.app, name="token", help="Access tokens.", rich_help_panel=SERVER)
app.add_typer(acme_dns.app, name="acme-dns", help="acme-dns registrations.", rich_help_panel=SERVER)
# reconcile, adopt: help from the docstrings (exit codes)
app.command("reconcile", rich_help_panel=SERVER)(reconcile.reconcile)
app.command("adopt", rich_help_panel=SERVER)(reconcile.adopt)
app.command("audit", rich_help_panel=SERVER)(audit.audit)
app.command("emulator", help="Run the built-in DNSimple API v2 emulator.", rich_help_panel=SERVER)(
    emulator.emulator
)


def main() -> None:
    """Run the command line. Nothing anyone types may end in a traceback: an unexpected error is
    one line (with ``DNS_API_DEBUG=1``, the traceback too) and exit code 1."""
    try:
        app()  # usage errors and typer.Exit end here as Click makes them (SystemExit)
    except Exception as exc:
        if os.environ.get("DNS_API_DEBUG") == "1":
            raise
        message = " ".join(str(exc).split())[:300]
        typer.echo(f"dns-api: unexpected error: {type(exc).__name__}: {message}", err=True)
        typer.echo("dns-api: this is a bug; DNS_API_DEBUG=1 shows where", err=True)
        sys.exit(1)
