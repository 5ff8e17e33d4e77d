"""The emulator answers like DNSimple's own recorded fixtures.

For each fixture the emulator is put in the matching situation and sent the equivalent request;
its answer must have the fixture's status, content-type family, rate-limit header names and JSON
shape (same keys at every level and the same JSON types, except where the fixture holds null).
Values are not compared: the fixtures' ids, dates and counters are not mutually consistent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from dns_api.emulator import EmulatorState, RunningEmulator, start_emulator
from tests.dnsimple_fixtures import RecordedResponse, load

ACCOUNT = 1010
TOKEN = "emulator-token"
ZONE = "example.com"
RECORDS = f"/v2/{ACCOUNT}/zones/{ZONE}/records"
BATCH = f"/v2/{ACCOUNT}/zones/{ZONE}/batch"

Request = Callable[[httpx.Client, EmulatorState], httpx.Response]
Compare = Callable[[Any, Any], None]


@pytest.fixture(scope="module")
def running() -> Iterator[RunningEmulator]:
    state = EmulatorState(account_id=ACCOUNT, token=TOKEN, zones=(ZONE,))
    with start_emulator(state) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def http(running: RunningEmulator) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=running.url, headers=headers, timeout=5.0) as client:
        yield client


@pytest.fixture
def state(running: RunningEmulator) -> EmulatorState:
    running.state.reset()
    return running.state


# -- shape comparison ---------------------------------------------------------------------------


def assert_same_shape(expected: Any, actual: Any, path: str = "$") -> None:
    """Same keys recursively and same JSON types; a null in the fixture accepts anything."""
    if expected is None:
        return
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        assert sorted(actual) == sorted(expected), f"{path}: keys differ"
        for key, value in expected.items():
            assert_same_shape(value, actual[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{path}: expected an array, got {actual!r}"
        assert bool(actual) == bool(expected), f"{path}: {len(actual)} items vs {len(expected)}"
        for index, item in enumerate(actual):
            assert_same_shape(expected[0], item, f"{path}[{index}]")
    else:
        assert type(actual) is type(expected), f"{path}: {actual!r} is not like {expected!r}"


def assert_same_page(expected: Any, actual: Any) -> None:
    """The ``pages-*`` fixtures abbreviate records to their id: compare the page itself."""
    assert actual["pagination"] == expected["pagination"]
    assert len(actual["data"]) == len(expected["data"])
    assert all(isinstance(record["id"], int) for record in actual["data"])


def assert_validation_shape(expected: Any, actual: Any) -> None:
    """The fixture is about contacts: compare the envelope, not the field names."""
    assert sorted(actual) == sorted(expected) == ["errors", "message"]
    assert actual["message"] == expected["message"]
    assert actual["errors"], "no field errors"
    for messages in actual["errors"].values():
        assert messages
        assert all(isinstance(message, str) for message in messages)


# -- the situations ----------------------------------------------------------------------------


def create(http: httpx.Client, **fields: Any) -> int:
    response = http.post(RECORDS, json=fields)
    assert response.status_code == 201, response.text
    record_id: int = response.json()["data"]["id"]
    return record_id


def get_mx_record(http: httpx.Client, state: EmulatorState) -> httpx.Response:
    mx = create(http, name="", type="MX", content="mxa.example.com", priority=10, ttl=600)
    return http.get(f"{RECORDS}/{mx}")


def update_mx_record(http: httpx.Client, state: EmulatorState) -> httpx.Response:
    mx = create(http, name="", type="MX", content="mxa.example.com", priority=10, ttl=600)
    changes = {"content": "mxb.example.com", "ttl": 3600, "priority": 20, "regions": ["global"]}
    return http.patch(f"{RECORDS}/{mx}", json=changes)


def delete_record(http: httpx.Client, state: EmulatorState) -> httpx.Response:
    return http.delete(f"{RECORDS}/{create(http, name='www', type='A', content='127.0.0.1')}")


def batch_of_every_kind(http: httpx.Client, state: EmulatorState) -> httpx.Response:
    names = ["update1", "update2", "delete1", "delete2"]
    ids = [create(http, name=name, type="A", content="3.2.3.4") for name in names]
    return http.post(
        BATCH,
        json={
            "creates": [
                {"name": "ab", "type": "A", "content": "3.2.3.4"},
                {"name": "ab", "type": "A", "content": "4.2.3.4"},
            ],
            "updates": [
                {"id": ids[0], "content": "3.2.3.40"},
                {"id": ids[1], "content": "5.2.3.40"},
            ],
            "deletes": [{"id": ids[2]}, {"id": ids[3]}],
        },
    )


def batch_creating_a_bad_type(http: httpx.Client, state: EmulatorState) -> httpx.Response:
    return http.post(BATCH, json={"creates": [{"name": "ab", "type": "BOGUS", "content": "x"}]})


def batch_of_unknown(kind: str) -> Request:
    return lambda http, state: http.post(BATCH, json={kind: [{"id": 67622509}]})


def list_two_zones(http: httpx.Client, state: EmulatorState) -> httpx.Response:
    state.add_zone("example-beta.com")
    return http.get(f"/v2/{ACCOUNT}/zones")


def bad_gateway(http: httpx.Client, state: EmulatorState) -> httpx.Response:
    state.fail_next(502)
    return http.get("/v2/whoami")


def page(number: int) -> Request:
    # A new zone holds exactly 5 records (SOA + 4 NS), like the fixtures' 5 entries.
    return lambda http, state: http.get(RECORDS, params={"per_page": 2, "page": number})


@dataclass(frozen=True)
class Case:
    fixture: str
    request: Request
    compare: Compare = assert_same_shape


CASES = [
    Case("whoami/success-account.http", lambda http, _: http.get("/v2/whoami")),
    Case("listAccounts/success-account.http", lambda http, _: http.get("/v2/accounts")),
    Case("listZones/success.http", list_two_zones),
    Case("getZone/success.http", lambda http, _: http.get(f"/v2/{ACCOUNT}/zones/{ZONE}")),
    Case("listZoneRecords/success.http", lambda http, _: http.get(RECORDS)),
    Case("getZoneRecord/success.http", get_mx_record),
    Case(
        "createZoneRecord/created.http",
        lambda http, _: http.post(
            RECORDS, json={"name": "www", "type": "A", "content": "127.0.0.1", "ttl": 600}
        ),
    ),
    Case(
        "createZoneRecord/created-apex.http",
        lambda http, _: http.post(
            RECORDS, json={"name": "", "type": "A", "content": "127.0.0.1", "ttl": 600}
        ),
    ),
    Case("updateZoneRecord/success.http", update_mx_record),
    Case("deleteZoneRecord/success.http", delete_record),
    Case("notfound-zone.http", lambda http, _: http.get(f"/v2/{ACCOUNT}/zones/0")),
    Case("notfound-record.http", lambda http, _: http.get(f"{RECORDS}/0")),
    Case("notfound-domain.http", lambda http, _: http.get(f"/v2/{ACCOUNT}/domains/0")),
    Case("method-not-allowed.http", lambda http, _: http.put(f"{RECORDS}/1")),
    Case("pages-1of3.http", page(1), assert_same_page),
    Case("pages-2of3.http", page(2), assert_same_page),
    Case("pages-3of3.http", page(3), assert_same_page),
    Case(
        "validation-error.http",
        lambda http, _: http.post(RECORDS, json={}),
        assert_validation_shape,
    ),
    Case("badgateway.http", bad_gateway),
    Case("batchChangeZoneRecords/success.http", batch_of_every_kind),
    Case(
        "batchChangeZoneRecords/error_400_create_validation_failed.http", batch_creating_a_bad_type
    ),
    Case(
        "batchChangeZoneRecords/error_400_update_validation_failed.http",
        batch_of_unknown("updates"),
    ),
    Case(
        "batchChangeZoneRecords/error_400_delete_validation_failed.http",
        batch_of_unknown("deletes"),
    ),
]


def media_type(headers: httpx.Headers | dict[str, str]) -> str | None:
    value = headers.get("content-type")
    return None if value is None else value.split(";")[0].strip().lower()


def rate_limit_names(headers: httpx.Headers) -> set[str]:
    return {name.lower() for name in headers if name.lower().startswith("x-ratelimit-")}


def assert_same_body(fixture: RecordedResponse, response: httpx.Response, compare: Compare) -> None:
    kind = media_type(fixture.headers)
    if kind is None:
        assert response.content == b""
    elif kind == "application/json":
        compare(fixture.json(), response.json())
    else:  # nginx's HTML error page; the vendored copy lost its CRLFs
        assert response.content.replace(b"\r\n", b"\n") == fixture.body
        assert response.headers["content-length"] == fixture.headers["content-length"]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.fixture) for c in CASES])
def test_the_emulator_answers_like_the_fixture(
    http: httpx.Client, state: EmulatorState, case: Case
) -> None:
    fixture = load(case.fixture)
    response = case.request(http, state)
    assert response.status_code == fixture.status
    assert media_type(response.headers) == media_type(fixture.headers)
    assert set(fixture.rate_limit_headers) == rate_limit_names(response.headers)
    if "allow" in fixture.headers:
        assert "allow" in response.headers
    assert_same_body(fixture, response, case.compare)
