"""Slow down guessing: a small per-source budget of failed authentications (per process)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from dns_api.errors import TooManyFailures

MAX_SOURCES = 10_000


class FailureThrottle:
    """At most ``limit`` failures per ``window`` seconds from a source; then 429 until it clears."""

    def __init__(
        self, limit: int = 10, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def check(self, source: str | None) -> None:
        """Raise ``TooManyFailures`` while ``source`` is over its budget."""
        recent = self._recent(source or "?")
        if len(recent) >= self._limit:
            retry_after = int(recent[0] + self._window - self._clock()) + 1
            raise TooManyFailures(retry_after)

    def record_failure(self, source: str | None) -> None:
        key = source or "?"
        if key not in self._failures and len(self._failures) >= MAX_SOURCES:
            self._forget_idle()
        self._failures.setdefault(key, deque()).append(self._clock())

    def _recent(self, key: str) -> deque[float]:
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        horizon = self._clock() - self._window
        while failures and failures[0] <= horizon:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return failures

    def _forget_idle(self) -> None:
        for key in list(self._failures):
            self._recent(key)
        if len(self._failures) >= MAX_SOURCES:
            self._failures.pop(next(iter(self._failures)))
