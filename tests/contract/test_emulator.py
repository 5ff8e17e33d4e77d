"""The DNSimple emulator's behaviour as a client sees it, over HTTP on a real loopback socket."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dns_api.emulator import EmulatorState, RunningEmulator, start_emulator
from dns_api.emulator.state import HANG

ACCOUNT = 1010
TOKEN = "emulator-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ZONE = "example.com"
RECORDS = f"/v2/{ACCOUNT}/zones/{ZONE}/records"
SYSTEM_RECORDS = 5  # the SOA and four NS of a new zone
RATE_LIMIT_HEADERS = {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
SHORT_TIMEOUT = httpx.Timeout(5.0, read=0.3)


class ManualClock:
    """A clock the tests move by hand, so the rate-limit window can be rolled over."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def running(clock: ManualClock) -> Iterator[RunningEmulator]:
    state = EmulatorState(account_id=ACCOUNT, token=TOKEN, zones=(ZONE,), clock=clock, seed=7)
    with start_emulator(state) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def clients(running: RunningEmulator) -> Iterator[dict[str, httpx.Client]]:
    """Long-lived clients (creating one per test costs more than the test)."""
    with (
        httpx.Client(base_url=running.url, headers=AUTH, timeout=5.0) as authed,
        httpx.Client(base_url=running.url, headers=AUTH, timeout=SHORT_TIMEOUT) as impatient,
        httpx.Client(base_url=running.url, timeout=5.0) as anonymous,
    ):
        yield {"authed": authed, "impatient": impatient, "anonymous": anonymous}


@pytest.fixture
def state(running: RunningEmulator) -> EmulatorState:
    running.state.reset()
    return running.state


@pytest.fixture
def client(clients: dict[str, httpx.Client], state: EmulatorState) -> httpx.Client:
    """Sends the right bearer token."""
    return clients["authed"]


@pytest.fixture
def impatient(clients: dict[str, httpx.Client], state: EmulatorState) -> httpx.Client:
    """Sends the right token but gives up reading after 0.3 s."""
    return clients["impatient"]


@pytest.fixture
def anonymous(clients: dict[str, httpx.Client], state: EmulatorState) -> httpx.Client:
    """Sends no credentials (enough for the control endpoints)."""
    return clients["anonymous"]


def create(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = client.post(RECORDS, json=fields)
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()["data"]
    return record


def user_records(state: EmulatorState) -> list[dict[str, Any]]:
    return [r for r in state.records(ZONE) if not r["system_record"]]


# -- authentication and account scoping -----------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", TOKEN, f"Bearer {TOKEN}x", "Bearer"],
    ids=["missing", "wrong", "basic", "no-scheme", "longer", "empty"],
)
def test_bad_credentials_are_401(
    anonymous: httpx.Client, state: EmulatorState, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    body = {"name": "x", "type": "A", "content": "192.0.2.1"}
    response = anonymous.post(RECORDS, json=body, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"message": "Authentication failed"}
    assert not RATE_LIMIT_HEADERS & set(response.headers)
    assert user_records(state) == []


def test_bearer_scheme_is_case_insensitive(anonymous: httpx.Client) -> None:
    response = anonymous.get("/v2/whoami", headers={"Authorization": f"bearer {TOKEN}"})
    assert response.status_code == 200


def test_whoami_and_accounts_describe_the_account(client: httpx.Client) -> None:
    whoami = client.get("/v2/whoami").json()["data"]
    accounts = client.get("/v2/accounts").json()
    assert whoami["user"] is None
    assert whoami["account"]["id"] == ACCOUNT
    assert accounts == {"data": [whoami["account"]]}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v2/999/zones"),
        ("GET", f"/v2/999/zones/{ZONE}"),
        ("GET", f"/v2/999/zones/{ZONE}/records"),
        ("POST", f"/v2/999/zones/{ZONE}/records"),
        ("GET", f"/v2/999/zones/{ZONE}/records/1"),
        ("DELETE", f"/v2/999/zones/{ZONE}/records/1"),
    ],
)
def test_another_account_is_not_found(
    client: httpx.Client, state: EmulatorState, method: str, path: str
) -> None:
    response = client.request(method, path, json={"name": "a", "type": "A", "content": "192.0.2.1"})
    assert response.status_code == 404
    assert response.json() == {"message": "Account `999` not found"}
    assert len(state.records(ZONE)) == SYSTEM_RECORDS


