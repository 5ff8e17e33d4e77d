"""Finding 7: the failed-authentication throttle locked out valid tokens and scanned linearly.

After ten bad tokens from an address the right token got 429 too, so anyone behind the same NAT
or proxy could lock the others out; and with 10,000 tracked sources every failure scanned them
all. Now only failures are throttled, each failure costs O(1), and memory stays bounded.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from dns_api.app import create_app
from dns_api.emulator import RunningEmulator
from dns_api.errors import TooManyFailures
from dns_api.services import throttle
from dns_api.services.throttle import FailureThrottle
from tests.conftest import PEER, legacy_token, make_settings
from tests.security.conftest import bearer, codes, lines_run


def test_a_valid_token_is_not_locked_out_by_someone_elses_failures(
    emulator: RunningEmulator, database_url: str
) -> None:
    settings = make_settings(
        dnsimple_base_url=emulator.url, database_url=database_url, auth_failure_limit=10
    )
    with TestClient(create_app(settings), client=PEER) as client:
        for _ in range(12):  # a guesser behind the same NAT
            client.get("/whoami", headers=bearer("dnsapi_guess"))
        refused = client.get("/whoami", headers=bearer("dnsapi_guess"))
        assert refused.status_code == 429
        assert codes(refused) == ["too_many_failures"]
        assert client.get("/whoami", headers=bearer(legacy_token("alice"))).status_code == 200


def test_a_failure_costs_the_same_with_ten_thousand_sources_tracked() -> None:
    clock = [0.0]
    limiter = FailureThrottle(limit=10, window=60, clock=lambda: clock[0])
    work_when_empty = lines_run(lambda: limiter.failed("192.0.2.1"), throttle)
    for n in range(20_000):
        limiter.failed(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}")
    assert limiter.tracked == throttle.MAX_SOURCES  # bounded
    work_when_full = lines_run(lambda: limiter.failed("198.51.100.1"), throttle)
    assert work_when_full <= work_when_empty + 5


def test_an_ipv6_subscriber_counts_as_one_source() -> None:
    limiter = FailureThrottle(limit=3, window=60, clock=lambda: 0.0)
    for host in range(3):
        limiter.failed(f"2001:db8:1:2::{host + 1}")
    with pytest.raises(TooManyFailures):
        limiter.failed("2001:db8:1:2:ffff::9")
    limiter.failed("2001:db8:1:3::1")  # another /64 has its own budget
