"""Demo data stays out of a real deployment, and a real deployment's data out of the demo.

Demo mode (no DNSimple credentials) keeps its records and tokens in a database of its own,
marked ``demo``: they belong to the built-in emulator, not to a DNSimple account. Started with
real credentials on a demo database, dns-api refuses (its records would show as live and its
tokens would act on the account); started in demo mode on a database that holds a real
deployment's records or tokens, it refuses too (they would show against an empty emulator).

This module holds that decision; the mark itself is ``dns_api.db.marks``.
"""

from __future__ import annotations

from dns_api.db import marks
from dns_api.db.database import Database
from dns_api.errors import ConfigurationError
from dns_api.services.clock import utc_now


async def claim_database(database: Database, *, demo: bool) -> None:
    """Check that ``database`` may be used this way (and mark it when demo mode starts using
    it); ``ConfigurationError`` naming DATABASE_URL and what to do otherwise."""
    demo_data, other_data = await database.read(marks.what_it_holds)
    if demo and other_data:
        raise ConfigurationError(
            "DATABASE_URL",
            "holds the records or tokens of a deployment with DNSimple credentials; demo mode "
            "would show them against its empty emulator. Unset DATABASE_URL (demo mode then "
            "uses ./data/demo.db) or set DNSIMPLE_ACCOUNT_TOKEN",
        )
    if not demo and demo_data:
        raise ConfigurationError(
            "DATABASE_URL",
            "holds demo data (made in demo mode, without DNSimple credentials): its records "
            "and tokens are not your account's. Point DATABASE_URL at another database (the "
            "default is ./data/dns-api.db), or delete this one to start afresh",
        )
    if demo and not demo_data:
        await database.run(lambda session: marks.set_mark(session, marks.DEMO, utc_now()))
