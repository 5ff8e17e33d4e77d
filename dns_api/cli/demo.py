"""Demo mode's DNSimple for the commands that need one: the emulator of the running server.

In demo mode ``dns-api serve`` runs the built-in emulator in its own process and writes where it
listens to ``data/demo-emulator``. ``reconcile`` and ``adopt``, run in the same folder, use that
emulator through ``demo_dnsimple`` if it answers (a server stopped by a signal leaves the file
behind); without a running demo server they stop with one line saying to start one.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from pydantic import SecretStr

from dns_api.cli.common import fail
from dns_api.settings import Settings

DEMO_EMULATOR_FILE = Path("data") / "demo-emulator"


def announce(url: str, token: str) -> None:
    """Say where the running demo's emulator is, for the commands run beside it."""
    DEMO_EMULATOR_FILE.parent.mkdir(parents=True, exist_ok=True)
    DEMO_EMULATOR_FILE.write_text(json.dumps({"url": url, "token": token}))
    DEMO_EMULATOR_FILE.chmod(0o600)


def withdraw() -> None:
    DEMO_EMULATOR_FILE.unlink(missing_ok=True)


def demo_dnsimple(settings: Settings) -> Settings:
    """``settings`` pointed at the running demo's emulator in demo mode (else as they are)."""
    if not settings.demo_mode:
        return settings
    found = _announced()
    if found is None:
        fail(
            "demo mode (no DNSIMPLE_ACCOUNT_TOKEN): DNSimple here is the emulator of a running "
            "dns-api serve; start it in this folder first (make run), or set DNSimple credentials"
        )
    url, token = found
    return settings.model_copy(
        update={"dnsimple_base_url": url, "dnsimple_account_token": SecretStr(token)}
    )


def _announced() -> tuple[str, str] | None:
    """The running demo's emulator, if one is announced here and answers."""
    try:
        announced = json.loads(DEMO_EMULATOR_FILE.read_text())
        url, token = str(announced["url"]), str(announced["token"])
        answer = httpx.get(f"{url}/v2/whoami", headers={"Authorization": f"Bearer {token}"})
    except (OSError, ValueError, KeyError, TypeError, httpx.HTTPError):
        return None
    return (url, token) if answer.status_code == 200 else None
