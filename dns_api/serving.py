"""How ``dns-api serve`` configures uvicorn: the limits a connection meets before the app.

uvicorn's httptools protocol puts no bound on the size of a request's line and headers, and no
deadline on receiving them or the body: a client can hold a connection forever by trickling
bytes (slowloris), and make the parser buffer megabytes of one header. ``LimitedHttpToolsProtocol``
adds those limits, answering ``431`` or ``408`` (``400`` for what does not parse) and closing; a
request refused before its headers are complete never reaches the app.
``uvicorn_options(settings)`` builds the ``uvicorn.run`` keyword arguments that carry them, with
uvicorn's own keep-alive timeout and concurrency limit (``503`` beyond it).

The timers only ever measure the client: none runs while the connection waits for the app (a
slow DNSimple call), for an earlier pipelined request, or for the app to read the body.
"""

from __future__ import annotations

import asyncio
import http
from asyncio import TimerHandle
from dataclasses import dataclass
from typing import Any

import httptools
from uvicorn._types import ASGIReceiveCallable, ASGISendCallable, Scope
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from dns_api.settings import Settings

# After a refusal the connection is half-closed and what the client still sends is read and
# dropped for this long: closing at once with unread bytes makes the kernel send a reset, which
# can destroy the refusal before the client reads it (a 1 MB header is still being sent).
LINGER_SECONDS = 2.0
# ": " and CRLF around each header, which the parser does not hand over.
HEADER_FRAMING = 4
INVALID_REQUEST = "Invalid HTTP request received."


