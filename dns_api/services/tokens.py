"""Scoped tokens: minting, listing, revoking, rotating, and turning a secret into a Principal.

A token is a row: its grants, owner, expiry, networks and revocation. By default the row is read
on every request, so a revocation takes effect on the next request everywhere. With
``TOKEN_CACHE_SECONDS`` above 0 a token seen valid is remembered that long: expiry and networks
are still checked on every request, a revocation or rotation made through this instance takes
effect on its next request, and one made elsewhere (another instance, the CLI) within
``TOKEN_CACHE_SECONDS``.
The secret (``dnsapi_`` + 256 random bits) is shown once; only its SHA-256 is stored. Lookups go
by that hash, and the stored hash is compared in constant time (against a dummy for an unknown
token), so an unknown token costs what a known one does.

This module holds those use cases; the table (and the audit events written with it) is
``dns_api.db.tokens``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from dns_api.db import tokens as stored
from dns_api.db.database import Database
from dns_api.db.tokens import MintedUnder, NewToken, OwnedBy, Revocation, Scope, TokenInfo
from dns_api.domain.delegation import TokenRequest, excess
from dns_api.domain.policy import Principal, TokenKind
from dns_api.errors import AuthenticationFailed, AuthFailure, NotFound, PermissionDenied
from dns_api.services.audit import current_actor
from dns_api.services.clock import utc_now

__all__ = [
    "LAST_USED_RESOLUTION",
    "PREFIX",
    "Clock",
    "IssuedToken",
    "TokenInfo",
    "TokenService",
    "hash_secret",
    "new_secret",
]

PREFIX = "dnsapi_"
LAST_USED_RESOLUTION = timedelta(seconds=60)
_DUMMY_HASH = hashlib.sha256(b"no such token").hexdigest()

Clock = Callable[[], datetime]


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token and its secret, which is shown this once."""

    info: TokenInfo
    secret: str = field(repr=False)


def _in_networks(source: str | None, networks: Sequence[str]) -> bool:
    if not networks:
        return True
    if source is None:
        return False
    try:
        address = ipaddress.ip_address(source)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # an IPv4 client seen through a dual-stack socket
    return any(address in ipaddress.ip_network(n) for n in networks)


REMEMBERED_TOKENS = 10_000  # tokens kept once seen valid (the oldest goes first)


