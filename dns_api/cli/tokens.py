"""``dns-api token``: scoped tokens (create, list, revoke, rotate) and the original tokens (print).

``dns-api token print USER`` prints that user's original token alone, for ``TOKEN=$(...)``.

These commands work on the server's database directly; the HTTP API offers the same to a token
that holds the ``tokens`` permission.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from dns_api.cli.common import fail, settings_or_exit
from dns_api.cli.server_side import on_services, option
from dns_api.domain.delegation import TokenRequest
from dns_api.domain.records import ZoneRules
from dns_api.domain.token_spec import token_request
from dns_api.errors import ValidationFailed
from dns_api.services.clock import utc_now
from dns_api.services.container import legacy_verifier, zone_rules
from dns_api.services.tokens import IssuedToken, TokenService
from dns_api.settings import Settings
from dns_api.views import token_json

app = typer.Typer(no_args_is_help=True)
T = TypeVar("T")


def token_lines(settings: Settings) -> list[str]:
    """One ``*** token for <user>: <token>`` line per user, as the original token-generator."""
    verifier = legacy_verifier(settings)
    return [f"*** token for {user}: {verifier.issue(user)}" for user in settings.valid_users]


@app.command("print")
def print_tokens(
    user: Annotated[
        str | None, typer.Argument(help="Print only this user's token, bare (for scripts).")
    ] = None,
) -> None:
    """Print the original kind of token for each user in VALID_USERS (signed with SECRET_KEY)."""
    settings = settings_or_exit()
    if settings.secret_key is None:  # demo mode before `dns-api serve` made data/demo-secret-key
        fail("no SECRET_KEY: set it, or in demo mode start dns-api serve in this folder first", 2)
    if user is not None:
        if user not in settings.valid_users:
            fail(f"{user!r} is not in VALID_USERS ({', '.join(settings.valid_users)})", 2)
        typer.echo(legacy_verifier(settings).issue(user))
        return
    if not settings.valid_users:
        fail("VALID_USERS is empty: list the users that may hold tokens", 2)
    for line in token_lines(settings):
        typer.echo(line)


def _with_tokens(
    settings: Settings, work: Callable[[TokenService], Awaitable[T]], *, writes: bool = True
) -> T:
    return on_services(settings, lambda services: work(services.tokens), writes=writes)


def _split(values: list[str]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _show_secret(issued: IssuedToken) -> None:
    typer.echo(f"token {issued.info.id} ({issued.info.name}) for {issued.info.owner}:")
    typer.echo(issued.secret)
    typer.echo("Store it now: it is not shown again.", err=True)


@app.command("create")
def create(
    owner: Annotated[str, typer.Option(help="The user the token acts for.")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. ci-previews.")],
    zone: Annotated[list[str], typer.Option(help="Zone(s) or '*' (repeatable, or commas).")],
    name_pattern: Annotated[
        list[str], typer.Option(help="Name pattern(s): '@', 'pr-*', '_acme-challenge.**', '**'.")
    ],
    type: Annotated[list[str], typer.Option("--type", help="Record type(s) or '*'.")],
    action: Annotated[list[str], typer.Option(help="read, create, update, delete (commas).")],
    expires: Annotated[str | None, typer.Option(help="Lifetime (1h, 30d) or ISO time.")] = None,
    cidr: Annotated[list[str] | None, typer.Option(help="Allowed source network(s).")] = None,
    can_mint: Annotated[
        bool, typer.Option(help="May mint narrower tokens via POST /tokens.")
    ] = False,
) -> None:
    """Create a scoped token holding one grant; prints the secret once."""
    settings = settings_or_exit()
    if not name.strip() or len(name) > 100:
        fail("--name: must be 1 to 100 characters", 2)
    grant = {
        "zones": _split(zone),
        "names": _split(name_pattern),
        "types": _split(type),
        "actions": _split(action),
    }
    request = _parse(zone_rules(settings), grant, expires, _split(cidr or []), can_mint)
    issued = _with_tokens(
        settings, lambda t: t.mint(name=name, owner=owner, request=request, created_by="cli")
    )
    _show_secret(issued)


def _parse(
    rules: ZoneRules,
    grant: dict[str, list[str]],
    expires: str | None,
    cidrs: list[str],
    can_mint: bool,
) -> TokenRequest:
    try:
        return token_request(
            grants=[grant],
            expires=expires,
            networks=cidrs,
            can_mint=can_mint,
            rules=rules,
            now=utc_now(),
        )
    except ValidationFailed as exc:
        fail("; ".join(f"--{option(p.field)}: {p.message}" for p in exc.problems), 2)


def _grants_text(grants: list[dict[str, list[str]]]) -> str:
    lines = []
    for g in grants:
        what = " ".join(",".join(g[part]) for part in ("actions", "types", "names"))
        lines.append(f"{what} in {','.join(g['zones'])}")
    return "\n".join(lines)


@app.command("list")
def list_tokens(
    as_json: Annotated[bool, typer.Option("--json", help="JSON for scripts.")] = False,
) -> None:
    """Every scoped token (never the secrets)."""
    settings = settings_or_exit()
    now = utc_now()
    found = _with_tokens(settings, lambda t: t.list_all(), writes=False)
    tokens = [token_json(t, now) for t in found]
    if as_json:
        typer.echo(json.dumps(tokens, indent=2))
        return
    table = Table("id", "name", "owner", "grants", "expires", "last used", "status")
    for t in tokens:
        table.add_row(
            str(t["id"]),
            t["name"],
            t["owner"],
            _grants_text(t["grants"]),
            t["expires"] or "never",
            t["last_used"] or "never",
            t["status"],
        )
    Console(width=160).print(table)


@app.command("revoke")
def revoke(
    token_id: Annotated[int | None, typer.Argument(help="The token's id (see list).")] = None,
    owner: Annotated[
        str | None, typer.Option(help="Revoke every token of this owner instead.")
    ] = None,
) -> None:
    """Revoke a token (and what it minted): it stops working on the next request, everywhere."""
    settings = settings_or_exit()
    if (token_id is None) == (owner is None):
        fail("give either a token id or --owner", 2)
    if owner is not None:
        count = _with_tokens(settings, lambda t: t.revoke_owner(owner, by="cli"))
        typer.echo(f"{count} token(s) of {owner} revoked")
        return
    assert token_id is not None
    info = _with_tokens(settings, lambda t: t.revoke(token_id, by="cli"))
    typer.echo(f"token {info.id} ({info.name}) revoked")


@app.command("rotate")
def rotate(token_id: Annotated[int, typer.Argument(help="The token's id (see list).")]) -> None:
    """Give a token a new secret (same grants); the old secret stops working at once."""
    settings = settings_or_exit()
    _show_secret(_with_tokens(settings, lambda t: t.rotate(token_id)))
