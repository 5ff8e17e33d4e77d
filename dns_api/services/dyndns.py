"""DynDNS2: set the address records of hosts, one answer line per host (``domain.dyndns``).

Each host is one record-set change (the A and AAAA sets of the addresses given), through the
same authorization, ownership check, intents and audit trail as every write. A host the token
may not write is ``nohost`` (and the refusal is audited, as every refused write is); a set
already holding the address is ``nochg`` without a DNSimple call; DNSimple or the database
failing is ``911``; another refusal (a CNAME or an unmanaged record in the way) is ``dnserr``.
"""

from __future__ import annotations

from collections.abc import Sequence

from dns_api.domain.dyndns import Host, IPAddress, record_type
from dns_api.domain.policy import Principal
from dns_api.domain.rdata import parse_value
from dns_api.domain.rrsets import SetKey
from dns_api.errors import DnsApiError, PermissionDenied, StorageUnavailable, UpstreamError
from dns_api.services.audit import AuditTrail
from dns_api.services.rrsets import RecordSetService, SetRequest


class DynDns:
    def __init__(self, record_sets: RecordSetService, audit: AuditTrail) -> None:
        self._sets = record_sets
        self._audit = audit

    async def update(
        self, principal: Principal, hosts: Sequence[Host], addresses: Sequence[IPAddress]
    ) -> list[str]:
        """The answer line of each host, in order."""
        return [await self._update(principal, host, addresses) for host in hosts]

    async def _update(
        self, principal: Principal, host: Host, addresses: Sequence[IPAddress]
    ) -> str:
        if host.problem is not None or host.zone is None or host.name is None:
            return host.problem or "notfqdn"
        requests = [
            SetRequest(
                SetKey(host.zone, host.name, record_type(address)),
                (parse_value(record_type(address), str(address)),),
            )
            for address in addresses
        ]
        try:
            changes = await self._sets.change(principal, requests)
        except PermissionDenied as exc:
            await self._audit.refused(principal, [exc.target] if exc.target else [], exc.detail)
            return "nohost"
        except (UpstreamError, StorageUnavailable):
            return "911"
        except DnsApiError:
            return "dnserr"
        shown = ",".join(str(address) for address in addresses)
        unchanged = all(change.plan.is_empty for change in changes)
        return f"nochg {shown}" if unchanged else f"good {shown}"
