"""``dns-api db``: apply and inspect migrations; and the upgrade every server start makes.

``upgrade_database`` is what ``dns-api db upgrade`` and ``dns-api serve`` run: the migrations,
then the move-over from python-dns-api when its ``record`` table is there (see
``services.move_over``). Failures are one line naming the cause, never a traceback.
"""

from __future__ import annotations

import asyncio

import typer
from sqlalchemy.exc import SQLAlchemyError

from dns_api.cli.common import EXIT_CONFIG, fail, settings_or_exit
from dns_api.db import migrate, urls
from dns_api.db.database import Database, describe_failure
from dns_api.errors import ConfigurationError, DnsApiError, ImportRefused
from dns_api.services.container import dnsimple_client, zone_rules
from dns_api.services.deployment import claim_database
from dns_api.services.move_over import Imported, move_over
from dns_api.settings import Settings

app = typer.Typer(no_args_is_help=True)


def upgrade_database(settings: Settings, *, demo: bool, ask_dnsimple: bool) -> Imported | None:
    """Apply the migrations, check demo data stays apart (``services.deployment``) and import
    the original's records, or exit with one line."""
    try:
        migrate.upgrade(settings.database_url)
    except SQLAlchemyError as exc:
        fail(f"database error at DATABASE_URL: {describe_failure(exc, settings.database_url)}")
    try:
        imported = asyncio.run(_claim_and_move_over(settings, demo=demo, ask_dnsimple=ask_dnsimple))
    except ConfigurationError as exc:
        fail(f"configuration error: {exc.detail}", EXIT_CONFIG)
    except ImportRefused as exc:
        for line in exc.lines:
            typer.echo(f"dns-api: cannot import python-dns-api's {line}", err=True)
        fail("nothing was imported; fix these rows (or the configuration) and start again", 2)
    except DnsApiError as exc:
        fail(f"the records of python-dns-api were not imported: {exc.detail}")
    if imported is not None:
        typer.echo(f"dns-api: moved over from python-dns-api: {imported.note}")
        if imported.missing:
            ids = ", ".join(str(i) for i in imported.missing)
            typer.echo(f"dns-api: not at DNSimple any more: record {ids} (see dns-api reconcile)")
    return imported


async def _claim_and_move_over(
    settings: Settings, *, demo: bool, ask_dnsimple: bool
) -> Imported | None:
    database = Database(settings.database_url)
    provider = dnsimple_client(settings) if ask_dnsimple and not settings.demo_mode else None
    try:
        await claim_database(database, demo=demo)
        return await move_over(database, provider, zone_rules(settings))
    finally:
        if provider is not None:
            await provider.aclose()
        database.dispose()


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the latest), then move python-dns-api's
    records over if its table is there."""
    settings = settings_or_exit()
    if revision != "head":
        try:
            migrate.upgrade(settings.database_url, revision)
        except SQLAlchemyError as exc:
            fail(f"database error: {describe_failure(exc, settings.database_url)}")
    else:
        demo = settings.demo_mode
        upgrade_database(settings, demo=demo, ask_dnsimple=not demo)
    typer.echo(f"database at revision {migrate.current_revision(settings.database_url)}")


@app.command("current")
def current() -> None:
    """Print the schema revision of the database and the latest one known."""
    settings = settings_or_exit()
    where = urls.display(settings.database_url)
    if not urls.sqlite_file_exists(settings.database_url):
        typer.echo(f"current: none (no database at {where} yet: dns-api db upgrade makes it)")
    else:
        try:
            typer.echo(f"current: {migrate.current_revision(settings.database_url)}")
        except SQLAlchemyError as exc:
            fail(f"database error: {describe_failure(exc, settings.database_url)}")
    typer.echo(f"head: {migrate.head_revision()}")
