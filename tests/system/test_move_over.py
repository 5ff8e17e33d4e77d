"""An existing python-dns-api deployment moves over, with its records, its ids and its tokens.

The original's table is created by SQL as its model (``Record`` in its ``app.py``) made it, on a
database dns-api has never seen, and filled as the original filled it: records it created at
DNSimple (through the emulator, with the priority 10 it sent with everything), ids with a gap,
naive timestamps. Then ``dns-api serve`` starts with the original's environment, and the
original README's calls are made with the original's tokens and ids. Both databases.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from itsdangerous import JSONWebSignatureSerializer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dns_api.db import urls
from dns_api.emulator import RunningEmulator
from tests.conftest import SECRET_KEY, WORKER
from tests.live import ZONE, serve, server_environment

pytestmark = pytest.mark.slow

ORIGINAL_SCHEMA = {
    "sqlite": """
        CREATE TABLE record (
            id INTEGER NOT NULL, dnsimple_record_id BIGINT NOT NULL,
            domain_key VARCHAR(116) NOT NULL, domain_type VARCHAR(16) NOT NULL,
            domain VARCHAR(32) NOT NULL, subdomain VARCHAR(32) NOT NULL, "to" VARCHAR(64) NOT NULL,
            created DATETIME NOT NULL,
            PRIMARY KEY (id), UNIQUE (dnsimple_record_id), UNIQUE (domain_key))""",
    "postgresql": """
        CREATE TABLE record (
            id SERIAL NOT NULL, dnsimple_record_id BIGINT NOT NULL,
            domain_key VARCHAR(116) NOT NULL, domain_type VARCHAR(16) NOT NULL,
            domain VARCHAR(32) NOT NULL, subdomain VARCHAR(32) NOT NULL, "to" VARCHAR(64) NOT NULL,
            created TIMESTAMP WITHOUT TIME ZONE NOT NULL,
            PRIMARY KEY (id), UNIQUE (dnsimple_record_id), UNIQUE (domain_key))""",
}
CREATED = datetime(2019, 3, 14, 15, 9, 26)  # naive, as the original stored now()
# The original's tokens: itsdangerous' JWS over {"username": ...} with SECRET_KEY.
ORIGINAL_TOKEN = JSONWebSignatureSerializer(SECRET_KEY).dumps({"username": "alice"}).decode()
AUTH = {"Authorization": f"Bearer {ORIGINAL_TOKEN}"}


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database dns-api has never seen: nothing but what the test puts in it."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'original.db'}"
        return
    admin_url = os.environ.get("DNS_API_TEST_POSTGRES_URL")
    if not admin_url:
        pytest.skip("PostgreSQL not available (set DNS_API_TEST_POSTGRES_URL)")
    name = f"move_over_{WORKER}"
    admin = create_engine(urls.engine_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def run_sql(database_url: str, *statements: str, **values: Any) -> list[Any]:
    engine = create_engine(urls.engine_url(database_url))
    found: list[Any] = []
    with engine.begin() as connection:
        for statement in statements:
            result = connection.execute(text(statement), values)
            if result.returns_rows:
                found.extend(result.all())
    engine.dispose()
    return found


def original_created(emulator: RunningEmulator, kind: str, name: str, to: str) -> int:
    """A record made at DNSimple the way the original made it (TTL 60, priority 10)."""
    body = {"name": name, "type": kind, "content": to, "ttl": 60, "priority": 10}
    record_id: int = emulator.state.create_record(ZONE, body)["id"]
    return record_id


def original_deployment(emulator: RunningEmulator, database_url: str) -> dict[str, int]:
    """The original's table, with what the original would have stored; returns name -> id."""
    dialect = "sqlite" if urls.is_sqlite(database_url) else "postgresql"
    rows = [
        (1, "A", "box", "192.0.2.10"),
        (2, "CNAME", "api", "api.example.org"),
        (5, "A", "Shop", "192.0.2.55"),  # stored with the case the client sent
        (7, "CNAME", "docs", "Docs.Example.NET."),
    ]
    insert = (
        "INSERT INTO record (id, dnsimple_record_id, domain_key, domain_type, domain, subdomain,"
        ' "to", created) VALUES (:id, :dnsimple_id, :key, :kind, :zone, :name, :to, :created)'
    )
    ids = {}
    for record_id, kind, name, to in rows:
        dnsimple_id = original_created(emulator, kind, name.lower(), to.lower().rstrip("."))
        key = f"{kind}::{ZONE}::{name}"
        values = {"id": record_id, "dnsimple_id": dnsimple_id, "key": key, "kind": kind}
        run_sql(database_url, insert, **values, zone=ZONE, name=name, to=to, created=CREATED)
        ids[name.lower()] = record_id
    if dialect == "postgresql":
        run_sql(database_url, "SELECT setval('record_id_seq', 7)")
    return ids


@pytest.fixture
def moved(emulator: RunningEmulator, fresh_database_url: str) -> dict[str, int]:
    run_sql(
        fresh_database_url,
        ORIGINAL_SCHEMA["sqlite" if "sqlite" in fresh_database_url else "postgresql"],
    )
    return original_deployment(emulator, fresh_database_url)


