"""``TokenService`` on a real database (SQLite, then PostgreSQL), with a clock the test moves."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from dns_api.db.database import Database
from dns_api.db.models import TokenRow
from dns_api.domain.delegation import TokenRequest
from dns_api.domain.policy import Action, Grant, Principal, TokenKind
from dns_api.errors import AuthenticationFailed, NotFound, PermissionDenied
from dns_api.services.tokens import IssuedToken, TokenInfo, TokenService

pytestmark = pytest.mark.anyio

START = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)
SOURCE = "192.0.2.10"
CI_GRANT = Grant.build(
    zones=["example.com"], names=["pr-*"], types=["CNAME"], actions=["create", "delete"]
)
READ_GRANT = Grant.build(zones=["*"], names=["**"], types=["*"], actions=["read"])


@dataclass
class Clock:
    """A clock that only moves when the test says so."""

    now: datetime = field(default=START)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def service(database: Database, clock: Clock) -> TokenService:
    return TokenService(database, clock=clock)


def request(
    *grants: Grant,
    expires_at: datetime | None = None,
    networks: tuple[str, ...] = (),
    can_mint: bool = False,
) -> TokenRequest:
    return TokenRequest(
        grants=grants or (CI_GRANT,), expires_at=expires_at, networks=networks, can_mint=can_mint
    )


async def mint(
    service: TokenService, name: str = "ci", owner: str = "alice", **options: object
) -> IssuedToken:
    return await service.mint(
        name=name, owner=owner, request=request(**options), created_by="admin (cli)"
    )


async def info(service: TokenService, token_id: int) -> TokenInfo:
    [found] = [t for t in await service.list_all() if t.id == token_id]
    return found


class TestSecrets:
    async def test_minted_secret_authenticates_as_its_grants(self, service: TokenService) -> None:
        issued = await mint(service, can_mint=True)
        principal = await service.principal_for(issued.secret, SOURCE)
        assert principal.user == "alice"
        assert principal.token_kind is TokenKind.SCOPED
        assert principal.token_id == issued.info.id
        assert principal.token_name == "ci"
        assert principal.grants == (CI_GRANT,)
        assert principal.can_mint is True
        assert principal.expires_at is None

    async def test_secret_has_the_prefix_and_256_random_bits(self, service: TokenService) -> None:
        first, second = await mint(service), await mint(service)
        for issued in (first, second):
            assert issued.secret.startswith("dnsapi_")
            assert len(issued.secret.removeprefix("dnsapi_")) >= 43
        assert first.secret != second.secret

    async def test_only_the_sha256_of_the_secret_is_stored(
        self, service: TokenService, database: Database
    ) -> None:
        issued = await mint(service)
        random_part = issued.secret.removeprefix("dnsapi_")
        rows = database.transaction(
            lambda s: [dict(r._mapping) for r in s.execute(select(TokenRow.__table__))]
        )
        [row] = rows
        assert row["secret_hash"] == hashlib.sha256(issued.secret.encode()).hexdigest()
        for column, value in row.items():
            assert random_part not in str(value), column

    async def test_unknown_secret_fails(self, service: TokenService) -> None:
        issued = await mint(service)
        for secret in ("dnsapi_" + "A" * 43, issued.secret + "x", issued.secret[:-1], ""):
            with pytest.raises(AuthenticationFailed):
                await service.principal_for(secret, SOURCE)

    async def test_the_hash_itself_is_not_a_secret(
        self, service: TokenService, database: Database
    ) -> None:
        await mint(service)
        stored = database.transaction(lambda s: s.scalar(select(TokenRow.secret_hash)))
        with pytest.raises(AuthenticationFailed):
            await service.principal_for(stored, SOURCE)


class TestRevocationAndExpiry:
    async def test_revoked_token_fails(self, service: TokenService, clock: Clock) -> None:
        issued = await mint(service)
        await service.principal_for(issued.secret, SOURCE)
        revoked = await service.revoke(issued.info.id, by="alice")
        assert revoked.revoked_at == clock.now
        with pytest.raises(AuthenticationFailed):
            await service.principal_for(issued.secret, SOURCE)

    async def test_revoke_is_idempotent(self, service: TokenService, clock: Clock) -> None:
        issued = await mint(service)
        first = await service.revoke(issued.info.id, by="alice")
        clock.advance(hours=1)
        second = await service.revoke(issued.info.id, by="bob")
        assert second.revoked_at == first.revoked_at == START

    async def test_revoke_of_unknown_token_is_not_found(self, service: TokenService) -> None:
        with pytest.raises(NotFound):
            await service.revoke(999_999, by="alice")

    async def test_token_expires_at_its_expiry(self, service: TokenService, clock: Clock) -> None:
        issued = await mint(service, expires_at=START + timedelta(hours=1))
        clock.advance(minutes=59, seconds=59)
        principal = await service.principal_for(issued.secret, SOURCE)
        assert principal.expires_at == START + timedelta(hours=1)
        clock.advance(seconds=1)
        with pytest.raises(AuthenticationFailed):
            await service.principal_for(issued.secret, SOURCE)
        clock.advance(days=400)
        with pytest.raises(AuthenticationFailed):
            await service.principal_for(issued.secret, SOURCE)

    async def test_expiry_is_read_from_the_row_on_each_use(
        self, service: TokenService, database: Database, clock: Clock
    ) -> None:
        issued = await mint(service, expires_at=START + timedelta(hours=2))
        database.transaction(
            lambda s: s.execute(update(TokenRow).values(expires_at=START + timedelta(minutes=5)))
        )
        clock.advance(minutes=5)
        with pytest.raises(AuthenticationFailed):
            await service.principal_for(issued.secret, SOURCE)


class TestNetworks:
    NETWORKS = ("192.0.2.0/24", "2001:db8::/32")

    @pytest.mark.parametrize(
        "source", ["192.0.2.1", "192.0.2.255", "2001:db8::1", "2001:db8:ff::9"]
    )
    async def test_source_inside_the_networks_is_allowed(
        self, service: TokenService, source: str
    ) -> None:
        issued = await mint(service, networks=self.NETWORKS)
        principal = await service.principal_for(issued.secret, source)
        assert principal.networks == self.NETWORKS

    @pytest.mark.parametrize(
        "source",
        ["192.0.3.1", "198.51.100.7", "2001:db9::1", "::1", "127.0.0.1", "testclient", "", None],
    )
    async def test_source_outside_the_networks_fails(
        self, service: TokenService, source: str | None
    ) -> None:
        issued = await mint(service, networks=self.NETWORKS)
        with pytest.raises(AuthenticationFailed):
            await service.principal_for(issued.secret, source)

    async def test_without_networks_any_source_is_allowed(self, service: TokenService) -> None:
        issued = await mint(service)
        for source in ("198.51.100.7", "2001:db9::1", "testclient", None):
            assert (await service.principal_for(issued.secret, source)).token_id == issued.info.id

    async def test_ipv4_mapped_ipv6_source_matches_its_ipv4_network(
        self, service: TokenService
    ) -> None:
        issued = await mint(service, networks=("192.0.2.0/24",))
        principal = await service.principal_for(issued.secret, "::ffff:192.0.2.9")
        assert principal.token_id == issued.info.id


class TestRotate:
    async def test_new_secret_works_and_old_one_fails(self, service: TokenService) -> None:
        issued = await mint(
            service, expires_at=START + timedelta(days=1), networks=("192.0.2.0/24",)
        )
        rotated = await service.rotate(issued.info.id)
        assert rotated.secret != issued.secret
        assert rotated.secret.startswith("dnsapi_")
        with pytest.raises(AuthenticationFailed):
            await service.principal_for(issued.secret, SOURCE)
        principal = await service.principal_for(rotated.secret, SOURCE)
        assert principal.token_id == issued.info.id
        assert principal.grants == (CI_GRANT,)
        assert principal.networks == ("192.0.2.0/24",)
        assert principal.expires_at == START + timedelta(days=1)
        assert rotated.info.id == issued.info.id
        assert rotated.info.grants == issued.info.grants
        assert rotated.info.created_at == issued.info.created_at

    async def test_revoked_token_cannot_be_rotated(self, service: TokenService) -> None:
        issued = await mint(service)
        await service.revoke(issued.info.id, by="alice")
        with pytest.raises(PermissionDenied):
            await service.rotate(issued.info.id)
        with pytest.raises(AuthenticationFailed):
            await service.principal_for(issued.secret, SOURCE)

    async def test_rotate_of_unknown_token_is_not_found(self, service: TokenService) -> None:
        with pytest.raises(NotFound):
            await service.rotate(999_999)


class TestLastUsed:
    async def test_last_used_is_kept_to_the_minute(
        self, service: TokenService, clock: Clock
    ) -> None:
        issued = await mint(service)
        assert (await info(service, issued.info.id)).last_used_at is None
        await service.principal_for(issued.secret, SOURCE)
        assert (await info(service, issued.info.id)).last_used_at == START
        clock.advance(seconds=59)
        await service.principal_for(issued.secret, SOURCE)
        assert (await info(service, issued.info.id)).last_used_at == START
        clock.advance(seconds=1)
        await service.principal_for(issued.secret, SOURCE)
        assert (await info(service, issued.info.id)).last_used_at == START + timedelta(seconds=60)

    async def test_failed_use_does_not_count(self, service: TokenService, clock: Clock) -> None:
        issued = await mint(service, networks=("192.0.2.0/24",))
        with pytest.raises(AuthenticationFailed):
            await service.principal_for(issued.secret, "198.51.100.7")
        assert (await info(service, issued.info.id)).last_used_at is None


@dataclass
class Family:
    """root (server side) -> child, sibling; child -> grandchild; and one token of bob's."""

    root: IssuedToken
    child: IssuedToken
    sibling: IssuedToken
    grandchild: IssuedToken
    bobs: IssuedToken


