"""Planning a record set: the fewest operations, and applying them gives exactly what was asked."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from dns_api.domain.operations import Create, Delete, Entry, Plan, Update, must_delete_first
from dns_api.domain.rdata import Value
from dns_api.domain.records import ManagedRecord, SetKey
from dns_api.domain.rrsets import EntityTags, plan_delete, plan_set

KEY = SetKey("example.com", "www2", "A")
NOW = datetime(2026, 11, 28, tzinfo=UTC)


def record(record_id: int, content: str, ttl: int = 300, type: str = "A") -> ManagedRecord:
    return ManagedRecord(
        id=record_id,
        zone=KEY.zone,
        name=KEY.name,
        type=type,
        content=content,
        ttl=ttl,
        priority=None,
        dnsimple_record_id=1000 + record_id,
        created_at=NOW,
        updated_at=NOW,
        created_by="alice",
    )


def values(*contents: str) -> list[Value]:
    return [Value(c) for c in contents]


def apply(current: list[ManagedRecord], plan: Plan) -> set[tuple[str, int]]:
    """What the set holds after ``plan``: (content, ttl) pairs."""
    by_id = {r.id: (r.content, r.ttl) for r in current}
    for delete in plan.deletes:
        del by_id[delete.record_id]
    for update in plan.updates:
        by_id[update.record_id] = (update.after.value.content, update.after.ttl)
    result = set(by_id.values())
    result |= {(c.after.value.content, c.after.ttl) for c in plan.creates}
    return result


def test_an_unchanged_set_needs_nothing() -> None:
    current = [record(1, "192.0.2.1"), record(2, "192.0.2.2")]
    plan = plan_set(KEY, current, values("192.0.2.2", "192.0.2.1"), 300)
    assert plan.is_empty
    assert {r.id for r in plan.unchanged} == {1, 2}


def test_one_changed_value_of_five_is_one_patch_in_place() -> None:
    current = [record(i, f"192.0.2.{i}") for i in range(1, 6)]
    wanted = values("192.0.2.1", "192.0.2.2", "192.0.2.99", "192.0.2.4", "192.0.2.5")
    plan = plan_set(KEY, current, wanted, 300)
    assert plan.operation_count == 1
    [update] = plan.updates
    assert (update.record_id, update.after.value.content) == (3, "192.0.2.99")


def test_a_ttl_change_updates_every_record_and_creates_nothing() -> None:
    current = [record(1, "192.0.2.1"), record(2, "192.0.2.2")]
    plan = plan_set(KEY, current, values("192.0.2.1", "192.0.2.2"), 600)
    assert [u.after.ttl for u in plan.updates] == [600, 600]
    assert not plan.creates
    assert not plan.deletes


def test_growing_and_shrinking() -> None:
    current = [record(1, "192.0.2.1")]
    grow = plan_set(KEY, current, values("192.0.2.1", "192.0.2.2", "192.0.2.3"), 300)
    assert (len(grow.creates), len(grow.updates), len(grow.deletes)) == (2, 0, 0)
    current = [record(i, f"192.0.2.{i}") for i in range(1, 4)]
    shrink = plan_set(KEY, current, values("192.0.2.9"), 300)
    assert (len(shrink.creates), len(shrink.updates), len(shrink.deletes)) == (0, 1, 2)


def test_duplicates_are_folded_and_surplus_duplicates_deleted() -> None:
    current = [record(1, "192.0.2.1"), record(2, "192.0.2.1")]
    plan = plan_set(KEY, current, values("192.0.2.1", "192.0.2.1"), 300)
    assert [d.record_id for d in plan.deletes] == [2]


def test_plan_delete_and_the_type_change_order() -> None:
    current = [record(1, "192.0.2.1")]
    assert [d.record_id for d in plan_delete(current).deletes] == [1]
    cname = Create(SetKey(KEY.zone, KEY.name, "CNAME"), Entry(Value("a.example.net"), 60))
    assert must_delete_first(Plan(creates=(cname,), deletes=(Delete.of(current[0]),)))
    other = Create(SetKey(KEY.zone, "other", "CNAME"), Entry(Value("a.example.net"), 60))
    assert not must_delete_first(Plan(creates=(other,), deletes=(Delete.of(current[0]),)))
    txt = Create(SetKey(KEY.zone, KEY.name, "TXT"), Entry(Value('"x"'), 60))
    assert not must_delete_first(Plan(creates=(txt,), deletes=(Delete.of(current[0]),)))


def test_the_etag_follows_the_content_only() -> None:
    tags = EntityTags.from_secret("one secret")
    one = tags.record_set(KEY, (record(1, "192.0.2.1"), record(2, "192.0.2.2")))
    same = tags.record_set(KEY, (record(7, "192.0.2.2"), record(9, "192.0.2.1")))
    other_ttl = tags.record_set(KEY, (record(1, "192.0.2.1", 60), record(2, "192.0.2.2", 60)))
    assert one.etag == same.etag
    assert one.etag != other_ttl.etag
    assert tags.record_set(KEY, ()).etag is None
    assert one.etag is not None
    assert one.etag.startswith('"')
    assert one.etag.endswith('"')


def test_the_etag_is_keyed() -> None:
    records = (record(1, "192.0.2.1"),)
    first = EntityTags.from_secret("one secret").record_set(KEY, records).etag
    second = EntityTags.from_secret("another secret").record_set(KEY, records).etag
    assert first != second


ADDRESSES = st.sampled_from([f"192.0.2.{i}" for i in range(1, 9)])
TTLS = st.sampled_from([60, 300])


@given(
    st.lists(st.tuples(ADDRESSES, TTLS), max_size=6),
    st.lists(ADDRESSES, min_size=1, max_size=6),
    TTLS,
)
def test_applying_the_plan_gives_exactly_the_wanted_set_with_fewest_operations(
    current_values: list[tuple[str, int]], wanted: list[str], ttl: int
) -> None:
    current = [record(i, c, t) for i, (c, t) in enumerate(current_values, start=1)]
    plan = plan_set(KEY, current, values(*wanted), ttl)
    assert apply(current, plan) == {(c, ttl) for c in wanted}
    # Never more operations than values that differ: every surplus record is reused in place.
    have = {r.content for r in current}
    missing = len(set(wanted) - have)
    surplus = len(current) - len(have & set(wanted))
    assert len(plan.creates) + len(plan.deletes) == abs(missing - surplus)
    assert all(isinstance(u, Update) for u in plan.updates)
    assert len(plan.unchanged) + plan.operation_count - len(plan.creates) == len(current)
