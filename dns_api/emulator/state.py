"""The in-memory account behind the DNSimple API v2 emulator.

One ``EmulatorState`` is one DNSimple account: its zones, their records, its hourly rate-limit
budget, a counter of the API calls received and the faults to inject. It knows nothing about
HTTP; ``dns_api.emulator.app`` turns requests into calls on it and ``DnsimpleError`` into
answers.

Every public method is thread-safe (one re-entrant lock): the test-suite pokes the state from
its own thread while the server thread serves requests. Mutations are persisted right away when
``persist_path`` is set.
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import random
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RECORD_TYPES = frozenset(
    {"A", "AAAA", "ALIAS", "CAA", "CNAME", "DNSKEY", "DS", "HINFO", "MX", "NAPTR"}
    | {"NS", "POOL", "PTR", "SOA", "SPF", "SRV", "SSHFP", "TXT", "URL"}
)
REGIONS = frozenset({"global", "SV1", "ORD", "IAD", "AMS", "TKO", "SYD", "CDG", "FRA"})
FAULT_STATUSES = frozenset({429, 500, 502, 503, 504})
HANG = 0
"""The pseudo status of ``fail_next`` that makes a request hang instead of failing."""
DEFAULT_TTL = 3600
RATE_LIMIT_WINDOW_S = 3600
_NAMESERVERS = tuple(f"ns{n}.dnsimple.com" for n in range(1, 5))
_SOA_TEMPLATE = "ns1.dnsimple.com admin.dnsimple.com {serial} 86400 7200 604800 300"
_PERSIST_VERSION = 1

Json = dict[str, Any]
Errors = dict[str, list[str]]


class DnsimpleError(Exception):
    """An error answer exactly as DNSimple words it: ``{"message": ..., "errors"?: {...}}``."""

    def __init__(self, status: int, message: str, errors: Errors | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors

    def body(self) -> Json:
        """The JSON body DNSimple answers with."""
        if self.errors is None:
            return {"message": self.message}
        return {"message": self.message, "errors": self.errors}


def not_found(kind: str, identifier: object) -> DnsimpleError:
    """DNSimple's 404 wording: ``Zone `x` not found``, ``Record `x` not found``, ..."""
    return DnsimpleError(404, f"{kind} `{identifier}` not found")


@dataclass
class Faults:
    """Probabilistic faults applied to every ``/v2`` request.

    ``failure_rates`` maps a status in ``FAULT_STATUSES`` to the probability that a request is
    answered with it instead of being performed; ``hang_rate`` is the probability that a request
    first sleeps ``hang_seconds``; ``latency_ms`` is added to every request.
    """

    latency_ms: float = 0.0
    failure_rates: dict[int, float] = field(default_factory=dict)
    hang_rate: float = 0.0
    hang_seconds: float = 3600.0

    def __post_init__(self) -> None:
        self.failure_rates = {int(status): rate for status, rate in self.failure_rates.items()}
        unknown = set(self.failure_rates) - FAULT_STATUSES
        if unknown:
            raise ValueError(f"failure_rates: unsupported status {sorted(unknown)}")
        rates = [self.hang_rate, *self.failure_rates.values()]
        if any(not 0.0 <= rate <= 1.0 for rate in rates):
            raise ValueError("rates must be between 0 and 1")
        if self.latency_ms < 0 or self.hang_seconds < 0:
            raise ValueError("latency_ms and hang_seconds must not be negative")

    def to_json(self) -> Json:
        """The knobs as JSON (status codes become string keys)."""
        data = asdict(self)
        data["failure_rates"] = {str(k): v for k, v in self.failure_rates.items()}
        return data


@dataclass(frozen=True)
class FaultPlan:
    """What to do to one ``/v2`` request, decided when it arrives.

    ``status`` is ``None`` (no injected error), ``HANG`` or an HTTP status. With ``after_apply``
    the operation is performed first and the fault spoils only the answer.
    """

    latency_s: float = 0.0
    status: int | None = None
    after_apply: bool = False
    hang_seconds: float = 3600.0


