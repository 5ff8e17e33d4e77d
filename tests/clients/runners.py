"""One call, one run of a real client: lego, certbot, ddclient, inadyn; and what tests read back.

Each runner writes the program's configuration into the test's own folder, runs it once with a
deadline (``harness.run``) and returns a ``Ran`` whose ``str()`` is the assertion message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from dns_api.emulator import RunningEmulator
from tests.clients.harness import Pebble, Ran, client_environment, run
from tests.conftest import legacy_token

ZONE = "example.com"
ADMIN = {"Authorization": f"Bearer {legacy_token('alice')}"}
EMAIL = "acme@example.com"
DYNDNS_TIMEOUT_S = 30.0


class DnsServer(Protocol):
    """What ``dns_api.emulator.dns.start_dns`` returns."""

    host: str
    port: int

    def stop(self) -> None: ...


def mint_token(api: str, grants: Sequence[Mapping[str, Any]], name: str = "client") -> str:
    """A new scoped token on ``api``, minted with the legacy admin token."""
    response = httpx.post(f"{api}/tokens", headers=ADMIN, json={"name": name, "grants": grants})
    assert response.status_code == 201, response.text
    secret: str = response.json()["data"]["token"]
    return secret


def records(emulator: RunningEmulator, rtype: str, name: str | None = None) -> list[str]:
    """The sorted contents of the emulator's ``rtype`` records in example.com at ``name``
    (relative, ``""`` for the apex; ``None``: at any name)."""
    return sorted(
        record["content"]
        for record in emulator.state.records(ZONE)
        if record["type"] == rtype and name in (None, record["name"])
    )


def record_names(emulator: RunningEmulator, rtype: str) -> list[str]:
    """The sorted names of the emulator's ``rtype`` records in example.com."""
    return sorted(
        record["name"] for record in emulator.state.records(ZONE) if record["type"] == rtype
    )


def writes(emulator: RunningEmulator) -> int:
    """How many writing calls the emulator has received (records and batches)."""
    return sum(emulator.state.count(method) for method in ("POST", "PATCH", "PUT", "DELETE"))


# -- ACME clients ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Lego:
    """``lego --dns httpreq ... run`` against pebble; ``path`` is its ``--path``."""

    binary: str
    pebble: Pebble
    dns: DnsServer
    path: Path

    def __call__(self, domains: Sequence[str], **env: str) -> Ran:
        args = [self.binary, "--server", self.pebble.directory, "--accept-tos"]
        args += ["--email", EMAIL, "--path", str(self.path), "--dns", "httpreq"]
        args += ["--dns.resolvers", f"{self.dns.host}:{self.dns.port}", "--dns.disable-cp"]
        for domain in domains:
            args += ["-d", domain]
        environment = client_environment(
            self.path.parent,
            LEGO_CA_CERTIFICATES=str(self.pebble.ca_file),
            HTTPREQ_POLLING_INTERVAL="1",
            HTTPREQ_PROPAGATION_TIMEOUT="30",
            HTTPREQ_HTTP_TIMEOUT="10",
            **env,
        )
        return run([*args, "run"], env=environment, cwd=self.path.parent)

    def certificate(self, domain: str) -> Path:
        """The certificate file lego writes for an order whose first domain is ``domain``."""
        return self.path / "certificates" / f"{domain.replace('*', '_')}.crt"


