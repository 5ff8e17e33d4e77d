"""Running the real client programs: finding them, running them with a deadline, and pebble.

Every process is started in its own session and ended by its process-group id (never by name),
also when the test fails or the program hangs. ``conftest.py`` turns these into fixtures.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.live import free_port

REPO = Path(__file__).resolve().parents[2]
CERTBOT = REPO / ".venv-clients" / "bin" / "certbot"
REQUIRE = "DNS_API_REQUIRE_CLIENTS"
# Debian puts inadyn in /usr/sbin, which a non-root PATH may lack.
_SEARCH = [*os.environ.get("PATH", "").split(os.pathsep), "/usr/sbin", "/sbin"]
CLIENT_TIMEOUT_S = 120.0


def program(name: str) -> str:
    """The path of the client program ``name`` (a command, or a path for certbot's venv).

    Missing: the test is skipped, or fails when ``DNS_API_REQUIRE_CLIENTS=1`` (CI).
    """
    found = str(CERTBOT) if name == "certbot" else shutil.which(name, path=os.pathsep.join(_SEARCH))
    if found and os.access(found, os.X_OK):
        return found
    reason = f"{name} is not installed (scripts/install-clients installs it)"
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{REQUIRE}=1 but {reason}")
    pytest.skip(reason)


def client_environment(home: Path, **extra: str) -> dict[str, str]:
    """A small environment: no proxies, no ``PEBBLE_*`` or client settings from the caller."""
    path = os.environ.get("PATH", "/usr/bin:/bin")
    return {"PATH": path, "HOME": str(home), "LANG": "C.UTF-8", **extra}


@dataclass(frozen=True)
class Ran:
    """One finished (or killed) run of a program; ``str()`` is the assertion message."""

    args: Sequence[str]
    returncode: int | None  # None: killed at the deadline
    output: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def __str__(self) -> str:
        status = "timed out" if self.returncode is None else f"exit {self.returncode}"
        command = " ".join(self.args)
        return f"{command}\n-> {status} after {self.seconds:.1f} s; output:\n{self.output}"


def run(
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    timeout: float = CLIENT_TIMEOUT_S,
) -> Ran:
    """Run ``args`` to the end (stdout and stderr together), killing its group at ``timeout``."""
    started = time.monotonic()
    process = subprocess.Popen(
        list(args),
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    returncode: int | None
    try:
        output, _ = process.communicate(timeout=timeout)
        returncode = process.returncode
    except subprocess.TimeoutExpired:
        _kill_group(process.pid)
        output, _ = process.communicate()
        returncode = None
    finally:
        _kill_group(process.pid)  # anything it left behind in its group
        if process.poll() is None:
            process.kill()
            process.wait()
    text = output.decode("utf-8", "replace")
    return Ran(list(args), returncode, text, time.monotonic() - started)


def _kill_group(pgid: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def certificate_names(path: Path) -> set[str]:
    """The DNS names of a PEM certificate's subjectAltName (empty if there is no such file)."""
    if not path.is_file():
        return set()
    openssl = program("openssl")
    args = [openssl, "x509", "-noout", "-ext", "subjectAltName", "-in", str(path)]
    ran = run(args, env=os.environ, cwd=path.parent, timeout=30)
    assert ran.ok, str(ran)
    return set(re.findall(r"DNS:([^,\s]+)", ran.output))


# -- pebble ----------------------------------------------------------------------------------

_OPENSSL_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = dns-api test
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


def make_tls_certificate(directory: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a certificate it signs for ``localhost``/``127.0.0.1``, for pebble's
    own listener; returns ``(ca, certificate, key)``. A real CA and leaf, not one self-signed
    certificate, so that strict verifiers (Python 3.13's default) accept them."""
    openssl = program("openssl")
    config = directory / "openssl.cnf"
    config.write_text(_OPENSSL_CONFIG)
    ca, ca_key = directory / "ca.pem", directory / "ca.key"
    cert, key, csr = directory / "cert.pem", directory / "key.pem", directory / "cert.csr"
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    make_ca = ["req", "-x509", "-config", config, "-extensions", "ca", *ec, "-days", "2"]
    make_ca += ["-keyout", ca_key, "-out", ca, "-subj", "/CN=dns-api test pebble listener CA"]
    make_request = ["req", "-new", "-config", config, *ec]
    make_request += ["-keyout", key, "-out", csr, "-subj", "/CN=localhost"]
    sign = ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-set_serial", "1"]
    sign += ["-days", "2", "-extfile", config, "-extensions", "leaf", "-out", cert]
    steps = [make_ca, make_request, sign]
    for step in steps:
        ran = run([openssl, *map(str, step)], env=os.environ, cwd=directory, timeout=30)
        assert ran.ok, str(ran)
    return ca, cert, key


@dataclass(frozen=True)
class Pebble:
    """A running pebble: its ACME directory URL and the CA file that trusts its listener."""

    directory: str
    ca_file: Path
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def start_pebble(workdir: Path, dns_port: int) -> Iterator[Pebble]:
    """pebble on free loopback ports, validating against ``127.0.0.1:dns_port``; stopped (by
    its process group) at exit. A port taken between choosing and binding it: new ports."""
    binary = program("pebble")
    ca, cert, key = make_tls_certificate(workdir)
    for attempt in range(1, _PEBBLE_ATTEMPTS + 1):
        process, pebble = _launch_pebble(binary, workdir, dns_port, ca, cert, key)
        try:
            started = _wait_for_pebble(process, pebble, last=attempt == _PEBBLE_ATTEMPTS)
            if started:
                yield pebble
                return
        finally:
            _kill_group(process.pid)
            process.wait(timeout=30)


_PEBBLE_ATTEMPTS = 3


def _launch_pebble(
    binary: str, workdir: Path, dns_port: int, ca: Path, cert: Path, key: Path
) -> tuple[subprocess.Popen[bytes], Pebble]:
    port = free_port()
    settings = {
        "listenAddress": f"127.0.0.1:{port}",
        "managementListenAddress": f"127.0.0.1:{free_port()}",
        "certificate": str(cert),
        "privateKey": str(key),
        "httpPort": free_port(),  # http-01 and tls-alpn-01 are never used: dns-01 only
        "tlsPort": free_port(),
        "ocspResponderURL": "",
        "externalAccountBindingRequired": False,
    }
    config = workdir / "pebble.json"
    config.write_text(json.dumps({"pebble": settings}))
    # Leave PEBBLE_VA_ALWAYS_VALID unset (client_environment passes no PEBBLE_*): real checks.
    env = client_environment(
        workdir, PEBBLE_VA_NOSLEEP="1", PEBBLE_WFE_NONCEREJECT="0", PEBBLE_AUTHZREUSE="0"
    )
    log = workdir / "pebble.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "-config", str(config), "-dnsserver", f"127.0.0.1:{dns_port}"],
            env=env,
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, Pebble(f"https://127.0.0.1:{port}/dir", ca, log)


def _wait_for_pebble(process: subprocess.Popen[bytes], pebble: Pebble, *, last: bool) -> bool:
    """True once pebble answers; False if it could not bind its ports (unless ``last``)."""
    context = ssl.create_default_context(cafile=str(pebble.ca_file))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = pebble.log_text()
            if "address already in use" in log and not last:
                return False
            raise AssertionError(f"pebble exited with {process.returncode}:\n{log}")
        with suppress(httpx.TransportError):
            if httpx.get(pebble.directory, verify=context, timeout=1).status_code == 200:
                return True
        time.sleep(0.1)
    raise AssertionError(f"pebble did not answer within 30 s:\n{pebble.log_text()}")
