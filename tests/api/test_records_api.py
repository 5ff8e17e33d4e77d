"""The record endpoints over HTTP, against the DNSimple emulator, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dns_api.emulator import RunningEmulator

Auth = Callable[..., dict[str, str]]


def create(client: TestClient, auth: Auth, **body: Any) -> Any:
    payload = {"domain_type": "A", "domain": "example.com", "subdomain": "app", "to": "192.0.2.10"}
    payload.update(body)
    return client.post("/records", headers=auth(), json=payload)


def upstream(emulator: RunningEmulator, zone: str = "example.com") -> list[dict[str, Any]]:
    return [r for r in emulator.state.records(zone) if not r["system_record"]]


def error_codes(response: Any) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


def pointers(response: Any) -> set[str]:
    return {
        e["source"].get("pointer") or e["source"].get("parameter")
        for e in response.json()["errors"]
    }


class TestCreate:
    def test_create_returns_the_record_and_creates_it_at_dnsimple(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        response = create(client, auth, domain_type="cname", subdomain="API", to="api.example.org")
        assert response.status_code == 200
        data = response.json()["data"]
        assert data["type"] == "record"
        assert data["domain_type"] == "CNAME"
        assert data["domain"] == "example.com"
        assert data["subdomain"] == "api"
        assert data["to"] == "api.example.org"
        assert data["domain_key"] == "CNAME::example.com::api"
        assert data["fqdn"] == "api.example.com"
        assert data["ttl"] == 60
        assert data["created_by"] == "alice"
        assert data["created"].endswith("Z")
        [record] = upstream(emulator)
        assert (record["name"], record["type"], record["content"], record["ttl"]) == (
            "api",
            "CNAME",
            "api.example.org",
            60,
        )
        assert data["dnsimple_record_id"] == record["id"]

    def test_a_second_create_of_the_same_name_is_409(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        assert create(client, auth).status_code == 200
        response = create(client, auth, subdomain="APP", to="192.0.2.11")
        assert response.status_code == 409
        assert error_codes(response) == ["conflict"]
        assert len(upstream(emulator)) == 1

    def test_body_without_content_type_is_read(self, client: TestClient, auth: Auth) -> None:
        body = '{"domain_type": "a", "domain": "example.com", "subdomain": "x", "to": "192.0.2.1"}'
        response = client.post("/records", headers=auth(), content=body)
        assert response.status_code == 200

    @pytest.mark.parametrize(
        ("body", "fields"),
        [
            ({"domain_type": "NS"}, {"/domain_type"}),
            ({"domain_type": "MX"}, {"/to"}),
            ({"domain": "evil.com"}, {"/domain"}),
            ({"domain": "EXAMPLE.COM."}, set()),
            ({"subdomain": "WWW"}, {"/subdomain"}),
            ({"subdomain": "a..b"}, {"/subdomain"}),
            ({"subdomain": "a.*"}, {"/subdomain"}),
            ({"subdomain": "a.b"}, set()),
            ({"ttl": 30}, {"/ttl"}),
            ({"ttl": "300"}, {"/ttl"}),
            ({"priority": 10}, {"/priority"}),
            ({"subdomain": "x" * 300}, {"/subdomain"}),
            ({"to": "not-an-ip"}, {"/to"}),
            ({"to": 12}, {"/to"}),
            ({"to": None}, {"/to"}),
            ({"domain_type": "CNAME", "to": "192.0.2.1/x"}, {"/to"}),
            (
                {"domain_type": "SOA", "domain": "nope.net", "subdomain": "-", "to": ""},
                {"/domain_type", "/domain", "/subdomain", "/to"},
            ),
        ],
    )
    def test_bad_input_is_422_naming_each_field(
        self,
        client: TestClient,
        auth: Auth,
        emulator: RunningEmulator,
        body: dict[str, Any],
        fields: set[str],
    ) -> None:
        response = create(client, auth, **body)
        if not fields:
            assert response.status_code == 200
            return
        assert response.status_code == 422
        assert pointers(response) == fields
        assert response.json()["meta"] == {"status": 422}
        assert upstream(emulator) == []

    @pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe"])
    def test_malformed_body_is_422(self, client: TestClient, auth: Auth, raw: bytes) -> None:
        response = client.post("/records", headers=auth(), content=raw)
        assert response.status_code == 422
        assert pointers(response) == {"/body"}

    def test_missing_fields_are_all_named(self, client: TestClient, auth: Auth) -> None:
        response = client.post("/records", headers=auth(), json={})
        assert response.status_code == 422
        assert pointers(response) == {"/domain_type", "/domain", "/subdomain", "/to"}

    def test_oversized_body_is_refused(self, client: TestClient, auth: Auth) -> None:
        response = client.post("/records", headers=auth(), content=b"{" + b" " * 70_000 + b"}")
        assert response.status_code == 422


class TestReadAndList:
    def test_get_by_id(self, client: TestClient, auth: Auth) -> None:
        created = create(client, auth).json()["data"]
        response = client.get(f"/records/{created['id']}", headers=auth("bob"))
        assert response.status_code == 200
        assert response.json()["data"] == created

    @pytest.mark.parametrize("record_id", ["999999", "abc", "-1", "1.5", "9" * 40])
    def test_unknown_id_is_404(self, client: TestClient, auth: Auth, record_id: str) -> None:
        response = client.get(f"/records/{record_id}", headers=auth())
        assert response.status_code == 404
        assert error_codes(response) == ["not_found"]

    def test_list_is_newest_first_and_paginated(self, client: TestClient, auth: Auth) -> None:
        for n in range(12):
            assert create(client, auth, subdomain=f"host{n}", to=f"192.0.2.{n}").status_code == 200
        first = client.get("/records?page[number]=1&page[size]=10", headers=auth()).json()
        second = client.get("/records?page[number]=2&page[size]=10", headers=auth()).json()
        assert [r["subdomain"] for r in first["data"]] == [f"host{n}" for n in range(11, 1, -1)]
        assert [r["subdomain"] for r in second["data"]] == ["host1", "host0"]
        assert first["meta"] == {"pagination": {"number": 1, "size": 10}, "status": 200}

    @pytest.mark.parametrize(
        ("query", "number", "size"),
        [
            ("", 1, 30),
            ("page[size]=5", 1, 30),
            ("page[size]=101", 1, 30),
            ("page[size]=abc&page[number]=x", 1, 30),
            ("page[number]=0&page[size]=100", 1, 100),
            ("page[number]=-3&page[size]=10", 1, 10),
            ("page[number]=7", 7, 30),
            ("page[number]=99999999999999999999999", 1, 30),
        ],
    )
    def test_out_of_range_pagination_falls_back(
        self, client: TestClient, auth: Auth, query: str, number: int, size: int
    ) -> None:
        response = client.get(f"/records?{query}", headers=auth())
        assert response.status_code == 200
        assert response.json()["meta"]["pagination"] == {"number": number, "size": size}

    def test_reads_never_call_dnsimple(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        record_id = create(client, auth).json()["data"]["id"]
        before = sum(emulator.state.calls.values())
        client.get("/records", headers=auth())
        client.get(f"/records/{record_id}", headers=auth())
        assert sum(emulator.state.calls.values()) == before


class TestUpdate:
    @pytest.mark.parametrize("method", ["PATCH", "POST"])
    def test_update_by_id(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator, method: str
    ) -> None:
        created = create(client, auth).json()["data"]
        response = client.request(
            method, f"/records/{created['id']}", headers=auth("bob"), json={"to": "198.51.100.7"}
        )
        assert response.status_code == 200
        data = response.json()["data"]
        assert data["to"] == "198.51.100.7"
        assert data["created_by"] == "alice"
        assert data["dnsimple_record_id"] == created["dnsimple_record_id"]
        [record] = upstream(emulator)
        assert record["content"] == "198.51.100.7"
        assert record["id"] == created["dnsimple_record_id"]

    def test_update_validates_for_the_record_type(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        created = create(client, auth).json()["data"]
        response = client.patch(
            f"/records/{created['id']}", headers=auth(), json={"to": "host.example.net"}
        )
        assert response.status_code == 422
        assert pointers(response) == {"/to"}
        assert upstream(emulator)[0]["content"] == "192.0.2.10"

    def test_update_without_to_is_422(self, client: TestClient, auth: Auth) -> None:
        created = create(client, auth).json()["data"]
        response = client.patch(f"/records/{created['id']}", headers=auth(), json={"too": "x"})
        assert response.status_code == 422
        assert pointers(response) == {"/to"}

    def test_unchanged_value_makes_no_dnsimple_call(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        created = create(client, auth).json()["data"]
        response = client.patch(
            f"/records/{created['id']}", headers=auth(), json={"to": "192.0.2.10"}
        )
        assert response.status_code == 200
        assert emulator.state.count(method="PATCH") == 0

    def test_update_of_unknown_record_is_404(self, client: TestClient, auth: Auth) -> None:
        response = client.patch("/records/4242", headers=auth(), json={"to": "192.0.2.1"})
        assert response.status_code == 404

    def test_record_deleted_at_dnsimple_is_reported_as_drift(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        created = create(client, auth).json()["data"]
        import httpx

        httpx.delete(
            f"{emulator.url}/v2/1010/zones/example.com/records/{created['dnsimple_record_id']}",
            headers={"Authorization": "Bearer emulator-token"},
        )
        response = client.patch(
            f"/records/{created['id']}", headers=auth(), json={"to": "192.0.2.99"}
        )
        assert response.status_code == 409
        assert error_codes(response) == ["upstream_drift"]
        # The refused write is closed, not left for recovery to replay at the next start.
        metrics = client.get("/metrics", headers=auth()).text
        assert "\ndns_api_pending_intents 0.0\n" in metrics


class TestDelete:
    def test_delete_by_id(self, client: TestClient, auth: Auth, emulator: RunningEmulator) -> None:
        created = create(client, auth).json()["data"]
        response = client.delete(f"/records/{created['id']}", headers=auth())
        assert response.status_code == 200
        assert response.json()["data"]["id"] == created["id"]
        assert upstream(emulator) == []
        assert client.get(f"/records/{created['id']}", headers=auth()).status_code == 404

    def test_ids_are_never_reused(self, client: TestClient, auth: Auth) -> None:
        first = create(client, auth).json()["data"]["id"]
        assert client.delete(f"/records/{first}", headers=auth()).status_code == 200
        second = create(client, auth).json()["data"]["id"]
        assert second > first

    def test_delete_of_unknown_record_is_404(self, client: TestClient, auth: Auth) -> None:
        assert client.delete("/records/4242", headers=auth()).status_code == 404

    def test_record_already_gone_at_dnsimple_is_still_deleted(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        created = create(client, auth).json()["data"]
        emulator.state.reset()
        assert client.delete(f"/records/{created['id']}", headers=auth()).status_code == 200
        assert client.get(f"/records/{created['id']}", headers=auth()).status_code == 404


class TestPathEndpoints:
    def test_post_creates_then_updates_in_place(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        first = client.post("/records/cname/example.com/api/api.example.org", headers=auth())
        assert first.status_code == 200
        second = client.post("/records/CNAME/Example.COM/API/other.example.org.", headers=auth())
        assert second.status_code == 200
        assert second.json()["data"]["id"] == first.json()["data"]["id"]
        assert second.json()["data"]["to"] == "other.example.org"
        [record] = upstream(emulator)
        assert record["content"] == "other.example.org"
        assert emulator.state.count(method="POST") == 1
        assert emulator.state.count(method="PATCH") == 1

    def test_repeated_upsert_makes_no_call(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        client.post("/records/a/example.com/box/192.0.2.5", headers=auth())
        client.post("/records/a/example.com/box/192.0.2.5", headers=auth())
        assert emulator.state.count(method="POST") == 1
        assert emulator.state.count(method="PATCH") == 0

    def test_delete_by_path(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        client.post("/records/a/example.com/box/192.0.2.5", headers=auth())
        response = client.delete("/records/A/example.com/BOX", headers=auth())
        assert response.status_code == 200
        assert upstream(emulator) == []
        assert client.delete("/records/a/example.com/box", headers=auth()).status_code == 404

    @pytest.mark.parametrize(
        ("path", "parameters"),
        [
            ("/records/ns/example.com/box/192.0.2.5", {"domain_type"}),
            ("/records/mx/example.com/box/192.0.2.5", {"to"}),
            ("/records/a/example.com/box/192.0.2.5?ttl=5", {"ttl"}),
            ("/records/a/evil.com/box/192.0.2.5", {"domain"}),
            ("/records/a/example.com/www/192.0.2.5", {"subdomain"}),
            ("/records/a/example.com/Admin/192.0.2.5", {"subdomain"}),
            ("/records/a/example.com/box/999.1.1.1", {"to"}),
            ("/records/cname/example.com/box/not_a..host", {"to"}),
        ],
    )
    def test_bad_path_is_422_naming_the_parameter(
        self,
        client: TestClient,
        auth: Auth,
        emulator: RunningEmulator,
        path: str,
        parameters: set[str],
    ) -> None:
        response = client.post(path, headers=auth())
        assert response.status_code == 422
        assert pointers(response) == parameters
        assert upstream(emulator) == []

    def test_delete_by_path_refuses_denied_names(self, client: TestClient, auth: Auth) -> None:
        response = client.delete("/records/a/example.com/WWW", headers=auth())
        assert response.status_code == 422
        assert pointers(response) == {"subdomain"}


class TestDnsimpleFailures:
    @pytest.mark.parametrize(
        ("status", "expected", "code"),
        [
            (502, 502, "upstream_unavailable"),
            (500, 502, "upstream_unavailable"),
            (503, 503, "upstream_unavailable"),
            (504, 504, "upstream_timeout"),
            (429, 503, "upstream_rate_limited"),
        ],
    )
    def test_failed_create_leaves_nothing_behind(
        self,
        client: TestClient,
        auth: Auth,
        emulator: RunningEmulator,
        status: int,
        expected: int,
        code: str,
    ) -> None:
        emulator.state.fail_next(status, 10, method="POST")  # every attempt fails
        response = create(client, auth)
        assert response.status_code == expected
        assert error_codes(response)[0] == code
        assert client.get("/records", headers=auth()).json()["data"] == []
        assert upstream(emulator) == []
        if status == 429:
            assert int(response.headers["retry-after"]) >= 1

    def test_failed_update_keeps_the_old_value(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        created = create(client, auth).json()["data"]
        emulator.state.fail_next(502, 10, method="PATCH")
        response = client.patch(
            f"/records/{created['id']}", headers=auth(), json={"to": "192.0.2.77"}
        )
        assert response.status_code == 502
        assert (
            client.get(f"/records/{created['id']}", headers=auth()).json()["data"]["to"]
            == "192.0.2.10"
        )

    def test_failed_delete_keeps_the_record(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        created = create(client, auth).json()["data"]
        emulator.state.fail_next(503, 10, method="DELETE")
        assert client.delete(f"/records/{created['id']}", headers=auth()).status_code == 503
        assert client.get(f"/records/{created['id']}", headers=auth()).status_code == 200
        assert len(upstream(emulator)) == 1

    @pytest.mark.parametrize("after_apply", [False, True], ids=["lost request", "lost answer"])
    def test_an_unclear_create_is_checked_never_blindly_repeated(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator, after_apply: bool
    ) -> None:
        emulator.state.fail_next(502, method="POST", after_apply=after_apply)
        emulator.state.calls.clear()
        response = create(client, auth)
        assert response.status_code == 200
        [record] = upstream(emulator)
        assert response.json()["data"]["dnsimple_record_id"] == record["id"]
        # After a lost answer DNSimple already holds the record: found, not created twice.
        creates = 1 if after_apply else 2
        assert emulator.state.count("POST", "createZoneRecord") == creates
        # One list call is the ownership check before the create, the other the check after it.
        assert emulator.state.count("GET", "listZoneRecords") == 2

    def test_dnsimple_refusing_our_token_is_502(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        emulator.state.token = "rotated"
        try:
            response = create(client, auth)
        finally:
            emulator.state.token = "emulator-token"
        assert response.status_code == 502
        assert error_codes(response) == ["upstream_auth_failed"]
        assert "Authentication failed" in response.json()["errors"][0]["detail"]


def test_non_standard_json_constants_are_refused(client: TestClient, auth: Auth) -> None:
    response = client.post("/records", headers=auth(), content=b'{"domain_type": NaN}')
    assert response.status_code == 422
    assert pointers(response) == {"/body"}
