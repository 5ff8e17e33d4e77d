"""Scoped tokens: minting, listing, revoking, rotating, and turning a secret into a Principal.

A token is a row: its grants, owner, expiry, networks and revocation are read on every use, so a
revocation or an expiry takes effect on the next request on every instance sharing the database.
The secret (``dnsapi_`` + 256 random bits) is shown once; only its SHA-256 is stored. Lookups go
by that hash, and the stored hash is compared in constant time (against a dummy for an unknown
token), so an unknown token costs what a known one does.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from dns_api.db import audit
from dns_api.db.audit import Actor
from dns_api.db.database import Database
from dns_api.db.models import TokenRow
from dns_api.domain.delegation import TokenRequest, excess
from dns_api.domain.policy import Grant, Principal, TokenKind
from dns_api.errors import AuthenticationFailed, AuthFailure, NotFound, PermissionDenied
from dns_api.services.audit import current_actor
from dns_api.services.clock import utc_now

PREFIX = "dnsapi_"
_TOKENS = TokenRow.__table__
TokenFields = Any  # a TokenRow, or a Core row of the tokens table (same attribute names)
LAST_USED_RESOLUTION = timedelta(seconds=60)
_DUMMY_HASH = hashlib.sha256(b"no such token").hexdigest()

Clock = Callable[[], datetime]


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def grants_from_json(raw: Sequence[dict[str, Any]]) -> tuple[Grant, ...]:
    return tuple(Grant.stored(g) for g in raw)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as listed: everything but the secret."""

    id: int
    name: str
    owner: str
    grants: tuple[Grant, ...]
    networks: tuple[str, ...]
    can_mint: bool
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, row: TokenRow) -> TokenInfo:
        return cls(
            id=row.id,
            name=row.name,
            owner=row.owner,
            grants=grants_from_json(row.grants),
            networks=tuple(row.networks),
            can_mint=row.can_mint,
            created_at=row.created_at,
            created_by=row.created_by,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            last_used_at=row.last_used_at,
        )


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


