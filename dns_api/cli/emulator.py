"""``dns-api emulator``: the DNSimple emulator as a stand-alone server, optionally also
answering DNS queries for its zones (``--dns-port``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dns_api.cli.common import fail
from dns_api.emulator import EmulatorState
from dns_api.emulator.dns import RunningDns, start_dns
from dns_api.emulator.server import serve_forever


def emulator(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8001,
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
    """Serve DNSimple API v2 (whoami, zones, zone records) from memory."""
    state = EmulatorState(
        account_id=account_id,
        token=token,
        zones=zone or ["example.com"],
        hourly_limit=hourly_limit,
        persist_path=state_file,
    )
    dns = _start_dns(state, host, dns_port) if dns_port is not None else None
    url_host = f"[{host}]" if ":" in host else host
    zones = ", ".join(z["name"] for z in state.zones())
    line = f"DNSimple emulator on http://{url_host}:{port}/v2 (account {account_id}, token {token}"
    typer.echo(f"{line}, zones {zones})" + (f"; DNS on {dns.address}" if dns else ""))
    try:
        serve_forever(state, host, port)
    finally:
        if dns is not None:
            dns.stop()


def _start_dns(state: EmulatorState, host: str, port: int) -> RunningDns:
    try:
        return start_dns(state, host, port)
    except OSError as exc:
        fail(f"cannot serve DNS on {host}:{port}: {exc}")
