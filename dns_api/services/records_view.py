"""Rows of the records table as the domain's ``ManagedRecord``."""

from __future__ import annotations

from typing import Any

from dns_api.domain.records import ManagedRecord


def to_managed(row: Any) -> ManagedRecord:
    """From an ORM ``RecordRow`` or a Core row of the records table (same attribute names)."""
    return ManagedRecord(
        id=row.id,
        zone=row.zone,
        name=row.name,
        type=row.type,
        content=row.content,
        ttl=row.ttl,
        priority=row.priority,
        dnsimple_record_id=row.dnsimple_record_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
    )