@dataclass
class _QueuedFault:
    status: int
    remaining: int
    method: str | None
    after_apply: bool


@dataclass(frozen=True)
class RateLimit:
    """The values of the ``X-RateLimit-Limit/Remaining/Reset`` headers (reset: Unix seconds)."""

    limit: int
    remaining: int
    reset: int


def iso(timestamp: float) -> str:
    """DNSimple's timestamp format: ISO-8601 UTC, whole seconds, trailing ``Z``."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class EmulatorState:
    """One DNSimple account held in memory (optionally mirrored to a JSON file).

    Record ids increase across the account and are never reused, not even after ``reset``.
    Zones and records returned by the public methods are copies.
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
        self.hourly_limit = hourly_limit
        self.persist_path = persist_path
        self.calls: Counter[str] = Counter()
        self._clock = clock
        self._random = random.Random(seed)
        self._lock = threading.RLock()
        self._created_at = iso(clock())
        self._faults = Faults()
        self._queue: list[_QueuedFault] = []
        self._window_end: float | None = None
        self._remaining = hourly_limit
        self._zones: dict[str, Json] = {}
        self._records: dict[str, dict[int, Json]] = {}
        self._next_zone_id = 1
        self._next_record_id = 1
        if persist_path is not None and persist_path.exists():
            self._load(persist_path)
        for name in zones:
            self.add_zone(name)

    # -- account and zones -------------------------------------------------------------------

    @property
    def account(self) -> Json:
        """The account object of ``whoami`` and ``listAccounts``."""
        return {
            "id": self.account_id,
            "email": "emulator@example.com",
            "plan_identifier": "teams-v1-monthly",
            "created_at": self._created_at,
            "updated_at": self._created_at,
            "name": "Emulator Account",
        }

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
            records = self._zone_records(zone)
            candidate, errors = parse_record_fields(body, base=None)
            _raise_if_invalid(errors, candidate, records.values(), exclude_id=None)
            record = self._new_record(zone, candidate)
            records[record["id"]] = record
            self._save()
            return dict(record)

    def update_record(self, zone: str, record_id: int | str, body: Mapping[str, Any]) -> Json:
        """Apply an updateZoneRecord body (``type`` is ignored) and return the whole record."""
        with self._lock:
            record = self._writable_record(zone, record_id)
            candidate, errors = parse_record_fields(body, base=record)
            others = self._zone_records(zone).values()
            _raise_if_invalid(errors, candidate, others, exclude_id=record["id"])
            record.update(candidate, updated_at=iso(self._clock()))
            self._save()
            return dict(record)

    def delete_record(self, zone: str, record_id: int | str) -> None:
        """Delete a record; 404 if unknown, 400 if it is a system record."""
        with self._lock:
            record = self._writable_record(zone, record_id)
            del self._zone_records(zone)[record["id"]]
            self._save()

    def reset(self) -> None:
        """Back to a fresh account: zones kept but holding only their system records; counters,
        faults and the rate-limit window cleared."""
        with self._lock:
            for name in self._zones:
                self._records[name] = {}
                self._seed_system_records(name)
            self.calls.clear()
            self._faults = Faults()
            self._queue.clear()
            self._window_end = None
            self._remaining = self.hourly_limit
            self._save()

    # -- call counters -----------------------------------------------------------------------

    def record_call(self, method: str, operation: str) -> None:
        """Count one received ``/v2`` request, keyed ``"<METHOD> <operationId>"``."""
        with self._lock:
            self.calls[f"{method.upper()} {operation}"] += 1

    def count(self, method: str | None = None, operation: str | None = None) -> int:
        """How many ``/v2`` requests matched ``method`` and/or ``operation`` (None = any)."""
        with self._lock:
            return sum(
                n
                for key, n in self.calls.items()
                if _key_matches(key, method.upper() if method else None, operation)
            )

    def calls_snapshot(self) -> dict[str, int]:
        """A copy of the call counter."""
        with self._lock:
            return dict(self.calls)

    # -- rate limit --------------------------------------------------------------------------

    def rate_limit(self) -> RateLimit:
        """The current budget without spending any of it."""
        with self._lock:
            return self._rate_limit_snapshot(self._clock())

    def spend_request(self) -> tuple[bool, RateLimit]:
        """Spend one unit; ``(False, ...)`` when the window's budget is already used up."""
        with self._lock:
            now = self._clock()
            self._open_window(now)
            allowed = self._remaining > 0
            if allowed:
                self._remaining -= 1
            return allowed, self._rate_limit_snapshot(now)

    def set_rate_limit_remaining(self, remaining: int) -> RateLimit:
        """Set what is left of the current window (opening one if needed)."""
        with self._lock:
            now = self._clock()
            self._open_window(now)
            self._remaining = max(0, min(remaining, self.hourly_limit))
            return self._rate_limit_snapshot(now)

    def exhaust_rate_limit(self) -> RateLimit:
        """Use up the current window: the next authenticated request gets a 429."""
        return self.set_rate_limit_remaining(0)

    # -- faults ------------------------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        """A copy of the current fault knobs."""
        with self._lock:
            return Faults(**self._faults.to_json())

    def set_faults(
        self,
        *,
        latency_ms: float = 0.0,
        failure_rates: Mapping[int, float] | None = None,
        hang_rate: float = 0.0,
        hang_seconds: float = 3600.0,
    ) -> Faults:
        """Replace every fault knob (the ones not given go back to "no fault")."""
        faults = Faults(latency_ms, dict(failure_rates or {}), hang_rate, hang_seconds)
        with self._lock:
            self._faults = faults
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
        if status != HANG and not 400 <= status <= 599:
            raise ValueError(f"status must be 400-599 or {HANG} (hang), not {status}")
        if count < 1:
            raise ValueError("count must be at least 1")
        method = method.upper() if method else None
        with self._lock:
            self._queue.append(_QueuedFault(status, count, method, after_apply))

    def draw_fault(self, method: str) -> FaultPlan:
        """Decide the fault for one incoming request: the queue first, then the probabilities."""
        with self._lock:
            faults = self._faults
            plan = FaultPlan(latency_s=faults.latency_ms / 1000, hang_seconds=faults.hang_seconds)
            queued = self._pop_queued(method.upper())
            if queued is not None:
                return _with(plan, status=queued.status, after_apply=queued.after_apply)
            return _with(plan, status=self._draw_status(faults), after_apply=False)

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
        key = str(record_id)
        record = records.get(int(key)) if key.isdigit() and key.isascii() else None
        if record is None:
            raise not_found("Record", record_id)
        return record

    def _writable_record(self, zone: str, record_id: int | str) -> Json:
        record = self._record(zone, record_id)
        if record["system_record"]:
            raise DnsimpleError(400, "System records cannot be changed or deleted")
        return record

    def _new_zone(self, name: str) -> Json:
        now = iso(self._clock())
        zone_id, self._next_zone_id = self._next_zone_id, self._next_zone_id + 1
        return {
            "id": zone_id,
            "account_id": self.account_id,
            "name": name,
            "reverse": name.endswith((".in-addr.arpa", ".ip6.arpa")),
            "secondary": False,
            "last_transferred_at": None,
            "active": True,
            "created_at": now,
            "updated_at": now,
        }

    def _seed_system_records(self, zone: str) -> None:
        records = self._records.setdefault(zone, {})
        soa = _SOA_TEMPLATE.format(serial=int(self._clock()))
        for rtype, content in [("SOA", soa), *(("NS", ns) for ns in _NAMESERVERS)]:
            fields = {"name": "", "type": rtype, "content": content, "ttl": DEFAULT_TTL}
            record = self._new_record(zone, {**fields, "priority": None, "regions": ["global"]})
            record["system_record"] = True
            records[record["id"]] = record

    def _new_record(self, zone: str, fields: Mapping[str, Any]) -> Json:
        now = iso(self._clock())
        record_id, self._next_record_id = self._next_record_id, self._next_record_id + 1
        return {
            "id": record_id,
            "zone_id": zone,
            "parent_id": None,
            "name": fields["name"],
            "content": fields["content"],
            "ttl": fields["ttl"],
            "priority": fields["priority"],
            "type": fields["type"],
            "regions": list(fields["regions"]),
            "system_record": False,
            "created_at": now,
            "updated_at": now,
        }

    def _open_window(self, now: float) -> None:
        if self._window_end is not None and now >= self._window_end:
            self._window_end = None
        if self._window_end is None:
            self._window_end = now + RATE_LIMIT_WINDOW_S
            self._remaining = self.hourly_limit

    def _rate_limit_snapshot(self, now: float) -> RateLimit:
        if self._window_end is None or now >= self._window_end:
            return RateLimit(
                self.hourly_limit, self.hourly_limit, math.ceil(now) + RATE_LIMIT_WINDOW_S
            )
        return RateLimit(self.hourly_limit, self._remaining, math.ceil(self._window_end))

    def _pop_queued(self, method: str) -> _QueuedFault | None:
        for queued in self._queue:
            if queued.method in (None, method):
                queued.remaining -= 1
                if queued.remaining == 0:
                    self._queue.remove(queued)
                return queued
        return None

    def _draw_status(self, faults: Faults) -> int | None:
        if faults.hang_rate > 0 and self._random.random() < faults.hang_rate:
            return HANG
        if not any(faults.failure_rates.values()):
            return None
        draw, cumulative = self._random.random(), 0.0
        for status, rate in sorted(faults.failure_rates.items()):
            cumulative += rate
            if draw < cumulative:
                return status
        return None

    def _save(self) -> None:
        if self.persist_path is None:
            return
        data = {
            "version": _PERSIST_VERSION,
            "next_zone_id": self._next_zone_id,
            "next_record_id": self._next_record_id,
            "zones": list(self._zones.values()),
            "records": [r for records in self._records.values() for r in records.values()],
        }
        _write_atomically(self.persist_path, json.dumps(data, indent=1))

    def _load(self, path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != _PERSIST_VERSION:
            raise ValueError(f"{path}: not an emulator state file (version {_PERSIST_VERSION})")
        self._next_zone_id = int(data["next_zone_id"])
        self._next_record_id = int(data["next_record_id"])
        self._zones = {zone["name"]: zone for zone in data["zones"]}
        self._records = {name: {} for name in self._zones}
        for record in data["records"]:
            self._records[record["zone_id"]][record["id"]] = record


def _with(plan: FaultPlan, *, status: int | None, after_apply: bool) -> FaultPlan:
    return FaultPlan(plan.latency_s, status, after_apply, plan.hang_seconds)


def _key_matches(key: str, method: str | None, operation: str | None) -> bool:
    key_method, _, key_operation = key.partition(" ")
    return method in (None, key_method) and operation in (None, key_operation)


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file next to ``path``, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- record validation (DNSimple's rules and wording) ------------------------------------------


def parse_record_fields(body: Mapping[str, Any], *, base: Json | None) -> tuple[Json, Errors]:
    """Merge a create (``base`` None) or update (``base`` = the record) body into a candidate.

    Returns the candidate fields and every problem found, keyed like DNSimple (``record_type``
    for the type). On update, ``type`` is not updatable and is ignored.
    """
    errors: Errors = {}
    fields: tuple[str, ...]
    if base is None:
        candidate: Json = {"ttl": DEFAULT_TTL, "priority": None, "regions": ["global"]}
        fields = _CREATE_FIELDS
    else:
        candidate = {key: base[key] for key in (*_UPDATE_FIELDS, "type")}
        fields = _UPDATE_FIELDS
    for name in fields:
        if name in body:
            value, problem = _FIELD_PARSERS[name](body[name])
            _store(candidate, errors, name, value, problem)
        elif base is None and name in _REQUIRED:
            _store(candidate, errors, name, None, _REQUIRED[name])
    if "content" not in errors and "record_type" not in errors:
        _add(errors, "content", _content_problem(candidate["type"], candidate["content"]))
    return candidate, errors


def _raise_if_invalid(
    errors: Errors, candidate: Json, others: Iterable[Json], *, exclude_id: int | None
) -> None:
    if "name" not in errors and "record_type" not in errors:
        neighbours = [r for r in others if r["id"] != exclude_id]
        _add(errors, "name", _cname_problem(candidate, neighbours))
    if errors:
        raise DnsimpleError(400, "Validation failed", errors)


def _store(candidate: Json, errors: Errors, name: str, value: Any, problem: str | None) -> None:
    if problem is None:
        candidate[name] = value
    else:
        _add(errors, "record_type" if name == "type" else name, problem)


def _add(errors: Errors, key: str, problem: str | None) -> None:
    if problem is not None:
        errors.setdefault(key, []).append(problem)


def _parse_name(value: Any) -> tuple[Any, str | None]:
    if value is None:
        return None, "can't be blank"
    if not isinstance(value, str) or any(ch.isspace() for ch in value):
        return None, "is invalid"
    return value.lower(), None


def _parse_type(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str) and value.upper() in RECORD_TYPES:
        return value.upper(), None
    return None, "is not included in the list"


def _parse_content(value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, str) or not value.strip():
        return None, "can't be blank"
    return value, None


def _parse_integer(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str) and value.isdigit() and value.isascii():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None, "is not a number"
    if value < 0:
        return None, "must be greater than or equal to 0"
    return value, None


def _parse_ttl(value: Any) -> tuple[Any, str | None]:
    return (DEFAULT_TTL, None) if value is None else _parse_integer(value)


def _parse_priority(value: Any) -> tuple[Any, str | None]:
    return (None, None) if value is None else _parse_integer(value)


def _parse_regions(value: Any) -> tuple[Any, str | None]:
    if value is None:
        return ["global"], None
    if isinstance(value, list) and value and all(r in REGIONS for r in value):
        return list(value), None
    return None, "is invalid"


_FIELD_PARSERS: dict[str, Callable[[Any], tuple[Any, str | None]]] = {
    "name": _parse_name,
    "type": _parse_type,
    "content": _parse_content,
    "ttl": _parse_ttl,
    "priority": _parse_priority,
    "regions": _parse_regions,
}
_CREATE_FIELDS = ("name", "type", "content", "ttl", "priority", "regions")
_UPDATE_FIELDS = ("name", "content", "ttl", "priority", "regions")
_REQUIRED = {
    "name": "can't be blank",
    "type": "is not included in the list",
    "content": "can't be blank",
}


def _content_problem(rtype: str, content: str) -> str | None:
    version = {"A": 4, "AAAA": 6}.get(rtype)
    if version is None:
        return None
    try:
        address = ipaddress.ip_address(content)
    except ValueError:
        address = None
    if address is None or address.version != version:
        return f"is not a valid IPv{version} address"
    return None


def _cname_problem(candidate: Json, others: list[Json]) -> str | None:
    """DNSimple's CNAME exclusivity: a CNAME owns its name, and never sits at the apex."""
    same_name = [r for r in others if r["name"] == candidate["name"]]
    if candidate["type"] == "CNAME":
        if candidate["name"] == "":
            return "CNAME records cannot be added at the zone apex"
        if same_name:
            return "Zone already contains other records at this name"
    elif any(r["type"] == "CNAME" for r in same_name):
        return "Zone already contains a CNAME record at this name"
    return None