class TokenService:
    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._db = database
        self._clock = clock

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
        return await self._db.run(
            lambda s: [TokenInfo.of(r) for r in s.scalars(select(TokenRow).order_by(TokenRow.id))]
        )

    async def list_for(self, principal: Principal) -> list[TokenInfo]:
        """The tokens ``principal`` manages: its user's (legacy), or itself and what it minted."""
        query = select(TokenRow).order_by(TokenRow.id)
        if principal.token_kind is TokenKind.LEGACY:
            query = query.where(TokenRow.owner == principal.user)
        else:
            query = query.where(
                self._managed_by(principal, await self._lineage(principal.token_id))
            )
        return await self._db.run(lambda s: [TokenInfo.of(r) for r in s.scalars(query)])

    async def revoke(
        self, token_id: int, *, by: str, principal: Principal | None = None
    ) -> TokenInfo:
        """Revoke a token and every token minted from it (idempotent).

        With ``principal``, only a token it manages (else ``NotFound``).
        """
        scope = None
        if principal is not None:
            scope = (
                principal,
                await self._lineage(principal.token_id) if principal.token_id else "",
            )

        def revoke(session: Session) -> TokenInfo:
            row = self._row(session, token_id, scope)
            now = self._clock()
            descendants = select(TokenRow).where(
                TokenRow.lineage.startswith(f"{row.lineage}{row.id}/"),
                TokenRow.revoked_at.is_(None),
            )
            for affected in [row, *session.scalars(descendants)]:
                if affected.revoked_at is None:
                    affected.revoked_at, affected.revoked_by = now, by
                    _event(session, who, "token:revoked", affected, before=_token_json(affected))
            return TokenInfo.of(row)

        who = current_actor(by)
        return await self._db.run(revoke)

    async def revoke_owner(self, owner: str, *, by: str) -> int:
        """Revoke every live token of ``owner`` (e.g. a user who left); returns how many."""
        now = self._clock()
        who = current_actor(by)

        def revoke_all(session: Session) -> int:
            live = select(TokenRow).where(TokenRow.owner == owner, TokenRow.revoked_at.is_(None))
            rows = list(session.scalars(live))
            for row in rows:
                row.revoked_at, row.revoked_by = now, by
                _event(session, who, "token:revoked", row, before=_token_json(row))
            return len(rows)

        return await self._db.run(revoke_all)

    async def rotate(self, token_id: int) -> IssuedToken:
        """A new secret for the same token; the old secret stops working at once."""
        secret = new_secret()

        def rotate(session: Session) -> TokenInfo:
            row = self._row(session, token_id, None)
            if row.revoked_at is not None:
                raise PermissionDenied("a revoked token cannot be rotated")
            row.secret_hash = hash_secret(secret)
            _event(session, who, "token:rotated", row, after=_token_json(row))
            return TokenInfo.of(row)

        who = current_actor("cli")
        return IssuedToken(await self._db.run(rotate), secret)

    async def principal_for(self, secret: str, source: str | None) -> Principal:
        """The principal of ``secret``; ``AuthenticationFailed`` with the reason otherwise.

        One indexed read per request; ``last_used_at`` is written at most once a minute.
        """
        digest = hash_secret(secret)
        now = self._clock()
        # A Core row, not an ORM object: the lookup runs on every request, and ORM
        # hydration was most of its cost.
        query = select(*_TOKENS.c).where(_TOKENS.c.secret_hash == digest)
        row = await self._db.read(lambda connection: connection.execute(query).first())
        stored = row.secret_hash if row is not None else _DUMMY_HASH
        if not hmac.compare_digest(stored, digest) or row is None:
            raise AuthenticationFailed(AuthFailure.UNKNOWN, "unknown scoped token")
        self._check_usable(row, source, now)
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
            await self._touch(row.id, now)
        return self._principal(row)

    async def _touch(self, token_id: int, now: datetime) -> None:
        statement = update(TokenRow).where(TokenRow.id == token_id).values(last_used_at=now)
        await self._db.run(lambda session: session.execute(statement))

    @staticmethod
    def _check_usable(
        row: TokenFields, source: str | None, now: datetime, *, check_source: bool = True
    ) -> None:
        if row.revoked_at is not None:
            raise AuthenticationFailed(AuthFailure.REVOKED, f"token {row.id} was revoked")
        if row.expires_at is not None and row.expires_at <= now:
            raise AuthenticationFailed(AuthFailure.EXPIRED, f"token {row.id} expired")
        if check_source and not _in_networks(source, row.networks):
            raise AuthenticationFailed(
                AuthFailure.SOURCE, f"token {row.id} used from {source}, outside its networks"
            )

    @staticmethod
    def _principal(row: TokenFields) -> Principal:
        return Principal(
            user=row.owner,
            token_kind=TokenKind.SCOPED,
            grants=grants_from_json(row.grants),
            token_id=row.id,
            token_name=row.name,
            expires_at=row.expires_at,
            can_mint=row.can_mint,
            networks=tuple(row.networks),
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
        row = TokenRow(
            name=name,
            owner=owner,
            secret_hash=hash_secret(secret),
            grants=[g.to_json() for g in request.grants],
            networks=list(request.networks),
            can_mint=request.can_mint,
            lineage="",
            created_at=self._clock(),
            created_by=created_by,
            expires_at=request.expires_at,
        )

        def insert(session: Session) -> TokenInfo:
            if parent_id is not None:
                parent = session.get(TokenRow, parent_id, with_for_update=True)
                if parent is None:
                    raise AuthenticationFailed(
                        AuthFailure.REVOKED, f"token {parent_id} vanished while minting"
                    )
                self._check_usable(parent, None, self._clock(), check_source=False)
                row.lineage = f"{parent.lineage}{parent.id}/"
            session.add(row)
            session.flush()
            _event(session, who, "token:created", row, after=_token_json(row))
            return TokenInfo.of(row)

        who = current_actor(created_by)
        return IssuedToken(await self._db.run(insert), secret)

    async def _lineage(self, token_id: int | None) -> str:
        if token_id is None:
            return ""
        return await self._db.run(
            lambda s: s.scalar(select(TokenRow.lineage).where(TokenRow.id == token_id)) or ""
        )

    @staticmethod
    def _managed_by(principal: Principal, lineage: str) -> Any:
        own_path = f"{lineage}{principal.token_id}/"
        return or_(TokenRow.id == principal.token_id, TokenRow.lineage.startswith(own_path))

    def _row(
        self, session: Session, token_id: int, scope: tuple[Principal, str] | None
    ) -> TokenRow:
        query = select(TokenRow).where(TokenRow.id == token_id)
        if scope is not None:
            principal, lineage = scope
            if principal.token_kind is TokenKind.LEGACY:
                query = query.where(TokenRow.owner == principal.user)
            else:
                query = query.where(self._managed_by(principal, lineage))
        row = session.scalars(query).first()
        if row is None:
            raise NotFound(f"Token {token_id} not found")
        return row


def _token_json(row: TokenRow) -> dict[str, Any]:
    """What the audit trail keeps of a token: never its secret or hash."""
    return {"id": row.id, "name": row.name, "owner": row.owner, "grants": row.grants}


def _event(
    session: Session,
    who: Actor,
    action: str,
    row: TokenRow,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    detail = f"token {row.id} ({row.name})"
    audit.add(session, action, actor=who, at=utc_now(), before=before, after=after, detail=detail)


def _actor(principal: Principal) -> str:
    if principal.token_id is None:
        return principal.user
    return f"{principal.user} (token {principal.token_id})"