async def principal(service: TokenService, issued: IssuedToken) -> Principal:
    return await service.principal_for(issued.secret, SOURCE)


@pytest.fixture
async def family(service: TokenService) -> Family:
    everything = Grant.build(zones=["*"], names=["**"], types=["*"], actions=list(Action))
    root = await service.mint(
        name="root", owner="alice", request=request(everything, can_mint=True), created_by="cli"
    )
    # Enough unrelated tokens that ids reach two digits: "1/" must not match "11/".
    for n in range(10):
        await mint(service, name=f"other-{n}")
    root_principal = await principal(service, root)
    child = await service.mint_for(root_principal, name="child", request=request(can_mint=True))
    sibling = await service.mint_for(root_principal, name="sibling", request=request())
    grandchild = await service.mint_for(
        await principal(service, child), name="grandchild", request=request()
    )
    bobs = await mint(service, name="bobs", owner="bob")
    return Family(root, child, sibling, grandchild, bobs)


def names_of(tokens: list[TokenInfo]) -> set[str]:
    return {t.name for t in tokens}


class TestListAndRevokeScope:
    async def test_a_token_lists_itself_and_its_descendants(
        self, service: TokenService, family: Family
    ) -> None:
        assert names_of(await service.list_for(await principal(service, family.root))) == {
            "root",
            "child",
            "sibling",
            "grandchild",
        }
        assert names_of(await service.list_for(await principal(service, family.child))) == {
            "child",
            "grandchild",
        }
        assert names_of(await service.list_for(await principal(service, family.sibling))) == {
            "sibling"
        }
        assert names_of(await service.list_for(await principal(service, family.grandchild))) == {
            "grandchild"
        }

    async def test_a_legacy_principal_lists_its_users_tokens(
        self, service: TokenService, family: Family
    ) -> None:
        alices = names_of(await service.list_for(Principal.legacy("alice")))
        assert {"root", "child", "sibling", "grandchild", "other-0"} <= alices
        assert "bobs" not in alices
        assert names_of(await service.list_for(Principal.legacy("bob"))) == {"bobs"}

    async def test_minted_tokens_belong_to_the_parents_user(
        self, service: TokenService, family: Family
    ) -> None:
        child = await info(service, family.child.info.id)
        assert child.owner == "alice"
        assert child.created_by == f"alice (token {family.root.info.id})"

    @pytest.mark.parametrize(
        ("actor", "target"),
        [
            ("child", "sibling"),
            ("child", "root"),
            ("grandchild", "child"),
            ("sibling", "grandchild"),
            ("root", "bobs"),
        ],
    )
    async def test_revoke_refuses_tokens_it_does_not_manage(
        self, service: TokenService, family: Family, actor: str, target: str
    ) -> None:
        by = await principal(service, getattr(family, actor))
        target_token: IssuedToken = getattr(family, target)
        with pytest.raises(NotFound):
            await service.revoke(target_token.info.id, by="alice", principal=by)
        assert (await info(service, target_token.info.id)).revoked_at is None
        assert (await principal(service, target_token)).token_id == target_token.info.id

    async def test_bob_cannot_revoke_alices_token(
        self, service: TokenService, family: Family
    ) -> None:
        with pytest.raises(NotFound):
            await service.revoke(family.root.info.id, by="bob", principal=Principal.legacy("bob"))

    @pytest.mark.parametrize(
        ("actor", "target"),
        [("root", "grandchild"), ("child", "grandchild"), ("sibling", "sibling")],
    )
    async def test_revoke_of_a_managed_token(
        self, service: TokenService, family: Family, actor: str, target: str
    ) -> None:
        by = await principal(service, getattr(family, actor))
        target_token: IssuedToken = getattr(family, target)
        revoked = await service.revoke(target_token.info.id, by="alice", principal=by)
        assert revoked.revoked_at is not None
        with pytest.raises(AuthenticationFailed):
            await principal(service, target_token)


