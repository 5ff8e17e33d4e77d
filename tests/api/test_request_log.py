"""Request ids, the access log line and the log formats, through the app on both databases.

The middleware is ``dns_api.api.observation``; its metrics side is in ``test_metrics``.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from dns_api import logs
from dns_api.api.metrics import Metrics
from dns_api.api.observation import ObservationMiddleware
from dns_api.app import create_app
from dns_api.settings import Settings
from tests.conftest import EMULATOR_TOKEN, legacy_token

Auth = Callable[..., dict[str, str]]

GRANT = {"zones": ["*"], "names": ["*"], "types": ["*"], "actions": ["read"]}
ACCESS = "dns_api.access"


def logged_app(settings: Settings) -> FastAPI:
    """The app as ``dns-api serve`` builds it (request ids installed)."""
    return create_app(settings)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(logged_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the JSON handler of ``dns-api serve`` would write, for this test."""
    stream = io.StringIO()
    handler = logs.make_handler(stream, as_json=True)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def access_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == ACCESS]


def mint(client: TestClient, auth: Auth) -> tuple[int, str]:
    response = client.post("/tokens", headers=auth(), json={"name": "reader", "grants": [GRANT]})
    assert response.status_code == 201
    data = response.json()["data"]
    return data["id"], data["token"]


class TestRequestId:
    def test_a_valid_id_is_echoed(self, client: TestClient) -> None:
        given = "edge-42:a.b_C"
        assert client.get("/", headers={"X-Request-ID": given}).headers["x-request-id"] == given

    def test_an_id_is_made_when_none_is_given(self, client: TestClient) -> None:
        first, second = (client.get("/").headers["x-request-id"] for _ in range(2))
        assert re.fullmatch(r"[0-9a-f]{32}", first)
        assert first != second

    @pytest.mark.parametrize("given", ["has space", "a/b", "<script>", "x" * 129, "", "id;drop"])
    def test_an_invalid_id_is_replaced(self, client: TestClient, given: str) -> None:
        answered = client.get("/", headers={"X-Request-ID": given}).headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", answered)

    def test_errors_carry_the_id_too(self, client: TestClient) -> None:
        for path in ("/whoami", "/nope"):
            response = client.get(path, headers={"X-Request-ID": "rid-err"})
            assert response.status_code in (401, 404)
            assert response.headers["x-request-id"] == "rid-err"

    def test_a_128_character_id_is_kept(self, client: TestClient) -> None:
        given = "a" * 128
        assert client.get("/", headers={"X-Request-ID": given}).headers["x-request-id"] == given


class TestAccessLog:
    def test_one_line_per_request_with_the_route_template(
        self, client: TestClient, auth: Auth, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger=ACCESS)
        response = client.get("/records/123", headers={**auth(), "X-Request-ID": "rid-1"})
        assert response.status_code == 404
        [line] = access_records(caplog)
        fields = {
            key: getattr(line, key)
            for key in ("request_id", "method", "route", "path", "status", "actor", "token_id")
        }
        assert fields == {
            "request_id": "rid-1",
            "method": "GET",
            "route": "/records/{record_id}",
            "path": "/records/123",
            "status": 404,
            "actor": "alice",
            "token_id": None,
        }
        assert isinstance(line.duration_ms, float)
        assert line.duration_ms >= 0
        assert line.getMessage().startswith("GET /records/{record_id} -> 404 in ")

    def test_the_actor_of_a_scoped_token(
        self, client: TestClient, auth: Auth, caplog: pytest.LogCaptureFixture
    ) -> None:
        token_id, secret = mint(client, auth)
        caplog.set_level(logging.INFO, logger=ACCESS)
        assert client.get("/whoami", headers={"Authorization": f"Bearer {secret}"}).is_success
        [line] = access_records(caplog)
        assert (line.actor, line.token_id, line.route, line.status) == (
            "alice",
            token_id,
            "/whoami",
            200,
        )
        assert line.getMessage().endswith(f"by alice (token {token_id})")

    def test_unauthenticated_and_unmatched_requests(
        self, client: TestClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger=ACCESS)
        client.get("/whoami")
        client.get("/no/such/path")
        lines = [(r.route, r.status, r.actor) for r in access_records(caplog)]
        assert lines == [("/whoami", 401, None), ("unmatched", 404, None)]

    def test_a_replayed_answer_names_its_route(
        self, client: TestClient, auth: Auth, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger=ACCESS)
        headers = {**auth(), "Idempotency-Key": "replay-1"}
        path = "/records/a/example.com/box/192.0.2.10"
        first, again = (client.post(path, headers=headers) for _ in range(2))
        assert again.headers["idempotent-replayed"] == "true"
        assert first.headers["x-request-id"] != again.headers["x-request-id"]
        routes = [(r.route, r.status) for r in access_records(caplog)]
        template = "/records/{domain_type}/{domain}/{subdomain}/{to}"
        assert routes == [(template, 200), (template, 200)]


