"""``dns-api acme-dns``: the acme-dns registrations (list, revoke), on this machine's database.

Admins have the same over HTTP: ``GET /acme-dns/registrations``,
``DELETE /acme-dns/registrations/<id>``.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from dns_api.cli.common import settings_or_exit
from dns_api.cli.server_side import on_services
from dns_api.services.acme_dns import Registration
from dns_api.views import timestamp

app = typer.Typer(no_args_is_help=True)


def _row(registration: Registration) -> dict[str, object]:
    return {
        "id": registration.id,
        "username": registration.username,
        "fulldomain": registration.fulldomain,
        "allowfrom": list(registration.allowfrom),
        "created": timestamp(registration.created_at),
        "created_by": registration.created_by,
        "revoked": timestamp(registration.revoked_at) if registration.revoked_at else None,
    }


@app.command("list")
def list_registrations(
    as_json: Annotated[bool, typer.Option("--json", help="JSON for scripts.")] = False,
) -> None:
    """Every acme-dns registration (never a key)."""
    found = on_services(settings_or_exit(), lambda s: s.acme_dns.every_registration(), writes=False)
    rows = [_row(r) for r in found]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("id", "fulldomain", "allowfrom", "created", "by", "status")
    for row in rows:
        status = "revoked" if row["revoked"] else "active"
        allowfrom = ", ".join(row["allowfrom"]) or "anywhere"  # type: ignore[arg-type]
        table.add_row(
            str(row["id"]), str(row["fulldomain"]), allowfrom, str(row["created"]),
            str(row["created_by"]), status,
        )  # fmt: skip
    Console(width=160).print(table)


@app.command("revoke")
def revoke(
    registration_id: Annotated[int, typer.Argument(help="The registration's id (see list).")],
) -> None:
    """Revoke a registration: its credentials stop working on the next request."""
    revoked = on_services(
        settings_or_exit(), lambda s: s.acme_dns.revoke(registration_id, "cli"), writes=True
    )
    typer.echo(f"acme-dns registration {revoked.id} ({revoked.fulldomain}) revoked")
