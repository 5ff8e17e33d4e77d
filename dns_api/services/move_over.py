"""Moving over from python-dns-api: its records become dns-api's, once, with the same ids.

When the database holds the original service's ``record`` table and nothing was imported from
it yet, every row is checked against today's rules (a configured zone, a valid name not on the
deny list, a valid value, no two rows for one type and name, no clash with records dns-api has).
Any problem stops the import with one line per row, and nothing is imported. Otherwise every row
becomes a managed record with the same id, DNSimple record id and creation time (origin
``imported``), names and values normalised (case, trailing dots); later ids continue after them.

The original kept no TTL (it sent ``DNSIMPLE_DOMAIN_TTL``) and sent priority 10 with every
record: the TTL is read from DNSimple (one listing per zone) where it answers, else taken from
``DNSIMPLE_DOMAIN_TTL``; A and CNAME records get no priority. A row whose DNSimple record is gone
is imported all the same, so ``dns-api reconcile`` shows it as missing. The import, its audit
events and its marker are one transaction (``dns_api.db.original.import_once``). The original's
table is left as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from dns_api.db import original
from dns_api.db.audit import Actor
from dns_api.db.database import Database
from dns_api.db.original import ImportedRecord, OriginalRow
from dns_api.domain.problems import Field, renamed
from dns_api.domain.records import RecordSpec, ZoneRules, validate_record
from dns_api.errors import ImportRefused, UpstreamError, ValidationFailed
from dns_api.providers.base import DnsProvider, ProviderRecord
from dns_api.services.clock import utc_now

log = logging.getLogger(__name__)

ACTOR = "python-dns-api"  # who made the records, as far as dns-api can tell
ORIGIN = "imported"
FIELDS = {  # the original's column names
    Field.TYPE: "domain_type",
    Field.ZONE: "domain",
    Field.NAME: "subdomain",
    Field.CONTENT: "to",
}


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import did."""

    records: int
    ttl_from_dnsimple: bool
    missing: list[int] = field(default_factory=list)  # ids whose DNSimple record is gone
    note: str = ""


@dataclass(frozen=True, slots=True)
class _Checked:
    row: OriginalRow
    spec: RecordSpec


async def move_over(
    database: Database, provider: DnsProvider | None, rules: ZoneRules
) -> Imported | None:
    """Import the original's records if there are any not imported yet (``None`` otherwise).
    ``provider=None``: DNSimple is not asked (TTLs from ``DNSIMPLE_DOMAIN_TTL``)."""
    rows = await database.read(original.pending_rows)
    if rows is None:
        return None
    checked = _check(rows, rules)
    upstream, reason = await _upstream(provider, sorted({c.spec.zone for c in checked}))
    records = [_record(c, upstream, rules) for c in checked]
    missing = [c.row.id for c in checked if upstream is not None and _at(upstream, c) is None]
    ttls = "from DNSimple" if upstream is not None else f"from DNSIMPLE_DOMAIN_TTL ({reason})"
    note = f"{len(records)} records from python-dns-api's table; TTLs {ttls}"
    now = utc_now()
    outcome = await database.run(
        lambda session: original.import_once(
            session, records, now=now, note=note, actor=Actor("dns-api")
        )
    )
    if outcome.clashes:
        raise ImportRefused(list(outcome.clashes))
    if not outcome.saved:
        return None  # another instance imported them meanwhile
    log.warning("moved over: %s", note)
    return Imported(len(records), upstream is not None, missing, note)


def _check(rows: Sequence[OriginalRow], rules: ZoneRules) -> list[_Checked]:
    """Each row as a record of today's rules; ``ImportRefused`` listing every row that is not."""
    checked: list[_Checked] = []
    problems: list[str] = []
    seen: dict[tuple[str, str, str], OriginalRow] = {}
    for row in rows:
        try:
            spec = _spec(row, rules)
        except ValidationFailed as exc:
            reasons = "; ".join(f"{p.field} {p.message}" for p in renamed(exc, FIELDS).problems)
            problems.append(f"{row.label}: {reasons}")
            continue
        key = (spec.type, spec.zone, spec.name)
        if key in seen:
            problems.append(
                f"{row.label}: the same {spec.type} record {spec.fqdn} as {seen[key].label}"
            )
            continue
        seen[key] = row
        checked.append(_Checked(row, spec))
    if problems:
        raise ImportRefused(problems)
    return checked


def _spec(row: OriginalRow, rules: ZoneRules) -> RecordSpec:
    return validate_record(
        rules,
        type=row.domain_type,
        zone=row.domain,
        name=row.subdomain,
        content=row.to,
    )


async def _upstream(
    provider: DnsProvider | None, zones: list[str]
) -> tuple[dict[int, ProviderRecord] | None, str]:
    """Every record of ``zones`` at DNSimple by id, or ``None`` and why it could not be read."""
    if provider is None:
        return None, "DNSimple was not asked"
    found: dict[int, ProviderRecord] = {}
    try:
        for zone in zones:
            found.update((r.id, r) for r in await provider.list_records(zone))
    except UpstreamError as exc:
        return None, f"DNSimple could not be read: {exc.code}"
    return found, ""


def _at(upstream: dict[int, ProviderRecord], checked: _Checked) -> ProviderRecord | None:
    record = upstream.get(checked.row.dnsimple_record_id)
    return record if record is not None and record.type == checked.spec.type else None


def _record(
    checked: _Checked, upstream: dict[int, ProviderRecord] | None, rules: ZoneRules
) -> ImportedRecord:
    spec, row = checked.spec, checked.row
    found = _at(upstream, checked) if upstream is not None else None
    return ImportedRecord(
        id=row.id,
        zone=spec.zone,
        name=spec.name,
        type=spec.type,
        content=spec.value.content,
        ttl=found.ttl if found is not None else rules.default_ttl,
        priority=spec.value.priority,
        dnsimple_record_id=row.dnsimple_record_id,
        created_at=row.created or utc_now(),
        created_by=ACTOR,
        origin=ORIGIN,
    )
