"""Web console sessions: a dns-api token exchanged, once, for an opaque server-side session.

The browser keeps a random secret in a cookie; the database keeps its SHA-256 and what the
session acts as (a scoped token's id, or a legacy token's user), never the token. Every request
resumes the session and rebuilds its principal from the token as it is *now*: a revoked, expired
or out-of-network token ends the session at once, and a session never holds more than its token.
Sessions end after ``idle`` without a request and ``lifetime`` after sign-in, whichever is first.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from dns_api.db import console_sessions as stored
from dns_api.db.console_sessions import StoredSession
from dns_api.db.database import Database
from dns_api.domain.policy import Principal, TokenKind
from dns_api.errors import AuthenticationFailed, AuthFailure
from dns_api.services.auth import Authenticator
from dns_api.services.clock import utc_now
from dns_api.services.tokens import TokenService, hash_secret

TOUCH_RESOLUTION = timedelta(seconds=60)  # last_seen_at is written at most once a minute


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    """A live session: who it acts as, and the secret its forms must carry."""

    principal: Principal
    csrf_token: str
    signed_in_at: datetime


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle: timedelta
    lifetime: timedelta


class ConsoleSessions:
    def __init__(
        self,
        database: Database,
        authenticator: Authenticator,
        tokens: TokenService,
        *,
        policy: SessionPolicy,
        legacy_users: Collection[str],
        secret_key: str,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._db = database
        self._authenticator = authenticator
        self._tokens = tokens
        self._policy = policy
        self._legacy_users = frozenset(legacy_users)
        self._key_check = _key_check(secret_key)
        self._clock = clock

    async def start(self, token: str, source: str | None) -> tuple[str, ConsoleSession]:
        """Sign in with ``token`` (checked like any API request): the new cookie secret and
        the session. ``AuthenticationFailed`` (or ``TooManyFailures``) otherwise."""
        principal = await self._authenticator.authenticate(token, source)
        secret = secrets.token_urlsafe(32)
        now = self._clock()
        legacy = principal.token_kind is TokenKind.LEGACY
        row = StoredSession(
            id_hash=hash_secret(secret),
            token_id=None if legacy else principal.token_id,
            legacy_user=principal.user if legacy else None,
            key_check=self._key_check if legacy else None,
            token_expires_at=_legacy_expiry(token) if legacy else principal.expires_at,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
        )
        idle_before, created_before = now - self._policy.idle, now - self._policy.lifetime
        await self._db.run(
            lambda session: stored.insert_pruning(session, row, idle_before, created_before)
        )
        return secret, ConsoleSession(principal, row.csrf_token, now)

    async def resume(self, secret: str, source: str | None) -> ConsoleSession:
        """The session of a cookie secret; ``AuthenticationFailed`` when there is none or it
        has ended (idle, too old, or its token no longer works; such a session is forgotten)."""
        id_hash = hash_secret(secret)
        row = await self._db.read(lambda connection: stored.by_hash(connection, id_hash))
        if row is None:
            raise AuthenticationFailed(AuthFailure.UNKNOWN, "no such console session")
        now = self._clock()
        try:
            self._check_fresh(row, now)
            principal = await self._principal(row, source, now)
        except AuthenticationFailed:
            await self.end(secret)
            raise
        if now - row.last_seen_at >= TOUCH_RESOLUTION:
            await self._db.run(lambda session: stored.touch(session, id_hash, now))
        return ConsoleSession(principal, row.csrf_token, row.created_at)

    async def end(self, secret: str) -> None:
        """Sign out: the session is forgotten (nothing happens for an unknown secret)."""
        id_hash = hash_secret(secret)
        await self._db.run(lambda session: stored.remove(session, id_hash))

    def _check_fresh(self, row: StoredSession, now: datetime) -> None:
        if now - row.last_seen_at >= self._policy.idle:
            raise AuthenticationFailed(AuthFailure.EXPIRED, "console session idle too long")
        if now - row.created_at >= self._policy.lifetime:
            raise AuthenticationFailed(AuthFailure.EXPIRED, "console session too old")
        if row.token_expires_at is not None and row.token_expires_at <= now:
            raise AuthenticationFailed(AuthFailure.EXPIRED, "the session's token expired")

    async def _principal(self, row: StoredSession, source: str | None, now: datetime) -> Principal:
        if row.token_id is not None:
            return await self._tokens.principal_of_id(row.token_id, source)
        user = row.legacy_user or ""
        same_key = hmac.compare_digest(row.key_check or "", self._key_check)
        if not same_key or user not in self._legacy_users:
            raise AuthenticationFailed(AuthFailure.UNKNOWN, "legacy user no longer valid")
        return Principal.legacy(user)


def _key_check(secret_key: str) -> str:
    """A value that changes with SECRET_KEY (which signs legacy tokens), revealing nothing."""
    return hmac.new(secret_key.encode(), b"dns-api console session", hashlib.sha256).hexdigest()


def _legacy_expiry(token: str) -> datetime | None:
    """The ``exp`` of a legacy token already verified (signature and expiry) by the caller."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if isinstance(exp, int | float) and not isinstance(exp, bool):
        return datetime.fromtimestamp(exp, UTC)
    return None
