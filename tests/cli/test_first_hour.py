"""What a newcomer meets in the first hour: one-line errors, no stray files, demo data apart.

Each test runs ``dns-api`` as a real process in an empty folder with no configuration (the
``clean_config`` fixture), as someone following the README would.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import free_port, wait_for

STRONG = "first-hour-secret-" + "0123456789abcdefghijklmnopqrstuvwxyz"
STALE_ETAG = ("--token", "t", "--if-match", '"9b1c\u2026"')  # copied from the README's example


def dns_api(
    env: dict[str, str], folder: Path, *args: str, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dns_api", *args],
        env={**env, **extra},
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ["whoami", "--token", "eyJhbGciOiJIUzUxMiJ9.eyJ1c2VybmFtZSI6ImFkbWluIn0.\u2026"],
        ["records", "delete", "www", "A", "--zone", "example.com", *STALE_ETAG],
    ],
    ids=["token", "if-match"],
)
def test_a_non_ascii_token_or_etag_is_one_line_not_a_traceback(
    clean_config: dict[str, str], tmp_path: Path, args: list[str]
) -> None:
    result = dns_api(clean_config, tmp_path, *args, DNS_API_URL="http://127.0.0.1:9")
    assert result.returncode == 1
    assert "U+2026" in one_line_error(result)


def test_read_only_commands_create_nothing(clean_config: dict[str, str], tmp_path: Path) -> None:
    current = dns_api(clean_config, tmp_path, "db", "current")
    assert current.returncode == 0, current.stderr
    assert "no database" in current.stdout
    for command in (["token", "list"], ["audit"], ["reconcile"]):
        result = dns_api(clean_config, tmp_path, *command)
        assert result.returncode == 1, command
        assert "no database" in one_line_error(result) or "start it" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_token_is_minted_in_demo_mode_with_no_dnsimple_to_ask(
    clean_config: dict[str, str], tmp_path: Path
) -> None:
    minted = dns_api(
        clean_config,
        tmp_path,
        *("token", "create", "--owner", "ci", "--name", "ci", "--zone", "example.com"),
        *("--name-pattern", "pr-*", "--type", "A", "--action", "read"),
    )
    assert minted.returncode == 0, minted.stderr
    assert minted.stdout.splitlines()[-1].startswith("dnsapi_")


def test_a_database_failure_says_why_without_the_password(
    clean_config: dict[str, str], tmp_path: Path
) -> None:
    url = "postgresql://dns:hunter2-secret@127.0.0.1:9/dns"
    for args in (["db", "upgrade"], ["db", "current"]):
        result = dns_api(clean_config, tmp_path, *args, DATABASE_URL=url)
        assert result.returncode == 1
        line = one_line_error(result)
        assert "refused" in line.lower()  # the driver's reason, not only its class name
        assert "hunter2" not in line


def test_demo_data_never_reaches_a_real_deployment(
    clean_config: dict[str, str], tmp_path: Path
) -> None:
    demo_db = f"sqlite:///{tmp_path / 'shared.db'}"
    assert dns_api(clean_config, tmp_path, "db", "upgrade", DATABASE_URL=demo_db).returncode == 0
    real = {
        "DATABASE_URL": demo_db,
        "DNSIMPLE_ACCOUNT_TOKEN": "real-token",
        "DNSIMPLE_ACCOUNT_ID": "1010",
        "DNSIMPLE_DOMAINS": "example.com",
        "SECRET_KEY": STRONG,
        "DNSIMPLE_BASE_URL": "http://127.0.0.1:9",
    }
    refused = dns_api(clean_config, tmp_path, "db", "upgrade", **real)
    assert refused.returncode == 2
    assert "holds demo data" in one_line_error(refused)


def test_demo_mode_refuses_a_real_deployments_database(
    clean_config: dict[str, str], tmp_path: Path
) -> None:
    real_db = f"sqlite:///{tmp_path / 'real.db'}"
    real = {"DATABASE_URL": real_db, "SECRET_KEY": STRONG, "DNSIMPLE_ACCOUNT_TOKEN": "t"}
    real |= {"DNSIMPLE_ACCOUNT_ID": "1010", "DNSIMPLE_DOMAINS": "example.com"}
    made = dns_api(
        clean_config,
        tmp_path,
        *("token", "create", "--owner", "ci", "--name", "ci", "--zone", "example.com"),
        *("--name-pattern", "pr-*", "--type", "A", "--action", "read"),
        **real,
    )
    assert made.returncode == 0, made.stderr
    refused = dns_api(clean_config, tmp_path, "db", "upgrade", DATABASE_URL=real_db)
    assert refused.returncode == 2
    assert "DNSimple credentials" in one_line_error(refused)


@pytest.fixture
def demo_folder(clean_config: dict[str, str], tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """``dns-api serve`` in demo mode in ``tmp_path``; yields the folder and the API's URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "dns_api", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=clean_config,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(url + "/", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(up, "the demo server", seconds=60)
        yield tmp_path, url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.slow
def test_reconcile_and_adopt_work_in_demo_mode(
    clean_config: dict[str, str], demo_folder: tuple[Path, str]
) -> None:
    folder, _ = demo_folder
    emulator = json.loads((folder / "data" / "demo-emulator").read_text())
    headers = {"Authorization": f"Bearer {emulator['token']}"}
    made = httpx.post(
        f"{emulator['url']}/v2/1010/zones/example.com/records",
        headers=headers,
        json={"name": "legacy", "type": "A", "content": "192.0.2.7", "ttl": 60},
    )
    assert made.status_code == 201, made.text
    report = dns_api(clean_config, folder, "reconcile", "--json")
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["in_sync"] is True
    adopted = dns_api(
        clean_config, folder, "adopt", "--zone", "example.com", "--name", "legacy", "--type", "A"
    )
    assert adopted.returncode == 0, adopted.stderr
    assert "legacy" in adopted.stdout


def test_reconcile_in_demo_mode_without_a_server_says_what_to_do(
    clean_config: dict[str, str], tmp_path: Path
) -> None:
    result = dns_api(clean_config, tmp_path, "reconcile")
    assert result.returncode == 1
    assert "start it in this folder first" in one_line_error(result)
