"""The admin API over HTTP: ``/reconcile`` (plan, apply, force) and ``.../adopt``, against the
DNSimple emulator on both databases. Only admins may call it; a scoped token, even one that may
do everything to records, gets 403."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dns_api.emulator import RunningEmulator

Auth = Callable[..., dict[str, str]]

ZONE = "example.com"
EVERYTHING = {
    "zones": ["*"],
    "names": ["**"],
    "types": ["*"],
    "actions": ["read", "create", "update", "delete"],
}


def put(client: TestClient, auth: Auth, name: str, *records: str) -> None:
    url = f"/zones/{ZONE}/rrsets/{name}/A"
    response = client.put(url, headers=auth(), json={"records": list(records)})
    assert response.status_code == 200, response.json()


def upstream(emulator: RunningEmulator, name: str) -> list[dict[str, Any]]:
    return [r for r in emulator.state.records(ZONE) if r["name"] == name]


def zone_of(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.json()
    [zone] = response.json()["data"]["zones"]
    result: dict[str, Any] = zone
    return result


def codes(response: Any) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


@pytest.fixture
def scoped(client: TestClient, auth: Auth) -> dict[str, str]:
    response = client.post("/tokens", headers=auth(), json={"name": "ci", "grants": [EVERYTHING]})
    assert response.status_code == 201, response.json()
    return {"Authorization": f"Bearer {response.json()['data']['token']}"}


def test_only_admins_may_reconcile_or_adopt(client: TestClient, scoped: dict[str, str]) -> None:
    for response in (
        client.get("/reconcile", headers=scoped),
        client.post("/reconcile", headers=scoped, json={"apply": True}),
        client.post(f"/zones/{ZONE}/rrsets/app/A/adopt", headers=scoped),
    ):
        assert response.status_code == 403
        assert codes(response) == ["forbidden"]
    assert client.get("/reconcile").status_code == 401


def test_the_plan_as_json(client: TestClient, auth: Auth, emulator: RunningEmulator) -> None:
    put(client, auth, "app", "192.0.2.1")
    [record] = upstream(emulator, "app")
    emulator.state.update_record(ZONE, record["id"], {"content": "192.0.2.66"})
    emulator.state.create_record(ZONE, {"name": "app", "type": "TXT", "content": "hello"})

    response = client.get("/reconcile", headers=auth(), params={"zone": ZONE})

    zone = zone_of(response)
    assert response.json()["data"]["in_sync"] is False
    assert zone["counts"] == {"missing": 0, "drift": 1, "pending": 0, "unknown": 1}
    [drift] = zone["drift"]
    assert (drift["ours"]["content"], drift["theirs"]["content"]) == ("192.0.2.1", "192.0.2.66")
    assert zone["unknown"][0]["type"] == "TXT"
    assert zone["applied"] is None
    assert upstream(emulator, "app")[0]["content"] == "192.0.2.66"


def test_every_zone_without_a_zone(client: TestClient, auth: Auth) -> None:
    response = client.get("/reconcile", headers=auth())
    assert response.status_code == 200
    assert [z["zone"] for z in response.json()["data"]["zones"]] == ["example.com", "example.org"]
    assert response.json()["data"]["in_sync"] is True


def test_post_is_a_dry_run_unless_apply(
    client: TestClient, auth: Auth, emulator: RunningEmulator
) -> None:
    put(client, auth, "app", "192.0.2.1")
    [record] = upstream(emulator, "app")
    emulator.state.delete_record(ZONE, record["id"])

    dry = client.post("/reconcile", headers=auth(), json={"zone": ZONE})
    assert zone_of(dry)["counts"]["missing"] == 1
    assert upstream(emulator, "app") == []

    applied = client.post("/reconcile", headers=auth(), json={"zone": ZONE, "apply": True})
    zone = zone_of(applied)
    assert applied.json()["data"]["applied"] is True
    [new] = upstream(emulator, "app")
    assert zone["applied"]["recreated"][0]["dnsimple_record_id"] == new["id"]
    assert new["content"] == "192.0.2.1"
    assert zone_of(client.get("/reconcile", headers=auth(), params={"zone": ZONE}))["in_sync"]


def test_apply_that_changes_too_much_is_409_until_forced(
    client: TestClient, auth: Auth, emulator: RunningEmulator
) -> None:
    put(client, auth, "app", *(f"192.0.2.{n}" for n in range(1, 11)))
    for record in upstream(emulator, "app")[:4]:
        emulator.state.update_record(ZONE, record["id"], {"ttl": 7200})

    refused = client.post("/reconcile", headers=auth(), json={"apply": True})
    assert refused.status_code == 409
    assert codes(refused) == ["needs_force"]
    assert sum(r["ttl"] == 7200 for r in upstream(emulator, "app")) == 4

    body = {"apply": True, "force": True}
    forced = client.post("/reconcile", headers=auth(), json=body)
    assert len(zone_of_applied(forced, ZONE)["restored"]) == 4
    assert all(r["ttl"] != 7200 for r in upstream(emulator, "app"))


def zone_of_applied(response: Any, zone: str) -> dict[str, Any]:
    assert response.status_code == 200, response.json()
    [found] = [z for z in response.json()["data"]["zones"] if z["zone"] == zone]
    applied: dict[str, Any] = found["applied"]
    return applied


def test_bad_reconcile_input_is_422(client: TestClient, auth: Auth) -> None:
    bad_zone = client.get("/reconcile", headers=auth(), params={"zone": "nope.com"})
    assert bad_zone.status_code == 422
    assert bad_zone.json()["errors"][0]["source"] == {"parameter": "zone"}
    bad_body = client.post("/reconcile", headers=auth(), json={"apply": "yes", "extra": 1})
    assert bad_body.status_code == 422
    assert {e["source"]["pointer"] for e in bad_body.json()["errors"]} == {"/apply", "/extra"}


def test_adopt(client: TestClient, auth: Auth, emulator: RunningEmulator) -> None:
    made = emulator.state.create_record(
        ZONE, {"name": "legacy", "type": "A", "content": "192.0.2.5"}
    )
    url = f"/zones/{ZONE}/rrsets/legacy/A/adopt"

    first = client.post(url, headers=auth())
    assert first.status_code == 201, first.json()
    [adopted] = first.json()["data"]["adopted"]
    assert adopted["dnsimple_record_id"] == made["id"]
    assert adopted["fqdn"] == f"legacy.{ZONE}"

    again = client.post(url, headers=auth())
    assert again.status_code == 200
    assert again.json()["data"]["adopted"] == []
    assert len(again.json()["data"]["already_owned"]) == 1

    shown = client.get(f"/zones/{ZONE}/rrsets/legacy/A", headers=auth())
    assert shown.status_code == 200
    assert shown.json()["data"]["records"] == ["192.0.2.5"]


def test_adopt_refusals(client: TestClient, auth: Auth) -> None:
    nothing = client.post(f"/zones/{ZONE}/rrsets/void/TXT/adopt", headers=auth())
    assert nothing.status_code == 404
    bad = client.post(f"/zones/{ZONE}/rrsets/www/NS/adopt", headers=auth())
    assert bad.status_code == 422
    assert {e["source"]["parameter"] for e in bad.json()["errors"]} == {"name", "type"}
