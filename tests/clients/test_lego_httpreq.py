"""lego's httpreq provider gets certificates from pebble through dns-api's ``/acme/httpreq``.

The whole way is real: lego POSTs present/cleanup to dns-api with a narrow token as the Basic
password, dns-api writes the TXT records to the emulator, and pebble validates them over DNS.
"""

from __future__ import annotations

import pytest

from dns_api.emulator import RunningEmulator
from tests.clients.harness import certificate_names
from tests.clients.runners import ZONE, Lego, mint_token, record_names

pytestmark = [pytest.mark.clients, pytest.mark.slow]

ACME_GRANT = {
    "zones": [ZONE],
    "names": ["_acme-challenge", "_acme-challenge.**"],
    "types": ["TXT"],
    "actions": ["read", "create", "update", "delete"],
}


def httpreq(api: str) -> dict[str, str]:
    token = mint_token(api, [ACME_GRANT], name="lego")
    # Any username: lego sends Basic auth only when both are set.
    return {
        "HTTPREQ_ENDPOINT": f"{api}/acme/httpreq",
        "HTTPREQ_USERNAME": "lego",
        "HTTPREQ_PASSWORD": token,
    }


def test_lego_gets_the_apex_and_its_wildcard_in_one_order(
    api: str, emulator: RunningEmulator, lego: Lego
) -> None:
    ran = lego(["example.com", "*.example.com"], **httpreq(api))

    assert ran.ok, str(ran)
    certificate = lego.certificate("example.com")
    assert certificate.is_file(), str(ran)
    assert certificate_names(certificate) == {"example.com", "*.example.com"}
    assert record_names(emulator, "TXT") == [], "cleanup left challenge records behind"


def test_lego_raw_mode_sends_the_key_authorization(
    api: str, emulator: RunningEmulator, lego: Lego
) -> None:
    ran = lego(["raw.example.com"], HTTPREQ_MODE="RAW", **httpreq(api))

    assert ran.ok, str(ran)
    certificate = lego.certificate("raw.example.com")
    assert certificate.is_file(), str(ran)
    assert certificate_names(certificate) == {"raw.example.com"}
    assert record_names(emulator, "TXT") == [], "cleanup left challenge records behind"
