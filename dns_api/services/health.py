"""Readiness: the checks behind ``/health/ready``, and what they remember between two probes.

Three checks, run side by side, each within ``CHECK_TIMEOUT`` seconds: the database answers,
its schema is at the head of the migrations (both one read, ``dns_api.db.health``), and DNSimple
answers ``whoami``. At most one database probe thread runs at a time, and one that hangs is
abandoned at the timeout, so a hung connection attempt cannot pile up more.

Every DNSimple request, ``whoami`` included, spends the account's hourly budget (2400 requests),
and ``/health/ready`` needs no token. So what DNSimple answered, success or failure, is
remembered for ``DNSIMPLE_CHECK_TTL`` seconds, concurrent probes share one call, and that call
is made once, never retried: however often anyone asks, an instance spends at most 120 calls an
hour on readiness (5 % of the budget), during an outage too. While the budget is known to be
spent DNSimple is not asked and counts as reachable (it answered; reads do not need it).
Reasons never hold a URL, a password or a token. A change between ready and not ready is logged.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import anyio

from dns_api.db import health as storage_probe
from dns_api.db.database import Database
from dns_api.errors import StorageUnavailable, UpstreamError, UpstreamRateLimited
from dns_api.providers.base import DnsProvider

# Under the name these lines have always been logged with (filters and alerts may use it).
log = logging.getLogger("dns_api.api.routes.health")

CHECK_TIMEOUT = 2.0  # seconds
DNSIMPLE_CHECK_TTL = 30.0  # seconds what DNSimple answered (or did not) is trusted
CHECKS = ("database", "migrations", "dnsimple")


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of one check; ``reason`` says why it failed."""

    ok: bool
    reason: str | None = None


class Readiness:
    """The checks of ``/health/ready``, with what they remember between two probes. One per
    process (``Services.readiness``); it may be made before the event loop runs."""

    def __init__(
        self,
        database: Database,
        provider: DnsProvider,
        *,
        timeout: float = CHECK_TIMEOUT,
        dnsimple_ttl: float = DNSIMPLE_CHECK_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._database = database
        self._provider = provider
        self._timeout = timeout
        self._ttl = dnsimple_ttl
        self._clock = clock
        # One database probe thread at a time: a hung connection attempt cannot pile up more.
        self._probe_threads = anyio.CapacityLimiter(1)
        self._dnsimple_lock = anyio.Lock()
        self._dnsimple_checked: tuple[float, Check] = (-math.inf, Check(False))
        self._was_ready: bool | None = None

    async def run(self) -> dict[str, Check]:
        """Every check by name (``CHECKS``), run side by side, each within the timeout."""
        found: dict[str, Check] = {}

        async def storage() -> None:
            found["database"], found["migrations"] = await self.storage()

        async def dnsimple() -> None:
            found["dnsimple"] = await self.dnsimple()

        async with anyio.create_task_group() as checks:
            checks.start_soon(storage)
            checks.start_soon(dnsimple)
        result = {name: found[name] for name in CHECKS}
        self._log_change(result)
        return result

    async def storage(self) -> tuple[Check, Check]:
        """The database answers; its schema revision is the migrations' head."""
        try:
            with anyio.fail_after(self._timeout):
                revision = await self._schema_revision()
        except TimeoutError:
            down = Check(False, f"no answer within {self._timeout:g} s")
        except StorageUnavailable as exc:
            down = Check(False, exc.detail)
        except storage_probe.UnreadableSchema as exc:
            return Check(True), Check(False, f"unreadable schema revision: {exc}")
        else:
            return Check(True), _migrations_check(revision)
        return down, Check(False, "not checked: the database did not answer")

    async def _schema_revision(self) -> str | None:
        if storage_probe.answers_inline(self._database):
            return storage_probe.schema_revision(self._database)  # no network to wait for
        return await anyio.to_thread.run_sync(
            storage_probe.schema_revision,
            self._database,
            abandon_on_cancel=True,
            limiter=self._probe_threads,
        )

    async def dnsimple(self) -> Check:
        """DNSimple answers ``whoami`` (what it answered is trusted for the TTL)."""
        async with self._dnsimple_lock:  # concurrent probes share one call
            until, check = self._dnsimple_checked
            if self._clock() >= until:
                check = await self._ask_dnsimple()
                self._dnsimple_checked = (self._clock() + self._ttl, check)
        return check

    async def _ask_dnsimple(self) -> Check:
        seen = self._provider.rate_limit
        if seen is not None and seen.remaining <= 0 and seen.reset > time.time():
            return Check(True)  # it answered lately, and asking now would only be refused
        try:
            with anyio.fail_after(self._timeout):
                await self._provider.whoami(retry=False)
        except TimeoutError:
            return Check(False, f"DNSimple did not answer within {self._timeout:g} s")
        except UpstreamRateLimited:
            return Check(True)
        except UpstreamError as exc:
            return Check(False, f"{exc.code}: {exc.detail}")
        return Check(True)

    def _log_change(self, checks: dict[str, Check]) -> None:
        ready = all(check.ok for check in checks.values())
        if ready == self._was_ready:
            return
        if ready:
            log.info("ready")
        else:
            reasons = "; ".join(f"{n}: {c.reason}" for n, c in checks.items() if not c.ok)
            log.warning("not ready: %s", reasons)
        self._was_ready = ready


def _migrations_check(revision: str | None) -> Check:
    head = storage_probe.head_revision()
    if revision == head:
        return Check(True)
    current = revision or "no revision (empty database)"
    return Check(False, f"the schema is at {current}, the code needs {head} (dns-api db upgrade)")
