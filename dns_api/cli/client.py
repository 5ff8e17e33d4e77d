"""``dns-api whoami``, ``dns-api zones`` and ``dns-api records``: a client of a running server.

Where and as whom: ``--url`` (or ``DNS_API_URL``, default http://127.0.0.1:8000) and ``--token``
(or ``DNS_API_TOKEN``, which keeps the token out of the process list). Tables for people;
``--json`` prints the answer's ``data`` as one JSON document, for scripts.

Exit codes: 0 ok; 1 usage or other error; 2 not found (404); 3 refused (401, 403, 429);
4 conflict or precondition failed (409, 412); 5 invalid input (422); 6 the server or DNSimple
unavailable (5xx, connection refused, timeout). Errors are one line on stderr:
``dns-api: <status> <detail> (<field>)``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text
from typer.core import TyperCommand, TyperGroup

from dns_api.cli.client_http import EXIT_USAGE, ApiClient, ClientError, check_ascii, set_path
from dns_api.cli.common import fail
from dns_api.domain.names import split_fqdn

PANEL = "Client (talks to a running server)"
DEFAULT_URL = "http://127.0.0.1:8000"
EXIT_CODES = (
    "Exit codes: 0 ok, 1 usage, 2 not found (404), 3 refused (401/403),\n"
    "4 conflict or stale --if-match (409/412), 5 invalid input (422),\n"
    "6 server or DNSimple unavailable (5xx, connection refused, timeout)."
)
T = TypeVar("T")


@contextmanager
def _usage_exits_1() -> Iterator[None]:
    # Click exits 2 on a usage error, but here 2 means "not found": a script must see 1.
    # Matched by name: Typer may vendor Click, so the class is not importable in one way.
    try:
        yield
    except Exception as exc:
        if any(cls.__name__ == "UsageError" for cls in type(exc).__mro__):
            setattr(exc, "exit_code", EXIT_USAGE)  # noqa: B010
        raise


class ClientCommand(TyperCommand):
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        with _usage_exits_1():
            return super().parse_args(ctx, args)


class ClientGroup(TyperGroup):
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        with _usage_exits_1():
            return super().parse_args(ctx, args)

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        with _usage_exits_1():
            return super().resolve_command(ctx, args)


records = typer.Typer(
    cls=ClientGroup,
    no_args_is_help=True,
    help=f"Record sets: list, get, set (to exactly these values), delete.\n\n{EXIT_CODES}",
)

Url = Annotated[
    str, typer.Option("--url", envvar="DNS_API_URL", help="The dns-api server's base URL.")
]
Token = Annotated[
    str | None,
    typer.Option("--token", envvar="DNS_API_TOKEN", help="Bearer token (DNS_API_TOKEN is safer)."),
]
Json = Annotated[bool, typer.Option("--json", help="Print the answer's data as JSON.")]
Name = Annotated[
    str, typer.Argument(metavar="NAME", help="pr-42.example.com, or pr-42 (or @) with --zone.")
]
Type = Annotated[
    str, typer.Argument(metavar="TYPE", help="A, AAAA, CNAME, ALIAS, TXT, MX, SRV or CAA.")
]
Zone = Annotated[
    str | None, typer.Option("--zone", help="The zone (default: cut from NAME, longest first).")
]
IfMatch = Annotated[
    str | None, typer.Option("--if-match", help="Only if the set's ETag is still this (else 4).")
]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show what would change; change nothing.")]


def _run(url: str, token: str | None, work: Callable[[ApiClient], T]) -> T:
    try:
        with ApiClient(url, token) as client:
            return work(client)
    except ClientError as exc:
        fail(exc.message, exc.exit_code)


def _console() -> Console:
    return Console(highlight=False)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def whoami(url: Url = DEFAULT_URL, token: Token = None, as_json: Json = False) -> None:
    """Who the token belongs to and what it may do.

    Exit codes: 0 ok, 1 usage, 3 refused (401/403), 6 server unavailable.
    """
    data = _run(url, token, lambda client: client.call("GET", "/whoami").data)
    if as_json:
        _print_json(data)
        return
    info = data.get("token") or {}
    named = f" {info['name']!r}" if info.get("name") else ""
    typer.echo(f"{data.get('id')} ({info.get('kind')} token{named})")
    parts = ("zones", "names", "types", "actions")
    table = Table(*parts)
    for grant in info.get("grants") or []:
        table.add_row(*(Text(", ".join(grant.get(part, []))) for part in parts))
    _console().print(table)
    if info.get("cidrs"):
        typer.echo(f"from: {', '.join(info['cidrs'])}")
    if info.get("expires"):
        typer.echo(f"expires: {info['expires']}")


def list_zones(url: Url = DEFAULT_URL, token: Token = None, as_json: Json = False) -> None:
    """The zones this token may read.

    Exit codes: 0 ok, 1 usage, 3 refused (401/403), 6 server unavailable.
    """
    data = _run(url, token, lambda client: client.call("GET", "/zones").data)
    if as_json:
        _print_json(data)
        return
    table = Table("zone", "unicode")
    for zone in data:
        shown = zone["name_unicode"] if zone["name_unicode"] != zone["name"] else ""
        table.add_row(Text(zone["name"]), Text(shown))
    _console().print(table)


def _sets_table(sets: list[dict[str, Any]]) -> Table:
    table = Table(
        Column("name", overflow="fold"), "type", "ttl", Column("records", overflow="fold")
    )
    for record_set in sets:
        table.add_row(
            Text(record_set["fqdn_unicode"]),
            record_set["type"],
            str(record_set["ttl"]),
            Text("\n".join(record_set["records"])),
        )
    return table


@records.command("list", cls=ClientCommand)
def list_sets(
    zone: Annotated[
        str | None, typer.Argument(metavar="ZONE", help="Only this zone (default: all).")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Only this name.")] = None,
    type: Annotated[str | None, typer.Option("--type", help="Only this type.")] = None,
    url: Url = DEFAULT_URL,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """The record sets the token may read, in name then type order.

    Exit codes: 0 ok (also when none match), 1 usage, 3 refused (401/403),
    5 invalid filter (422), 6 server unavailable.
    """

    def work(client: ApiClient) -> list[dict[str, Any]]:
        zones = [zone] if zone else client.zone_names()
        wanted = name
        found = split_fqdn(name, zones) if name and not zone else None
        if found is not None:
            zones, wanted = [found[0]], found[1] or "@"
        return [s for z in zones for s in client.sets(z, wanted, type)]

    sets = _run(url, token, work)
    if as_json:
        _print_json(sets)
        return
    _console().print(_sets_table(sets))


@records.command("get", cls=ClientCommand)
def get_set(
    name: Name,
    type: Type,
    zone: Zone = None,
    url: Url = DEFAULT_URL,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """One record set, with its ETag (for --if-match).

    Exit codes: 0 ok, 1 usage, 2 no such set (404), 3 refused (401/403),
    5 invalid name or type (422), 6 server unavailable.
    """

    def work(client: ApiClient) -> Any:
        return client.call("GET", set_path(*client.locate(name, zone), type)).data

    record_set = _run(url, token, work)
    if as_json:
        _print_json(record_set)
        return
    _console().print(_sets_table([record_set]))
    typer.echo(f"etag: {record_set['etag']}")


@records.command("set", cls=ClientCommand)
def set_values(
    name: Name,
    type: Type,
    values: Annotated[
        list[str],
        typer.Argument(metavar="VALUE", help="As in a zone file: '10 mail.example.com'."),
    ],
    zone: Zone = None,
    ttl: Annotated[int | None, typer.Option("--ttl", help="Seconds (default: kept).")] = None,
    if_match: IfMatch = None,
    dry_run: DryRun = False,
    url: Url = DEFAULT_URL,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Make a record set exactly these values; prints what changed.

    Exit codes: 0 ok, 1 usage, 3 refused (401/403),
    4 conflict or stale --if-match (409/412), 5 invalid input (422),
    6 server or DNSimple unavailable (a retry is safe: the set ends up the same).
    """
    body: dict[str, Any] = {"records": values}
    if ttl is not None:
        body["ttl"] = ttl

    def send(client: ApiClient) -> Any:
        path = set_path(*client.locate(name, zone), type)
        return client.call("PUT", path, **_write_options(if_match, dry_run), body=body).data

    _show_change(_run(url, token, send), as_json)


