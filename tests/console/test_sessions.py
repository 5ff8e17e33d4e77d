"""Console sessions: a token exchanged for an opaque cookie, CSRF on every change, and a
session that never outlives (or outdoes) its token. Both databases, over the real app."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from dns_api.app import create_app
from dns_api.db import urls
from dns_api.services.clock import utc_now
from dns_api.settings import Settings
from tests.conftest import legacy_token
from tests.console.conftest import csrf_of, sign_in

Auth = Callable[..., dict[str, str]]
GRANT = {"zones": ["example.com"], "names": ["app-*"], "types": ["A"], "actions": ["read"]}


def mint(client: TestClient, auth: Auth, **body: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"name": "console", "grants": [GRANT], **body}
    answer = client.post("/tokens", headers=auth(), json=payload)
    assert answer.status_code == 201, answer.text
    data: dict[str, Any] = answer.json()["data"]
    return data


def run_sql(database_url: str, statement: str, **values: Any) -> None:
    engine = create_engine(urls.engine_url(database_url))
    try:
        with engine.begin() as connection:
            connection.execute(text(statement), values)
    finally:
        engine.dispose()


def lands_on_sign_in(client: TestClient, path: str = "/console/zones") -> str:
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 303
    location: str = answer.headers["location"]
    assert location.startswith("/console/sign-in")
    return location


class TestSignIn:
    def test_without_a_session_every_page_leads_to_sign_in(self, client: TestClient) -> None:
        lands_on_sign_in(client)
        lands_on_sign_in(client, "/console/tokens")

    def test_console_root_leads_to_the_zones(self, console: TestClient) -> None:
        assert client_location(console, "/console") == "/console/"
        assert client_location(console, "/console/") == "/console/zones"

    def test_a_legacy_token_signs_in_with_an_opaque_cookie(self, client: TestClient) -> None:
        token = legacy_token("alice")
        answer = sign_in(client, token)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/console/zones"
        cookie = next(
            c for c in answer.headers.get_list("set-cookie") if c.startswith("dns_api_session=")
        )
        value = cookie.split(";")[0].split("=", 1)[1]
        assert token not in cookie
        assert len(value) >= 40
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "path=/console", "samesite=strict"} <= flags
        assert "secure" not in flags  # plain http here; see the HTTPS test

    def test_the_cookie_is_secure_when_the_browser_came_over_https(
        self, client: TestClient
    ) -> None:
        secure = TestClient(client.app, base_url="https://testserver", client=("127.0.0.1", 1))
        answer = sign_in(secure, legacy_token("alice"))
        assert "secure" in answer.headers["set-cookie"].lower()

    def test_a_scoped_token_signs_in(self, client: TestClient, auth: Auth) -> None:
        token = mint(client, auth)["token"]
        assert sign_in(client, token).status_code == 303
        assert "alice" in client.get("/console/zones").text

    def test_a_bad_token_is_refused_on_the_form(self, client: TestClient) -> None:
        answer = sign_in(client, "dnsapi_not-a-real-token")
        assert answer.status_code == 401
        assert 'id="token-error"' in answer.text
        assert "not valid" in answer.text
        assert "dnsapi_not-a-real-token" not in answer.text  # never echoed
        assert "dns_api_session" not in answer.headers.get("set-cookie", "")

    def test_an_empty_token_names_the_field(self, client: TestClient) -> None:
        answer = sign_in(client, "   ")
        assert answer.status_code == 422
        assert 'id="token-error"' in answer.text

    def test_sign_in_without_its_form_secret_is_refused(self, client: TestClient) -> None:
        client.get("/console/sign-in")
        answer = client.post(
            "/console/sign-in",
            data={"csrf_token": "forged", "token": legacy_token("alice")},
            follow_redirects=False,
        )
        assert answer.status_code == 403
        assert "dns_api_session" not in answer.headers.get("set-cookie", "")

    def test_each_sign_in_makes_a_new_session_and_ends_the_old_one(
        self, client: TestClient
    ) -> None:
        sign_in(client, legacy_token("alice"))
        first = client.cookies["dns_api_session"]
        sign_in(client, legacy_token("bob"))
        second = client.cookies["dns_api_session"]
        assert first != second
        stale = TestClient(client.app, client=("127.0.0.1", 1))
        stale.cookies.set("dns_api_session", first, path="/console")
        lands_on_sign_in(stale)

    def test_the_token_never_reaches_the_log(
        self, client: TestClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        token = legacy_token("alice")
        with caplog.at_level(logging.DEBUG):
            sign_in(client, token)
            sign_in(client, token + "x")
        assert caplog.records
        assert all(token not in record.getMessage() for record in caplog.records)


def client_location(client: TestClient, path: str) -> str:
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code in (303, 307, 308)
    location: str = answer.headers["location"]
    return location


class TestSignOut:
    def test_sign_out_ends_the_session(self, console: TestClient) -> None:
        page = console.get("/console/zones")
        cookie = console.cookies["dns_api_session"]
        answer = console.post(
            "/console/sign-out", data={"csrf_token": csrf_of(page)}, follow_redirects=False
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == "/console/sign-in?signed_out=1"
        again = TestClient(console.app, client=("127.0.0.1", 1))
        again.cookies.set("dns_api_session", cookie, path="/console")
        lands_on_sign_in(again)

    def test_sign_out_without_the_csrf_token_is_refused(self, console: TestClient) -> None:
        answer = console.post("/console/sign-out", data={}, follow_redirects=False)
        assert answer.status_code == 403
        assert console.get("/console/zones", follow_redirects=False).status_code == 200

    def test_a_form_from_another_site_is_refused(self, console: TestClient) -> None:
        page = console.get("/console/zones")
        answer = console.post(
            "/console/sign-out",
            data={"csrf_token": csrf_of(page)},
            headers={"Origin": "https://evil.example"},
            follow_redirects=False,
        )
        assert answer.status_code == 403


class TestSessionFollowsItsToken:
    def test_revoking_the_token_ends_its_sessions_at_the_next_request(
        self, client: TestClient, auth: Auth
    ) -> None:
        minted = mint(client, auth)
        sign_in(client, minted["token"])
        assert client.get("/console/zones", follow_redirects=False).status_code == 200
        assert client.delete(f"/tokens/{minted['id']}", headers=auth()).status_code == 200
        assert lands_on_sign_in(client) == "/console/sign-in?ended=1"
        assert "Your session has ended" in client.get("/console/sign-in?ended=1").text

    def test_a_token_limited_to_other_networks_cannot_sign_in(
        self, client: TestClient, auth: Auth
    ) -> None:
        minted = mint(client, auth, cidrs=["192.0.2.0/24"])
        assert sign_in(client, minted["token"]).status_code == 401

    def test_an_expired_token_ends_its_session(
        self, client: TestClient, auth: Auth, database_url: str
    ) -> None:
        minted = mint(client, auth)
        sign_in(client, minted["token"])
        past = utc_now() - timedelta(minutes=1)
        run_sql(
            database_url,
            "UPDATE tokens SET expires_at = :at WHERE id = :id",
            at=past,
            id=minted["id"],
        )
        lands_on_sign_in(client)

    def test_an_idle_session_ends(self, console: TestClient, database_url: str) -> None:
        long_ago = utc_now() - timedelta(minutes=31)
        run_sql(database_url, "UPDATE console_sessions SET last_seen_at = :at", at=long_ago)
        assert lands_on_sign_in(console) == "/console/sign-in?ended=1"

    def test_a_session_ends_after_its_lifetime_however_busy(
        self, console: TestClient, database_url: str
    ) -> None:
        start = utc_now() - timedelta(hours=12, minutes=1)
        run_sql(
            database_url,
            "UPDATE console_sessions SET created_at = :at, last_seen_at = :now",
            at=start,
            now=utc_now(),
        )
        lands_on_sign_in(console)

    def test_the_database_keeps_no_token_and_no_cookie(
        self, client: TestClient, database_url: str
    ) -> None:
        token = legacy_token("alice")
        sign_in(client, token)
        cookie = client.cookies["dns_api_session"]
        engine = create_engine(urls.engine_url(database_url))
        try:
            with engine.connect() as connection:
                rows = connection.execute(text("SELECT * FROM console_sessions")).all()
        finally:
            engine.dispose()
        stored = repr(rows)
        assert len(rows) == 1
        assert token not in stored
        assert cookie not in stored


class TestSafePages:
    def test_every_answer_carries_the_security_headers(self, console: TestClient) -> None:
        for path in ("/console/sign-in", "/console/zones", "/console/static/console.css"):
            headers = console.get(path).headers
            policy = headers["content-security-policy"]
            assert "default-src 'none'" in policy
            assert "script-src 'self'" in policy
            assert "frame-ancestors 'none'" in policy
            assert headers["x-frame-options"] == "DENY"
            assert headers["cache-control"] == "no-store"

    def test_no_page_holds_inline_script_or_style(self, console: TestClient) -> None:
        for path in ("/console/sign-in", "/console/zones", "/console/nowhere"):
            html = console.get(path).text.lower()
            assert "<script>" not in html
            assert "<style" not in html
            assert " style=" not in html
            assert " onclick=" not in html

    def test_an_unknown_page_is_a_page_not_json(self, console: TestClient) -> None:
        answer = console.get("/console/nowhere")
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")
        assert "There is no such page." in answer.text

    def test_the_api_is_unchanged_beside_the_console(self, console: TestClient, auth: Auth) -> None:
        answer = console.get("/whoami", headers=auth())
        assert answer.status_code == 200
        assert "content-security-policy" not in answer.headers

    def test_the_access_log_names_the_console_route_and_its_user(
        self, console: TestClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO, logger="dns_api.access"):
            console.get("/console/zones/example.com")
        [line] = [r for r in caplog.records if r.name == "dns_api.access"]
        assert getattr(line, "route", None) == "/console/zones/{zone}"
        assert getattr(line, "actor", None) == "alice"


class TestRotationAndProxies:
    def test_rotating_the_token_signs_out_its_sessions(
        self, client: TestClient, auth: Auth
    ) -> None:
        minted = mint(client, auth)
        sign_in(client, minted["token"])
        assert client.get("/console/zones", follow_redirects=False).status_code == 200
        tokens = client.app.state.services.tokens  # type: ignore[attr-defined]
        assert client.portal is not None
        client.portal.call(tokens.rotate, minted["id"])
        assert lands_on_sign_in(client) == "/console/sign-in?ended=1"

    def test_a_form_through_a_trusted_proxy_is_checked_against_the_forwarded_host(
        self, settings: Settings
    ) -> None:
        proxied = settings.model_copy(update={"trusted_proxies": ["127.0.0.0/8"]})
        app = create_app(proxied, migrate_on_start=False)
        with TestClient(app, client=("127.0.0.1", 50000)) as behind_proxy:
            page = sign_in_page(behind_proxy)
            origin = {"Origin": "https://dns.example.org"}
            forwarded = {**origin, "X-Forwarded-Host": "dns.example.org"}
            form = {"csrf_token": csrf_of(page), "token": legacy_token("alice")}
            refused = behind_proxy.post("/console/sign-in", data=form, headers=origin)
            assert refused.status_code == 403
            answer = behind_proxy.post(
                "/console/sign-in", data=form, headers=forwarded, follow_redirects=False
            )
            assert answer.status_code == 303

    def test_a_forwarded_host_from_an_untrusted_peer_is_ignored(self, client: TestClient) -> None:
        page = sign_in_page(client)
        answer = client.post(
            "/console/sign-in",
            data={"csrf_token": csrf_of(page), "token": legacy_token("alice")},
            headers={"Origin": "https://evil.example", "X-Forwarded-Host": "evil.example"},
        )
        assert answer.status_code == 403


def sign_in_page(client: TestClient) -> Any:
    return client.get("/console/sign-in")
