"""Finding 9: anonymous readiness probes could spend DNSimple's hourly budget.

During a DNSimple outage every ``/health/ready`` made three DNSimple calls (a try and two
retries), so ~800 probes from anyone spent the account's 2,400 requests an hour. A failure is
now remembered like a success, concurrent probes share one call, and that call is never retried.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from dns_api.emulator import RunningEmulator


@pytest.fixture
def failing_dnsimple(emulator: RunningEmulator) -> Iterator[RunningEmulator]:
    emulator.state.set_faults(failure_rates={503: 1.0})
    try:
        yield emulator
    finally:
        emulator.state.set_faults()


def test_probes_during_an_outage_make_one_dnsimple_call(
    client: TestClient, failing_dnsimple: RunningEmulator
) -> None:
    statuses = {client.get("/health/ready").status_code for _ in range(20)}
    assert statuses == {503}
    assert failing_dnsimple.state.count("GET", "whoami") == 1


def test_probes_that_succeed_make_one_call_too(
    client: TestClient, emulator: RunningEmulator
) -> None:
    assert {client.get("/health/ready").status_code for _ in range(20)} == {200}
    assert emulator.state.count("GET", "whoami") == 1