@records.command("delete", cls=ClientCommand)
def delete_set(
    name: Name,
    type: Type,
    zone: Zone = None,
    if_match: IfMatch = None,
    dry_run: DryRun = False,
    url: Url = DEFAULT_URL,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Delete a record set.

    Exit codes: 0 ok, 1 usage, 2 no such set (404), 3 refused (401/403),
    4 conflict or stale --if-match (409/412), 5 invalid input (422),
    6 server or DNSimple unavailable.
    """

    def send(client: ApiClient) -> Any:
        path = set_path(*client.locate(name, zone), type)
        return client.call("DELETE", path, **_write_options(if_match, dry_run)).data

    _show_change(_run(url, token, send), as_json)


def _write_options(if_match: str | None, dry_run: bool) -> dict[str, dict[str, str] | None]:
    return {
        "headers": {"If-Match": check_ascii("--if-match", if_match)} if if_match else None,
        "params": {"dry_run": "true"} if dry_run else None,
    }


def _show_change(change: dict[str, Any], as_json: bool) -> None:
    if as_json:
        _print_json(change)
        return
    after = change["rrset"]
    label = f"{after['type']} {after['fqdn_unicode']}"
    dry = change["dry_run"]
    if not change["changes"]:
        typer.echo(f"{label}: unchanged (nothing to do)")
        return
    counts = ", ".join(f"{n} {what}" for what, n in change["summary"].items() if n)
    typer.echo(f"{label} {'would change (dry run)' if dry else 'changed'}: {counts}")
    table = Table(
        "action", Column("value", overflow="fold"), "ttl", Column("before", overflow="fold")
    )
    for op in change["changes"]:
        before = op.get("before")
        was = f"{before['value']} (ttl {before['ttl']})" if before else ""
        table.add_row(op["action"], Text(op["value"]), str(op["ttl"]), Text(was))
    _console().print(table)
    if not after["records"]:
        typer.echo(f"{label} {'would be' if dry else 'is'} deleted")
        return
    now = ", ".join(after["records"])
    typer.echo(
        f"{label} {'would be' if dry else 'is'} {now} (ttl {after['ttl']}), etag {after['etag']}"
    )
