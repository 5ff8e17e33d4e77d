"""The ``tokens`` table: scoped tokens as stored (a secret's SHA-256, never the secret).

Rows leave this module as ``TokenInfo`` (everything but the hash) or, for the lookup every
request makes, as a ``Credential`` (the hash too). Reads take a ``Connection`` (``Database.read``)
and select Core rows, which cost a fraction of ORM objects. Minting, revoking and rotating each
append their audit event (``token:created``, ``token:revoked``, ``token:rotated``) in the
transaction that writes them; an event never holds a secret or its hash.

Which tokens a token manages goes by ``lineage``: ``"3/7/"`` on a token minted by token 7, itself
minted by token 3. A ``Scope`` narrows a read or a revocation to the tokens one caller manages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, delete, or_, select, update
from sqlalchemy.orm import Session

from dns_api.db import audit
from dns_api.db.models import ConsoleSessionRow, TokenRow
from dns_api.domain.policy import Grant

TOKENS = TokenRow.__table__
_ALL = select(*TOKENS.c)


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


@dataclass(frozen=True, slots=True)
class Credential:
    """A token found by the hash of a secret: the stored hash, to compare, and the token."""

    secret_hash: str
    token: TokenInfo


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token to store (its grants already validated)."""

    name: str
    owner: str
    secret_hash: str
    grants: tuple[Grant, ...]
    networks: tuple[str, ...]
    can_mint: bool
    created_at: datetime
    created_by: str
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class OwnedBy:
    """The tokens of one owner (what a legacy token manages)."""

    owner: str


@dataclass(frozen=True, slots=True)
class MintedUnder:
    """A token and every token minted from it, at any depth; ``lineage`` is the token's own."""

    token_id: int | None
    lineage: str


Scope = OwnedBy | MintedUnder


@dataclass(frozen=True, slots=True)
class Revocation:
    """Who revokes and when: ``now`` becomes ``revoked_at``, ``logged_at`` the events' time."""

    now: datetime
    by: str
    actor: audit.Actor
    logged_at: datetime


# Checks a parent token, locked in the minting transaction; raises to refuse the mint.
ParentCheck = Callable[[TokenInfo], None]


def _grants(raw: Sequence[Any]) -> tuple[Grant, ...]:
    return tuple(Grant.stored(g) for g in raw)


