"""Settings: the original variable names, demo defaults, and refusals of unsafe set-ups."""

from __future__ import annotations

from pathlib import Path

import pytest

from dns_api.errors import ConfigurationError
from dns_api.settings import load_settings

STRONG = "s3cr3t-" + "k" * 10 + "abcdefghijklmnopqrstuvwxyz"


@pytest.fixture(autouse=True)
def _clean(clean_config: dict[str, str]) -> None:
    """Every test here starts from no configuration, in an empty folder."""


def production(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    values = {
        "DNSIMPLE_ACCOUNT_TOKEN": "dnsimple-token",
        "DNSIMPLE_ACCOUNT_ID": "1234",
        "DNSIMPLE_DOMAINS": "Example.com., example.org",
        "SECRET_KEY": STRONG,
    }
    values.update(env)
    for key, value in values.items():
        monkeypatch.setenv(key, value)


def test_comma_lists_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    production(monkeypatch, VALID_USERS="alice, bob,,", BLACKLISTED_SUBDOMAINS="WWW,api")
    settings = load_settings()
    assert settings.valid_users == ["alice", "bob"]
    assert settings.dnsimple_domains == ["example.com", "example.org"]
    assert settings.blacklisted_subdomains == ["www", "api"]
    assert settings.dnsimple_domain_ttl == 60
    assert settings.dnsimple_base_url == "https://api.dnsimple.com"
    assert not settings.demo_mode


def test_env_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("VALID_USERS=carol\nDNSIMPLE_DOMAINS=example.net\n")
    settings = load_settings()
    assert settings.valid_users == ["carol"]
    assert settings.dnsimple_domains == ["example.net"]


def test_demo_mode_fills_defaults_and_keeps_its_secret() -> None:
    first = load_settings(create_demo_secret=True)
    assert first.demo_mode
    assert first.valid_users == ["admin"]
    assert first.dnsimple_domains == ["example.com"]
    assert first.database_url == "sqlite:///./data/demo.db"
    assert first.secret_key is not None
    assert load_settings().secret_key == first.secret_key


def test_reading_the_demo_settings_creates_nothing(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.demo_mode
    assert settings.secret_key is None  # no demo has run here yet
    assert list(tmp_path.iterdir()) == []


def test_an_explicit_database_url_is_kept_in_demo_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///./data/mine.db")
    assert load_settings().database_url == "sqlite:///./data/mine.db"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "secret key"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short-but-random-9f8e"}, "SECRET_KEY"),
        ({"SECRET_KEY": "a" * 64}, "SECRET_KEY"),
        ({"DNSIMPLE_ACCOUNT_ID": ""}, "DNSIMPLE_ACCOUNT_ID"),
        ({"DNSIMPLE_ACCOUNT_ID": "abc"}, "DNSIMPLE_ACCOUNT_ID"),
        ({"DNSIMPLE_DOMAINS": ""}, "DNSIMPLE_DOMAINS"),
        ({"DNSIMPLE_DOMAIN_TTL": "ten"}, "DNSIMPLE_DOMAIN_TTL"),
        ({"DNSIMPLE_DOMAIN_TTL": "5"}, "DNSIMPLE_DOMAIN_TTL"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"DNSIMPLE_BASE_URL": "api.dnsimple.com"}, "DNSIMPLE_BASE_URL"),
        ({"PORT": "http"}, "PORT"),
        ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL"),
        ({"BLACKLISTED_SUBDOMAINS": "www,a..b"}, "BLACKLISTED_SUBDOMAINS"),
        ({"DNSIMPLE_DOMAINS": "example.com,bad name.org"}, "DNSIMPLE_DOMAINS"),
        ({"TRUSTED_PROXIES": "10.0.0.0/8,proxy"}, "TRUSTED_PROXIES"),
        ({"LEGACY_TOKENS": "maybe"}, "LEGACY_TOKENS"),
    ],
)
def test_misconfiguration_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], variable: str
) -> None:
    production(monkeypatch, **env)
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert caught.value.variable == variable


def test_heroku_postgres_url_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    production(monkeypatch, DATABASE_URL="postgres://u:p@db.example:5432/app")
    assert load_settings().database_url.startswith("postgres://")


def test_database_password_stays_out_of_reprs(monkeypatch: pytest.MonkeyPatch) -> None:
    production(monkeypatch, DATABASE_URL="postgresql://app:hunter2@db.example/app")
    assert "hunter2" not in repr(load_settings())
