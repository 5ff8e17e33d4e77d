"""certbot with certbot-dns-multi's acme-dns provider, against dns-api's ``/acme-dns``.

The first run registers (no credentials: ``ACME_DNS_REGISTRATION=open``), saves the account
and stops, asking for the CNAME; once ``_acme-challenge.<domain>`` points at the registered
``fulldomain``, the second run updates its TXT and gets the certificate from pebble, which
follows the CNAME over DNS to what dns-api wrote.
"""

from __future__ import annotations

import json

import httpx
import pytest

from dns_api.emulator import RunningEmulator
from tests.clients.harness import certificate_names
from tests.clients.runners import ADMIN, ZONE, Certbot, records

pytestmark = [pytest.mark.clients, pytest.mark.slow]

AUTH_ZONE = "auth.example.com"
DOMAIN = "shop.example.com"


@pytest.fixture
def api_env() -> dict[str, str]:
    return {"ACME_DNS_ZONE": AUTH_ZONE, "ACME_DNS_REGISTRATION": "open"}


def test_certbot_registers_then_gets_the_certificate_once_the_cname_exists(
    api: str, emulator: RunningEmulator, certbot: Certbot
) -> None:
    credentials = {
        "dns_multi_provider": "acme-dns",
        "ACME_DNS_API_BASE": f"{api}/acme-dns",
        "ACME_DNS_STORAGE_PATH": str(certbot.storage),
    }

    first = certbot([DOMAIN], credentials)
    assert not first.ok, f"expected a stop asking for the CNAME:\n{first}"
    assert certbot.storage.is_file(), str(first)
    fulldomain = json.loads(certbot.storage.read_text())[DOMAIN]["fulldomain"]
    assert fulldomain.endswith(f".{AUTH_ZONE}"), fulldomain
    assert fulldomain in first.output, str(first)  # what to point the CNAME at

    cname = f"{api}/records/cname/{ZONE}/_acme-challenge.shop/{fulldomain}"
    response = httpx.post(cname, headers=ADMIN)
    assert response.status_code == 200, response.text

    second = certbot([DOMAIN], credentials)
    assert second.ok, str(second)
    assert certificate_names(certbot.certificate(DOMAIN)) == {DOMAIN}
    assert records(emulator, "CNAME", "_acme-challenge.shop") == [fulldomain]
