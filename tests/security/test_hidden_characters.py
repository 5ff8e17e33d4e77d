"""Finding 10: values could hide what they hold (direction overrides, zero-width characters).

A TXT value with U+202E reads backwards in a terminal or a dashboard; zero-width characters make
two values look alike. Every record value now refuses Unicode format and separator characters
(the plain space aside), as names already do.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from dns_api.emulator import RunningEmulator
from tests.security.conftest import Auth, codes, pointers

HIDDEN = {
    "right-to-left override": "\u202e",
    "left-to-right isolate": "\u2066",
    "line separator": "\u2028",
    "paragraph separator": "\u2029",
    "byte order mark": "\ufeff",
    "zero-width space": "\u200b",
    "zero-width joiner": "\u200d",
    "no-break space": "\u00a0",
    "ideographic space": "\u3000",
    "soft hyphen": "\u00ad",
}


@pytest.mark.parametrize("char", list(HIDDEN.values()), ids=list(HIDDEN))
def test_txt_with_a_hidden_character_is_422_and_never_sent(
    client: TestClient, auth: Auth, emulator: RunningEmulator, char: str
) -> None:
    response = client.put(
        "/zones/example.com/rrsets/note/TXT",
        headers=auth(),
        json={"records": [f"v=spf1 {char}-all"]},
    )
    assert response.status_code == 422
    assert codes(response) == ["invalid"]
    assert pointers(response) == {"/records/0"}
    assert f"U+{ord(char):04X}" in response.text
    assert [r for r in emulator.state.records("example.com") if not r["system_record"]] == []


def test_caa_and_mx_refuse_them_too(client: TestClient, auth: Auth) -> None:
    for record_type, value in (
        ("CAA", '0 issue "letsencrypt.org\u202e"'),
        ("MX", "10 mail.example.com\u200b"),
    ):
        response = client.put(
            f"/zones/example.com/rrsets/@/{record_type}", headers=auth(), json={"records": [value]}
        )
        assert response.status_code == 422, record_type


def test_plain_spaces_and_other_scripts_are_kept(client: TestClient, auth: Auth) -> None:
    response = client.put(
        "/zones/example.com/rrsets/note/TXT",
        headers=auth(),
        json={"records": ["bonjour le monde \u2013 ünïcödé 日本語 😀"]},
    )
    assert response.status_code == 200, response.text


# --- NUL: PostgreSQL cannot store it, so it must never get that far (found by fuzzing) ---------


def test_a_nul_in_a_body_is_422_naming_the_field(client: TestClient, auth: Auth) -> None:
    grants = [{"zones": ["example.com"], "names": ["pr-*"], "types": ["A"], "actions": ["read"]}]
    response = client.post("/tokens", headers=auth(), json={"name": "a\x00b", "grants": grants})
    assert response.status_code == 422
    assert pointers(response) == {"/name"}
    nested = client.post(
        "/zones/example.com/changes",
        headers=auth(),
        json={"changes": [{"action": "delete", "name": "x", "type": "A\x00"}]},
    )
    assert nested.status_code == 422
    assert pointers(nested) == {"/changes/0/type"}


@pytest.mark.parametrize("field", ["actor", "action"])
def test_a_nul_in_an_audit_filter_is_422(client: TestClient, auth: Auth, field: str) -> None:
    response = client.get("/audit", headers=auth(), params={field: "a\x00"})
    assert response.status_code == 422
    assert pointers(response) == {field}
