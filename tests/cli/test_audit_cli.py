"""`dns-api audit` on a real database (SQLite and PostgreSQL), after changes made over HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dns_api.cli import app
from tests.cli.server_env import server_cli

Auth = Callable[..., dict[str, str]]
ALICE = ["record:updated", "record:created"]  # her events, newest first


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> CliRunner:
    return server_cli(monkeypatch, tmp_path, database_url)


@pytest.fixture
def changes(client: TestClient, auth: Auth) -> None:
    """alice creates and changes app.example.com; bob creates app.example.org."""
    body = {"domain_type": "A", "domain": "example.com", "subdomain": "app", "to": "192.0.2.10"}
    record = client.post("/records", headers=auth(), json=body).json()["data"]
    update = {"to": "192.0.2.11", "ttl": 300}
    assert client.patch(f"/records/{record['id']}", headers=auth(), json=update).status_code == 200
    other = {**body, "domain": "example.org"}
    assert client.post("/records", headers=auth("bob"), json=other).status_code == 200


def listed(cli: CliRunner, *args: str) -> list[dict[str, Any]]:
    result = cli.invoke(app, ["audit", "--json", *args])
    assert result.exit_code == 0, result.output
    found: list[dict[str, Any]] = json.loads(result.output)
    return found


@pytest.mark.usefixtures("changes")
class TestAudit:
    def test_json_lists_every_event_newest_first(self, cli: CliRunner) -> None:
        found = listed(cli)
        assert [(e["action"], e["zone"], e["actor"]) for e in found] == [
            ("record:created", "example.org", "bob"),
            ("record:updated", "example.com", "alice"),
            ("record:created", "example.com", "alice"),
        ]
        assert found[1]["before"] == {"value": "192.0.2.10", "ttl": 60}
        assert found[1]["after"] == {"value": "192.0.2.11", "ttl": 300}
        assert found[1]["name"] == "app"

    def test_table_for_people(self, cli: CliRunner) -> None:
        result = cli.invoke(app, ["audit"])
        assert result.exit_code == 0, result.output
        assert "record:updated" in result.output
        assert "app.example.com A" in result.output
        assert "192.0.2.10 (ttl 60) -> 192.0.2.11 (ttl 300)" in result.output
        assert "bob" in result.output

    @pytest.mark.parametrize(
        ("args", "expected"),
        [
            (["--zone", "EXAMPLE.ORG"], ["record:created"]),
            (["--actor", "alice"], ALICE),
            (["--action", "record:updated"], ["record:updated"]),
            (["--zone", "example.com", "--name", "app.example.com."], ALICE),
            (["--zone", "example.com", "--name", "@"], []),
            (["--since", "2000-01-01"], ["record:created", "record:updated", "record:created"]),
            (["--until", "2000-01-01T00:00:00Z"], []),
            (["--limit", "1"], ["record:created"]),
        ],
    )  # fmt: skip
    def test_filters(self, cli: CliRunner, args: list[str], expected: list[str]) -> None:
        assert [e["action"] for e in listed(cli, *args)] == expected

    def test_bad_since_is_one_line(self, cli: CliRunner) -> None:
        result = cli.invoke(app, ["audit", "--since", "last tuesday"])
        assert result.exit_code == 2
        lines = result.output.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("dns-api: --since:")
