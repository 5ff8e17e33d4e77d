"""Configuration, read once from the environment (and an optional ``.env`` file).

The variable names are the original service's, so an existing deployment moves over unchanged.
``load_settings()`` is the only function that reads the environment; everything else receives a
``Settings`` object. Without ``DNSIMPLE_ACCOUNT_TOKEN`` the service runs in *demo mode* against the
built-in DNSimple emulator.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from dns_api.domain import names
from dns_api.errors import ConfigurationError

DEFAULT_DATABASE_URL = "sqlite:///./data/dns-api.db"
# Demo mode keeps its data apart, so that none of it shows up once real credentials are set.
DEMO_DATABASE_URL = "sqlite:///./data/demo.db"
DEMO_SECRET_FILE = Path("data") / "demo-secret-key"
MIN_SECRET_LENGTH = 32
PLACEHOLDER_SECRETS = frozenset(
    {"secret key", "secret", "changeme", "change-me", "change_me", "please-change-me", "xxx"}
)

CommaList = Annotated[list[str], NoDecode]


def _split_commas(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


MAX_TTL_BOUND = 2_592_000  # 30 days


class Settings(BaseSettings):
    """Every setting of the service. Build one with ``load_settings()`` (or directly in tests)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    secret_key: SecretStr | None = None
    valid_users: CommaList = Field(default_factory=list)
    dnsimple_account_id: str | None = None
    dnsimple_account_token: SecretStr | None = None
    dnsimple_domains: CommaList = Field(default_factory=list)
    blacklisted_subdomains: CommaList = Field(default_factory=list)
    dnsimple_domain_ttl: int = Field(default=60, ge=1, le=MAX_TTL_BOUND)
    min_ttl: int = Field(default=60, ge=1, le=MAX_TTL_BOUND)
    max_ttl: int = Field(default=86400, ge=1, le=MAX_TTL_BOUND)
    dnsimple_base_url: str = "https://api.dnsimple.com"
    dnsimple_timeout: float = Field(default=10.0, gt=0, le=120)
    dnsimple_max_rate_limit_wait: float = Field(default=10.0, ge=0, le=300)
    audit_retention_days: int = Field(default=0, ge=0, le=36500)  # 0: keep every event
    database_url: str = Field(default=DEFAULT_DATABASE_URL, repr=False)  # may hold a password
    port: int = Field(default=8000, ge=1, le=65535)
    legacy_tokens: bool = True
    trusted_proxies: CommaList = Field(default_factory=list)
    auth_failure_limit: int = Field(default=10, ge=1, le=10000)
    # How long a scoped token seen valid is trusted without reading its row again (revocations
    # through another instance or the CLI take effect within it); 0 (default): every request.
    token_cache_seconds: float = Field(default=0.0, ge=0, le=300)
    log_level: Literal["debug", "info", "warning", "error", "critical"] = "info"
    log_format: Literal["auto", "json", "text"] = "auto"  # auto: text on a terminal, else JSON
    metrics_token: SecretStr | None = None  # when set, GET /metrics needs it as a bearer token
    # Limits below the app (dns-api serve): what one connection may send and for how long.
    max_header_bytes: int = Field(default=16_384, ge=1024, le=1_048_576)
    header_timeout: float = Field(default=10.0, gt=0, le=300)  # request line and headers
    body_timeout: float = Field(default=30.0, gt=0, le=600)  # the whole body, once headers are in
    keepalive_timeout: float = Field(default=5.0, gt=0, le=300)  # idle between two requests
    max_connections: int = Field(default=512, ge=1, le=100_000)  # then 503 until some close
    # Idempotency-Key answers one token may have stored at a time (24 h each).
    idempotency_max_keys: int = Field(default=1000, ge=1, le=1_000_000)
    # Web console sessions (/console): ended after this long without a request, or this long
    # after sign-in, whichever comes first.
    console_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    console_session_hours: int = Field(default=12, ge=1, le=24 * 30)
    # acme-dns: registrations live under this name (inside a configured zone), if set.
    acme_dns_zone: str | None = None
    acme_dns_registration: Literal["off", "open", "token"] = "off"
    acme_dns_register_from: CommaList = Field(default_factory=list)  # networks, for "open"

    @field_validator(
        "valid_users",
        "dnsimple_domains",
        "blacklisted_subdomains",
        "trusted_proxies",
        "acme_dns_register_from",
        mode="before",
    )
    @classmethod
    def _split(cls, value: Any) -> Any:
        return _split_commas(value)

    @field_validator("log_level", "log_format", "acme_dns_registration", mode="before")
    @classmethod
    def _lower_level(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("dnsimple_domains", "blacklisted_subdomains")
    @classmethod
    def _normalize_names(cls, values: list[str]) -> list[str]:
        try:
            normalized = [names.normalize(value) for value in values]
        except names.InvalidName as exc:
            raise ValueError(str(exc)) from None
        if "" in normalized:
            raise ValueError("holds an empty name")
        return list(dict.fromkeys(normalized))

    @field_validator("acme_dns_zone")
    @classmethod
    def _acme_dns_zone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            normalized = names.normalize(value)
        except names.InvalidName as exc:
            raise ValueError(str(exc)) from None
        if not names.is_hostname(normalized):
            raise ValueError("must be a domain name such as auth.example.com")
        return normalized

    @field_validator("trusted_proxies", "acme_dns_register_from")
    @classmethod
    def _networks(cls, values: list[str]) -> list[str]:
        try:
            return [str(ipaddress.ip_network(v, strict=False)) for v in values]
        except ValueError:
            raise ValueError("must be a comma list of IP networks such as 10.0.0.0/8") from None

    @field_validator("dnsimple_account_id")
    @classmethod
    def _numeric_account(cls, value: str | None) -> str | None:
        if (
            value is not None
            and value.strip()
            and not (value.strip().isascii() and value.strip().isdecimal())
        ):
            raise ValueError("must be DNSimple's numeric account id")
        return value.strip() if value and value.strip() else None

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not re.match(r"^(sqlite|postgres|postgresql)(\+\w+)?://", value):
            raise ValueError("must start with sqlite://, postgres:// or postgresql://")
        return value

    @field_validator("dnsimple_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http(s) URL such as https://api.dnsimple.com")
        return value.rstrip("/")

    @property
    def demo_mode(self) -> bool:
        """True when no DNSimple credentials are configured: the built-in emulator is used."""
        return self.dnsimple_account_token is None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def check_settings(settings: Settings) -> None:
    """Refuse settings that cannot work or are unsafe. Raises ``ConfigurationError``."""
    if settings.min_ttl > settings.max_ttl:
        raise ConfigurationError("MIN_TTL", f"is above MAX_TTL ({settings.max_ttl})")
    if not settings.min_ttl <= settings.dnsimple_domain_ttl <= settings.max_ttl:
        raise ConfigurationError(
            "DNSIMPLE_DOMAIN_TTL",
            f"must be within MIN_TTL..MAX_TTL ({settings.min_ttl}..{settings.max_ttl})",
        )
    _check_acme_dns(settings)
    if settings.demo_mode:
        return
    if settings.dnsimple_account_id is None:
        raise ConfigurationError("DNSIMPLE_ACCOUNT_ID", "is required with DNSIMPLE_ACCOUNT_TOKEN")
    if not settings.dnsimple_domains:
        raise ConfigurationError("DNSIMPLE_DOMAINS", "list at least one zone to manage")
    _check_secret_key(settings.secret_key)


def _check_acme_dns(settings: Settings) -> None:
    zone = settings.acme_dns_zone
    if zone is None:
        if settings.acme_dns_registration != "off":
            raise ConfigurationError(
                "ACME_DNS_REGISTRATION", "needs ACME_DNS_ZONE (where registrations live)"
            )
        return
    zones = settings.dnsimple_domains or ["example.com"]  # demo mode's default zone
    if names.zone_of(zone, zones) is None:
        raise ConfigurationError(
            "ACME_DNS_ZONE", f"must lie in one of DNSIMPLE_DOMAINS ({', '.join(zones)})"
        )


def _check_secret_key(secret: SecretStr | None) -> None:
    if secret is None or not secret.get_secret_value():
        raise ConfigurationError("SECRET_KEY", "is required when DNSimple credentials are set")
    value = secret.get_secret_value()
    if value.strip().lower() in PLACEHOLDER_SECRETS:
        raise ConfigurationError("SECRET_KEY", "is a placeholder; generate a random one")
    if len(value) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            "SECRET_KEY", f"must be at least {MIN_SECRET_LENGTH} characters (random)"
        )
    if len(set(value)) < 8:
        raise ConfigurationError("SECRET_KEY", "is not random enough; generate a random one")


