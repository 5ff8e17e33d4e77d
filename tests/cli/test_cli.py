"""The command line: help, tokens, migrations, misconfiguration, and a real demo server."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from itsdangerous import JSONWebSignatureSerializer
from typer.testing import CliRunner

from dns_api.cli import app
from dns_api.db import migrate

STRONG = "cli-test-secret-" + "0123456789abcdefghijklmnopqrstuvwxyz"


@pytest.fixture
def env(clean_config: dict[str, str]) -> dict[str, str]:
    """A clean environment in an empty folder; returns the variables for subprocesses."""
    return clean_config


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "db", "token", "emulator"):
        assert command in result.output


def test_token_print_matches_the_original_generator(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("VALID_USERS", "alice,bob")
    result = CliRunner().invoke(app, ["token", "print"])
    assert result.exit_code == 0
    serializer = JSONWebSignatureSerializer(STRONG)
    assert result.output.splitlines() == [
        f"*** token for {user}: {serializer.dumps({'username': user}).decode()}"
        for user in ("alice", "bob")
    ]


def test_token_generator_script(env: dict[str, str], repo_root: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(repo_root / "token-generator")],
        env={**env, "SECRET_KEY": STRONG, "VALID_USERS": "carol"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    token = JSONWebSignatureSerializer(STRONG).dumps({"username": "carol"}).decode()
    assert result.stdout == f"*** token for carol: {token}\n"


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        (
            {
                "DNSIMPLE_ACCOUNT_TOKEN": "t",
                "DNSIMPLE_ACCOUNT_ID": "1",
                "DNSIMPLE_DOMAINS": "example.com",
            },
            "SECRET_KEY",
        ),
        (
            {
                "DNSIMPLE_ACCOUNT_TOKEN": "t",
                "DNSIMPLE_ACCOUNT_ID": "1",
                "DNSIMPLE_DOMAINS": "example.com",
                "SECRET_KEY": "secret key",
            },
            "SECRET_KEY",
        ),
        (
            {
                "DNSIMPLE_ACCOUNT_TOKEN": "t",
                "DNSIMPLE_DOMAINS": "example.com",
                "SECRET_KEY": STRONG,
            },
            "DNSIMPLE_ACCOUNT_ID",
        ),
        ({"DNSIMPLE_DOMAIN_TTL": "soon"}, "DNSIMPLE_DOMAIN_TTL"),
        ({"DATABASE_URL": "oracle://db"}, "DATABASE_URL"),
    ],
)
def test_misconfiguration_is_one_line_and_a_nonzero_exit(
    env: dict[str, str], variables: dict[str, str], named: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dns_api", "serve"],
        env={**env, **variables},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert named in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_db_upgrade(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert migrate.current_revision(url) == migrate.head_revision()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def demo_server(
    env: dict[str, str], tmp_path: Path
) -> Iterator[tuple[str, str, subprocess.Popen[str]]]:
    """`dns-api serve` as a real process, in demo mode, in an empty folder."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "dns_api", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    token = ""
    deadline = time.monotonic() + 60
    for line in process.stdout:
        match = re.match(r"\*\*\* token for admin: (\S+)", line)
        if match:
            token = match.group(1)
            break
        if time.monotonic() > deadline:
            break
    url = f"http://127.0.0.1:{port}"
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    try:
        yield url, token, process
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()


@pytest.mark.slow
def test_demo_server_works_end_to_end(
    demo_server: tuple[str, str, subprocess.Popen[str]], tmp_path: Path
) -> None:
    url, token, _ = demo_server
    assert token, "serve printed no token for admin"
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(url + "/whoami", headers=headers).json()["data"]["id"] == "admin"
    created = httpx.post(
        url + "/records/cname/example.com/pr-42/review.example.net", headers=headers
    )
    assert created.status_code == 200, created.text
    listed = httpx.get(url + "/records", headers=headers).json()["data"]
    assert [r["fqdn"] for r in listed] == ["pr-42.example.com"]
    assert (tmp_path / "data" / "demo.db").exists()  # demo data apart from a deployment's
    assert (tmp_path / "data" / "emulator.json").exists()
