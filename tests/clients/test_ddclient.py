"""ddclient's dyndns2 protocol against dns-api's ``/nic/update``: two hosts in one request."""

from __future__ import annotations

import pytest

from dns_api.emulator import RunningEmulator
from tests.clients.runners import ZONE, Ddclient, mint_token, records, writes

pytestmark = [pytest.mark.clients, pytest.mark.slow]

HOSTS = ["a.example.com", "b.example.com"]
IP = "192.0.2.10"
GRANT = {
    "zones": [ZONE],
    "names": ["a", "b"],
    "types": ["A"],
    "actions": ["read", "create", "update"],
}


def test_ddclient_sets_two_hosts_then_a_forced_run_changes_nothing(
    api: str, emulator: RunningEmulator, ddclient: Ddclient
) -> None:
    token = mint_token(api, [GRANT], name="ddclient")

    first = ddclient(HOSTS, IP, token)
    assert first.ok, str(first)
    assert first.output.count(f"RECEIVE:  good {IP}") == len(HOSTS), str(first)
    for host in HOSTS:
        assert f"SUCCESS:  updating {host}: good" in first.output, str(first)
    assert records(emulator, "A", "a") == [IP]
    assert records(emulator, "A", "b") == [IP]

    before = writes(emulator)
    assert before > 0
    second = ddclient(HOSTS, IP, token, "-force")
    assert second.ok, str(second)
    assert second.output.count(f"RECEIVE:  nochg {IP}") == len(HOSTS), str(second)
    for host in HOSTS:
        assert f"updating {host}: nochg" in second.output, str(second)
    assert writes(emulator) == before, "a run that changed nothing wrote to DNSimple"
    assert records(emulator, "A") == [IP, IP]
