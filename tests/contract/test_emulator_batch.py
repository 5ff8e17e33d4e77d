"""The emulator's batchChangeZoneRecords as a client sees it, over HTTP on a real socket.

DNSimple applies a batch atomically: deletes, then updates, then creates, all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dns_api.emulator import EmulatorState, RunningEmulator, start_emulator
from tests.conftest import ACCOUNT_ID, EMULATOR_TOKEN

AUTH = {"Authorization": f"Bearer {EMULATOR_TOKEN}"}
ZONE = "example.com"
RECORDS = f"/v2/{ACCOUNT_ID}/zones/{ZONE}/records"
BATCH = f"/v2/{ACCOUNT_ID}/zones/{ZONE}/batch"
OPERATION = "batchChangeZoneRecords"
RATE_LIMIT_HEADERS = {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"}
READ_ONLY = "System records cannot be changed or deleted"
UNAVAILABLE = {"message": "Batch change zone records is not available on the current plan"}


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


def user_records(state: EmulatorState) -> list[dict[str, Any]]:
    return [r for r in state.records(ZONE) if not r["system_record"]]


def name_type_content(state: EmulatorState) -> list[tuple[str, str, str]]:
    return sorted((r["name"], r["type"], r["content"]) for r in user_records(state))


# -- success ---------------------------------------------------------------------------------


def test_a_batch_applies_deletes_updates_and_creates_and_answers_what_changed(
    http: httpx.Client, state: EmulatorState
) -> None:
    gone = create(http, name="old", type="A", content="192.0.2.1")
    kept = create(http, name="kept", type="A", content="192.0.2.2")
    before = state.count()
    response = http.post(
        BATCH,
        json={
            "creates": [{"name": "new", "type": "A", "content": "192.0.2.3", "ttl": 60}],
            "updates": [{"id": kept["id"], "content": "192.0.2.20"}],
            "deletes": [{"id": gone["id"]}],
        },
    )
    assert response.status_code == 200, response.text
    assert set(response.headers) >= RATE_LIMIT_HEADERS
    data = response.json()["data"]
    assert list(data) == ["creates", "updates", "deletes"]
    assert data["deletes"] == [{"id": gone["id"]}]
    assert data["updates"] == [{**kept, "content": "192.0.2.20"}]
    [created] = data["creates"]
    assert (created["name"], created["content"], created["ttl"]) == ("new", "192.0.2.3", 60)
    assert created["id"] > kept["id"]
    assert user_records(state) == [data["updates"][0], created]
    assert state.count() - before == 1
    assert state.count("POST", OPERATION) == 1


def test_every_key_is_optional_and_an_empty_batch_changes_nothing(
    http: httpx.Client, state: EmulatorState
) -> None:
    response = http.post(BATCH, json={})
    assert response.status_code == 200
    assert response.json() == {"data": {"creates": [], "updates": [], "deletes": []}}
    assert user_records(state) == []


def test_a_batch_spends_one_unit_of_the_hourly_budget(http: httpx.Client) -> None:
    creates = [{"name": f"h{n}", "type": "A", "content": "192.0.2.1"} for n in range(5)]
    response = http.post(BATCH, json={"creates": creates})
    assert response.status_code == 200
    assert response.headers["x-ratelimit-remaining"] == "2399"


# -- all or nothing --------------------------------------------------------------------------


def test_one_bad_operation_changes_nothing_and_every_failure_is_listed(
    http: httpx.Client, state: EmulatorState
) -> None:
    victim = create(http, name="victim", type="A", content="192.0.2.1")
    target = create(http, name="target", type="A", content="192.0.2.2")
    before = state.records(ZONE)
    response = http.post(
        BATCH,
        json={
            "creates": [
                {"name": "fine", "type": "A", "content": "192.0.2.3"},
                {"name": "bad", "type": "BOGUS", "content": "x"},
                {"name": "ip", "type": "A", "content": "not-an-ip", "ttl": "soon"},
            ],
            "updates": [{"id": target["id"], "content": "192.0.2.20"}, {"id": 99999999}],
            "deletes": [{"id": victim["id"]}, {"id": 67622509}],
        },
    )
    assert response.status_code == 400
    assert set(response.headers) >= RATE_LIMIT_HEADERS
    assert response.json() == {
        "message": "Validation failed",
        "errors": {
            "creates": [
                {
                    "index": 1,
                    "message": "Validation failed",
                    "errors": {"record_type": ["unsupported"]},
                },
                {
                    "index": 2,
                    "message": "Validation failed",
                    "errors": {
                        "ttl": ["is not a number"],
                        "content": ["is not a valid IPv4 address"],
                    },
                },
            ],
            "updates": [{"index": 1, "message": "Record not found ID=99999999"}],
            "deletes": [{"index": 1, "message": "Record not found ID=67622509"}],
        },
    }
    assert state.records(ZONE) == before
    assert state.count("POST", OPERATION) == 1


def test_a_failed_batch_leaves_the_state_file_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "emulator.json"
    state = EmulatorState(account_id=ACCOUNT_ID, token=EMULATOR_TOKEN, persist_path=path)
    with (
        start_emulator(state) as running,
        httpx.Client(base_url=running.url, headers=AUTH, timeout=5.0) as http,
    ):
        ok = http.post(
            BATCH, json={"creates": [{"name": "a", "type": "A", "content": "192.0.2.1"}]}
        )
        saved = path.read_text()
        bad = http.post(
            BATCH,
            json={
                "creates": [{"name": "b", "type": "A", "content": "192.0.2.2"}],
                "deletes": [{"id": 424242}],
            },
        )
    assert (ok.status_code, bad.status_code) == (200, 400)
    assert path.read_text() == saved
    reloaded = EmulatorState(persist_path=path)
    assert [r["name"] for r in reloaded.records(ZONE) if not r["system_record"]] == ["a"]


def test_an_injected_fault_means_the_batch_never_happened(
    http: httpx.Client, state: EmulatorState
) -> None:
    state.fail_next(503, method="POST")
    response = http.post(BATCH, json={"creates": [{"name": "a", "type": "A", "content": "::1"}]})
    assert response.status_code == 503
    assert user_records(state) == []
    assert state.count("POST", OPERATION) == 1


# -- order: deletes, then updates, then creates -----------------------------------------------


def test_deleting_an_a_record_makes_room_for_a_cname_in_the_same_batch(
    http: httpx.Client, state: EmulatorState
) -> None:
    a = create(http, name="www", type="A", content="192.0.2.1")
    response = http.post(
        BATCH,
        json={
            "creates": [{"name": "www", "type": "CNAME", "content": "target.example.net"}],
            "deletes": [{"id": a["id"]}],
        },
    )
    assert response.status_code == 200, response.text
    assert name_type_content(state) == [("www", "CNAME", "target.example.net")]


def test_a_cname_next_to_a_remaining_a_record_is_refused(
    http: httpx.Client, state: EmulatorState
) -> None:
    create(http, name="www", type="A", content="192.0.2.1")
    other = create(http, name="www", type="A", content="192.0.2.2")
    response = http.post(
        BATCH,
        json={
            "creates": [{"name": "www", "type": "CNAME", "content": "target.example.net"}],
            "deletes": [{"id": other["id"]}],
        },
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "creates": [
            {
                "index": 0,
                "message": "Validation failed",
                "errors": {"name": ["Zone already contains other records at this name"]},
            }
        ]
    }
    assert len(user_records(state)) == 2


def test_creates_of_one_batch_obey_the_cname_rules_between_them(http: httpx.Client) -> None:
    response = http.post(
        BATCH,
        json={
            "creates": [
                {"name": "www", "type": "A", "content": "192.0.2.1"},
                {"name": "www", "type": "CNAME", "content": "target.example.net"},
            ]
        },
    )
    assert response.status_code == 400
    [problem] = response.json()["errors"]["creates"]
    assert problem["index"] == 1
    assert problem["errors"] == {"name": ["Zone already contains other records at this name"]}


def test_an_update_renaming_a_cname_away_frees_its_name_for_a_create(
    http: httpx.Client, state: EmulatorState
) -> None:
    cname = create(http, name="alias", type="CNAME", content="target.example.net")
    response = http.post(
        BATCH,
        json={
            "creates": [{"name": "alias", "type": "A", "content": "192.0.2.1"}],
            "updates": [{"id": cname["id"], "name": "moved"}],
        },
    )
    assert response.status_code == 200, response.text
    assert name_type_content(state) == [
        ("alias", "A", "192.0.2.1"),
        ("moved", "CNAME", "target.example.net"),
    ]


def test_an_update_sees_the_deletes_of_its_batch(http: httpx.Client, state: EmulatorState) -> None:
    record = create(http, name="www", type="A", content="192.0.2.1")
    response = http.post(
        BATCH,
        json={"updates": [{"id": record["id"], "ttl": 60}], "deletes": [{"id": record["id"]}]},
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "updates": [{"index": 0, "message": f"Record not found ID={record['id']}"}]
    }
    assert user_records(state) == [record]


def test_deleting_one_record_twice_is_refused_at_the_second(http: httpx.Client) -> None:
    record = create(http, name="www", type="A", content="192.0.2.1")
    twice = [{"id": record["id"]}, {"id": record["id"]}]
    response = http.post(BATCH, json={"deletes": twice})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "deletes": [{"index": 1, "message": f"Record not found ID={record['id']}"}]
    }


# -- ids and system records --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["updates", "deletes"])
@pytest.mark.parametrize("given", [99999999, "99999999", None, "abc", True])
def test_an_unknown_id_is_record_not_found(http: httpx.Client, kind: str, given: Any) -> None:
    operation = {} if given is None else {"id": given}
    response = http.post(BATCH, json={kind: [operation]})
    assert response.status_code == 400
    shown = "" if given is None else given
    assert response.json() == {
        "message": "Validation failed",
        "errors": {kind: [{"index": 0, "message": f"Record not found ID={shown}"}]},
    }


def test_a_record_of_another_zone_is_not_found(http: httpx.Client) -> None:
    other = http.post(
        f"/v2/{ACCOUNT_ID}/zones/example.org/records",
        json={"name": "www", "type": "A", "content": "192.0.2.1"},
    ).json()["data"]
    response = http.post(BATCH, json={"deletes": [{"id": other["id"]}]})
    assert response.status_code == 400
    assert http.get(f"/v2/{ACCOUNT_ID}/zones/example.org/records/{other['id']}").is_success


@pytest.mark.parametrize("kind", ["updates", "deletes"])
def test_system_records_are_refused_in_the_words_of_the_single_endpoints(
    http: httpx.Client, state: EmulatorState, kind: str
) -> None:
    soa, ns = state.records(ZONE)[:2]
    single = http.delete(f"{RECORDS}/{soa['id']}")
    response = http.post(BATCH, json={kind: [{"id": soa["id"], "ttl": 60}, {"id": ns["id"]}]})
    assert response.status_code == 400
    assert [e["message"] for e in response.json()["errors"][kind]] == [READ_ONLY, READ_ONLY]
    assert single.json() == {"message": READ_ONLY}
    assert state.records(ZONE)[:2] == [soa, ns]


# -- malformed requests, routing, auth ----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"creates": {"name": "a"}}, "Invalid batch: `creates` must be an array"),
        ({"deletes": 5}, "Invalid batch: `deletes` must be an array"),
    ],
)
def test_a_kind_that_is_not_an_array_is_400(http: httpx.Client, body: Any, message: str) -> None:
    response = http.post(BATCH, json=body)
    assert (response.status_code, response.json()) == (400, {"message": message})


def test_an_operation_that_is_not_an_object_is_listed(http: httpx.Client) -> None:
    response = http.post(BATCH, json={"creates": ["www"], "deletes": [3]})
    assert response.status_code == 400
    problem = {"index": 0, "message": "Invalid operation: must be a JSON object"}
    assert response.json()["errors"] == {"creates": [problem], "deletes": [problem]}


def test_an_unknown_zone_is_404(http: httpx.Client) -> None:
    response = http.post(f"/v2/{ACCOUNT_ID}/zones/nope.test/batch", json={})
    assert (response.status_code, response.json()) == (
        404,
        {"message": "Zone `nope.test` not found"},
    )


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_other_methods_are_405_with_allow(
    http: httpx.Client, state: EmulatorState, method: str
) -> None:
    response = http.request(method, BATCH)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.content == b""
    assert state.count(method, "methodNotAllowed") == 1


def test_a_batch_needs_the_token(emulator: RunningEmulator, state: EmulatorState) -> None:
    body = {"creates": [{"name": "a", "type": "A", "content": "192.0.2.1"}]}
    response = httpx.post(emulator.url + BATCH, json=body, timeout=5.0)
    assert (response.status_code, response.json()) == (401, {"message": "Authentication failed"})
    assert user_records(state) == []


# -- the plan: batch_enabled ------------------------------------------------------------------


def test_without_batch_on_the_plan_the_answer_is_412_and_nothing_changes(
    http: httpx.Client, state: EmulatorState
) -> None:
    record = create(http, name="www", type="A", content="192.0.2.1")
    state.batch_enabled = False
    response = http.post(BATCH, json={"deletes": [{"id": record["id"]}]})
    assert (response.status_code, response.json()) == (412, UNAVAILABLE)
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert set(response.headers) >= RATE_LIMIT_HEADERS
    assert user_records(state) == [record]
    assert state.count("POST", OPERATION) == 1


def test_the_control_endpoint_switches_batch_off_and_reset_switches_it_back(
    http: httpx.Client, state: EmulatorState
) -> None:
    assert http.get("/_emulator/features").json() == {"batch_enabled": True}
    off = http.put("/_emulator/features", json={"batch_enabled": False})
    assert (off.status_code, off.json()) == (200, {"batch_enabled": False})
    assert state.batch_enabled is False
    assert http.post(BATCH, json={}).status_code == 412
    assert http.post("/_emulator/reset").status_code == 204
    assert http.get("/_emulator/features").json() == {"batch_enabled": True}
    assert http.post(BATCH, json={}).status_code == 200


def test_control_put_with_no_knob_puts_batch_back_on(
    http: httpx.Client, state: EmulatorState
) -> None:
    state.batch_enabled = False
    assert http.put("/_emulator/features", json={}).json() == {"batch_enabled": True}


@pytest.mark.parametrize("body", [{"batch_enabled": "no"}, {"batch_enabled": 0}, {"regions": 1}])
def test_bad_feature_requests_are_400(
    http: httpx.Client, state: EmulatorState, body: dict[str, Any]
) -> None:
    response = http.put("/_emulator/features", json=body)
    assert response.status_code == 400
    assert response.json()["message"].startswith("Invalid control request: ")
    assert state.batch_enabled is True
