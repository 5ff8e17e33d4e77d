"""Database URLs as people write them, turned into what SQLAlchemy's drivers need."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.engine import make_url

_SCHEME = re.compile(r"^(?P<scheme>[a-z]+)(?:\+\w+)?://")


def _scheme(url: str) -> str:
    match = _SCHEME.match(url)
    if match is None:
        raise ValueError("unsupported database URL")
    return match.group("scheme")


def _with_driver(url: str, driver: str) -> str:
    return _SCHEME.sub(driver + "://", url, count=1)


def engine_url(url: str) -> str:
    """The URL with its driver: sqlite3 or psycopg 3. Heroku's ``postgres://`` works."""
    if _scheme(url) == "sqlite":
        return _with_driver(url, "sqlite")
    return _with_driver(url, "postgresql+psycopg")


def is_sqlite(url: str) -> bool:
    return _scheme(url) == "sqlite"


def sqlite_file_exists(url: str) -> bool:
    """False only for a SQLite file database that is not there (in memory, PostgreSQL: True)."""
    if not is_sqlite(url):
        return True
    database = make_url(url).database
    return not database or database == ":memory:" or Path(database).exists()


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder of a SQLite file so a fresh checkout starts without set-up."""
    if not is_sqlite(url):
        return
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def display(url: str) -> str:
    """The URL as it may be shown to a person: the password masked."""
    return make_url(url).render_as_string(hide_password=True)
