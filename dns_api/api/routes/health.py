"""Health checks; none of them needs a token.

- ``GET /``: the original service's check, unchanged (``{"meta": {"status": 200}}``).
- ``GET /health/live``: the process answers (no I/O): 200 ``{"data": {"status": "ok"}}``.
- ``GET /health/ready``: 200 when the database answers, its schema is at the head of the
  migrations and DNSimple answers; else 503, ``data.status`` ``failing`` and, for each check in
  ``data.checks`` (``database``, ``migrations``, ``dnsimple``), ``ok`` and the ``reason`` when
  not. Each check gets ``CHECK_TIMEOUT`` seconds, and they run side by side.

Every DNSimple request, ``whoami`` included, spends the account's hourly budget (2400 requests),
and ``/health/ready`` needs no token. So what DNSimple answered, success or failure, is
remembered for ``DNSIMPLE_CHECK_TTL`` seconds, concurrent probes share one call, and that call
is made once, never retried: however often anyone asks, an instance spends at most 120 calls an
hour on readiness (5 % of the budget), during an outage too. While the budget is known to be
spent DNSimple is not asked and counts as reachable (it answered; reads do not need it).
Reasons never hold a URL, a password or a token.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Connection

from dns_api.api.deps import ServicesDep
from dns_api.api.envelope import reply
from dns_api.api.replies import LiveReply, ReadyReply, RootReply, ok
from dns_api.db import migrate, urls
from dns_api.db.database import Database
from dns_api.errors import StorageUnavailable, UpstreamError, UpstreamRateLimited
from dns_api.providers.base import DnsProvider
from dns_api.services.container import Services

log = logging.getLogger(__name__)

router = APIRouter(tags=["health"])

CHECK_TIMEOUT = 2.0  # seconds
DNSIMPLE_CHECK_TTL = 30.0  # seconds what DNSimple answered (or did not) is trusted
T = TypeVar("T")


@router.get("/", summary="Health check", responses=ok(RootReply))
async def home() -> JSONResponse:
    return reply()


@router.get("/health/live", summary="Liveness: the process answers", responses=ok(LiveReply))
async def live() -> JSONResponse:
    return reply({"status": "ok"}, headers={"Cache-Control": "no-store"})


@router.get(
    "/health/ready",
    summary="Readiness: database, migrations and DNSimple",
    responses=ok(ReadyReply) | ok(ReadyReply, 503, description="A check fails (each says why)"),
)
async def ready(request: Request, services: ServicesDep) -> JSONResponse:
    checks = await _readiness_of(request, services).run()
    ok = all(check.ok for check in checks.values())
    data = {
        "status": "ok" if ok else "failing",
        "checks": {name: check.as_json() for name, check in checks.items()},
    }
    return reply(data, status=200 if ok else 503, headers={"Cache-Control": "no-store"})


def _readiness_of(request: Request, services: Services) -> Readiness:
    readiness: Readiness | None = getattr(request.app.state, "readiness", None)
    if readiness is None:  # made on first use, inside the event loop that will use it
        readiness = request.app.state.readiness = Readiness(services.database, services.provider)
    return readiness


@dataclass(frozen=True, slots=True)
class Check:
    ok: bool
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"ok": True} if self.ok else {"ok": False, "reason": self.reason}


class Readiness:
    """The checks of ``/health/ready``, with what they remember between two probes."""

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
        """Every check, run side by side, each within the timeout."""
        found: dict[str, Check] = {}

        async def storage() -> None:
            found["database"], found["migrations"] = await self.storage()

        async def dnsimple() -> None:
            found["dnsimple"] = await self.dnsimple()

        async with anyio.create_task_group() as checks:
            checks.start_soon(storage)
            checks.start_soon(dnsimple)
        result = {name: found[name] for name in ("database", "migrations", "dnsimple")}
        self._log_change(result)
        return result

    async def storage(self) -> tuple[Check, Check]:
        """The database answers; its schema revision is the migrations' head."""
        try:
            with anyio.fail_after(self._timeout):
                revision = await self._read(_schema_revision)
        except TimeoutError:
            down = Check(False, f"no answer within {self._timeout:g} s")
        except StorageUnavailable as exc:
            down = Check(False, exc.detail)
        except CommandError as exc:  # alembic: a schema it cannot make sense of
            return Check(True), Check(False, f"unreadable schema revision: {exc}")
        else:
            return Check(True), _migrations_check(revision)
        return down, Check(False, "not checked: the database did not answer")

    async def _read(self, work: Callable[[Connection], T]) -> T:
        if urls.is_sqlite(self._database.url):
            return self._database.read_once(work)  # a local file: no network to wait for
        return await anyio.to_thread.run_sync(
            self._database.read_once, work, abandon_on_cancel=True, limiter=self._probe_threads
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


def _schema_revision(connection: Connection) -> str | None:
    # Reading alembic_version is the round trip that shows the database answers.
    return MigrationContext.configure(connection).get_current_revision()


@functools.cache
def _head_revision() -> str | None:
    return migrate.head_revision()


def _migrations_check(revision: str | None) -> Check:
    head = _head_revision()
    if revision == head:
        return Check(True)
    current = revision or "no revision (empty database)"
    return Check(False, f"the schema is at {current}, the code needs {head} (dns-api db upgrade)")
