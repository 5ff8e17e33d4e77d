"""Authorization as values: grants, name patterns, ``decide``, ``authorize`` (pure domain)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dns_api.domain import names
from dns_api.domain.patterns import (
    ANY,
    MAX_EVERY_NAME_LABELS,
    MAX_WILDCARDS,
    InvalidPattern,
    NamePattern,
    normalize_pattern,
    wildcard_count,
)
from dns_api.domain.policy import (
    ALL_ACTIONS,
    Action,
    Grant,
    Principal,
    TokenKind,
    authorize,
    decide,
)
from dns_api.errors import PermissionDenied

ZONE = "example.com"
OTHER_ZONE = "example.org"


def grant(
    *,
    zones: Iterable[str] = (ZONE,),
    names: Iterable[str] = ("pr-*",),
    types: Iterable[str] = ("CNAME",),
    actions: Iterable[str] = ("create",),
) -> Grant:
    return Grant.build(zones=zones, names=names, types=types, actions=actions)


def scoped(*grants: Grant) -> Principal:
    return Principal(user="alice", token_kind=TokenKind.SCOPED, grants=grants)


def allowed(
    principal: Principal,
    name: str,
    *,
    action: Action = Action.CREATE,
    zone: str = ZONE,
    type: str = "CNAME",
) -> bool:
    return decide(principal, action, zone, name, type).allowed


def matches(pattern: str, name: str) -> bool:
    return NamePattern.parse(pattern).matches(name)


# --- each grant dimension on its own ------------------------------------------------------------

PR_CNAME = scoped(grant())


def test_a_request_inside_every_dimension_is_allowed() -> None:
    decision = decide(PR_CNAME, Action.CREATE, ZONE, "pr-42", "CNAME")
    assert decision.allowed
    assert decision.reason == "granted"


@pytest.mark.parametrize(
    ("action", "zone", "name", "type"),
    [
        pytest.param(Action.CREATE, OTHER_ZONE, "pr-42", "CNAME", id="zone"),
        pytest.param(Action.CREATE, ZONE, "www", "CNAME", id="name"),
        pytest.param(Action.CREATE, ZONE, "pr-42", "TXT", id="type"),
        pytest.param(Action.DELETE, ZONE, "pr-42", "CNAME", id="action"),
    ],
)
def test_each_dimension_denies_on_its_own(action: Action, zone: str, name: str, type: str) -> None:
    assert not decide(PR_CNAME, action, zone, name, type).allowed


@pytest.mark.parametrize(
    ("widened", "action", "zone", "name", "type"),
    [
        pytest.param(grant(zones=[ZONE, OTHER_ZONE]), Action.CREATE, OTHER_ZONE, "pr-1", "CNAME"),
        pytest.param(grant(zones=["*"]), Action.CREATE, "any.test", "pr-1", "CNAME"),
        pytest.param(grant(names=["pr-*", "www"]), Action.CREATE, ZONE, "www", "CNAME"),
        pytest.param(grant(types=["CNAME", "TXT"]), Action.CREATE, ZONE, "pr-1", "TXT"),
        pytest.param(grant(types=["*"]), Action.CREATE, ZONE, "pr-1", "MX"),
        pytest.param(grant(actions=["create", "delete"]), Action.DELETE, ZONE, "pr-1", "CNAME"),
    ],
)
def test_widening_one_dimension_allows_only_that_dimension(
    widened: Grant, action: Action, zone: str, name: str, type: str
) -> None:
    assert decide(scoped(widened), action, zone, name, type).allowed
    assert not decide(PR_CNAME, action, zone, name, type).allowed


def test_star_zone_and_type_do_not_widen_names_or_actions() -> None:
    principal = scoped(grant(zones=["*"], types=["*"]))
    assert allowed(principal, "pr-1", zone="any.test", type="TXT")
    assert not allowed(principal, "www", zone="any.test", type="TXT")
    assert not allowed(principal, "pr-1", zone="any.test", type="TXT", action=Action.READ)


def test_grant_build_normalises_its_inputs() -> None:
    built = Grant.build(
        zones=[" Example.COM. "], names=["PR-*.", "pr-*"], types=[" cname "], actions=[" Create "]
    )
    assert built.zones == frozenset({ZONE})
    assert [p.text for p in built.names] == ["pr-*"]
    assert built.types == frozenset({"CNAME"})
    assert built.actions == frozenset({Action.CREATE})
    assert Grant.build(zones=["*", ZONE], names=["@"], types=["A", "*"], actions=[]).to_json() == {
        "zones": ["*"],
        "names": ["@"],
        "types": ["*"],
        "actions": [],
    }


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"actions": ["publish"]}, id="unknown action"),
        pytest.param({"zones": [" . "]}, id="empty zone"),
        pytest.param({"zones": ["\u0440\u200d.com"]}, id="zone that is not IDNA"),
    ],
)
def test_grant_build_rejects_bad_values(kwargs: dict[str, list[str]]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - InvalidPattern is a ValueError too
        grant(**kwargs)


def test_a_grant_without_names_allows_nothing() -> None:
    principal = scoped(grant(names=[], zones=["*"], types=["*"], actions=ALL_ACTIONS))
    assert not allowed(principal, "")
    assert not allowed(principal, "pr-1")


def test_no_grants_allow_nothing() -> None:
    assert not allowed(scoped(), "pr-1")


# --- name patterns -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("@", "", True),
        ("@", "www", False),
        ("@", "@", False),
        ("pr-*", "", False),
        ("*", "", False),
        ("*.review", "", False),
        ("_acme-challenge.**", "", False),
        ("**", "", True),
    ],
)
def test_apex(pattern: str, name: str, expected: bool) -> None:
    assert matches(pattern, name) is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pr-42", True),
        ("pr-", True),
        ("pr-a-b_c", True),
        ("pr-42.evil", False),
        ("x.pr-42", False),
        ("evil.pr-42.evil", False),
        ("apr-42", False),
        ("pr42", False),
        ("", False),
    ],
)
def test_star_stays_within_one_label(name: str, expected: bool) -> None:
    assert matches("pr-*", name) is expected


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("*", "www", True),
        ("*", "a.b", False),
        ("*.review", "pr-1.review", True),
        ("*.review", "a.b.review", False),
        ("*.review", "review", False),
        ("*-*", "pr-1", True),
        ("*-*", "pr1", False),
        ("a*z", "az", True),
        ("a*z", "a.z", False),
    ],
)
def test_star_inside_labels(pattern: str, name: str, expected: bool) -> None:
    assert matches(pattern, name) is expected


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("_acme-challenge.**", "_acme-challenge.a", True),
        ("_acme-challenge.**", "_acme-challenge.a.b.c", True),
        ("_acme-challenge.**", "_acme-challenge", False),
        ("_acme-challenge.**", "x._acme-challenge.a", False),
        ("**.review", "a.review", True),
        ("**.review", "a.b.review", True),
        ("**.review", "review", False),
        ("**.review", "a.review.x", False),
        ("a.**.z", "a.b.z", True),
        ("a.**.z", "a.b.c.z", True),
        ("a.**.z", "a.z", False),
        ("**.**", "a", False),
        ("**.**", "a.b", True),
    ],
)
def test_double_star_label_is_one_or_more_labels(pattern: str, name: str, expected: bool) -> None:
    assert matches(pattern, name) is expected


@pytest.mark.parametrize("name", ["", "www", "a.b.c", "_acme-challenge.x", "xn--r-1-zed"])
def test_double_star_pattern_matches_everything(name: str) -> None:
    assert matches("**", name)
    assert allowed(scoped(grant(names=["**"])), name)


def test_several_grants_are_a_union_not_a_cross_product() -> None:
    principal = scoped(
        grant(names=["pr-*"], types=["CNAME"], actions=["create"]),
        grant(zones=[OTHER_ZONE], names=["_acme-challenge.**"], types=["TXT"], actions=["delete"]),
    )
    assert allowed(principal, "pr-1")
    assert allowed(
        principal, "_acme-challenge.a", zone=OTHER_ZONE, type="TXT", action=Action.DELETE
    )
    # Each dimension taken from a different grant is not a grant.
    assert not allowed(principal, "_acme-challenge.a", zone=OTHER_ZONE)
    assert not allowed(principal, "pr-1", type="TXT", action=Action.DELETE)
    assert not allowed(principal, "pr-1", zone=OTHER_ZONE)


@pytest.mark.parametrize("action", sorted(Action))
@pytest.mark.parametrize(
    ("zone", "name", "type"),
    [(ZONE, "", "A"), (OTHER_ZONE, "www", "TXT"), ("any.test", "a.b.c", "MX")],
)
def test_legacy_principal_has_full_access(action: Action, zone: str, name: str, type: str) -> None:
    principal = Principal.legacy("alice")
    assert principal.token_kind is TokenKind.LEGACY
    assert principal.can_mint
    assert decide(principal, action, zone, name, type).allowed
    authorize(principal, action, zone, name, type)


# --- authorize -----------------------------------------------------------------------------------


def test_authorize_returns_quietly_when_allowed() -> None:
    authorize(PR_CNAME, Action.CREATE, ZONE, "pr-42", "CNAME")


@pytest.mark.parametrize(("name", "shown"), [("www", "www.example.com"), ("", "example.com")])
def test_authorize_denial_names_the_request_and_nothing_else(name: str, shown: str) -> None:
    principal = scoped(
        grant(names=["secret-*"]),
        grant(zones=["hidden.test"], names=["@"], types=["TXT"], actions=["delete"]),
    )
    with pytest.raises(PermissionDenied) as caught:
        authorize(principal, Action.UPDATE, ZONE, name, "MX")
    error = caught.value
    assert error.code == "forbidden"
    assert error.status == 403
    assert "update" in error.detail
    assert "MX" in error.detail
    assert shown in error.detail
    for secret in ("secret", "hidden.test", "TXT", "CNAME", "delete", "create"):
        assert secret not in error.detail


# --- pattern validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        "",
        "   ",
        ".",
        "a..b",
        "a**b",
        "***",
        "a.**b",
        ".x",
        "a b",
        "a/b",
        "/",
        "a.@",
        "@.x",
        "x" * 64,
    ],
)
def test_bad_patterns_are_rejected(pattern: str) -> None:
    with pytest.raises(InvalidPattern):
        NamePattern.parse(pattern)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [(" @ ", "@"), ("**.", "**"), ("PR-*.", "pr-*"), ("_Acme-Challenge.**", "_acme-challenge.**")],
)
def test_patterns_are_normalised_like_names(raw: str, normalised: str) -> None:
    assert normalize_pattern(raw) == normalised


# --- escape attempts by spelling -----------------------------------------------------------------
# The product normalises the request name before ``decide``; a different spelling of the same name
# must get the same answer, and a look-alike of a granted name must not pass as it.


@pytest.mark.parametrize(
    ("raw", "normalised", "expected"),
    [
        pytest.param("PR-42", "pr-42", True, id="upper case"),
        pytest.param("pr-42.", "pr-42", True, id="trailing dot"),
        pytest.param(" pr-42 ", "pr-42", True, id="surrounding blanks"),
        pytest.param("\uff50\uff52-42", "pr-42", True, id="full-width letters"),
        pytest.param("p\u200br-42", "pr-42", True, id="zero-width space"),
        pytest.param("pr\u00ad-42", "pr-42", True, id="soft hyphen"),
        pytest.param("\ufeffpr-42", "pr-42", True, id="byte order mark"),
        pytest.param("pr-42.example.com", "pr-42.example.com", False, id="relative fqdn"),
        pytest.param("x.pr-42", "x.pr-42", False, id="below the label"),
        pytest.param("%70r-1", "%70r-1", False, id="percent-encoding"),
        pytest.param("pr-42\u3002evil", "pr-42.evil", False, id="ideographic full stop"),
        pytest.param("pr-42\uff0eevil", "pr-42.evil", False, id="full-width full stop"),
    ],
)
def test_spellings_of_a_name_get_the_answer_of_their_normal_form(
    raw: str, normalised: str, expected: bool
) -> None:
    name = names.normalize(raw)
    assert name == normalised
    assert allowed(PR_CNAME, name) is expected


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("\u0440r-1", id="cyrillic er"),
        pytest.param("\u0440\u0433-1", id="cyrillic er and ghe"),
        pytest.param("pr-1\u0443", id="cyrillic u"),
    ],
)
def test_look_alikes_become_a_labels_that_do_not_match(raw: str) -> None:
    name = names.normalize(raw)
    assert name.startswith("xn--")
    assert not allowed(PR_CNAME, name)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("p\u200cr-42", id="zero-width non-joiner"),
        pytest.param("p\u200dr-42", id="zero-width joiner"),
        pytest.param("pr\u2011-42", id="non-breaking hyphen"),
    ],
)
def test_spellings_that_are_not_names_are_rejected(raw: str) -> None:
    with pytest.raises(names.InvalidName):
        names.normalize(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("EXAMPLE.com.", True), ("\uff45xample.com", True), ("ex\u0430mple.com", False)],
)
def test_spellings_of_the_zone(raw: str, expected: bool) -> None:
    assert allowed(PR_CNAME, "pr-1", zone=names.normalize(raw)) is expected


def test_blank_before_the_trailing_dot_does_not_survive_normalisation() -> None:
    name = names.normalize_or_none("pr-42\n.")
    assert name in ("pr-42", None)
    assert name is None or allowed(PR_CNAME, name)


@pytest.mark.parametrize("dot", ["\uff0e", "\u3002", "\uff61"])
def test_a_non_ascii_trailing_dot_is_a_trailing_dot(dot: str) -> None:
    name = names.normalize_or_none(f"pr-42{dot}")
    assert name == "pr-42"
    assert name is None or allowed(PR_CNAME, name)


# --- properties ----------------------------------------------------------------------------------

NAME_CHARS = "abpr1-_"
name_labels = st.text(alphabet=NAME_CHARS, min_size=1, max_size=4)
relative_names = st.lists(name_labels, max_size=4).map(".".join)


@st.composite
def pattern_labels(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 5)) == 0:
        return "**"
    pieces = draw(st.lists(st.sampled_from([*NAME_CHARS, "*"]), min_size=1, max_size=5))
    return re.sub(r"\*+", "*", "".join(pieces))


patterns = st.one_of(
    st.just("@"),
    st.just("**"),
    st.lists(pattern_labels(), min_size=1, max_size=4)
    .filter(lambda labels: labels.count("**") <= MAX_EVERY_NAME_LABELS)
    .map(".".join)
    .filter(lambda pattern: wildcard_count(pattern) <= MAX_WILDCARDS),
)


def reference_label(pattern: str, label: str) -> bool:
    """A glob on one label where ``*`` is the only wildcard."""
    if not pattern:
        return not label
    if pattern[0] == "*":
        return any(reference_label(pattern[1:], label[i:]) for i in range(len(label) + 1))
    return bool(label) and label[0] == pattern[0] and reference_label(pattern[1:], label[1:])


def reference_labels(patterns: Sequence[str], labels: Sequence[str]) -> bool:
    if not patterns:
        return not labels
    head, rest = patterns[0], patterns[1:]
    if head == "**":
        return any(reference_labels(rest, labels[k:]) for k in range(1, len(labels) + 1))
    return bool(labels) and reference_label(head, labels[0]) and reference_labels(rest, labels[1:])


def reference_matches(pattern: str, name: str) -> bool:
    if pattern == "**":
        return True
    if pattern == "@":
        return name == ""
    return name != "" and reference_labels(pattern.split("."), name.split("."))


def expand(data: st.DataObject, pattern: str) -> str:
    """A name that ``pattern`` matches, its wildcards filled at random (labels never empty)."""
    if pattern == "@":
        return ""
    if pattern == "**":
        return data.draw(relative_names)
    labels: list[str] = []
    for label in pattern.split("."):
        if label == "**":
            labels += data.draw(st.lists(name_labels, min_size=1, max_size=3))
            continue
        head, *tails = label.split("*")
        filled = head + "".join(data.draw(st.text(NAME_CHARS, max_size=3)) + t for t in tails)
        labels.append(filled or data.draw(name_labels))
    return ".".join(labels)


def generalise(data: st.DataObject, pattern: str, ops: Sequence[str]) -> str:
    """A pattern matching at least what ``pattern`` matches: labels kept, turned into ``*`` or an
    affix glob, or runs of labels folded into ``**``."""
    if pattern in ("@", "**"):
        return data.draw(st.sampled_from([pattern, "**"]))
    labels = pattern.split(".")
    out: list[str] = []
    i = 0
    while i < len(labels):
        op = data.draw(st.sampled_from(ops))
        label = labels[i]
        if op == "run":
            out.append("**")
            i += data.draw(st.integers(1, len(labels) - i))
            continue
        if op == "keep" or label == "**":
            out.append(label)
        elif op == "star":
            out.append("*")
        else:
            start = data.draw(st.integers(0, len(label)))
            end = data.draw(st.integers(start, len(label)))
            out.append(re.sub(r"\*+", "*", label[:start] + "*" + label[end:]))
        i += 1
    return ".".join(out)


@settings(max_examples=200)
@given(pattern=patterns, data=st.data())
def test_matches_agrees_with_a_reference(pattern: str, data: st.DataObject) -> None:
    name = data.draw(st.one_of(relative_names, st.just(expand(data, pattern))))
    assert NamePattern.parse(pattern).matches(name) is reference_matches(pattern, name)


@settings(max_examples=200)
@given(pattern=patterns, data=st.data())
def test_expanded_names_match_their_pattern(pattern: str, data: st.DataObject) -> None:
    name = expand(data, pattern)
    assert reference_matches(pattern, name)
    assert NamePattern.parse(pattern).matches(name)


@settings(max_examples=200)
@given(inner=patterns, data=st.data())
def test_covers_is_sound(inner: str, data: st.DataObject) -> None:
    # Mostly generalisations of ``inner`` (which it often covers), sometimes any pattern.
    random_outer = data.draw(st.integers(0, 3)) == 0
    outer = (
        data.draw(patterns)
        if random_outer
        else generalise(data, inner, ("keep", "star", "affix", "run"))
    )
    assume(outer.split(".").count("**") <= MAX_EVERY_NAME_LABELS)
    assume(wildcard_count(outer) <= MAX_WILDCARDS)
    outer_pattern, inner_pattern = NamePattern.parse(outer), NamePattern.parse(inner)
    assume(outer_pattern.covers(inner_pattern))
    for _ in range(5):
        name = expand(data, inner)
        assert outer_pattern.matches(name), (outer, inner, name)


@settings(max_examples=200)
@given(inner=patterns, data=st.data())
def test_covers_sees_whole_label_and_run_wildcards(inner: str, data: st.DataObject) -> None:
    outer = generalise(data, inner, ("keep", "star", "run"))
    assume(outer.split(".").count("**") <= MAX_EVERY_NAME_LABELS)
    assume(wildcard_count(outer) <= MAX_WILDCARDS)
    # A leftmost "*" also names wildcard records, which only a leftmost "*" (or "**") covers.
    names_wildcards = inner.split(".")[0] == "*"
    assume(not names_wildcards or outer == "**" or outer.split(".")[0] == "*")
    assert NamePattern.parse(outer).covers(NamePattern.parse(inner))


@pytest.mark.parametrize(
    ("outer", "inner", "expected"),
    [
        ("**", "@", True),
        ("**", "a.**", True),
        ("@", "@", True),
        ("*", "@", False),
        ("pr-*", "pr-1", True),
        ("p*", "pr-*", True),
        ("*1", "pr-*1", True),
        ("pr-*", "p*", False),
        ("*", "**", False),
        ("*", "a.b", False),
        ("**.b", "a.**.b", True),
        ("a.**", "**", False),
        ("**.**", "a", False),
        ("*.review", "**.review", False),
        ("**.review", "*.review", False),
        ("**.**", "*.**.**", False),
        ("*.review", "*.review", True),
        ("**", "*.review", True),
    ],
)
def test_covers_examples(outer: str, inner: str, expected: bool) -> None:
    assert NamePattern.parse(outer).covers(NamePattern.parse(inner)) is expected


ZONES = [ZONE, OTHER_ZONE, "any.test"]
TYPES = ["A", "TXT", "CNAME", "MX"]


def grants_from(zones: Sequence[str], types: Sequence[str]) -> st.SearchStrategy[Grant]:
    return st.builds(
        lambda zones, names, types, actions: grant(
            zones=zones, names=names, types=types, actions=actions
        ),
        st.lists(st.sampled_from(zones), min_size=1, max_size=2),
        st.lists(patterns, min_size=1, max_size=2),
        st.lists(st.sampled_from(types), min_size=1, max_size=2),
        st.lists(st.sampled_from(sorted(Action)), max_size=3),
    )


grants = grants_from([*ZONES, ANY], [*TYPES, ANY])
requests = st.tuples(
    st.sampled_from(sorted(Action)),
    st.sampled_from(ZONES),
    relative_names,
    st.sampled_from(TYPES),
)


@settings(max_examples=200)
@given(held=st.lists(grants, max_size=3), request=requests)
def test_decide_allows_exactly_what_some_grant_covers(
    held: list[Grant], request: tuple[Action, str, str, str]
) -> None:
    action, zone, name, type = request
    expected = any(
        action in g.actions
        and (ANY in g.zones or zone in g.zones)
        and (ANY in g.types or type in g.types)
        and any(reference_matches(p.text, name) for p in g.names)
        for g in held
    )
    assert decide(scoped(*held), action, zone, name, type).allowed is expected


@settings(max_examples=200)
@given(held=st.lists(grants, max_size=3), request=requests)
def test_decide_never_allows_an_action_no_grant_holds(
    held: list[Grant], request: tuple[Action, str, str, str]
) -> None:
    _, zone, name, type = request
    for action in ALL_ACTIONS - frozenset().union(*(g.actions for g in held)):
        assert not decide(scoped(*held), action, zone, name, type).allowed


@settings(max_examples=200)
@given(held=st.lists(grants_from([*ZONES, ANY], TYPES), max_size=3), request=requests)
def test_decide_never_allows_a_type_no_grant_holds(
    held: list[Grant], request: tuple[Action, str, str, str]
) -> None:
    action, zone, name, _ = request
    for type in set(TYPES) - set().union(*(g.types for g in held)):
        assert not decide(scoped(*held), action, zone, name, type).allowed


@settings(max_examples=200)
@given(held=st.lists(grants_from(ZONES, [*TYPES, ANY]), max_size=3), request=requests)
def test_decide_never_allows_a_zone_no_grant_holds(
    held: list[Grant], request: tuple[Action, str, str, str]
) -> None:
    action, _, name, type = request
    for zone in set(ZONES) - set().union(*(g.zones for g in held)):
        assert not decide(scoped(*held), action, zone, name, type).allowed
