"""What the tests do and check outside the browser, over real HTTP: dns-api's API (as a
script would call it) and the DNSimple emulator (what really reached "DNSimple")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from dns_api.emulator import RunningEmulator
from tests.conftest import ACCOUNT_ID, EMULATOR_TOKEN

TIMEOUT = httpx.Timeout(30.0)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@dataclass(frozen=True)
class Minted:
    id: str
    secret: str


class Api:
    """dns-api's HTTP API with one token."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(
            method, self.url + path, headers=bearer(self.token), timeout=TIMEOUT, **kwargs
        )

    def put_set(
        self, zone: str, name: str, type_: str, values: list[str], ttl: int | None = None
    ) -> dict[str, Any]:
        """Make the set exactly ``values``; returns the API's reply data."""
        body: dict[str, Any] = {"records": values}
        if ttl is not None:
            body["ttl"] = ttl
        answer = self.call("PUT", f"/zones/{zone}/rrsets/{name}/{type_}", json=body)
        assert answer.status_code == 200, answer.text
        data: dict[str, Any] = answer.json()["data"]
        return data

    def set_values(self, zone: str, name: str, type_: str) -> list[str] | None:
        """The set's values as the API shows them, or ``None`` when there is no such set."""
        answer = self.call("GET", f"/zones/{zone}/rrsets/{name}/{type_}")
        if answer.status_code == 404:
            return None
        assert answer.status_code == 200, answer.text
        return sorted(answer.json()["data"]["records"])

    def mint(self, name: str, grants: list[dict[str, Any]], *, can_mint: bool = False) -> Minted:
        """A new scoped token, minted from this one."""
        body = {"name": name, "grants": grants, "can_mint": can_mint}
        answer = self.call("POST", "/tokens", json=body)
        assert answer.status_code == 201, answer.text
        data = answer.json()["data"]
        return Minted(id=str(data["id"]), secret=data["token"])

    def events(self, zone: str, name: str, action: str) -> list[dict[str, Any]]:
        """Audit events of one name, newest first."""
        params = {"zone": zone, "name": name, "action": action}
        answer = self.call("GET", "/audit", params=params)
        assert answer.status_code == 200, answer.text
        events: list[dict[str, Any]] = answer.json()["data"]
        return events


class Upstream:
    """The emulator's records, read over its HTTP API as dns-api reads DNSimple."""

    def __init__(self, emulator: RunningEmulator) -> None:
        self.url = f"{emulator.url}/v2/{ACCOUNT_ID}/zones"

    def records(self, zone: str, name: str, type_: str) -> list[dict[str, Any]]:
        """The records at ``name`` (relative, "" for the apex) with this type."""
        params = {"name": name, "type": type_, "per_page": "100"}
        answer = self._call("GET", f"/{zone}/records", params=params)
        assert answer.status_code == 200, answer.text
        records: list[dict[str, Any]] = answer.json()["data"]
        return [r for r in records if r["name"] == name and r["type"] == type_]

    def values(self, zone: str, name: str, type_: str) -> list[str]:
        """The contents of those records, sorted."""
        return sorted(r["content"] for r in self.records(zone, name, type_))

    def delete(self, zone: str, name: str, type_: str) -> None:
        """Delete those records behind dns-api's back (as someone in DNSimple's own UI)."""
        for record in self.records(zone, name, type_):
            answer = self._call("DELETE", f"/{zone}/records/{record['id']}")
            assert answer.status_code == 204, answer.text

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = bearer(EMULATOR_TOKEN)
        return httpx.request(method, self.url + path, headers=headers, timeout=TIMEOUT, **kwargs)
