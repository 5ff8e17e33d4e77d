"""Reconcile and adopt: the pure plan builder, then ``Reconciler`` against the DNSimple emulator
over HTTP on both databases. Drift, deletions and strangers are made in the emulator directly,
the way a person in DNSimple's web UI would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from dns_api.db.intents import Intent
from dns_api.db.models import IntentRow, RecordRow
from dns_api.domain.records import ManagedRecord
from dns_api.emulator import RunningEmulator
from dns_api.errors import Conflict, NeedsForce, NotFound
from dns_api.providers.base import ProviderRecord
from dns_api.services.container import Services, build_services
from dns_api.services.reconcile import Reconciler
from dns_api.services.reconcile_plan import build_plan
from dns_api.settings import Settings
from dns_api.views import report_json

pytestmark = pytest.mark.anyio

ZONE = "example.com"
NOW = datetime(2030, 1, 1, tzinfo=UTC)


# -- the plan builder, pure ------------------------------------------------------------------


def row(id: int, name: str, content: str, *, dnsimple_id: int, ttl: int = 300) -> ManagedRecord:
    return ManagedRecord(
        id=id, zone=ZONE, name=name, type="A", content=content, ttl=ttl, priority=None,
        dnsimple_record_id=dnsimple_id, created_at=NOW, updated_at=NOW, created_by="alice",
    )  # fmt: skip


def record(id: int, name: str, content: str, *, ttl: int = 300, type: str = "A") -> ProviderRecord:
    return ProviderRecord(id=id, zone=ZONE, name=name, type=type, content=content, ttl=ttl)


def test_the_plan_sorts_rows_and_records_into_missing_drift_pending_unknown() -> None:
    rows = [
        row(1, "app", "192.0.2.1", dnsimple_id=11),
        row(2, "app", "192.0.2.2", dnsimple_id=12),
        row(3, "api", "192.0.2.3", dnsimple_id=13),
        row(4, "", "192.0.2.4", dnsimple_id=14),
    ]
    upstream = [
        record(11, "app", "192.0.2.1"),  # in sync
        record(13, "api", "192.0.2.3", ttl=60),  # drift: TTL
        record(14, "", "192.0.2.9"),  # drift: content
        record(20, "app", "hello", type="TXT"),  # unknown: at a name dns-api manages
        record(21, "other", "192.0.2.5"),  # someone else's name: not ours to report
        ProviderRecord(1, ZONE, "", "NS", "ns1.dnsimple.com", 3600, system_record=True),
    ]
    intents = [Intent(7, ZONE, "pending", (), "bob"), Intent(8, "example.org", "pending", (), "x")]

    plan = build_plan(ZONE, rows, upstream, intents)

    assert [r.id for r in plan.missing] == [2]
    assert [(d.record.id, d.upstream.content, d.upstream.ttl) for d in plan.drift] == [
        (3, "192.0.2.3", 60),
        (4, "192.0.2.9", 300),
    ]
    assert [i.id for i in plan.pending] == [7]
    assert [r.id for r in plan.unknown] == [20]
    assert not plan.in_sync
    assert plan.changes == 3


def test_a_plan_of_matching_records_is_in_sync() -> None:
    plan = build_plan(
        ZONE, [row(1, "a", "192.0.2.1", dnsimple_id=5)], [record(5, "a", "192.0.2.1")], []
    )
    assert plan.in_sync
    assert report_json([plan])["in_sync"] is True


@pytest.mark.parametrize(
    ("owned", "changed", "needs_force"),
    [(10, 3, False), (10, 4, True), (9, 9, False), (20, 6, False), (20, 7, True)],
)
def test_more_than_30_percent_of_a_zone_of_ten_or_more_needs_force(
    owned: int, changed: int, needs_force: bool
) -> None:
    rows = [row(i, f"r{i}", "192.0.2.1", dnsimple_id=100 + i) for i in range(owned)]
    upstream = [record(100 + i, f"r{i}", "192.0.2.1") for i in range(changed, owned)]
    assert build_plan(ZONE, rows, upstream, []).needs_force is needs_force


def test_the_plan_json_shows_ours_and_theirs() -> None:
    plan = build_plan(
        ZONE, [row(1, "", "192.0.2.1", dnsimple_id=5)], [record(5, "", "192.0.2.2")], []
    )
    [zone] = report_json([plan])["zones"]
    assert zone["counts"] == {"missing": 0, "drift": 1, "pending": 0, "unknown": 0}
    [drift] = zone["drift"]
    assert drift["name"] == "@"
    assert drift["fqdn"] == ZONE
    assert drift["ours"] == {"content": "192.0.2.1", "ttl": 300, "priority": None}
    assert drift["theirs"]["content"] == "192.0.2.2"
    assert zone["applied"] is None


# -- Reconciler against the emulator ---------------------------------------------------------


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    built = build_services(settings)
    yield built
    await built.aclose()


@pytest.fixture
def reconciler(services: Services) -> Reconciler:
    return services.reconciler


def make(
    emulator: RunningEmulator, name: str, content: str, type: str = "A", ttl: int = 300
) -> int:
    """A record made at DNSimple by hand; returns its id."""
    body = {"name": name, "type": type, "content": content, "ttl": ttl}
    made: dict[str, Any] = emulator.state.create_record(ZONE, body)
    return int(made["id"])


async def own(
    services: Services, emulator: RunningEmulator, name: str, content: str, type: str = "A"
) -> int:
    """A record dns-api created: at DNSimple and as a row; returns the row id."""
    made = await services.provider.get_record(ZONE, make(emulator, name, content, type))
    new = RecordRow(
        zone=ZONE, name=name, type=type, content=made.content, ttl=made.ttl,
        priority=made.priority, dnsimple_record_id=made.id, created_at=NOW, updated_at=NOW,
        created_by="alice", updated_by="alice",
    )  # fmt: skip

    def insert(session: Any) -> int:
        session.add(new)
        session.flush()
        return new.id

    return await services.database.run(insert)


async def rows(services: Services) -> list[RecordRow]:
    def load(session: Any) -> list[RecordRow]:
        return list(session.scalars(select(RecordRow).order_by(RecordRow.id)))

    return await services.database.run(load)


async def intents(services: Services) -> list[IntentRow]:
    def load(session: Any) -> list[IntentRow]:
        return list(session.scalars(select(IntentRow).order_by(IntentRow.id)))

    return await services.database.run(load)


def upstream(emulator: RunningEmulator) -> dict[int, dict[str, Any]]:
    return {r["id"]: r for r in emulator.state.records(ZONE) if not r["system_record"]}


async def test_an_owned_zone_in_sync_is_one_listing_of_every_page(
    services: Services, reconciler: Reconciler, emulator: RunningEmulator
) -> None:
    for n in range(3):
        await own(services, emulator, f"app{n}", f"192.0.2.{n + 1}")
    for n in range(247):  # 250 records, 252 with the system ones: three pages of 100
        make(emulator, f"elsewhere{n}", "198.51.100.1")
    emulator.state.calls.clear()

    [plan] = await reconciler.plan(ZONE)

    assert plan.in_sync
    assert plan.owned == 3
    assert emulator.state.count("GET", "listZoneRecords") == 3


async def test_unknown_zones_are_refused(reconciler: Reconciler) -> None:
    with pytest.raises(NotFound):
        await reconciler.plan("nope.com")


async def test_drift_is_shown_and_restored(
    services: Services, reconciler: Reconciler, emulator: RunningEmulator
) -> None:
    row_id = await own(services, emulator, "app", "192.0.2.1")
    [stored] = await rows(services)
    emulator.state.update_record(ZONE, stored.dnsimple_record_id, {"content": "192.0.2.66"})

    [plan] = await reconciler.plan(ZONE)
    [drift] = plan.drift
    assert (drift.record.content, drift.upstream.content) == ("192.0.2.1", "192.0.2.66")

    result = await reconciler.apply(plan, actor="admin")

    assert result.restored == [row_id]
    assert upstream(emulator)[stored.dnsimple_record_id]["content"] == "192.0.2.1"
    assert [i.status for i in await intents(services)] == ["done"]
    [again] = await reconciler.plan(ZONE)
    assert again.in_sync


async def test_drift_fixed_by_hand_before_apply_is_left_alone(
    services: Services, reconciler: Reconciler, emulator: RunningEmulator
) -> None:
    await own(services, emulator, "app", "192.0.2.1")
    [stored] = await rows(services)
    emulator.state.update_record(ZONE, stored.dnsimple_record_id, {"content": "192.0.2.66"})
    [plan] = await reconciler.plan(ZONE)
    emulator.state.update_record(ZONE, stored.dnsimple_record_id, {"content": "192.0.2.1"})
    emulator.state.calls.clear()

    result = await reconciler.apply(plan)

    assert result.restored == []
    assert result.skipped == {stored.id: "no longer drifted"}
    assert emulator.state.count("PATCH") == 0


async def test_a_record_deleted_by_hand_is_recreated_and_the_row_follows(
    services: Services, reconciler: Reconciler, emulator: RunningEmulator
) -> None:
    await own(services, emulator, "app", "192.0.2.1")
    [before] = await rows(services)
    emulator.state.delete_record(ZONE, before.dnsimple_record_id)

    [plan] = await reconciler.plan(ZONE)
    assert [r.id for r in plan.missing] == [before.id]
    result = await reconciler.apply(plan)

    [after] = await rows(services)
    [new] = upstream(emulator).values()
    assert after.id == before.id
    assert after.dnsimple_record_id == new["id"] != before.dnsimple_record_id
    assert (new["name"], new["type"], new["content"]) == ("app", "A", "192.0.2.1")
    assert result.recreated == {before.id: new["id"]}
    assert (await reconciler.plan(ZONE))[0].in_sync


async def test_drop_missing_deletes_the_rows_and_creates_nothing(
    services: Services, reconciler: Reconciler, emulator: RunningEmulator
) -> None:
    await own(services, emulator, "app", "192.0.2.1")
    kept = await own(services, emulator, "app", "192.0.2.2")
    [gone, _] = await rows(services)
    emulator.state.delete_record(ZONE, gone.dnsimple_record_id)

    [plan] = await reconciler.plan(ZONE)
    result = await reconciler.apply(plan, drop_missing=True)

    assert result.dropped == [gone.id]
    assert [r.id for r in await rows(services)] == [kept]
    assert len(upstream(emulator)) == 1


async def test_unknown_records_are_reported_and_never_touched(
    services: Services, reconciler: Reconciler, emulator: RunningEmulator
) -> None:
    await own(services, emulator, "app", "192.0.2.1")
    stranger = make(emulator, "app", "192.0.2.99")
    make(emulator, "unrelated", "192.0.2.98")

    [plan] = await reconciler.plan(ZONE)
    assert [r.id for r in plan.unknown] == [stranger]
    emulator.state.calls.clear()
    await reconciler.apply(plan)

    assert stranger in upstream(emulator)
    assert emulator.state.count("DELETE") == emulator.state.count("PATCH") == 0
    assert len(await rows(services)) == 1


async def pending_create(services: Services, name: str, content: str) -> None:
    operation = {"action": "create", "name": name, "type": "A", "content": content,
                 "priority": None, "ttl": 300}  # fmt: skip
    intent = IntentRow(
        zone=ZONE, status="pending", operations=[operation], actor="alice",
        created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    await services.database.run(lambda session: session.add(intent))


async def test_pending_intents_are_finished_or_undone_by_looking_at_dnsimple(
    services: Services, reconciler: Reconciler, emulator: RunningEmulator
) -> None:
    await own(services, emulator, "app", "192.0.2.1")
    happened = make(emulator, "app", "192.0.2.7")  # the writer died after DNSimple answered
    await pending_create(services, "app", "192.0.2.7")
    await pending_create(services, "app", "192.0.2.8")  # ... or before it called DNSimple

    [plan] = await reconciler.plan(ZONE)
    assert len(plan.pending) == 2
    assert [r.id for r in plan.unknown] == [happened]
    result = await reconciler.apply(plan)

    assert [r.status for r in result.intents] == ["done", "undone"]
    assert happened in {r.dnsimple_record_id for r in await rows(services)}
    assert (await reconciler.plan(ZONE))[0].in_sync


async def test_changing_more_than_30_percent_of_ten_records_needs_force(
    services: Services, reconciler: Reconciler, emulator: RunningEmulator
) -> None:
    for n in range(10):
        await own(services, emulator, f"host{n}", "192.0.2.1")
    for stored in (await rows(services))[:4]:
        emulator.state.update_record(ZONE, stored.dnsimple_record_id, {"ttl": 3600})

    [plan] = await reconciler.plan(ZONE)
    assert plan.needs_force
    with pytest.raises(NeedsForce) as refused:
        await reconciler.apply(plan)
    assert refused.value.code == "needs_force"
    assert all(r["ttl"] == 3600 for r in list(upstream(emulator).values())[:4])

    result = await reconciler.apply(plan, force=True)
    assert len(result.restored) == 4
    assert all(r["ttl"] == 300 for r in upstream(emulator).values())


async def test_adopt_takes_over_every_record_of_the_type_and_is_idempotent(
    services: Services, reconciler: Reconciler, emulator: RunningEmulator
) -> None:
    first = make(emulator, "_dmarc", "v=DMARC1; p=none", "TXT")
    second = make(emulator, "_dmarc", "other", "TXT")
    make(emulator, "_dmarc", "192.0.2.1", "A")  # another type: not part of it

    adoption = await reconciler.adopt(ZONE, "_dmarc", "TXT", "alice")

    assert sorted(r.dnsimple_record_id for r in adoption.adopted) == [first, second]
    stored = await rows(services)
    assert {(r.origin, r.created_by, r.type) for r in stored} == {("adopted", "alice", "TXT")}
    again = await reconciler.adopt(ZONE, "_dmarc", "TXT", "bob")
    assert again.adopted == []
    assert len(again.already) == 2
    assert len(await rows(services)) == 2
    [plan] = await reconciler.plan(ZONE)
    assert [r.type for r in plan.unknown] == ["A"]  # the A at a name dns-api now manages


async def test_adopt_refuses_system_records_and_empty_names(reconciler: Reconciler) -> None:
    with pytest.raises(Conflict):
        await reconciler.adopt(ZONE, "", "NS", "alice")
    with pytest.raises(NotFound):
        await reconciler.adopt(ZONE, "nothing-here", "TXT", "alice")