def with_demo_defaults(settings: Settings, *, create_secret: bool = False) -> Settings:
    """Fill what demo mode needs: a zone, a user, a database of its own (``./data/demo.db``
    unless DATABASE_URL says otherwise) and a secret that survives restarts. The secret file
    is made only with ``create_secret`` (``dns-api serve``): other commands create nothing."""
    if not settings.demo_mode:
        return settings
    updates: dict[str, Any] = {}
    if not settings.dnsimple_domains:
        updates["dnsimple_domains"] = ["example.com"]
    if not settings.valid_users:
        updates["valid_users"] = ["admin"]
    if settings.dnsimple_account_id is None:
        updates["dnsimple_account_id"] = "1010"
    if "database_url" not in settings.model_fields_set:
        updates["database_url"] = DEMO_DATABASE_URL
    if settings.secret_key is None:
        secret = _demo_secret(create=create_secret)
        updates["secret_key"] = SecretStr(secret) if secret else None
    return settings.model_copy(update=updates)


def _demo_secret(*, create: bool) -> str | None:
    if DEMO_SECRET_FILE.exists():
        return DEMO_SECRET_FILE.read_text().strip()
    if not create:
        return None
    DEMO_SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    DEMO_SECRET_FILE.write_text(secret)
    DEMO_SECRET_FILE.chmod(0o600)
    return secret


def load_settings(*, create_demo_secret: bool = False, **overrides: Any) -> Settings:
    """Read, validate and complete the settings; ``ConfigurationError`` names the variable.
    ``create_demo_secret``: in demo mode, make the demo's SECRET_KEY if there is none yet."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        variable = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise ConfigurationError(variable, first["msg"]) from None
    check_settings(settings)
    return with_demo_defaults(settings, create_secret=create_demo_secret)
