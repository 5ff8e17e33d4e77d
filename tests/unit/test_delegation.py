"""Minting a token from a token: ``excess`` and the subset check (pure domain code)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dns_api.domain.delegation import TokenRequest, excess, grant_excess
from dns_api.domain.policy import ALL_ACTIONS, ANY, Action, Grant, Principal, TokenKind, decide

ZONE = "example.com"
OTHER_ZONE = "example.org"
EXPIRY = datetime(2030, 1, 1, tzinfo=UTC)


def grant(
    *,
    zones: Iterable[str] = (ZONE,),
    names: Iterable[str] = ("pr-*",),
    types: Iterable[str] = ("CNAME", "TXT"),
    actions: Iterable[str] = ("read", "create"),
) -> Grant:
    return Grant.build(zones=zones, names=names, types=types, actions=actions)


def parent(
    *grants: Grant,
    expires_at: datetime | None = None,
    networks: tuple[str, ...] = (),
    can_mint: bool = True,
) -> Principal:
    return Principal(
        user="alice",
        token_kind=TokenKind.SCOPED,
        grants=grants or (grant(),),
        expires_at=expires_at,
        networks=networks,
        can_mint=can_mint,
    )


def request(
    *grants: Grant,
    expires_at: datetime | None = None,
    networks: tuple[str, ...] = (),
    can_mint: bool = False,
) -> TokenRequest:
    return TokenRequest(
        grants=grants or (grant(),),
        expires_at=expires_at,
        networks=networks,
        can_mint=can_mint,
    )


def parts(problems: list[str]) -> list[str]:
    """What each problem is about: the text before the first blank (``grants[0]:`` joined)."""
    return [
        " ".join(p.split(" ")[:2]) if p.startswith("grants[") else p.split(" ")[0] for p in problems
    ]


# --- subsets -------------------------------------------------------------------------------------


def test_an_identical_request_is_no_excess() -> None:
    held = parent(expires_at=EXPIRY, networks=("10.0.0.0/8",), can_mint=True)
    assert excess(request(expires_at=EXPIRY, networks=("10.0.0.0/8",), can_mint=True), held) == []


@pytest.mark.parametrize(
    "narrower",
    [
        pytest.param(grant(names=["pr-1"]), id="a name the pattern matches"),
        pytest.param(grant(names=["pr-1*"]), id="a narrower glob"),
        pytest.param(grant(types=["TXT"]), id="fewer types"),
        pytest.param(grant(actions=["read"]), id="fewer actions"),
        pytest.param(grant(actions=[]), id="no actions"),
        pytest.param(grant(names=[]), id="no names"),
        pytest.param(grant(names=["pr-1", "pr-2"], types=["CNAME"]), id="narrower in two ways"),
    ],
)
def test_a_narrower_request_is_no_excess(narrower: Grant) -> None:
    assert excess(request(narrower), parent()) == []


def test_a_request_without_grants_is_no_excess() -> None:
    assert (
        excess(TokenRequest(grants=(), expires_at=None, networks=(), can_mint=False), parent())
        == []
    )


def test_wildcards_in_the_parent_cover_anything_in_that_dimension() -> None:
    held = parent(grant(zones=["*"], names=["**"], types=["*"], actions=ALL_ACTIONS))
    wide = grant(zones=["*"], names=["**"], types=["*"], actions=ALL_ACTIONS)
    assert excess(request(wide, grant(names=["@", "a.b.c"], types=["MX"])), held) == []


# --- one message per exceeding part --------------------------------------------------------------


@pytest.mark.parametrize(
    ("wider", "part", "named"),
    [
        pytest.param(grant(zones=[ZONE, OTHER_ZONE]), "grants[0]: zones", OTHER_ZONE, id="zones"),
        pytest.param(grant(zones=["*"]), "grants[0]: zones", "*", id="any zone"),
        pytest.param(grant(names=["pr-*", "www"]), "grants[0]: names", "www", id="names"),
        pytest.param(grant(names=["p*"]), "grants[0]: names", "p*", id="wider glob"),
        pytest.param(grant(names=["**"]), "grants[0]: names", "**", id="every name"),
        pytest.param(grant(names=["@"]), "grants[0]: names", "@", id="apex"),
        pytest.param(grant(types=["MX"]), "grants[0]: types", "MX", id="types"),
        pytest.param(grant(types=["*"]), "grants[0]: types", "*", id="any type"),
        pytest.param(grant(actions=["delete"]), "grants[0]: actions", "delete", id="actions"),
    ],
)
def test_each_wider_grant_dimension_is_one_message(wider: Grant, part: str, named: str) -> None:
    problems = excess(request(wider), parent())
    assert parts(problems) == [part]
    assert named in problems[0]


def test_every_exceeding_part_is_reported_at_once() -> None:
    held = parent(expires_at=EXPIRY, networks=("10.0.0.0/8",), can_mint=False)
    wide = grant(zones=[OTHER_ZONE], names=["www"], types=["MX"], actions=["delete"])
    problems = excess(request(wide, networks=("192.0.2.0/24",), can_mint=True), held)
    assert parts(problems) == [
        "grants[0]: zones",
        "grants[0]: names",
        "grants[0]: types",
        "grants[0]: actions",
        "expires:",
        "cidrs:",
        "can_mint:",
    ]


def test_each_grant_is_reported_by_its_index() -> None:
    problems = excess(request(grant(), grant(types=["A"]), grant(zones=[OTHER_ZONE])), parent())
    assert parts(problems) == ["grants[1]: types", "grants[2]: zones"]


def test_a_parent_without_grants_can_delegate_none() -> None:
    held = Principal(user="alice", token_kind=TokenKind.SCOPED, grants=())
    assert parts(excess(request(grant()), held)) == ["grants[0]: the"]
    assert excess(TokenRequest(grants=(), expires_at=None, networks=(), can_mint=False), held) == []


# --- several parent grants -----------------------------------------------------------------------


def test_a_child_grant_needs_one_parent_grant_that_covers_it() -> None:
    held = parent(
        grant(names=["pr-*"], types=["CNAME"]),
        grant(zones=[OTHER_ZONE], names=["_acme-challenge.**"], types=["TXT"], actions=["delete"]),
    )
    covered = grant(zones=[OTHER_ZONE], names=["_acme-challenge.a"], types=["TXT"], actions=[])
    assert excess(request(grant(names=["pr-1"], types=["CNAME"]), covered), held) == []
    # Types from one parent grant and names from another are not held together.
    straddling = grant(names=["pr-1"], types=["CNAME", "TXT"])
    assert parts(excess(request(straddling), held)) == ["grants[0]: types"]


def test_the_closest_parent_grant_is_the_one_reported() -> None:
    held = parent(grant(zones=[OTHER_ZONE], names=["x"], types=["A"]), grant(types=["CNAME"]))
    assert grant_excess(grant(types=["TXT"]), held.grants) == ["types TXT"]


# --- expiry --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("child_expiry", "exceeds"),
    [
        pytest.param(None, True, id="never"),
        pytest.param(EXPIRY + timedelta(seconds=1), True, id="later"),
        pytest.param(EXPIRY, False, id="same"),
        pytest.param(EXPIRY - timedelta(days=1), False, id="earlier"),
    ],
)
def test_a_parent_with_expiry_bounds_the_child(
    child_expiry: datetime | None, exceeds: bool
) -> None:
    problems = excess(request(expires_at=child_expiry), parent(expires_at=EXPIRY))
    assert parts(problems) == (["expires:"] if exceeds else [])
    if exceeds:
        assert "2030-01-01T00:00:00Z" in problems[0]


@pytest.mark.parametrize("child_expiry", [None, EXPIRY, datetime(2999, 1, 1, tzinfo=UTC)])
def test_a_parent_without_expiry_allows_any_expiry(child_expiry: datetime | None) -> None:
    assert excess(request(expires_at=child_expiry), parent()) == []


# --- networks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("held", "asked", "exceeds"),
    [
        pytest.param((), (), False, id="unrestricted parent, unrestricted child"),
        pytest.param((), ("10.0.0.0/8",), False, id="unrestricted parent, restricted child"),
        pytest.param(("10.0.0.0/8",), (), True, id="restricted parent, unrestricted child"),
        pytest.param(("10.0.0.0/8",), ("10.0.0.0/8",), False, id="same v4"),
        pytest.param(("10.0.0.0/8",), ("10.1.2.0/24",), False, id="v4 subnet"),
        pytest.param(("10.0.0.0/8",), ("10.1.2.3/32",), False, id="v4 host"),
        pytest.param(("10.0.0.0/8",), ("10.0.0.0/7",), True, id="v4 supernet"),
        pytest.param(("10.0.0.0/8",), ("11.0.0.0/8",), True, id="v4 disjoint"),
        pytest.param(("10.0.0.0/8",), ("10.1.0.0/16", "11.0.0.0/16"), True, id="one of two out"),
        pytest.param(("2001:db8::/32",), ("2001:db8:1::/48",), False, id="v6 subnet"),
        pytest.param(("2001:db8::/32",), ("2001:db9::/48",), True, id="v6 disjoint"),
        pytest.param(("2001:db8::/48",), ("2001:db8::/32",), True, id="v6 supernet"),
        pytest.param(
            ("10.0.0.0/8", "2001:db8::/32"),
            ("10.9.0.0/16", "2001:db8:9::/48"),
            False,
            id="each within its own version",
        ),
        pytest.param(("0.0.0.0/0",), ("::/0",), True, id="v4 everything does not hold v6"),
        pytest.param(("::/0",), ("0.0.0.0/0",), True, id="v6 everything does not hold v4"),
        pytest.param(("::/0",), ("10.0.0.0/8",), True, id="v6 everything does not hold a v4 net"),
        pytest.param(("10.0.0.0/8",), ("::ffff:10.0.0.0/104",), True, id="v4-mapped v6"),
    ],
)
def test_networks_of_the_child_lie_within_the_parent(
    held: tuple[str, ...], asked: tuple[str, ...], exceeds: bool
) -> None:
    problems = excess(request(networks=asked), parent(networks=held))
    assert parts(problems) == (["cidrs:"] if exceeds else [])
    for network in held if exceeds else ():
        assert network in problems[0]


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@st.composite
def network_and_subnet(draw: st.DrawFn) -> tuple[Network, str]:
    """A network of either version and, as text, any subnet of it (itself included)."""
    bits = draw(st.sampled_from([32, 128]))
    kind: type[Network] = ipaddress.IPv4Network if bits == 32 else ipaddress.IPv6Network
    prefix = draw(st.integers(0, bits))
    network = kind((draw(st.integers(0, 2**bits - 1)), prefix), strict=False)
    offset = draw(st.integers(0, network.num_addresses - 1))
    sub_prefix = draw(st.integers(prefix, bits))
    subnet = kind((int(network.network_address) + offset, sub_prefix), strict=False)
    return network, str(subnet)


@settings(max_examples=200)
@given(pair=network_and_subnet())
def test_any_subnet_is_within_and_a_strict_supernet_is_not(
    pair: tuple[Network, str],
) -> None:
    network, subnet = pair
    held = parent(networks=(str(network),))
    assert excess(request(networks=(subnet,)), held) == []
    if network.prefixlen > 0:
        assert parts(excess(request(networks=(str(network.supernet()),)), held)) == ["cidrs:"]
    other = "0.0.0.0/0" if network.version == 6 else "::/0"
    assert parts(excess(request(networks=(other,)), held)) == ["cidrs:"]


# --- can_mint ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parent_mints", "child_mints", "exceeds"),
    [(True, True, False), (True, False, False), (False, False, False), (False, True, True)],
)
def test_only_a_minting_parent_can_hand_out_minting(
    parent_mints: bool, child_mints: bool, exceeds: bool
) -> None:
    problems = excess(request(can_mint=child_mints), parent(can_mint=parent_mints))
    assert parts(problems) == (["can_mint:"] if exceeds else [])


# --- a legacy parent ------------------------------------------------------------------------------

LEGACY = Principal.legacy("alice")


def test_a_legacy_parent_allows_the_widest_request() -> None:
    widest = grant(zones=["*"], names=["**"], types=["*"], actions=ALL_ACTIONS)
    wide = request(widest, expires_at=None, networks=("0.0.0.0/0", "::/0"), can_mint=True)
    assert excess(wide, LEGACY) == []
    assert excess(request(widest, expires_at=EXPIRY, can_mint=True), LEGACY) == []


# --- properties ----------------------------------------------------------------------------------

ZONES = [ZONE, OTHER_ZONE, "*"]
PATTERNS = [
    "@",
    "**",
    "*",
    "p*",
    "pr-*",
    "pr-1",
    "*.review",
    "a.review",
    "**.review",
    "_acme-challenge.**",
    "_acme-challenge.a.b",
]
TYPES = ["A", "TXT", "CNAME", "*"]
NAMES = ["", "pr-1", "pr-", "p", "www", "a.review", "x.a.review", "review", "_acme-challenge.a.b"]

grants = st.builds(
    lambda zones, names, types, actions: grant(
        zones=zones, names=names, types=types, actions=actions
    ),
    st.sets(st.sampled_from(ZONES), min_size=1, max_size=2),
    st.sets(st.sampled_from(PATTERNS), min_size=1, max_size=3),
    st.sets(st.sampled_from(TYPES), min_size=1, max_size=2),
    st.sets(st.sampled_from(sorted(Action)), max_size=4),
)


def narrowed(data: st.DataObject, held: Grant) -> Grant:
    """A grant inside ``held``: subsets of each dimension, ``*`` replaced by concrete values,
    patterns by names they match."""

    def some(options: Iterable[str]) -> list[str]:
        return sorted(data.draw(st.sets(st.sampled_from(sorted(options)), min_size=1, max_size=2)))

    def within(values: frozenset[str], wildcard: Iterable[str]) -> list[str]:
        return some(wildcard if ANY in values else values)

    matched = [n or "@" for n in NAMES if any(p.matches(n) for p in held.names)]
    actions = some(held.actions) if held.actions else []
    return grant(
        zones=within(held.zones, [*ZONES, "any.test"]),
        names=some({p.text for p in held.names} | set(matched)),
        types=within(held.types, [*TYPES, "MX"]),
        actions=actions,
    )


@settings(max_examples=200)
@given(held=st.lists(grants, min_size=1, max_size=3), data=st.data())
def test_a_grant_narrowed_in_every_dimension_is_no_excess(
    held: list[Grant], data: st.DataObject
) -> None:
    asked = [narrowed(data, g) for g in held]
    assert excess(request(*asked), parent(*held)) == []


@settings(max_examples=200)
@given(held=st.lists(grants, min_size=1, max_size=3), data=st.data())
def test_a_child_with_no_excess_can_do_nothing_its_parent_cannot(
    held: list[Grant], data: st.DataObject
) -> None:
    parent_principal = parent(*held)
    asked = [narrowed(data, g) for g in data.draw(st.lists(st.sampled_from(held), min_size=1))]
    asked += data.draw(st.lists(grants, max_size=1))  # often beyond the parent
    if excess(request(*asked), parent_principal):
        return
    # A request the child allows, when its grants allow any.
    chosen = data.draw(st.sampled_from(asked))
    names_allowed = [n for n in NAMES if any(p.matches(n) for p in chosen.names)]
    if not chosen.actions or not names_allowed:
        return
    action = data.draw(st.sampled_from(sorted(chosen.actions)))
    zone = data.draw(st.sampled_from(sorted(chosen.zones - {ANY}) or ["any.test"]))
    type = data.draw(st.sampled_from(sorted(chosen.types - {ANY}) or ["MX"]))
    name = data.draw(st.sampled_from(names_allowed))
    child = Principal(user="alice", token_kind=TokenKind.SCOPED, grants=tuple(asked))
    assert decide(child, action, zone, name, type).allowed
    assert decide(parent_principal, action, zone, name, type).allowed


@settings(max_examples=200)
@given(
    asked=st.lists(grants, max_size=3),
    expires_at=st.none() | st.datetimes(timezones=st.just(UTC)),
    networks=st.lists(st.sampled_from(["10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"])),
    can_mint=st.booleans(),
)
def test_a_legacy_parent_allows_any_request(
    asked: list[Grant], expires_at: datetime | None, networks: list[str], can_mint: bool
) -> None:
    asked_for = TokenRequest(tuple(asked), expires_at, tuple(networks), can_mint)
    assert excess(asked_for, LEGACY) == []
