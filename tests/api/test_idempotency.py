"""``Idempotency-Key`` over HTTP, against the DNSimple emulator, on both databases.

Each test checks what the client sees and how many changes reached DNSimple (the emulator's
call counter): a replay must make none.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, select, text, update
from sqlalchemy.orm import Session

from dns_api.api.idempotency import IdempotencyMiddleware, fingerprint
from dns_api.app import create_app
from dns_api.db import urls
from dns_api.db.database import Database
from dns_api.db.idempotency import DONE, IN_PROGRESS, KEYS, STALE_AFTER, KeyedRequest, claim
from dns_api.emulator import RunningEmulator
from dns_api.settings import Settings
from tests.conftest import PEER

Auth = Callable[..., dict[str, str]]

PATH = "/records/A/example.com/x/192.0.2.1"
CREATE = "POST createZoneRecord"
BAD_KEY = {
    "title": "Invalid input",
    "detail": "Idempotency-Key must be 1-255 printable ASCII characters",
    "code": "invalid",
    "source": {"header": "Idempotency-Key"},
}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app, with the middleware ``create_app`` installs."""
    app = create_app(settings, migrate_on_start=False)  # the session migrated the database
    assert any(m.cls is IdempotencyMiddleware for m in app.user_middleware)
    with TestClient(app, client=PEER) as test_client:
        yield test_client


def keyed(headers: dict[str, str], key: str = "key-1") -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


def database_of(client: TestClient) -> Database:
    database: Database = client.app.state.services.database  # type: ignore[attr-defined]
    return database


def stored_rows(client: TestClient) -> list[Any]:
    return database_of(client).transaction(lambda s: list(s.execute(select(*KEYS.c)).all()))


def age_rows(client: TestClient, by: timedelta) -> None:
    def work(session: Session) -> None:
        for row in session.execute(select(KEYS.c.id, KEYS.c.created_at)).all():
            statement = update(KEYS).where(KEYS.c.id == row.id)
            session.execute(statement.values(created_at=row.created_at - by))

    database_of(client).transaction(work)


def error_codes(response: Any) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


def create_json(client: TestClient, headers: dict[str, str], to: str = "192.0.2.10") -> Any:
    body = {"domain_type": "A", "domain": "example.com", "subdomain": "app", "to": to}
    return client.post("/records", headers=headers, json=body)