# -- CRUD -----------------------------------------------------------------------------------------


def test_create_returns_201_with_the_whole_record_and_defaults(client: httpx.Client) -> None:
    response = client.post(RECORDS, json={"name": "WWW", "type": "a", "content": "192.0.2.1"})
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    record = response.json()["data"]
    assert {k: v for k, v in record.items() if k not in ("id", "created_at", "updated_at")} == {
        "zone_id": ZONE,
        "parent_id": None,
        "name": "www",
        "content": "192.0.2.1",
        "ttl": 3600,
        "priority": None,
        "type": "A",
        "regions": ["global"],
        "system_record": False,
    }
    assert TIMESTAMP.match(record["created_at"])
    assert TIMESTAMP.match(record["updated_at"])


def test_created_records_can_be_read_back_and_ids_increase(client: httpx.Client) -> None:
    first = create(client, name="", type="MX", content="mx.example.net", priority=10, ttl=600)
    second = create(client, name="mail", type="TXT", content="v=spf1 -all", regions=["SV1"])
    assert first["name"] == ""
    assert second["id"] > first["id"]
    assert client.get(f"{RECORDS}/{first['id']}").json() == {"data": first}
    listed = client.get(RECORDS).json()["data"]
    assert listed[-2:] == [first, second]


def test_update_returns_the_whole_record_and_accepts_its_own_type(client: httpx.Client) -> None:
    record = create(client, name="", type="MX", content="mxa.example.com", priority=10)
    response = client.patch(
        f"{RECORDS}/{record['id']}",
        json={"content": "mxb.example.com", "priority": 20, "ttl": 60, "type": "mx"},
    )
    assert response.status_code == 200
    updated = response.json()["data"]
    assert updated == {**record, "content": "mxb.example.com", "priority": 20, "ttl": 60}
    assert client.get(f"{RECORDS}/{record['id']}").json()["data"] == updated


def test_delete_is_204_without_body_then_the_record_is_gone(
    client: httpx.Client, state: EmulatorState
) -> None:
    record = create(client, name="www", type="A", content="192.0.2.1")
    response = client.delete(f"{RECORDS}/{record['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers
    assert set(response.headers) >= RATE_LIMIT_HEADERS
    assert user_records(state) == []
    gone = client.get(f"{RECORDS}/{record['id']}")
    assert (gone.status_code, gone.json()) == (
        404,
        {"message": f"Record `{record['id']}` not found"},
    )


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("GET", f"/v2/{ACCOUNT}/zones/nope.test", "Zone `nope.test` not found"),
        ("GET", f"/v2/{ACCOUNT}/zones/nope.test/records", "Zone `nope.test` not found"),
        ("POST", f"/v2/{ACCOUNT}/zones/nope.test/records", "Zone `nope.test` not found"),
        ("GET", f"{RECORDS}/424242", "Record `424242` not found"),
        ("PATCH", f"{RECORDS}/424242", "Record `424242` not found"),
        ("DELETE", f"{RECORDS}/424242", "Record `424242` not found"),
        ("GET", f"{RECORDS}/abc", "Record `abc` not found"),
    ],
)
def test_unknown_zones_and_records_are_404(
    client: httpx.Client, method: str, path: str, message: str
) -> None:
    response = client.request(method, path, json={"name": "a", "type": "A", "content": "192.0.2.1"})
    assert response.status_code == 404
    assert response.json() == {"message": message}


def test_a_record_of_another_zone_is_not_found(client: httpx.Client, state: EmulatorState) -> None:
    state.add_zone("other.test")
    record = create(client, name="www", type="A", content="192.0.2.1")
    response = client.get(f"/v2/{ACCOUNT}/zones/other.test/records/{record['id']}")
    assert response.status_code == 404


