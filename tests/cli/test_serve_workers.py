"""``dns-api serve --workers`` / ``WEB_CONCURRENCY``, the ASGI factory, and the deployment files.

uvicorn itself is replaced by a recorder in most tests (it is the third-party boundary: these
tests check what dns-api asks of it); one slow test starts real workers on PostgreSQL.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dns_api.asgi import FACTORY, create_from_environment
from dns_api.cli import app
from dns_api.emulator import RunningEmulator
from dns_api.errors import ConfigurationError
from tests.conftest import ACCOUNT_ID, EMULATOR_TOKEN, SECRET_KEY, ZONES, legacy_token
from tests.live import server_environment, wait_for

Calls = list[tuple[Any, dict[str, Any]]]


@pytest.fixture
def env(clean_config: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """No configuration and no WEB_CONCURRENCY, in an empty folder; the subprocess environment."""
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    return {k: v for k, v in clean_config.items() if k != "WEB_CONCURRENCY"}


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Replaces ``uvicorn.run``: records what it was asked to serve, serves nothing."""
    calls: Calls = []

    def record(app: Any, **kwargs: Any) -> None:
        calls.append((app, kwargs))

    monkeypatch.setattr(uvicorn, "run", record)
    return calls


def configure(
    monkeypatch: pytest.MonkeyPatch, emulator: RunningEmulator, database_url: str
) -> dict[str, str]:
    """Real (non-demo) settings pointed at the emulator; returns the variables."""
    variables = {
        "DNSIMPLE_ACCOUNT_TOKEN": EMULATOR_TOKEN,
        "DNSIMPLE_ACCOUNT_ID": str(ACCOUNT_ID),
        "DNSIMPLE_DOMAINS": ",".join(ZONES),
        "DNSIMPLE_BASE_URL": emulator.url,
        "SECRET_KEY": SECRET_KEY,
        "VALID_USERS": "alice",
        "DATABASE_URL": database_url,
    }
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return variables


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'dns-api.db'}"


# --- the option ------------------------------------------------------------------------------