class TestReplay:
    def test_a_retry_replays_the_first_answer_and_changes_nothing(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        first = client.post(PATH, headers=keyed(auth()))
        calls = emulator.state.calls_snapshot()
        again = client.post(PATH, headers=keyed(auth()))
        assert first.status_code == again.status_code == 200
        assert again.content == first.content
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.headers["content-type"] == "application/json"
        assert "Idempotent-Replayed" not in first.headers
        assert emulator.state.calls[CREATE] == 1
        assert emulator.state.calls_snapshot() == calls
        [row] = stored_rows(client)
        assert (row.state, row.status_code) == (DONE, 200)

    def test_put_of_a_record_set_is_replayed_with_its_etag(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        url, body = "/zones/example.com/rrsets/x/A", {"records": ["192.0.2.1", "192.0.2.2"]}
        first = client.put(url, headers=keyed(auth()), json=body)
        calls = emulator.state.calls_snapshot()
        again = client.put(url, headers=keyed(auth()), json=body)
        assert first.status_code == again.status_code == 200
        assert again.content == first.content
        assert again.headers["ETag"] == first.headers["ETag"]
        assert again.headers["Idempotent-Replayed"] == "true"
        assert emulator.state.calls_snapshot() == calls

    def test_delete_is_replayed_without_a_second_dnsimple_call(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        assert client.post(PATH, headers=auth()).status_code == 200
        first = client.delete("/records/A/example.com/x", headers=keyed(auth()))
        calls = emulator.state.calls_snapshot()
        again = client.delete("/records/A/example.com/x", headers=keyed(auth()))
        assert first.status_code == again.status_code == 200
        assert again.content == first.content
        assert emulator.state.calls["DELETE deleteZoneRecord"] == 1
        assert emulator.state.calls_snapshot() == calls
        # Without the key, the same delete runs again and finds nothing.
        assert client.delete("/records/A/example.com/x", headers=auth()).status_code == 404


class TestWhatRuns:
    def test_the_same_key_for_another_path_or_body_is_422(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        assert create_json(client, keyed(auth())).status_code == 200
        other_body = create_json(client, keyed(auth()), to="192.0.2.11")
        other_path = client.post(PATH, headers=keyed(auth()))
        other_query = client.post("/records?dry_run=true", headers=keyed(auth()))
        for response in (other_body, other_path, other_query):
            assert response.status_code == 422
            [error] = response.json()["errors"]
            assert (error["code"], error["source"]) == ("invalid", {"header": "Idempotency-Key"})
        assert emulator.state.calls[CREATE] == 1

    def test_a_different_key_runs(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        assert create_json(client, keyed(auth(), "key-1")).status_code == 200
        again = create_json(client, keyed(auth(), "key-2"))
        assert again.status_code == 409  # it ran: the name is taken now
        assert error_codes(again) == ["conflict"]

    def test_another_caller_with_the_same_key_runs_on_its_own(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        assert create_json(client, keyed(auth("alice"))).status_code == 200
        bob = create_json(client, keyed(auth("bob")))
        assert bob.status_code == 409
        assert "Idempotent-Replayed" not in bob.headers
        assert len({row.scope for row in stored_rows(client)}) == 1  # bob's 409 is not kept

    def test_a_4xx_is_not_kept_so_a_corrected_retry_runs(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        wrong = client.post("/records/A/example.com/x/not-an-ip", headers=keyed(auth()))
        assert wrong.status_code == 422
        assert stored_rows(client) == []
        corrected = client.post(PATH, headers=keyed(auth()))
        assert corrected.status_code == 200
        assert "Idempotent-Replayed" not in corrected.headers
        assert emulator.state.calls[CREATE] == 1

    def test_requests_without_the_header_are_untouched(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        assert create_json(client, auth()).status_code == 200
        assert create_json(client, auth()).status_code == 409
        assert stored_rows(client) == []

    def test_a_get_with_the_header_is_untouched(self, client: TestClient, auth: Auth) -> None:
        for _ in range(2):
            response = client.get("/records", headers=keyed(auth(), "not valid\x7f"))
            assert response.status_code == 200
            assert "Idempotent-Replayed" not in response.headers
        assert stored_rows(client) == []

    def test_a_minted_token_is_never_kept_so_its_secret_stays_out_of_the_table(
        self, client: TestClient, auth: Auth
    ) -> None:
        body = {"name": "ci", "grants": [{"zones": ["*"], "names": ["**"], "types": ["A"],
                                          "actions": ["read"]}]}  # fmt: skip
        first = client.post("/tokens", headers=keyed(auth()), json=body)
        again = client.post("/tokens", headers=keyed(auth()), json=body)
        assert first.status_code == again.status_code == 201
        assert "idempotent-replayed" not in again.headers
        assert first.json()["data"]["token"] != again.json()["data"]["token"]
        assert stored_rows(client) == []

    def test_keys_older_than_24_hours_are_not_replayed(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        assert create_json(client, keyed(auth())).status_code == 200
        age_rows(client, timedelta(hours=24, seconds=1))
        again = create_json(client, keyed(auth()))
        assert again.status_code == 409  # it ran again
        assert emulator.state.calls[CREATE] == 1


class TestBadInput:
    @pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "del\x7f", "caf\u00e9"])
    def test_a_bad_key_is_422_naming_the_header(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator, key: str
    ) -> None:
        headers = [*auth().items(), ("Idempotency-Key", key.encode("latin-1"))]
        response = client.post(PATH, headers=headers)
        assert response.status_code == 422
        assert response.json() == {"errors": [BAD_KEY], "meta": {"status": 422}}
        assert emulator.state.calls_snapshot() == {}

    def test_the_longest_key_and_spaces_are_fine(self, client: TestClient, auth: Auth) -> None:
        assert client.post(PATH, headers=keyed(auth(), "k" * 255)).status_code == 200
        assert client.post(PATH, headers=keyed(auth(), "a b ~!")).status_code == 200

    def test_two_keys_are_422(self, client: TestClient, auth: Auth) -> None:
        headers = [*auth().items(), ("Idempotency-Key", "a"), ("Idempotency-Key", "b")]
        response = client.post(PATH, headers=headers)
        assert response.status_code == 422
        assert response.json()["errors"] == [BAD_KEY]

    def test_a_body_too_big_is_422_before_anything_is_kept(
        self, client: TestClient, auth: Auth
    ) -> None:
        response = client.post("/records", headers=keyed(auth()), content=b" " * 70_000)
        assert response.status_code == 422
        assert response.json()["errors"][0]["source"] == {"pointer": "/body"}
        assert stored_rows(client) == []


def in_progress_row(client: TestClient, auth: Auth, age: timedelta) -> None:
    authorization = auth()["Authorization"]
    values = {
        "scope": hashlib.sha256(authorization.encode()).hexdigest(),
        "key": "key-1",
        "fingerprint": fingerprint({"method": "POST", "path": PATH, "query_string": b""}, b""),
        "state": IN_PROGRESS,
        "created_at": datetime.now(UTC) - age,
    }
    database_of(client).transaction(lambda s: s.execute(insert(KEYS).values(**values)))


class TestInProgress:
    def test_a_key_still_running_is_409_with_retry_after(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        in_progress_row(client, auth, timedelta(seconds=5))
        response = client.post(PATH, headers=keyed(auth()))
        assert response.status_code == 409
        assert response.headers["Retry-After"] == "1"
        [error] = response.json()["errors"]
        assert (error["code"], error["source"]) == ("conflict", {"header": "Idempotency-Key"})
        assert emulator.state.calls_snapshot() == {}

    def test_a_key_running_longer_than_any_request_is_taken_over(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        in_progress_row(client, auth, STALE_AFTER + timedelta(seconds=1))
        response = client.post(PATH, headers=keyed(auth()))
        assert response.status_code == 200
        assert emulator.state.calls[CREATE] == 1
        [row] = stored_rows(client)
        assert row.state == DONE

    def test_two_requests_at_once_make_one_change(
        self, client: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        emulator.state.set_faults(latency_ms=200)
        barrier, responses = threading.Barrier(2), []

        def send() -> None:
            barrier.wait()
            responses.append(client.post(PATH, headers=keyed(auth())))

        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert emulator.state.calls[CREATE] == 1
        statuses = sorted(r.status_code for r in responses)
        assert statuses in ([200, 200], [200, 409])
        if statuses == [200, 200]:
            assert responses[0].content == responses[1].content


REFUSE = {
    "sqlite": [
        "CREATE TRIGGER refuse_{event} BEFORE {event} ON idempotency_keys "
        "BEGIN SELECT RAISE(ABORT, 'simulated storage failure'); END"
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION refuse_write() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'simulated storage failure'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_{event} BEFORE {event} ON idempotency_keys "
        "FOR EACH ROW EXECUTE FUNCTION refuse_write()",
    ],
}


@pytest.fixture
def refuse(database_url: str) -> Iterator[Callable[[str], None]]:
    """``refuse("INSERT")`` makes the database reject that kind of write to the keys."""
    engine = create_engine(urls.engine_url(database_url))
    dialect = "sqlite" if urls.is_sqlite(database_url) else "postgresql"
    events: list[str] = []

    def install(event: str) -> None:
        with engine.begin() as connection:
            for statement in REFUSE[dialect]:
                connection.execute(text(statement.format(event=event)))
        events.append(event)

    yield install
    suffix = "" if dialect == "sqlite" else " ON idempotency_keys"
    with engine.begin() as connection:
        for event in events:
            connection.execute(text(f"DROP TRIGGER IF EXISTS refuse_{event}{suffix}"))
    engine.dispose()


class TestStorageFailures:
    def test_a_key_that_cannot_be_claimed_is_503_and_nothing_runs(
        self,
        client: TestClient,
        auth: Auth,
        emulator: RunningEmulator,
        refuse: Callable[[str], None],
    ) -> None:
        refuse("INSERT")
        response = client.post(PATH, headers=keyed(auth()))
        assert response.status_code == 503
        assert error_codes(response) == ["storage_unavailable"]
        assert "simulated" not in response.text
        assert emulator.state.calls_snapshot() == {}

    def test_an_answer_that_cannot_be_kept_still_reaches_the_client(
        self,
        client: TestClient,
        auth: Auth,
        emulator: RunningEmulator,
        refuse: Callable[[str], None],
    ) -> None:
        refuse("UPDATE")
        assert client.post(PATH, headers=keyed(auth())).status_code == 200
        # The row stays in progress: a retry waits, and is not run twice.
        assert client.post(PATH, headers=keyed(auth())).status_code == 409
        assert emulator.state.calls[CREATE] == 1


def test_expired_keys_of_every_caller_are_deleted_now_and_then(settings: Settings) -> None:
    database = Database(settings.database_url)
    now = datetime.now(UTC)
    old = {"fingerprint": "f", "state": DONE, "status_code": 200, "body": "{}"}

    def seed(session: Session) -> None:
        session.execute(insert(KEYS).values(scope="a", key="old", created_at=now, **old))
        statement = insert(KEYS).values(scope="b", key="old", **old)
        session.execute(statement.values(created_at=now - timedelta(hours=25)))

    database.transaction(seed)
    request = KeyedRequest(scope="c", key="new", fingerprint="f")
    database.transaction(lambda s: claim(s, request, now, clean=False, max_keys=10))
    rows = database.transaction(lambda s: s.execute(select(KEYS.c.scope)).scalars().all())
    assert sorted(rows) == ["a", "b", "c"]
    other = KeyedRequest("c", "other", "f")
    database.transaction(lambda s: claim(s, other, now, clean=True, max_keys=10))
    rows = database.transaction(lambda s: s.execute(select(KEYS.c.scope)).scalars().all())
    assert sorted(rows) == ["a", "c", "c"]
    database.dispose()
