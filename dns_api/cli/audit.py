"""``dns-api audit``: the audit trail, newest first, read from the server's database.

The same filters as ``GET /audit``; the command sees every event (it runs where the database
is, as an admin would).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from dns_api.cli.common import fail, settings_or_exit
from dns_api.cli.server_side import on_services
from dns_api.db.audit import Filters
from dns_api.domain import names
from dns_api.errors import ValidationFailed
from dns_api.services.audit_filters import build_filters
from dns_api.settings import Settings
from dns_api.views import event_json


def audit(
    zone: Annotated[str | None, typer.Option(help="Only this zone.")] = None,
    name: Annotated[str | None, typer.Option(help="Only this name (@ for the apex).")] = None,
    actor: Annotated[str | None, typer.Option(help="Only this user.")] = None,
    action: Annotated[
        str | None, typer.Option(help="Only this action, e.g. record:updated.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="From this time on (ISO-8601).")] = None,
    until: Annotated[str | None, typer.Option(help="Before this time (ISO-8601).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000, help="At most this many.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="JSON for scripts.")] = False,
) -> None:
    """The audit trail, newest first: who changed which record, when, from what to what."""
    try:
        filters = build_filters(
            zone=zone,
            name=name,
            actor=actor,
            action=action,
            since=since,
            until=until,
            location="option",
        )
    except ValidationFailed as exc:
        fail("; ".join(f"--{p.field}: {p.message}" for p in exc.problems), 2)
    events = [event_json(e) for e in _search(settings_or_exit(), filters, limit)]
    if as_json:
        typer.echo(json.dumps(events, indent=2))
        return
    _print_table(events)


def _search(settings: Settings, filters: Filters, limit: int) -> list[Any]:
    return on_services(
        settings, lambda services: services.audit.search(filters, limit=limit), writes=False
    )


def _print_table(events: list[dict[str, Any]]) -> None:
    table = Table("id", "time", "actor", "action", "outcome", "record", "change")
    for e in events:
        actor = e["actor"] if e["token_id"] is None else f"{e['actor']} (token {e['token_id']})"
        table.add_row(
            str(e["id"]),
            e["at"],
            actor,
            e["action"],
            e["outcome"],
            _subject(e),
            _change(e),
        )
    Console(width=160).print(table)


def _subject(event: dict[str, Any]) -> str:
    if event["zone"] is None:
        return event["detail"] or ""
    name = "" if event["name"] in (None, "@") else event["name"]
    return f"{names.fqdn(name, event['zone'])} {event['type'] or ''}".strip()


def _state(state: dict[str, Any] | None) -> str:
    if not state:
        return "-"
    if "value" in state:
        return f"{state['value']} (ttl {state.get('ttl')})"
    return str(state.get("name") or state.get("id") or "")


def _change(event: dict[str, Any]) -> str:
    if event["before"] is None and event["after"] is None:
        return (event["detail"] or "") if event["zone"] else ""
    return f"{_state(event['before'])} -> {_state(event['after'])}"
