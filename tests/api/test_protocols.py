"""The protocol endpoints (httpreq, acme-dns, DynDNS2) over HTTP, against the DNSimple emulator.

What each client sends and expects is in ../shared/PROTOCOLS.md; the real clients are driven in
tests/clients/. Here: every answer and refusal of each protocol, on both databases.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dns_api.app import create_app
from dns_api.emulator import RunningEmulator
from tests.conftest import PEER, legacy_token, make_settings

ZONE = "example.com"
ADMIN = {"Authorization": f"Bearer {legacy_token('alice')}"}
V1, V2, V3 = "a" * 43, "b" * 43, "c" * 43
ACME_GRANT = {
    "zones": [ZONE],
    "names": ["_acme-challenge", "_acme-challenge.**"],
    "types": ["TXT"],
    "actions": ["read", "create", "update", "delete"],
}
Settings = dict[str, Any]


def basic(token: str, username: str = "lego") -> dict[str, str]:
    encoded = base64.b64encode(f"{username}:{token}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def mint(client: TestClient, grant: dict[str, Any], **extra: Any) -> str:
    body = {"name": "protocol", "grants": [grant], **extra}
    response = client.post("/tokens", headers=ADMIN, json=body)
    assert response.status_code == 201, response.text
    secret: str = response.json()["data"]["token"]
    return secret


def txt_values(emulator: RunningEmulator, name: str) -> list[str]:
    records = emulator.state.records(ZONE)
    return sorted(
        r["content"].strip('"') for r in records if r["name"] == name and r["type"] == "TXT"
    )


def events(client: TestClient, action: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get(
        "/audit", headers=ADMIN, params={"action": action}
    ).json()["data"]
    return found


@pytest.fixture
def make_client(
    emulator: RunningEmulator, database_url: str
) -> Iterator[Callable[..., TestClient]]:
    """``make_client(**settings)``: an app with those settings, as a test client."""
    opened: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        settings = make_settings(
            dnsimple_base_url=emulator.url, database_url=database_url, **overrides
        )
        client = TestClient(create_app(settings), client=PEER)
        opened.append(client.__enter__())
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


# --- httpreq ------------------------------------------------------------------------------------

FQDN = "_acme-challenge.shop.example.com."


class TestHttpreq:
    def test_present_keeps_both_values_and_cleanup_removes_only_its_own(
        self, client: TestClient, emulator: RunningEmulator
    ) -> None:
        token = mint(client, ACME_GRANT)
        for value in (V1, V2):  # a name and its wildcard: two values for one name
            response = client.post(
                "/acme/httpreq/present", headers=basic(token), json={"fqdn": FQDN, "value": value}
            )
            assert response.status_code == 200
            assert response.json() == {"fqdn": FQDN, "value": value}
        assert txt_values(emulator, "_acme-challenge.shop") == [V1, V2]
        assert (
            client.post(
                "/acme/httpreq/cleanup", headers=basic(token), json={"fqdn": FQDN, "value": V1}
            ).status_code
            == 200
        )
        assert txt_values(emulator, "_acme-challenge.shop") == [V2]
        assert (
            client.post(
                "/acme/httpreq/cleanup", headers=basic(token), json={"fqdn": FQDN, "value": V2}
            ).status_code
            == 200
        )
        assert txt_values(emulator, "_acme-challenge.shop") == []
        again = client.post(
            "/acme/httpreq/cleanup", headers=basic(token), json={"fqdn": FQDN, "value": V2}
        )
        assert again.status_code == 200  # cleanup is idempotent

    def test_capitalised_keys_a_bearer_token_and_the_audit_trail(
        self, client: TestClient, emulator: RunningEmulator
    ) -> None:
        token = mint(client, ACME_GRANT)
        caddy = client.post(
            "/acme/httpreq/present",
            headers={"Authorization": f"Bearer {token}"},
            json={"FQDN": FQDN, "Value": V1},
        )
        assert caddy.json() == {"fqdn": FQDN, "value": V1}
        client.post(
            "/acme/httpreq/present",
            headers=basic(token, "renewal@web-1"),
            json={"fqdn": FQDN, "value": V2},
        )
        details = [e["detail"] for e in events(client, "record:created")]
        assert "via httpreq as renewal@web-1" in details
        assert "via httpreq" in details

    def test_raw_mode_derives_the_name_and_value(
        self, client: TestClient, emulator: RunningEmulator
    ) -> None:
        body = {"domain": "*.raw.example.com", "token": "t0k3n", "keyAuth": "t0k3n.thumbprint"}
        response = client.post(
            "/acme/httpreq/present", headers=basic(legacy_token("alice")), json=body
        )
        assert response.status_code == 200
        assert response.json()["fqdn"] == "_acme-challenge.raw.example.com"
        # base64url(sha256("t0k3n.thumbprint")) without padding
        assert txt_values(emulator, "_acme-challenge.raw") == [response.json()["value"]]
        assert len(response.json()["value"]) == 43

    @pytest.mark.parametrize(
        ("headers", "status"),
        [({}, 401), (basic("dnsapi_wrong"), 401), ({"Authorization": "Basic !!!"}, 401)],
    )
    def test_bad_credentials_are_401(
        self, client: TestClient, emulator: RunningEmulator, headers: dict[str, str], status: int
    ) -> None:
        response = client.post(
            "/acme/httpreq/present", headers=headers, json={"fqdn": FQDN, "value": V1}
        )
        assert response.status_code == status
        assert txt_values(emulator, "_acme-challenge.shop") == []

    def test_a_name_outside_the_token_is_403_and_audited(
        self, client: TestClient, emulator: RunningEmulator
    ) -> None:
        token = mint(client, ACME_GRANT)
        body = {"fqdn": "www.example.com.", "value": V1}
        response = client.post("/acme/httpreq/present", headers=basic(token), json=body)
        assert response.status_code == 403
        [denied] = events(client, "record:denied")
        assert (denied["name"], denied["type"]) == ("www", "TXT")
        assert emulator.state.count("POST") == 0

    @pytest.mark.parametrize(
        ("body", "pointer"),
        [
            ({"fqdn": "_acme-challenge.example.net.", "value": V1}, "/fqdn"),
            ({"fqdn": "bad..name.example.com", "value": V1}, "/fqdn"),
            ({"fqdn": FQDN, "value": "a\nb"}, "/value"),
            ({"fqdn": FQDN}, "/value"),
            ({"value": V1}, "/fqdn"),
            ({"fqdn": 7, "value": V1}, "/fqdn"),
            ({"domain": "x.example.com", "token": "t"}, "/keyAuth"),
        ],
    )
    def test_malformed_challenges_are_422_naming_the_field(
        self, client: TestClient, body: dict[str, Any], pointer: str
    ) -> None:
        response = client.post(
            "/acme/httpreq/present", headers=basic(legacy_token("alice")), json=body
        )
        assert response.status_code == 422, response.text
        assert {e["source"]["pointer"] for e in response.json()["errors"]} == {pointer}


# --- acme-dns -----------------------------------------------------------------------------------

OPEN: Settings = {"acme_dns_zone": "auth.example.com", "acme_dns_registration": "open"}


def register(client: TestClient, **kwargs: Any) -> dict[str, Any]:
    response = client.post("/acme-dns/register", **kwargs)
    assert response.status_code == 201, response.text
    account: dict[str, Any] = response.json()
    return account


def update(client: TestClient, account: dict[str, Any], txt: str, **overrides: Any) -> Any:
    headers = {"X-Api-User": account["username"], "X-Api-Key": account["password"]}
    headers.update(overrides.pop("headers", {}))
    body = {"subdomain": account["subdomain"], "txt": txt, **overrides}
    return client.post("/acme-dns/update", headers=headers, json=body)


class TestAcmeDns:
    def test_register_then_update_keeps_the_two_newest_values(
        self, make_client: Callable[..., TestClient], emulator: RunningEmulator
    ) -> None:
        client = make_client(**OPEN)
        account = register(client)
        assert set(account) == {"username", "password", "fulldomain", "subdomain", "allowfrom"}
        assert account["fulldomain"] == f"{account['subdomain']}.auth.example.com"
        assert len(account["password"]) == 40
        for txt in (V1, V2, V3):
            response = update(client, account, txt)
            assert response.status_code == 200
            assert response.json() == {"txt": txt}
        assert txt_values(emulator, f"{account['subdomain']}.auth") == [V2, V3]
        assert [e["actor"] for e in events(client, "acme-dns:registered")] == [
            "anonymous from 127.0.0.1"
        ]

    def test_old_clients_keys_in_another_case_are_read(
        self, make_client: Callable[..., TestClient]
    ) -> None:
        client = make_client(**OPEN)
        account = register(client, content=b"null")
        headers = {"X-Api-User": account["username"], "X-Api-Key": account["password"]}
        response = client.post(
            "/acme-dns/update", headers=headers, json={"SubDomain": account["subdomain"], "Txt": V1}
        )
        assert response.status_code == 200

    @pytest.mark.parametrize(
        ("change", "status", "error"),
        [
            ({"headers": {"X-Api-Key": "x" * 40}}, 401, "forbidden"),
            ({"headers": {"X-Api-User": "00000000-0000-4000-8000-000000000000"}}, 401, "forbidden"),
            ({"headers": {"X-Api-User": "not-a-uuid"}}, 401, "forbidden"),
            ({"subdomain": "00000000-0000-4000-8000-000000000000"}, 401, "forbidden"),
            ({}, 400, "bad_txt"),
        ],
    )
    def test_refusals_answer_as_acme_dns(
        self,
        make_client: Callable[..., TestClient],
        change: dict[str, Any],
        status: int,
        error: str,
    ) -> None:
        client = make_client(**OPEN)
        account = register(client)
        txt = "too-short" if status == 400 else V1
        response = update(client, account, txt, **change)
        assert response.status_code == status
        assert response.json() == {"error": error}

    def test_allowfrom_is_honoured(self, make_client: Callable[..., TestClient]) -> None:
        client = make_client(**OPEN)
        inside = register(client, json={"allowfrom": ["127.0.0.0/8"]})
        outside = register(client, json={"allowfrom": ["192.0.2.0/24"]})
        assert inside["allowfrom"] == ["127.0.0.0/8"]
        assert update(client, inside, V1).status_code == 200
        assert update(client, outside, V1).status_code == 401
        bad = client.post("/acme-dns/register", json={"allowfrom": ["not-a-network"]})
        assert (bad.status_code, bad.json()) == (400, {"error": "invalid_allowfrom_cidr"})
        malformed = client.post("/acme-dns/register", content=b"{nope")
        assert (malformed.status_code, malformed.json()) == (
            400,
            {"error": "malformed_json_payload"},
        )

    def test_registration_off_is_404(self, make_client: Callable[..., TestClient]) -> None:
        for settings in ({}, {"acme_dns_zone": "auth.example.com"}):
            response = make_client(**settings).post("/acme-dns/register")
            assert (response.status_code, response.json()) == (
                404,
                {"error": "registration_disabled"},
            )

    def test_open_registration_from_listed_networks_only(
        self, make_client: Callable[..., TestClient]
    ) -> None:
        client = make_client(**OPEN, acme_dns_register_from=["192.0.2.0/24"])
        response = client.post("/acme-dns/register")
        assert (response.status_code, response.json()) == (401, {"error": "forbidden"})

    def test_token_registration_needs_the_register_action(
        self, make_client: Callable[..., TestClient]
    ) -> None:
        client = make_client(acme_dns_zone="auth.example.com", acme_dns_registration="token")
        assert client.post("/acme-dns/register").status_code == 401
        reader = mint(
            client, {"zones": [ZONE], "names": ["*.auth"], "types": ["TXT"], "actions": ["read"]}
        )
        assert (
            client.post(
                "/acme-dns/register", headers={"Authorization": f"Bearer {reader}"}
            ).status_code
            == 401
        )
        registrar = mint(
            client,
            {"zones": [ZONE], "names": ["*.auth"], "types": ["TXT"], "actions": ["register"]},
        )
        assert (
            client.post(
                "/acme-dns/register", headers={"Authorization": f"Bearer {registrar}"}
            ).status_code
            == 201
        )
        assert client.post("/acme-dns/register", headers=ADMIN).status_code == 201

    def test_admins_list_and_revoke_registrations(
        self, make_client: Callable[..., TestClient]
    ) -> None:
        client = make_client(**OPEN)
        account = register(client)
        listed = client.get("/acme-dns/registrations", headers=ADMIN).json()["data"]
        assert [r["username"] for r in listed] == [account["username"]]
        assert "password" not in listed[0]
        someone = mint(client, ACME_GRANT)
        assert (
            client.get(
                "/acme-dns/registrations", headers={"Authorization": f"Bearer {someone}"}
            ).status_code
            == 403
        )
        revoked = client.delete(f"/acme-dns/registrations/{listed[0]['id']}", headers=ADMIN)
        assert revoked.json()["data"]["revoked"] is not None
        assert update(client, account, V1).status_code == 401
        assert [e["action"] for e in events(client, "acme-dns:revoked")] == ["acme-dns:revoked"]
        assert client.delete("/acme-dns/registrations/999", headers=ADMIN).status_code == 404


# --- DynDNS2 ------------------------------------------------------------------------------------


def a_records(emulator: RunningEmulator, name: str, type: str = "A") -> list[str]:
    return [
        r["content"]
        for r in emulator.state.records(ZONE)
        if r["name"] == name and r["type"] == type
    ]


HOSTS = {
    "zones": [ZONE],
    "names": ["home", "nas"],
    "types": ["A", "AAAA"],
    "actions": ["read", "create", "update"],
}


class TestDynDns:
    def test_two_hosts_then_nochg_without_a_dnsimple_write(
        self, client: TestClient, emulator: RunningEmulator
    ) -> None:
        token = mint(client, HOSTS)
        url = "/nic/update?hostname=home.example.com,nas.example.com&myip=192.0.2.10&system=dyndns"
        first = client.get(url, headers=basic(token, "router"))
        assert (first.status_code, first.text) == (200, "good 192.0.2.10\ngood 192.0.2.10\n")
        assert first.headers["content-type"].startswith("text/plain")
        writes = emulator.state.count("POST") + emulator.state.count("PATCH")
        second = client.get(url, headers=basic(token, "router"))
        assert second.text == "nochg 192.0.2.10\nnochg 192.0.2.10\n"
        assert emulator.state.count("POST") + emulator.state.count("PATCH") == writes
        moved = client.post(url.replace("192.0.2.10", "192.0.2.11"), headers=basic(token))
        assert moved.text == "good 192.0.2.11\ngood 192.0.2.11\n"
        assert a_records(emulator, "home") == ["192.0.2.11"]

    def test_without_myip_the_callers_address_and_both_families(
        self, client: TestClient, emulator: RunningEmulator
    ) -> None:
        token = mint(client, HOSTS)
        assert (
            client.get("/nic/update?hostname=home.example.com", headers=basic(token)).text
            == "good 127.0.0.1\n"
        )
        both = client.get(
            "/nic/update?hostname=nas.example.com&myip=192.0.2.5,2001:db8::5", headers=basic(token)
        )
        assert both.text == "good 192.0.2.5,2001:db8::5\n"
        assert (a_records(emulator, "nas"), a_records(emulator, "nas", "AAAA")) == (
            ["192.0.2.5"],
            ["2001:db8::5"],
        )

    def test_each_host_gets_its_own_answer(
        self, client: TestClient, emulator: RunningEmulator
    ) -> None:
        token = mint(client, HOSTS)
        hosts = "home.example.com,www.example.com,nas.example.net,not..a.name,example.com"
        answer = client.get(f"/nic/update?hostname={hosts}&myip=192.0.2.1", headers=basic(token))
        assert answer.text.splitlines() == [
            "good 192.0.2.1",
            "nohost",
            "nohost",
            "notfqdn",
            "nohost",
        ]
        assert {e["name"] for e in events(client, "record:denied")} == {"www", "@"}

    @pytest.mark.parametrize("headers", [{}, basic("dnsapi_wrong"), {"Authorization": "Basic xyz"}])
    def test_bad_credentials_are_badauth_with_a_challenge(
        self, client: TestClient, headers: dict[str, str]
    ) -> None:
        response = client.get(
            "/nic/update?hostname=home.example.com&myip=192.0.2.1", headers=headers
        )
        assert (response.status_code, response.text) == (401, "badauth\n")
        assert response.headers["WWW-Authenticate"].startswith("Basic")

    def test_throttled_is_abuse(self, make_client: Callable[..., TestClient]) -> None:
        client = make_client(auth_failure_limit=2)
        answers = [
            client.get("/nic/update?hostname=home.example.com", headers=basic("dnsapi_x")).text
            for _ in range(3)
        ]
        assert answers == ["badauth\n", "badauth\n", "abuse\n"]

    @pytest.mark.parametrize("myip", ["nonsense", "192.0.2.1,192.0.2.2", "192.0.2.1,x"])
    def test_a_bad_address_is_badip(self, client: TestClient, myip: str) -> None:
        response = client.get(
            f"/nic/update?hostname=home.example.com&myip={myip}",
            headers=basic(legacy_token("alice")),
        )
        assert (response.status_code, response.text) == (400, "badip\n")

    def test_dnsimple_failing_is_911(self, client: TestClient, emulator: RunningEmulator) -> None:
        emulator.state.fail_next(503, 20)
        response = client.get(
            "/nic/update?hostname=home.example.com&myip=192.0.2.1",
            headers=basic(legacy_token("alice")),
        )
        assert response.text == "911\n"

    def test_no_hostname_is_notfqdn(self, client: TestClient) -> None:
        assert (
            client.get("/nic/update?myip=192.0.2.1", headers=basic(legacy_token("alice"))).text
            == "notfqdn\n"
        )
