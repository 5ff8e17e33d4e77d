"""The emulator seen over HTTP by the tests: its records, its ``/_emulator/`` controls, and
records put there through its ``/v2`` API (so that a client has something to update or delete).

The state is read through ``GET /_emulator/zones/<zone>/records``, which is never
authenticated, counted or rate-limited: a check still works after a test spent the budget.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from dns_api.emulator import RunningEmulator
from tests.conftest import ACCOUNT_ID, EMULATOR_TOKEN
from tests.thirdparty.samples import ZONE, Value

Record = dict[str, Any]
TIMEOUT_S = 10.0


def records(emulator: RunningEmulator, zone: str = ZONE) -> list[Record]:
    """Every record of ``zone`` as the emulator holds it (the system SOA and NS too)."""
    response = httpx.get(f"{emulator.url}/_emulator/zones/{zone}/records", timeout=TIMEOUT_S)
    assert response.status_code == 200, response.text
    found: list[Record] = response.json()["data"]
    return found


def contents(emulator: RunningEmulator, rtype: str, name: str) -> list[tuple[str, int | None]]:
    """The sorted ``(content, priority)`` of the ``rtype`` records at ``name`` (relative)."""
    return sorted(
        (record["content"], record["priority"])
        for record in records(emulator)
        if record["type"] == rtype and record["name"] == name
    )


def user_records(emulator: RunningEmulator) -> list[Record]:
    """The records that are not DNSimple's own (the apex SOA and NS)."""
    return [record for record in records(emulator) if not record["system_record"]]


def create(emulator: RunningEmulator, rtype: str, name: str, value: Value) -> Record:
    """A record made through ``POST /v2/<account>/zones/<zone>/records``."""
    body = {"type": rtype, "name": name, "content": value.content, "priority": value.priority}
    response = httpx.post(
        f"{emulator.url}/v2/{ACCOUNT_ID}/zones/{ZONE}/records",
        json=body,
        headers={"Authorization": f"Bearer {EMULATOR_TOKEN}"},
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 201, response.text
    created: Record = response.json()["data"]
    return created


def control(emulator: RunningEmulator, method: str, path: str, body: Mapping[str, Any]) -> None:
    """One ``/_emulator/<path>`` call that must succeed."""
    url = f"{emulator.url}/_emulator/{path}"
    response = httpx.request(method, url, json=dict(body), timeout=TIMEOUT_S)
    assert response.is_success, response.text


def exhaust_rate_limit(emulator: RunningEmulator) -> None:
    """Nothing left of this hour's budget: the next authenticated request gets a 429."""
    control(emulator, "PUT", "rate-limit", {"remaining": 0})


def fail_next(emulator: RunningEmulator, status: int, *, method: str | None = None) -> None:
    """The next ``/v2`` request (with ``method``, if given) gets ``status`` instead of its
    answer, and is not performed."""
    control(emulator, "POST", "fail-next", {"status": status, "method": method})


def calls(emulator: RunningEmulator) -> dict[str, int]:
    """The ``/v2`` requests received since the test began, by ``"<METHOD> <operation>"``."""
    response = httpx.get(f"{emulator.url}/_emulator/calls", timeout=TIMEOUT_S)
    assert response.status_code == 200, response.text
    counted: dict[str, int] = response.json()
    return counted
