"""Finding 11: no limits below the app.

300 slow connections stayed open, and a 70 KB header and a 1 MB Authorization header reached the
app. ``dns-api serve`` now bounds the request line and headers (MAX_HEADER_BYTES, else 431), the
time to send them (HEADER_TIMEOUT) and the body (BODY_TIMEOUT, else 408), and the connections
it serves (MAX_CONNECTIONS, then 503). The limits live in the HTTP protocol (dns_api/serving.py),
below anything a test client reaches, so these start real servers and speak HTTP over raw
sockets. Times are only ever bounded generously, to detect a hang: no test asserts speed.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from dns_api.db import urls
from dns_api.emulator import RunningEmulator
from tests.conftest import legacy_token
from tests.live import ZONE, serve, wait_for

pytestmark = pytest.mark.slow

AUTHORIZATION = f"Bearer {legacy_token('alice')}"
CREATE_BOX = f"/records/a/{ZONE}/box/192.0.2.1"  # a DNSimple call when it reaches the app
HANG = 30.0  # seconds after which a wait is a hang: a bound, never a speed
SHORT = "1"  # the timeouts under test, in seconds
MINT_BODY = json.dumps(
    {
        "name": "limits",
        "grants": [{"zones": [ZONE], "names": ["box"], "types": ["A"], "actions": ["read"]}],
    }
).encode()


# -- raw HTTP ---------------------------------------------------------------------------------


def head(
    method: str, path: str, *headers: tuple[str, str], body: bytes = b"", close: bool = False
) -> bytes:
    """A request's bytes; ``Content-Length`` is added when there is a body."""
    lines = [f"{method} {path} HTTP/1.1", "Host: dns-api.test"]
    lines += [f"{name}: {value}" for name, value in headers]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    assert parts.hostname is not None
    assert parts.port is not None
    return socket.create_connection((parts.hostname, parts.port), timeout=HANG)


class Responses:
    """Reads the responses of one connection in order (Content-Length bodies only)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def next(self) -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.buffer:
            self._read()
        raw_head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status_line, *lines = raw_head.decode("latin-1").split("\r\n")
        fields = dict(line.split(": ", 1) for line in lines)
        headers = {name.lower(): value for name, value in fields.items()}
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._read()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return int(status_line.split()[1]), headers, body

    def rest(self) -> bytes:
        """What the server still sends, unasked, until it closes the connection."""
        return self.buffer + read_until_closed(self.sock)

    def _read(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise AssertionError(f"connection closed mid-response after {self.buffer[:200]!r}")
        self.buffer += data


def ask(url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` on a new connection (from a thread, so a server that stops reading
    cannot block us) and read the first response."""
    with connect(url) as sock:
        sender = threading.Thread(target=_send_all, args=(sock, request), daemon=True)
        sender.start()
        answer = Responses(sock).next()
        sender.join(HANG)
        return answer


def _send_all(sock: socket.socket, data: bytes) -> None:
    # The server may answer and close before reading it all: the answer is what counts.
    with suppress(OSError):
        sock.sendall(data)


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes; fails on a hang (HANG seconds)."""
    sock.settimeout(HANG)
    received = b""
    try:
        while data := sock.recv(65536):
            received += data
    except ConnectionResetError:
        pass
    return received


def status_of(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer.split()[1])


def whoami(url: str) -> int:
    return httpx.get(f"{url}/whoami", headers={"Authorization": AUTHORIZATION}).status_code


def box_records(emulator: RunningEmulator) -> list[str]:
    return [r["content"] for r in emulator.state.records(ZONE) if r["name"] == "box"]


# -- request line and headers: size -----------------------------------------------------------


def test_a_70_kb_header_is_refused_before_the_app(
    emulator: RunningEmulator, database_url: str, tmp_path: Path
) -> None:
    with serve(emulator, database_url, tmp_path) as url:
        padding = ("X-Padding", "a" * 70_000)
        request = head("POST", CREATE_BOX, ("Authorization", AUTHORIZATION), padding)
        status, headers, body = ask(url, request)
        assert status == 431, body
        assert headers["connection"] == "close"
        assert len(body) < 100
        assert box_records(emulator) == []  # the app never ran it: no DNSimple record
        assert emulator.state.count("POST") == 0
        assert whoami(url) == 200  # and the server serves on


def test_a_1_mb_authorization_header_is_refused(
    emulator: RunningEmulator, database_url: str, tmp_path: Path
) -> None:
    with serve(emulator, database_url, tmp_path) as url:
        huge = ("Authorization", "Bearer " + "b" * 1_048_576)
        status, _, _ = ask(url, head("POST", CREATE_BOX, huge))
        assert status == 431
        assert emulator.state.count("POST") == 0
        assert whoami(url) == 200


def test_a_huge_request_line_is_refused(
    emulator: RunningEmulator, database_url: str, tmp_path: Path
) -> None:
    with serve(emulator, database_url, tmp_path) as url:
        status, _, _ = ask(url, head("GET", "/whoami?q=" + "q" * 70_000))
        assert status == 431


def test_max_header_bytes_is_configurable_and_heads_within_it_are_served(
    emulator: RunningEmulator, database_url: str, tmp_path: Path
) -> None:
    auth = ("Authorization", AUTHORIZATION)
    with serve(emulator, database_url, tmp_path, MAX_HEADER_BYTES="4096") as url:
        within = head("GET", "/whoami", auth, ("X-Padding", "a" * 3000))
        assert ask(url, within)[0] == 200
        beyond = head("GET", "/whoami", auth, ("X-Padding", "a" * 5000))
        assert ask(url, beyond)[0] == 431
        many = [(f"X-Padding-{n}", "a" * 40) for n in range(100)]  # 5 KB in small headers
        assert ask(url, head("GET", "/whoami", auth, *many))[0] == 431
    with serve(emulator, database_url, tmp_path) as url:  # the default: 16 KB
        assert ask(url, head("GET", "/whoami", auth, ("X-Padding", "a" * 12_000)))[0] == 200


# -- request line and headers: time -----------------------------------------------------------


def test_a_stalled_request_line_gets_408_while_others_are_served(
    emulator: RunningEmulator, database_url: str, tmp_path: Path
) -> None:
    with serve(emulator, database_url, tmp_path, HEADER_TIMEOUT=SHORT) as url, connect(url) as sock:
        sock.sendall(b"GET /who")  # half a request line, then nothing
        assert whoami(url) == 200
        assert status_of(read_until_closed(sock)) == 408


def test_trickled_headers_do_not_keep_a_connection_open(
    emulator: RunningEmulator, database_url: str, tmp_path: Path
) -> None:
    """Slowloris: a byte at a time keeps uvicorn's own keep-alive timer from ever firing."""
    with serve(emulator, database_url, tmp_path, HEADER_TIMEOUT=SHORT) as url, connect(url) as sock:
        sock.sendall(b"GET /whoami HTTP/1.1\r\nHost: dns-api.test\r\n")
        deadline = time.monotonic() + HANG
        while not select.select([sock], [], [], 0.1)[0]:
            assert time.monotonic() < deadline, "the trickling connection was never cut"
            sock.sendall(b"X")
        assert status_of(read_until_closed(sock)) == 408