def _info(row: Any) -> TokenInfo:
    """A row of the table (Core or ORM: the same attribute names) as a ``TokenInfo``."""
    return TokenInfo(
        id=row.id,
        name=row.name,
        owner=row.owner,
        grants=_grants(row.grants),
        networks=tuple(row.networks),
        can_mint=row.can_mint,
        created_at=row.created_at,
        created_by=row.created_by,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


def _within(scope: Scope) -> ColumnElement[bool]:
    if isinstance(scope, OwnedBy):
        return TOKENS.c.owner == scope.owner
    own_path = f"{scope.lineage}{scope.token_id}/"
    return or_(TOKENS.c.id == scope.token_id, TOKENS.c.lineage.startswith(own_path))


def _infos(connection: Connection, query: Select[Any]) -> list[TokenInfo]:
    return [_info(row) for row in connection.execute(query.order_by(TOKENS.c.id))]


def every_token(connection: Connection) -> list[TokenInfo]:
    return _infos(connection, _ALL)


def within(connection: Connection, scope: Scope) -> list[TokenInfo]:
    """The tokens ``scope`` reaches, oldest first."""
    return _infos(connection, _ALL.where(_within(scope)))


def lineage_of(connection: Connection, token_id: int) -> str:
    """The ids a token came from (``""``: none, or no such token)."""
    return connection.scalar(select(TOKENS.c.lineage).where(TOKENS.c.id == token_id)) or ""


def by_hash(connection: Connection, secret_hash: str) -> Credential | None:
    """The token whose secret has this SHA-256: one indexed read of a Core row (this runs on
    every request, and ORM hydration was most of its cost)."""
    row = connection.execute(_ALL.where(TOKENS.c.secret_hash == secret_hash)).first()
    return Credential(row.secret_hash, _info(row)) if row is not None else None


def by_id(connection: Connection, token_id: int) -> TokenInfo | None:
    """The token with this id (a console session names its token so)."""
    row = connection.execute(_ALL.where(TOKENS.c.id == token_id)).first()
    return _info(row) if row is not None else None


def touch(session: Session, token_id: int, now: datetime) -> None:
    """Note a use of the token (``last_used_at``)."""
    session.execute(update(TokenRow).where(TokenRow.id == token_id).values(last_used_at=now))


def insert(
    session: Session,
    new: NewToken,
    *,
    actor: audit.Actor,
    logged_at: datetime,
    parent: tuple[int, ParentCheck] | None,
) -> TokenInfo | None:
    """Store ``new`` and its ``token:created`` event. With a ``parent`` (its id, and a check
    that raises to refuse), the parent is read and locked first, so a revocation racing the mint
    cannot leave a live child behind; ``None`` (and nothing stored) when the parent is gone."""
    lineage = ""
    if parent is not None:
        parent_id, check = parent
        parent_row = session.get(TokenRow, parent_id, with_for_update=True)
        if parent_row is None:
            return None
        check(_info(parent_row))
        lineage = f"{parent_row.lineage}{parent_row.id}/"
    row = _row_of(new, lineage)
    session.add(row)
    session.flush()
    _event(session, actor, logged_at, "token:created", row, after=_token_json(row))
    return _info(row)


def _row_of(new: NewToken, lineage: str) -> TokenRow:
    return TokenRow(
        name=new.name,
        owner=new.owner,
        secret_hash=new.secret_hash,
        grants=[g.to_json() for g in new.grants],
        networks=list(new.networks),
        can_mint=new.can_mint,
        lineage=lineage,
        created_at=new.created_at,
        created_by=new.created_by,
        expires_at=new.expires_at,
    )


def revoke_with_descendants(
    session: Session, token_id: int, scope: Scope | None, revocation: Revocation
) -> TokenInfo | None:
    """Revoke the token and every token minted from it (idempotent: only live ones change,
    each with its ``token:revoked`` event). With ``scope``, only a token within it; ``None``
    when there is no such token."""
    row = _managed_row(session, token_id, scope)
    if row is None:
        return None
    descendants = select(TokenRow).where(
        TokenRow.lineage.startswith(f"{row.lineage}{row.id}/"),
        TokenRow.revoked_at.is_(None),
    )
    for affected in [row, *session.scalars(descendants)]:
        if affected.revoked_at is None:
            _revoke(session, affected, revocation)
    return _info(row)


def revoke_owner(session: Session, owner: str, revocation: Revocation) -> int:
    """Revoke every live token of ``owner``; returns how many."""
    live = select(TokenRow).where(TokenRow.owner == owner, TokenRow.revoked_at.is_(None))
    rows = list(session.scalars(live))
    for row in rows:
        _revoke(session, row, revocation)
    return len(rows)


def rotate_live(
    session: Session, token_id: int, secret_hash: str, *, actor: audit.Actor, logged_at: datetime
) -> TokenInfo | None:
    """Give a live token a new secret hash (with its ``token:rotated`` event) and end its
    console sessions; a revoked token is returned unchanged, ``None`` when there is none."""
    row = _managed_row(session, token_id, None)
    if row is None:
        return None
    if row.revoked_at is None:
        row.secret_hash = secret_hash
        _event(session, actor, logged_at, "token:rotated", row, after=_token_json(row))
        # Whoever signed in to the console with the old secret is signed out with it.
        session.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.token_id == token_id))
    return _info(row)


def _managed_row(session: Session, token_id: int, scope: Scope | None) -> TokenRow | None:
    query = select(TokenRow).where(TokenRow.id == token_id)
    if scope is not None:
        query = query.where(_within(scope))
    return session.scalars(query).first()


def _revoke(session: Session, row: TokenRow, revocation: Revocation) -> None:
    row.revoked_at, row.revoked_by = revocation.now, revocation.by
    before = _token_json(row)
    _event(session, revocation.actor, revocation.logged_at, "token:revoked", row, before=before)


def _token_json(row: TokenRow) -> dict[str, Any]:
    """What the audit trail keeps of a token: never its secret or hash."""
    return {"id": row.id, "name": row.name, "owner": row.owner, "grants": row.grants}


def _event(
    session: Session,
    actor: audit.Actor,
    at: datetime,
    action: str,
    row: TokenRow,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    detail = f"token {row.id} ({row.name})"
    audit.add(session, action, actor=actor, at=at, before=before, after=after, detail=detail)
