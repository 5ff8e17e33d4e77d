"""The in-memory account behind the DNSimple API v2 emulator.

One ``EmulatorState`` is one DNSimple account: its zones, their records, its hourly rate-limit
budget, a counter of the API calls received and the faults to inject. It knows nothing about
HTTP; ``dns_api.emulator.app`` turns requests into calls on it and ``DnsimpleError`` into
answers. The rules live next door (``validation``, ``batch``, ``faults``, ``ratelimit``,
``calls``, ``shapes``, ``persistence``); this module holds the account and the lock around them.

Every public method is thread-safe (one re-entrant lock): the test-suite pokes the state from
its own thread while the server thread serves requests. Mutations are persisted right away when
``persist_path`` is set.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from dns_api.emulator import batch, persistence, shapes
from dns_api.emulator.calls import CallCounter
from dns_api.emulator.errors import SYSTEM_RECORD_READ_ONLY, DnsimpleError, Errors, Json, not_found
from dns_api.emulator.faults import FAULT_STATUSES, HANG, FaultInjector, FaultPlan, Faults
from dns_api.emulator.ratelimit import RATE_LIMIT_WINDOW_S, HourlyWindow, RateLimit
from dns_api.emulator.shapes import iso
from dns_api.emulator.validation import (
    DEFAULT_TTL,
    RECORD_TYPES,
    REGIONS,
    parse_record_fields,
    validate_record,
)
from dns_api.emulator.validation import decimal as _decimal

__all__ = [  # what this module has always offered; most of it now lives next door
    "DEFAULT_TTL",
    "FAULT_STATUSES",
    "HANG",
    "RATE_LIMIT_WINDOW_S",
    "RECORD_TYPES",
    "REGIONS",
    "DnsimpleError",
    "EmulatorState",
    "Errors",
    "FaultPlan",
    "Faults",
    "Json",
    "RateLimit",
    "iso",
    "not_found",
    "parse_record_fields",
]


class EmulatorState:
    """One DNSimple account held in memory (optionally mirrored to a JSON file).

    Record ids increase across the account and are never reused, not even after ``reset``.
    Zones and records returned by the public methods are copies. ``batch_enabled`` says whether
    the account's plan has batch changes (DNSimple's Enterprise plan); when False the batch
    endpoint answers 412.
    """

    def __init__(
        self,
        account_id: int = 1010,
        token: str = "emulator-token",  # noqa: S107 - a fixed test credential, not a secret
        zones: Iterable[str] = ("example.com",),
        hourly_limit: int = 2400,
        persist_path: Path | None = None,
        clock: Callable[[], float] = time.time,
        seed: int | None = None,
    ) -> None:
        self.account_id = account_id
        self.token = token
        self.persist_path = persist_path
        self.calls = CallCounter()
        self.batch_enabled = True
        self._clock = clock
        self._lock = threading.RLock()
        self._created_at = iso(clock())
        self._injector = FaultInjector(seed)
        self._window = HourlyWindow(hourly_limit)
        self._zones: dict[str, Json] = {}
        self._records: dict[str, dict[int, Json]] = {}
        self._next_zone_id = 1
        self._next_record_id = 1
        if persist_path is not None and persist_path.exists():
            self._load(persist_path)
        for name in zones:
            self.add_zone(name)

    @property
    def hourly_limit(self) -> int:
        """The budget of each hourly window."""
        return self._window.limit

    @hourly_limit.setter
    def hourly_limit(self, limit: int) -> None:
        with self._lock:
            self._window.limit = limit

    # -- account and zones -------------------------------------------------------------------

    @property
    def account(self) -> Json:
        """The account object of ``whoami`` and ``listAccounts``."""
        return shapes.account(self.account_id, self._created_at)

    def add_zone(self, name: str) -> Json:
        """Create zone ``name`` with its system SOA and NS records; no-op if it exists."""
        name = name.strip().lower()
        if not name:
            raise ValueError("zone name must not be empty")
        with self._lock:
            if name not in self._zones:
                self._zones[name] = self._new_zone(name)
                self._seed_system_records(name)
                self._save()
            return dict(self._zones[name])

    def zones(self) -> list[Json]:
        """Every zone, in creation order."""
        with self._lock:
            return [dict(zone) for zone in self._zones.values()]

    def get_zone(self, name: str) -> Json:
        """The zone called ``name`` (any case); 404 ``Zone `name` not found`` otherwise."""
        with self._lock:
            return dict(self._zone(name))

    def domains(self) -> list[Json]:
        """Every zone as the domain DNSimple lists for it (hosted here), in creation order."""
        with self._lock:
            return [shapes.domain(zone) for zone in self._zones.values()]

    def get_domain(self, identifier: str) -> Json:
        """The domain of the zone named ``identifier`` (any case) or whose id it is; 404
        ``Domain `identifier` not found`` otherwise."""
        number = _decimal(identifier)
        with self._lock:
            for zone in self._zones.values():
                if zone["name"] == identifier.lower() or zone["id"] == number:
                    return shapes.domain(zone)
        raise not_found("Domain", identifier)

    # -- records -----------------------------------------------------------------------------

    def records(self, zone: str) -> list[Json]:
        """Every record of ``zone`` in id order (system records included)."""
        with self._lock:
            return [dict(record) for record in self._zone_records(zone).values()]

    def get_record(self, zone: str, record_id: int | str) -> Json:
        """One record of ``zone``; 404 ``Record `id` not found`` if the zone does not hold it."""
        with self._lock:
            return dict(self._record(zone, record_id))

    def create_record(self, zone: str, body: Mapping[str, Any]) -> Json:
        """Validate a createZoneRecord body, store the record and return it (400 if invalid)."""
        with self._lock:
            zone_name = self._zone(zone)["name"]  # as DNSimple spells it, whatever the path said
            records = self._records[zone_name]
            fields = validate_record(body, base=None, zone=zone_name, zone_records=records.values())
            record = self._new_record(zone_name, fields)
            records[record["id"]] = record
            self._save()
            return dict(record)

    def update_record(self, zone: str, record_id: int | str, body: Mapping[str, Any]) -> Json:
        """Apply an updateZoneRecord body (``type`` may only repeat the record's own) and
        return the whole record."""
        with self._lock:
            record = self._writable_record(zone, record_id)
            zone_name = self._zone(zone)["name"]
            others = self._records[zone_name].values()
            fields = validate_record(body, base=record, zone=zone_name, zone_records=others)
            record.update(fields, updated_at=iso(self._clock()))
            self._save()
            return dict(record)

    def delete_record(self, zone: str, record_id: int | str) -> None:
        """Delete a record; 404 if unknown, 400 if it is a system record."""
        with self._lock:
            record = self._writable_record(zone, record_id)
            del self._zone_records(zone)[record["id"]]
            self._save()

    def apply_batch(self, zone: str, body: Mapping[str, Any]) -> Json:
        """Check a batchChangeZoneRecords body as a whole, then apply it and save once; return
        the answer's ``data``. 412 when ``batch_enabled`` is off, 404 for an unknown zone, 400
        listing every failing operation (and nothing changed)."""
        with self._lock:
            if not self.batch_enabled:
                raise DnsimpleError(412, batch.UNAVAILABLE_MESSAGE)
            zone_name = self._zone(zone)["name"]
            records = self._records[zone_name]
            plan = batch.plan_batch(body, zone_name, records)
            new_record = partial(self._new_record, zone_name)
            result = batch.apply_plan(plan, records, new_record, iso(self._clock()))
            self._save()
            return result

    def reset(self) -> None:
        """Back to a fresh account: zones kept but holding only their system records; counters,
        faults and the rate-limit window cleared; batch changes enabled."""
        with self._lock:
            self.batch_enabled = True
            for name in self._zones:
                self._records[name] = {}
                self._seed_system_records(name)
            self.calls.clear()
            self._injector.reset()
            self._window.reset()
            self._save()

    # -- call counters -----------------------------------------------------------------------

    def record_call(self, method: str, operation: str) -> None:
        """Count one received ``/v2`` request, keyed ``"<METHOD> <operationId>"``."""
        with self._lock:
            self.calls.add(method, operation)

    def count(self, method: str | None = None, operation: str | None = None) -> int:
        """How many ``/v2`` requests matched ``method`` and/or ``operation`` (None = any)."""
        with self._lock:
            return self.calls.matching(method, operation)

    def calls_snapshot(self) -> dict[str, int]:
        """A copy of the call counter."""
        with self._lock:
            return dict(self.calls)

    # -- rate limit --------------------------------------------------------------------------

    def rate_limit(self) -> RateLimit:
        """The current budget without spending any of it."""
        with self._lock:
            return self._window.snapshot(self._clock())

    def spend_request(self) -> tuple[bool, RateLimit]:
        """Spend one unit; ``(False, ...)`` when the window's budget is already used up."""
        with self._lock:
            return self._window.spend(self._clock())

    def set_rate_limit_remaining(self, remaining: int) -> RateLimit:
        """Set what is left of the current window (opening one if needed)."""
        with self._lock:
            return self._window.set_remaining(self._clock(), remaining)

    def exhaust_rate_limit(self) -> RateLimit:
        """Use up the current window: the next authenticated request gets a 429."""
        return self.set_rate_limit_remaining(0)

    # -- faults ------------------------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        """A copy of the current fault knobs."""
        with self._lock:
            return Faults(**self._injector.faults.to_json())

    def set_faults(
        self,
        *,
        latency_ms: float = 0.0,
        failure_rates: Mapping[int, float] | None = None,
        hang_rate: float = 0.0,
        hang_seconds: float = 3600.0,
        after_apply_share: float = 0.0,
        seed: int | None = None,
    ) -> Faults:
        """Replace every fault knob (the ones not given go back to "no fault"); ``seed`` makes
        the faults drawn from now on repeatable."""
        faults = Faults(
            latency_ms, dict(failure_rates or {}), hang_rate, hang_seconds, after_apply_share
        )
        with self._lock:
            self._injector.faults = faults
            if seed is not None:
                self._injector.reseed(seed)
        return self.faults

    def fail_next(
        self,
        status: int,
        count: int = 1,
        *,
        method: str | None = None,
        after_apply: bool = False,
    ) -> None:
        """Make the next ``count`` ``/v2`` requests (of ``method``, if given) fail with ``status``.

        ``status`` is an HTTP status (400-599) or ``HANG``. With ``after_apply`` the operation
        is performed and only its answer is replaced: a lost response.
        """
        with self._lock:
            self._injector.fail_next(status, count, method, after_apply)

    def draw_fault(self, method: str) -> FaultPlan:
        """Decide the fault for one incoming request: the queue first, then the probabilities."""
        with self._lock:
            return self._injector.draw(method)

    # -- internals ---------------------------------------------------------------------------

    def _zone(self, name: str) -> Json:
        zone = self._zones.get(name.lower())
        if zone is None:
            raise not_found("Zone", name)
        return zone

    def _zone_records(self, zone: str) -> dict[int, Json]:
        return self._records[self._zone(zone)["name"]]

    def _record(self, zone: str, record_id: int | str) -> Json:
        records = self._zone_records(zone)
        number = _decimal(str(record_id))
        record = records.get(number) if number is not None else None
        if record is None:
            raise not_found("Record", record_id)
        return record

    def _writable_record(self, zone: str, record_id: int | str) -> Json:
        record = self._record(zone, record_id)
        if record["system_record"]:
            raise DnsimpleError(400, SYSTEM_RECORD_READ_ONLY)
        return record

    def _new_zone(self, name: str) -> Json:
        now = iso(self._clock())
        zone_id, self._next_zone_id = self._next_zone_id, self._next_zone_id + 1
        return shapes.zone(zone_id, self.account_id, name, now)

    def _seed_system_records(self, zone: str) -> None:
        records = self._records.setdefault(zone, {})
        for fields in shapes.system_record_fields(serial=int(self._clock())):
            record = self._new_record(zone, fields)
            record["system_record"] = True
            records[record["id"]] = record

    def _new_record(self, zone: str, fields: Mapping[str, Any]) -> Json:
        now = iso(self._clock())
        record_id, self._next_record_id = self._next_record_id, self._next_record_id + 1
        return shapes.record(record_id, zone, fields, now)

    def _save(self) -> None:
        if self.persist_path is None:
            return
        snapshot = persistence.Snapshot(
            self._next_zone_id, self._next_record_id, self._zones, self._records
        )
        persistence.save(self.persist_path, snapshot)

    def _load(self, path: Path) -> None:
        snapshot = persistence.load(path)
        self._next_zone_id, self._next_record_id = snapshot.next_zone_id, snapshot.next_record_id
        self._zones, self._records = snapshot.zones, snapshot.records
