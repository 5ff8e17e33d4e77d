"""``dns-api emulator``: the DNSimple emulator as a stand-alone server, optionally also
answering DNS queries for its zones (``--dns-port``).

Its first line says what a client needs: the base URL (the API is under ``/v2``), the token and
the account id; the second gives the same as dns-api's settings. Both show the port actually
bound, also when ``--port 0`` let the system choose one."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated

import typer

from dns_api.cli.common import fail
from dns_api.emulator import EmulatorState
from dns_api.emulator.dns import RunningDns, start_dns
from dns_api.emulator.server import listening_socket, serve_forever


def emulator(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0: a free one).")] = 8001,
    zone: Annotated[list[str] | None, typer.Option(help="A zone to create (repeatable).")] = None,
    account_id: Annotated[int, typer.Option(help="The account id in /v2/<id>/ paths.")] = 1010,
    token: Annotated[str, typer.Option(help="The bearer token it accepts.")] = "emulator-token",  # noqa: S107 (the emulator's own test token)
    hourly_limit: Annotated[int, typer.Option(help="Requests per hour before 429.")] = 2400,
    state_file: Annotated[Path | None, typer.Option(help="Keep records in this JSON file.")] = None,
    dns_port: Annotated[
        int | None,
        typer.Option(help="Also answer DNS for the zones on this UDP+TCP port (0: a free one)."),
    ] = None,
) -> None:
    """Serve DNSimple API v2 (whoami, accounts, domains, zones, zone records) from memory."""
    state = EmulatorState(
        account_id=account_id,
        token=token,
        zones=zone or ["example.com"],
        hourly_limit=hourly_limit,
        persist_path=state_file,
    )
    sock = _listen(host, port)
    dns = _start_dns(state, host, dns_port) if dns_port is not None else None
    lines = start_lines(state, _base_url(host, sock))
    if dns is not None:
        lines[0] += f"; DNS on {dns.address}"
    for line in lines:
        typer.echo(line)
    try:
        serve_forever(state, host, port, sock=sock)
    finally:
        if dns is not None:
            dns.stop()


def start_lines(state: EmulatorState, base_url: str) -> list[str]:
    """What to point a DNSimple client at (``base_url`` has no ``/v2``), then dns-api."""
    zones = [z["name"] for z in state.zones()]
    return [
        f"DNSimple emulator: base URL {base_url} (API under /v2), token {state.token}, "
        f"account id {state.account_id}, zones {', '.join(zones)}",
        f"dns-api settings: DNSIMPLE_BASE_URL={base_url} "
        f"DNSIMPLE_ACCOUNT_ID={state.account_id} DNSIMPLE_ACCOUNT_TOKEN={state.token} "
        f"DNSIMPLE_DOMAINS={','.join(zones)}",
    ]


def _base_url(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _listen(host: str, port: int) -> socket.socket:
    try:
        return listening_socket(host, port)
    except OSError as exc:
        fail(f"cannot serve HTTP on {host}:{port}: {exc}")


def _start_dns(state: EmulatorState, host: str, port: int) -> RunningDns:
    try:
        return start_dns(state, host, port)
    except OSError as exc:
        fail(f"cannot serve DNS on {host}:{port}: {exc}")
