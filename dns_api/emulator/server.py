"""Run the emulator on a real socket: in a background thread (tests, benchmarks) or blocking
(the ``dns-api emulator`` command and ``make run`` demo mode)."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType

import uvicorn

from dns_api.emulator.app import create_emulator_app
from dns_api.emulator.state import EmulatorState

STARTUP_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0
_GRACEFUL_SHUTDOWN_S = 2  # then requests still in flight (hangs) are cancelled


@dataclass
class RunningEmulator:
    """An emulator serving in a daemon thread; ``stop()`` (or leaving the ``with``) ends it."""

    state: EmulatorState
    host: str
    port: int
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    @property
    def url(self) -> str:
        """Base URL without the ``/v2`` suffix, e.g. ``http://127.0.0.1:54321``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def stop(self) -> None:
        """Stop accepting requests, let the ones in flight finish and join the thread."""
        self._server.should_exit = True
        self._thread.join(STOP_TIMEOUT_S)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(STOP_TIMEOUT_S)

    def __enter__(self) -> RunningEmulator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_emulator(
    state: EmulatorState | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    startup_timeout: float = STARTUP_TIMEOUT_S,
) -> RunningEmulator:
    """Serve ``state`` (a fresh one if None) on ``host:port`` (0 = any free port) in a daemon
    thread with its own event loop; return once it is listening.

    Raises ``RuntimeError`` if the server does not start within ``startup_timeout`` seconds
    (for instance when the port is taken).
    """
    state = state if state is not None else EmulatorState()
    server = uvicorn.Server(_config(state, host, port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="dnsimple-emulator", daemon=True)
    thread.start()
    _wait_until_listening(server, thread, startup_timeout)
    return RunningEmulator(state, host, _bound_port(server), server, thread)


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host:port`` (0 = any free port) for ``serve_forever``, so the
    caller knows the port before serving; ``OSError`` if it cannot be bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family)


def serve_forever(
    state: EmulatorState,
    host: str = "127.0.0.1",
    port: int = 8081,
    *,
    log_level: str = "info",
    sock: socket.socket | None = None,
) -> None:
    """Serve ``state`` in the calling thread until interrupted (Ctrl-C / SIGTERM), on ``sock``
    when given (from ``listening_socket``), else on ``host:port``."""
    server = uvicorn.Server(_config(state, host, port, log_level=log_level))
    server.run(sockets=None if sock is None else [sock])


def _config(state: EmulatorState, host: str, port: int, *, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        create_emulator_app(state),
        host=host,
        port=port,
        log_level=log_level,
        lifespan="off",
        ws="none",
        timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN_S,
    )


def _wait_until_listening(server: uvicorn.Server, thread: threading.Thread, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the DNSimple emulator failed to start (see the log above)")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the DNSimple emulator did not start within {timeout} s")
        time.sleep(0.01)


def _bound_port(server: uvicorn.Server) -> int:
    """The port actually bound (what port 0 turned into)."""
    for listener in server.servers:
        for sock in listener.sockets:
            return int(sock.getsockname()[1])
    raise RuntimeError("the DNSimple emulator is not listening on any socket")