# -- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {},
            {
                "name": ["can't be null"],
                "record_type": ["can't be blank"],
                "content": ["can't be blank"],
            },
        ),
        ({"type": "A", "content": "192.0.2.1"}, {"name": ["can't be null"]}),
        ({"name": "a", "type": "BOGUS", "content": "x"}, {"record_type": ["unsupported"]}),
        ({"name": "a", "content": "x"}, {"record_type": ["can't be blank"]}),
        ({"name": "a", "type": "TXT", "content": "  "}, {"content": ["can't be blank"]}),
        ({"name": "a", "type": "TXT", "content": "x", "ttl": "soon"}, {"ttl": ["is not a number"]}),
        ({"name": "a", "type": "TXT", "content": "x", "ttl": 1.5}, {"ttl": ["is not a number"]}),
        (
            {"name": "a", "type": "A", "content": "not-an-ip"},
            {"content": ["is not a valid IPv4 address"]},
        ),
        (
            {"name": "a", "type": "A", "content": "2001:db8::1"},
            {"content": ["is not a valid IPv4 address"]},
        ),
        (
            {"name": "a", "type": "AAAA", "content": "192.0.2.1"},
            {"content": ["is not a valid IPv6 address"]},
        ),
    ],
)
def test_invalid_creates_are_400_with_every_problem(
    client: httpx.Client, state: EmulatorState, body: dict[str, Any], errors: dict[str, Any]
) -> None:
    response = client.post(RECORDS, json=body)
    assert response.status_code == 400
    assert response.json() == {"message": "Validation failed", "errors": errors}
    assert set(response.headers) >= RATE_LIMIT_HEADERS
    assert user_records(state) == []


def test_an_invalid_update_is_400_and_changes_nothing(
    client: httpx.Client, state: EmulatorState
) -> None:
    record = create(client, name="www", type="A", content="192.0.2.1")
    response = client.patch(f"{RECORDS}/{record['id']}", json={"content": "::1", "ttl": "x"})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "content": ["is not a valid IPv4 address"],
        "ttl": ["is not a number"],
    }
    assert user_records(state) == [record]


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_400(client: httpx.Client, raw: bytes) -> None:
    response = client.post(RECORDS, content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert set(response.json()) == {"message"}


# -- CNAME exclusivity and system records ---------------------------------------------------------


def test_a_cname_cannot_join_other_records(client: httpx.Client, state: EmulatorState) -> None:
    create(client, name="www", type="A", content="192.0.2.1")
    response = client.post(RECORDS, json={"name": "www", "type": "CNAME", "content": "a.test"})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "name": ["Zone already contains other records at this name"]
    }
    assert [r["type"] for r in user_records(state)] == ["A"]


@pytest.mark.parametrize("rtype", ["A", "TXT", "CNAME"])
def test_nothing_can_join_a_cname(client: httpx.Client, state: EmulatorState, rtype: str) -> None:
    create(client, name="www", type="CNAME", content="target.example.net")
    content = "192.0.2.1" if rtype == "A" else "other.example.net"
    response = client.post(RECORDS, json={"name": "www", "type": rtype, "content": content})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["name"]
    assert len(user_records(state)) == 1


