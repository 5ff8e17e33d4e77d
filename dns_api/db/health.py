"""The storage probe of readiness: does the database answer, and is its schema at the head of
the migrations.

``schema_revision`` is one read of ``alembic_version`` (the round trip that shows the database
answers), through ``Database.read_once``: a database failure is ``StorageUnavailable``, a
revision alembic cannot make sense of is ``UnreadableSchema``. Running it on a thread, with a
timeout, is the caller's business (``dns_api.services.health``).
"""

from __future__ import annotations

import functools

from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy import Connection

from dns_api.db import migrate, urls
from dns_api.db.database import Database


class UnreadableSchema(Exception):
    """The schema's revision cannot be read (alembic's words)."""


def answers_inline(database: Database) -> bool:
    """Whether a probe of ``database`` has no network to wait for (a local SQLite file)."""
    return urls.is_sqlite(database.url)


def schema_revision(database: Database) -> str | None:
    """The schema's revision; ``None`` for an empty database. Blocks: one statement."""
    return database.read_once(_current_revision)


def _current_revision(connection: Connection) -> str | None:
    try:
        return MigrationContext.configure(connection).get_current_revision()
    except CommandError as exc:
        raise UnreadableSchema(str(exc)) from exc


@functools.cache
def head_revision() -> str | None:
    """The revision the code's migrations lead to (read once per process)."""
    return migrate.head_revision()
