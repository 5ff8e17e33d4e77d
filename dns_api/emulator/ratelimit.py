"""DNSimple's hourly rate limit: a budget of requests per window of one hour.

The first request opens a window; each authenticated request spends one unit; once the hour has
passed the next request opens a fresh window with the whole budget. ``HourlyWindow`` is not
thread-safe on its own: ``EmulatorState`` calls it under its lock, with its clock's time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

RATE_LIMIT_WINDOW_S = 3600


@dataclass(frozen=True)
class RateLimit:
    """The values of the ``X-RateLimit-Limit/Remaining/Reset`` headers (reset: Unix seconds)."""

    limit: int
    remaining: int
    reset: int


class HourlyWindow:
    """The current window of a budget of ``limit`` requests an hour."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._end: float | None = None
        self._remaining = limit

    def reset(self) -> None:
        """No window open: the next request opens one with the whole budget."""
        self._end = None
        self._remaining = self.limit

    def snapshot(self, now: float) -> RateLimit:
        """The budget at ``now`` without spending any of it."""
        if self._end is None or now >= self._end:
            return RateLimit(self.limit, self.limit, math.ceil(now) + RATE_LIMIT_WINDOW_S)
        return RateLimit(self.limit, self._remaining, math.ceil(self._end))

    def spend(self, now: float) -> tuple[bool, RateLimit]:
        """Spend one unit; ``(False, ...)`` when the window's budget is already used up."""
        self._open(now)
        allowed = self._remaining > 0
        if allowed:
            self._remaining -= 1
        return allowed, self.snapshot(now)

    def set_remaining(self, now: float, remaining: int) -> RateLimit:
        """Set what is left of the current window (opening one if needed), within the budget."""
        self._open(now)
        self._remaining = max(0, min(remaining, self.limit))
        return self.snapshot(now)

    def _open(self, now: float) -> None:
        if self._end is not None and now >= self._end:
            self._end = None
        if self._end is None:
            self._end = now + RATE_LIMIT_WINDOW_S
            self._remaining = self.limit
