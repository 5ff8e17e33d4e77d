"""The audit trail over HTTP: events of every change and denial, filters, history, revert.

Every test runs on SQLite and on PostgreSQL, against the DNSimple emulator.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from dns_api.app import services_of
from dns_api.db.database import Database
from dns_api.db.models import AuditRow
from dns_api.emulator import RunningEmulator
from dns_api.services.tokens import TokenService

Auth = Callable[..., dict[str, str]]

PR_GRANT = {
    "zones": ["example.com"],
    "names": ["pr-*"],
    "types": ["CNAME"],
    "actions": ["read", "create", "update", "delete"],
}
FULL_GRANT = {
    "zones": ["*"],
    "names": ["*"],
    "types": ["*"],
    "actions": ["read", "create", "update", "delete"],
}


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def create(
    client: TestClient,
    headers: dict[str, str],
    name: str = "app",
    to: str = "192.0.2.10",
    zone: str = "example.com",
    **extra: Any,
) -> dict[str, Any]:
    body = {"domain_type": "A", "domain": zone, "subdomain": name, "to": to, **extra}
    response = client.post("/records", headers=headers, json=body)
    assert response.status_code == 200, response.json()
    data: dict[str, Any] = response.json()["data"]
    return data


def change(client: TestClient, headers: dict[str, str], record_id: int, **body: Any) -> None:
    response = client.patch(f"/records/{record_id}", headers=headers, json=body)
    assert response.status_code == 200, response.json()


def mint(client: TestClient, auth: Auth, grant: dict[str, list[str]]) -> tuple[int, str]:
    response = client.post("/tokens", headers=auth(), json={"name": "ci", "grants": [grant]})
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    return data["id"], data["token"]


def events(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = client.get("/audit", headers=headers, params=params)
    assert response.status_code == 200, response.json()
    found: list[dict[str, Any]] = response.json()["data"]
    return found


def actions(found: list[dict[str, Any]]) -> list[str]:
    return [e["action"] for e in found]


def upstream(emulator: RunningEmulator, zone: str = "example.com") -> list[tuple[Any, ...]]:
    return sorted(
        (r["name"], r["type"], r["content"], r["ttl"])
        for r in emulator.state.records(zone)
        if not r["system_record"]
    )


def error_codes(response: Any) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


def parameters(response: Any) -> set[str]:
    return {e["source"].get("parameter") for e in response.json()["errors"]}


def revert(client: TestClient, headers: dict[str, str], event_id: int, **params: Any) -> Any:
    return client.post(f"/audit/{event_id}/revert", headers=headers, params=params)


def event_of(client: TestClient, auth: Auth, action: str, record_id: int) -> dict[str, Any]:
    found = [e for e in events(client, auth(), action=action) if e["record_id"] == record_id]
    return found[0]


class TestRecordEvents:
    def test_original_endpoints_record_created_updated_deleted(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        headers = {**auth(), "X-Request-ID": "req-audit-1"}
        record = create(client, headers)
        dnsimple_id = record["dnsimple_record_id"]
        change(client, auth(), record["id"], to="192.0.2.11", ttl=300)
        assert client.delete(f"/records/{record['id']}", headers=auth()).status_code == 200
        deleted, updated, created = events(client, auth())
        for event in (created, updated, deleted):
            assert (event["zone"], event["name"], event["type"]) == ("example.com", "app", "A")
            assert (event["record_id"], event["dnsimple_record_id"]) == (record["id"], dnsimple_id)
            assert (event["actor"], event["token_id"], event["outcome"]) == ("alice", None, "ok")
            assert event["source"] == "127.0.0.1"
            assert event["at"].endswith("Z")
        assert created["action"] == "record:created"
        assert (created["before"], created["after"]) == (None, {"value": "192.0.2.10", "ttl": 60})
        assert updated["action"] == "record:updated"
        assert updated["before"] == {"value": "192.0.2.10", "ttl": 60}
        assert updated["after"] == {"value": "192.0.2.11", "ttl": 300}
        assert deleted["action"] == "record:deleted"
        assert (deleted["before"], deleted["after"]) == ({"value": "192.0.2.11", "ttl": 300}, None)
        assert created["id"] < updated["id"] < deleted["id"]

    def test_the_request_id_sent_is_recorded(self, client: TestClient, auth: Auth) -> None:
        create(client, {**auth(), "X-Request-ID": "req-audit-1"})
        [created] = events(client, auth())
        assert created["request_id"] == "req-audit-1"

    def test_record_set_api_records_each_value(self, client: TestClient, auth: Auth) -> None:
        path = "/zones/example.com/rrsets/@/TXT"
        body = {"records": ['"one"', '"two"'], "ttl": 120}
        assert client.put(path, headers=auth(), json=body).status_code == 200
        assert client.put(path, headers=auth(), json={"records": ['"one"']}).status_code == 200
        assert client.delete(path, headers=auth()).status_code == 200
        found = events(client, auth())
        assert actions(found) == ["record:deleted", "record:deleted"] + ["record:created"] * 2
        assert {e["name"] for e in found} == {"@"}
        assert {e["after"]["value"] for e in found[2:]} == {'"one"', '"two"'}
        assert {e["after"]["ttl"] for e in found[2:]} == {120}
        assert [e["before"]["value"] for e in found[:2]] == ['"one"', '"two"']
        assert all(e["record_id"] and e["dnsimple_record_id"] for e in found)

    def test_scoped_token_changes_name_the_token(self, client: TestClient, auth: Auth) -> None:
        token_id, secret = mint(client, auth, PR_GRANT)
        response = client.post(
            "/records/cname/example.com/pr-1/app.example.net", headers=bearer(secret)
        )
        assert response.status_code == 200
        [created] = events(client, auth(), action="record:created")
        assert (created["actor"], created["token_id"]) == ("alice", token_id)
        assert (created["name"], created["type"]) == ("pr-1", "CNAME")
        assert created["after"] == {"value": "app.example.net", "ttl": 60}

    def test_a_denied_write_is_recorded(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        token_id, secret = mint(client, auth, PR_GRANT)
        response = client.post(
            "/records/cname/example.com/prod/app.example.net", headers=bearer(secret)
        )
        assert response.status_code == 403
        [denied] = events(client, auth(), action="record:denied")
        assert (denied["zone"], denied["name"], denied["type"]) == ("example.com", "prod", "CNAME")
        assert (denied["outcome"], denied["actor"], denied["token_id"]) == (
            "denied",
            "alice",
            token_id,
        )
        assert denied["detail"]
        assert upstream(emulator) == []

    def test_a_failed_dnsimple_write_leaves_no_event(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        emulator.state.fail_next(502, 10, method="POST")
        body = {"domain_type": "A", "domain": "example.com", "subdomain": "x", "to": "192.0.2.1"}
        response = client.post("/records", headers=auth(), json=body)
        assert response.status_code >= 500
        assert events(client, auth(), action="record:created") == []


class TestTokenEvents:
    def test_created_revoked_rotated(
        self, client: TestClient, auth: Auth, database_url: str
    ) -> None:
        token_id, _ = mint(client, auth, PR_GRANT)
        rotate_id, _ = mint(client, auth, FULL_GRANT)
        assert client.delete(f"/tokens/{token_id}", headers=auth()).status_code == 200

        async def rotate(database: Database) -> None:
            await TokenService(database).rotate(rotate_id)

        database = Database(database_url)
        try:
            anyio.run(rotate, database)
        finally:
            database.dispose()
        found = events(client, auth())
        assert actions(found) == [
            "token:rotated",
            "token:revoked",
            "token:created",
            "token:created",
        ]
        assert all(e["zone"] is None for e in found)
        assert [str(rotate_id) in e["detail"] for e in found] == [True, False, True, False]
        assert found[1]["before"]["id"] == token_id
        assert found[3]["after"]["grants"]
        assert (found[1]["actor"], found[1]["source"]) == ("alice", "127.0.0.1")


class TestFilters:
    @pytest.fixture
    def recorded(self, client: TestClient, auth: Auth) -> dict[str, Any]:
        app = create(client, auth(), "app")
        create(client, auth("bob"), "api")
        create(client, auth(), "app", zone="example.org")
        change(client, auth(), app["id"], to="192.0.2.99")
        path = "/zones/example.com/rrsets/@/TXT"
        assert client.put(path, headers=auth(), json={"records": ['"apex"']}).status_code == 200
        return app

    def test_zone_is_normalised(self, client: TestClient, auth: Auth, recorded: Any) -> None:
        found = events(client, auth(), zone="EXAMPLE.ORG.")
        assert [(e["zone"], e["name"]) for e in found] == [("example.org", "app")]

    def test_name_relative_absolute_and_apex(
        self, client: TestClient, auth: Auth, recorded: Any
    ) -> None:
        assert actions(events(client, auth(), zone="example.com", name="app")) == [
            "record:updated",
            "record:created",
        ]
        absolute = events(client, auth(), zone="example.com", name="api.example.com.")
        assert [e["name"] for e in absolute] == ["api"]
        assert [e["type"] for e in events(client, auth(), zone="example.com", name="@")] == ["TXT"]

    def test_actor_and_action(self, client: TestClient, auth: Auth, recorded: Any) -> None:
        assert [e["name"] for e in events(client, auth(), actor="bob")] == ["api"]
        [updated] = events(client, auth(), action="record:updated")
        assert updated["record_id"] == recorded["id"]

    def test_since_and_until(self, client: TestClient, auth: Auth, recorded: Any) -> None:
        everything = events(client, auth())
        first = datetime.fromisoformat(everything[-1]["at"])
        last = datetime.fromisoformat(everything[0]["at"])
        assert events(client, auth(), since=first.isoformat()) == everything
        assert events(client, auth(), until=(last + timedelta(seconds=1)).isoformat()) == everything
        assert events(client, auth(), until=first.isoformat()) == []
        later = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert events(client, auth(), since=later) == []

    @pytest.mark.parametrize(
        ("params", "parameter"),
        [
            ({"since": "yesterday"}, "since"),
            ({"until": "2024-13-01"}, "until"),
            ({"cursor": "abc"}, "cursor"),
            ({"zone": "a..b"}, "zone"),
            ({"limit": "0"}, "limit"),
            ({"limit": "501"}, "limit"),
        ],
    )
    def test_bad_filters_are_422_naming_the_parameter(
        self, client: TestClient, auth: Auth, params: dict[str, str], parameter: str
    ) -> None:
        response = client.get("/audit", headers=auth(), params=params)
        assert response.status_code == 422
        assert parameter in parameters(response) or parameter in response.text

    def test_cursor_walks_every_event_once(self, client: TestClient, auth: Auth) -> None:
        for number in range(5):
            create(client, auth(), f"host-{number}")
        everything = events(client, auth())
        seen: list[int] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            body = client.get("/audit", headers=auth(), params=params).json()
            seen += [e["id"] for e in body["data"]]
            cursor = body["meta"]["next_cursor"]
            if cursor is None:
                break
        assert seen == [e["id"] for e in everything]
        assert len(seen) == 5


class TestVisibility:
    def test_a_scoped_token_sees_only_the_sets_it_may_read(
        self, client: TestClient, auth: Auth
    ) -> None:
        _, secret = mint(client, auth, PR_GRANT)
        for number in range(3):
            create(client, auth(), f"app-{number}")
            client.post(f"/records/cname/example.com/pr-{number}/app.example.net", headers=auth())
        found = events(client, bearer(secret))
        assert [e["name"] for e in found] == ["pr-2", "pr-1", "pr-0"]
        pages: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 1} | ({"cursor": cursor} if cursor else {})
            body = client.get("/audit", headers=bearer(secret), params=params).json()
            pages += [e["name"] for e in body["data"]]
            cursor = body["meta"]["next_cursor"]
            if cursor is None:
                break
        assert pages == ["pr-2", "pr-1", "pr-0"]
        assert "token:created" in actions(events(client, auth()))

    def test_a_token_without_read_sees_nothing(self, client: TestClient, auth: Auth) -> None:
        _, secret = mint(client, auth, {**PR_GRANT, "actions": ["create"]})
        client.post("/records/cname/example.com/pr-1/app.example.net", headers=bearer(secret))
        assert events(client, bearer(secret)) == []
        assert len(events(client, auth())) == 2


class TestHistory:
    def test_oldest_first_and_kept_after_delete(self, client: TestClient, auth: Auth) -> None:
        record = create(client, auth())
        create(client, auth(), "other")
        change(client, auth(), record["id"], to="192.0.2.11")
        change(client, auth(), record["id"], to="192.0.2.11", ttl=600)
        client.delete(f"/records/{record['id']}", headers=auth())
        response = client.get(f"/records/{record['id']}/history", headers=auth())
        assert response.status_code == 200
        history = response.json()["data"]
        assert actions(history) == ["record:created"] + ["record:updated"] * 2 + ["record:deleted"]
        assert [e["after"] for e in history[1:3]] == [
            {"value": "192.0.2.11", "ttl": 60},
            {"value": "192.0.2.11", "ttl": 600},
        ]

    @pytest.mark.parametrize("record_id", ["999999", "abc"])
    def test_unknown_record_is_404(self, client: TestClient, auth: Auth, record_id: str) -> None:
        response = client.get(f"/records/{record_id}/history", headers=auth())
        assert response.status_code == 404
        assert error_codes(response) == ["not_found"]

    def test_unreadable_record_is_404_like_a_missing_one(
        self, client: TestClient, auth: Auth
    ) -> None:
        _, secret = mint(client, auth, PR_GRANT)
        hidden = create(client, auth())
        response = client.post("/records/cname/example.com/pr-1/app.example.net", headers=auth())
        readable = response.json()["data"]
        assert (
            client.get(f"/records/{hidden['id']}/history", headers=bearer(secret)).status_code
            == 404
        )
        mine = client.get(f"/records/{readable['id']}/history", headers=bearer(secret))
        assert actions(mine.json()["data"]) == ["record:created"]


class TestRevert:
    def test_revert_created_deletes_the_record(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        record = create(client, auth())
        created = event_of(client, auth, "record:created", record["id"])
        response = revert(client, auth(), created["id"])
        assert response.status_code == 200
        data = response.json()["data"]
        assert (data["event_id"], data["dry_run"]) == (created["id"], False)
        assert [c["action"] for c in data["changes"]] == ["delete"]
        assert upstream(emulator) == []
        assert client.get(f"/records/{record['id']}", headers=auth()).status_code == 404
        assert actions(events(client, auth()))[0] == "record:deleted"

    def test_revert_updated_restores_value_and_ttl(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        record = create(client, auth())
        change(client, auth(), record["id"], to="192.0.2.11", ttl=300)
        updated = event_of(client, auth, "record:updated", record["id"])
        assert revert(client, auth(), updated["id"]).status_code == 200
        assert upstream(emulator) == [("app", "A", "192.0.2.10", 60)]
        now = client.get(f"/records/{record['id']}", headers=auth()).json()["data"]
        assert (now["to"], now["ttl"]) == ("192.0.2.10", 60)
        [newest] = events(client, auth(), limit=1)
        assert newest["action"] == "record:updated"
        assert newest["after"] == {"value": "192.0.2.10", "ttl": 60}

    def test_revert_deleted_creates_it_again_next_to_the_set(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        path = "/zones/example.com/rrsets/app/A"
        body = {"records": ["192.0.2.1", "192.0.2.2"], "ttl": 300}
        assert client.put(path, headers=auth(), json=body).status_code == 200
        body = {"records": ["192.0.2.1"], "ttl": 300}
        assert client.put(path, headers=auth(), json=body).status_code == 200
        [deleted] = events(client, auth(), action="record:deleted")
        assert revert(client, auth(), deleted["id"]).status_code == 200
        assert upstream(emulator) == [
            ("app", "A", "192.0.2.1", 300),
            ("app", "A", "192.0.2.2", 300),
        ]

    def test_revert_deleted_when_the_set_is_gone(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        record = create(client, auth())
        client.delete(f"/records/{record['id']}", headers=auth())
        deleted = event_of(client, auth, "record:deleted", record["id"])
        assert revert(client, auth(), deleted["id"]).status_code == 200
        assert upstream(emulator) == [("app", "A", "192.0.2.10", 60)]
        assert revert(client, auth(), deleted["id"]).status_code == 409

    def test_refused_when_the_record_changed_since(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        record = create(client, auth())
        created = event_of(client, auth, "record:created", record["id"])
        change(client, auth(), record["id"], to="192.0.2.11")
        first_update = event_of(client, auth, "record:updated", record["id"])
        change(client, auth(), record["id"], to="192.0.2.12")
        for event in (created, first_update):
            response = revert(client, auth(), event["id"])
            assert response.status_code == 409
            assert error_codes(response) == ["conflict"]
        assert upstream(emulator) == [("app", "A", "192.0.2.12", 60)]
        client.delete(f"/records/{record['id']}", headers=auth())
        assert revert(client, auth(), created["id"]).status_code == 409

    def test_dry_run_changes_nothing(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        record = create(client, auth())
        change(client, auth(), record["id"], to="192.0.2.11")
        updated = event_of(client, auth, "record:updated", record["id"])
        count = len(events(client, auth()))
        response = revert(client, auth(), updated["id"], dry_run="true")
        assert response.status_code == 200
        data = response.json()["data"]
        assert data["dry_run"] is True
        [operation] = data["changes"]
        assert (operation["action"], operation["value"]) == ("update", "192.0.2.10")
        assert upstream(emulator) == [("app", "A", "192.0.2.11", 60)]
        assert len(events(client, auth())) == count

    def test_only_admins_may_revert(self, client: TestClient, auth: Auth) -> None:
        _, secret = mint(client, auth, FULL_GRANT)
        record = create(client, auth())
        created = event_of(client, auth, "record:created", record["id"])
        response = revert(client, bearer(secret), created["id"])
        assert response.status_code == 403
        assert error_codes(response) == ["forbidden"]

    def test_other_events_cannot_be_reverted(self, client: TestClient, auth: Auth) -> None:
        mint(client, auth, PR_GRANT)
        [minted] = events(client, auth())
        response = revert(client, auth(), minted["id"])
        assert response.status_code == 422
        assert "cannot be reverted" in response.text

    @pytest.mark.parametrize("event_id", ["999999", "x1"])
    def test_unknown_event_is_404(self, client: TestClient, auth: Auth, event_id: str) -> None:
        response = client.post(f"/audit/{event_id}/revert", headers=auth())
        assert response.status_code == 404


def test_retention_deletes_only_events_older_than_the_setting(
    client: TestClient, auth: Auth
) -> None:
    create(client, auth())
    create(client, auth(), name="other", to="192.0.2.20")
    services = services_of(client.app)  # type: ignore[arg-type]
    first = min(e["id"] for e in events(client, auth()))
    old = datetime.now(UTC) - timedelta(days=40)

    def age(session: Session) -> None:
        session.execute(update(AuditRow).where(AuditRow.id == first).values(at=old))

    services.database.transaction(age)
    assert client.portal is not None
    assert client.portal.call(services.audit.prune, 30) == 1
    assert first not in {e["id"] for e in events(client, auth())}
    assert len(events(client, auth())) == 1
