"""The original service's tokens: HS512 JWS over {"username": ...}, and nothing else."""

from __future__ import annotations

import base64
import json
import time

import anyio
import jwt
import pytest
from itsdangerous import JSONWebSignatureSerializer

from dns_api.errors import AuthenticationFailed, AuthFailure
from dns_api.services.auth import VERIFIED_LEGACY_TOKENS, Authenticator, LegacyTokenVerifier
from dns_api.services.throttle import FailureThrottle

SECRET = "a-deployment-secret-long-enough-for-hs512-" + "0123456789abcdef" * 2
SHORT_SECRET = "an-old-deployment-secret-of-40-characters"


def b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture
def authenticator() -> Authenticator:
    return Authenticator([LegacyTokenVerifier(SECRET, ["alice"])], FailureThrottle(1000))


@pytest.mark.anyio
async def test_token_made_by_the_original_itsdangerous_serializer_is_accepted(
    authenticator: Authenticator,
) -> None:
    token = JSONWebSignatureSerializer(SECRET).dumps({"username": "alice"}).decode()
    principal = await authenticator.authenticate(token)
    assert principal.user == "alice"


@pytest.mark.anyio
async def test_keys_shorter_than_64_bytes_keep_working() -> None:
    token = JSONWebSignatureSerializer(SHORT_SECRET).dumps({"username": "alice"}).decode()
    verifier = LegacyTokenVerifier(SHORT_SECRET, ["alice"])
    assert (await Authenticator([verifier], FailureThrottle()).authenticate(token)).user == "alice"
    assert verifier.issue("alice") == token


def test_issued_tokens_are_byte_identical_to_the_original() -> None:
    original = JSONWebSignatureSerializer(SECRET).dumps({"username": "alice"}).decode()
    assert LegacyTokenVerifier(SECRET, ["alice"]).issue("alice") == original


@pytest.mark.anyio
@pytest.mark.parametrize(
    "token",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("garbage", id="garbage"),
        pytest.param(
            jwt.encode({"username": "alice"}, "another-secret-" * 5, algorithm="HS512"),
            id="wrong-key",
        ),
        pytest.param(jwt.encode({"username": "alice"}, SECRET, algorithm="HS256"), id="hs256"),
        pytest.param(b64({"alg": "none"}) + "." + b64({"username": "alice"}) + ".", id="alg-none"),
        pytest.param(
            jwt.encode({"username": "mallory"}, SECRET, algorithm="HS512"), id="unknown-user"
        ),
        pytest.param(jwt.encode({"user": "alice"}, SECRET, algorithm="HS512"), id="no-username"),
        pytest.param(
            jwt.encode({"username": ["alice"]}, SECRET, algorithm="HS512"), id="username-not-string"
        ),
        pytest.param("a." * 3000, id="oversized"),
    ],
)
async def test_bad_tokens_are_refused(authenticator: Authenticator, token: str | None) -> None:
    with pytest.raises(AuthenticationFailed):
        await authenticator.authenticate(token)


@pytest.mark.anyio
async def test_a_user_removed_from_valid_users_loses_access() -> None:
    token = LegacyTokenVerifier(SECRET, ["alice"]).issue("alice")
    with pytest.raises(AuthenticationFailed):
        await Authenticator([LegacyTokenVerifier(SECRET, ["bob"])], FailureThrottle()).authenticate(
            token
        )


@pytest.mark.anyio
async def test_a_remembered_token_is_still_refused_once_it_expires(
    authenticator: Authenticator,
) -> None:
    expires = time.time() + 1.2
    token = jwt.encode({"username": "alice", "exp": expires}, SECRET, algorithm="HS512")
    assert (await authenticator.authenticate(token)).user == "alice"
    assert (await authenticator.authenticate(token)).user == "alice"  # now from memory
    await anyio.sleep(max(0.0, expires - time.time()) + 0.05)
    with pytest.raises(AuthenticationFailed) as refused:
        await authenticator.authenticate(token)
    assert refused.value.failure == AuthFailure.EXPIRED


@pytest.mark.anyio
async def test_a_refused_token_is_refused_every_time(authenticator: Authenticator) -> None:
    forged = jwt.encode({"username": "alice"}, "not-the-secret" * 5, algorithm="HS512")
    for _ in range(3):
        with pytest.raises(AuthenticationFailed) as refused:
            await authenticator.authenticate(forged)
        assert refused.value.failure == AuthFailure.SIGNATURE


@pytest.mark.anyio
async def test_many_tokens_stay_valid_past_what_is_remembered() -> None:
    verifier = LegacyTokenVerifier(SECRET, ["alice"])
    tokens = [
        jwt.encode({"username": "alice", "n": n}, SECRET, algorithm="HS512")
        for n in range(VERIFIED_LEGACY_TOKENS + 5)
    ]
    for token in tokens + tokens[:10]:
        assert (await verifier.verify(token, None)).user == "alice"