def test_the_original_readme_works_against_the_moved_records(
    emulator: RunningEmulator, fresh_database_url: str, moved: dict[str, int], tmp_path: Path
) -> None:
    # The DNSimple record of "docs" was deleted by hand before the move.
    gone = next(r for r in emulator.state.records(ZONE) if r["name"] == "docs")
    emulator.state.delete_record(ZONE, gone["id"])
    before = run_sql(fresh_database_url, "SELECT * FROM record ORDER BY id")
    with serve(emulator, fresh_database_url, tmp_path) as url, httpx.Client(base_url=url) as api:
        assert api.get("/").json() == {"meta": {"status": 200}}
        assert api.post("/whoami", headers=AUTH).json()["data"]["id"] == "alice"
        assert {"id": ZONE, "type": "domain"} in api.get("/domains", headers=AUTH).json()["data"]
        # The ids a client kept still name the same records, as the original showed them.
        box = api.get(f"/records/{moved['box']}", headers=AUTH).json()["data"]
        assert (box["domain_key"], box["to"], box["priority"]) == (
            "A::example.com::box",
            "192.0.2.10",
            None,
        )
        assert box["created"] == "2019-03-14T15:09:26Z"
        shop = api.get(f"/records/{moved['shop']}", headers=AUTH).json()["data"]
        assert (shop["subdomain"], shop["domain_key"]) == ("shop", "A::example.com::shop")
        docs = api.get(f"/records/{moved['docs']}", headers=AUTH).json()["data"]
        assert docs["to"] == "docs.example.net"
        listed = api.get("/records", headers=AUTH).json()["data"]
        assert [r["id"] for r in listed] == [7, 5, 2, 1]
        # The original README's calls, with its token and its ids.
        created = api.post(
            "/records",
            headers=AUTH,
            json={
                "domain_type": "cname",
                "domain": ZONE,
                "subdomain": "blog",
                "to": "blog.example.org",
            },
        )
        assert created.status_code == 200
        assert created.json()["data"]["id"] == 8  # ids go on after the original's
        patched = api.post(f"/records/{moved['box']}", headers=AUTH, json={"to": "192.0.2.11"})
        assert patched.status_code == 200
        assert patched.json()["data"]["id"] == moved["box"]
        upserted = api.post(f"/records/cname/{ZONE}/api/api2.example.org", headers=AUTH)
        assert upserted.status_code == 200, upserted.text
        assert upserted.json()["data"]["id"] == moved["api"]  # updated in place, not "unmanaged"
        assert api.delete(f"/records/cname/{ZONE}/api", headers=AUTH).status_code == 200
        assert api.delete(f"/records/{moved['shop']}", headers=AUTH).status_code == 200
        history = api.get(f"/records/{moved['box']}/history", headers=AUTH).json()["data"]
        assert [e["action"] for e in history] == ["record:imported", "record:updated"]
    at_dnsimple = {
        (r["name"], r["content"]) for r in emulator.state.records(ZONE) if not r["system_record"]
    }
    assert at_dnsimple == {("box", "192.0.2.11"), ("blog", "blog.example.org")}
    # Reconcile sees the record deleted by hand before the move as missing, nothing else.
    report = reconcile(emulator, fresh_database_url, tmp_path)
    assert report.returncode == 2, report.stdout + report.stderr
    assert "docs" in report.stdout
    assert run_sql(fresh_database_url, "SELECT * FROM record ORDER BY id") == before  # untouched


def reconcile(
    emulator: RunningEmulator, database_url: str, workdir: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dns_api", "reconcile"],
        env=server_environment(emulator, database_url),
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )


def upgrade(
    emulator: RunningEmulator, database_url: str, workdir: Path, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dns_api", "db", "upgrade"],
        env=server_environment(emulator, database_url, **extra),
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )


def test_rows_that_cannot_move_stop_the_import_with_one_line_each(
    emulator: RunningEmulator, fresh_database_url: str, moved: dict[str, int], tmp_path: Path
) -> None:
    refused = upgrade(emulator, fresh_database_url, tmp_path, BLACKLISTED_SUBDOMAINS="box,shop")
    assert refused.returncode == 2
    lines = [line for line in refused.stderr.splitlines() if "cannot import" in line]
    assert len(lines) == 2
    assert "record 1 (A::example.com::box)" in lines[0]
    assert "record 5 (A::example.com::Shop)" in lines[1]
    assert "deny list" in lines[0]
    assert "Traceback" not in refused.stderr
    assert run_sql(fresh_database_url, "SELECT count(*) FROM records") == [
        (0,)
    ]  # nothing half-done
    done = upgrade(emulator, fresh_database_url, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "moved over from python-dns-api: 4 records" in done.stdout
    assert run_sql(fresh_database_url, "SELECT count(*) FROM records") == [(4,)]
    again = upgrade(emulator, fresh_database_url, tmp_path)  # once only
    assert "moved over" not in again.stdout
    assert run_sql(fresh_database_url, "SELECT count(*) FROM records") == [(4,)]


def test_ttls_come_from_dnsimple_and_a_and_cname_get_no_priority(
    emulator: RunningEmulator, fresh_database_url: str, moved: dict[str, int], tmp_path: Path
) -> None:
    box = next(r for r in emulator.state.records(ZONE) if r["name"] == "box")
    emulator.state.update_record(ZONE, box["id"], {"ttl": 3600})
    assert upgrade(emulator, fresh_database_url, tmp_path).returncode == 0
    rows = run_sql(
        fresh_database_url, "SELECT name, ttl, priority, origin FROM records ORDER BY id"
    )
    assert rows == [
        ("box", 3600, None, "imported"),
        ("api", 60, None, "imported"),
        ("shop", 60, None, "imported"),
        ("docs", 60, None, "imported"),
    ]
    report = reconcile(emulator, fresh_database_url, tmp_path)
    assert report.returncode == 0, report.stdout  # in sync: no drift from the priority 10
