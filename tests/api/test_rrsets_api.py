"""The record-set API over HTTP (``/zones``, ``/zones/<zone>/rrsets``, ``/zones/<zone>/changes``)
against the DNSimple emulator, on both databases.

Each test checks what the client sees and what DNSimple (the emulator) ends up holding; tests
about cost clear the emulator's call counter just before the request they measure.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from dns_api.app import create_app
from dns_api.db import migrate, urls
from dns_api.emulator import RunningEmulator
from dns_api.providers.upstream_policy import UpstreamPolicy
from tests.conftest import WORKER, legacy_token, make_settings

Auth = Callable[..., dict[str, str]]
Held = list[tuple[str, str, str, int]]

ZONE = "example.com"
A1, A2, A3, A4, A5 = (f"192.0.2.{n}" for n in range(1, 6))
REVIEW_GRANT = {
    "zones": ["example.com"],
    "names": ["pr-*.review"],
    "types": ["A", "CNAME"],
    "actions": ["read", "create", "update", "delete"],
}


def url(name: str, type: str, zone: str = ZONE) -> str:
    return f"/zones/{zone}/rrsets/{name}/{type}"


def put(
    client: TestClient,
    headers: dict[str, str],
    name: str,
    type: str,
    records: list[str],
    *,
    ttl: int | None = None,
    zone: str = ZONE,
    params: dict[str, str] | None = None,
    **extra_headers: str,
) -> Any:
    body: dict[str, Any] = {"records": records}
    if ttl is not None:
        body["ttl"] = ttl
    merged = {**headers, **{k.replace("_", "-"): v for k, v in extra_headers.items()}}
    return client.put(url(name, type, zone), headers=merged, json=body, params=params)


def replace(name: str, type: str, *records: str, **extra: Any) -> dict[str, Any]:
    return {"action": "replace", "name": name, "type": type, "records": list(records), **extra}


def remove(name: str, type: str, **extra: Any) -> dict[str, Any]:
    return {"action": "delete", "name": name, "type": type, **extra}


def post_changes(
    client: TestClient,
    headers: dict[str, str],
    *items: dict[str, Any],
    params: dict[str, str] | None = None,
) -> Any:
    return client.post(
        f"/zones/{ZONE}/changes", headers=headers, json={"changes": list(items)}, params=params
    )


def upstream(emulator: RunningEmulator, zone: str = ZONE) -> list[dict[str, Any]]:
    return [r for r in emulator.state.records(zone) if not r["system_record"]]


def held(emulator: RunningEmulator, zone: str = ZONE) -> Held:
    """What DNSimple holds: sorted (name, type, content, ttl); the priority joins MX/SRV content."""
    return sorted(
        (
            r["name"],
            r["type"],
            f"{r['priority']} {r['content']}" if r["priority"] is not None else r["content"],
            r["ttl"],
        )
        for r in upstream(emulator, zone)
    )


def ids(emulator: RunningEmulator, name: str = "app") -> dict[str, int]:
    """DNSimple record id by content, at ``name``."""
    return {r["content"]: r["id"] for r in upstream(emulator) if r["name"] == name}


def calls(emulator: RunningEmulator) -> dict[str, int]:
    return {k: v for k, v in emulator.state.calls.items() if v}


def error_codes(response: Any) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


def detail(response: Any) -> str:
    return " ".join(e["detail"] for e in response.json()["errors"])


def pointers(response: Any) -> set[str]:
    return {
        e["source"].get("pointer") or e["source"].get("parameter")
        for e in response.json()["errors"]
    }


def stored(client: TestClient, auth: Auth) -> list[dict[str, Any]]:
    """Every record row dns-api holds (the original list endpoint)."""
    data: list[dict[str, Any]] = client.get("/records?page[size]=100", headers=auth()).json()[
        "data"
    ]
    return data


def get_set(client: TestClient, headers: dict[str, str], name: str, type: str) -> Any:
    return client.get(url(name, type), headers=headers)


def shown(client: TestClient, auth: Auth, name: str = "app", type: str = "A") -> list[str] | None:
    """The values GET shows for the set, ``None`` when it is 404."""
    response = get_set(client, auth(), name, type)
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.json()
    records: list[str] = response.json()["data"]["records"]
    return records


def ok(response: Any) -> Any:
    """``response`` if it is a 200; set-up of an xfail test fails loudly, not as the bug."""
    if response.status_code != 200:
        raise RuntimeError(f"set-up request failed: {response.status_code} {response.text}")
    return response


def mint(client: TestClient, auth: Auth, *grants: dict[str, Any]) -> dict[str, str]:
    """Headers of a scoped token holding ``grants`` (minted by alice)."""
    response = client.post("/tokens", headers=auth(), json={"name": "ci", "grants": list(grants)})
    assert response.status_code == 201, response.json()
    return {"Authorization": f"Bearer {response.json()['data']['token']}"}


@pytest.fixture
def no_batch(client: TestClient, auth: Auth, emulator: RunningEmulator) -> Iterator[None]:
    """DNSimple without batch changes, already known to this app: the first plan of two
    operations probes the batch endpoint once (412), later plans go one by one at once. The
    probe creates a new set, so it also makes its one ownership check (a list call)."""
    emulator.state.batch_enabled = False
    assert put(client, auth(), "_probe", "TXT", ["one", "two"]).status_code == 200
    assert client.delete(url("_probe", "TXT"), headers=auth()).status_code == 200
    assert calls(emulator) == {
        "GET listZoneRecords": 1,
        "POST batchChangeZoneRecords": 1,
        "POST createZoneRecord": 2,
        "DELETE deleteZoneRecord": 2,
    }
    assert upstream(emulator) == []
    emulator.state.calls.clear()
    yield
    emulator.state.batch_enabled = True


# -- 1. the fewest DNSimple calls ------------------------------------------------------------


class TestMinimalCalls:
    def test_a_new_one_value_set_is_one_ownership_check_and_one_create(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        """Before creating at a name, dns-api lists what DNSimple holds there (one call, every
        type) to make sure no record it does not own is in the way; then one create."""
        response = put(client, auth(), "app", "A", [A1])
        assert response.status_code == 200
        data = response.json()["data"]
        assert data["rrset"]["records"] == [A1]
        assert data["before"] is None
        assert data["changes"] == [
            {"action": "create", "name": "app", "type": "A", "value": A1, "ttl": 60}
        ]
        assert data["summary"] == {"created": 1, "updated": 0, "deleted": 0, "unchanged": 0}
        assert data["dry_run"] is False
        assert calls(emulator) == {"GET listZoneRecords": 1, "POST createZoneRecord": 1}
        assert held(emulator) == [("app", "A", A1, 60)]

    def test_the_same_set_again_in_any_spelling_makes_no_call(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        for type, first, again in [
            ("A", [A1, A2], [A2, A1, A2]),
            ("AAAA", ["2001:db8::1"], ["2001:DB8:0::1"]),
            ("CNAME", ["app.example.net"], ["App.Example.NET."]),
            ("TXT", ["v=spf1 -all"], ['"v=spf1 -all"']),
            ("MX", ["10 mail.example.com"], ["10  MAIL.example.com."]),
        ]:
            name = f"{type.lower()}-set"
            assert put(client, auth(), name, type, first).status_code == 200
            before = held(emulator)
            emulator.state.calls.clear()
            response = put(client, auth(), name, type, again)
            assert response.status_code == 200, type
            data = response.json()["data"]
            assert data["changes"] == [], type
            assert data["summary"]["unchanged"] == len(first), type
            assert data["before"] == data["rrset"], type
            assert calls(emulator) == {}, type
            assert held(emulator) == before, type

    def test_changing_the_one_value_is_one_patch_in_place(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(client, auth(), "app", "A", [A1])
        [record_id] = ids(emulator).values()
        emulator.state.calls.clear()
        response = put(client, auth(), "app", "A", [A2])
        assert response.status_code == 200
        [change] = response.json()["data"]["changes"]
        assert change["action"] == "update"
        assert change["before"] == {"value": A1, "ttl": 60}
        assert change["value"] == A2
        assert calls(emulator) == {"PATCH updateZoneRecord": 1}
        assert ids(emulator) == {A2: record_id}

    def test_one_changed_value_of_five_is_one_patch(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(client, auth(), "app", "A", [A1, A2, A3, A4, A5])
        before = ids(emulator)
        emulator.state.calls.clear()
        response = put(client, auth(), "app", "A", [A1, A2, A3, A4, "198.51.100.9"])
        assert response.status_code == 200
        summary = response.json()["data"]["summary"]
        assert summary == {"created": 0, "updated": 1, "deleted": 0, "unchanged": 4}
        assert calls(emulator) == {"PATCH updateZoneRecord": 1}
        after = ids(emulator)
        assert after["198.51.100.9"] == before[A5]
        assert {k: after[k] for k in (A1, A2, A3, A4)} == {k: before[k] for k in (A1, A2, A3, A4)}

    def test_deleting_a_one_value_set_is_one_call(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(client, auth(), "app", "A", [A1])
        emulator.state.calls.clear()
        response = client.delete(url("app", "A"), headers=auth())
        assert response.status_code == 200
        data = response.json()["data"]
        assert data["rrset"]["records"] == []
        assert data["before"]["records"] == [A1]
        assert [c["action"] for c in data["changes"]] == ["delete"]
        assert calls(emulator) == {"DELETE deleteZoneRecord": 1}
        assert upstream(emulator) == []
        assert shown(client, auth) is None
        assert stored(client, auth) == []

    def test_a_ttl_change_of_three_values_is_one_batch(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(client, auth(), "app", "A", [A1, A2, A3])
        before = ids(emulator)
        emulator.state.calls.clear()
        response = put(client, auth(), "app", "A", [A1, A2, A3], ttl=300)
        assert response.status_code == 200
        assert response.json()["data"]["summary"]["updated"] == 3
        assert calls(emulator) == {"POST batchChangeZoneRecords": 1}
        assert held(emulator) == [("app", "A", a, 300) for a in (A1, A2, A3)]
        assert ids(emulator) == before
        assert get_set(client, auth(), "app", "A").json()["data"]["ttl"] == 300

    @pytest.mark.usefixtures("no_batch")
    def test_a_ttl_change_without_batch_is_three_patches(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(client, auth(), "app", "A", [A1, A2, A3])
        assert calls(emulator) == {"GET listZoneRecords": 1, "POST createZoneRecord": 3}
        before = ids(emulator)
        emulator.state.calls.clear()
        response = put(client, auth(), "app", "A", [A1, A2, A3], ttl=300)
        assert response.status_code == 200
        assert calls(emulator) == {"PATCH updateZoneRecord": 3}
        assert held(emulator) == [("app", "A", a, 300) for a in (A1, A2, A3)]
        assert ids(emulator) == before

    @pytest.mark.parametrize(
        ("batch", "grow", "shrink"),
        [
            (
                True,
                {"GET listZoneRecords": 1, "POST batchChangeZoneRecords": 1},
                {"POST batchChangeZoneRecords": 1},
            ),
            (
                False,
                {"GET listZoneRecords": 1, "POST createZoneRecord": 2},
                {"DELETE deleteZoneRecord": 2},
            ),
        ],
        ids=["batch", "one-by-one"],
    )
    def test_growing_and_shrinking_keep_the_value_that_stays(
        self,
        request: pytest.FixtureRequest,
        client: TestClient,
        auth: Auth,
        emulator: RunningEmulator,
        batch: bool,
        grow: dict[str, int],
        shrink: dict[str, int],
    ) -> None:
        if not batch:
            request.getfixturevalue("no_batch")
        put(client, auth(), "app", "A", [A2])
        [kept] = ids(emulator).values()
        emulator.state.calls.clear()
        grown = put(client, auth(), "app", "A", [A1, A2, A3])
        assert grown.status_code == 200
        assert grown.json()["data"]["summary"] == {
            "created": 2,
            "updated": 0,
            "deleted": 0,
            "unchanged": 1,
        }
        assert calls(emulator) == grow  # two creates: one ownership check of the name first
        assert held(emulator) == [("app", "A", a, 60) for a in (A1, A2, A3)]
        assert ids(emulator)[A2] == kept
        emulator.state.calls.clear()
        shrunk = put(client, auth(), "app", "A", [A2])
        assert shrunk.status_code == 200
        assert shrunk.json()["data"]["summary"]["deleted"] == 2
        assert calls(emulator) == shrink
        assert ids(emulator) == {A2: kept}
        assert shown(client, auth) == [A2]

    def test_duplicate_values_are_folded(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        response = put(client, auth(), "app", "AAAA", ["2001:db8::1", "2001:DB8:0:0::1"])
        assert response.status_code == 200
        assert response.json()["data"]["rrset"]["records"] == ["2001:db8::1"]
        assert held(emulator) == [("app", "AAAA", "2001:db8::1", 60)]

    def test_a_ttl_not_given_keeps_the_sets_ttl(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(client, auth(), "app", "A", [A1], ttl=600)
        response = put(client, auth(), "app", "A", [A1, A2])
        assert response.json()["data"]["rrset"]["ttl"] == 600
        assert held(emulator) == [("app", "A", A1, 600), ("app", "A", A2, 600)]


# -- 2. ETags and preconditions --------------------------------------------------------------


class TestEtags:
    def test_get_etag_is_the_put_etag_and_if_none_match_is_304(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        written = put(client, auth(), "app", "A", [A1, A2])
        etag = written.headers["etag"]
        assert etag[0] == etag[-1] == '"'
        assert written.json()["data"]["rrset"]["etag"] == etag
        read = get_set(client, auth(), "app", "A")
        assert read.headers["etag"] == etag
        assert read.json()["data"]["etag"] == etag
        emulator.state.calls.clear()
        cached = client.get(url("app", "A"), headers={**auth(), "If-None-Match": etag})
        assert cached.status_code == 304
        assert cached.headers["etag"] == etag
        other = client.get(url("app", "A"), headers={**auth(), "If-None-Match": '"other"'})
        assert other.status_code == 200
        assert calls(emulator) == {}  # reads never ask DNSimple

    def test_the_etag_follows_the_content(self, client: TestClient, auth: Auth) -> None:
        first = put(client, auth(), "app", "A", [A1]).headers["etag"]
        second = put(client, auth(), "app", "A", [A1], ttl=120).headers["etag"]
        third = put(client, auth(), "app", "A", [A1, A2], ttl=120).headers["etag"]
        assert len({first, second, third}) == 3
        assert put(client, auth(), "app", "A", [A1], ttl=60).headers["etag"] == first

    def test_a_stale_if_match_is_412_and_changes_nothing(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        stale = put(client, auth(), "app", "A", [A1]).headers["etag"]
        current = put(client, auth(), "app", "A", [A2]).headers["etag"]
        emulator.state.calls.clear()
        response = put(client, auth(), "app", "A", [A3], if_match=stale)
        assert response.status_code == 412
        assert error_codes(response) == ["precondition_failed"]
        assert current in detail(response)
        assert calls(emulator) == {}
        assert held(emulator) == [("app", "A", A2, 60)]
        assert shown(client, auth) == [A2]
        gone = client.delete(url("app", "A"), headers={**auth(), "If-Match": stale})
        assert gone.status_code == 412
        assert calls(emulator) == {}
        assert held(emulator) == [("app", "A", A2, 60)]

    def test_the_current_if_match_writes(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        etag = put(client, auth(), "app", "A", [A1]).headers["etag"]
        response = put(client, auth(), "app", "A", [A2], if_match=etag)
        assert response.status_code == 200
        assert held(emulator) == [("app", "A", A2, 60)]
        etag = response.headers["etag"]
        deleted = client.delete(url("app", "A"), headers={**auth(), "If-Match": etag})
        assert deleted.status_code == 200
        assert upstream(emulator) == []

    def test_if_match_star_on_a_missing_set_is_412(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        response = put(client, auth(), "app", "A", [A1], if_match="*")
        assert response.status_code == 412
        assert error_codes(response) == ["precondition_failed"]
        assert calls(emulator) == {}
        assert upstream(emulator) == []
        assert shown(client, auth) is None

    def test_if_none_match_star_creates_only(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        assert put(client, auth(), "app", "A", [A1], if_none_match="*").status_code == 200
        emulator.state.calls.clear()
        response = put(client, auth(), "app", "A", [A2], if_none_match="*")
        assert response.status_code == 412
        assert error_codes(response) == ["precondition_failed"]
        assert calls(emulator) == {}
        assert held(emulator) == [("app", "A", A1, 60)]

    def test_of_two_pipelines_reading_the_same_etag_the_first_wins(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(client, auth(), "app", "A", [A1])
        first_read = get_set(client, auth(), "app", "A").headers["etag"]
        second_read = get_set(client, auth("bob"), "app", "A").headers["etag"]
        assert first_read == second_read
        first = put(client, auth(), "app", "A", [A2], if_match=first_read)
        second = put(client, auth("bob"), "app", "A", [A3], if_match=second_read)
        assert (first.status_code, second.status_code) == (200, 412)
        assert error_codes(second) == ["precondition_failed"]
        assert held(emulator) == [("app", "A", A2, 60)]
        assert shown(client, auth) == [A2]

    def test_a_stale_if_match_in_changes_applies_no_item(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(client, auth(), "app", "A", [A1])
        stale = put(client, auth(), "api", "A", [A1]).headers["etag"]
        put(client, auth(), "api", "A", [A2])
        before = held(emulator)
        emulator.state.calls.clear()
        response = post_changes(
            client,
            auth(),
            replace("app", "A", A3),
            replace("new", "TXT", "hello"),
            replace("api", "A", A3, if_match=stale),
        )
        assert response.status_code == 412
        assert error_codes(response) == ["precondition_failed"]
        assert "api.example.com" in detail(response)
        assert calls(emulator) == {}
        assert held(emulator) == before
        assert (shown(client, auth, "app"), shown(client, auth, "api")) == ([A1], [A2])
        assert shown(client, auth, "new", "TXT") is None

    def test_a_current_if_match_in_changes_applies(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        etag = put(client, auth(), "app", "A", [A1]).headers["etag"]
        response = post_changes(client, auth(), replace("app", "A", A2, if_match=etag))
        assert response.status_code == 200
        assert held(emulator) == [("app", "A", A2, 60)]

    def test_a_weak_tag_in_if_match_never_matches(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        etag = ok(put(client, auth(), "app", "A", [A1])).headers["etag"]
        response = put(client, auth(), "app", "A", [A2], if_match=f"W/{etag}")
        assert response.status_code == 412
        assert held(emulator) == [("app", "A", A1, 60)]


# -- 3. dry runs -----------------------------------------------------------------------------


class TestDryRun:
    @pytest.fixture
    def existing(self, client: TestClient, auth: Auth, emulator: RunningEmulator) -> int:
        """``app`` A 192.0.2.1 and ``box`` A 192.0.2.5; returns app's dns-api record id."""
        created = client.post(f"/records/a/{ZONE}/app/{A1}", headers=auth())
        assert created.status_code == 200
        assert client.post(f"/records/a/{ZONE}/box/{A5}", headers=auth()).status_code == 200
        emulator.state.calls.clear()
        record_id: int = created.json()["data"]["id"]
        return record_id

    @pytest.mark.parametrize(
        ("method", "path", "body", "actions"),
        [
            ("PUT", url("app", "A"), {"records": [A2, A3]}, ["update", "create"]),
            ("PUT", url("new", "A"), {"records": [A2]}, ["create"]),
            ("DELETE", url("app", "A"), None, ["delete"]),
            (
                "POST",
                f"/zones/{ZONE}/changes",
                {"changes": [remove("app", "A"), replace("app", "CNAME", "x.example.net")]},
                ["delete", "create"],
            ),
            ("POST", f"/records/a/{ZONE}/app/{A2}", None, ["update"]),
            ("POST", f"/records/a/{ZONE}/new/{A2}?ttl=300", None, ["create"]),
            ("DELETE", f"/records/a/{ZONE}/app", None, ["delete"]),
            (
                "POST",
                "/records",
                {"domain_type": "A", "domain": ZONE, "subdomain": "new", "to": A2, "ttl": 120},
                ["create"],
            ),
            ("PATCH", "/records/{id}", {"to": A2}, ["update"]),
            ("POST", "/records/{id}", {"to": A2}, ["update"]),
            ("DELETE", "/records/{id}", None, ["delete"]),
        ],
        ids=[
            "put",
            "put-new",
            "delete",
            "changes",
            "path-upsert",
            "path-create",
            "path-delete",
            "post-records",
            "patch-records-id",
            "post-records-id",
            "delete-records-id",
        ],
    )
    def test_a_dry_run_shows_the_plan_and_changes_nothing(
        self,
        client: TestClient,
        auth: Auth,
        emulator: RunningEmulator,
        existing: int,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        actions: list[str],
    ) -> None:
        before_upstream, before_rows = held(emulator), stored(client, auth)
        path = path.replace("{id}", str(existing))
        separator = "&" if "?" in path else "?"
        response = client.request(
            method, f"{path}{separator}dry_run=true", headers=auth(), json=body
        )
        assert response.status_code == 200, response.json()
        data = response.json()["data"]
        assert data["dry_run"] is True
        if path.endswith("/changes"):
            planned = [op["action"] for change in data["changes"] for op in change["changes"]]
        else:
            planned = [op["action"] for op in data["changes"]]
        assert planned == actions
        # A dry run writes nothing; one that would create makes the ownership check (one list
        # call at the name), so it answers 409 when the real change would.
        expected = {"GET listZoneRecords": 1} if "create" in actions else {}
        assert calls(emulator) == expected
        assert held(emulator) == before_upstream
        assert stored(client, auth) == before_rows
        assert shown(client, auth) == [A1]
        assert shown(client, auth, "new") is None

    def test_a_dry_run_put_answers_what_the_real_put_does(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator, existing: int
    ) -> None:
        planned = put(client, auth(), "app", "A", [A2, A3], ttl=300, params={"dry_run": "true"})
        assert calls(emulator) == {"GET listZoneRecords": 1}  # the ownership check, no write
        done = put(client, auth(), "app", "A", [A2, A3], ttl=300)
        assert planned.headers["etag"] == done.headers["etag"]
        plan, real = planned.json()["data"], done.json()["data"]
        assert (plan["dry_run"], real["dry_run"]) == (True, False)
        assert {**plan, "dry_run": False} == real
        assert held(emulator) == [
            ("app", "A", A2, 300),
            ("app", "A", A3, 300),
            ("box", "A", A5, 60),
        ]

    def test_a_false_dry_run_writes(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        for ttl, flag in enumerate(["false", "0", "no", "OFF", ""], start=100):
            response = put(client, auth(), "app", "A", [A1], ttl=ttl, params={"dry_run": flag})
            assert response.status_code == 200, flag
            assert response.json()["data"]["dry_run"] is False, flag
            assert held(emulator) == [("app", "A", A1, ttl)], flag

    def test_an_unreadable_dry_run_flag_is_422_everywhere(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        for method, path, body in [
            ("PUT", url("app", "A"), {"records": [A1]}),
            ("DELETE", url("app", "A"), None),
            ("POST", f"/zones/{ZONE}/changes", {"changes": [replace("app", "A", A1)]}),
            ("POST", f"/records/a/{ZONE}/app/{A1}", None),
            ("DELETE", f"/records/a/{ZONE}/app", None),
            ("POST", "/records", {"domain_type": "A", "domain": ZONE, "subdomain": "a", "to": A1}),
        ]:
            response = client.request(method, f"{path}?dry_run=maybe", headers=auth(), json=body)
            assert response.status_code == 422, (method, path)
            assert pointers(response) == {"dry_run"}, (method, path)
            assert "true or false" in detail(response)
        assert calls(emulator) == {}
        assert upstream(emulator) == []


# -- 4. validation ---------------------------------------------------------------------------

# type: (name, good records, shown back, held by DNSimple, [(bad records, pointer, words)])
TYPE_CASES: dict[str, tuple[str, list[str], list[str], list[str], list[Any]]] = {
    "A": (
        "app",
        [A2, A1, A2],
        [A1, A2],
        [A1, A2],
        [
            ([A1, "192.0.2.300"], "/records/1", "IPv4 address"),
            (["2001:db8::1"], "/records/0", "IPv4 address"),
            (["192.0.2.01"], "/records/0", "IPv4 address"),
            ([""], "/records/0", "must not be empty"),
            ([], "/records", "at least one value"),
        ],
    ),
    "AAAA": (
        "app",
        ["2001:DB8::1", "2001:db8:0:0::2"],
        ["2001:db8::1", "2001:db8::2"],
        ["2001:db8::1", "2001:db8::2"],
        [
            ([A1], "/records/0", "IPv6 address"),
            (["fe80::1%eth0"], "/records/0", "zone index"),
        ],
    ),
    "CNAME": (
        "app",
        ["App.Example.NET."],
        ["app.example.net"],
        ["app.example.net"],
        [
            (["not a host"], "/records/0", "host name"),
            (["x.example.net", "y.example.net"], "/records", "exactly one value"),
        ],
    ),
    "ALIAS": (
        "@",
        ["lb.example.net"],
        ["lb.example.net"],
        ["lb.example.net"],
        [
            (["localhost"], "/records/0", "host name"),
            (["a.example.net", "b.example.net"], "/records", "exactly one value"),
        ],
    ),
    "TXT": (
        "app",
        ["v=spf1 -all", 'say "hi"'],
        ['"say \\"hi\\""', '"v=spf1 -all"'],
        ['"say \\"hi\\""', '"v=spf1 -all"'],
        [
            (["line\nbreak"], "/records/0", "control characters"),
            (['"unclosed'], "/records/0", "quoted strings"),
            (["x" * 1000], "/records/0", "at most 1000"),
        ],
    ),
    "MX": (
        "@",
        ["20 MX2.example.com.", "10 mail.example.com"],
        ["10 mail.example.com", "20 mx2.example.com"],
        ["10 mail.example.com", "20 mx2.example.com"],
        [
            (["mail.example.com"], "/records/0", "10 mail.example.com"),
            (["70000 mail.example.com"], "/records/0", "from 0 to 65535"),
            (["10 mail"], "/records/0", "host name"),
        ],
    ),
    "SRV": (
        "_sip._tcp",
        ["10 5 5060 sip.example.com"],
        ["10 5 5060 sip.example.com"],
        ["10 5 5060 sip.example.com"],
        [
            (["10 5 sip.example.com"], "/records/0", "10 5 5060 sip.example.com"),
            (["10 5 99999 sip.example.com"], "/records/0", "the port"),
        ],
    ),
    "CAA": (
        "@",
        ['0 ISSUE "LetsEncrypt.org"', '0 iodef "mailto:security@example.com"'],
        ['0 iodef "mailto:security@example.com"', '0 issue "letsencrypt.org"'],
        ['0 iodef "mailto:security@example.com"', '0 issue "letsencrypt.org"'],
        [
            (['0 bogus "x.org"'], "/records/0", "issue, issuewild, iodef"),
            (["0 issue"], "/records/0", "flags, tag, value"),
            (['0 iodef "ftp://x"'], "/records/0", "mailto:"),
        ],
    ),
}


class TestValidation:
    @pytest.mark.parametrize("type", list(TYPE_CASES))
    def test_each_type_refuses_bad_values_and_writes_good_ones_canonically(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator, type: str
    ) -> None:
        name, good, shown_back, dnsimple, bad = TYPE_CASES[type]
        for records, pointer, words in bad:
            response = put(client, auth(), name, type, records)
            assert response.status_code == 422, records
            assert error_codes(response) == ["invalid"], records
            assert pointers(response) == {pointer}, records
            assert words in detail(response), (records, detail(response))
        assert calls(emulator) == {}
        assert upstream(emulator) == []
        response = put(client, auth(), name, type, good)
        assert response.status_code == 200, response.json()
        assert response.json()["data"]["rrset"]["records"] == shown_back
        assert get_set(client, auth(), name, type).json()["data"]["records"] == shown_back
        stored_name = "" if name == "@" else name
        assert held(emulator) == [(stored_name, type, value, 60) for value in dnsimple]

    def test_ttl_bounds(self, client: TestClient, auth: Auth, emulator: RunningEmulator) -> None:
        for ttl in (59, 86401, 0, -5):
            response = put(client, auth(), "app", "A", [A1], ttl=ttl)
            assert response.status_code == 422, ttl
            assert pointers(response) == {"/ttl"}
            assert "from 60 to 86400" in detail(response)
        assert upstream(emulator) == []
        for ttl in (60, 86400):
            assert put(client, auth(), "app", "A", [A1], ttl=ttl).status_code == 200
            assert held(emulator) == [("app", "A", A1, ttl)]

    def test_a_bad_body_is_422_naming_each_field(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        for body, fields in [
            ({"records": [A1], "ttl": "300"}, {"/ttl"}),
            ({"records": [A1], "ttl": 3.5}, {"/ttl"}),
            ({"records": A1}, {"/records"}),
            ({"records": [1]}, {"/records/0"}),
            ({"records": [A1] * 101}, {"/records"}),
            ({}, {"/records"}),
            ({"records": [A1], "priority": 10}, {"/priority"}),
            ({"records": [A1], "type": "A"}, {"/type"}),
            ({"records": [], "ttl": 1}, {"/records", "/ttl"}),
        ]:
            response = client.put(url("app", "A"), headers=auth(), json=body)
            assert response.status_code == 422, body
            assert pointers(response) == fields, body
        for raw in (b"{nope", b"[1]"):
            response = client.put(url("app", "A"), headers=auth(), content=raw)
            assert response.status_code == 422
            assert pointers(response) == {"/body"}
        assert calls(emulator) == {}
        assert upstream(emulator) == []

    def test_a_bad_path_is_422_naming_the_parameter(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        for zone, name, type, parameter, words in [
            (ZONE, "@", "CNAME", "name", "apex"),
            (ZONE, "example.com.", "CNAME", "name", "apex"),
            (ZONE, "a..b", "A", "name", "empty label"),
            (ZONE, "-app", "A", "name", "hyphen"),
            (ZONE, "a.*", "A", "name", "leftmost"),
            (ZONE, "a.*.b", "A", "name", "leftmost"),
            (ZONE, "a*b", "A", "name", "label"),
            (ZONE, "x" * 64, "A", "name", "63"),
            (ZONE, ".".join(["abcdefghij"] * 23), "A", "name", "253"),
            (ZONE, "a b", "A", "name", "blanks"),
            (ZONE, "app.example.org.", "A", "name", "outside the zone"),
            (ZONE, "app", "NS", "type", "one of"),
            (ZONE, "app", "SOA", "type", "one of"),
            ("nope.com", "app", "A", "zone", "not a zone"),
            ("com", "app", "A", "zone", "not a zone"),
        ]:
            case = (zone, name, type)
            response = put(client, auth(), name, type, ["x.example.net"], zone=zone)
            assert response.status_code == 422, case
            assert pointers(response) == {parameter}, case
            assert f"{parameter} " in detail(response), case
            assert words in detail(response), (case, detail(response))
            assert client.get(url(name, type, zone), headers=auth()).status_code == 422, case
            assert client.delete(url(name, type, zone), headers=auth()).status_code == 422, case
        assert calls(emulator) == {}
        assert upstream(emulator) == []
        assert upstream(emulator, "example.org") == []

    def test_changes_report_every_bad_item_with_its_index(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        items = [
            replace("ok", "A", A1),
            replace("app", "A", A1, "192.0.2.999"),
            replace("www", "A", A1),
            remove("gone", "A", records=[A1]),
            replace("app", "TXT", ttl=5),
            replace("@", "CNAME", "x.example.net"),
            replace("app", "NS", A1),
            replace("a.*", "A", A1),
        ]
        shape = post_changes(client, auth(), *items, {"action": "upsert", "name": "x", "type": "A"})
        assert shape.status_code == 422
        assert pointers(shape) == {"/changes/8/action"}  # the shape is checked first
        response = post_changes(client, auth(), *items)
        assert response.status_code == 422
        assert pointers(response) == {
            "/changes/1/records/1",
            "/changes/2/name",
            "/changes/3/records",
            "/changes/4/records",
            "/changes/4/ttl",
            "/changes/5/name",
            "/changes/6/type",
            "/changes/7/name",
        }
        assert "changes/2/name is on the deny list" in detail(response)
        assert calls(emulator) == {}
        assert upstream(emulator) == []

    def test_the_same_set_twice_in_changes_is_422_naming_the_repeat(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        response = post_changes(
            client,
            auth(),
            replace("app", "A", A1),
            replace("other", "A", A1),
            remove("APP.example.com.", "a"),
        )
        assert response.status_code == 422
        assert pointers(response) == {"/changes/2"}
        assert "A app.example.com again" in detail(response)
        assert "changes/0" in detail(response)
        assert upstream(emulator) == []

    def test_changes_hold_one_to_a_hundred_items(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        for changes in ([], [replace(f"n{i}", "A", A1) for i in range(101)]):
            response = client.post(
                f"/zones/{ZONE}/changes", headers=auth(), json={"changes": changes}
            )
            assert response.status_code == 422
            assert pointers(response) == {"/changes"}
        unknown_zone = client.post(
            "/zones/nope.com/changes", headers=auth(), json={"changes": [replace("a", "A", A1)]}
        )
        assert unknown_zone.status_code == 422
        assert pointers(unknown_zone) == {"zone"}
        assert upstream(emulator) == []
        hundred = [replace(f"n{i}", "A", A1) for i in range(100)]
        response = post_changes(client, auth(), *hundred)
        assert response.status_code == 200
        assert response.json()["data"]["summary"]["created"] == 100
        # Creating at many names: one read of the whole zone (one page here), then one batch.
        assert calls(emulator) == {"GET listZoneRecords": 1, "POST batchChangeZoneRecords": 1}
        assert len(upstream(emulator)) == 100

    def test_deleting_a_missing_set_is_404(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        response = client.delete(url("app", "A"), headers=auth())
        assert response.status_code == 404
        assert error_codes(response) == ["not_found"]
        in_changes = post_changes(client, auth(), replace("ok", "A", A1), remove("app", "A"))
        assert in_changes.status_code == 404
        assert calls(emulator) == {}
        assert upstream(emulator) == []


# -- 5. CNAME exclusivity and type changes ---------------------------------------------------


class TestTypeChange:
    def test_a_cname_next_to_a_records_is_409(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(client, auth(), "app", "A", [A1, A2])
        put(client, auth(), "alias", "CNAME", ["x.example.net"])
        before = held(emulator)
        emulator.state.calls.clear()
        cname = put(client, auth(), "app", "CNAME", ["x.example.net"])
        assert cname.status_code == 409
        assert error_codes(cname) == ["conflict"]
        address = put(client, auth(), "alias", "A", [A1])
        assert address.status_code == 409
        assert error_codes(address) == ["conflict"]
        text = put(client, auth(), "alias", "TXT", ["hello"])
        assert text.status_code == 409
        assert calls(emulator) == {}
        assert held(emulator) == before

    @pytest.mark.parametrize(
        ("batch", "expected"),
        [
            (True, {"GET listZoneRecords": 1, "POST batchChangeZoneRecords": 1}),
            (
                False,
                {
                    "GET listZoneRecords": 1,
                    "DELETE deleteZoneRecord": 2,
                    "POST createZoneRecord": 1,
                },
            ),
        ],
        ids=["batch", "one-by-one"],
    )
    def test_a_to_cname_in_one_change(
        self,
        request: pytest.FixtureRequest,
        client: TestClient,
        auth: Auth,
        emulator: RunningEmulator,
        batch: bool,
        expected: dict[str, int],
    ) -> None:
        if not batch:
            request.getfixturevalue("no_batch")
        put(client, auth(), "app", "A", [A1, A2])
        emulator.state.calls.clear()
        response = post_changes(
            client, auth(), remove("app", "A"), replace("app", "CNAME", "x.example.net")
        )
        assert response.status_code == 200, response.json()
        data = response.json()["data"]
        assert data["summary"] == {"created": 1, "updated": 0, "deleted": 2, "unchanged": 0}
        assert [c["rrset"]["records"] for c in data["changes"]] == [[], ["x.example.net"]]
        assert calls(emulator) == expected
        assert held(emulator) == [("app", "CNAME", "x.example.net", 60)]
        assert shown(client, auth, "app", "A") is None
        assert shown(client, auth, "app", "CNAME") == ["x.example.net"]

    @pytest.mark.parametrize("batch", [True, False], ids=["batch", "one-by-one"])
    def test_cname_back_to_a(
        self,
        request: pytest.FixtureRequest,
        client: TestClient,
        auth: Auth,
        emulator: RunningEmulator,
        batch: bool,
    ) -> None:
        if not batch:
            request.getfixturevalue("no_batch")
        put(client, auth(), "app", "CNAME", ["x.example.net"])
        response = post_changes(client, auth(), replace("app", "A", A1, A2), remove("app", "CNAME"))
        assert response.status_code == 200, response.json()
        assert held(emulator) == [("app", "A", A1, 60), ("app", "A", A2, 60)]
        assert shown(client, auth, "app", "CNAME") is None

    def test_a_cname_without_deleting_the_rest_in_changes_is_409(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(client, auth(), "app", "A", [A1])
        put(client, auth(), "app", "TXT", ["hello"])
        before = held(emulator)
        response = post_changes(
            client, auth(), remove("app", "A"), replace("app", "CNAME", "x.example.net")
        )
        assert response.status_code == 409
        assert "TXT" in detail(response)
        assert held(emulator) == before


# -- 6. names --------------------------------------------------------------------------------

# raw name, type, value, name as stored at DNSimple, fqdn, fqdn_unicode (None: as fqdn)
NAME_CASES: dict[str, list[tuple[str, str, str, str, str, str | None]]] = {
    "relative": [
        ("pr-42.review", "A", A1, "pr-42.review", "pr-42.review.example.com", None),
        ("_acme-challenge.www2", "TXT", "t", "_acme-challenge.www2", "", None),
        ("_sip._tcp", "SRV", "10 5 5060 sip.example.com", "_sip._tcp", "", None),
        ("*.review", "CNAME", "x.example.net", "*.review", "", None),
        ("wwwx", "A", A1, "wwwx", "", None),
        ("admins.www2", "A", A1, "admins.www2", "", None),
    ],
    "apex": [
        ("@", "A", A1, "", "example.com", None),
        ("example.com.", "A", A1, "", "example.com", None),
        ("EXAMPLE.COM", "MX", "10 mail.example.com", "", "example.com", None),
    ],
    "fqdn": [
        ("pr-42.example.com.", "A", A1, "pr-42", "pr-42.example.com", None),
        ("PR-42.Example.COM", "A", A1, "pr-42", "pr-42.example.com", None),
        ("a.b.example.com.", "A", A1, "a.b", "a.b.example.com", None),
    ],
    "idna": [
        ("bücher", "A", A1, "xn--bcher-kva", "", "bücher.example.com"),
        ("xn--bcher-kva", "A", A1, "xn--bcher-kva", "", "bücher.example.com"),
        ("BÜCHER.example.com.", "A", A1, "xn--bcher-kva", "", "bücher.example.com"),
        ("pr-1.bücher", "A", A1, "pr-1.xn--bcher-kva", "", "pr-1.bücher.example.com"),
        ("\uff41\uff50\uff50", "A", A1, "app", "app.example.com", None),  # full-width app
    ],
}

DENIED_SPELLINGS = {
    "www": [
        "www",
        "WWW",
        "Www",
        " www ",
        "www.example.com",
        "www.example.com.",
        "WWW.EXAMPLE.COM.",
        "\uff57\uff57\uff57",  # full-width
        "\uff37\uff37\uff37\u3002example\u3002com\u3002",  # full-width, ideographic full stops
        "\u24e6\u24e6\u24e6",  # circled letters
        "ww\u00adw",  # soft hyphen
        "v2.www",
        "*.www",
        "*",  # the apex wildcard would answer for www
        "_x.www",
        "a.b.WWW",
    ],
    "admin": [
        "admin",
        "Admin",
        "ADMIN.example.com.",
        "_x.Admin",
        "a.b.admin",
        "\uff41\uff44\uff4d\uff49\uff4e",  # full-width
    ],
}


class TestNames:
    @pytest.mark.parametrize("group", list(NAME_CASES))
    def test_a_name_is_stored_as_dnsimple_expects_and_read_back_by_any_spelling(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator, group: str
    ) -> None:
        for raw, type, value, name, fqdn, fqdn_unicode in NAME_CASES[group]:
            response = put(client, auth(), raw, type, [value])
            assert response.status_code == 200, (raw, response.json())
            rrset = response.json()["data"]["rrset"]
            expected_fqdn = fqdn or f"{name}.{ZONE}"
            assert rrset["name"] == (name or "@"), raw
            assert rrset["fqdn"] == expected_fqdn, raw
            assert rrset["fqdn_unicode"] == (fqdn_unicode or expected_fqdn), raw
            assert [(r["name"], r["type"]) for r in upstream(emulator)] == [(name, type)], raw
            for spelling in (raw, name or "@", expected_fqdn + "."):
                read = get_set(client, auth(), spelling, type)
                assert read.status_code == 200, (raw, spelling)
                assert read.json()["data"] == rrset, (raw, spelling)
            assert client.delete(url(raw, type), headers=auth()).status_code == 200, raw
            assert upstream(emulator) == [], raw

    @pytest.mark.parametrize("denied", list(DENIED_SPELLINGS))
    def test_the_deny_list_holds_for_every_spelling(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator, denied: str
    ) -> None:
        for raw in DENIED_SPELLINGS[denied]:
            response = put(client, auth(), raw, "A", [A1])
            assert response.status_code == 422, raw
            assert pointers(response) == {"name"}, raw
            assert "deny list" in detail(response), raw
            in_changes = post_changes(client, auth(), replace(raw, "A", A1))
            assert in_changes.status_code == 422, raw
            assert pointers(in_changes) == {"/changes/0/name"}, raw
            other_zone = raw.replace("example.com", "example.org")
            response = put(client, auth(), other_zone, "A", [A1], zone="example.org")
            assert response.status_code == 422, raw
            by_path = client.post(f"/records/a/{ZONE}/{raw}/{A1}", headers=auth())
            assert by_path.status_code == 422, raw
        assert calls(emulator) == {}
        assert upstream(emulator) == []
        assert upstream(emulator, "example.org") == []

    def test_the_listing_shows_idna_both_ways_and_filters_by_either(
        self, client: TestClient, auth: Auth
    ) -> None:
        put(client, auth(), "bücher", "A", [A1])
        put(client, auth(), "app", "A", [A1])
        for spelling in ("bücher", "xn--bcher-kva", "BÜCHER.example.com."):
            listed = client.get(f"/zones/{ZONE}/rrsets", params={"name": spelling}, headers=auth())
            assert listed.status_code == 200
            [entry] = listed.json()["data"]
            assert (entry["name"], entry["fqdn_unicode"]) == ("xn--bcher-kva", "bücher.example.com")


# -- 7. scoped tokens ------------------------------------------------------------------------

# grant name pattern: [(name written to, expected status)]
GRANT_CASES: dict[str, list[tuple[str, int]]] = {
    "pr-*.review": [
        ("pr-1.review", 200),
        ("PR-2.review.example.com.", 200),
        ("*.review", 403),
        ("x.review", 403),
        ("pr-1", 403),
        ("a.pr-1.review", 403),
        ("review", 403),
    ],
    "*.review": [("*.review", 200), ("pr-1.review", 200), ("a.b.review", 403)],
    "**.review": [("a.b.review", 200), ("pr-1.review", 200), ("*.review", 403)],
    # The apex wildcard could answer for the denied www: refused whatever the grant says.
    "**": [("*.review", 200), ("*", 422), ("@", 200)],
}


class TestPermissions:
    @pytest.mark.parametrize("pattern", list(GRANT_CASES))
    def test_a_put_is_allowed_only_where_the_grant_names(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator, pattern: str
    ) -> None:
        token = mint(client, auth, {**REVIEW_GRANT, "names": [pattern]})
        for name, status in GRANT_CASES[pattern]:
            emulator.state.calls.clear()
            response = put(client, token, name, "A", [A1])
            assert response.status_code == status, (name, response.json())
            if status == 422:
                assert error_codes(response) == ["invalid"], name
                assert calls(emulator) == {}, name
            elif status == 403:
                assert error_codes(response) == ["forbidden"], name
                assert calls(emulator) == {}, name
                assert shown(client, auth, name) is None, name
            else:  # one ownership check, one create
                expected = {"GET listZoneRecords": 1, "POST createZoneRecord": 1}
                assert calls(emulator) == expected, name
                assert get_set(client, token, name, "A").status_code == 200, name
        allowed = sorted(name for name, status in GRANT_CASES[pattern] if status == 200)
        listed = client.get(f"/zones/{ZONE}/rrsets", headers=token).json()["data"]
        assert len(listed) == len(upstream(emulator)) == len(allowed)

    def test_other_types_and_zones_are_403(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        token = mint(client, auth, REVIEW_GRANT)
        for type, zone, value in [
            ("TXT", ZONE, "hi"),
            ("AAAA", ZONE, "2001:db8::1"),
            ("A", "example.org", A1),
        ]:
            response = put(client, token, "pr-1.review", type, [value], zone=zone)
            assert response.status_code == 403, (type, zone)
            assert type in detail(response)
        assert calls(emulator) == {}
        assert upstream(emulator) == []
        assert upstream(emulator, "example.org") == []

    def test_zones_and_listing_show_only_what_the_token_reads(
        self, client: TestClient, auth: Auth
    ) -> None:
        for name, type, value in [
            ("pr-1.review", "A", A1),
            ("pr-2.review", "CNAME", "x.example.net"),
            ("pr-1.review", "TXT", "hidden"),
            ("app", "A", A1),
            ("*.review", "A", A1),
        ]:
            assert put(client, auth(), name, type, [value]).status_code == 200
        assert put(client, auth(), "pr-1.review", "A", [A1], zone="example.org").status_code == 200
        token = mint(client, auth, REVIEW_GRANT)
        zones = client.get("/zones", headers=token)
        assert zones.json()["data"] == [{"name": ZONE, "name_unicode": ZONE}]
        everything = client.get("/zones", headers=auth()).json()["data"]
        assert [z["name"] for z in everything] == [ZONE, "example.org"]
        listed = client.get(f"/zones/{ZONE}/rrsets", headers=token).json()["data"]
        assert [(s["name"], s["type"]) for s in listed] == [
            ("pr-1.review", "A"),
            ("pr-2.review", "CNAME"),
        ]
        paged = client.get(f"/zones/{ZONE}/rrsets?limit=1", headers=token).json()
        assert [s["name"] for s in paged["data"]] == ["pr-1.review"]
        rest = client.get(
            f"/zones/{ZONE}/rrsets",
            params={"limit": 1, "cursor": paged["meta"]["next_cursor"]},
            headers=token,
        ).json()
        assert [s["name"] for s in rest["data"]] == ["pr-2.review"]
        assert rest["meta"]["next_cursor"] is None
        assert client.get("/zones/example.org/rrsets", headers=token).json()["data"] == []
        for name, type in [("pr-1.review", "TXT"), ("app", "A"), ("*.review", "A")]:
            assert get_set(client, token, name, type).status_code == 404
        assert get_set(client, token, "pr-1.review", "A").status_code == 200

    def test_a_token_without_read_sees_no_zone(self, client: TestClient, auth: Auth) -> None:
        put(client, auth(), "pr-1.review", "A", [A1])
        token = mint(client, auth, {**REVIEW_GRANT, "actions": ["create", "update", "delete"]})
        assert client.get("/zones", headers=token).json()["data"] == []
        assert client.get(f"/zones/{ZONE}/rrsets", headers=token).json()["data"] == []
        assert get_set(client, token, "pr-1.review", "A").status_code == 404

    def test_without_delete_a_set_cannot_shrink(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(client, auth(), "pr-1.review", "A", [A1, A2, A3])
        before = held(emulator)
        token = mint(client, auth, {**REVIEW_GRANT, "actions": ["read", "create", "update"]})
        emulator.state.calls.clear()
        shrink = put(client, token, "pr-1.review", "A", [A1])
        assert shrink.status_code == 403
        assert "delete" in detail(shrink)
        assert client.delete(url("pr-1.review", "A"), headers=token).status_code == 403
        assert post_changes(client, token, remove("pr-1.review", "A")).status_code == 403
        by_path = client.post(f"/records/a/{ZONE}/pr-1.review/{A1}", headers=token)
        assert by_path.status_code == 403
        assert calls(emulator) == {}
        assert held(emulator) == before
        assert shown(client, auth, "pr-1.review") == [A1, A2, A3]
        grow = put(client, token, "pr-1.review", "A", [A1, A2, A3, A4])
        assert grow.status_code == 200
        assert len(upstream(emulator)) == 4

    def test_without_update_a_value_cannot_change(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        token = mint(client, auth, {**REVIEW_GRANT, "actions": ["create"]})
        assert put(client, token, "pr-1.review", "A", [A1]).status_code == 200
        assert put(client, token, "pr-1.review", "A", [A1]).status_code == 200  # as it is
        response = put(client, token, "pr-1.review", "A", [A2])
        assert response.status_code == 403
        assert "update" in detail(response)
        assert held(emulator) == [("pr-1.review", "A", A1, 60)]

    def test_one_forbidden_item_stops_the_whole_change(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        token = mint(client, auth, REVIEW_GRANT)
        response = post_changes(
            client, token, replace("pr-1.review", "A", A1), replace("app", "A", A1)
        )
        assert response.status_code == 403
        assert "app.example.com" in detail(response)
        assert calls(emulator) == {}
        assert upstream(emulator) == []


# -- 8. listing ------------------------------------------------------------------------------

LISTED_SETS = [
    ("@", "A", A1),
    ("@", "MX", "10 mail.example.com"),
    ("*.review", "A", A1),
    ("_sip._tcp", "SRV", "10 5 5060 sip.example.com"),
    ("a", "A", A1),
    ("a", "TXT", "hello"),
    ("a-b", "AAAA", "2001:db8::1"),
    ("a.b", "A", A2),
    ("ab", "A", A2),
    ("pr-1.review", "CNAME", "x.example.net"),
    ("z", "A", A3),
]


def walk(client: TestClient, headers: dict[str, str], limit: int) -> list[tuple[str, str]]:
    """Every (name, type) the listing gives, following ``next_cursor`` page after page."""
    walked: list[tuple[str, str]] = []
    params: dict[str, Any] = {"limit": limit}
    for _ in range(50):
        response = client.get(f"/zones/{ZONE}/rrsets", params=params, headers=headers)
        assert response.status_code == 200, response.json()
        page = response.json()
        assert len(page["data"]) <= limit
        walked += [(s["name"], s["type"]) for s in page["data"]]
        if page["meta"]["next_cursor"] is None:
            return walked
        params["cursor"] = page["meta"]["next_cursor"]
    raise AssertionError("the cursor never ends")


class TestListing:
    @pytest.fixture
    def many(self, client: TestClient, auth: Auth) -> list[tuple[str, str]]:
        for name, type, value in LISTED_SETS:
            assert put(client, auth(), name, type, [value]).status_code == 200
        assert put(client, auth(), "a", "A", [A1], zone="example.org").status_code == 200
        return sorted((n, t) for n, t, _ in LISTED_SETS)

    def test_the_cursor_walks_every_set_once(
        self, client: TestClient, auth: Auth, many: list[tuple[str, str]]
    ) -> None:
        everything = client.get(f"/zones/{ZONE}/rrsets", headers=auth()).json()
        assert everything["meta"]["next_cursor"] is None
        keys = [(s["name"], s["type"]) for s in everything["data"]]
        assert sorted(keys) == many
        for limit in (1, 2, 3, 11, 500):
            assert walk(client, auth(), limit) == keys, limit

    def test_filters(self, client: TestClient, auth: Auth, many: list[tuple[str, str]]) -> None:
        for query, expected in [
            ({"name": "a"}, [("a", "A"), ("a", "TXT")]),
            ({"name": "@"}, [("@", "A"), ("@", "MX")]),
            ({"name": "example.com."}, [("@", "A"), ("@", "MX")]),
            ({"name": "A.example.COM"}, [("a", "A"), ("a", "TXT")]),
            ({"name": "*.review"}, [("*.review", "A")]),
            ({"type": "a"}, [(n, t) for n, t in many if t == "A"]),
            ({"type": "TXT", "name": "a"}, [("a", "TXT")]),
            ({"type": "TXT", "name": "z"}, []),
            ({"name": "nothing"}, []),
            ({"type": "A", "limit": "2"}, [("@", "A"), ("*.review", "A")]),
        ]:
            response = client.get(f"/zones/{ZONE}/rrsets", params=query, headers=auth())
            assert response.status_code == 200, query
            found = sorted((s["name"], s["type"]) for s in response.json()["data"])
            assert found == sorted(expected), query

    def test_a_listed_set_is_the_set_get_shows(self, client: TestClient, auth: Auth) -> None:
        put(client, auth(), "app", "MX", ["20 b.example.com", "10 a.example.com"], ttl=300)
        [listed] = client.get(f"/zones/{ZONE}/rrsets", headers=auth()).json()["data"]
        read = get_set(client, auth(), "app", "MX")
        assert listed == read.json()["data"]
        assert listed["etag"] == read.headers["etag"]
        assert (listed["ttl"], listed["records"]) == (300, ["10 a.example.com", "20 b.example.com"])

    def test_bad_query_parameters_are_422_naming_them(self, client: TestClient, auth: Auth) -> None:
        cursors = [
            "zzz",
            "%%%",
            base64.urlsafe_b64encode(b'{"a": 1}').decode(),
            base64.urlsafe_b64encode(b'["a"]').decode(),
            base64.urlsafe_b64encode(b'["a", 1]').decode(),
            base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        ]
        for params, parameter in [
            *[({"cursor": cursor}, "cursor") for cursor in cursors],
            *[({"limit": limit}, "limit") for limit in ("0", "501", "x")],
            ({"name": "a..b"}, "name"),
        ]:
            response = client.get(f"/zones/{ZONE}/rrsets", params=params, headers=auth())
            assert response.status_code == 422, params
            assert pointers(response) == {parameter}, params
        unknown = client.get("/zones/nope.com/rrsets", headers=auth())
        assert unknown.status_code == 422
        assert pointers(unknown) == {"zone"}


def test_the_cursor_walk_does_not_depend_on_the_database_collation(
    emulator: RunningEmulator,
) -> None:
    admin_url = os.environ.get("DNS_API_TEST_POSTGRES_URL")
    if not admin_url:
        pytest.skip("PostgreSQL not available (set DNS_API_TEST_POSTGRES_URL)")
    database = f"dns_api_test_collation_{WORKER}"
    engine = create_engine(urls.engine_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
            try:
                connection.execute(
                    text(
                        f"CREATE DATABASE {database} TEMPLATE template0 LOCALE_PROVIDER icu "
                        "ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
                    )
                )
            except DBAPIError as exc:
                pytest.skip(f"no ICU collation on this server: {exc.orig}")
        database_url = (
            make_url(admin_url).set(database=database).render_as_string(hide_password=False)
        )
        migrate.upgrade(database_url)
        settings = make_settings(dnsimple_base_url=emulator.url, database_url=database_url)
        headers = {"Authorization": f"Bearer {legacy_token('alice')}"}
        with TestClient(create_app(settings)) as client:
            for name, type, value in LISTED_SETS:
                ok(put(client, headers, name, type, [value]))
            walked = walk(client, headers, 2)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
        engine.dispose()
    assert sorted(walked) == sorted((n, t) for n, t, _ in LISTED_SETS), f"walked: {walked}"


# -- 9. DNSimple failing in the middle of a plan ---------------------------------------------


class TestUpstreamFailure:
    @pytest.mark.usefixtures("no_batch")
    def test_a_failed_second_operation_undoes_the_first(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        before_reply = put(client, auth(), "app", "A", [A1])
        before, before_ids, rows = held(emulator), ids(emulator), stored(client, auth)
        emulator.state.calls.clear()
        # The plan: PATCH .1 -> .3 in place, then create .4 and .5. Before anything, one
        # ownership check of the name; the first create fails, DNSimple is checked (it did not
        # happen), and the create sent again fails too: the PATCH is undone.
        emulator.state.fail_next(502, 2, method="POST")
        response = put(client, auth(), "app", "A", [A3, A4, A5])
        assert response.status_code == 502
        assert response.headers["content-type"].startswith("application/json")
        assert error_codes(response) == ["upstream_unavailable"]
        assert calls(emulator) == {
            "PATCH updateZoneRecord": 2,
            "POST createZoneRecord": 2,
            "GET listZoneRecords": 2,
        }
        assert held(emulator) == before
        assert ids(emulator) == before_ids
        read = get_set(client, auth(), "app", "A")
        assert read.json()["data"] == before_reply.json()["data"]["rrset"]
        assert read.headers["etag"] == before_reply.headers["etag"]
        assert [(r["id"], r["to"], r["ttl"]) for r in stored(client, auth)] == [
            (r["id"], r["to"], r["ttl"]) for r in rows
        ]
        again = put(client, auth(), "app", "A", [A3, A4, A5])
        assert again.status_code == 200
        assert held(emulator) == [("app", "A", a, 60) for a in (A3, A4, A5)]

    @pytest.mark.usefixtures("no_batch")
    def test_a_failed_create_after_deletes_puts_the_deleted_back(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(client, auth(), "app", "A", [A1, A2])
        before = held(emulator)
        emulator.state.calls.clear()
        # One ownership check of the name; the CNAME create fails, is checked (it did not
        # happen), fails again: the deleted A records are put back.
        emulator.state.fail_next(503, 2, method="POST")
        response = post_changes(
            client, auth(), remove("app", "A"), replace("app", "CNAME", "x.example.net")
        )
        assert response.status_code == 503
        assert error_codes(response) == ["upstream_unavailable"]
        assert calls(emulator) == {
            "DELETE deleteZoneRecord": 2,
            "POST createZoneRecord": 4,
            "GET listZoneRecords": 2,
        }
        assert held(emulator) == before
        assert shown(client, auth) == [A1, A2]
        assert shown(client, auth, "app", "CNAME") is None
        # dns-api follows the records put back (new DNSimple ids): the next change works.
        emulator.state.calls.clear()
        follow_up = put(client, auth(), "app", "A", [A1, A3])
        assert follow_up.status_code == 200, follow_up.json()
        assert calls(emulator) == {"PATCH updateZoneRecord": 1}
        assert held(emulator) == [("app", "A", A1, 60), ("app", "A", A3, 60)]
        assert client.delete(url("app", "A"), headers=auth()).status_code == 200
        assert upstream(emulator) == []

    @pytest.mark.usefixtures("no_batch")
    def test_when_the_undo_fails_too_dns_api_records_what_dnsimple_holds(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(client, auth(), "gone", "A", [A5])
        emulator.state.calls.clear()
        # ownership check of new, create new (ok), delete gone (fails, retried), undo: delete
        # new (fails too)
        attempts = 1 + UpstreamPolicy().write_retries
        emulator.state.fail_next(502, count=2 * attempts, method="DELETE")
        response = post_changes(client, auth(), replace("new", "A", A1), remove("gone", "A"))
        assert response.status_code == 502
        assert calls(emulator) == {
            "GET listZoneRecords": 1,
            "POST createZoneRecord": 1,
            "DELETE deleteZoneRecord": 2 * attempts,
        }
        assert held(emulator) == [("gone", "A", A5, 60), ("new", "A", A1, 60)]
        listed = client.get(f"/zones/{ZONE}/rrsets", headers=auth()).json()["data"]
        assert [(s["name"], s["records"]) for s in listed] == [("gone", [A5]), ("new", [A1])]
        assert client.delete(url("new", "A"), headers=auth()).status_code == 200
        assert held(emulator) == [("gone", "A", A5, 60)]

    def test_a_batch_that_failed_unapplied_is_checked_then_sent_one_by_one(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(client, auth(), "app", "A", [A1, A2, A3])
        emulator.state.calls.clear()
        emulator.state.fail_next(500, method="POST")
        response = put(client, auth(), "app", "A", [A1, A2, A3], ttl=300)
        assert response.status_code == 200
        assert calls(emulator) == {
            "POST batchChangeZoneRecords": 1,
            "GET listZoneRecords": 1,
            "PATCH updateZoneRecord": 3,
        }
        assert held(emulator) == [("app", "A", a, 300) for a in (A1, A2, A3)]

    def test_a_batch_whose_answer_was_lost_is_found_applied_not_repeated(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(client, auth(), "app", "A", [A1, A2, A3])
        emulator.state.calls.clear()
        emulator.state.fail_next(502, method="POST", after_apply=True)
        response = put(client, auth(), "app", "A", [A1, A2, A4, A5])
        assert response.status_code == 200
        # One list call is the ownership check before the batch, the other finds it applied.
        assert calls(emulator) == {"POST batchChangeZoneRecords": 1, "GET listZoneRecords": 2}
        assert held(emulator) == [("app", "A", a, 60) for a in (A1, A2, A4, A5)]
        assert shown(client, auth) == [A1, A2, A4, A5]

    def test_a_failing_dnsimple_changes_nothing(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(client, auth(), "app", "A", [A1, A2, A3])
        before, rows = held(emulator), stored(client, auth)
        emulator.state.set_faults(failure_rates={500: 1.0})  # every call fails, reads too
        try:
            response = put(client, auth(), "app", "A", [A1, A2, A3], ttl=300)
        finally:
            emulator.state.set_faults()
        assert response.status_code == 502
        assert error_codes(response) == ["upstream_unavailable"]
        assert held(emulator) == before
        assert stored(client, auth) == rows
        assert get_set(client, auth(), "app", "A").json()["data"]["ttl"] == 60


# -- 10. records dns-api does not own --------------------------------------------------------

HAND = "192.0.2.50"


def by_hand(emulator: RunningEmulator, name: str, type: str, content: str) -> int:
    """A record made at DNSimple outside dns-api; returns its DNSimple id."""
    record = emulator.state.create_record(ZONE, {"name": name, "type": type, "content": content})
    record_id: int = record["id"]
    return record_id


class TestOwnership:
    """Before creating at a name dns-api lists that name at DNSimple (one call, every type); a
    record there that it does not own, of the same type or clashing with a CNAME, is a 409."""

    def test_a_hand_made_record_of_the_same_type_is_409_naming_adopt(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        by_hand(emulator, "hand", "A", HAND)
        before = held(emulator)
        emulator.state.calls.clear()
        response = put(client, auth(), "hand", "A", [A1])
        assert response.status_code == 409, response.json()
        assert error_codes(response) == ["conflict"]
        assert "dns-api adopt" in detail(response)
        assert "--name hand --type A" in detail(response)
        assert HAND in detail(response)
        assert calls(emulator) == {"GET listZoneRecords": 1}
        assert held(emulator) == before == [("hand", "A", HAND, 3600)]
        assert stored(client, auth) == []
        assert shown(client, auth, "hand") is None

    def test_a_hand_made_a_record_stops_a_cname(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        by_hand(emulator, "hand", "A", HAND)
        before = held(emulator)
        emulator.state.calls.clear()
        response = put(client, auth(), "hand", "CNAME", ["x.example.net"])
        assert response.status_code == 409, response.json()
        assert error_codes(response) == ["conflict"]  # not DNSimple's 400, upstream_rejected
        assert "CNAME must be alone" in detail(response)
        assert calls(emulator) == {"GET listZoneRecords": 1}
        assert held(emulator) == before
        assert shown(client, auth, "hand", "CNAME") is None

    def test_a_hand_made_cname_stops_an_a_record(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        by_hand(emulator, "hand", "CNAME", "x.example.net")
        before = held(emulator)
        emulator.state.calls.clear()
        response = put(client, auth(), "hand", "A", [A1])
        assert response.status_code == 409, response.json()
        assert error_codes(response) == ["conflict"]
        assert "CNAME must be alone" in detail(response)
        assert calls(emulator) == {"GET listZoneRecords": 1}
        assert held(emulator) == before
        assert stored(client, auth) == []

    def test_a_hand_made_record_of_another_type_does_not_stop_a_create(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        by_hand(emulator, "hand", "TXT", '"made by hand"')
        emulator.state.calls.clear()
        response = put(client, auth(), "hand", "A", [A1])
        assert response.status_code == 200, response.json()
        assert calls(emulator) == {"GET listZoneRecords": 1, "POST createZoneRecord": 1}
        assert held(emulator) == [
            ("hand", "A", A1, 60),
            ("hand", "TXT", '"made by hand"', 3600),
        ]
        assert shown(client, auth, "hand") == [A1]
        assert shown(client, auth, "hand", "TXT") is None  # still not dns-api's

    def test_records_dns_api_owns_are_not_foreign(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        assert put(client, auth(), "hand", "A", [A1]).status_code == 200
        emulator.state.calls.clear()
        grown = put(client, auth(), "hand", "A", [A1, A2])
        assert grown.status_code == 200, grown.json()
        assert calls(emulator) == {"GET listZoneRecords": 1, "POST createZoneRecord": 1}
        assert held(emulator) == [("hand", "A", A1, 60), ("hand", "A", A2, 60)]
        assert shown(client, auth, "hand") == [A1, A2]

    def test_the_path_upsert_is_409_too(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        by_hand(emulator, "hand", "A", HAND)
        before = held(emulator)
        emulator.state.calls.clear()
        response = client.post(f"/records/A/{ZONE}/hand/192.0.2.9", headers=auth())
        assert response.status_code == 409, response.json()
        assert error_codes(response) == ["conflict"]
        assert "dns-api adopt" in detail(response)
        assert calls(emulator) == {"GET listZoneRecords": 1}
        assert held(emulator) == before
        assert stored(client, auth) == []

    def test_a_dry_run_answers_409_as_the_real_put_would(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        by_hand(emulator, "hand", "A", HAND)
        before = held(emulator)
        emulator.state.calls.clear()
        response = put(client, auth(), "hand", "A", [A1], params={"dry_run": "true"})
        assert response.status_code == 409, response.json()
        assert error_codes(response) == ["conflict"]
        assert "dns-api adopt" in detail(response)
        assert calls(emulator) == {"GET listZoneRecords": 1}
        assert held(emulator) == before

    def test_one_check_per_name_and_a_foreign_record_stops_the_whole_change(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        items = (replace("a", "A", A1), replace("a", "TXT", "hi"), replace("b", "A", A2))
        emulator.state.calls.clear()
        response = post_changes(client, auth(), *items)
        assert response.status_code == 200, response.json()
        assert calls(emulator) == {"GET listZoneRecords": 2, "POST batchChangeZoneRecords": 1}
        by_hand(emulator, "d", "A", HAND)
        before = held(emulator)
        emulator.state.calls.clear()
        # Names are checked in order (c, then d): c is clear, d is not, nothing is written.
        blocked = post_changes(client, auth(), replace("d", "A", A2), replace("c", "A", A1))
        assert blocked.status_code == 409
        assert "d.example.com" in detail(blocked)
        assert calls(emulator) == {"GET listZoneRecords": 2}
        assert held(emulator) == before
        assert shown(client, auth, "c") is None
        assert shown(client, auth, "d") is None


# -- the original endpoints share the record-set path ----------------------------------------


class TestOriginalEndpoints:
    def test_path_upsert_makes_the_set_exactly_that_value(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(client, auth(), "app", "A", [A1, A2, A3])
        emulator.state.calls.clear()
        response = client.post(f"/records/a/{ZONE}/app/{A4}?ttl=300", headers=auth())
        assert response.status_code == 200
        assert response.json()["data"]["to"] == A4
        assert response.json()["data"]["ttl"] == 300
        assert calls(emulator) == {"POST batchChangeZoneRecords": 1}
        assert held(emulator) == [("app", "A", A4, 300)]
        assert shown(client, auth) == [A4]

    def test_path_delete_removes_the_whole_set(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(client, auth(), "app", "A", [A1, A2, A3])
        put(client, auth(), "app", "TXT", ["stays"])
        response = client.delete(f"/records/A/{ZONE}/APP", headers=auth())
        assert response.status_code == 200
        assert held(emulator) == [("app", "TXT", '"stays"', 60)]
        assert shown(client, auth) is None

    def test_path_upsert_takes_a_priority(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        response = client.post(f"/records/mx/{ZONE}/@/mail.example.com?priority=20", headers=auth())
        assert response.status_code == 200, response.json()
        assert held(emulator) == [("", "MX", "20 mail.example.com", 60)]
        assert shown(client, auth, "@", "MX") == ["20 mail.example.com"]

    def test_post_records_takes_ttl_and_priority(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        body = {
            "domain_type": "MX",
            "domain": ZONE,
            "subdomain": "mail",
            "to": "mx.example.net",
            "ttl": 900,
            "priority": 5,
        }
        response = client.post("/records", headers=auth(), json=body)
        assert response.status_code == 200, response.json()
        assert (response.json()["data"]["ttl"], response.json()["data"]["priority"]) == (900, 5)
        assert held(emulator) == [("mail", "MX", "5 mx.example.net", 900)]
        read = get_set(client, auth(), "mail", "MX").json()["data"]
        assert (read["records"], read["ttl"]) == (["5 mx.example.net"], 900)

    def test_a_set_of_several_values_is_refused_by_post_records(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(client, auth(), "app", "A", [A1, A2])
        body = {"domain_type": "A", "domain": ZONE, "subdomain": "app", "to": A3}
        response = client.post("/records", headers=auth(), json=body)
        assert response.status_code == 409
        assert held(emulator) == [("app", "A", A1, 60), ("app", "A", A2, 60)]


def test_head_gives_the_etag_without_a_body(
    client: TestClient, auth: Auth, emulator: RunningEmulator
) -> None:
    etag = ok(put(client, auth(), "app", "A", [A1])).headers["etag"]
    response = client.head(f"/zones/{ZONE}/rrsets/app/A", headers=auth())
    assert response.status_code == 200
    assert response.headers["etag"] == etag
    assert response.content == b""
