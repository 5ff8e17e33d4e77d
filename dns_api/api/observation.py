"""What is observed of every HTTP request, in one pure ASGI middleware (``install_observation``).

Per request, once: an id, a timer, the final status, one access log line and the HTTP metrics.

Each request gets an id: the caller's ``X-Request-ID`` when it is 1-128 characters of
``[A-Za-z0-9._:-]``, else a new one (32 hex digits). The id goes back in the ``X-Request-ID``
header of the reply, into ``request.state.request_id`` and onto every log line written while
the request is served (see ``dns_api.logs``).

When the request is done, it is counted and timed in ``dns_api_http_requests_total`` and
``dns_api_http_request_duration_seconds`` (see ``api.metrics``), and one line goes to the
``dns_api.access`` logger with ``request_id``, ``method``, ``route`` (the route's template, such
as ``/records/{record_id}``, or ``unmatched``), ``path``, ``status``, ``duration_ms``, ``actor``
and ``token_id`` (who the token belonged to, when the request was authenticated). Headers and
bodies are never logged. The status is the one sent; 499 when the app returned without
starting a reply (the client went away), 500 when it raised.

A request that ends in an unhandled exception is answered 500 by Starlette's outermost
middleware, outside this one: that reply has no ``X-Request-ID``, but its log line still carries
the id.
"""

from __future__ import annotations

import logging
import re
import secrets
from time import perf_counter

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dns_api.api.metrics import Metrics
from dns_api.logs import bind_request_id, unbind_request_id

access_log = logging.getLogger("dns_api.access")

HEADER = "X-Request-ID"
_HEADER_KEY = HEADER.lower().encode("latin-1")
_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
UNMATCHED = "unmatched"
CLIENT_CLOSED = 499  # no reply was started and nothing failed: the client went away


def request_id_from(scope: Scope) -> str:
    """The caller's (first) ``X-Request-ID`` if it is acceptable, else a new id."""
    for name, value in scope["headers"]:
        if name == _HEADER_KEY:
            given: str = value.decode("latin-1")
            return given if _VALID_ID.fullmatch(given) else secrets.token_hex(16)
    return secrets.token_hex(16)


def route_template(scope: Scope) -> str:
    """The path template of the route that served (or would serve) the request.

    The router records the route it picked in the scope (for a mounted app, below its mount
    point, which the app's ``state.mounted_at`` gives). A request answered before routing (an
    ``Idempotency-Key`` replay) is looked up in the app's ``RouteIndex``; ``unmatched``
    otherwise, so a label never holds a raw path.
    """
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    app = scope.get("app")
    if isinstance(template, str):
        # A mounted app (the console) names where it is mounted: its templates are below it.
        prefix = getattr(getattr(app, "state", None), "mounted_at", "")
        return f"{prefix}{template}" if isinstance(prefix, str) else template
    index = getattr(getattr(app, "state", None), "routes", None)
    found = index.template(scope["method"], scope["path"]) if index is not None else None
    return found or UNMATCHED


def actor_of(scope: Scope) -> tuple[str | None, int | None]:
    """The user and token id of the authenticated caller (``request.state.principal``)."""
    state = scope.get("state") or {}
    principal = state.get("principal") if isinstance(state, dict) else None
    if principal is None:
        return None, None
    return principal.user, principal.token_id


class _Reply:
    """The ``send`` of one request: adds its ``X-Request-ID`` and remembers the status sent."""

    __slots__ = ("_request_id", "_send", "status")

    def __init__(self, send: Send, request_id: str) -> None:
        self._send = send
        self._request_id = request_id
        self.status: int | None = None

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            message = _with_request_id(message, self._request_id.encode("ascii"))
        await self._send(message)

    def final(self, failed: bool) -> int:
        """The status to report: the one sent, else 500 after a failure, else 499."""
        if self.status is not None:
            return self.status
        return 500 if failed else CLIENT_CLOSED


def _with_request_id(message: Message, request_id: bytes) -> Message:
    """A copy of a ``http.response.start`` whose only ``X-Request-ID`` is ``request_id``."""
    headers = [h for h in message.get("headers", ()) if h[0].lower() != _HEADER_KEY]
    headers.append((_HEADER_KEY, request_id))
    return {**message, "headers": headers}


class ObservationMiddleware:
    """Gives each request an id, then counts, times and logs it."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        scope.setdefault("state", {})["request_id"] = request_id  # request.state.request_id
        token = bind_request_id(request_id)
        reply = _Reply(send, request_id)
        started = perf_counter()
        failed = True
        try:
            await self.app(scope, receive, reply)
            failed = False
        finally:
            seconds = perf_counter() - started
            status = reply.final(failed)
            route = route_template(scope)
            self.metrics.observe_request(scope["method"], route, status, seconds)
            _log_access(scope, request_id, route, status, seconds)
            if not failed:
                # After a failure the id stays bound, so that the error line Starlette's outer
                # middleware writes still carries it (each request runs in its own task).
                unbind_request_id(token)


def _log_access(scope: Scope, request_id: str, route: str, status: int, seconds: float) -> None:
    if not access_log.isEnabledFor(logging.INFO):
        return  # what ``info`` would decide, before the line is put together
    actor, token_id = actor_of(scope)
    duration_ms = round(seconds * 1000, 1)
    who = f" by {actor}" if actor is not None else ""
    if token_id is not None:
        who += f" (token {token_id})"
    access_log.info(
        "%s %s -> %d in %.1f ms%s",
        scope["method"],
        route,
        status,
        duration_ms,
        who,
        extra={
            "request_id": request_id,
            "method": scope["method"],
            "route": route,
            "path": scope["path"],
            "status": status,
            "duration_ms": duration_ms,
            "actor": actor,
            "token_id": token_id,
        },
    )


def install_observation(app: Starlette, metrics: Metrics) -> None:
    """Add the middleware; install it last, so it is the outermost and sees every reply."""
    app.add_middleware(ObservationMiddleware, metrics=metrics)