def test_connections_that_send_nothing_are_closed(
    emulator: RunningEmulator, database_url: str, tmp_path: Path
) -> None:
    with (
        serve(emulator, database_url, tmp_path, HEADER_TIMEOUT=SHORT) as url,
        ExitStack() as stack,
    ):
        idle = [stack.enter_context(connect(url)) for _ in range(50)]
        assert [read_until_closed(sock) for sock in idle] == [b""] * 50  # closed, no answer
        assert whoami(url) == 200


# -- body: time -------------------------------------------------------------------------------


def test_a_stalled_body_gets_408(
    emulator: RunningEmulator, database_url: str, tmp_path: Path
) -> None:
    with serve(emulator, database_url, tmp_path, BODY_TIMEOUT=SHORT) as url, connect(url) as sock:
        request = head("POST", "/tokens", ("Authorization", AUTHORIZATION), body=MINT_BODY)
        sock.sendall(request[:-10])  # all but the last 10 bytes of the body
        assert whoami(url) == 200
        assert status_of(read_until_closed(sock)) == 408


def test_a_trickled_body_gets_408(
    emulator: RunningEmulator, database_url: str, tmp_path: Path
) -> None:
    with serve(emulator, database_url, tmp_path, BODY_TIMEOUT=SHORT) as url, connect(url) as sock:
        headers = ("Authorization", AUTHORIZATION), ("Content-Length", "60000")
        sock.sendall(head("POST", "/tokens", *headers))
        deadline = time.monotonic() + HANG
        while not select.select([sock], [], [], 0.1)[0]:
            assert time.monotonic() < deadline, "the trickled body was never cut"
            sock.sendall(b"{")
        assert status_of(read_until_closed(sock)) == 408


CHUNKED = ("Transfer-Encoding", "chunked")
BROKEN_CHUNKS = b'5\r\n{"nam\r\nzz\r\n'  # "zz" is no chunk size


def test_a_broken_body_gets_400_and_does_not_leave_the_app_waiting(
    emulator: RunningEmulator, database_url: str, tmp_path: Path
) -> None:
    with serve(emulator, database_url, tmp_path) as url, connect(url) as sock:
        sock.sendall(head("POST", "/tokens", ("Authorization", AUTHORIZATION), CHUNKED))
        sock.sendall(BROKEN_CHUNKS)
        assert status_of(read_until_closed(sock)) == 400
        assert whoami(url) == 200


def test_a_broken_request_queued_behind_a_slow_one_is_refused_after_it_and_never_runs(
    emulator: RunningEmulator, database_url: str, tmp_path: Path
) -> None:
    auth = ("Authorization", AUTHORIZATION)
    queued = head("POST", f"/records/a/{ZONE}/other/192.0.2.2", auth, CHUNKED) + BROKEN_CHUNKS
    with serve(emulator, database_url, tmp_path) as url, connect(url) as sock:
        responses = Responses(sock)
        with slow_dnsimple(emulator, 1):  # sent with it: queued however long the first takes
            sock.sendall(head("POST", CREATE_BOX, auth) + queued)
            assert responses.next()[0] == 200  # the earlier request is answered first
            assert status_of(responses.rest()) == 400  # then the refusal, then the end
    assert [r["name"] for r in emulator.state.records(ZONE) if r["name"] == "other"] == []


