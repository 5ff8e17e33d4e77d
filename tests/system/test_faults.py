"""Many writes while DNSimple fails: no orphan, no lost row, no drift.

The emulator answers 5xx and hangs past dns-api's timeout, a share of them after it made the
change (a lost answer). Whatever the clients were told, once recovery has run, DNSimple and
dns-api's database hold exactly the same records. (A 429 spends the hourly budget, after which
the client stops sending for the hour: tests/contract/test_dnsimple_client_retries.py.)
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from dns_api.app import create_app, services_of
from dns_api.db.models import RecordRow
from dns_api.emulator import RunningEmulator
from tests.conftest import make_settings

ZONE = "example.com"
FAULTS: dict[str, Any] = {
    "failure_rates": {500: 0.08, 502: 0.06, 503: 0.06},
    "hang_rate": 0.05,
    "hang_seconds": 0.6,
    "after_apply_share": 0.4,
}


@pytest.fixture
def client(emulator: RunningEmulator, database_url: str) -> Iterator[TestClient]:
    settings = make_settings(
        dnsimple_base_url=emulator.url,
        database_url=database_url,
        dnsimple_timeout=0.3,  # a hang becomes a timeout
        dnsimple_max_rate_limit_wait=0,
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def random_write(rng: random.Random) -> tuple[str, str, dict[str, Any] | None]:
    name = f"f{rng.randrange(12)}"
    value = f"198.51.100.{rng.randint(1, 254)}"
    roll = rng.random()
    if roll < 0.4:
        return "POST", f"/records/A/{ZONE}/{name}/{value}", None
    if roll < 0.7:
        values = sorted({f"198.51.100.{rng.randint(1, 254)}" for _ in range(rng.randint(1, 3))})
        return "PUT", f"/zones/{ZONE}/rrsets/{name}/A", {"records": values}
    if roll < 0.85:
        return "DELETE", f"/zones/{ZONE}/rrsets/{name}/A", None
    changes = [
        {"action": "delete", "name": name, "type": "A"},
        {"action": "replace", "name": name, "type": "CNAME", "records": ["app.example.net"]},
    ]
    return "POST", f"/zones/{ZONE}/changes", {"changes": changes}


def upstream(emulator: RunningEmulator) -> set[tuple[int, str, str, str]]:
    return {
        (r["id"], r["name"], r["type"], r["content"])
        for r in emulator.state.records(ZONE)
        if not r["system_record"]
    }


def stored(client: TestClient) -> set[tuple[int, str, str, str]]:
    def load(session: Session) -> set[tuple[int, str, str, str]]:
        rows = session.scalars(select(RecordRow))
        return {(r.dnsimple_record_id, r.name, r.type, r.content) for r in rows}

    return services_of(client.app).database.transaction(load)  # type: ignore[arg-type]


def test_writes_under_faults_leave_dnsimple_and_dns_api_agreeing(
    client: TestClient, emulator: RunningEmulator, auth: Any
) -> None:
    rng = random.Random(7)
    statuses: Counter[int] = Counter()
    emulator.state.set_faults(**FAULTS, seed=7)  # the same faults every run: no flaky mix
    try:
        for _ in range(80):
            method, path, body = random_write(rng)
            response = client.request(method, path, headers=auth(), json=body)
            statuses[response.status_code] += 1
            assert response.status_code < 500 or response.json()["errors"], response.text
    finally:
        emulator.state.set_faults()
    # Every kind of answer happened: successes, refusals, and DNSimple failures told to clients.
    assert statuses[200] > 0
    assert any(status >= 500 for status in statuses), statuses
    # Changes whose fate DNSimple would not tell are finished by recovery (as a restart does).
    services = services_of(client.app)  # type: ignore[arg-type]
    assert client.portal is not None
    client.portal.call(services.recovery.recover)
    assert stored(client) == upstream(emulator)