class TestMintFor:
    async def test_a_token_without_can_mint_cannot_mint(self, service: TokenService) -> None:
        parent = await principal(service, await mint(service, can_mint=False))
        with pytest.raises(PermissionDenied):
            await service.mint_for(parent, name="x", request=request())

    async def test_a_wider_token_is_refused_and_nothing_is_stored(
        self, service: TokenService
    ) -> None:
        parent = await principal(service, await mint(service, can_mint=True))
        wider = Grant.build(
            zones=["example.com"], names=["pr-*"], types=["CNAME"], actions=["read"]
        )
        with pytest.raises(PermissionDenied, match="actions read"):
            await service.mint_for(parent, name="x", request=request(wider))
        assert len(await service.list_all()) == 1


class Ticker:
    """A monotonic clock that only moves when the test says so."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


def revoke_elsewhere(database: Database, token_id: int) -> None:
    """What another instance sharing the database does when it revokes a token."""
    database.transaction(
        lambda s: s.execute(
            update(TokenRow).where(TokenRow.id == token_id).values(revoked_at=START)
        )
    )


class TestRememberedTokens:
    async def test_a_revocation_elsewhere_takes_effect_within_the_window(
        self, database: Database, clock: Clock
    ) -> None:
        ticker = Ticker()
        service = TokenService(database, clock=clock, remember_for=5, monotonic=ticker)
        issued = await mint(service)
        await service.principal_for(issued.secret, SOURCE)
        revoke_elsewhere(database, issued.info.id)
        ticker.seconds += 4.9
        assert (await service.principal_for(issued.secret, SOURCE)).token_id == issued.info.id
        ticker.seconds += 0.2
        with pytest.raises(AuthenticationFailed):
            await service.principal_for(issued.secret, SOURCE)

    async def test_without_a_window_a_revocation_elsewhere_takes_effect_at_once(
        self, database: Database, clock: Clock
    ) -> None:
        service = TokenService(database, clock=clock, remember_for=0)
        issued = await mint(service)
        await service.principal_for(issued.secret, SOURCE)
        revoke_elsewhere(database, issued.info.id)
        with pytest.raises(AuthenticationFailed):
            await service.principal_for(issued.secret, SOURCE)

    async def test_a_revocation_or_rotation_here_takes_effect_at_once(
        self, database: Database, clock: Clock
    ) -> None:
        service = TokenService(database, clock=clock, remember_for=300, monotonic=Ticker())
        revoked, rotated = await mint(service), await mint(service)
        for issued in (revoked, rotated):
            await service.principal_for(issued.secret, SOURCE)
        await service.revoke(revoked.info.id, by="alice")
        renewed = await service.rotate(rotated.info.id)
        for secret in (revoked.secret, rotated.secret):
            with pytest.raises(AuthenticationFailed):
                await service.principal_for(secret, SOURCE)
        assert (await service.principal_for(renewed.secret, SOURCE)).token_id == rotated.info.id

    async def test_expiry_and_networks_are_checked_on_every_request(
        self, database: Database, clock: Clock
    ) -> None:
        service = TokenService(database, clock=clock, remember_for=300, monotonic=Ticker())
        issued = await mint(service, expires_at=START + timedelta(minutes=1))
        await service.principal_for(issued.secret, SOURCE)
        clock.advance(minutes=2)
        with pytest.raises(AuthenticationFailed):
            await service.principal_for(issued.secret, SOURCE)
        limited = await mint(service, networks=("10.0.0.0/8",))
        await service.principal_for(limited.secret, "10.1.2.3")
        with pytest.raises(AuthenticationFailed):
            await service.principal_for(limited.secret, SOURCE)
