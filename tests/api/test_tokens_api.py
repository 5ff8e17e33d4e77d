"""Scoped tokens over HTTP: minting, using, delegating, revoking, against the DNSimple emulator.

Every test runs on SQLite and on PostgreSQL. Tokens are minted through ``POST /tokens`` with
alice's legacy token (full access) unless a test needs the server side (``TokenService``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from dns_api.app import create_app
from dns_api.db.database import Database
from dns_api.db.models import TokenRow
from dns_api.domain.delegation import TokenRequest
from dns_api.domain.policy import Action, Grant
from dns_api.emulator import RunningEmulator
from dns_api.errors import AuthenticationFailed
from dns_api.services.tokens import TokenService
from tests.conftest import legacy_token, make_settings

Auth = Callable[..., dict[str, str]]
T = TypeVar("T")

CI_GRANT = {
    "zones": ["example.com"],
    "names": ["pr-*"],
    "types": ["CNAME"],
    "actions": ["create", "update", "delete"],
}
FULL_GRANT = {
    "zones": ["*"],
    "names": ["*"],
    "types": ["*"],
    "actions": ["read", "create", "update", "delete"],
}
NETWORKS = ["192.0.2.0/24", "2001:db8::/32"]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def mint(client: TestClient, headers: dict[str, str], **body: Any) -> Any:
    payload: dict[str, Any] = {"name": "ci", "grants": [CI_GRANT]}
    payload.update(body)
    return client.post("/tokens", headers=headers, json=payload)


def mint_secret(client: TestClient, auth: Auth, **body: Any) -> str:
    response = mint(client, auth(), **body)
    assert response.status_code == 201, response.json()
    secret: str = response.json()["data"]["token"]
    return secret


def error_codes(response: Any) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


def detail(response: Any) -> str:
    return " ".join(e["detail"] for e in response.json()["errors"])


def pointers(response: Any) -> set[str]:
    return {
        e["source"].get("pointer") or e["source"].get("parameter")
        for e in response.json()["errors"]
    }


def upstream(emulator: RunningEmulator, zone: str = "example.com") -> list[dict[str, Any]]:
    return [r for r in emulator.state.records(zone) if not r["system_record"]]


def whoami(client: TestClient, secret: str) -> Any:
    return client.get("/whoami", headers=bearer(secret))


def upsert(
    client: TestClient, secret: str, name: str, *, zone: str = "example.com", kind: str = "cname"
) -> Any:
    target = "192.0.2.1" if kind.lower() == "a" else "app.example.net"
    return client.post(f"/records/{kind}/{zone}/{name}/{target}", headers=bearer(secret))


def on_database(database_url: str, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``work`` against the test database outside the app (the server side, the CLI)."""
    database = Database(database_url)
    try:
        return anyio.run(work, database)
    finally:
        database.dispose()


def set_expiry(database_url: str, token_id: int, moment: datetime) -> None:
    database = Database(database_url)
    try:
        database.transaction(
            lambda s: s.execute(
                update(TokenRow).where(TokenRow.id == token_id).values(expires_at=moment)
            )
        )
    finally:
        database.dispose()


@contextmanager
def app_client(
    emulator: RunningEmulator,
    database_url: str,
    peer: str = "127.0.0.1",
    **overrides: object,
) -> Iterator[TestClient]:
    """A second app on the same database and emulator, seen from ``peer``."""
    settings = make_settings(dnsimple_base_url=emulator.url, database_url=database_url, **overrides)
    with TestClient(create_app(settings), client=(peer, 50000)) as test_client:
        yield test_client