def test_a_cname_cannot_sit_at_the_apex(client: httpx.Client) -> None:
    response = client.post(RECORDS, json={"name": "", "type": "CNAME", "content": "a.test"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["name"]


def test_renaming_onto_a_cname_is_refused(client: httpx.Client) -> None:
    create(client, name="alias", type="CNAME", content="target.example.net")
    record = create(client, name="host", type="A", content="192.0.2.1")
    response = client.patch(f"{RECORDS}/{record['id']}", json={"name": "alias"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["name"]


def test_a_cname_can_be_updated_in_place(client: httpx.Client) -> None:
    record = create(client, name="alias", type="CNAME", content="one.example.net")
    response = client.patch(f"{RECORDS}/{record['id']}", json={"content": "two.example.net"})
    assert response.status_code == 200


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_system_records_are_read_only(
    client: httpx.Client, state: EmulatorState, method: str
) -> None:
    soa = state.records(ZONE)[0]
    response = client.request(method, f"{RECORDS}/{soa['id']}", json={"ttl": 60})
    assert response.status_code == 400
    assert set(response.json()) == {"message"}
    assert state.records(ZONE)[0] == soa


def test_a_new_zone_holds_one_soa_and_four_ns_at_the_apex(client: httpx.Client) -> None:
    records = client.get(RECORDS).json()["data"]
    assert [(r["name"], r["type"], r["system_record"]) for r in records] == [
        ("", "SOA", True),
        *[("", "NS", True)] * 4,
    ]
    assert [r["content"] for r in records[1:]] == [f"ns{n}.dnsimple.com" for n in range(1, 5)]


# -- listing: pagination, filters, sort -----------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "ids_slice", "pagination"),
    [
        ({"per_page": "2"}, slice(0, 2), (1, 2, 5, 3)),
        ({"per_page": "2", "page": "3"}, slice(4, 5), (3, 2, 5, 3)),
        ({"per_page": "2", "page": "9"}, slice(0, 0), (9, 2, 5, 3)),
        ({"per_page": "100"}, slice(0, 5), (1, 100, 5, 1)),
        ({}, slice(0, 5), (1, 30, 5, 1)),
    ],
)
def test_pagination(
    client: httpx.Client,
    state: EmulatorState,
    query: dict[str, str],
    ids_slice: slice,
    pagination: tuple[int, int, int, int],
) -> None:
    body = client.get(RECORDS, params=query).json()
    all_ids = [r["id"] for r in state.records(ZONE)]
    assert [r["id"] for r in body["data"]] == all_ids[ids_slice]
    keys = ("current_page", "per_page", "total_entries", "total_pages")
    assert body["pagination"] == dict(zip(keys, pagination, strict=True))


@pytest.fixture
def mixed(client: httpx.Client) -> dict[str, int]:
    """A few user records; returns their ids by label."""
    made = {
        "www": create(client, name="www", type="A", content="192.0.2.2"),
        "www6": create(client, name="www", type="AAAA", content="2001:db8::1"),
        "api": create(client, name="api", type="A", content="192.0.2.1"),
        "mx": create(client, name="", type="MX", content="mx.example.net", priority=5),
    }
    return {label: record["id"] for label, record in made.items()}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"name": "www"}, ["www", "www6"]),
        ({"name": "WWW", "type": "aaaa"}, ["www6"]),
        ({"name_like": "p"}, ["api"]),
        ({"type": "A"}, ["www", "api"]),
        ({"name": "", "type": "MX"}, ["mx"]),
        ({"name": "nothing"}, []),
    ],
)
def test_filters(
    client: httpx.Client, mixed: dict[str, int], query: dict[str, str], expected: list[str]
) -> None:
    ids = [r["id"] for r in client.get(RECORDS, params=query).json()["data"]]
    assert ids == [mixed[label] for label in expected]


def test_the_empty_name_filter_is_the_apex(client: httpx.Client, mixed: dict[str, int]) -> None:
    records = client.get(RECORDS, params={"name": ""}).json()["data"]
    assert len(records) == SYSTEM_RECORDS + 1
    assert {r["name"] for r in records} == {""}


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("content:desc", ["mx", "www6", "www", "api"]),
        ("name:asc,type:desc", ["mx", "api", "www6", "www"]),
        ("name:desc,id:desc", ["www6", "www", "api", "mx"]),
        (None, ["www", "www6", "api", "mx"]),
    ],
)
def test_sort(
    client: httpx.Client, mixed: dict[str, int], sort: str | None, expected: list[str]
) -> None:
    params = {"sort": sort} if sort else {}
    ids = [r["id"] for r in client.get(RECORDS, params=params).json()["data"]]
    assert [i for i in ids if i in mixed.values()] == [mixed[label] for label in expected]


@pytest.mark.parametrize("sort", ["ttl:asc", "name:sideways", "id:asc,"])
def test_an_unknown_sort_is_400(client: httpx.Client, sort: str) -> None:
    assert client.get(RECORDS, params={"sort": sort}).status_code == 400


def test_zones_list_by_name_and_filter(client: httpx.Client, state: EmulatorState) -> None:
    state.add_zone("alpha.test")
    zones = f"/v2/{ACCOUNT}/zones"
    by_name = client.get(zones).json()["data"]
    by_id_desc = client.get(zones, params={"sort": "id:desc"}).json()["data"]
    like = client.get(zones, params={"name_like": "ALPHA"}).json()
    names = [z["name"] for z in by_name]
    assert {"alpha.test", ZONE} <= set(names)
    assert names == sorted(names)
    assert [z["id"] for z in by_id_desc] == sorted((z["id"] for z in by_name), reverse=True)
    assert [z["name"] for z in like["data"]] == ["alpha.test"]
    assert like["pagination"]["total_entries"] == 1