class TestOneMiddleware:
    """Driven directly: what no route of the app does (leave a request unanswered)."""

    @staticmethod
    def serve(inner: Any, metrics: Metrics, request_id: bytes) -> list[Message]:
        sent: list[Message] = []
        headers = [(b"x-request-id", request_id)]
        scope: Scope = {"type": "http", "method": "GET", "path": "/x", "headers": headers}

        async def receive() -> Message:
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)

        anyio.run(ObservationMiddleware(inner, metrics), scope, receive, send)
        return sent

    def test_an_unanswered_request_is_499_in_the_log_and_the_metrics(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        async def silent(scope: Scope, receive: Receive, send: Send) -> None:
            return None

        caplog.set_level(logging.INFO, logger=ACCESS)
        metrics = Metrics()
        assert self.serve(silent, metrics, b"rid-gone") == []
        [line] = access_records(caplog)
        assert (line.request_id, line.route, line.status) == ("rid-gone", "unmatched", 499)
        labels = {"method": "GET", "route": "unmatched", "status": "499"}
        assert metrics.registry.get_sample_value("dns_api_http_requests_total", labels) == 1
        assert logs.current_request_id() is None

    def test_the_app_cannot_set_its_own_id(self) -> None:
        async def answers(scope: Scope, receive: Receive, send: Send) -> None:
            headers = [(b"X-Request-ID", b"mine"), (b"content-length", b"0")]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})

        start, _ = self.serve(answers, Metrics(), b"rid-ok")
        assert start["headers"] == [(b"content-length", b"0"), (b"x-request-id", b"rid-ok")]


class TestJsonLines:
    def test_every_line_of_a_request_carries_its_id(
        self, client: TestClient, json_lines: io.StringIO
    ) -> None:
        headers = {"Authorization": "Bearer not-a-token", "X-Request-ID": "rid-json"}
        assert client.get("/whoami", headers=headers).status_code == 401
        entries = [json.loads(line) for line in json_lines.getvalue().splitlines()]
        mine = [e for e in entries if e.get("request_id") == "rid-json"]
        assert {e["logger"] for e in mine} >= {"dns_api.services.auth", ACCESS}
        access = next(e for e in mine if e["logger"] == ACCESS)
        assert access["route"] == "/whoami"
        assert access["status"] == 401
        assert access["level"] == "INFO"
        assert access["time"].endswith("Z")
        assert {"message", "duration_ms", "method", "actor"} <= access.keys()

    def test_a_line_outside_a_request_has_no_id(self, json_lines: io.StringIO) -> None:
        logging.getLogger("dns_api.test").warning("hello %s", "world", extra={"n": 1})
        entry = json.loads(json_lines.getvalue())
        assert entry["message"] == "hello world"
        assert entry["n"] == 1
        assert entry["logger"] == "dns_api.test"
        assert "request_id" not in entry

    def test_an_exception_is_one_line(self, json_lines: io.StringIO) -> None:
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("dns_api.test").exception("failed")
        [line] = json_lines.getvalue().splitlines()
        assert "ValueError: boom" in json.loads(line)["exception"]

    def test_an_unexpected_error_keeps_its_request_id(
        self, settings: Settings, json_lines: io.StringIO
    ) -> None:
        app = logged_app(settings)

        @app.get("/boom")
        async def boom() -> None:
            raise RuntimeError("boom")

        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/boom", headers={"X-Request-ID": "rid-boom"})
        assert response.status_code == 500
        entries = [json.loads(line) for line in json_lines.getvalue().splitlines()]
        mine = {e["logger"]: e for e in entries if e.get("request_id") == "rid-boom"}
        assert (mine[ACCESS]["route"], mine[ACCESS]["status"]) == ("/boom", 500)
        assert "RuntimeError: boom" in mine["dns_api.api.errors"]["exception"]


