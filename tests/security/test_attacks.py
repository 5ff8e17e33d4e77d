"""The attack classes that held when the review attacked a running server, kept held.

One test per class, each acting as a hostile token holder would over HTTP: forged and tampered
tokens, tokens where no token belongs, scope escapes by spelling, reaching unreadable things by
id, widening a token by delegation, network bypasses, and telling unknown tokens from wrong
ones by timing. The findings that did not hold have their own modules beside this one.
"""

from __future__ import annotations

import base64
import json
import statistics
import time
import warnings
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from jwt.warnings import InsecureKeyLengthWarning

from dns_api.app import create_app
from dns_api.emulator import RunningEmulator
from tests.conftest import SECRET_KEY, legacy_token, make_settings
from tests.security.conftest import Auth, bearer, codes, grant, mint

ZONE = "example.com"


def b64(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def unsigned(header: dict[str, Any], payload: dict[str, Any], signature: str = "") -> str:
    return f"{b64(header)}.{b64(payload)}.{signature}"


def forged_tokens() -> dict[str, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)  # short keys: the attacker's
        return _forged_tokens()


def _forged_tokens() -> dict[str, str]:
    good = legacy_token("alice")
    head, _, signature = good.split(".")
    return {
        "alg none": unsigned({"alg": "none"}, {"username": "alice"}),
        "alg None": unsigned({"alg": "None", "typ": "JWT"}, {"username": "alice"}),
        "HS256 with the secret": jwt.encode({"username": "alice"}, SECRET_KEY, algorithm="HS256"),
        "HS384 with the secret": jwt.encode({"username": "alice"}, SECRET_KEY, algorithm="HS384"),
        "RS256 header, HMAC signature": unsigned(
            {"alg": "RS256"}, {"username": "alice"}, signature
        ),
        "HS512 with another key": jwt.encode(
            {"username": "alice"}, "another-key-" * 6, algorithm="HS512"
        ),
        "payload swapped, signature kept": f"{head}.{b64({'username': 'bob'})}.{signature}",
        "user not in VALID_USERS": legacy_token("mallory"),
        "signature cut": good[:-4],
        "signature of another token": f"{head}.{b64({'username': 'alice', 'x': 1})}.{signature}",
        "empty signature": f"{head}.{good.split('.')[1]}.",
        "username not a string": jwt.encode({"username": ["alice"]}, SECRET_KEY, algorithm="HS512"),
        "scoped prefix, random": "dnsapi_" + "A" * 43,
        "scoped prefix, empty": "dnsapi_",
        "a JWT inside the scoped prefix": "dnsapi_" + good,
    }


FORGED = forged_tokens()


def test_a_bearer_token_after_several_spaces_is_read(client: TestClient) -> None:
    # RFC 6750: "Bearer" 1*SP b64token; the original service accepted it too.
    headers = {"Authorization": f"Bearer   {legacy_token('alice')}"}
    assert client.get("/whoami", headers=headers).status_code == 200


@pytest.mark.parametrize("token", list(FORGED.values()), ids=list(FORGED))
def test_forged_and_tampered_tokens_are_401(client: TestClient, token: str) -> None:
    for method, path in (("GET", "/whoami"), ("POST", f"/records/a/{ZONE}/x/192.0.2.1")):
        response = client.request(method, path, headers=bearer(token))
        assert response.status_code == 401, (method, path)
        assert codes(response) == ["unauthenticated"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "where",
    [
        {"params": {"token": "T"}},
        {"params": {"access_token": "T"}},
        {"headers": {"Cookie": "token=T"}},
        {"headers": {"Cookie": "session=T; Authorization=Bearer T"}},
        {"headers": {"Authorization": "T"}},
        {"headers": {"Authorization": "Basic T"}},
        {"headers": {"Authorization": "Token T"}},
        {"headers": {"X-Auth-Token": "T"}},
        {"headers": {"Authorization": "BearerT"}},
    ],
    ids=lambda where: next(iter(where.values())).__repr__(),
)
def test_a_valid_token_anywhere_but_the_bearer_header_is_not_accepted(
    client: TestClient, where: dict[str, dict[str, str]]
) -> None:
    token = legacy_token("alice")
    placed = {
        kind: {key: value.replace("T", token) for key, value in values.items()}
        for kind, values in where.items()
    }
    response = client.get("/whoami", **placed)  # type: ignore[arg-type]
    assert response.status_code == 401


ESCAPES = {
    "upper case outside": ("PROD", 403),
    "extra label below": ("pr-1.evil", 403),
    "extra label above": ("x.pr-1", 403),
    "percent-encoded dot": ("pr-1%2Eevil", 403),
    "full-width dot": ("pr-1\uff0eevil", 403),
    "ideographic dot": ("pr-1\u3002evil", 403),
    "cyrillic look-alike": ("\u0440r-1", 403),
    "absolute name elsewhere": ("pr-1.example.org.", 422),
    "the zone itself": (f"{ZONE}.", 403),
    "apex": ("@", 403),
    "wildcard": ("*", 422),  # it would answer for the denied "www"
    "wildcard below": ("*.pr-1", 403),
    "empty label": ("pr-1..x", 422),
    "dot dot": ("%2E%2E", 422),
    "inner blank": ("pr%201", 422),
    "backslash": ("pr-1\\.x", 422),
}


@pytest.mark.parametrize(("name", "status"), list(ESCAPES.values()), ids=list(ESCAPES))
def test_scope_escapes_by_spelling_are_refused(
    client: TestClient, auth: Auth, emulator: RunningEmulator, name: str, status: int
) -> None:
    secret = mint(client, auth(), grant(["pr-*"], types=("A",)))
    response = client.post(f"/records/a/{ZONE}/{name}/192.0.2.1", headers=bearer(secret))
    assert response.status_code == status, response.text
    put = client.put(
        f"/zones/{ZONE}/rrsets/{name}/A", headers=bearer(secret), json={"records": ["192.0.2.1"]}
    )
    assert put.status_code in (403, 404, 422), put.text
    assert [r for r in emulator.state.records(ZONE) if not r["system_record"]] == []


def test_unreadable_things_by_id_look_like_missing_ones(client: TestClient, auth: Auth) -> None:
    admin = auth()
    created = client.post(f"/records/a/{ZONE}/box/192.0.2.1", headers=admin).json()["data"]
    other_token = client.post(
        "/tokens", headers=admin, json={"name": "other", "grants": [grant(["**"])]}
    ).json()["data"]
    secret = mint(client, admin, grant(["pr-*"]))
    probes = [
        ("GET", f"/records/{created['id']}", None),
        ("PATCH", f"/records/{created['id']}", {"to": "192.0.2.2"}),
        ("POST", f"/records/{created['id']}", {"to": "192.0.2.2"}),
        ("DELETE", f"/records/{created['id']}", None),
        ("GET", f"/records/{created['id']}/history", None),
        ("DELETE", f"/tokens/{other_token['id']}", None),
    ]
    for method, path, body in probes:
        seen = client.request(method, path, headers=bearer(secret), json=body)
        missing_path = path.replace(str(created["id"]), "99999").replace(
            str(other_token["id"]), "99999"
        )
        missing = client.request(method, missing_path, headers=bearer(secret), json=body)
        assert seen.status_code == missing.status_code == 404, (method, path)
        assert seen.json()["errors"][0]["code"] == missing.json()["errors"][0]["code"]
    events = client.get("/audit", headers=bearer(secret)).json()["data"]
    assert events == []  # neither the record's events nor the token's
    assert client.post("/audit/1/revert", headers=bearer(secret)).status_code == 403
    listed = client.get("/tokens", headers=bearer(secret)).json()["data"]
    assert other_token["id"] not in [t["id"] for t in listed]
    assert client.get(f"/records/{created['id']}", headers=admin).json()["data"]["to"] == (
        "192.0.2.1"
    )


WIDER = {
    "another zone": {"grants": [grant(["pr-1"], zones=("example.org",))]},
    "every zone": {"grants": [grant(["pr-1"], zones=("*",))]},
    "a wider pattern": {"grants": [grant(["pr*"])]},
    "every name": {"grants": [grant(["**"])]},
    "a wildcard record": {"grants": [grant(["*.pr-1"])]},
    "the apex": {"grants": [grant(["@"])]},
    "another type": {"grants": [grant(["pr-1"], types=("TXT",))]},
    "an action it lacks": {"grants": [grant(["pr-1"], actions=("delete",))]},
    "no expiry": {"expires": None},
    "a later expiry": {"expires": "2h"},
    "other networks": {"cidrs": ["10.0.0.0/8"]},
    "no network limit": {"cidrs": []},
}


@pytest.mark.parametrize("wider", list(WIDER.values()), ids=list(WIDER))
def test_delegation_never_widens(client: TestClient, auth: Auth, wider: dict[str, Any]) -> None:
    parent = mint(
        client,
        auth(),
        grant(["pr-*"], types=("A", "CNAME"), actions=("read", "create")),
        expires="1h",
        cidrs=["127.0.0.0/8"],
        can_mint=True,
    )
    narrow: dict[str, Any] = {
        "name": "child",
        "grants": [grant(["pr-1"], types=("A",), actions=("read",))],
        "expires": "30m",
        "cidrs": ["127.0.0.1/32"],
    }
    assert client.post("/tokens", headers=bearer(parent), json=narrow).status_code == 201
    response = client.post("/tokens", headers=bearer(parent), json={**narrow, **wider})
    assert response.status_code == 403, response.text
    assert codes(response) == ["forbidden"]


@pytest.mark.parametrize(
    ("peer", "status"),
    [
        ("10.1.2.3", 200),
        ("::ffff:10.1.2.3", 200),
        ("11.1.2.3", 401),
        ("::ffff:11.1.2.3", 401),
        ("::1", 401),
        ("fe80::10.1.2.3", 401),
    ],
)
def test_a_network_restriction_holds_for_every_spelling_of_the_peer(
    emulator: RunningEmulator, database_url: str, peer: str, status: int
) -> None:
    settings = make_settings(dnsimple_base_url=emulator.url, database_url=database_url)
    app = create_app(settings)
    with TestClient(app, client=("10.0.0.1", 1)) as inside:
        secret = mint(inside, bearer(legacy_token("alice")), grant(["**"]), cidrs=["10.0.0.0/8"])
    with TestClient(app, client=(peer, 1)) as client:
        assert client.get("/whoami", headers=bearer(secret)).status_code == status


def test_the_throttle_counts_every_kind_of_bad_token_from_one_source(
    emulator: RunningEmulator, database_url: str
) -> None:
    settings = make_settings(
        dnsimple_base_url=emulator.url, database_url=database_url, auth_failure_limit=len(FORGED)
    )
    with TestClient(create_app(settings), client=("198.51.100.7", 1)) as client:
        assert {client.get("/whoami", headers=bearer(t)).status_code for t in FORGED.values()} == {
            401
        }
        assert client.get("/whoami", headers=bearer("dnsapi_x")).status_code == 429


def test_unknown_and_revoked_tokens_take_the_same_time(
    emulator: RunningEmulator, database_url: str, auth: Auth
) -> None:
    """An attacker timing 401s must not learn which secrets exist. Both paths make the same one
    indexed read and the same constant-time comparison; the medians of interleaved runs agree
    within a bound far wider than a difference in work would leave (a 0.5 ms bound is ~100x the
    jitter seen here; a lookup that skipped the read for unknown tokens would differ by more)."""
    settings = make_settings(
        dnsimple_base_url=emulator.url, database_url=database_url, auth_failure_limit=10_000
    )
    with TestClient(create_app(settings), client=("192.0.2.1", 1)) as client:
        revoked = mint(client, auth(), grant(["pr-*"]))
        token_id = client.get("/whoami", headers=bearer(revoked)).json()["data"]["token"]["id"]
        assert client.delete(f"/tokens/{token_id}", headers=auth()).status_code == 200
        unknown = "dnsapi_" + revoked[len("dnsapi_") :][::-1]
        samples: dict[str, list[float]] = {unknown: [], revoked: []}
        for _ in range(200):  # interleaved, so that the machine's load weighs on both alike
            for secret in (unknown, revoked):
                started = time.perf_counter()
                assert client.get("/whoami", headers=bearer(secret)).status_code == 401
                samples[secret].append((time.perf_counter() - started) * 1000)
    unknown_ms, revoked_ms = (statistics.median(samples[s]) for s in (unknown, revoked))
    assert abs(unknown_ms - revoked_ms) < max(0.5, 0.25 * min(unknown_ms, revoked_ms)), (
        unknown_ms,
        revoked_ms,
    )
