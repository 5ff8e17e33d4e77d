"""How the server-side commands reach this machine's database and DNSimple: one way, one place.

``on_services(settings, work, writes=...)`` builds the services as the server does
(``services.container.build_services``), runs ``work`` on them and closes them. A command that
writes migrates first (and so may create the database, as ``dns-api serve`` would); a read-only
one needs a database at the current schema and creates nothing. Every failure is one line and an
exit code: a problem with an option (``ValidationFailed``) exits 2, any other refusal 1.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

from dns_api.cli.common import fail
from dns_api.cli.db import upgrade_database
from dns_api.db import migrate, urls
from dns_api.db.database import describe_failure
from dns_api.errors import DnsApiError, StorageUnavailable, ValidationFailed
from dns_api.services.container import Services, build_services
from dns_api.settings import Settings

T = TypeVar("T")
EXIT_BAD_OPTION = 2

# A problem's field as the command line spells it (grants/0/names -> --name-pattern).
OPTION_NAMES = {"zones": "zone", "names": "name-pattern", "types": "type", "actions": "action"}
OPTION_NAMES |= {"cidrs": "cidr"}


def on_services(
    settings: Settings,
    work: Callable[[Services], Awaitable[T]],
    *,
    writes: bool,
    demo: bool | None = None,
) -> T:
    """Run ``work`` on the services of ``settings``; see the module docstring. ``demo``: the
    command runs in demo mode although ``settings`` point at the demo's emulator."""
    if writes:
        upgrade_database(
            settings, demo=settings.demo_mode if demo is None else demo, ask_dnsimple=True
        )
    else:
        _require_current_schema(settings)
    services = build_services(settings)

    async def run() -> T:
        try:
            return await work(services)
        finally:
            await services.aclose()

    try:
        return asyncio.run(run())
    except ValidationFailed as exc:
        fail("; ".join(f"--{option(p.field)}: {p.message}" for p in exc.problems), EXIT_BAD_OPTION)
    except StorageUnavailable as exc:
        fail(f"database error: {exc.reason}")
    except DnsApiError as exc:
        fail(exc.detail)


def option(field: str) -> str:
    last = field.split("/")[-1]
    return OPTION_NAMES.get(last, last)


def _require_current_schema(settings: Settings) -> None:
    where = urls.display(settings.database_url)
    if not urls.sqlite_file_exists(settings.database_url):
        fail(f"no database at {where}: start dns-api serve, or run dns-api db upgrade, first")
    try:
        current = migrate.current_revision(settings.database_url)
    except SQLAlchemyError as exc:
        fail(f"database error: {describe_failure(exc, settings.database_url)}")
    head = migrate.head_revision()
    if current != head:
        fail(f"the database at {where} is at revision {current}, not {head}: dns-api db upgrade")
