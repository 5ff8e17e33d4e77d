"""The reconcile plan of a zone. Pure code: ``Reconciler`` does the I/O, ``views`` the JSON.

A plan compares the records dns-api owns (its rows) with every record DNSimple holds in the zone,
matched by DNSimple id only, and lists four kinds of item:

- ``missing``: an owned row whose DNSimple record is gone (deleted by hand);
- ``drift``: the record is there, with another content, TTL or priority;
- ``pending``: intents still pending (their writer stopped, or is still writing);
- ``unknown``: records nobody here owns at a name dns-api manages; only reported (adopt them).

Applying a plan that changes more than 30 % of the owned records of a zone of 10 or more owned
records needs ``force``: a sign that the database or DNSimple is not what the operator thinks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from dns_api.db.intents import Intent
from dns_api.domain.records import ManagedRecord
from dns_api.errors import NeedsForce
from dns_api.providers.base import ProviderRecord
from dns_api.services.recovery import Resolution

FORCE_PERCENT = 30
FORCE_MIN_OWNED = 10
KINDS = ("missing", "drift", "pending", "unknown")


@dataclass(frozen=True, slots=True)
class Drift:
    record: ManagedRecord  # what dns-api owns
    upstream: ProviderRecord  # what DNSimple holds under the same id


@dataclass(frozen=True, slots=True)
class ZonePlan:
    zone: str
    owned: int
    missing: tuple[ManagedRecord, ...] = ()
    drift: tuple[Drift, ...] = ()
    pending: tuple[Intent, ...] = ()
    unknown: tuple[ProviderRecord, ...] = ()

    @property
    def in_sync(self) -> bool:
        return not (self.missing or self.drift or self.pending or self.unknown)

    @property
    def changes(self) -> int:
        """How many owned records applying the plan changes (restores, re-creates or drops)."""
        return len(self.missing) + len(self.drift)

    @property
    def needs_force(self) -> bool:
        return self.owned >= FORCE_MIN_OWNED and self.changes * 100 > FORCE_PERCENT * self.owned


@dataclass(slots=True)
class ApplyResult:
    """What ``apply`` did in one zone; rows are named by their id."""

    zone: str
    intents: list[Resolution] = field(default_factory=list)
    restored: list[int] = field(default_factory=list)  # PATCHed back to the owned values
    recreated: dict[int, int] = field(default_factory=dict)  # row id -> new DNSimple id
    dropped: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # row id -> why it was left alone


@dataclass(frozen=True, slots=True)
class Adoption:
    adopted: list[ManagedRecord]  # rows made by this call
    already: list[ManagedRecord]  # rows that owned records there before


def build_plan(
    zone: str,
    rows: Sequence[ManagedRecord],
    upstream: Sequence[ProviderRecord],
    intents: Sequence[Intent],
) -> ZonePlan:
    """The plan of ``zone`` from its owned rows, every DNSimple record of the zone, and the
    pending intents (of any zone: those of other zones are left out)."""
    by_id = {r.id: r for r in upstream}
    owned_ids = {row.dnsimple_record_id for row in rows}
    owned_names = {row.name for row in rows}
    drift = []
    for row in rows:
        theirs = by_id.get(row.dnsimple_record_id)
        if theirs is not None and not same_values(row, theirs):
            drift.append(Drift(row, theirs))
    return ZonePlan(
        zone=zone,
        owned=len(rows),
        missing=tuple(row for row in rows if row.dnsimple_record_id not in by_id),
        drift=tuple(drift),
        pending=tuple(i for i in intents if i.zone == zone),
        unknown=tuple(
            r
            for r in upstream
            if not r.system_record and r.id not in owned_ids and r.name.lower() in owned_names
        ),
    )


def same_values(row: ManagedRecord, record: ProviderRecord) -> bool:
    return (row.content, row.ttl, row.priority) == (record.content, record.ttl, record.priority)


def check_force(plans: Sequence[ZonePlan], force: bool) -> None:
    """Raise ``NeedsForce`` for the first plan that changes too much, unless ``force``."""
    for plan in plans:
        if plan.needs_force and not force:
            raise NeedsForce(
                f"the plan for {plan.zone} changes {plan.changes} of its {plan.owned} owned "
                f"records (more than {FORCE_PERCENT} %); apply it with --force "
                '(API: "force": true) if that is right'
            )
