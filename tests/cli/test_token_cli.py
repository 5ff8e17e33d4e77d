"""`dns-api token create|list|revoke|rotate` on a real database (SQLite and PostgreSQL), and
`dns-api token print USER`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest
from typer.testing import CliRunner

from dns_api.cli import app
from dns_api.db.database import Database
from dns_api.errors import AuthenticationFailed
from dns_api.services.tokens import TokenService
from dns_api.settings import DEMO_SECRET_FILE
from tests.cli.server_env import STRONG, server_cli
from tests.conftest import legacy_token

CI = [
    "token", "create", "--owner", "ci", "--name", "ci-previews",
    "--zone", "example.com", "--name-pattern", "pr-*", "--type", "CNAME",
    "--action", "create,update", "--action", "delete", "--expires", "30d",
]  # fmt: skip


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> CliRunner:
    return server_cli(monkeypatch, tmp_path, database_url)


def secret_of(output: str) -> str:
    [line] = [line for line in output.splitlines() if line.startswith("dnsapi_")]
    return line


def listed(cli: CliRunner) -> list[dict[str, Any]]:
    result = cli.invoke(app, ["token", "list", "--json"])
    assert result.exit_code == 0, result.output
    tokens: list[dict[str, Any]] = json.loads(result.output)
    return tokens


def works(database_url: str, secret: str) -> bool:
    async def check(database: Database) -> bool:
        try:
            await TokenService(database).principal_for(secret, "127.0.0.1")
        except AuthenticationFailed:
            return False
        return True

    database = Database(database_url)
    try:
        return anyio.run(check, database)
    finally:
        database.dispose()


def test_create_list_rotate_revoke(cli: CliRunner, database_url: str) -> None:
    created = cli.invoke(app, CI)
    assert created.exit_code == 0, created.output
    secret = secret_of(created.output)
    assert works(database_url, secret)

    [token] = listed(cli)
    assert token["name"] == "ci-previews"
    assert token["owner"] == "ci"
    assert token["grants"] == [
        {
            "zones": ["example.com"],
            "names": ["pr-*"],
            "types": ["CNAME"],
            "actions": ["create", "delete", "update"],
        }
    ]
    assert token["expires"] is not None
    assert secret not in json.dumps(token)

    table = cli.invoke(app, ["token", "list"])
    assert "ci-previews" in table.output
    assert "dnsapi_" not in table.output

    rotated = cli.invoke(app, ["token", "rotate", str(token["id"])])
    assert rotated.exit_code == 0, rotated.output
    new_secret = secret_of(rotated.output)
    assert not works(database_url, secret)
    assert works(database_url, new_secret)

    revoked = cli.invoke(app, ["token", "revoke", str(token["id"])])
    assert revoked.exit_code == 0
    assert not works(database_url, new_secret)
    assert listed(cli)[0]["status"] == "revoked"


def test_revoke_every_token_of_an_owner(cli: CliRunner, database_url: str) -> None:
    first = secret_of(cli.invoke(app, CI).output)
    second = secret_of(cli.invoke(app, CI).output)
    other = secret_of(cli.invoke(app, [*CI[:3], "bob", *CI[4:]]).output)
    result = cli.invoke(app, ["token", "revoke", "--owner", "ci"])
    assert result.exit_code == 0
    assert "2 token(s)" in result.output
    assert not works(database_url, first)
    assert not works(database_url, second)
    assert works(database_url, other)


@pytest.mark.parametrize(
    ("change", "option"),
    [
        ({"--zone": "nope.com"}, "--zone"),
        ({"--name-pattern": "a..b"}, "--name-pattern"),
        ({"--type": "NS"}, "--type"),
        ({"--action": "fly"}, "--action"),
        ({"--expires": "soon"}, "--expires"),
    ],
)
def test_bad_options_are_named(cli: CliRunner, change: dict[str, str], option: str) -> None:
    args = list(CI)
    for flag, value in change.items():
        args[args.index(flag) + 1] = value
    result = cli.invoke(app, args)
    assert result.exit_code == 2
    assert option in result.output
    assert "Traceback" not in result.output


def test_unknown_token_ids_fail_cleanly(cli: CliRunner) -> None:
    for command in (["token", "revoke", "99"], ["token", "rotate", "99"]):
        result = cli.invoke(app, command)
        assert result.exit_code == 1
        assert "not found" in result.output


def test_revoke_needs_exactly_one_target(cli: CliRunner) -> None:
    assert cli.invoke(app, ["token", "revoke"]).exit_code == 2
    assert cli.invoke(app, ["token", "revoke", "1", "--owner", "ci"]).exit_code == 2


def test_token_print_user_prints_the_bare_token(
    clean_config: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("VALID_USERS", "alice,bob")
    result = CliRunner().invoke(app, ["token", "print", "bob"])
    assert result.exit_code == 0, result.output
    assert result.stdout == legacy_token("bob", STRONG) + "\n"

    unknown = CliRunner().invoke(app, ["token", "print", "mallory"])
    assert unknown.exit_code == 2
    assert unknown.stdout == ""
    assert len(unknown.stderr.splitlines()) == 1
    assert "mallory" in unknown.stderr
    assert "VALID_USERS" in unknown.stderr


def test_token_print_user_in_demo_mode_uses_the_demo_secret(clean_config: dict[str, str]) -> None:
    # No configuration: the token is signed with data/demo-secret-key of the working directory,
    # the key `dns-api serve` made there in demo mode, so it is the one that server accepts.
    DEMO_SECRET_FILE.parent.mkdir()
    DEMO_SECRET_FILE.write_text("demo-secret-" + STRONG)
    result = CliRunner().invoke(app, ["token", "print", "admin"])
    assert result.exit_code == 0, result.output
    assert result.stdout == legacy_token("admin", "demo-secret-" + STRONG) + "\n"


def test_token_print_in_demo_mode_needs_the_demo_secret(clean_config: dict[str, str]) -> None:
    for command in (["token", "print"], ["token", "print", "admin"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2
        assert result.stdout == ""
        assert "SECRET_KEY" in result.stderr
