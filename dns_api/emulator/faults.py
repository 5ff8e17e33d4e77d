"""The faults the emulator injects into ``/v2`` requests.

Two sources, the queue first: ``fail_next`` queues a status for the next requests (of one
method, if given), and ``Faults`` holds the probabilities drawn for every other request.
``FaultInjector.draw`` turns both into one ``FaultPlan`` per request. The injector is not
thread-safe on its own: ``EmulatorState`` calls it under its lock.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field

from dns_api.emulator.errors import Json

FAULT_STATUSES = frozenset({429, 500, 502, 503, 504})
HANG = 0
"""The pseudo status of ``fail_next`` that makes a request hang instead of failing."""


@dataclass
class Faults:
    """Probabilistic faults applied to every ``/v2`` request.

    ``failure_rates`` maps a status in ``FAULT_STATUSES`` to the probability that a request is
    answered with it instead of being performed; ``hang_rate`` is the probability that a request
    first sleeps ``hang_seconds``; ``latency_ms`` is added to every request.
    ``after_apply_share`` is the share of those failures and hangs that strike after the
    operation was performed (a lost answer) rather than before.
    """

    latency_ms: float = 0.0
    failure_rates: dict[int, float] = field(default_factory=dict)
    hang_rate: float = 0.0
    hang_seconds: float = 3600.0
    after_apply_share: float = 0.0

    def __post_init__(self) -> None:
        self.failure_rates = {int(status): rate for status, rate in self.failure_rates.items()}
        unknown = set(self.failure_rates) - FAULT_STATUSES
        if unknown:
            raise ValueError(f"failure_rates: unsupported status {sorted(unknown)}")
        rates = [self.hang_rate, self.after_apply_share, *self.failure_rates.values()]
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


class FaultInjector:
    """The fault knobs, the fail-next queue and the random source they are drawn from."""

    def __init__(self, seed: int | None = None) -> None:
        self.faults = Faults()
        self._queue: list[_QueuedFault] = []
        self._random = random.Random(seed)

    def reset(self) -> None:
        """No fault any more: knobs back to their defaults, queue emptied."""
        self.faults = Faults()
        self._queue.clear()

    def reseed(self, seed: int) -> None:
        """Draw faults from ``seed`` from now on: the same requests meet the same faults."""
        self._random = random.Random(seed)

    def fail_next(self, status: int, count: int, method: str | None, after_apply: bool) -> None:
        """Queue ``status`` (400-599 or ``HANG``) for the next ``count`` requests of ``method``
        (any if None); ``ValueError`` if the status or the count is out of range."""
        if status != HANG and not 400 <= status <= 599:
            raise ValueError(f"status must be 400-599 or {HANG} (hang), not {status}")
        if count < 1:
            raise ValueError("count must be at least 1")
        method = method.upper() if method else None
        self._queue.append(_QueuedFault(status, count, method, after_apply))

    def draw(self, method: str) -> FaultPlan:
        """Decide the fault for one incoming request: the queue first, then the probabilities."""
        faults = self.faults
        latency_s, hang_seconds = faults.latency_ms / 1000, faults.hang_seconds
        queued = self._pop_queued(method.upper())
        if queued is not None:
            return FaultPlan(latency_s, queued.status, queued.after_apply, hang_seconds)
        status = self._draw_status(faults)
        after_apply = (
            status is not None
            and status != 429  # a spent budget never performs the operation
            and faults.after_apply_share > 0
            and self._random.random() < faults.after_apply_share
        )
        return FaultPlan(latency_s, status, after_apply, hang_seconds)

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