class TokenService:
    def __init__(
        self,
        database: Database,
        clock: Clock = utc_now,
        *,
        remember_for: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = database
        self._clock = clock
        self._remember_for = remember_for
        self._monotonic = monotonic
        # hash of a secret -> (its token, when it was read); insertion order is age.
        self._remembered: dict[str, tuple[TokenInfo, float]] = {}

    async def mint(
        self, *, name: str, owner: str, request: TokenRequest, created_by: str
    ) -> IssuedToken:
        """Create a token (server side: the CLI). Its grants are already validated."""
        return await self._insert(name, owner, request, created_by, parent_id=None)

    async def mint_for(self, parent: Principal, *, name: str, request: TokenRequest) -> IssuedToken:
        """Create a token for ``parent``'s owner, holding no more than ``parent`` holds."""
        if not parent.can_mint:
            raise PermissionDenied(
                "this token may not mint tokens (it lacks the tokens permission)"
            )
        problems = excess(request, parent)
        if problems:
            raise PermissionDenied("the new token would exceed this token: " + "; ".join(problems))
        return await self._insert(name, parent.user, request, _actor(parent), parent.token_id)

    async def list_all(self) -> list[TokenInfo]:
        return await self._db.read(stored.every_token)

    async def list_for(self, principal: Principal) -> list[TokenInfo]:
        """The tokens ``principal`` manages: its user's (legacy), or itself and what it minted."""
        scope = await self._scope(principal)
        return await self._db.read(lambda connection: stored.within(connection, scope))

    async def cascade(self, token: TokenInfo) -> list[TokenInfo]:
        """What revoking ``token`` ends: the token and the live tokens minted from it, at any
        depth (the rows ``revoke`` would mark)."""
        scope = MintedUnder(token.id, await self._lineage(token.id))
        reached = await self._db.read(lambda connection: stored.within(connection, scope))
        return [t for t in reached if t.id == token.id or t.revoked_at is None]

    async def revoke(
        self, token_id: int, *, by: str, principal: Principal | None = None
    ) -> TokenInfo:
        """Revoke a token and every token minted from it (idempotent).

        With ``principal``, only a token it manages (else ``NotFound``).
        """
        scope = await self._scope(principal) if principal is not None else None
        revocation = self._revocation(by)
        revoked = await self._db.run(
            lambda session: stored.revoke_with_descendants(session, token_id, scope, revocation)
        )
        self.forget_all()
        if revoked is None:
            raise NotFound(f"Token {token_id} not found")
        return revoked

    async def revoke_owner(self, owner: str, *, by: str) -> int:
        """Revoke every live token of ``owner`` (e.g. a user who left); returns how many."""
        revocation = self._revocation(by)
        count = await self._db.run(lambda session: stored.revoke_owner(session, owner, revocation))
        self.forget_all()
        return count

    async def rotate(self, token_id: int) -> IssuedToken:
        """A new secret for the same token; the old secret stops working at once."""
        secret = new_secret()
        who = current_actor("cli")
        rotated = await self._db.run(
            lambda session: stored.rotate_live(
                session, token_id, hash_secret(secret), actor=who, logged_at=utc_now()
            )
        )
        self.forget_all()
        if rotated is None:
            raise NotFound(f"Token {token_id} not found")
        if rotated.revoked_at is not None:
            raise PermissionDenied("a revoked token cannot be rotated")
        return IssuedToken(rotated, secret)

    async def principal_for(self, secret: str, source: str | None) -> Principal:
        """The principal of ``secret``; ``AuthenticationFailed`` with the reason otherwise.

        One indexed read per request while the token is not remembered (see the module
        docstring); ``last_used_at`` is written at most once a minute.
        """
        digest = hash_secret(secret)
        now = self._clock()
        token = self._recall(digest)
        if token is None:
            found = await self._db.read(lambda connection: stored.by_hash(connection, digest))
            known_hash = found.secret_hash if found is not None else _DUMMY_HASH
            if not hmac.compare_digest(known_hash, digest) or found is None:
                raise AuthenticationFailed(AuthFailure.UNKNOWN, "unknown scoped token")
            token = found.token
            self._check_usable(token, source, now)
            self._remember(digest, token)
        else:
            self._check_usable(token, source, now)
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            used = token.id
            await self._db.run(lambda session: stored.touch(session, used, now))
            self._remember(digest, replace(token, last_used_at=now), keep_age=True)
        return self._principal(token)

    async def principal_of_id(self, token_id: int, source: str | None) -> Principal:
        """The principal of the token ``token_id`` (a console session acting through it),
        checked as ``principal_for`` checks a secret: live, unexpired, used from its networks."""
        token = await self._db.read(lambda connection: stored.by_id(connection, token_id))
        if token is None:
            raise AuthenticationFailed(AuthFailure.UNKNOWN, f"token {token_id} is gone")
        self._check_usable(token, source, self._clock())
        return self._principal(token)

    def _recall(self, digest: str) -> TokenInfo | None:
        kept = self._remembered.get(digest)
        if kept is None:
            return None
        if self._monotonic() - kept[1] >= self._remember_for:
            self._remembered.pop(digest, None)
            return None
        return kept[0]

    def _remember(self, digest: str, token: TokenInfo, *, keep_age: bool = False) -> None:
        if self._remember_for <= 0:
            return
        kept = self._remembered.get(digest)
        if keep_age and kept is not None:
            self._remembered[digest] = (token, kept[1])
            return
        if len(self._remembered) >= REMEMBERED_TOKENS:
            self._remembered.pop(next(iter(self._remembered)))
        self._remembered[digest] = (token, self._monotonic())

    def forget_all(self) -> None:
        """Read every token again: one was revoked or rotated (here, or we were told)."""
        self._remembered.clear()

    @staticmethod
    def _check_usable(
        token: TokenInfo, source: str | None, now: datetime, *, check_source: bool = True
    ) -> None:
        if token.revoked_at is not None:
            raise AuthenticationFailed(AuthFailure.REVOKED, f"token {token.id} was revoked")
        if token.expires_at is not None and token.expires_at <= now:
            raise AuthenticationFailed(AuthFailure.EXPIRED, f"token {token.id} expired")
        if check_source and not _in_networks(source, token.networks):
            raise AuthenticationFailed(
                AuthFailure.SOURCE, f"token {token.id} used from {source}, outside its networks"
            )

    def _check_parent(self, parent: TokenInfo) -> None:
        """Whether a parent (locked while its child is minted) may still mint: live, unexpired."""
        self._check_usable(parent, None, self._clock(), check_source=False)

    @staticmethod
    def _principal(token: TokenInfo) -> Principal:
        return Principal(
            user=token.owner,
            token_kind=TokenKind.SCOPED,
            grants=token.grants,
            token_id=token.id,
            token_name=token.name,
            expires_at=token.expires_at,
            can_mint=token.can_mint,
            networks=token.networks,
        )

    async def _insert(
        self,
        name: str,
        owner: str,
        request: TokenRequest,
        created_by: str,
        parent_id: int | None,
    ) -> IssuedToken:
        """Insert the token; a parent is re-read (and locked) in the same transaction, so a
        revocation that raced the request cannot leave a live child behind."""
        secret = new_secret()
        new = NewToken(
            name=name,
            owner=owner,
            secret_hash=hash_secret(secret),
            grants=request.grants,
            networks=request.networks,
            can_mint=request.can_mint,
            created_at=self._clock(),
            created_by=created_by,
            expires_at=request.expires_at,
        )
        who = current_actor(created_by)
        parent = None if parent_id is None else (parent_id, self._check_parent)
        info = await self._db.run(
            lambda session: stored.insert(
                session, new, actor=who, logged_at=utc_now(), parent=parent
            )
        )
        if info is None:
            raise AuthenticationFailed(
                AuthFailure.REVOKED, f"token {parent_id} vanished while minting"
            )
        return IssuedToken(info, secret)

    async def _scope(self, principal: Principal) -> Scope:
        """What ``principal`` manages: its user's tokens (legacy), or itself and what it minted."""
        if principal.token_kind is TokenKind.LEGACY:
            return OwnedBy(principal.user)
        return MintedUnder(principal.token_id, await self._lineage(principal.token_id))

    async def _lineage(self, token_id: int | None) -> str:
        if token_id is None:
            return ""
        return await self._db.read(lambda connection: stored.lineage_of(connection, token_id))

    def _revocation(self, by: str) -> Revocation:
        return Revocation(now=self._clock(), by=by, actor=current_actor(by), logged_at=utc_now())


def _actor(principal: Principal) -> str:
    if principal.token_id is None:
        return principal.user
    return f"{principal.user} (token {principal.token_id})"
