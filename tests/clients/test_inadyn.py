"""inadyn's custom dyndns2 provider against dns-api's ``/nic/update`` (HTTP/1.0, Host
header without the port)."""

from __future__ import annotations

import re

import pytest

from dns_api.emulator import RunningEmulator
from tests.clients.runners import ZONE, Inadyn, mint_token, records

pytestmark = [pytest.mark.clients, pytest.mark.slow]

GRANT = {
    "zones": [ZONE],
    "names": ["home"],
    "types": ["A"],
    "actions": ["read", "create", "update"],
}


def test_inadyn_sets_the_hosts_address(api: str, emulator: RunningEmulator, inadyn: Inadyn) -> None:
    token = mint_token(api, [GRANT], name="inadyn")

    ran = inadyn(["home.example.com"], "192.0.2.60", token, cached="192.0.2.1")

    assert ran.ok, str(ran)
    # What makes inadyn different: HTTP/1.0, and a Host header without the port.
    request = "GET /nic/update?hostname=home.example.com&myip=192.0.2.60 HTTP/1.0"
    assert request in ran.output, str(ran)
    assert re.search(r"^Host: 127\.0\.0\.1\r?$", ran.output, re.MULTILINE), str(ran)
    assert "good 192.0.2.60" in ran.output, str(ran)
    assert records(emulator, "A", "home") == ["192.0.2.60"]