# -- routing errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", f"{RECORDS}/1", "DELETE, GET, HEAD, PATCH"),
        ("DELETE", RECORDS, "GET, HEAD, POST"),
        ("POST", "/v2/whoami", "GET, HEAD"),
    ],
)
def test_a_wrong_method_is_405_with_allow_and_no_body(
    client: httpx.Client, state: EmulatorState, method: str, path: str, allow: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.content == b""
    assert "content-type" not in response.headers
    assert state.count(method, "methodNotAllowed") == 1


@pytest.mark.parametrize(
    "path", ["/v2/nowhere", "/v2/whoami/", "/v2", "/elsewhere", "/_emulator/x"]
)
def test_unknown_paths_are_404_not_found(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}


# -- rate limit -----------------------------------------------------------------------------------


def test_every_counted_request_spends_one_unit(client: httpx.Client, clock: ManualClock) -> None:
    first = client.get("/v2/whoami").headers
    second = client.get(RECORDS).headers
    assert first["x-ratelimit-limit"] == second["x-ratelimit-limit"] == "2400"
    assert int(first["x-ratelimit-remaining"]) == 2399
    assert int(second["x-ratelimit-remaining"]) == 2398
    assert first["x-ratelimit-reset"] == second["x-ratelimit-reset"] == str(int(clock.now) + 3600)


def test_an_exhausted_budget_is_429_and_nothing_happens(
    client: httpx.Client, state: EmulatorState
) -> None:
    state.set_rate_limit_remaining(1)
    assert client.get("/v2/whoami").status_code == 200
    response = client.post(RECORDS, json={"name": "a", "type": "A", "content": "192.0.2.1"})
    assert response.status_code == 429
    assert response.json() == {"message": "quota exceeded"}
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert user_records(state) == []


def test_the_budget_comes_back_when_the_window_ends(
    client: httpx.Client, state: EmulatorState, clock: ManualClock
) -> None:
    state.exhaust_rate_limit()
    assert client.get("/v2/whoami").status_code == 429
    clock.now += 3600
    response = client.get("/v2/whoami")
    assert response.status_code == 200
    assert response.headers["x-ratelimit-remaining"] == "2399"
    assert response.headers["x-ratelimit-reset"] == str(int(clock.now) + 3600)


# -- faults ---------------------------------------------------------------------------------------


def test_latency_delays_every_request(impatient: httpx.Client, state: EmulatorState) -> None:
    state.set_faults(latency_ms=60_000)
    with pytest.raises(httpx.ReadTimeout):
        impatient.get("/v2/whoami")
    state.set_faults(latency_ms=1)
    assert impatient.get("/v2/whoami").status_code == 200


@pytest.mark.parametrize("status", [500, 503, 504])
def test_a_certain_5xx_fault_is_a_json_error_and_nothing_happens(
    client: httpx.Client, state: EmulatorState, status: int
) -> None:
    state.set_faults(failure_rates={status: 1.0})
    response = client.post(RECORDS, json={"name": "a", "type": "A", "content": "192.0.2.1"})
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert set(response.json()) == {"message"}
    assert set(response.headers) >= RATE_LIMIT_HEADERS
    assert user_records(state) == []


def test_a_lost_answer_share_performs_the_operation_then_fails(
    client: httpx.Client, state: EmulatorState
) -> None:
    state.set_faults(failure_rates={503: 1.0}, after_apply_share=1.0)
    response = client.post(RECORDS, json={"name": "a", "type": "A", "content": "192.0.2.1"})
    assert response.status_code == 503
    assert [r["content"] for r in user_records(state)] == ["192.0.2.1"]
    state.set_faults(failure_rates={429: 1.0}, after_apply_share=1.0)
    response = client.post(RECORDS, json={"name": "b", "type": "A", "content": "192.0.2.2"})
    assert response.status_code == 429
    assert [r["name"] for r in user_records(state)] == ["a"]  # a 429 never performs it


def test_a_certain_502_fault_is_nginx_html(client: httpx.Client, state: EmulatorState) -> None:
    state.set_faults(failure_rates={502: 1.0})
    response = client.get("/v2/whoami")
    assert response.status_code == 502
    assert response.headers["content-type"] == "text/html"
    assert b"<title>502 Bad Gateway</title>" in response.content
    assert not RATE_LIMIT_HEADERS & set(response.headers)


def test_a_certain_429_fault_is_quota_exceeded(client: httpx.Client, state: EmulatorState) -> None:
    state.set_faults(failure_rates={429: 1.0})
    response = client.get("/v2/whoami")
    assert response.status_code == 429
    assert response.json() == {"message": "quota exceeded"}
    assert response.headers["x-ratelimit-remaining"] == "0"


def test_a_partial_failure_rate_fails_some_requests(
    client: httpx.Client, state: EmulatorState
) -> None:
    state.set_faults(failure_rates={500: 0.5})
    statuses = {client.get("/v2/whoami").status_code for _ in range(40)}
    assert statuses == {200, 500}


def test_fail_next_fails_count_matching_requests_then_stops(
    client: httpx.Client, state: EmulatorState
) -> None:
    state.fail_next(503, count=2, method="GET")
    post = client.post(RECORDS, json={"name": "a", "type": "A", "content": "192.0.2.1"})
    statuses = [client.get("/v2/whoami").status_code for _ in range(3)]
    assert post.status_code == 201
    assert statuses == [503, 503, 200]


def test_fail_next_after_apply_performs_then_loses_the_answer(
    client: httpx.Client, state: EmulatorState
) -> None:
    state.fail_next(500, method="POST", after_apply=True)
    response = client.post(RECORDS, json={"name": "a", "type": "A", "content": "192.0.2.1"})
    assert response.status_code == 500
    assert [r["name"] for r in user_records(state)] == ["a"]


def test_a_hang_makes_the_client_time_out_and_nothing_happens(
    impatient: httpx.Client, state: EmulatorState
) -> None:
    state.set_faults(hang_rate=1.0, hang_seconds=60)
    with pytest.raises(httpx.ReadTimeout):
        impatient.post(RECORDS, json={"name": "a", "type": "A", "content": "192.0.2.1"})
    state.set_faults()
    assert impatient.get("/v2/whoami").status_code == 200
    assert user_records(state) == []


def test_fail_next_hang_hangs_once(impatient: httpx.Client, state: EmulatorState) -> None:
    state.fail_next(HANG)
    with pytest.raises(httpx.ReadTimeout):
        impatient.get("/v2/whoami")
    assert impatient.get("/v2/whoami").status_code == 200
    assert state.count("GET", "whoami") == 2


def test_a_hang_after_apply_performs_the_write(
    running: RunningEmulator, state: EmulatorState
) -> None:
    state.fail_next(HANG, after_apply=True)
    timeout = httpx.Timeout(5.0, read=0.5)
    with (
        httpx.Client(base_url=running.url, headers=AUTH, timeout=timeout) as http,
        pytest.raises(httpx.ReadTimeout),
    ):
        http.post(RECORDS, json={"name": "a", "type": "A", "content": "192.0.2.1"})
    assert [r["name"] for r in user_records(state)] == ["a"]


@pytest.mark.parametrize("bad", [{"failure_rates": {404: 1.0}}, {"hang_rate": 2.0}])
def test_impossible_faults_are_refused(state: EmulatorState, bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        state.set_faults(**bad)


# -- persistence ----------------------------------------------------------------------------------


def test_records_survive_a_restart_through_the_state_file(tmp_path: Path) -> None:
    path = tmp_path / "emulator.json"
    with (
        start_emulator(EmulatorState(persist_path=path)) as first,
        httpx.Client(base_url=first.url, headers=AUTH) as http,
    ):
        made = create(http, name="www", type="A", content="192.0.2.1")
    with (
        start_emulator(EmulatorState(persist_path=path)) as second,
        httpx.Client(base_url=second.url, headers=AUTH) as http,
    ):
        again = http.get(f"{RECORDS}/{made['id']}")
        newer = create(http, name="api", type="A", content="192.0.2.2")
    assert again.json() == {"data": made}
    assert newer["id"] > made["id"]
    assert json.loads(path.read_text())["version"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["emulator.json"]


# -- call counters and control endpoints ----------------------------------------------------------


def test_calls_are_counted_by_method_and_operation(
    client: httpx.Client, anonymous: httpx.Client, state: EmulatorState
) -> None:
    record = create(client, name="www", type="A", content="192.0.2.1")
    client.get("/v2/whoami")
    client.patch(f"{RECORDS}/{record['id']}", json={"ttl": 60})
    client.delete(f"{RECORDS}/{record['id']}")
    anonymous.get("/v2/whoami")
    expected = {
        "POST createZoneRecord": 1,
        "GET whoami": 2,
        "PATCH updateZoneRecord": 1,
        "DELETE deleteZoneRecord": 1,
    }
    assert client.get("/_emulator/calls").json() == expected
    assert state.count() == 5
    assert state.count("get") == 2
    assert state.count(operation="deleteZoneRecord") == 1


def test_control_endpoints_need_no_auth_and_are_not_counted(
    anonymous: httpx.Client, state: EmulatorState
) -> None:
    added = anonymous.post("/_emulator/zones", json={"name": "New.Test"})
    dump = anonymous.get("/_emulator/zones/new.test/records")
    missing = anonymous.get("/_emulator/zones/nope.test/records")
    assert (added.status_code, added.json()["data"]["name"]) == (200, "new.test")
    assert len(dump.json()["data"]) == SYSTEM_RECORDS
    assert missing.status_code == 404
    assert state.count() == 0


def test_control_endpoints_drive_faults_and_the_budget(
    client: httpx.Client, anonymous: httpx.Client
) -> None:
    put = anonymous.put("/_emulator/faults", json={"failure_rates": {"503": 1.0}})
    assert put.json()["failure_rates"] == {"503": 1.0}
    assert client.get("/v2/whoami").status_code == 503
    assert anonymous.put("/_emulator/faults", json={}).json()["failure_rates"] == {}
    fail_next = anonymous.post("/_emulator/fail-next", json={"status": 504, "method": "GET"})
    assert fail_next.status_code == 204
    assert client.get("/v2/whoami").status_code == 504
    budget = anonymous.put("/_emulator/rate-limit", json={"remaining": 0})
    assert budget.json()["remaining"] == 0
    assert client.get("/v2/whoami").status_code == 429


def test_control_reset_empties_the_account(
    client: httpx.Client, anonymous: httpx.Client, state: EmulatorState
) -> None:
    create(client, name="www", type="A", content="192.0.2.1")
    assert anonymous.post("/_emulator/reset").status_code == 204
    assert user_records(state) == []
    assert len(state.records(ZONE)) == SYSTEM_RECORDS
    assert state.count() == 0
    assert client.get("/v2/whoami").headers["x-ratelimit-remaining"] == "2399"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/_emulator/faults", {"latency_ms": -1}),
        ("/_emulator/faults", {"nonsense": 1}),
        ("/_emulator/fail-next", {"status": 200}),
        ("/_emulator/fail-next", {}),
        ("/_emulator/zones", {"name": ""}),
    ],
)
def test_bad_control_requests_are_400(
    anonymous: httpx.Client, path: str, body: dict[str, Any]
) -> None:
    method = "PUT" if path.endswith("faults") else "POST"
    response = anonymous.request(method, path, json=body)
    assert response.status_code == 400
    assert set(response.json()) == {"message"}


def test_a_zone_spelled_in_another_case_stores_the_canonical_name(tmp_path: Path) -> None:
    path = tmp_path / "emulator.json"
    with (
        start_emulator(EmulatorState(persist_path=path)) as first,
        httpx.Client(base_url=first.url, headers=AUTH) as http,
    ):
        response = http.post(
            "/v2/1010/zones/EXAMPLE.com/records",
            json={"name": "x", "type": "A", "content": "192.0.2.9"},
        )
        assert response.json()["data"]["zone_id"] == "example.com"
    reloaded = EmulatorState(persist_path=path)
    assert [r["name"] for r in reloaded.records("example.com") if not r["system_record"]] == ["x"]
