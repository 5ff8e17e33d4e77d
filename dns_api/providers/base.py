"""What dns-api needs from a DNS provider, in dns-api's own terms.

Only ``providers.dnsimple`` speaks DNSimple's HTTP; everything else sees these dataclasses and
the errors of ``dns_api.errors``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ProviderRecord:
    """A record as the provider holds it. ``name`` is relative to the zone; ``""`` is the apex."""

    id: int
    zone: str
    name: str
    type: str
    content: str
    ttl: int
    priority: int | None = None
    system_record: bool = False
    regions: tuple[str, ...] = ("global",)
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewRecord:
    """What to create. ``name`` is relative to the zone; ``""`` is the apex."""

    name: str
    type: str
    content: str
    ttl: int
    priority: int | None = None


@dataclass(frozen=True, slots=True)
class RecordChanges:
    """A partial update (PATCH): only the fields that are not ``None`` are sent."""

    content: str | None = None
    ttl: int | None = None
    priority: int | None = None


@dataclass(frozen=True, slots=True)
class RecordUpdate:
    """One update of a batch: the record ``id`` and what to change."""

    id: int
    changes: RecordChanges


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What a batch changed, in the order the batch listed each kind."""

    created: tuple[ProviderRecord, ...] = ()
    updated: tuple[ProviderRecord, ...] = ()
    deleted: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class RateLimit:
    """DNSimple's ``X-RateLimit-*`` headers of the latest response."""

    limit: int
    remaining: int
    reset: int  # Unix seconds


@dataclass(frozen=True, slots=True)
class AccountIdentity:
    """Who the provider credentials belong to (``whoami``)."""

    account_id: int | None
    account_email: str | None = None
    user_id: int | None = None
    user_email: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


class DnsProvider(Protocol):
    """A DNS provider account. Every method raises ``UpstreamError`` subclasses on failure."""

    @property
    def rate_limit(self) -> RateLimit | None:
        """The rate-limit state seen on the latest response, if any."""
        ...

    async def whoami(self, *, retry: bool = True) -> AccountIdentity:
        """Identify the credentials. ``retry=False``: one attempt, whatever the policy says
        (a health probe that anyone may trigger)."""
        ...

    async def list_records(
        self, zone: str, *, name: str | None = None, type: str | None = None
    ) -> list[ProviderRecord]:
        """Every record of ``zone`` (all pages), optionally filtered by exact name and type."""
        ...

    async def get_record(self, zone: str, record_id: int) -> ProviderRecord:
        """One record by id; ``UpstreamNotFound`` when it is gone."""
        ...

    async def create_record(self, zone: str, record: NewRecord) -> ProviderRecord:
        """Create one record and return it as stored."""
        ...

    async def update_record(
        self, zone: str, record_id: int, changes: RecordChanges
    ) -> ProviderRecord:
        """Change one record in place (PATCH) and return it as stored."""
        ...

    async def delete_record(self, zone: str, record_id: int) -> None:
        """Delete one record; ``UpstreamNotFound`` when it was already gone."""
        ...

    async def batch_change(
        self,
        zone: str,
        *,
        creates: Sequence[NewRecord] = (),
        updates: Sequence[RecordUpdate] = (),
        deletes: Sequence[int] = (),
    ) -> BatchResult:
        """Apply deletes, then updates, then creates in one atomic call (all or nothing).

        Raises ``UpstreamFeatureUnavailable`` when the account's plan has no batch changes
        (DNSimple answers 412), and ``UpstreamRejected`` when one operation is invalid.
        """
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
