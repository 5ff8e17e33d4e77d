"""Record sets and the plans that change them. Pure code.

A record set is every record of one type at one name. ``plan_set`` works out the fewest
DNSimple operations that turn the records there now into the wanted set: values already there
are left alone, changed values are PATCHed in place (the name keeps resolving), and only the
surplus is created or deleted. A ``Plan`` is what a write will do, and also what a dry run
shows.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from dns_api.domain.operations import Create, Delete, Entry, Plan, Update
from dns_api.domain.rdata import Value
from dns_api.domain.records import ManagedRecord, SetKey

__all__ = [
    "EntityTags",
    "Plan",
    "RecordSet",
    "SetEdit",
    "SetKey",
    "ordered",
    "plan_delete",
    "plan_set",
]


@dataclass(frozen=True, slots=True)
class RecordSet:
    """The records dns-api manages in one set, as stored, and its ETag (``EntityTags``)."""

    key: SetKey
    records: tuple[ManagedRecord, ...]
    etag: str | None = None  # None: the set is empty

    @property
    def ttl(self) -> int | None:
        return min((r.ttl for r in self.records), default=None)

    @property
    def values(self) -> tuple[Value, ...]:
        return ordered(r.value for r in self.records)


def ordered(values: Iterable[Value]) -> tuple[Value, ...]:
    """Distinct values in the order people read them: by priority (MX, SRV), then content."""
    return tuple(sorted(set(values), key=lambda v: (v.priority or 0, v.content)))


@dataclass(frozen=True, slots=True)
class EntityTags:
    """Strong validators of record sets: equal exactly when the sets hold the same values and
    TTLs. An ETag is an HMAC of the content with a server secret, so it tells whether a set
    changed and nothing about what it holds (an unkeyed hash of an A record's value can be
    reversed offline in a fraction of a second)."""

    secret: bytes = field(repr=False)

    @classmethod
    def from_secret(cls, secret: str) -> EntityTags:
        return cls(hashlib.sha256(b"dns-api entity tags\0" + secret.encode()).digest())

    def of(self, key: SetKey, entries: Iterable[tuple[Value, int]]) -> str | None:
        """The ETag of the set ``key`` holding ``entries`` (value, TTL); ``None`` when empty."""
        lines = sorted(f"{ttl}\t{value.text(key.type)}" for value, ttl in entries)
        if not lines:
            return None
        message = "\n".join([key.type, *lines]).encode()
        return f'"{hmac.new(self.secret, message, hashlib.sha256).hexdigest()[:32]}"'

    def record_set(self, key: SetKey, records: Iterable[ManagedRecord]) -> RecordSet:
        """``records`` as a ``RecordSet`` carrying its ETag."""
        held = tuple(records)
        return RecordSet(key, held, self.of(key, [(r.value, r.ttl) for r in held]))


@dataclass(frozen=True, slots=True)
class SetEdit:
    """A set changed by one value rather than as a whole (the protocols ACME clients speak):
    ``add`` joins it (then only the ``keep_newest`` newest values stay, when given), or
    ``remove`` leaves it. What is there already is kept, oldest first."""

    add: Value | None = None
    remove: Value | None = None
    keep_newest: int | None = None

    def values(self, current: Sequence[ManagedRecord]) -> tuple[Value, ...]:
        """The values the set holds after the edit (``()``: none left)."""
        oldest_first = dict.fromkeys(r.value for r in sorted(current, key=lambda r: r.id))
        kept = [v for v in oldest_first if v not in (self.add, self.remove)]
        if self.add is not None:
            kept.append(self.add)
        if self.keep_newest is not None:
            kept = kept[-self.keep_newest :]
        return tuple(kept)


def plan_set(
    key: SetKey, current: Sequence[ManagedRecord], values: Sequence[Value], ttl: int
) -> Plan:
    """The fewest operations that make the set ``key`` exactly ``values``, each with ``ttl``."""
    wanted = list(dict.fromkeys(sorted(values)))
    pending = sorted(current, key=lambda r: (r.value, r.id))
    unchanged: list[ManagedRecord] = []
    updates: list[Update] = []
    missing: list[Value] = []
    for value in wanted:
        match = next((r for r in pending if r.value == value), None)
        if match is None:
            missing.append(value)
            continue
        pending.remove(match)
        if match.ttl == ttl:
            unchanged.append(match)
        else:
            updates.append(Update.of(match, Entry(value, ttl)))
    # Reuse each surplus record for a missing value: a PATCH in place, never a gap.
    reused = min(len(pending), len(missing))
    updates.extend(
        Update.of(r, Entry(v, ttl)) for r, v in zip(pending[:reused], missing[:reused], strict=True)
    )
    return Plan(
        creates=tuple(Create(key, Entry(v, ttl)) for v in missing[reused:]),
        updates=tuple(updates),
        deletes=tuple(Delete.of(r) for r in pending[reused:]),
        unchanged=tuple(unchanged),
    )


def plan_delete(current: Sequence[ManagedRecord]) -> Plan:
    return Plan(deletes=tuple(Delete.of(r) for r in current))
