"""dns-api changes only records it owns; before creating at a name it looks at DNSimple.

A record dns-api owns has a row (it created the record, or an admin adopted it). Before a plan
creates records at a name, one list call (that name, every type; or the whole zone once, for a
change that creates at many names) shows what DNSimple holds there: a record of the same type
that nobody here owns, or one that would break the CNAME rule, stops the change with 409
instead of a blind second record or DNSimple's raw 400.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping

from dns_api.domain import names
from dns_api.errors import Conflict
from dns_api.providers.base import DnsProvider, ProviderRecord

# Up to this many names are looked up one by one; more, and the whole zone is read once.
NAMES_LOOKED_UP_ONE_BY_ONE = 3


async def check_unowned(
    provider: DnsProvider,
    zone: str,
    creating: Mapping[str, Collection[str]],
    owned_ids: Collection[int],
) -> None:
    """Raise ``Conflict`` when records dns-api does not own stand in the way of creating, at each
    name of ``creating``, records of the types given for it."""
    if len(creating) <= NAMES_LOOKED_UP_ONE_BY_ONE:
        for name in sorted(creating):
            records = await provider.list_records(zone, name=name)
            _check_name(zone, name, creating[name], records, owned_ids)
        return
    by_name: dict[str, list[ProviderRecord]] = defaultdict(list)
    for record in await provider.list_records(zone):
        by_name[record.name].append(record)
    for name in sorted(creating):
        _check_name(zone, name, creating[name], by_name[name], owned_ids)


def _check_name(
    zone: str,
    name: str,
    creating: Collection[str],
    at_name: list[ProviderRecord],
    owned_ids: Collection[int],
) -> None:
    foreign = [r for r in at_name if not r.system_record and r.id not in owned_ids]
    if not foreign:
        return
    fqdn = names.fqdn(name, zone)
    for record_type in sorted(creating):
        same = [r for r in foreign if r.type == record_type]
        if same:
            raise Conflict(
                f"DNSimple already has {_describe(same)} at {fqdn} that dns-api does not "
                f"manage; an admin can take it over: dns-api adopt --zone {zone} "
                f"--name {name or '@'} --type {record_type}"
            )
        clash = _cname_clash(record_type, foreign)
        if clash:
            raise Conflict(
                f"{fqdn} holds {_describe(clash)} that dns-api does not manage, and a CNAME "
                "must be alone at its name"
            )


def _cname_clash(record_type: str, foreign: list[ProviderRecord]) -> list[ProviderRecord]:
    if record_type == "CNAME":
        return foreign
    return [r for r in foreign if r.type == "CNAME"]


def _describe(records: list[ProviderRecord]) -> str:
    shown = ", ".join(f"{r.type} {r.content} (id {r.id})" for r in records[:3])
    more = f" and {len(records) - 3} more" if len(records) > 3 else ""
    return f"{shown}{more}"
