"""The DNS provider of a command that has no DNSimple to talk to (demo mode, no server running).

Every call fails with ``UpstreamUnavailable`` saying why, so a command that does not need
DNSimple (minting a token, reading the audit trail) works, and one that does fails clearly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from dns_api.errors import UpstreamUnavailable
from dns_api.providers.base import (
    AccountIdentity,
    BatchResult,
    NewRecord,
    ProviderRecord,
    RateLimit,
    RecordChanges,
    RecordUpdate,
)

if TYPE_CHECKING:
    from dns_api.providers.base import DnsProvider

REASON = "DNSimple is not configured (no DNSIMPLE_ACCOUNT_TOKEN: demo mode)"


def _refuse() -> NoReturn:
    raise UpstreamUnavailable(REASON)


class UnconfiguredProvider:
    """A ``DnsProvider`` that refuses every call (see the module docstring)."""

    @property
    def rate_limit(self) -> RateLimit | None:
        return None

    async def whoami(self, *, retry: bool = True) -> AccountIdentity:
        _refuse()

    async def list_records(
        self, zone: str, *, name: str | None = None, type: str | None = None
    ) -> list[ProviderRecord]:
        _refuse()

    async def get_record(self, zone: str, record_id: int) -> ProviderRecord:
        _refuse()

    async def create_record(self, zone: str, record: NewRecord) -> ProviderRecord:
        _refuse()

    async def update_record(
        self, zone: str, record_id: int, changes: RecordChanges
    ) -> ProviderRecord:
        _refuse()

    async def delete_record(self, zone: str, record_id: int) -> None:
        _refuse()

    async def batch_change(
        self,
        zone: str,
        *,
        creates: Sequence[NewRecord] = (),
        updates: Sequence[RecordUpdate] = (),
        deletes: Sequence[int] = (),
    ) -> BatchResult:
        _refuse()

    async def aclose(self) -> None:
        return None


if TYPE_CHECKING:

    def _implements_protocol(provider: UnconfiguredProvider) -> DnsProvider:
        return provider