def test_the_text_format_shows_the_request_id() -> None:
    stream = io.StringIO()
    handler = logs.make_handler(stream, as_json=False)
    record = logging.LogRecord("dns_api.x", logging.INFO, __file__, 1, "hi %s", ("there",), None)
    token = logs.bind_request_id("rid-text")
    try:
        handler.handle(record)
    finally:
        logs.unbind_request_id(token)
    assert re.fullmatch(r"\S+ \S+ INFO dns_api\.x \[rid-text\]: hi there\n", stream.getvalue())


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("log_format", "stream", "as_json"),
    [
        ("json", _Terminal(), True),
        ("text", io.StringIO(), False),
        ("auto", _Terminal(), False),
        ("auto", io.StringIO(), True),
    ],
)
def test_log_format(log_format: str, stream: io.StringIO, as_json: bool) -> None:
    assert logs.wants_json(log_format, stream) is as_json


@pytest.fixture
def restored_logging() -> Iterator[None]:
    names = ["", "uvicorn", "uvicorn.error", "uvicorn.access", "alembic", "httpx"]
    saved = []
    for name in names:
        logger = logging.getLogger(name)
        saved.append((logger, list(logger.handlers), logger.level, logger.propagate))
    try:
        yield
    finally:
        for logger, handlers, level, propagate in saved:
            logger.handlers = handlers
            logger.setLevel(level)
            logger.propagate = propagate


@pytest.mark.usefixtures("restored_logging")
def test_configure_logging_sends_everything_through_one_handler(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logs.configure_logging("info", as_json=True)
    [handler] = logging.getLogger().handlers
    assert isinstance(handler.formatter, logs.JsonFormatter)
    assert logging.getLogger("uvicorn.access").propagate is False  # dns_api.access replaces it
    assert logging.getLogger("uvicorn.error").handlers == []
    logging.getLogger("uvicorn.error").info("Started server process")
    entry = json.loads(capsys.readouterr().err)
    assert (entry["logger"], entry["message"]) == ("uvicorn.error", "Started server process")


def test_no_secret_is_logged(
    client: TestClient, auth: Auth, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _, scoped = mint(client, auth)
    secrets = [
        legacy_token("alice"),
        scoped,
        jwt.encode({"username": "alice"}, "k" * 64, algorithm="HS512"),
        "dnsapi_" + "z" * 43,
        EMULATOR_TOKEN,
    ]
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/records/a/example.com/box/192.0.2.10", {}),
        ("GET", "/whoami", {}),
        ("GET", "/records/1", {}),
        ("DELETE", "/records/a/example.com/box", {"Idempotency-Key": "k-1"}),
    ]
    for secret in secrets:
        for method, path, extra in requests:
            client.request(method, path, headers={"Authorization": f"Bearer {secret}", **extra})
    formatter = logs.JsonFormatter()
    written = caplog.text + "\n".join(formatter.format(r) for r in caplog.records)
    assert access_records(caplog)
    for secret in secrets:
        assert secret not in written
