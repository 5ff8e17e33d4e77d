"""acme-dns: registrations under ``ACME_DNS_ZONE``, each allowed to update one TXT name only.

An ACME client registers once (``ACME_DNS_REGISTRATION``: ``off``, ``open`` to anyone or the
networks of ``ACME_DNS_REGISTER_FROM``, or ``token`` for a token whose grants hold ``register``
there) and gets a username, a 40-character key and a random label: its ``fulldomain``
``<label>.<ACME_DNS_ZONE>``, which the domain owner points ``_acme-challenge.<domain>`` at with a
CNAME. With the username and key (and from ``allowfrom``, when given) it may then update the TXT
values of that one name, and nothing else: each registration acts as a principal whose only
grant is that name's TXT set. Only the key's SHA-256 is kept; an unknown username costs what a
known one does. Registrations and revocations are audited.

This module holds those use cases; the table (and the events written with it) is
``dns_api.db.acme_dns``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from dns_api.db import acme_dns as accounts
from dns_api.db.acme_dns import Account, NewAccount
from dns_api.db.database import Database
from dns_api.domain import names
from dns_api.domain.patterns import NamePattern
from dns_api.domain.policy import Action, Grant, Principal, TokenKind, decide
from dns_api.domain.rrsets import SetKey
from dns_api.errors import AuthenticationFailed, AuthFailure, NotFound
from dns_api.services.audit import current_actor
from dns_api.settings import Settings

KEY_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
KEY_LENGTH = 40
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_DUMMY_HASH = hashlib.sha256(b"no such acme-dns account").hexdigest()
UPDATE_ACTIONS = frozenset({Action.READ, Action.CREATE, Action.UPDATE, Action.DELETE})
Mode = Literal["off", "open", "token"]


@dataclass(frozen=True, slots=True)
class AcmeDnsConfig:
    """Where registrations live: ``fqdn`` (ACME_DNS_ZONE) is ``name`` in the configured ``zone``."""

    fqdn: str
    zone: str
    name: str
    registration: Mode
    register_from: tuple[str, ...] = ()

    @classmethod
    def of(cls, settings: Settings) -> AcmeDnsConfig | None:
        fqdn = settings.acme_dns_zone
        split = names.split_fqdn(fqdn, settings.dnsimple_domains) if fqdn else None
        if fqdn is None or split is None:
            return None
        zone, name = split
        mode = settings.acme_dns_registration
        return cls(fqdn, zone, name, mode, tuple(settings.acme_dns_register_from))

    def key_of(self, label: str) -> SetKey:
        """The TXT set a registration's credentials may update."""
        return SetKey(self.zone, f"{label}.{self.name}" if self.name else label, "TXT")


@dataclass(frozen=True, slots=True)
class Registration:
    id: int
    username: str
    subdomain: str
    fulldomain: str
    allowfrom: tuple[str, ...]
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    key: str | None = field(default=None, repr=False)  # only when just registered


def valid_label(text: str) -> bool:
    """Whether ``text`` is a label (or username) as acme-dns makes them: a lower-case UUID."""
    return _UUID.fullmatch(text) is not None


def parse_allowfrom(raw: Any) -> tuple[str, ...]:
    """The networks of a registration; ``ValueError`` for anything but a list of CIDRs."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > 20 or not all(isinstance(n, str) for n in raw):
        raise ValueError("allowfrom must be a list of at most 20 networks")
    return tuple(str(ipaddress.ip_network(n.strip(), strict=False)) for n in raw)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _from(source: str | None, networks: Sequence[str]) -> bool:
    if not networks:
        return True
    try:
        address = ipaddress.ip_address(source or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n) for n in networks)


class AcmeDnsService:
    def __init__(
        self, database: Database, config: AcmeDnsConfig | None, clock: Callable[[], datetime]
    ) -> None:
        self._db = database
        self.config = config
        self._clock = clock

    def may_register(self, principal: Principal | None, source: str | None, label: str) -> bool:
        """Whether a registration of ``label`` may be made (see the module docstring)."""
        config = self.config
        if config is None or config.registration == "off":
            return False
        if config.registration == "open":
            return _from(source, config.register_from)
        if principal is None:
            return False
        key = config.key_of(label)
        return decide(principal, Action.REGISTER, key.zone, key.name, key.type).allowed

    async def register(self, label: str, allowfrom: tuple[str, ...], by: str) -> Registration:
        """A new registration of ``label`` (its key is shown this once)."""
        assert self.config is not None
        key = "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))
        new = NewAccount(
            username=str(uuid.uuid4()),
            key_hash=_hash(key),
            subdomain=label,
            allowfrom=allowfrom,
            created_at=self._clock(),
            created_by=by,
        )
        who, subject = current_actor(by), self.config.key_of(label)
        stored = await self._db.run(
            lambda session: accounts.register(session, new, actor=who, subject=subject)
        )
        return replace(self._registration(stored), key=key)

    async def account(self, username: str, key: str, source: str | None) -> Registration:
        """The live registration whose credentials these are, used from ``source``;
        ``AuthenticationFailed`` (with the reason, for the log) otherwise."""
        found = None
        if valid_label(username) and len(key) <= 100:
            found = await self._db.read(lambda c: accounts.by_username(c, username))
        stored = found.key_hash if found is not None else _DUMMY_HASH
        if not hmac.compare_digest(stored, _hash(key)) or found is None:
            raise AuthenticationFailed(AuthFailure.UNKNOWN, "unknown acme-dns account or wrong key")
        if found.revoked_at is not None:
            raise AuthenticationFailed(
                AuthFailure.REVOKED, f"acme-dns account {found.id} was revoked"
            )
        if not _from(source, found.allowfrom):
            raise AuthenticationFailed(
                AuthFailure.SOURCE, f"acme-dns account {found.id} used from {source}"
            )
        return self._registration(found)

    def principal(self, registration: Registration) -> Principal:
        """What a registration may do: read and write the TXT values of its one name."""
        assert self.config is not None
        key = self.config.key_of(registration.subdomain)
        grant = Grant(
            zones=frozenset({key.zone}),
            names=(NamePattern(key.name),),
            types=frozenset({"TXT"}),
            actions=UPDATE_ACTIONS,
        )
        user = f"acme-dns {registration.username}"
        return Principal(user=user, token_kind=TokenKind.ACME_DNS, grants=(grant,))

    async def every_registration(self) -> list[Registration]:
        found = await self._db.read(accounts.every_account)
        return [self._registration(account) for account in found]

    async def revoke(self, account_id: int, by: str) -> Registration:
        """Revoke a registration (idempotent); ``NotFound`` for an unknown id."""
        now, who = self._clock(), current_actor(by)
        revoked = await self._db.run(
            lambda session: accounts.revoke(
                session, account_id, now, by, actor=who, subject_of=self._subject_of
            )
        )
        if revoked is None:
            raise NotFound(f"acme-dns registration {account_id} not found")
        return self._registration(revoked)

    def _subject_of(self, label: str) -> SetKey | None:
        return self.config.key_of(label) if self.config is not None else None

    def _registration(self, account: Account) -> Registration:
        fqdn = self.config.fqdn if self.config is not None else "?"
        return Registration(
            id=account.id,
            username=account.username,
            subdomain=account.subdomain,
            fulldomain=f"{account.subdomain}.{fqdn}",
            allowfrom=account.allowfrom,
            created_at=account.created_at,
            created_by=account.created_by,
            revoked_at=account.revoked_at,
        )


def new_label() -> str:
    return str(uuid.uuid4())