def test_help_names_the_option_and_its_variable(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["serve", "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "--workers" in result.output
    assert "WEB_CONCURRENCY" in result.output


@pytest.mark.parametrize("web_concurrency", [None, "1"])
def test_one_worker_serves_the_app_in_this_process(
    env: dict[str, str],
    uvicorn_calls: Calls,
    monkeypatch: pytest.MonkeyPatch,
    emulator: RunningEmulator,
    tmp_path: Path,
    web_concurrency: str | None,
) -> None:
    configure(monkeypatch, emulator, sqlite_url(tmp_path))
    if web_concurrency is not None:
        monkeypatch.setenv("WEB_CONCURRENCY", web_concurrency)
    result = CliRunner().invoke(app, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    [(served, options)] = uvicorn_calls
    assert isinstance(served, FastAPI)
    assert options["workers"] == 1
    assert options["factory"] is False
    assert (options["host"], options["port"]) == ("127.0.0.1", 8123)


@pytest.mark.parametrize(
    ("args", "web_concurrency", "workers"),
    [
        (["--workers", "3"], None, 3),
        ([], "4", 4),
        (["--workers", "2"], "4", 2),  # the option wins over the variable
    ],
)
def test_several_workers_on_postgresql_use_the_factory(
    env: dict[str, str],
    uvicorn_calls: Calls,
    monkeypatch: pytest.MonkeyPatch,
    emulator: RunningEmulator,
    database_url: str,
    args: list[str],
    web_concurrency: str | None,
    workers: int,
) -> None:
    configure(monkeypatch, emulator, database_url)
    if web_concurrency is not None:
        monkeypatch.setenv("WEB_CONCURRENCY", web_concurrency)
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", *args])
    if database_url.startswith("sqlite"):
        assert result.exit_code == 2
        assert result.stderr.strip().splitlines() == [
            "dns-api: SQLite is for a single process: --workers/WEB_CONCURRENCY above 1 needs a "
            "PostgreSQL DATABASE_URL (README: Several instances on PostgreSQL)"
        ]
        assert uvicorn_calls == []
        return
    assert result.exit_code == 0, result.output
    [(served, options)] = uvicorn_calls
    assert served == FACTORY == "dns_api.asgi:create_from_environment"
    assert options["workers"] == workers
    assert options["factory"] is True
    assert (options["host"], options["port"]) == ("0.0.0.0", 8000)
    assert options["timeout_worker_healthcheck"] >= 30  # workers import slowly on small boxes


@pytest.mark.parametrize(
    ("args", "web_concurrency"),
    [(["--workers", "2"], None), ([], "3")],
)
def test_demo_mode_refuses_several_workers(
    env: dict[str, str],
    uvicorn_calls: Calls,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: list[str],
    web_concurrency: str | None,
) -> None:
    if web_concurrency is not None:
        monkeypatch.setenv("WEB_CONCURRENCY", web_concurrency)
    result = CliRunner().invoke(app, ["serve", *args])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "dns-api: demo mode is single-process: --workers/WEB_CONCURRENCY must be 1 "
        "without DNSIMPLE_ACCOUNT_TOKEN"
    ]
    assert "Traceback" not in result.output
    assert uvicorn_calls == []
    assert not (tmp_path / "data" / "emulator.json").exists()  # no emulator was started


@pytest.mark.parametrize(
    ("args", "web_concurrency"),
    [(["--workers", "0"], None), ([], "0"), ([], "many"), (["--workers", "-1"], None)],
)
def test_bad_worker_counts_are_named(
    env: dict[str, str],
    uvicorn_calls: Calls,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    web_concurrency: str | None,
) -> None:
    if web_concurrency is not None:
        monkeypatch.setenv("WEB_CONCURRENCY", web_concurrency)
    result = CliRunner().invoke(app, ["serve", *args])
    assert result.exit_code == 2
    assert "--workers" in result.output
    assert uvicorn_calls == []


# --- the factory -----------------------------------------------------------------------------


def test_factory_builds_a_working_app_from_the_environment(
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    emulator: RunningEmulator,
    database_url: str,
) -> None:
    configure(monkeypatch, emulator, database_url)
    built = create_from_environment()
    assert isinstance(built, FastAPI)
    assert built.state.services.settings.dnsimple_domains == ZONES
    with TestClient(built) as client:
        assert client.get("/").status_code == 200
        headers = {"Authorization": f"Bearer {legacy_token('alice')}"}
        domains = client.get("/domains", headers=headers).json()["data"]
        assert [domain["id"] for domain in domains] == ZONES


def test_factory_refuses_demo_mode(env: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError, match="single-process") as refused:
        create_from_environment()
    assert refused.value.variable == "DNSIMPLE_ACCOUNT_TOKEN"


def test_factory_names_a_misconfigured_variable(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DNSIMPLE_ACCOUNT_TOKEN", "t")
    monkeypatch.setenv("DNSIMPLE_DOMAINS", "example.com")
    monkeypatch.setenv("SECRET_KEY", SECRET_KEY)
    with pytest.raises(ConfigurationError) as refused:
        create_from_environment()
    assert refused.value.variable == "DNSIMPLE_ACCOUNT_ID"


# --- real worker processes -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.slow
def test_several_real_workers(
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    emulator: RunningEmulator,
    database_url: str,
    tmp_path: Path,
) -> None:
    """On PostgreSQL, two uvicorn workers serve requests; on SQLite, one line and exit 2."""
    variables = configure(monkeypatch, emulator, database_url)
    port = _free_port()
    command = [sys.executable, "-m", "dns_api", "serve", "--port", str(port)]
    environment = {**env, **variables, "WEB_CONCURRENCY": "2"}
    if database_url.startswith("sqlite"):
        refused = subprocess.run(
            command, env=environment, capture_output=True, text=True, check=False, timeout=60
        )
        assert refused.returncode == 2
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
        assert "SQLite is for a single process" in refused.stderr
        return
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {legacy_token('alice')}"}
    try:
        deadline = time.monotonic() + 60
        answers: set[int] = set()
        while time.monotonic() < deadline and process.poll() is None:
            try:
                answer = httpx.get(url + "/whoami", headers=headers, timeout=2)
                answers.add(answer.status_code)
                if answer.status_code == 200:
                    assert answer.json()["data"]["id"] == "alice"
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        assert 200 in answers, f"no answer from the workers (exit {process.poll()})"
        created = httpx.post(
            url + "/records/a/example.com/box/192.0.2.10", headers=headers, timeout=10
        )
        assert created.status_code == 200, created.text
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    started = {line for line in output.splitlines() if "Started server process" in line}
    assert len(started) == 2, output
    assert "Traceback" not in output


# --- deployment files (the image cannot be built here: no Docker in CI) ----------------------


def _instructions(dockerfile: str) -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    joined = dockerfile.replace("\\\n", " ")
    return [
        " ".join(line.split())
        for line in joined.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_dockerfile_runs_as_a_user_with_a_healthcheck_and_the_serve_command(
    repo_root: Path,
) -> None:
    instructions = _instructions((repo_root / "Dockerfile").read_text())
    assert instructions[0].startswith("FROM python:3.11-slim")
    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users, "no USER: the image would run as root"
    assert users[-1] not in {"root", "0", "0:0"}
    [healthcheck] = [line for line in instructions if line.startswith("HEALTHCHECK ")]
    assert "/health/live" in healthcheck
    assert "curl" not in healthcheck  # not in the slim image
    assert "EXPOSE 8000" in instructions
    assert (repo_root / ".dockerignore").exists()


def _exec_form(instruction: str) -> list[str]:
    """The JSON array of a CMD instruction, with the image's programs mapped to this venv's."""
    command: list[str] = json.loads(instruction[instruction.index("CMD ") + 4 :])
    programs = {"python": sys.executable, "dns-api": str(Path(sys.executable).parent / "dns-api")}
    return [programs.get(command[0], command[0]), *command[1:]]


@pytest.mark.slow
def test_the_image_command_listens_on_port_and_its_healthcheck_asks_there(
    repo_root: Path, emulator: RunningEmulator, tmp_path: Path
) -> None:
    """The image cannot be built here, but its CMD and HEALTHCHECK can run: a platform that
    sets PORT (Heroku, Cloud Run, Fly) must get a server on that port, and a healthy check."""
    instructions = _instructions((repo_root / "Dockerfile").read_text())
    [serve] = [line for line in instructions if line.startswith("CMD ")]
    [check] = [line for line in instructions if line.startswith("HEALTHCHECK ")]
    port = _free_port()
    env = server_environment(emulator, f"sqlite:///{tmp_path / 'image.db'}", PORT=str(port))
    process = subprocess.Popen(_exec_form(serve), env=env, cwd=tmp_path)
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/health/live"), "the image's server")
        healthy = subprocess.run(_exec_form(check), env=env, check=False, timeout=30)
        assert healthy.returncode == 0
    finally:
        process.terminate()
        process.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def test_procfile_and_app_json(repo_root: Path) -> None:
    processes = dict(
        line.split(": ", 1) for line in (repo_root / "Procfile").read_text().splitlines() if line
    )
    assert processes["release"] == "dns-api db upgrade"
    assert processes["web"].startswith("dns-api serve --host 0.0.0.0 --port $PORT")
    assert "--workers" not in processes["web"]  # WEB_CONCURRENCY, set by Heroku, decides
    manifest = json.loads((repo_root / "app.json").read_text())
    assert {"plan": "heroku-postgresql"} in manifest["addons"]  # several workers need it
    for name in ("DNSIMPLE_ACCOUNT_TOKEN", "DNSIMPLE_ACCOUNT_ID", "DNSIMPLE_DOMAINS"):
        assert manifest["env"][name]["required"] is True
    assert manifest["env"]["SECRET_KEY"]["generator"] == "secret"
    # Behind Heroku's router every client would otherwise share the router's address.
    assert manifest["env"]["TRUSTED_PROXIES"]["value"] == "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"
