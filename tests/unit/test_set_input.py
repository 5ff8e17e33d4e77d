"""Record-set input (pure domain code), and how the record-set API spells its problems."""

from __future__ import annotations

import pytest

from dns_api.api.fields import SET_PATH, change_item
from dns_api.domain.problems import Field, renamed
from dns_api.domain.records import ZoneRules
from dns_api.domain.rrsets import SetKey
from dns_api.domain.set_input import MAX_VALUES, validate_removal, validate_set
from dns_api.errors import FieldProblem, ValidationFailed

RULES = ZoneRules.build(["example.com"], ["www"], 60, max_ttl=3600)


def set_problems(
    records: list[str], *, type: str = "A", name: str = "h", ttl: int | None = None
) -> list[tuple[str, int | None, str]]:
    with pytest.raises(ValidationFailed) as caught:
        validate_set(RULES, zone="example.com", name=name, type=type, records=records, ttl=ttl)
    return [(p.field, p.index, p.message) for p in caught.value.problems]


def test_a_valid_set_is_normalised_with_duplicates_folded() -> None:
    wanted = validate_set(
        RULES,
        zone="Example.com.",
        name="H",
        type="a",
        records=["192.0.2.2", "192.0.2.1", " 192.0.2.2"],
        ttl=300,
    )
    assert wanted.key == SetKey("example.com", "h", "A")
    assert [v.content for v in wanted.values] == ["192.0.2.1", "192.0.2.2"]
    assert wanted.ttl == 300


def test_every_problem_is_reported_in_order_with_the_index_of_a_bad_value() -> None:
    problems = set_problems(["192.0.2.1", "nope", "1.2.3"], ttl=5)
    assert [(field, index) for field, index, _ in problems] == [
        (Field.VALUES, 1),
        (Field.VALUES, 2),
        (Field.TTL, None),
    ]
    assert all(isinstance(field, Field) for field, _, _ in problems)


def test_the_number_of_values_is_checked_even_with_a_bad_key() -> None:
    problems = set_problems([], type="NS", name="www")
    assert [field for field, _, _ in problems] == [Field.TYPE, Field.NAME, Field.VALUES]
    too_many = [f"192.0.2.{i % 250}" for i in range(MAX_VALUES + 1)]
    assert set_problems(too_many)[0][2] == f"must list at most {MAX_VALUES} values"


def test_a_cname_set_holds_one_value() -> None:
    problems = set_problems(["a.example.org", "b.example.org"], type="CNAME")
    assert problems == [(Field.VALUES, None, "must hold exactly one value for a CNAME set")]


def test_a_denied_name_is_a_refusal_to_audit() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_set(RULES, zone="example.com", name="www", type="A", records=["x"], ttl=None)
    assert caught.value.refused == (
        {"zone": "example.com", "name": "www", "type": "A", "action": "write"},
    )


def test_a_removal_carries_neither_values_nor_ttl() -> None:
    key = validate_removal(RULES, zone="example.com", name="@", type="txt", records=None, ttl=None)
    assert key == SetKey("example.com", "", "TXT")
    with pytest.raises(ValidationFailed) as caught:
        validate_removal(RULES, zone="example.com", name="h", type="A", records=[], ttl=60)
    assert [p.field for p in caught.value.problems] == [Field.VALUES, Field.TTL]


def test_the_record_set_api_puts_the_key_in_the_path_and_the_rest_in_the_body() -> None:
    with pytest.raises(ValidationFailed) as caught, SET_PATH.applied():
        validate_set(RULES, zone="example.com", name="h", type="NS", records=["x"], ttl=5)
    assert [(p.field, p.location) for p in caught.value.problems] == [
        ("type", "path"),
        ("ttl", "body"),
    ]
    with pytest.raises(ValidationFailed) as caught, SET_PATH.applied():
        validate_set(RULES, zone="example.com", name="h", type="A", records=["1", "x"], ttl=None)
    assert [(p.field, p.location) for p in caught.value.problems] == [
        ("records/0", "body"),
        ("records/1", "body"),
    ]


def test_a_change_item_is_spelled_under_its_index() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_set(RULES, zone="nope.com", name="-", type="NS", records=["x"], ttl=5)
    spelled = change_item(3).error(caught.value)
    assert [(p.field, p.location) for p in spelled.problems] == [
        ("changes/3/type", "body"),
        ("zone", "body"),
        ("changes/3/name", "body"),
        ("changes/3/ttl", "body"),
    ]


def test_problems_an_edge_named_already_are_left_alone() -> None:
    failure = ValidationFailed(
        [FieldProblem(Field.NAME, "is bad"), FieldProblem("name", "is bad too", "query")],
        refused=({"zone": "example.com"},),
    )
    spelled = renamed(failure, {Field.NAME: "subdomain"})
    assert [(p.field, p.location) for p in spelled.problems] == [
        ("subdomain", "body"),
        ("name", "query"),
    ]
    assert spelled.refused == failure.refused
    assert str(spelled) == "subdomain: is bad; name: is bad too"
