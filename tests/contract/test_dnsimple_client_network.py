"""DnsimpleClient over real sockets: refused connections, silent servers, 5xx answers.

``RawServer`` is a deliberately dumb HTTP/1.1 server on 127.0.0.1 (port 0) running in a thread;
it answers every request with the same bytes, or never answers at all.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from dns_api.errors import UpstreamTimeout, UpstreamUnavailable
from dns_api.providers.base import NewRecord
from dns_api.providers.dnsimple import DnsimpleClient
from dns_api.providers.upstream_policy import UpstreamPolicy

POLL = 0.05  # how often server threads look at the stop flag
FAST = UpstreamPolicy(
    connect_timeout=1.0,
    read_timeout=0.3,
    write_timeout=1.0,
    pool_timeout=1.0,
    read_retries=1,
    backoff_base=0.001,
    backoff_cap=0.002,
)
WHOAMI = {"data": {"user": None, "account": {"id": 1010, "email": "ops@example.com"}}}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def http_answer(status: str, body: object, *, close: bool = False) -> bytes:
    payload = json.dumps(body).encode()
    head = [
        f"HTTP/1.1 {status}",
        "Content-Type: application/json; charset=utf-8",
        f"Content-Length: {len(payload)}",
        "X-RateLimit-Limit: 2400",
        "X-RateLimit-Remaining: 2399",
        "X-RateLimit-Reset: 1700000000",
    ]
    if close:
        head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + payload


class RawServer:
    """Counts connections and requests; sends ``answer`` to each request (``None``: stay silent,
    ``b""``: hang up without a word)."""

    def __init__(self, answer: bytes | None) -> None:
        self.answer = answer
        self.connections = 0
        self.requests = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(POLL)
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> RawServer:
        self._start(self._accept_loop)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._listener.close()

    def _start(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            with self._lock:
                self.connections += 1
            self._start(self._serve, conn)

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(POLL)
            buffer = b""
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                if not chunk:
                    return
                buffer += chunk
                buffer, keep_open = self._answer_complete_requests(conn, buffer)
                if not keep_open:
                    return

    def _answer_complete_requests(self, conn: socket.socket, buffer: bytes) -> tuple[bytes, bool]:
        while b"\r\n\r\n" in buffer:
            head, _, rest = buffer.partition(b"\r\n\r\n")
            length = _content_length(head)
            if len(rest) < length:
                break
            buffer = rest[length:]
            with self._lock:
                self.requests += 1
            if self.answer is None:
                continue
            if not self.answer:
                return buffer, False
            conn.sendall(self.answer)
        return buffer, True


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def client_for(url: str, policy: UpstreamPolicy = FAST) -> DnsimpleClient:
    return DnsimpleClient(base_url=url, account_id=1010, token="network-token", policy=policy)


@pytest.fixture
def silent_server() -> Iterator[RawServer]:
    with RawServer(answer=None) as server:
        yield server


@pytest.mark.anyio
async def test_connection_refused_is_unavailable() -> None:
    async with client_for(f"http://127.0.0.1:{closed_port()}") as client:
        with pytest.raises(UpstreamUnavailable) as caught:
            await client.whoami()
    assert caught.value.upstream_status is None
    assert caught.value.code == "upstream_unavailable"
    assert "ConnectError" in caught.value.detail


@pytest.mark.anyio
async def test_a_silent_server_is_a_timeout_and_a_read_is_retried(
    silent_server: RawServer,
) -> None:
    started = time.monotonic()
    async with client_for(silent_server.url) as client:
        with pytest.raises(UpstreamTimeout) as caught:
            await client.list_records("example.com")
    assert caught.value.code == "upstream_timeout"
    assert caught.value.upstream_status is None
    assert silent_server.requests == 1 + FAST.read_retries
    assert time.monotonic() - started < 5


@pytest.mark.anyio
async def test_a_write_that_timed_out_is_not_retried(silent_server: RawServer) -> None:
    async with client_for(silent_server.url) as client:
        with pytest.raises(UpstreamTimeout):
            await client.create_record("example.com", NewRecord("www", "A", "192.0.2.1", 60))
    assert silent_server.requests == 1


@pytest.mark.anyio
async def test_a_503_keeps_its_status_and_message() -> None:
    answer = http_answer("503 Service Unavailable", {"message": "Down for maintenance"})
    with RawServer(answer) as server:
        async with client_for(server.url) as client:
            with pytest.raises(UpstreamUnavailable) as caught:
                await client.get_record("example.com", 1)
    error = caught.value
    assert (error.status, error.upstream_status) == (503, 503)
    assert error.detail == "Down for maintenance"
    assert server.requests == 1 + FAST.read_retries


@pytest.mark.anyio
async def test_a_server_that_hangs_up_is_unavailable() -> None:
    with RawServer(answer=b"") as server:
        async with client_for(server.url, UpstreamPolicy(read_retries=0)) as client:
            with pytest.raises(UpstreamUnavailable) as caught:
                await client.whoami()
    assert caught.value.upstream_status is None


@pytest.mark.anyio
async def test_calls_reuse_one_connection() -> None:
    with RawServer(http_answer("200 OK", WHOAMI)) as server:
        async with client_for(server.url) as client:
            for _ in range(3):
                identity = await client.whoami()
    assert identity.account_id == 1010
    assert (server.requests, server.connections) == (3, 1)
