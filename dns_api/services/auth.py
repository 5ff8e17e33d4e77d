"""Authentication: a bearer token in, a ``Principal`` out, or ``AuthenticationFailed``.

Each token kind has a verifier; ``Authenticator`` picks the one that claims the token. Every
failure looks the same from outside; the reason goes to the log only.

A legacy token verified once is remembered (up to ``VERIFIED_LEGACY_TOKENS`` of them, and never
past its ``exp``): it is stateless (the same string always means the same user while SECRET_KEY
and VALID_USERS, which only a restart changes, stay), so the signature need not be checked again
on every request. Refused tokens are never remembered.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

import jwt
from jwt.warnings import InsecureKeyLengthWarning

from dns_api.domain.policy import Principal
from dns_api.errors import AuthenticationFailed, AuthFailure
from dns_api.services.throttle import FailureThrottle
from dns_api.services.tokens import PREFIX, TokenService

log = logging.getLogger(__name__)

LEGACY_ALGORITHM = "HS512"
MAX_TOKEN_LENGTH = 4096
VERIFIED_LEGACY_TOKENS = 1024  # legacy tokens remembered once verified (the oldest goes first)


class TokenVerifier(Protocol):
    def claims(self, token: str) -> bool:
        """Whether this verifier handles tokens shaped like ``token``."""
        ...

    async def verify(self, token: str, source: str | None) -> Principal:
        """The principal of ``token`` used from ``source``; ``AuthenticationFailed`` otherwise."""
        ...


def _failure_of(exc: jwt.InvalidTokenError) -> AuthFailure:
    if isinstance(exc, jwt.ExpiredSignatureError):
        return AuthFailure.EXPIRED
    if isinstance(exc, jwt.InvalidSignatureError | jwt.InvalidAlgorithmError):
        return AuthFailure.SIGNATURE
    return AuthFailure.MALFORMED


class LegacyTokenVerifier:
    """The original service's tokens: a JWS ``{"alg": "HS512"}`` over ``{"username": user}``.

    Only HS512 is accepted (``alg: none`` and every other algorithm are refused), signed with
    SECRET_KEY, and only while the user is listed in VALID_USERS.
    """

    def __init__(
        self,
        secret_key: str,
        valid_users: Iterable[str],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = secret_key
        self._users = frozenset(valid_users)
        self._clock = clock
        # token -> (its principal, its exp or None); insertion order is age.
        self._verified: dict[str, tuple[Principal, float | None]] = {}

    def claims(self, token: str) -> bool:
        return token.count(".") == 2

    async def verify(self, token: str, source: str | None) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            principal, expires = known
            if expires is None or self._clock() < expires:
                return principal
            self._verified.pop(token, None)  # expired: decoding says so, with the reason
        payload = self._decode(token)
        username = payload.get("username")
        if not isinstance(username, str):
            raise AuthenticationFailed(AuthFailure.MALFORMED, "legacy token without a username")
        if username not in self._users:
            raise AuthenticationFailed(
                AuthFailure.UNKNOWN, f"legacy token for {username!r}, not in VALID_USERS"
            )
        principal = Principal.legacy(username)
        self._remember(token, principal, payload.get("exp"))
        return principal

    def _remember(self, token: str, principal: Principal, exp: object) -> None:
        if exp is not None and not isinstance(exp, int | float):
            return  # PyJWT accepted it, but it is not a plain moment: check every time
        if len(self._verified) >= VERIFIED_LEGACY_TOKENS:
            self._verified.pop(next(iter(self._verified)))
        self._verified[token] = (principal, None if exp is None else float(exp))

    def _decode(self, token: str) -> dict[str, object]:
        try:
            with warnings.catch_warnings():
                # Deployments of the original service may use keys shorter than 64 bytes.
                warnings.simplefilter("ignore", InsecureKeyLengthWarning)
                payload = jwt.decode(token, self._key, algorithms=[LEGACY_ALGORITHM])
        except jwt.InvalidTokenError as exc:
            raise AuthenticationFailed(
                _failure_of(exc), f"legacy token rejected: {type(exc).__name__}"
            ) from None
        if not isinstance(payload, dict):
            raise AuthenticationFailed(
                AuthFailure.MALFORMED, "legacy token payload is not an object"
            )
        return payload

    def issue(self, username: str) -> str:
        """A token for ``username``, byte-identical to what the original token-generator printed."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InsecureKeyLengthWarning)
            return jwt.encode(
                {"username": username},
                self._key,
                algorithm=LEGACY_ALGORITHM,
                headers={"typ": None},
            )


class ScopedTokenVerifier:
    """dns-api's own tokens (``dnsapi_...``): rows with grants, see ``services.tokens``."""

    def __init__(self, tokens: TokenService) -> None:
        self._tokens = tokens

    def claims(self, token: str) -> bool:
        return token.startswith(PREFIX)

    async def verify(self, token: str, source: str | None) -> Principal:
        return await self._tokens.principal_for(token, source)


class Authenticator:
    """Turns a bearer token into a ``Principal`` through the first verifier that claims it.

    Repeated failures from one source are answered 429 (with Retry-After) instead of 401 by
    ``throttle``; valid credentials are never throttled.
    """

    def __init__(self, verifiers: Sequence[TokenVerifier], throttle: FailureThrottle) -> None:
        self._verifiers = verifiers
        self._throttle = throttle

    async def authenticate(self, token: str | None, source: str | None = None) -> Principal:
        try:
            return await self._authenticate(token, source)
        except AuthenticationFailed as exc:
            log.info("authentication failed from %s: %s", source, exc.reason)
            if token:
                self._throttle.failed(source)  # TooManyFailures past the budget
            raise

    def failed(self, source: str | None) -> None:
        """Count a failed authentication of another kind (acme-dns credentials) from ``source``
        against the same budget; ``TooManyFailures`` past it."""
        self._throttle.failed(source)

    async def _authenticate(self, token: str | None, source: str | None) -> Principal:
        if not token:
            raise AuthenticationFailed(AuthFailure.MISSING, "no bearer token")
        if len(token) > MAX_TOKEN_LENGTH:
            raise AuthenticationFailed(AuthFailure.MALFORMED, "token too long")
        for verifier in self._verifiers:
            if verifier.claims(token):
                return await verifier.verify(token, source)
        raise AuthenticationFailed(
            AuthFailure.MALFORMED, "token of no known kind (or legacy tokens are off)"
        )
