"""Finding 6: ``Idempotency-Key`` replays ran before authentication.

A revoked, rotated or out-of-network token got a stored 200 back for 24 hours, and a token could
hold any number of keys. Now the caller is authenticated before anything is replayed, and a
token holds at most ``IDEMPOTENCY_MAX_KEYS`` live keys.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from dns_api.app import create_app
from dns_api.emulator import RunningEmulator
from tests.conftest import PEER, legacy_token, make_settings
from tests.security.conftest import bearer, codes, grant, mint

WRITE = "/records/a/example.com/pr-1/192.0.2.1"
ADMIN = bearer(legacy_token("alice"))


@pytest.fixture
def app_settings(emulator: RunningEmulator, database_url: str) -> dict[str, object]:
    return {"dnsimple_base_url": emulator.url, "database_url": database_url}


@pytest.fixture
def client(app_settings: dict[str, object]) -> Iterator[TestClient]:
    settings = make_settings(**app_settings, idempotency_max_keys=3)
    with TestClient(create_app(settings), client=PEER) as test_client:
        yield test_client


def keyed(headers: dict[str, str], key: str = "deploy-1") -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


def test_a_revoked_token_gets_no_replay(client: TestClient) -> None:
    secret = mint(client, ADMIN, grant(["pr-*"]))
    assert client.post(WRITE, headers=keyed(bearer(secret))).status_code == 200
    token_id = client.get("/whoami", headers=bearer(secret)).json()["data"]["token"]["id"]
    assert client.delete(f"/tokens/{token_id}", headers=ADMIN).status_code == 200
    replay = client.post(WRITE, headers=keyed(bearer(secret)))
    assert replay.status_code == 401
    assert "Idempotent-Replayed" not in replay.headers
    assert codes(replay) == ["unauthenticated"]


def test_a_token_from_outside_its_networks_gets_no_replay(
    client: TestClient, app_settings: dict[str, object]
) -> None:
    secret = mint(client, ADMIN, grant(["pr-*"]), cidrs=["192.0.2.0/24"])
    inside = make_settings(**app_settings)
    with TestClient(create_app(inside), client=("192.0.2.9", 50000)) as office:
        assert office.post(WRITE, headers=keyed(bearer(secret))).status_code == 200
        assert office.post(WRITE, headers=keyed(bearer(secret))).headers["Idempotent-Replayed"]
    outside = client.post(WRITE, headers=keyed(bearer(secret)))  # from 127.0.0.1
    assert outside.status_code == 401
    assert "Idempotent-Replayed" not in outside.headers


def test_a_token_holds_a_bounded_number_of_keys(client: TestClient) -> None:
    secret = mint(client, ADMIN, grant(["pr-*"]))
    for n in range(3):
        path = f"/records/a/example.com/pr-{n}/192.0.2.1"
        assert client.post(path, headers=keyed(bearer(secret), f"k{n}")).status_code == 200
    refused = client.post(WRITE, headers=keyed(bearer(secret), "k3"))
    assert refused.status_code == 429
    assert codes(refused) == ["too_many_keys"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 24 * 3600 + 1
    # A retry of a key it holds is still answered, and other tokens have their own budget.
    again = client.post(
        "/records/a/example.com/pr-0/192.0.2.1", headers=keyed(bearer(secret), "k0")
    )
    assert again.headers["Idempotent-Replayed"] == "true"
    assert client.post(WRITE, headers=keyed(ADMIN, "k3")).status_code == 200