@dataclass(frozen=True)
class Certbot:
    """``certbot certonly -a dns-multi`` against pebble; one config/work/logs folder for all
    of a test's runs (so the ACME account and the acme-dns registrations carry over)."""

    binary: str
    pebble: Pebble
    dns: DnsServer
    folder: Path

    @property
    def storage(self) -> Path:
        """The file to pass as ``ACME_DNS_STORAGE_PATH``."""
        return self.folder / "acme-dns.json"

    def __call__(self, domains: Sequence[str], credentials: Mapping[str, str]) -> Ran:
        ini = self.folder / "credentials.ini"
        ini.write_text("".join(f"{key} = {value}\n" for key, value in credentials.items()))
        ini.chmod(0o600)
        state = str(self.folder / "certbot")
        args = [self.binary, "certonly", "--server", self.pebble.directory, "--non-interactive"]
        args += ["--agree-tos", "-m", EMAIL, "--no-eff-email"]
        args += ["--config-dir", state, "--work-dir", state, "--logs-dir", state]
        args += ["-a", "dns-multi", "--dns-multi-credentials", str(ini)]
        args += ["--dns-multi-propagation-seconds", "1"]
        args += ["--dns-multi-nameservers", f"{self.dns.host}:{self.dns.port}"]
        for domain in domains:
            args += ["-d", domain]
        env = client_environment(self.folder, REQUESTS_CA_BUNDLE=str(self.pebble.ca_file))
        return run(args, env=env, cwd=self.folder)

    def certificate(self, domain: str) -> Path:
        return self.folder / "certbot" / "live" / domain / "fullchain.pem"


# -- DynDNS2 clients -------------------------------------------------------------------------


def _host_port(api: str) -> str:
    """``127.0.0.1:<port>`` of a base URL: the DynDNS2 clients take host:port, no scheme."""
    return urlsplit(api).netloc


@dataclass(frozen=True)
class Ddclient:
    """ddclient once, dyndns2 over plain HTTP, the address given (``use=ip``: no lookup). The
    cache file stays across one test's calls: a second run knows what the first one set."""

    binary: str
    api: str
    folder: Path

    def __call__(self, hosts: Sequence[str], ip: str, password: str, *options: str) -> Ran:
        config = self.folder / "ddclient.conf"
        lines = ["daemon=0", "syslog=no", "ssl=no", f"use=ip, ip={ip}", "protocol=dyndns2"]
        lines += [f"server={_host_port(self.api)}", "login=ddclient", f"password='{password}'"]
        config.write_text("\n".join([*lines, ",".join(hosts)]) + "\n")
        config.chmod(0o600)
        args = [self.binary, "-daemon=0", "-foreground", "-file", str(config)]
        args += ["-cache", str(self.folder / "ddclient.cache"), "-verbose", "-noquiet", *options]
        env = client_environment(self.folder)
        return run(args, env=env, cwd=self.folder, timeout=DYNDNS_TIMEOUT_S)


@dataclass(frozen=True)
class Inadyn:
    """inadyn once (``-1``) with a custom dyndns2 provider over plain HTTP. Each host's cache
    file is seeded with ``cached`` so inadyn never asks the system resolver for it."""

    binary: str
    api: str
    folder: Path

    def __call__(self, hosts: Sequence[str], ip: str, password: str, cached: str) -> Ran:
        cache = self.folder / "cache"
        cache.mkdir(exist_ok=True)
        for host in hosts:
            (cache / f"{host}.cache").write_text(cached)
        names = ", ".join(f'"{host}"' for host in hosts)
        config = self.folder / "inadyn.conf"
        config.write_text(
            "period = 300\n"
            "verify-address = false\n"
            "custom dns-api {\n"
            "    ssl = false\n"
            "    username = inadyn\n"
            f'    password = "{password}"\n'
            f'    checkip-command = "/bin/echo {ip}"\n'
            f'    ddns-server = "{_host_port(self.api)}"\n'
            '    ddns-path = "/nic/update?hostname=%h&myip=%i"\n'
            f"    hostname = {{ {names} }}\n"
            "}\n"
        )
        config.chmod(0o600)
        args = [self.binary, "-1", "-n", "-l", "debug", "-f", str(config)]
        args += ["--cache-dir", str(cache), "-P", str(self.folder / "inadyn.pid")]
        env = client_environment(self.folder)
        return run(args, env=env, cwd=self.folder, timeout=DYNDNS_TIMEOUT_S)
