"""X-Forwarded-For is believed only from TRUSTED_PROXIES, however the server is started.

These run real ``dns-api serve`` processes: the hole was in uvicorn's own proxy-header handling,
below the app, so only the whole server shows it.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select

from dns_api.db import urls
from dns_api.db.models import AuditRow
from dns_api.emulator import RunningEmulator
from tests.conftest import legacy_token
from tests.live import ZONE, serve

pytestmark = pytest.mark.slow

ADMIN = {"Authorization": f"Bearer {legacy_token('alice')}"}


def mint_for_network(url: str, cidr: str) -> str:
    body = {
        "name": "office only",
        "grants": [{"zones": [ZONE], "names": ["**"], "types": ["*"], "actions": ["read"]}],
        "cidrs": [cidr],
    }
    response = httpx.post(f"{url}/tokens", headers=ADMIN, json=body)
    assert response.status_code == 201, response.text
    secret: str = response.json()["data"]["token"]
    return secret


def whoami(url: str, secret: str, forwarded_for: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {secret}"}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    return httpx.get(f"{url}/whoami", headers=headers).status_code


def audit_sources(database_url: str) -> list[str | None]:
    engine = create_engine(urls.engine_url(database_url))
    with engine.connect() as connection:
        found = [row.source for row in connection.execute(select(AuditRow.__table__))]
    engine.dispose()
    return found


def test_forwarded_for_from_loopback_does_not_unlock_a_network_restricted_token(
    emulator: RunningEmulator, database_url: str, tmp_path: Path
) -> None:
    with serve(emulator, database_url, tmp_path) as url:
        secret = mint_for_network(url, "10.0.0.0/8")
        assert whoami(url, secret) == 401  # 127.0.0.1 is outside 10.0.0.0/8
        assert whoami(url, secret, forwarded_for="10.9.9.9") == 401
        assert whoami(url, secret, forwarded_for="127.0.0.1, 10.9.9.9") == 401


def test_forwarded_for_is_believed_from_a_listed_trusted_proxy(
    emulator: RunningEmulator, database_url: str, tmp_path: Path
) -> None:
    with serve(emulator, database_url, tmp_path, TRUSTED_PROXIES="127.0.0.1/32") as url:
        secret = mint_for_network(url, "10.0.0.0/8")
        assert whoami(url, secret, forwarded_for="10.9.9.9") == 200
        assert whoami(url, secret, forwarded_for="192.0.2.1") == 401


def test_rotating_forwarded_for_does_not_dodge_the_failure_throttle(
    emulator: RunningEmulator, database_url: str, tmp_path: Path
) -> None:
    with serve(emulator, database_url, tmp_path, AUTH_FAILURE_LIMIT="3") as url:
        statuses = [
            whoami(url, "dnsapi_wrong", forwarded_for=f"198.51.100.{n}") for n in range(1, 6)
        ]
    assert statuses == [401, 401, 401, 429, 429]


def test_the_audit_source_is_the_peer_not_the_header(
    emulator: RunningEmulator, database_url: str, tmp_path: Path
) -> None:
    with serve(emulator, database_url, tmp_path) as url:
        headers = {**ADMIN, "X-Forwarded-For": "<script>" + "x" * 300}
        response = httpx.post(f"{url}/records/a/{ZONE}/box/192.0.2.1", headers=headers)
        assert response.status_code == 200, response.text
    assert audit_sources(database_url) == ["127.0.0.1"]


def test_several_workers_ignore_forwarded_for_too(
    emulator: RunningEmulator, database_url: str, tmp_path: Path
) -> None:
    if urls.is_sqlite(database_url):
        pytest.skip("several workers need PostgreSQL")
    with serve(emulator, database_url, tmp_path, args=["--workers", "2"]) as url:
        secret = mint_for_network(url, "10.0.0.0/8")
        assert [whoami(url, secret, forwarded_for="10.9.9.9") for _ in range(6)] == [401] * 6
