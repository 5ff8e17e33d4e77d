"""TXT and SPF content as the emulator stores it: quoted RFC 1035 character-strings, like
DNSimple since December 2023 (on create, on update and in a batch)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import httpx
import pytest

from dns_api.emulator import EmulatorState, RunningEmulator
from dns_api.emulator.txt import quote_text, split_octets
from tests.conftest import ACCOUNT_ID, EMULATOR_TOKEN

AUTH = {"Authorization": f"Bearer {EMULATOR_TOKEN}"}
ZONE = "example.com"
RECORDS = f"/v2/{ACCOUNT_ID}/zones/{ZONE}/records"
BATCH = f"/v2/{ACCOUNT_ID}/zones/{ZONE}/batch"

# (what the client sends, what DNSimple stores and answers)
STORED = [
    pytest.param("v=spf1 -all", '"v=spf1 -all"', id="plain"),
    pytest.param('"v=spf1 -all"', '"v=spf1 -all"', id="already-quoted"),
    pytest.param('"one" "two"', '"one" "two"', id="two-quoted-strings"),
    pytest.param('"one"\t "two"', '"one"\t "two"', id="quoted-strings-with-blanks"),
    pytest.param(r'"say \"hi\" \\o/"', r'"say \"hi\" \\o/"', id="quoted-with-escapes"),
    pytest.param('say "hi"', r'"say \"hi\""', id="inner-quotes-escaped"),
    pytest.param(r"C:\dir", r'"C:\\dir"', id="backslash-escaped"),
    pytest.param('"unterminated', r'"\"unterminated"', id="unbalanced-quote"),
    pytest.param('"a" b', r'"\"a\" b"', id="quoted-then-text"),
    pytest.param('"ends in escape\\"', r'"\"ends in escape\\\""', id="escaped-last-quote"),
    pytest.param("a" * 600, f'"{"a" * 255}" "{"a" * 255}" "{"a" * 90}"', id="600-octets"),
    pytest.param("a" * 255, f'"{"a" * 255}"', id="exactly-255-octets"),
    pytest.param("é" * 200, f'"{"é" * 127}" "{"é" * 73}"', id="two-octet-characters"),
    pytest.param("a" + "😀" * 64, f'"{"a" + "😀" * 63}" "😀"', id="four-octet-characters"),
]


@pytest.fixture
def http(emulator: RunningEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emulator.url, headers=AUTH, timeout=5.0) as client:
        yield client


@pytest.fixture
def state(emulator: RunningEmulator) -> EmulatorState:
    return emulator.state


def create(http: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = http.post(RECORDS, json=fields)
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()["data"]
    return record


def stored_content(state: EmulatorState, record_id: int) -> str:
    content: str = state.get_record(ZONE, record_id)["content"]
    return content


@pytest.mark.parametrize(("given", "stored"), STORED)
def test_create_stores_txt_in_quoted_form(
    http: httpx.Client, state: EmulatorState, given: str, stored: str
) -> None:
    record = create(http, name="txt", type="TXT", content=given)
    assert record["content"] == stored
    assert stored_content(state, record["id"]) == stored
    assert http.get(f"{RECORDS}/{record['id']}").json()["data"]["content"] == stored


@pytest.mark.parametrize(("given", "stored"), STORED)
def test_a_batch_stores_txt_in_quoted_form(
    http: httpx.Client, state: EmulatorState, given: str, stored: str
) -> None:
    existing = create(http, name="old", type="TXT", content="old")
    response = http.post(
        BATCH,
        json={
            "creates": [{"name": "new", "type": "TXT", "content": given}],
            "updates": [{"id": existing["id"], "content": given}],
        },
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert [data["creates"][0]["content"], data["updates"][0]["content"]] == [stored, stored]
    assert stored_content(state, existing["id"]) == stored


def test_update_quotes_new_txt_content(http: httpx.Client, state: EmulatorState) -> None:
    record = create(http, name="txt", type="TXT", content="first")
    response = http.patch(f"{RECORDS}/{record['id']}", json={"content": "second value"})
    assert response.json()["data"]["content"] == '"second value"'
    assert stored_content(state, record["id"]) == '"second value"'


def test_an_update_without_content_keeps_it(http: httpx.Client, state: EmulatorState) -> None:
    record = create(http, name="txt", type="TXT", content='"kept"')
    response = http.patch(f"{RECORDS}/{record['id']}", json={"ttl": 60})
    assert response.json()["data"]["content"] == '"kept"'


def test_spf_is_quoted_like_txt(http: httpx.Client) -> None:
    assert create(http, name="", type="spf", content="v=spf1 -all")["content"] == '"v=spf1 -all"'


@pytest.mark.parametrize(
    ("rtype", "content"),
    [("A", "192.0.2.1"), ("CNAME", "target.example.net"), ("MX", "mx.example.com")],
)
def test_other_types_are_stored_as_given(http: httpx.Client, rtype: str, content: str) -> None:
    assert create(http, name="x", type=rtype, content=content)["content"] == content


def test_resending_the_stored_content_keeps_it(http: httpx.Client) -> None:
    first = create(http, name="a", type="TXT", content='He said "no" \\ ' + "x" * 300)
    second = create(http, name="b", type="TXT", content=first["content"])
    assert second["content"] == first["content"]


def test_blank_txt_content_is_still_refused(http: httpx.Client) -> None:
    response = http.post(RECORDS, json={"name": "a", "type": "TXT", "content": " "})
    assert response.status_code == 400
    assert response.json()["errors"] == {"content": ["can't be blank"]}


# -- the rule itself ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "a", "a" * 256, "é" * 300, "a😀" * 200, "x\u0301" * 100])
def test_chunks_hold_at_most_255_octets_and_rejoin_to_the_text(text: str) -> None:
    chunks = split_octets(text)
    assert "".join(chunks) == text
    assert all(len(chunk.encode()) <= 255 for chunk in chunks)
    assert all(chunk for chunk in chunks) or text == ""
    # as few chunks as possible: each one is full but for the last
    assert all(len((a + b[0]).encode()) > 255 for a, b in pairwise(chunks))


def test_quoting_is_idempotent() -> None:
    for text in ["plain", 'with "quotes"', "back\\slash", "é" * 300, '"a" "b"']:
        assert quote_text(quote_text(text)) == quote_text(text)
