"""The one check before every record write, and the one test before showing a record."""

from __future__ import annotations

from dns_api.domain.policy import Action, Principal, authorize, decide
from dns_api.domain.records import ManagedRecord, ZoneRules
from dns_api.errors import PermissionDenied


def authorize_write(
    rules: ZoneRules, principal: Principal, action: Action, zone: str, name: str, type: str
) -> None:
    """The global rules (zones and deny list as configured now), then the token's grants."""
    refusal = rules.refusal(zone, name)
    if refusal is not None:
        target = {"zone": zone, "name": name, "type": type, "action": str(action)}
        raise PermissionDenied(refusal, target=target)
    authorize(principal, action, zone, name, type)


def may_read(principal: Principal, record: ManagedRecord) -> bool:
    return decide(principal, Action.READ, record.zone, record.name, record.type).allowed


def may_read_set(principal: Principal, zone: str, name: str, type: str) -> bool:
    return decide(principal, Action.READ, zone, name, type).allowed
