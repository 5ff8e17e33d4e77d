"""When the database refuses a write after DNSimple made the change, the change is undone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from dns_api.db import urls
from dns_api.emulator import RunningEmulator

Auth = Callable[..., dict[str, str]]

SQLITE_TRIGGER = (
    "CREATE TRIGGER refuse_{event} BEFORE {event} ON records "
    "BEGIN SELECT RAISE(ABORT, 'simulated storage failure'); END"
)
POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION refuse_write() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'simulated storage failure'; END $$ LANGUAGE plpgsql"
)
POSTGRES_TRIGGER = (
    "CREATE TRIGGER refuse_{event} BEFORE {event} ON records "
    "FOR EACH ROW EXECUTE FUNCTION refuse_write()"
)


@pytest.fixture
def refuse(database_url: str) -> Iterator[Callable[[str], None]]:
    """``refuse("INSERT")`` makes the real database reject that kind of write."""
    engine = create_engine(urls.engine_url(database_url))
    events: list[str] = []

    def install(event: str) -> None:
        with engine.begin() as connection:
            if urls.is_sqlite(database_url):
                connection.execute(text(SQLITE_TRIGGER.format(event=event)))
            else:
                connection.execute(text(POSTGRES_FUNCTION))
                connection.execute(text(POSTGRES_TRIGGER.format(event=event)))
        events.append(event)

    yield install
    with engine.begin() as connection:
        for event in events:
            suffix = "" if urls.is_sqlite(database_url) else " ON records"
            connection.execute(text(f"DROP TRIGGER IF EXISTS refuse_{event}{suffix}"))
    engine.dispose()


def upstream(emulator: RunningEmulator) -> list[dict[str, Any]]:
    return [r for r in emulator.state.records("example.com") if not r["system_record"]]


def test_failed_save_of_a_create_removes_the_dnsimple_record(
    client: TestClient, auth: Auth, emulator: RunningEmulator, refuse: Callable[[str], None]
) -> None:
    refuse("INSERT")
    response = client.post("/records/a/example.com/box/192.0.2.1", headers=auth())
    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "storage_unavailable"
    assert "simulated" not in response.text
    assert emulator.state.count(method="POST") == 1
    assert upstream(emulator) == []


def test_failed_save_of_an_update_restores_the_dnsimple_value(
    client: TestClient, auth: Auth, emulator: RunningEmulator, refuse: Callable[[str], None]
) -> None:
    assert client.post("/records/a/example.com/box/192.0.2.1", headers=auth()).status_code == 200
    refuse("UPDATE")
    response = client.post("/records/a/example.com/box/192.0.2.2", headers=auth())
    assert response.status_code == 503
    [record] = upstream(emulator)
    assert record["content"] == "192.0.2.1"
    assert client.get("/records", headers=auth()).json()["data"][0]["to"] == "192.0.2.1"