# -- no false positives -----------------------------------------------------------------------


@contextmanager
def slow_dnsimple(emulator: RunningEmulator, seconds: float) -> Iterator[None]:
    emulator.state.set_faults(latency_ms=seconds * 1000)
    try:
        yield
    finally:
        emulator.state.set_faults()


def test_a_slow_app_is_not_cut_by_the_timeouts(
    emulator: RunningEmulator, database_url: str, tmp_path: Path
) -> None:
    """The timers measure the client only: a DNSimple call longer than both timeouts, and a
    request pipelined behind it, are answered."""
    short = {"HEADER_TIMEOUT": SHORT, "BODY_TIMEOUT": SHORT}
    with serve(emulator, database_url, tmp_path, **short) as url, connect(url) as sock:
        auth = ("Authorization", AUTHORIZATION)
        with slow_dnsimple(emulator, 2.5):
            sock.sendall(head("POST", CREATE_BOX, auth) + head("GET", "/whoami", auth))
            responses = Responses(sock)
            created, _, body = responses.next()
            assert created == 200, body
            assert responses.next()[0] == 200
            assert responses.rest() == b""  # then closed when idle, with no stray answer
        assert box_records(emulator) == ["192.0.2.1"]


def test_a_body_queued_behind_a_slow_request_gets_its_whole_time_once_served(
    emulator: RunningEmulator, database_url: str, tmp_path: Path
) -> None:
    """The rest of a pipelined request's body is sent once the slow answer before it came."""
    auth = ("Authorization", AUTHORIZATION)
    mint = head("POST", "/tokens", auth, ("Content-Type", "application/json"), body=MINT_BODY)
    # Each DNSimple call of the first request is 0.5 s longer than BODY_TIMEOUT, which then
    # leaves 2 s to send the rest of the body once the answer came.
    with serve(emulator, database_url, tmp_path, BODY_TIMEOUT="2") as url, connect(url) as sock:
        responses = Responses(sock)
        with slow_dnsimple(emulator, 2.5):
            sock.sendall(head("POST", CREATE_BOX, auth) + mint[:-10])
            assert responses.next()[0] == 200
        sock.sendall(mint[-10:])
        assert responses.next()[0] == 201


def test_keep_alive_pipelining_and_bodies_are_served(
    emulator: RunningEmulator, database_url: str, tmp_path: Path
) -> None:
    auth = ("Authorization", AUTHORIZATION)
    with serve(emulator, database_url, tmp_path) as url, connect(url) as sock:
        responses = Responses(sock)
        minted = head("POST", "/tokens", auth, ("Content-Type", "application/json"), body=MINT_BODY)
        sock.sendall(minted + head("GET", "/whoami", auth) + head("GET", "/whoami", auth))
        assert [responses.next()[0] for _ in range(3)] == [201, 200, 200]
        sock.sendall(minted[:40])  # one request in two parts
        sock.sendall(minted[40:])
        assert responses.next()[0] == 201
        sock.sendall(head("GET", "/whoami", auth, close=True))
        assert responses.next()[0] == 200
        assert responses.rest() == b""


# -- connections ------------------------------------------------------------------------------


def test_connections_beyond_max_connections_get_503_until_some_close(
    emulator: RunningEmulator, database_url: str, tmp_path: Path
) -> None:
    limits = {"MAX_CONNECTIONS": "5", "HEADER_TIMEOUT": "120"}  # idle ones stay for the test
    with serve(emulator, database_url, tmp_path, **limits) as url, ExitStack() as stack:
        idle = [stack.enter_context(connect(url)) for _ in range(4)]
        wait_for(lambda: whoami(url) == 200, "the 5th connection to be served")
        idle.append(stack.enter_context(connect(url)))
        wait_for(lambda: whoami(url) == 503, "a 6th connection to get 503")
        for sock in idle:
            sock.close()
        wait_for(lambda: whoami(url) == 200, "service once the idle connections closed")


# -- several workers --------------------------------------------------------------------------


def test_several_workers_enforce_the_limits_too(
    emulator: RunningEmulator, database_url: str, tmp_path: Path
) -> None:
    if urls.is_sqlite(database_url):
        pytest.skip("several workers need PostgreSQL")
    args = ["--workers", "2"]
    with (
        serve(emulator, database_url, tmp_path, args=args, HEADER_TIMEOUT=SHORT) as url,
        ExitStack() as stack,
    ):
        big = head("GET", "/whoami", ("X-Padding", "a" * 70_000))
        assert [ask(url, big)[0] for _ in range(8)] == [431] * 8
        stalled = [stack.enter_context(connect(url)) for _ in range(8)]
        for sock in stalled:
            sock.sendall(b"GET /who")
        assert [status_of(read_until_closed(sock)) for sock in stalled] == [408] * 8
        assert whoami(url) == 200
