"""Findings 4 and 5: refused writes that left no audit event.

A write refused because its name is on the deny list (a 422 naming the field) left no event,
and on PostgreSQL a source longer than its column made a denied write answer 503 with no event.
Every refused record write is now recorded as ``record:denied``, with who, from where and the
request id, and nothing a caller sends can stop the event from being written.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from dns_api.app import create_app
from dns_api.emulator import RunningEmulator
from tests.conftest import PEER, legacy_token, make_settings
from tests.security.conftest import Auth, bearer, grant, mint

ZONE = "example.com"  # the tests' deny list holds "www" and "Admin"


def denials(client: TestClient) -> list[dict[str, Any]]:
    admin = bearer(legacy_token("alice"))
    response = client.get("/audit", headers=admin, params={"action": "record:denied"})
    assert response.status_code == 200
    found: list[dict[str, Any]] = response.json()["data"]
    return found


DENIED_WRITES = {
    "put": lambda c, h: c.put(
        f"/zones/{ZONE}/rrsets/www/A", headers=h, json={"records": ["192.0.2.1"]}
    ),
    "path upsert": lambda c, h: c.post(f"/records/a/{ZONE}/v2.WWW/192.0.2.1", headers=h),
    "path delete": lambda c, h: c.delete(f"/records/a/{ZONE}/www", headers=h),
    "create": lambda c, h: c.post(
        "/records",
        headers=h,
        json={"domain_type": "A", "domain": ZONE, "subdomain": "admin", "to": "192.0.2.1"},
    ),
    "changes": lambda c, h: c.post(
        f"/zones/{ZONE}/changes",
        headers=h,
        json={"changes": [{"action": "delete", "name": "www", "type": "TXT"}]},
    ),
}


@pytest.mark.parametrize("write", list(DENIED_WRITES.values()), ids=list(DENIED_WRITES))
def test_a_write_to_a_denied_name_is_refused_and_audited(
    client: TestClient, auth: Auth, emulator: RunningEmulator, write: Any
) -> None:
    secret = mint(client, auth(), grant(["**"]))
    response = write(client, {**bearer(secret), "X-Request-ID": "deny-list-1"})
    assert response.status_code == 422
    assert "deny list" in response.text
    [event] = denials(client)
    assert event["zone"] == ZONE
    assert event["name"] in ("www", "v2.www", "admin")
    assert event["outcome"] == "denied"
    assert event["token_id"] is not None
    assert (event["source"], event["request_id"]) == ("127.0.0.1", "deny-list-1")
    assert "deny list" in event["detail"]
    assert [r for r in emulator.state.records(ZONE) if not r["system_record"]] == []


def test_an_unrelated_invalid_write_is_not_a_denial(client: TestClient, auth: Auth) -> None:
    response = client.put(
        f"/zones/{ZONE}/rrsets/box/A", headers=auth(), json={"records": ["not-an-address"]}
    )
    assert response.status_code == 422
    assert denials(client) == []


def test_a_hostile_forwarded_for_cannot_stop_a_denial_being_audited(
    emulator: RunningEmulator, database_url: str
) -> None:
    settings = make_settings(
        dnsimple_base_url=emulator.url, database_url=database_url, trusted_proxies=["127.0.0.0/8"]
    )
    with TestClient(create_app(settings), client=PEER) as client:
        secret = mint(client, bearer(legacy_token("alice")), grant(["pr-*"]))
        headers = {**bearer(secret), "X-Forwarded-For": "<script>" + "x" * 300}
        response = client.post(f"/records/a/{ZONE}/prod/192.0.2.1", headers=headers)
        assert response.status_code == 403
        [event] = denials(client)
    assert event["name"] == "prod"
    assert event["source"] is None  # not an address: not believed, not stored


def test_overlong_caller_fields_are_cut_to_fit_not_lost(
    emulator: RunningEmulator, database_url: str
) -> None:
    long_user = "u" * 300  # VALID_USERS comes from configuration: nothing bounds it
    settings = make_settings(
        dnsimple_base_url=emulator.url, database_url=database_url, valid_users=[long_user]
    )
    with TestClient(create_app(settings), client=PEER) as client:
        headers = bearer(legacy_token(long_user))
        response = client.post(f"/records/a/{ZONE}/www/192.0.2.1", headers=headers)
        assert response.status_code == 422
        events = client.get("/audit", headers=headers, params={"action": "record:denied"})
        [event] = events.json()["data"]
    assert event["actor"].startswith("u" * 200)
    assert len(event["actor"]) <= 255
