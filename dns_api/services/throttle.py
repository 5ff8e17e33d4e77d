"""Slow down guessing: a small per-source budget of failed authentications (per process).

Only failures are counted and only failures are refused: valid credentials always pass, so
nobody behind the same NAT or proxy as a guesser is locked out. Each source has a fixed window
that starts at its first failure; past ``limit`` failures in it, a failure answers 429 with
``Retry-After`` (the end of the window) instead of 401. IPv6 sources are counted per /64 (one
subscriber's whole prefix). The bookkeeping is O(1) per failure and bounded: at most
``max_sources`` windows are kept, the least recently failing forgotten first.
"""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict
from collections.abc import Callable

from dns_api.errors import TooManyFailures

MAX_SOURCES = 10_000
UNKNOWN_SOURCE = "?"


def source_key(source: str | None) -> str:
    """What failures are counted by: the address, an IPv6 address's /64."""
    if source is None:
        return UNKNOWN_SOURCE
    try:
        address = ipaddress.ip_address(source)
    except ValueError:
        return UNKNOWN_SOURCE
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class FailureThrottle:
    """At most ``limit`` failures per ``window`` seconds from a source; then 429 until it ends."""

    def __init__(
        self,
        limit: int = 10,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_sources: int = MAX_SOURCES,
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._max_sources = max_sources
        # source -> [start of its window, failures in it], least recently failing first
        self._windows: OrderedDict[str, list[float]] = OrderedDict()

    def failed(self, source: str | None) -> None:
        """Count a failure; raise ``TooManyFailures`` when ``source`` is past its budget."""
        key, now = source_key(source), self._clock()
        window = self._windows.get(key)
        if window is None or now - window[0] >= self._window:
            window = self._windows[key] = [now, 0]
        window[1] += 1
        self._windows.move_to_end(key)
        if len(self._windows) > self._max_sources:
            self._windows.popitem(last=False)
        if window[1] > self._limit:
            raise TooManyFailures(int(window[0] + self._window - now) + 1)

    @property
    def tracked(self) -> int:
        """How many sources have a window (bounded by ``max_sources``)."""
        return len(self._windows)
