"""``/health/live`` and ``/health/ready``: what each check says, and when readiness fails."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dns_api.app import create_app
from dns_api.db import migrate
from dns_api.emulator import RunningEmulator
from tests.conftest import EMULATOR_TOKEN, SECRET_KEY, make_settings

ALL_OK = {"database": {"ok": True}, "migrations": {"ok": True}, "dnsimple": {"ok": True}}
DB_PASSWORD = "hunter2-db-password"


def ready(settings_overrides: dict[str, Any], **options: Any) -> Any:
    with TestClient(create_app(make_settings(**settings_overrides), **options)) as client:
        return client.get("/health/ready")


def assert_no_secret(response: Any) -> None:
    for secret in (DB_PASSWORD, EMULATOR_TOKEN, SECRET_KEY, "127.0.0.1:9", "postgresql://"):
        assert secret not in response.text


def test_live_needs_nothing(client: TestClient) -> None:
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"data": {"status": "ok"}, "meta": {"status": 200}}


def test_live_answers_even_when_everything_is_down(tmp_path: Path) -> None:
    settings = make_settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    with TestClient(create_app(settings, migrate_on_start=False)) as client:
        assert client.get("/health/live").status_code == 200


def test_root_is_unchanged(client: TestClient) -> None:
    assert client.get("/").json() == {"meta": {"status": 200}}


def test_ready_with_the_emulator(client: TestClient) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"data": {"status": "ok", "checks": ALL_OK}, "meta": {"status": 200}}
    assert response.headers["cache-control"] == "no-store"


def test_a_dnsimple_success_is_remembered(client: TestClient, emulator: RunningEmulator) -> None:
    for _ in range(5):
        assert client.get("/health/ready").status_code == 200
    assert emulator.state.count("GET", "whoami") == 1


def test_ready_fails_when_dnsimple_is_down(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="dns_api.api.routes.health")
    response = ready({"database_url": database_url, "dnsimple_base_url": "http://127.0.0.1:9"})
    assert response.status_code == 503
    data = response.json()["data"]
    assert data["status"] == "failing"
    assert data["checks"]["database"] == {"ok": True}
    assert data["checks"]["migrations"] == {"ok": True}
    dnsimple = data["checks"]["dnsimple"]
    assert dnsimple["ok"] is False
    assert "Could not reach DNSimple" in dnsimple["reason"]
    assert_no_secret(response)
    assert any("not ready" in r.getMessage() for r in caplog.records)


def test_ready_fails_when_dnsimple_refuses_the_token(
    emulator: RunningEmulator, database_url: str
) -> None:
    overrides = {
        "database_url": database_url,
        "dnsimple_base_url": emulator.url,
        "dnsimple_account_token": "not-the-token",
    }
    response = ready(overrides)
    assert response.status_code == 503
    assert response.json()["data"]["checks"]["dnsimple"]["reason"].startswith("upstream_auth")
    assert "not-the-token" not in response.text


def test_a_spent_dnsimple_budget_still_counts_as_reachable(
    emulator: RunningEmulator, database_url: str
) -> None:
    emulator.state.exhaust_rate_limit()
    response = ready({"database_url": database_url, "dnsimple_base_url": emulator.url})
    assert response.status_code == 200


def test_ready_fails_when_the_database_is_unreachable(emulator: RunningEmulator) -> None:
    url = f"postgresql://dns:{DB_PASSWORD}@127.0.0.1:9/dns"
    response = ready(
        {"database_url": url, "dnsimple_base_url": emulator.url}, migrate_on_start=False
    )
    assert response.status_code == 503
    checks = response.json()["data"]["checks"]
    assert checks["database"]["ok"] is False
    assert checks["database"]["reason"].startswith("database error: ")
    assert checks["migrations"] == {
        "ok": False,
        "reason": "not checked: the database did not answer",
    }
    assert checks["dnsimple"] == {"ok": True}
    assert_no_secret(response)


def test_ready_fails_when_migrations_are_behind(emulator: RunningEmulator, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    response = ready(
        {"database_url": url, "dnsimple_base_url": emulator.url}, migrate_on_start=False
    )
    assert response.status_code == 503
    checks = response.json()["data"]["checks"]
    assert checks["database"] == {"ok": True}
    assert checks["dnsimple"] == {"ok": True}
    assert checks["migrations"]["ok"] is False
    head = migrate.head_revision()
    assert f"the code needs {head}" in checks["migrations"]["reason"]
    assert "empty database" in checks["migrations"]["reason"]


def test_ready_fails_when_one_migration_is_missing(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    migrate.upgrade(url, "0002")
    response = ready(
        {"database_url": url, "dnsimple_base_url": emulator.url}, migrate_on_start=False
    )
    assert response.status_code == 503
    assert "the schema is at 0002" in response.json()["data"]["checks"]["migrations"]["reason"]


def test_health_is_not_behind_a_token(client: TestClient) -> None:
    for path in ("/", "/health/live", "/health/ready"):
        assert client.get(path, headers={"Authorization": "Bearer nonsense"}).status_code == 200
