"""What a write does at DNSimple: typed ``Operation``s and the ``Plan`` that holds them. Pure code.

One operation changes one record: ``Create`` (a new value in a set), ``Update`` (a record of
dns-api's, from ``before`` to ``after``) or ``Delete``. The same objects travel from the plan to
DNSimple, into the intent that guards the write (``db.intents`` stores them as JSON), to the
outcome that is recorded (``db.ledger``) and to the JSON a client reads (``views``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from dns_api.domain.rdata import Value
from dns_api.domain.records import ManagedRecord, SetKey


@dataclass(frozen=True, slots=True)
class Entry:
    """What one record holds: a value and its TTL."""

    value: Value
    ttl: int

    @classmethod
    def of(cls, record: ManagedRecord) -> Entry:
        return cls(record.value, record.ttl)


@dataclass(frozen=True, slots=True)
class Create:
    key: SetKey
    after: Entry
    kind: Literal["create"] = "create"


@dataclass(frozen=True, slots=True)
class Update:
    """A record of dns-api's (row ``record_id``, DNSimple ``dnsimple_id``) changed in place."""

    key: SetKey
    record_id: int
    dnsimple_id: int
    before: Entry
    after: Entry
    kind: Literal["update"] = "update"

    @classmethod
    def of(cls, record: ManagedRecord, after: Entry) -> Update:
        return cls(record.key, record.id, record.dnsimple_record_id, Entry.of(record), after)


@dataclass(frozen=True, slots=True)
class Delete:
    key: SetKey
    record_id: int
    dnsimple_id: int
    before: Entry
    kind: Literal["delete"] = "delete"

    @classmethod
    def of(cls, record: ManagedRecord) -> Delete:
        return cls(record.key, record.id, record.dnsimple_record_id, Entry.of(record))


Operation = Create | Update | Delete


@dataclass(frozen=True, slots=True)
class Plan:
    """The operations that carry out a change, and the records it leaves alone."""

    creates: tuple[Create, ...] = ()
    updates: tuple[Update, ...] = ()
    deletes: tuple[Delete, ...] = ()
    unchanged: tuple[ManagedRecord, ...] = field(default=())

    @property
    def operations(self) -> tuple[Operation, ...]:
        """Every operation: deletes, then updates, then creates (DNSimple's batch order)."""
        return (*self.deletes, *self.updates, *self.creates)

    @property
    def operation_count(self) -> int:
        return len(self.creates) + len(self.updates) + len(self.deletes)

    @property
    def is_empty(self) -> bool:
        return self.operation_count == 0

    def __add__(self, other: Plan) -> Plan:
        return Plan(
            creates=self.creates + other.creates,
            updates=self.updates + other.updates,
            deletes=self.deletes + other.deletes,
            unchanged=self.unchanged + other.unchanged,
        )

    def summary(self) -> dict[str, int]:
        return {
            "created": len(self.creates),
            "updated": len(self.updates),
            "deleted": len(self.deletes),
            "unchanged": len(self.unchanged),
        }

    @classmethod
    def of(cls, operations: tuple[Operation, ...]) -> Plan:
        return cls(
            creates=tuple(o for o in operations if isinstance(o, Create)),
            updates=tuple(o for o in operations if isinstance(o, Update)),
            deletes=tuple(o for o in operations if isinstance(o, Delete)),
        )


def must_delete_first(plan: Plan) -> bool:
    """Whether the plan's deletes must run before its creates (a CNAME cannot share its name).

    True when a CNAME is created at a name where another type is deleted, or the reverse.
    """
    created = {(c.key.zone, c.key.name): c.key.type for c in plan.creates}
    for delete in plan.deletes:
        key = delete.key
        created_type = created.get((key.zone, key.name))
        if created_type and "CNAME" in (created_type, key.type) and created_type != key.type:
            return True
    return False
