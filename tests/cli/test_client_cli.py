"""``dns-api whoami|zones|records`` against a real server: the app served by uvicorn on a
loopback port in a thread (SQLite and PostgreSQL, the session's DNSimple emulator behind it),
driven through Typer's runner, plus one real ``python -m dns_api`` process.

Exit codes and the one-line errors are the contract scripts rely on; tests assert them.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from dns_api.app import create_app
from dns_api.cli import app, client_http
from dns_api.cli.client_http import ApiClient, ClientError
from dns_api.emulator import RunningEmulator
from tests.conftest import legacy_token, make_settings

TOKEN = legacy_token("alice")
Invoke = Callable[..., Any]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server_url(emulator: RunningEmulator, database_url: str) -> Iterator[str]:
    """dns-api on a free loopback port, in a thread; stopped after the test."""
    settings = make_settings(dnsimple_base_url=emulator.url, database_url=database_url)
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=0, log_level="warning", ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="dns-api-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive(), "dns-api failed to start"
        assert time.monotonic() < deadline, "dns-api did not start in time"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(15)


@pytest.fixture
def cli(server_url: str) -> Invoke:
    """``cli("records", "get", ...)``: the command against the server, url and token from the
    environment (``DNS_API_URL``, ``DNS_API_TOKEN``), on a wide terminal."""
    runner = CliRunner(env={"DNS_API_URL": server_url, "DNS_API_TOKEN": TOKEN, "COLUMNS": "200"})

    def invoke(*args: str) -> Any:
        result = runner.invoke(app, list(args))
        assert "Traceback" not in result.output
        assert TOKEN not in result.output
        return result

    return invoke


def data(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def error_line(result: Any) -> str:
    """The one line on stderr (and nothing on stdout)."""
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("dns-api: ")
    return str(line)


def upstream(emulator: RunningEmulator, zone: str = "example.com") -> list[str]:
    return sorted(
        f"{r['name']} {r['type']} {r['content']}"
        for r in emulator.state.records(zone)
        if not r["system_record"]
    )


def test_help_groups_client_and_server_commands() -> None:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["--help"])
    assert result.exit_code == 0
    client, server = result.output.split("Client (talks to a running server)")[1].split("Server")
    for command in ("whoami", "zones", "records"):
        assert command in client
    for command in ("serve", "token", "reconcile", "adopt", "db", "emulator"):
        assert command in server


def test_whoami_and_zones(cli: Invoke, server_url: str) -> None:
    assert data(cli("whoami", "--json"))["id"] == "alice"
    table = cli("whoami")
    assert table.exit_code == 0
    assert "alice (legacy token)" in table.stdout
    assert "create, delete, read, register, update" in table.stdout

    zones = data(cli("zones", "--json", "--url", server_url, "--token", TOKEN))
    assert [z["name"] for z in zones] == ["example.com", "example.org"]
    assert "example.org" in cli("zones").stdout


def test_set_get_list_delete(cli: Invoke, emulator: RunningEmulator) -> None:
    made = cli("records", "set", "pr-42.example.com", "A", "192.0.2.1", "192.0.2.2", "--ttl", "300")
    assert made.exit_code == 0, made.output
    assert "A pr-42.example.com changed: 2 created" in made.stdout
    assert "192.0.2.2" in made.stdout
    assert upstream(emulator) == ["pr-42 A 192.0.2.1", "pr-42 A 192.0.2.2"]

    got = data(cli("records", "get", "pr-42", "a", "--zone", "example.com", "--json"))
    assert (got["name"], got["type"], got["ttl"]) == ("pr-42", "A", 300)
    assert got["records"] == ["192.0.2.1", "192.0.2.2"]
    shown = cli("records", "get", "pr-42.example.com", "A")
    assert f"etag: {got['etag']}" in shown.stdout
    assert "192.0.2.1" in shown.stdout

    again = cli("records", "set", "pr-42.example.com", "A", "192.0.2.1", "192.0.2.2")
    assert "unchanged" in again.stdout
    changed = data(cli("records", "set", "pr-42.example.com", "A", "192.0.2.3", "--json"))
    assert changed["summary"] == {"created": 0, "updated": 1, "deleted": 1, "unchanged": 0}

    cli("records", "set", "box.example.org", "TXT", "hello world")
    listed = data(cli("records", "list", "--json"))
    assert [(s["fqdn"], s["type"]) for s in listed] == [
        ("pr-42.example.com", "A"),
        ("box.example.org", "TXT"),
    ]
    assert [s["fqdn"] for s in data(cli("records", "list", "example.org", "--json"))] == [
        "box.example.org"
    ]
    by_name = data(cli("records", "list", "--name", "box.example.org", "--json"))
    assert [s["records"] for s in by_name] == [['"hello world"']]
    table = cli("records", "list")
    assert "pr-42.example.com" in table.stdout
    assert '"hello world"' in table.stdout

    deleted = cli("records", "delete", "pr-42.example.com", "A")
    assert deleted.exit_code == 0, deleted.output
    assert "A pr-42.example.com is deleted" in deleted.stdout
    assert upstream(emulator) == []


def test_apex_needs_the_zone(cli: Invoke) -> None:
    assert error_line(cli("records", "get", "@", "MX")) == "dns-api: @ needs --zone"
    set_ = cli("records", "set", "@", "MX", "10 mail.example.com", "--zone", "example.com")
    assert set_.exit_code == 0, set_.output
    got = data(cli("records", "get", "example.com", "mx", "--json"))
    assert (got["name"], got["records"]) == ("@", ["10 mail.example.com"])


def test_dry_run_changes_nothing(cli: Invoke, emulator: RunningEmulator) -> None:
    result = cli("records", "set", "box.example.com", "A", "192.0.2.7", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would change (dry run): 1 created" in result.stdout
    planned = data(
        cli("records", "set", "box.example.com", "A", "192.0.2.7", "--dry-run", "--json")
    )
    assert planned["dry_run"] is True
    assert planned["changes"][0]["action"] == "create"
    assert upstream(emulator) == []
    assert cli("records", "get", "box.example.com", "A").exit_code == 2


def test_stale_if_match_exits_4(cli: Invoke, emulator: RunningEmulator) -> None:
    first = data(cli("records", "set", "box.example.com", "A", "192.0.2.1", "--json"))
    etag = first["rrset"]["etag"]
    cli("records", "set", "box.example.com", "A", "192.0.2.2")
    stale = cli("records", "set", "box.example.com", "A", "192.0.2.3", "--if-match", etag)
    assert stale.exit_code == 4
    assert error_line(stale).startswith("dns-api: 412 ")
    assert cli("records", "delete", "box.example.com", "A", "--if-match", etag).exit_code == 4
    assert upstream(emulator) == ["box A 192.0.2.2"]

    fresh = data(cli("records", "get", "box.example.com", "A", "--json"))["etag"]
    ok = cli("records", "set", "box.example.com", "A", "192.0.2.3", "--if-match", fresh)
    assert ok.exit_code == 0, ok.output


def test_unknown_set_exits_2(cli: Invoke) -> None:
    for command in ("get", "delete"):
        result = cli("records", command, "nope.example.com", "A")
        assert result.exit_code == 2
        assert error_line(result).startswith("dns-api: 404 ")


def test_bad_token_exits_3(cli: Invoke) -> None:
    result = cli("whoami", "--token", "not-a-token")
    assert result.exit_code == 3
    assert error_line(result) == "dns-api: 401 A valid bearer token is required."


def test_invalid_value_exits_5_naming_the_field(cli: Invoke) -> None:
    result = cli("records", "set", "box.example.com", "A", "192.0.2.1", "not-an-address")
    assert result.exit_code == 5
    line = error_line(result)
    assert line.startswith("dns-api: 422 ")
    assert "records/1" in line
    assert cli("records", "list", "--type", "NS").exit_code == 5


def test_server_down_exits_6(cli: Invoke) -> None:
    result = cli("zones", "--url", f"http://127.0.0.1:{free_port()}")
    assert result.exit_code == 6
    assert "cannot reach http://127.0.0.1:" in error_line(result)


@pytest.mark.parametrize(
    "args",
    [
        ["records", "get", "box.example.com"],  # TYPE missing: Click's usage error
        ["records", "set", "box.example.com", "A", "192.0.2.1", "--ttl", "soon"],
        ["records", "nope"],
        ["records", "get", "box.example.net", "A"],  # in no zone
        ["zones", "--url", "127.0.0.1:8000"],  # no scheme
        ["zones", "--token", "two words"],
    ],
)
def test_usage_errors_exit_1(cli: Invoke, args: list[str]) -> None:
    assert cli(*args).exit_code == 1


def test_no_token_exits_1() -> None:
    result = CliRunner(env={"DNS_API_TOKEN": None}).invoke(app, ["zones"])
    assert result.exit_code == 1
    assert result.stderr == "dns-api: no token: pass --token or set DNS_API_TOKEN\n"


def test_list_follows_the_cursor(cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a", "b", "c"):
        cli("records", "set", f"{name}.example.com", "A", "192.0.2.1")
    monkeypatch.setattr(client_http, "PAGE_SIZE", 1)
    listed = data(cli("records", "list", "example.com", "--json"))
    assert [s["name"] for s in listed] == ["a", "b", "c"]


def test_a_real_process(server_url: str, emulator: RunningEmulator, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DNS_API_")}
    env.update(DNS_API_URL=server_url, DNS_API_TOKEN=TOKEN)
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "-m", "dns_api", "records", "set", "pr-7.example.com", "CNAME"]

    made = subprocess.run(
        [*command, "review.example.net", "--json"],
        env=env, cwd=root, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["rrset"]["records"] == ["review.example.net"]
    assert upstream(emulator) == ["pr-7 CNAME review.example.net"]

    refused = subprocess.run(
        [*command, "x.example.net", "--token", "wrong"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert refused.returncode == 3
    assert refused.stderr.splitlines() == ["dns-api: 401 A valid bearer token is required."]


# The client alone, over httpx's mock transport: the status table and the zone split.


def mock_client(handler: Callable[[httpx.Request], httpx.Response]) -> ApiClient:
    return ApiClient("http://dns-api.test/base", "t", transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    ("status", "body", "exit_code", "message"),
    [
        (403, {"errors": [{"detail": "not yours", "code": "forbidden"}]}, 3, "403 not yours"),
        (429, {"errors": [{"detail": "slow down"}]}, 3, "429 slow down"),
        (409, {"errors": [{"detail": "CNAME there"}]}, 4, "409 CNAME there"),
        (
            422,
            {"errors": [
                {"detail": "ttl too low", "source": {"pointer": "/ttl"}},
                {"detail": "bad type", "source": {"parameter": "type"}},
            ]},
            5,
            "422 ttl too low (/ttl); bad type (parameter type)",
        ),
        (502, {"errors": [{"detail": "DNSimple failed"}]}, 6, "502 DNSimple failed"),
        (503, "<html>down</html>", 6, "503 Service Unavailable"),
        (400, {"errors": [{"detail": "odd"}]}, 1, "400 odd"),
    ],
)  # fmt: skip
def test_status_table(status: int, body: Any, exit_code: int, message: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer t"
        if isinstance(body, str):
            return httpx.Response(status, text=body)
        return httpx.Response(status, json={**body, "meta": {"status": status}})

    with pytest.raises(ClientError) as caught, mock_client(handler) as client:
        client.call("GET", "/zones")
    assert (caught.value.exit_code, caught.value.message) == (exit_code, message)


def test_a_full_name_belongs_to_the_longest_zone() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        zones = [{"name": z} for z in ("example.com", "sub.example.com")]
        return httpx.Response(200, json={"data": zones, "meta": {"status": 200}})

    with mock_client(handler) as client:
        assert client.locate("a.sub.example.com", None) == ("sub.example.com", "a")
        assert client.locate("A.Example.COM.", None) == ("example.com", "a")
        assert client.locate("sub.example.com", None) == ("sub.example.com", "@")
        assert client.locate("pr-1", "example.com") == ("example.com", "pr-1")
    assert paths == ["/base/zones"] * 3


@pytest.mark.parametrize("status", [200, 404])
def test_an_answer_that_is_not_dns_api_exits_1(status: int) -> None:
    with (
        pytest.raises(ClientError) as caught,
        mock_client(lambda _: httpx.Response(status)) as client,
    ):
        client.call("GET", "/whoami")
    assert caught.value.exit_code == 1
    assert "not a dns-api answer" in caught.value.message
