"""The pipeline every ``/v2`` request goes through, routed or not::

    count the call -> latency -> injected fault? -> Bearer auth (401)
        -> spend one unit of the hourly budget (429 once spent) -> the operation
        -> X-RateLimit-* headers, except on a 401, 404 or 405

Routing errors skip auth and the budget (``authenticate=False``); an unauthenticated request
never spends the budget. DNSimple's recorded 404s (``notfound-*.http``) and 405
(``method-not-allowed.http``) carry no rate-limit headers; no 401 was recorded, and it carries
none either (assumed). A fault with ``after_apply`` lets the operation happen and spoils only
its answer; a client that disconnects during a pause gets nothing and, when it left before the
operation, the operation never happens.
"""

from __future__ import annotations

import asyncio
import hmac
import http.client
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from dns_api.emulator.errors import DnsimpleError
from dns_api.emulator.faults import HANG
from dns_api.emulator.ratelimit import RateLimit
from dns_api.emulator.responses import error, message, with_limits
from dns_api.emulator.state import EmulatorState

BAD_GATEWAY_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
    b'<body bgcolor="white">\r\n<center><h1>502 Bad Gateway</h1></center>\r\n'
    b"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
"""nginx's page, byte for byte (CRLF, 166 bytes, as the recorded content-length says)."""
_FAULT_MESSAGES = {
    500: "Internal server error",
    503: "Service temporarily unavailable",
    504: "Gateway timeout",
}

Perform = Callable[[], Awaitable[Response]]


async def serve_v2(
    state: EmulatorState,
    request: Request,
    operation: str,
    perform: Perform,
    *,
    authenticate: bool = True,
) -> Response:
    """Answer ``request`` (counted as ``operation``) with ``perform`` through the pipeline."""
    state.record_call(request.method, operation)
    plan = state.draw_fault(request.method)
    await request.body()  # buffered now, so watching for a disconnect cannot swallow it
    if not await _pause(request, plan.latency_s):
        return _abandoned()
    if plan.status is not None and not plan.after_apply:
        if plan.status != HANG:
            return _injected(state, plan.status)
        if not await _pause(request, plan.hang_seconds):
            return _abandoned()  # the client gave up: the operation never happens
    response = await (_guarded(state, request, perform) if authenticate else perform())
    if plan.status is not None and plan.after_apply:
        if plan.status != HANG:
            return _injected(state, plan.status)
        await _pause(request, plan.hang_seconds)
    return response


_WITHOUT_LIMITS = frozenset({401, 404, 405})
"""The statuses DNSimple answers without ``X-RateLimit-*`` headers."""


async def _guarded(state: EmulatorState, request: Request, perform: Perform) -> Response:
    if not _authenticated(state, request):
        return message(401, "Authentication failed")
    allowed, limits = state.spend_request()
    if not allowed:
        return _quota_exceeded(limits)
    try:
        response = await perform()
    except DnsimpleError as exc:
        response = error(exc)
    return response if response.status_code in _WITHOUT_LIMITS else with_limits(response, limits)


def _authenticated(state: EmulatorState, request: Request) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(token.strip().encode(), state.token.encode())


async def _pause(request: Request, seconds: float) -> bool:
    """Sleep ``seconds`` unless the client disconnects first; False if it did."""
    if seconds <= 0:
        return True
    try:
        async with asyncio.timeout(seconds):
            while (await request.receive())["type"] != "http.disconnect":
                pass
    except TimeoutError:
        return True
    return False


def _abandoned() -> Response:
    return Response(status_code=408)  # nobody is listening any more


def _injected(state: EmulatorState, status: int) -> Response:
    if status == 502:
        return Response(BAD_GATEWAY_PAGE, 502, headers={"content-type": "text/html"})
    limits = state.rate_limit()
    if status == 429:
        return _quota_exceeded(RateLimit(limits.limit, 0, limits.reset))
    text = _FAULT_MESSAGES.get(status) or http.client.responses.get(status, "Error")
    return with_limits(message(status, text), limits)


def _quota_exceeded(limits: RateLimit) -> Response:
    return with_limits(message(429, "quota exceeded"), limits)
