"""``dns-api reconcile`` and ``dns-api adopt`` against the DNSimple emulator and a real database
(SQLite and PostgreSQL): exit codes for cron, JSON for scripts, one-line errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from dns_api.cli import app
from dns_api.db.database import Database
from dns_api.db.models import RecordRow
from dns_api.emulator import RunningEmulator
from tests.cli.server_env import server_cli
from tests.conftest import EMULATOR_TOKEN

ZONE = "example.com"
NOW = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, emulator: RunningEmulator
) -> CliRunner:
    return server_cli(
        monkeypatch,
        tmp_path,
        database_url,
        DNSIMPLE_ACCOUNT_TOKEN=EMULATOR_TOKEN,
        BLACKLISTED_SUBDOMAINS="www",
        DNSIMPLE_BASE_URL=emulator.url,
    )


@pytest.fixture
def database(database_url: str) -> Any:
    db = Database(database_url)
    yield db
    db.dispose()


def own(database: Database, emulator: RunningEmulator, name: str, content: str) -> int:
    """A record dns-api created (at DNSimple and as a row); returns its DNSimple id."""
    made = emulator.state.create_record(ZONE, {"name": name, "type": "A", "content": content})
    new = RecordRow(
        zone=ZONE, name=name, type="A", content=made["content"], ttl=made["ttl"],
        priority=made["priority"], dnsimple_record_id=made["id"], created_at=NOW,
        updated_at=NOW, created_by="alice", updated_by="alice",
    )  # fmt: skip
    database.transaction(lambda session: session.add(new))
    return int(made["id"])


def rows(database: Database) -> list[RecordRow]:
    return database.transaction(lambda s: list(s.scalars(select(RecordRow).order_by(RecordRow.id))))


def content(emulator: RunningEmulator, record_id: int) -> str:
    return str(emulator.state.get_record(ZONE, record_id)["content"])


def one_line_error(output: str) -> str:
    assert "Traceback" not in output
    [line] = output.strip().splitlines()
    assert line.startswith("dns-api: ")
    return line


def test_in_sync_is_exit_0(cli: CliRunner, database: Database, emulator: RunningEmulator) -> None:
    own(database, emulator, "app", "192.0.2.1")
    result = cli.invoke(app, ["reconcile"])
    assert result.exit_code == 0, result.output
    assert f"{ZONE}: in sync (1 owned records)" in result.output
    assert "example.org: in sync (0 owned records)" in result.output


def test_drift_is_exit_2_and_apply_restores_it(
    cli: CliRunner, database: Database, emulator: RunningEmulator
) -> None:
    record_id = own(database, emulator, "app", "192.0.2.1")
    emulator.state.update_record(ZONE, record_id, {"content": "192.0.2.66"})

    dry = cli.invoke(app, ["reconcile", "--zone", ZONE])
    assert dry.exit_code == 2, dry.output
    assert "1 drifted" in dry.output
    assert "ours 192.0.2.1 ttl 3600, DNSimple 192.0.2.66 ttl 3600" in dry.output
    assert "dry run" in dry.output
    assert content(emulator, record_id) == "192.0.2.66"

    applied = cli.invoke(app, ["reconcile", "--zone", ZONE, "--apply"])
    assert applied.exit_code == 2, applied.output  # the plan had drift, even though it is fixed
    assert "1 restored" in applied.output
    assert content(emulator, record_id) == "192.0.2.1"
    assert cli.invoke(app, ["reconcile"]).exit_code == 0


def test_json_output_parses(cli: CliRunner, database: Database, emulator: RunningEmulator) -> None:
    record_id = own(database, emulator, "app", "192.0.2.1")
    emulator.state.delete_record(ZONE, record_id)
    stranger = emulator.state.create_record(ZONE, {"name": "app", "type": "TXT", "content": "hi"})

    result = cli.invoke(app, ["reconcile", "--zone", ZONE, "--json"])

    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["in_sync"] is False
    assert report["applied"] is False
    [zone] = report["zones"]
    assert zone["counts"] == {"missing": 1, "drift": 0, "pending": 0, "unknown": 1}
    assert zone["missing"][0]["dnsimple_record_id"] == record_id
    assert zone["unknown"][0]["dnsimple_record_id"] == stranger["id"]


def test_missing_is_recreated_or_dropped_when_told(
    cli: CliRunner, database: Database, emulator: RunningEmulator
) -> None:
    first = own(database, emulator, "app", "192.0.2.1")
    second = own(database, emulator, "api", "192.0.2.2")
    emulator.state.delete_record(ZONE, first)
    emulator.state.delete_record(ZONE, second)

    restored = cli.invoke(app, ["reconcile", "--apply", "--json"])
    assert restored.exit_code == 2
    assert len(json.loads(restored.stdout)["zones"][0]["applied"]["recreated"]) == 2
    assert {r.dnsimple_record_id for r in rows(database)}.isdisjoint({first, second})

    for stored in rows(database):
        emulator.state.delete_record(ZONE, stored.dnsimple_record_id)
    dropped = cli.invoke(app, ["reconcile", "--apply", "--drop-missing"])
    assert dropped.exit_code == 2
    assert "2 dropped" in dropped.output
    assert rows(database) == []


def test_a_plan_changing_too_much_is_exit_3_without_force(
    cli: CliRunner, database: Database, emulator: RunningEmulator
) -> None:
    ids = [own(database, emulator, f"host{n}", "192.0.2.1") for n in range(10)]
    for record_id in ids[:4]:
        emulator.state.update_record(ZONE, record_id, {"content": "192.0.2.9"})

    refused = cli.invoke(app, ["reconcile", "--apply"])
    assert refused.exit_code == 3
    assert "--force" in refused.output
    assert content(emulator, ids[0]) == "192.0.2.9"

    forced = cli.invoke(app, ["reconcile", "--apply", "--force"])
    assert forced.exit_code == 2, forced.output
    assert all(content(emulator, record_id) == "192.0.2.1" for record_id in ids)


def test_adopt_takes_over_and_is_idempotent(
    cli: CliRunner, database: Database, emulator: RunningEmulator
) -> None:
    made = emulator.state.create_record(ZONE, {"name": "", "type": "TXT", "content": "v=spf1 -all"})

    result = cli.invoke(app, ["adopt", "--zone", ZONE, "--name", "@", "--type", "txt"])
    assert result.exit_code == 0, result.output
    assert f"adopted 1 TXT record(s) at {ZONE} (DNSimple ids {made['id']})" in result.output
    [stored] = rows(database)
    assert (stored.origin, stored.created_by, stored.name) == ("adopted", "cli", "")

    again = cli.invoke(app, ["adopt", "--zone", ZONE, "--name", "@", "--type", "TXT"])
    assert again.exit_code == 0
    assert "nothing new to adopt" in again.output
    assert len(rows(database)) == 1
    assert cli.invoke(app, ["reconcile"]).exit_code == 0


def test_adopt_with_nothing_there_fails_in_one_line(cli: CliRunner) -> None:
    result = cli.invoke(app, ["adopt", "--zone", ZONE, "--name", "void", "--type", "TXT"])
    assert result.exit_code == 1
    assert "no TXT record" in one_line_error(result.output)


@pytest.mark.parametrize(
    ("args", "code", "option"),
    [
        (["reconcile", "--zone", "nope.com"], 1, "nope.com"),
        (["reconcile", "--zone", "a..b"], 1, "--zone"),
        (["adopt", "--zone", "nope.com", "--name", "x", "--type", "A"], 2, "--zone"),
        (["adopt", "--zone", ZONE, "--name", "x", "--type", "NS"], 2, "--type"),
        (["adopt", "--zone", ZONE, "--name", "www", "--type", "A"], 2, "--name"),
    ],
)
def test_bad_options_are_one_line(cli: CliRunner, args: list[str], code: int, option: str) -> None:
    result = cli.invoke(app, args)
    assert result.exit_code == code
    assert option in one_line_error(result.output)


def test_dnsimple_refusing_the_credentials_is_exit_1(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DNSIMPLE_ACCOUNT_TOKEN", "wrong")
    result = cli.invoke(app, ["reconcile"])
    assert result.exit_code == 1
    one_line_error(result.output)


def test_a_configuration_error_is_exit_1_not_the_drift_code(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIN_TTL", "600")
    monkeypatch.setenv("MAX_TTL", "60")
    result = cli.invoke(app, ["reconcile"])
    assert result.exit_code == 1
    assert "configuration error" in one_line_error(result.output)