class TestMint:
    def test_mint_shows_the_secret_once(self, client: TestClient, auth: Auth) -> None:
        response = mint(client, auth(), name="preview pr-42")
        assert response.status_code == 201
        body = response.json()
        assert body["meta"] == {"status": 201}
        data = body["data"]
        assert data["token"].startswith("dnsapi_")
        assert len(data["token"]) >= len("dnsapi_") + 43
        assert data["type"] == "token"
        assert data["name"] == "preview pr-42"
        assert data["owner"] == "alice"
        assert data["created_by"] == "alice"
        assert data["status"] == "active"
        assert data["grants"] == [
            {
                "zones": ["example.com"],
                "names": ["pr-*"],
                "types": ["CNAME"],
                "actions": ["create", "delete", "update"],
            }
        ]
        assert (data["cidrs"], data["can_mint"], data["expires"], data["revoked"]) == (
            [],
            False,
            None,
            None,
        )
        assert data["last_used"] is None
        listed = client.get("/tokens", headers=auth()).json()["data"]
        assert [t["id"] for t in listed] == [data["id"]]
        assert "token" not in listed[0]

    def test_grants_are_normalised(self, client: TestClient, auth: Auth) -> None:
        grant = {
            "zones": ["EXAMPLE.com."],
            "names": ["PR-*", "\uff41\uff50\uff49"],
            "types": ["cname", " a "],
            "actions": ["Create"],
        }
        data = mint(client, auth(), grants=[grant]).json()["data"]
        assert data["grants"] == [
            {
                "zones": ["example.com"],
                "names": ["pr-*", "api"],
                "types": ["A", "CNAME"],
                "actions": ["create"],
            }
        ]

    def test_expires_as_a_duration(self, client: TestClient, auth: Auth) -> None:
        before = datetime.now(UTC).replace(microsecond=0)
        data = mint(client, auth(), expires="1h").json()["data"]
        after = datetime.now(UTC)
        expires = datetime.fromisoformat(data["expires"])
        assert before + timedelta(hours=1) <= expires <= after + timedelta(hours=1)

    def test_expires_as_an_iso_time(self, client: TestClient, auth: Auth) -> None:
        moment = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
        text = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        data = mint(client, auth(), expires=text).json()["data"]
        assert data["expires"] == text

    def test_whoami_shows_the_token(self, client: TestClient, auth: Auth) -> None:
        minted = mint(client, auth(), expires="2h", cidrs=[], can_mint=True).json()["data"]
        response = whoami(client, minted["token"])
        assert response.status_code == 200
        data = response.json()["data"]
        assert (data["id"], data["type"]) == ("alice", "user")
        assert data["token"] == {
            "id": minted["id"],
            "kind": "scoped",
            "name": "ci",
            "grants": minted["grants"],
            "cidrs": [],
            "can_mint": True,
            "expires": minted["expires"],
        }

    def test_whoami_of_a_legacy_token(self, client: TestClient, auth: Auth) -> None:
        token = client.get("/whoami", headers=auth()).json()["data"]["token"]
        assert (token["id"], token["kind"], token["can_mint"], token["expires"]) == (
            None,
            "legacy",
            True,
            None,
        )

    def test_minting_makes_no_dnsimple_call(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        mint_secret(client, auth)
        assert emulator.state.count() == 0

    def test_expiry_with_an_offset_is_shown_in_utc(self, client: TestClient, auth: Auth) -> None:
        day = (datetime.now(UTC) + timedelta(days=30)).date()
        minted = mint(client, auth(), expires=f"{day}T00:00:00+02:00").json()["data"]
        utc = (datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=2)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        [listed] = client.get("/tokens", headers=auth()).json()["data"]
        assert listed["expires"] == utc
        assert minted["expires"] == utc


class TestGrantDimensions:
    """A CI token: CNAME records named ``pr-*`` in example.com; create, update, delete."""

    def test_it_creates_updates_and_deletes_what_it_is_granted(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        secret = mint_secret(client, auth)
        created = client.post(
            "/records/cname/example.com/pr-42/app.example.net", headers=bearer(secret)
        )
        assert created.status_code == 200
        assert created.json()["data"]["created_by"] == "alice"
        [record] = upstream(emulator)
        assert (record["name"], record["type"], record["content"]) == (
            "pr-42",
            "CNAME",
            "app.example.net",
        )
        updated = client.post(
            "/records/cname/example.com/pr-42/other.example.net", headers=bearer(secret)
        )
        assert updated.status_code == 200
        assert upstream(emulator)[0]["content"] == "other.example.net"
        deleted = client.delete("/records/cname/example.com/pr-42", headers=bearer(secret))
        assert deleted.status_code == 200
        assert upstream(emulator) == []

    def test_it_may_create_with_a_json_body(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        secret = mint_secret(client, auth)
        body = {"domain_type": "CNAME", "domain": "example.com", "subdomain": "pr-7", "to": "a.b.c"}
        assert client.post("/records", headers=bearer(secret), json=body).status_code == 200
        body["domain"] = "example.org"
        response = client.post("/records", headers=bearer(secret), json=body)
        assert response.status_code == 403
        assert upstream(emulator, "example.org") == []

    @pytest.mark.parametrize(
        ("method", "path", "action"),
        [
            ("POST", "/records/cname/example.org/pr-42/app.example.net", "create"),  # zone
            ("POST", "/records/cname/example.com/api/app.example.net", "create"),  # name
            ("POST", "/records/cname/example.com/xpr-42/app.example.net", "create"),  # name
            ("POST", "/records/a/example.com/pr-42/192.0.2.1", "create"),  # type
            ("DELETE", "/records/cname/example.org/pr-42", "delete"),  # zone
            ("DELETE", "/records/a/example.com/pr-42", "delete"),  # type
            ("DELETE", "/records/cname/example.com/api", "delete"),  # name
        ],
    )
    def test_outside_its_grant_is_403_without_calling_dnsimple(
        self,
        client: TestClient,
        auth: Auth,
        emulator: RunningEmulator,
        method: str,
        path: str,
        action: str,
    ) -> None:
        secret = mint_secret(client, auth)
        response = client.request(method, path, headers=bearer(secret))
        assert response.status_code == 403
        assert error_codes(response) == ["forbidden"]
        assert action in detail(response)
        assert emulator.state.count() == 0

    def test_an_action_it_lacks_is_403(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        create_only = {**CI_GRANT, "actions": ["create"]}
        secret = mint_secret(client, auth, grants=[create_only])
        assert upsert(client, secret, "pr-1").status_code == 200
        again = client.post(
            "/records/cname/example.com/pr-1/other.example.net", headers=bearer(secret)
        )
        assert again.status_code == 403
        assert "update" in detail(again)
        gone = client.delete("/records/cname/example.com/pr-1", headers=bearer(secret))
        assert gone.status_code == 403
        assert "delete" in detail(gone)
        assert emulator.state.count(method="PATCH") == 0
        assert emulator.state.count(method="DELETE") == 0
        [record] = upstream(emulator)
        assert record["content"] == "app.example.net"

    def test_denial_answers_the_same_whether_the_record_exists_or_not(
        self, client: TestClient, auth: Auth
    ) -> None:
        assert upsert(client, legacy_token("alice"), "api").status_code == 200
        secret = mint_secret(client, auth)
        present = client.delete("/records/cname/example.com/api", headers=bearer(secret))
        absent = client.delete("/records/cname/example.com/apx", headers=bearer(secret))
        assert (present.status_code, absent.status_code) == (403, 403)

    def test_a_token_holding_several_grants_may_use_each(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        org_a = {"zones": ["example.org"], "names": ["api"], "types": ["A"], "actions": ["create"]}
        secret = mint_secret(client, auth, grants=[CI_GRANT, org_a])
        assert upsert(client, secret, "pr-1").status_code == 200
        assert upsert(client, secret, "api", zone="example.org", kind="a").status_code == 200
        assert upsert(client, secret, "api", zone="example.org").status_code == 403
        assert upsert(client, secret, "pr-1", zone="example.org", kind="a").status_code == 403
        assert len(upstream(emulator)) == len(upstream(emulator, "example.org")) == 1


class TestReading:
    @pytest.fixture
    def records(self, client: TestClient, auth: Auth) -> dict[str, int]:
        """Records made with alice's legacy token: name -> id."""
        made = {}
        for kind, zone, name in [
            ("cname", "example.com", "pr-1"),
            ("cname", "example.org", "pr-2"),
            ("cname", "example.com", "api"),
            ("a", "example.com", "pr-3"),
            ("cname", "example.com", "pr-4"),
        ]:
            response = upsert(client, legacy_token("alice"), name, zone=zone, kind=kind)
            assert response.status_code == 200
            made[name] = response.json()["data"]["id"]
        return made

    @pytest.fixture
    def reader(self, client: TestClient, auth: Auth) -> str:
        return mint_secret(client, auth, grants=[{**CI_GRANT, "actions": ["read"]}])

    def test_list_shows_only_readable_records(
        self, client: TestClient, records: dict[str, int], reader: str, emulator: RunningEmulator
    ) -> None:
        calls = emulator.state.count()
        response = client.get("/records", headers=bearer(reader))
        assert response.status_code == 200
        assert [r["subdomain"] for r in response.json()["data"]] == ["pr-4", "pr-1"]
        assert emulator.state.count() == calls

    def test_list_pages_through_readable_records_only(
        self, client: TestClient, records: dict[str, int], reader: str
    ) -> None:
        for n in range(10, 21):
            upsert(client, legacy_token("alice"), f"pr-{n}")
            upsert(client, legacy_token("alice"), f"other-{n}")
        first = client.get("/records?page[size]=10", headers=bearer(reader)).json()["data"]
        second = client.get("/records?page[size]=10&page[number]=2", headers=bearer(reader)).json()[
            "data"
        ]
        assert [r["subdomain"] for r in first] == [f"pr-{n}" for n in range(20, 10, -1)]
        assert [r["subdomain"] for r in second] == ["pr-10", "pr-4", "pr-1"]

    def test_a_token_without_read_lists_nothing(
        self, client: TestClient, auth: Auth, records: dict[str, int]
    ) -> None:
        secret = mint_secret(client, auth)
        assert client.get("/records", headers=bearer(secret)).json()["data"] == []

    def test_readable_record_by_id(
        self, client: TestClient, records: dict[str, int], reader: str
    ) -> None:
        response = client.get(f"/records/{records['pr-1']}", headers=bearer(reader))
        assert response.status_code == 200
        assert response.json()["data"]["subdomain"] == "pr-1"

    @pytest.mark.parametrize("name", ["pr-2", "api", "pr-3"])
    @pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
    def test_unreadable_record_by_id_is_404_like_a_missing_one(
        self,
        client: TestClient,
        records: dict[str, int],
        reader: str,
        emulator: RunningEmulator,
        name: str,
        method: str,
    ) -> None:
        calls = emulator.state.count()
        body = {"to": "x.example.net"} if method == "PATCH" else None
        hidden = client.request(
            method, f"/records/{records[name]}", headers=bearer(reader), json=body
        )
        missing = client.request(method, "/records/999999", headers=bearer(reader), json=body)
        assert hidden.status_code == 404
        assert hidden.json() == missing.json()
        assert emulator.state.count() == calls

    @pytest.mark.parametrize(("method", "action"), [("PATCH", "update"), ("DELETE", "delete")])
    def test_readable_but_not_writable_is_403(
        self,
        client: TestClient,
        records: dict[str, int],
        reader: str,
        emulator: RunningEmulator,
        method: str,
        action: str,
    ) -> None:
        calls = emulator.state.count()
        body = {"to": "x.example.net"} if method == "PATCH" else None
        response = client.request(
            method, f"/records/{records['pr-1']}", headers=bearer(reader), json=body
        )
        assert response.status_code == 403
        assert error_codes(response) == ["forbidden"]
        assert action in detail(response)
        assert emulator.state.count() == calls


class TestRevocation:
    def test_revoked_token_is_refused_on_the_next_request(
        self, client: TestClient, auth: Auth
    ) -> None:
        minted = mint(client, auth()).json()["data"]
        assert whoami(client, minted["token"]).status_code == 200
        response = client.delete(f"/tokens/{minted['id']}", headers=auth())
        assert response.status_code == 200
        assert response.json()["data"]["status"] == "revoked"
        assert response.json()["data"]["revoked"] is not None
        refused = whoami(client, minted["token"])
        assert refused.status_code == 401
        assert error_codes(refused) == ["unauthenticated"]
        assert refused.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
        assert upsert(client, minted["token"], "pr-1").status_code == 401

    def test_a_token_may_revoke_itself(self, client: TestClient, auth: Auth) -> None:
        minted = mint(client, auth()).json()["data"]
        own = bearer(minted["token"])
        assert client.delete(f"/tokens/{minted['id']}", headers=own).status_code == 200
        assert whoami(client, minted["token"]).status_code == 401

    def test_revoking_a_token_revokes_what_it_minted(self, client: TestClient, auth: Auth) -> None:
        parent = mint(client, auth(), can_mint=True).json()["data"]
        child = mint(client, bearer(parent["token"]), name="child").json()["data"]
        grandchild = mint(client, bearer(child["token"]), name="grandchild")
        assert grandchild.status_code == 403  # the child may not mint
        sibling = mint(client, auth(), name="sibling").json()["data"]
        assert client.delete(f"/tokens/{parent['id']}", headers=auth()).status_code == 200
        assert whoami(client, child["token"]).status_code == 401
        assert whoami(client, sibling["token"]).status_code == 200

    def test_revoking_twice_is_harmless(self, client: TestClient, auth: Auth) -> None:
        token_id = mint(client, auth()).json()["data"]["id"]
        first = client.delete(f"/tokens/{token_id}", headers=auth()).json()["data"]
        second = client.delete(f"/tokens/{token_id}", headers=auth()).json()["data"]
        assert first == second

    def test_another_users_token_is_404_and_keeps_working(
        self, client: TestClient, auth: Auth
    ) -> None:
        minted = mint(client, auth()).json()["data"]
        response = client.delete(f"/tokens/{minted['id']}", headers=auth("bob"))
        assert response.status_code == 404
        assert error_codes(response) == ["not_found"]
        assert whoami(client, minted["token"]).status_code == 200

    @pytest.mark.parametrize("token_id", ["999999", "abc", "-1", "9" * 40])
    def test_unknown_token_is_404(self, client: TestClient, auth: Auth, token_id: str) -> None:
        response = client.delete(f"/tokens/{token_id}", headers=auth())
        assert response.status_code == 404
        assert error_codes(response) == ["not_found"]

    def test_every_refused_token_looks_the_same(
        self, client: TestClient, auth: Auth, database_url: str
    ) -> None:
        revoked = mint(client, auth()).json()["data"]
        client.delete(f"/tokens/{revoked['id']}", headers=auth())
        expired = mint(client, auth(), expires="1h").json()["data"]
        set_expiry(database_url, expired["id"], datetime.now(UTC) - timedelta(seconds=1))
        replies = [
            whoami(client, secret)
            for secret in (revoked["token"], expired["token"], "dnsapi_" + "x" * 43)
        ]
        assert [r.status_code for r in replies] == [401, 401, 401]
        assert replies[0].json() == replies[1].json() == replies[2].json()


class TestExpiry:
    def test_expired_token_is_refused(
        self, emulator: RunningEmulator, auth: Auth, database_url: str
    ) -> None:
        # The expiry is changed in the database, as another instance would: read at once
        # without a token cache (TOKEN_CACHE_SECONDS=0, the default), else within its window.
        settings = make_settings(
            dnsimple_base_url=emulator.url, database_url=database_url, token_cache_seconds=0
        )
        with TestClient(create_app(settings)) as client:
            self._expires_while_used(client, auth, database_url)

    @staticmethod
    def _expires_while_used(client: TestClient, auth: Auth, database_url: str) -> None:
        minted = mint(client, auth(), expires="1h").json()["data"]
        assert whoami(client, minted["token"]).status_code == 200
        set_expiry(database_url, minted["id"], datetime.now(UTC) - timedelta(seconds=1))
        assert whoami(client, minted["token"]).status_code == 401
        listed = client.get("/tokens", headers=auth()).json()["data"]
        assert [t["status"] for t in listed] == ["expired"]

    def test_token_minted_in_the_past_has_expired(
        self, client: TestClient, database_url: str
    ) -> None:
        past = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
        grant = Grant.build(zones=["*"], names=["**"], types=["*"], actions=["read"])

        async def work(database: Database) -> str:
            service = TokenService(database, clock=lambda: past)
            request = TokenRequest(
                grants=(grant,), expires_at=past + timedelta(days=1), networks=(), can_mint=False
            )
            issued = await service.mint(
                name="old", owner="alice", request=request, created_by="cli"
            )
            return issued.secret

        secret = on_database(database_url, work)
        assert whoami(client, secret).status_code == 401


class TestRotation:
    def test_rotated_token_keeps_its_id_and_grants(
        self, client: TestClient, auth: Auth, database_url: str, emulator: RunningEmulator
    ) -> None:
        minted = mint(client, auth()).json()["data"]

        async def work(database: Database) -> str:
            return (await TokenService(database).rotate(minted["id"])).secret

        secret = on_database(database_url, work)
        assert whoami(client, minted["token"]).status_code == 401
        response = whoami(client, secret)
        assert response.status_code == 200
        token = response.json()["data"]["token"]
        assert (token["id"], token["grants"]) == (minted["id"], minted["grants"])
        assert upsert(client, secret, "pr-1").status_code == 200
        assert upsert(client, minted["token"], "pr-2").status_code == 401
        assert [r["name"] for r in upstream(emulator)] == ["pr-1"]


class TestNetworks:
    def test_token_with_networks_is_refused_from_an_unknown_peer(
        self, client: TestClient, auth: Auth
    ) -> None:
        secret = mint_secret(client, auth, cidrs=NETWORKS)
        assert whoami(client, secret).status_code == 401

    def test_forwarded_for_is_ignored_without_trusted_proxies(
        self, client: TestClient, auth: Auth
    ) -> None:
        secret = mint_secret(client, auth, cidrs=NETWORKS)
        headers = {**bearer(secret), "X-Forwarded-For": "192.0.2.7"}
        assert client.get("/whoami", headers=headers).status_code == 401

    def test_forwarded_for_is_ignored_from_an_untrusted_peer(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator, database_url: str
    ) -> None:
        secret = mint_secret(client, auth, cidrs=NETWORKS)
        headers = {**bearer(secret), "X-Forwarded-For": "192.0.2.7"}
        for peer in ("127.0.0.1", "203.0.113.5"):
            with app_client(
                emulator, database_url, peer, trusted_proxies=["10.0.0.0/8"]
            ) as proxied:
                assert proxied.get("/whoami", headers=headers).status_code == 401

    @pytest.mark.parametrize(
        ("peer", "status"),
        [("192.0.2.7", 200), ("2001:db8::7", 200), ("198.51.100.7", 401), ("2001:db9::7", 401)],
    )
    def test_peer_address_is_checked_against_the_networks(
        self,
        client: TestClient,
        auth: Auth,
        emulator: RunningEmulator,
        database_url: str,
        peer: str,
        status: int,
    ) -> None:
        secret = mint_secret(client, auth, cidrs=NETWORKS)
        with app_client(emulator, database_url, peer) as direct:
            assert whoami(direct, secret).status_code == status

    @pytest.mark.parametrize(
        ("forwarded", "status"),
        [
            ("192.0.2.7", 200),
            ("198.51.100.9, 192.0.2.7", 200),  # what the client claimed is ignored
            ("192.0.2.7, 198.51.100.9", 401),  # the proxy saw 198.51.100.9
            ("192.0.2.7, 10.0.0.9", 200),  # a second trusted proxy is skipped
            ("", 401),  # no header: the proxy itself
        ],
    )
    def test_forwarded_for_is_believed_from_a_trusted_proxy(
        self,
        client: TestClient,
        auth: Auth,
        emulator: RunningEmulator,
        database_url: str,
        forwarded: str,
        status: int,
    ) -> None:
        secret = mint_secret(client, auth, cidrs=NETWORKS)
        headers = {**bearer(secret), "X-Forwarded-For": forwarded}
        with app_client(
            emulator, database_url, "10.1.2.3", trusted_proxies=["10.0.0.0/8"]
        ) as proxied:
            assert proxied.get("/whoami", headers=headers).status_code == status


class TestDelegation:
    @pytest.fixture
    def parent(self, client: TestClient, auth: Auth) -> str:
        return mint_secret(client, auth, name="parent", expires="1h", can_mint=True)

    def test_a_narrower_token_is_minted_and_holds_only_its_grant(
        self, client: TestClient, parent: str, emulator: RunningEmulator
    ) -> None:
        narrower = {**CI_GRANT, "names": ["pr-42"], "actions": ["create"]}
        response = mint(client, bearer(parent), name="child", grants=[narrower], expires="30m")
        assert response.status_code == 201
        data = response.json()["data"]
        parent_id = whoami(client, parent).json()["data"]["token"]["id"]
        assert (data["owner"], data["created_by"]) == ("alice", f"alice (token {parent_id})")
        child = data["token"]
        assert upsert(client, child, "pr-42").status_code == 200
        assert upsert(client, child, "pr-43").status_code == 403
        assert (
            client.delete("/records/cname/example.com/pr-42", headers=bearer(child)).status_code
            == 403
        )
        assert len(upstream(emulator)) == 1

    @pytest.mark.parametrize(
        ("change", "exceeding"),
        [
            ({"grants": [{**CI_GRANT, "zones": ["example.org"]}]}, "zones"),
            ({"grants": [{**CI_GRANT, "zones": ["*"]}]}, "zones"),
            ({"grants": [{**CI_GRANT, "names": ["api"]}]}, "names"),
            ({"grants": [{**CI_GRANT, "names": ["*"]}]}, "names"),
            ({"grants": [{**CI_GRANT, "names": ["pr-42", "**"]}]}, "names"),
            ({"grants": [{**CI_GRANT, "types": ["A"]}]}, "types"),
            ({"grants": [{**CI_GRANT, "types": ["*"]}]}, "types"),
            ({"grants": [{**CI_GRANT, "actions": ["read"]}]}, "actions"),
            ({"grants": [CI_GRANT, FULL_GRANT]}, "grants[1]"),
            ({"expires": "2h"}, "expires"),
            ({"expires": None}, "expires"),
        ],
    )
    def test_asking_for_more_is_403_naming_the_excess(
        self, client: TestClient, auth: Auth, parent: str, change: dict[str, Any], exceeding: str
    ) -> None:
        body: dict[str, Any] = {"expires": "30m"}
        body.update(change)
        response = mint(client, bearer(parent), name="wider", **body)
        assert response.status_code == 403
        assert error_codes(response) == ["forbidden"]
        assert exceeding in detail(response)
        assert [t["name"] for t in client.get("/tokens", headers=auth()).json()["data"]] == [
            "parent"
        ]

    def test_every_excess_is_named_at_once(self, client: TestClient, parent: str) -> None:
        grant = {**CI_GRANT, "zones": ["example.org"], "types": ["A"], "actions": ["read"]}
        response = mint(client, bearer(parent), grants=[grant], expires="3h")
        assert response.status_code == 403
        for part in ("zones", "types", "actions", "expires"):
            assert part in detail(response)

    def test_a_token_without_can_mint_cannot_mint(self, client: TestClient, auth: Auth) -> None:
        secret = mint_secret(client, auth, can_mint=False)
        response = mint(client, bearer(secret), name="same")
        assert response.status_code == 403
        assert error_codes(response) == ["forbidden"]
        assert "mint" in detail(response)

    def test_a_minted_token_may_mint_only_if_it_was_given_can_mint(
        self, client: TestClient, parent: str
    ) -> None:
        child = mint(client, bearer(parent), name="child", expires="50m", can_mint=True)
        assert child.status_code == 201
        plain = mint(client, bearer(parent), name="plain", expires="50m")
        grandchild = mint(
            client, bearer(child.json()["data"]["token"]), name="grandchild", expires="40m"
        )
        assert grandchild.status_code == 201
        refused = mint(client, bearer(plain.json()["data"]["token"]), name="x", expires="40m")
        assert refused.status_code == 403

    def test_networks_must_lie_within_the_parents(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator, database_url: str
    ) -> None:
        parent = mint_secret(client, auth, can_mint=True, cidrs=["192.0.2.0/24"])
        with app_client(emulator, database_url, "192.0.2.7") as inside:
            narrower = mint(inside, bearer(parent), cidrs=["192.0.2.128/25"])
            assert narrower.status_code == 201
            assert narrower.json()["data"]["cidrs"] == ["192.0.2.128/25"]
            for cidrs in (["198.51.100.0/24"], ["192.0.0.0/16"], [], ["2001:db8::/32"]):
                response = mint(inside, bearer(parent), cidrs=cidrs)
                assert response.status_code == 403, cidrs
                assert "cidrs" in detail(response)


class TestListing:
    def test_list_never_shows_a_secret_or_its_hash(self, client: TestClient, auth: Auth) -> None:
        secrets = [mint_secret(client, auth, name=f"t{n}", can_mint=True) for n in range(3)]
        secrets.append(mint_secret(client, lambda: bearer(secrets[0]), name="child"))
        for headers in (auth(), bearer(secrets[0])):
            response = client.get("/tokens", headers=headers)
            assert response.status_code == 200
            for secret in secrets:
                assert secret.removeprefix("dnsapi_") not in response.text
                assert hashlib.sha256(secret.encode()).hexdigest() not in response.text
            for item in response.json()["data"]:
                assert not {"token", "secret", "secret_hash", "hash"} & item.keys()

    def test_a_token_lists_itself_and_what_it_minted(self, client: TestClient, auth: Auth) -> None:
        parent = mint_secret(client, auth, name="parent", can_mint=True)
        sibling = mint_secret(client, auth, name="sibling", can_mint=True)
        child = mint_secret(client, lambda: bearer(parent), name="child", can_mint=True)
        mint_secret(client, lambda: bearer(child), name="grandchild")
        mint_secret(client, lambda: bearer(sibling), name="nephew")

        def names(secret: str) -> list[str]:
            return [t["name"] for t in client.get("/tokens", headers=bearer(secret)).json()["data"]]

        assert names(parent) == ["parent", "child", "grandchild"]
        assert names(child) == ["child", "grandchild"]
        assert names(sibling) == ["sibling", "nephew"]

    def test_users_see_only_their_own_tokens(self, client: TestClient, auth: Auth) -> None:
        mint_secret(client, auth, name="alices")
        mint_secret(client, lambda: auth("bob"), name="bobs")
        assert [t["name"] for t in client.get("/tokens", headers=auth()).json()["data"]] == [
            "alices"
        ]
        assert [t["name"] for t in client.get("/tokens", headers=auth("bob")).json()["data"]] == [
            "bobs"
        ]

    def test_list_shows_when_a_token_was_last_used(self, client: TestClient, auth: Auth) -> None:
        secret = mint_secret(client, auth)
        [before] = client.get("/tokens", headers=auth()).json()["data"]
        assert before["last_used"] is None
        whoami(client, secret)
        [after] = client.get("/tokens", headers=auth()).json()["data"]
        assert after["last_used"] is not None


class TestBadRequests:
    @pytest.mark.parametrize(
        ("body", "fields"),
        [
            ({"grants": []}, {"/grants"}),
            ({"grants": "all"}, {"/grants"}),
            ({"grants": ["all"]}, {"/grants/0"}),
            ({"grants": [{**CI_GRANT, "zones": ["evil.com"]}]}, {"/grants/0/zones"}),
            ({"grants": [{**CI_GRANT, "zones": []}]}, {"/grants/0/zones"}),
            ({"grants": [{**CI_GRANT, "names": ["a..b"]}]}, {"/grants/0/names"}),
            ({"grants": [{**CI_GRANT, "names": ["pr**"]}]}, {"/grants/0/names"}),
            ({"grants": [{**CI_GRANT, "names": ["a b"]}]}, {"/grants/0/names"}),
            ({"grants": [{**CI_GRANT, "types": ["NS"]}]}, {"/grants/0/types"}),
            ({"grants": [{**CI_GRANT, "actions": ["admin"]}]}, {"/grants/0/actions"}),
            ({"grants": [{**CI_GRANT, "actions": [1]}]}, {"/grants/0/actions"}),
            (
                {"grants": [{"zones": ["example.com"]}]},
                {"/grants/0/names", "/grants/0/types", "/grants/0/actions"},
            ),
            ({"grants": [CI_GRANT, {**CI_GRANT, "types": ["SOA"]}]}, {"/grants/1/types"}),
            ({"grants": [CI_GRANT] * 21}, {"/grants"}),
            ({"expires": "soon"}, {"/expires"}),
            ({"expires": "2001-01-01T00:00:00Z"}, {"/expires"}),
            ({"expires": "2030-01-01T00:00:00"}, {"/expires"}),
            ({"expires": "99999w"}, {"/expires"}),
            ({"expires": "0s"}, {"/expires"}),
            ({"cidrs": ["nope"]}, {"/cidrs"}),
            ({"cidrs": ["192.0.2.0/33"]}, {"/cidrs"}),
            ({"name": ""}, {"/name"}),
            ({"name": None}, {"/name"}),
            ({"can_mint": "yes"}, {"/can_mint"}),
            ({"admin": True}, {"/admin"}),
            (
                {
                    "grants": [{**CI_GRANT, "zones": ["evil.com"], "types": ["NS"]}],
                    "expires": "soon",
                    "cidrs": ["nope"],
                },
                {"/grants/0/zones", "/grants/0/types", "/expires", "/cidrs"},
            ),
        ],
    )
    def test_bad_request_is_422_naming_each_field(
        self, client: TestClient, auth: Auth, body: dict[str, Any], fields: set[str]
    ) -> None:
        response = mint(client, auth(), **body)
        assert response.status_code == 422
        assert set(error_codes(response)) == {"invalid"}
        assert pointers(response) == fields
        assert client.get("/tokens", headers=auth()).json()["data"] == []

    def test_missing_body_names_name_and_grants(self, client: TestClient, auth: Auth) -> None:
        response = client.post("/tokens", headers=auth(), json={})
        assert response.status_code == 422
        assert pointers(response) == {"/name", "/grants"}

    @pytest.mark.parametrize(
        ("extra", "field"),
        [
            ({"cidrs": ["192.0.2.0/24"]}, "/grants/0/cidrs"),
            ({"expires": "1h"}, "/grants/0/expires"),
        ],
    )
    def test_unknown_keys_in_a_grant_are_refused(
        self, client: TestClient, auth: Auth, extra: dict[str, Any], field: str
    ) -> None:
        response = mint(client, auth(), grants=[{**CI_GRANT, **extra}])
        assert response.status_code == 422
        assert pointers(response) == {field}

    def test_minting_needs_a_token(self, client: TestClient) -> None:
        response = client.post("/tokens", json={"name": "ci", "grants": [CI_GRANT]})
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"


class TestLegacyTokens:
    def test_legacy_token_means_full_access(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        for zone, kind, name in [("example.com", "a", "api"), ("example.org", "cname", "x")]:
            assert (
                upsert(client, legacy_token("bob"), name, zone=zone, kind=kind).status_code == 200
            )
        assert len(client.get("/records", headers=auth()).json()["data"]) == 2

    def test_legacy_tokens_can_be_switched_off(
        self, auth: Auth, emulator: RunningEmulator, database_url: str
    ) -> None:
        everything = Grant.build(zones=["*"], names=["**"], types=["*"], actions=list(Action))

        async def work(database: Database) -> str:
            request = TokenRequest(
                grants=(everything,), expires_at=None, networks=(), can_mint=True
            )
            issued = await TokenService(database).mint(
                name="ops", owner="alice", request=request, created_by="cli"
            )
            return issued.secret

        secret = on_database(database_url, work)
        with app_client(emulator, database_url, legacy_tokens=False) as strict:
            refused = strict.get("/whoami", headers=auth())
            assert refused.status_code == 401
            assert error_codes(refused) == ["unauthenticated"]
            assert (
                strict.post(
                    "/tokens", headers=auth(), json={"name": "x", "grants": [CI_GRANT]}
                ).status_code
                == 401
            )
            assert whoami(strict, secret).json()["data"]["token"]["kind"] == "scoped"
            assert upsert(strict, secret, "api").status_code == 200
            assert mint(strict, bearer(secret)).status_code == 201
        assert len(upstream(emulator)) == 1


class TestSpelling:
    def test_other_spellings_of_a_granted_name_act_on_that_name(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        secret = mint_secret(client, auth)
        first = upsert(client, secret, "PR-42")
        assert first.status_code == 200
        assert first.json()["data"]["subdomain"] == "pr-42"
        for spelling in ("pr-42.example.com.", "\uff30\uff32-42", "Pr-42", "PR-42.Example.Com"):
            response = client.post(
                f"/records/cname/EXAMPLE.COM./{spelling}/{spelling.split('.')[0]}.example.net",
                headers=bearer(secret),
            )
            assert response.status_code == 200, spelling
            assert response.json()["data"]["id"] == first.json()["data"]["id"]
        [record] = upstream(emulator)
        assert record["name"] == "pr-42"

    @pytest.mark.parametrize(
        ("spelling", "status"),
        [
            ("\u0440r-42", 403),  # Cyrillic er: the name xn--r-42-f6d, which pr-* does not match
            ("p\u0433-42", 403),  # Cyrillic ghe: xn--p-42-l4d
            ("pr\u201042", 422),  # Unicode hyphen: not a valid label at all
        ],
    )
    def test_a_look_alike_that_is_another_name_is_refused(
        self,
        client: TestClient,
        auth: Auth,
        emulator: RunningEmulator,
        spelling: str,
        status: int,
    ) -> None:
        secret = mint_secret(client, auth)
        response = upsert(client, secret, spelling)
        assert response.status_code == status
        assert emulator.state.count() == 0

    @pytest.mark.parametrize(
        ("zone", "status"),
        [
            ("EXAMPLE.COM.", 200),
            ("\uff45xample.com", 200),  # full-width e: the same zone
            ("ex\u0430mple.com", 422),  # Cyrillic a: another zone, not managed here
            ("example.org", 403),
        ],
    )
    def test_zone_spellings(
        self,
        client: TestClient,
        auth: Auth,
        emulator: RunningEmulator,
        zone: str,
        status: int,
    ) -> None:
        secret = mint_secret(client, auth)
        response = upsert(client, secret, "pr-1", zone=zone)
        assert response.status_code == status
        assert emulator.state.count(method="POST") == (1 if status == 200 else 0)
        if status == 200:
            assert response.json()["data"]["domain"] == "example.com"

    @pytest.mark.parametrize(
        "spelling",
        [
            "www",
            "WWW",
            "www.",
            " www",
            "\uff57\uff57\uff57",  # full-width
            "\uff57\uff57\uff57\uff0e",  # full-width, full-width full stop
            "www\u3002",  # ideographic full stop
            "w\u200bww",  # zero-width space
            "w\u00adww",  # soft hyphen
            "ADMIN",
            "\u24b6dmin",  # circled A
        ],
    )
    def test_deny_list_holds_for_a_token_that_may_do_anything(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator, spelling: str
    ) -> None:
        secret = mint_secret(client, auth, grants=[FULL_GRANT])
        path = f"/records/a/example.com/{spelling}"
        created = client.post(f"{path}/192.0.2.1", headers=bearer(secret))
        assert created.status_code == 422
        assert pointers(created) == {"subdomain"}
        body = {
            "domain_type": "A",
            "domain": "example.com",
            "subdomain": spelling,
            "to": "192.0.2.1",
        }
        by_body = client.post("/records", headers=bearer(secret), json=body)
        assert by_body.status_code == 422
        assert pointers(by_body) == {"/subdomain"}
        assert client.delete(path, headers=bearer(secret)).status_code == 422
        assert emulator.state.count() == 0


class TestThrottle:
    def test_after_the_limit_failures_wait_and_good_tokens_pass(
        self, emulator: RunningEmulator, database_url: str
    ) -> None:
        good = bearer(legacy_token("alice"))
        with app_client(emulator, database_url, auth_failure_limit=3) as limited:
            scoped = mint(limited, good).json()["data"]["token"]
            for bad in ("dnsapi_" + "x" * 43, legacy_token("alice", "another-secret-" * 3), "junk"):
                assert limited.get("/whoami", headers=bearer(bad)).status_code == 401
            response = limited.get("/whoami", headers=bearer("junk"))
            assert response.status_code == 429
            assert error_codes(response) == ["too_many_failures"]
            assert 1 <= int(response.headers["Retry-After"]) <= 61
            for headers in (good, bearer(scoped)):
                assert limited.get("/whoami", headers=headers).status_code == 200

    def test_requests_without_a_token_do_not_count(
        self, emulator: RunningEmulator, database_url: str
    ) -> None:
        with app_client(emulator, database_url, auth_failure_limit=2) as limited:
            for _ in range(5):
                assert limited.get("/whoami").status_code == 401
            assert limited.get("/whoami", headers=bearer(legacy_token("alice"))).status_code == 200

    def test_failures_count_per_source(self, emulator: RunningEmulator, database_url: str) -> None:
        good = bearer(legacy_token("alice"))
        with app_client(
            emulator, database_url, "10.0.0.1", trusted_proxies=["10.0.0.0/8"], auth_failure_limit=2
        ) as proxied:
            guesser = {"X-Forwarded-For": "198.51.100.66"}
            for _ in range(2):
                assert (
                    proxied.get("/whoami", headers={**guesser, **bearer("junk")}).status_code == 401
                )
            junk = {**guesser, **bearer("junk")}
            assert proxied.get("/whoami", headers=junk).status_code == 429
            other = {"X-Forwarded-For": "198.51.100.67", **bearer("junk")}
            assert proxied.get("/whoami", headers=other).status_code == 401
            assert proxied.get("/whoami", headers={**guesser, **good}).status_code == 200


class TestReviewFindings:
    """Holes found in review; each test failed before its fix."""

    def test_many_every_name_labels_are_refused_quickly(
        self, client: TestClient, auth: Auth
    ) -> None:
        grant = {**CI_GRANT, "names": ["**.**.**.**.**.**.**.**.x"]}
        response = mint(client, auth(), grants=[grant])
        assert response.status_code == 422
        assert pointers(response) == {"/grants/0/names"}

    def test_overlong_patterns_are_refused(self, client: TestClient, auth: Auth) -> None:
        grant = {**CI_GRANT, "names": [".".join(["a"] * 200)]}
        assert mint(client, auth(), grants=[grant]).status_code == 422

    @pytest.mark.parametrize("token_id", ["\u00b2", "\u0661\u0662", "1\u00b2"])
    def test_non_ascii_digits_are_not_ids(
        self, client: TestClient, auth: Auth, token_id: str
    ) -> None:
        assert client.delete(f"/tokens/{token_id}", headers=auth()).status_code == 404
        assert client.get(f"/records/{token_id}", headers=auth()).status_code == 404

    def test_absurd_lifetimes_are_422(self, client: TestClient, auth: Auth) -> None:
        response = mint(client, auth(), expires="999999w")
        assert response.status_code == 422
        assert pointers(response) == {"/expires"}

    def test_deeply_nested_bodies_are_422(self, client: TestClient, auth: Auth) -> None:
        response = client.post("/tokens", headers=auth(), content=b"[" * 60_000)
        assert response.status_code == 422

    def test_by_id_writes_obey_the_global_rules_as_configured_now(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator, database_url: str
    ) -> None:
        created = upsert(client, legacy_token_secret(), "box", kind="a").json()["data"]
        with app_client(emulator, database_url, blacklisted_subdomains=["box"]) as later:
            headers = {"Authorization": f"Bearer {legacy_token('alice')}"}
            patched = later.patch(
                f"/records/{created['id']}", headers=headers, json={"to": "192.0.2.9"}
            )
            assert patched.status_code == 403
            assert "deny list" in detail(patched)
            assert later.delete(f"/records/{created['id']}", headers=headers).status_code == 403
        with app_client(emulator, database_url, dnsimple_domains=["example.org"]) as later:
            headers = {"Authorization": f"Bearer {legacy_token('alice')}"}
            assert later.delete(f"/records/{created['id']}", headers=headers).status_code == 403
        assert len(upstream(emulator)) == 1

    def test_a_configured_zone_missing_at_dnsimple_is_502(
        self, emulator: RunningEmulator, database_url: str
    ) -> None:
        zones = ["example.com", "example.org", "example.net"]
        with app_client(emulator, database_url, dnsimple_domains=zones) as other:
            headers = {"Authorization": f"Bearer {legacy_token('alice')}"}
            response = other.post("/records/a/example.net/box/192.0.2.1", headers=headers)
        assert response.status_code == 502
        assert error_codes(response) == ["upstream_not_found"]

    def test_a_child_cannot_be_minted_from_a_token_revoked_meanwhile(
        self, client: TestClient, auth: Auth, database_url: str
    ) -> None:
        parent = mint(client, auth(), can_mint=True).json()["data"]

        async def race(database: Database) -> None:
            tokens = TokenService(database)
            principal = await tokens.principal_for(parent["token"], "127.0.0.1")
            await tokens.revoke(parent["id"], by="alice")
            request = TokenRequest(
                grants=principal.grants, expires_at=None, networks=(), can_mint=False
            )
            with pytest.raises(AuthenticationFailed):
                await tokens.mint_for(principal, name="late", request=request)

        on_database(database_url, race)


def legacy_token_secret() -> str:
    return legacy_token("alice")
