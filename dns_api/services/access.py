"""The checks before every record write, and the one test before showing a record.

A write is authorized twice: before anything is read (``authorize_request``: the global rules,
and some grant for what the request asks, whatever the set holds), so that a token answers the
same whether a set it may not read exists or not; then, once the plan is known,
``authorize_write`` for each kind of operation the plan makes.
"""

from __future__ import annotations

from dns_api.domain.policy import Action, Principal, authorize, decide, is_admin
from dns_api.domain.records import ManagedRecord, ZoneRules
from dns_api.errors import PermissionDenied


def require_admin(principal: Principal, to: str) -> None:
    """What only admins may do (reconcile, adopt, revert, acme-dns administration), checked
    here for the API and the console alike; ``to`` says what, for the refusal."""
    if not is_admin(principal):
        raise PermissionDenied(f"only an admin may {to}")


def _refuse_by_rules(rules: ZoneRules, action: str, zone: str, name: str, type: str) -> None:
    refusal = rules.refusal(zone, name)
    if refusal is not None:
        target = {"zone": zone, "name": name, "type": type, "action": action}
        raise PermissionDenied(refusal, target=target)


def authorize_write(
    rules: ZoneRules, principal: Principal, action: Action, zone: str, name: str, type: str
) -> None:
    """The global rules (zones and deny list as configured now), then the token's grants."""
    _refuse_by_rules(rules, str(action), zone, name, type)
    authorize(principal, action, zone, name, type)


def authorize_request(
    rules: ZoneRules,
    principal: Principal,
    actions: tuple[Action, ...],
    zone: str,
    name: str,
    type: str,
) -> None:
    """Before anything is read: the global rules, and a grant for one of ``actions`` (a set
    written whole needs create or update, whichever the set turns out to need)."""
    wanted = " or ".join(str(a) for a in actions)
    _refuse_by_rules(rules, wanted, zone, name, type)
    if any(decide(principal, a, zone, name, type).allowed for a in actions):
        return
    label = f"{name}.{zone}" if name else zone
    target = {"zone": zone, "name": name, "type": type, "action": wanted}
    raise PermissionDenied(
        f"no grant of this token allows {wanted} of {type} records at {label}", target=target
    )


def may_read(principal: Principal, record: ManagedRecord) -> bool:
    return decide(principal, Action.READ, record.zone, record.name, record.type).allowed


def may_read_set(principal: Principal, zone: str, name: str, type: str) -> bool:
    return decide(principal, Action.READ, zone, name, type).allowed
