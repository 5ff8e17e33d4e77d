"""The environment of a server-side command (token, audit, reconcile): one place for the tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

STRONG = "cli-test-secret-" + "0123456789abcdefghijklmnopqrstuvwxyz"


def server_cli(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, **extra: str
) -> CliRunner:
    """A runner for commands run in ``tmp_path`` against ``database_url``; ``extra`` adds or
    replaces variables (``DNSIMPLE_BASE_URL=...``)."""
    monkeypatch.chdir(tmp_path)
    variables = {
        "SECRET_KEY": STRONG,
        "DNSIMPLE_ACCOUNT_TOKEN": "t",
        "DNSIMPLE_ACCOUNT_ID": "1010",
        "DNSIMPLE_DOMAINS": "example.com,example.org",
        "DATABASE_URL": database_url,
        **extra,
    }
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return CliRunner()