@dataclass(frozen=True)
class ConnectionLimits:
    """What one connection may send, and for how long; uvicorn's protocol "class".

    uvicorn builds each connection's protocol by calling ``config.http_protocol_class(config=,
    server_state=, app_state=, _loop=)``. This frozen dataclass is that callable: unlike a class
    made on the fly it pickles, so the limits reach every worker process of ``--workers N``.
    """

    max_header_bytes: int
    header_timeout: float
    body_timeout: float

    def __call__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> LimitedHttpToolsProtocol:
        return LimitedHttpToolsProtocol(config, server_state, app_state, _loop, limits=self)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The ``uvicorn.run`` keyword arguments that set the limits below the app."""
    limits = ConnectionLimits(
        max_header_bytes=settings.max_header_bytes,
        header_timeout=settings.header_timeout,
        body_timeout=settings.body_timeout,
    )
    return {
        "http": limits,  # typed as a class by uvicorn, which only calls it (see ConnectionLimits)
        "timeout_keep_alive": settings.keepalive_timeout,
        # uvicorn counts the connection asking too: a limit of N serves N - 1 at a time.
        "limit_concurrency": settings.max_connections + 1,
        # dns-api has no WebSocket route: an upgraded connection would escape these limits.
        "ws": "none",
    }


class _Refused(Exception):
    """Raised in a parser callback to stop parsing a request that was just refused."""


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a size limit and deadlines on what the client sends.

    - Request line and headers: at most ``max_header_bytes``, else ``431``. Counted from the
      parser's callbacks, and from whole chunks read while a head is incomplete, since the parser
      buffers a header's value until its end.
    - They must be complete ``header_timeout`` after connecting or after the previous response
      (with nothing pending), else ``408``; a connection that sent nothing is just closed, like
      an idle keep-alive one.
    - The body must be complete ``body_timeout`` after the headers, else ``408``; the deadline is
      extended while the delay is ours (reading paused, ``100 Continue`` not sent yet).

    A refusal that must wait for earlier pipelined responses is sent after them. One that
    concerns the request whose body is arriving stops that request first: its app reads a
    disconnect (or, still queued, never runs).
    """

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limits: ConnectionLimits,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits
        self._max_head_bytes = limits.max_header_bytes
        self._reading_head = False  # from a request's first byte until its headers are complete
        self._reading_body = False  # from its headers until its end
        self._heads_read = 0
        self._head_bytes = 0  # of the head being read, as the parser handed it over
        self._head_chunk_bytes = 0  # of the chunks read that held nothing but that head
        self._refusal: bytes | None = None
        self._header_timer: TimerHandle | None = None
        self._body_timer: TimerHandle | None = None
        self._linger_timer: TimerHandle | None = None

    # -- connection ---------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        for timer in (self._header_timer, self._body_timer, self._linger_timer):
            if timer is not None:
                timer.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refusal is not None:
            return  # refused: what follows is dropped, never parsed
        self._unset_keepalive_if_required()
        only_head = self._reading_head
        heads_read = self._heads_read
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._upgrade()
            return
        except httptools.HttpParserError:
            if self._refusal is None:  # else one of our callbacks stopped the parser
                self.logger.warning(INVALID_REQUEST)
                self._refuse(400, INVALID_REQUEST)
            return
        if only_head and self._reading_head and heads_read == self._heads_read:
            self._head_chunk_bytes += len(data)
            if self._head_chunk_bytes > self._max_head_bytes:
                self._refuse_large_head()
                return
        if self._reading_body and self._body_timer is None:
            self._start_body_timer()

    def _upgrade(self) -> None:
        if self._should_upgrade():
            self._cancel_header_timer()
            self._cancel_body_timer()
            self.handle_websocket_upgrade()  # the connection is the WebSocket protocol's now
        else:
            self._unsupported_upgrade_warning()

    # -- parser callbacks ---------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_head = True
        self._head_bytes = 0
        self._head_chunk_bytes = 0

    # on_url and on_header run for every request: counted inline, the base called directly.
    def on_url(self, url: bytes) -> None:
        HttpToolsProtocol.on_url(self, url)
        self._head_bytes += len(url)
        if self._head_bytes > self._max_head_bytes:
            self._refuse_large_head()
            raise _Refused  # stops the parser: nothing more of this request is read

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_bytes += len(name) + len(value) + HEADER_FRAMING
        if self._head_bytes > self._max_head_bytes:
            self._refuse_large_head()
            raise _Refused  # stops the parser: nothing more of this request is read
        HttpToolsProtocol.on_header(self, name, value)

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._heads_read += 1
        self._cancel_header_timer()
        self._reading_body = True
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._reading_body = False
        self._cancel_body_timer()
        if not self._answering():  # the app answered before the body ended: next request now
            self._start_header_timer()

    def on_response_complete(self) -> None:
        queued = bool(self.pipeline)
        super().on_response_complete()  # starts the next pipelined request, if any
        if queued and not self.pipeline and self._reading_body:
            # The latest request starts only now, its body still coming: a whole period from here.
            self._start_body_timer()
        if self.transport.is_closing() or self._answering():
            return
        if self._refusal is not None:
            self._send_refusal()
        elif not self._reading_body:
            self._start_header_timer()

    # -- timers -------------------------------------------------------------------------------

    def _start_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.limits.header_timeout, self._head_expired)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _start_body_timer(self) -> None:
        self._cancel_body_timer()
        self._body_timer = self.loop.call_later(self.limits.body_timeout, self._body_expired)

    def _cancel_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _head_expired(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or self._refusal is not None or self._answering():
            return
        if not self._reading_head:
            self.transport.close()  # nothing of a request came: no one to answer
            return
        self.logger.warning("Request refused: headers not complete within HEADER_TIMEOUT.")
        self._refuse(408)

    def _body_expired(self) -> None:
        self._body_timer = None
        if self.transport.is_closing() or self._refusal is not None or not self._reading_body:
            return
        cycle = self.cycle
        if self.flow.read_paused or self.pipeline or cycle.waiting_for_100_continue:
            # We are not reading (the app has not taken what came), the request waits behind an
            # earlier one, or the client waits for our 100 Continue: the delay is ours.
            self._start_body_timer()
            return
        self.logger.warning("Request refused: body not complete within BODY_TIMEOUT.")
        self._refuse(408)

    # -- refusals -----------------------------------------------------------------------------

    def _answering(self) -> bool:
        """Whether a response of this connection may still be written: a queued request's, or
        the latest request's (``self.cycle``; earlier ones complete before it starts)."""
        if self.pipeline:
            return True
        cycle = self.cycle
        return cycle is not None and not cycle.response_complete and not cycle.disconnected

    def _refuse_large_head(self) -> None:
        self.logger.warning("Request refused: request line and headers over MAX_HEADER_BYTES.")
        self._refuse(431)

    def _refuse(self, status: int, message: str | None = None) -> None:
        self._cancel_header_timer()
        self._cancel_body_timer()
        self._refusal = _plain_answer(status, message, self.server_state.default_headers)
        reading_body = self._reading_body
        self._reading_head = self._reading_body = False  # nothing more is parsed
        if reading_body and not self._stop_current_request():
            return
        if self._answering():
            self.flow.pause_reading()  # sent once the earlier responses are (on_response_complete)
        else:
            self._send_refusal()

    def _stop_current_request(self) -> bool:
        """Stop the request whose body was arriving: it will not get one. Whether the refusal
        can still be its answer."""
        cycle = self.cycle
        if cycle.response_started:
            self.transport.close()  # it is answering already: nothing else can follow (as uvicorn)
            return False
        cycle.disconnected = True  # its app's receive() ends, and its answer is dropped
        cycle.message_event.set()
        if self.pipeline and self.pipeline[0][0] is cycle:
            # Still queued behind an earlier request: it keeps its turn but runs nothing.
            self.pipeline[0] = (cycle, _run_nothing)
        return True

    def _send_refusal(self) -> None:
        assert self._refusal is not None
        self.transport.write(self._refusal)
        if not self.transport.can_write_eof():
            self.transport.close()
            return
        self.transport.write_eof()  # the client reads the answer, then the end
        self.flow.resume_reading()  # and what it still sends is drained (data_received)
        self._linger_timer = self.loop.call_later(LINGER_SECONDS, self.transport.close)


async def _run_nothing(scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
    """The app of a request stopped while it was queued: it never reaches dns-api."""


def _plain_answer(
    status: int, message: str | None, default_headers: list[tuple[bytes, bytes]]
) -> bytes:
    body = (message or http.HTTPStatus(status).phrase).encode("ascii")
    head = [STATUS_LINE[status]]
    head += [name + b": " + value + b"\r\n" for name, value in default_headers]
    head += [
        b"content-type: text/plain; charset=utf-8\r\n",
        b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
        b"connection: close\r\n\r\n",
    ]
    return b"".join(head) + body
