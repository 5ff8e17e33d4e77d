"""DNSimple's JSON over HTTP, shared by the ``/v2`` and the ``/_emulator/`` routes.

Answers in DNSimple's style (compact JSON, ``{"data": ...}`` or ``{"message": ...}``, the
``X-RateLimit-*`` headers), reading a request's JSON object, and the shape of a route handler.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from dns_api.emulator.errors import DnsimpleError, Json
from dns_api.emulator.ratelimit import RateLimit
from dns_api.emulator.state import EmulatorState

JSON_MEDIA_TYPE = "application/json; charset=utf-8"

Endpoint = Callable[[Request], Awaitable[Response]]
Handler = Callable[[EmulatorState, Request], Awaitable[Response]]


class JsonResponse(Response):
    """Compact JSON with DNSimple's ``application/json; charset=utf-8``."""

    media_type = JSON_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode()


def data(payload: Any, status: int = 200) -> JsonResponse:
    """A success answer: ``{"data": payload}``."""
    return JsonResponse({"data": payload}, status)


def message(status: int, text: str) -> JsonResponse:
    """An error answer without field errors: ``{"message": text}``."""
    return JsonResponse({"message": text}, status)


def error(exc: DnsimpleError) -> JsonResponse:
    """The answer ``exc`` stands for."""
    return JsonResponse(exc.body(), exc.status)


def with_limits(response: Response, limits: RateLimit) -> Response:
    """``response`` with the ``X-RateLimit-Limit/Remaining/Reset`` headers of ``limits``."""
    response.headers["X-RateLimit-Limit"] = str(limits.limit)
    response.headers["X-RateLimit-Remaining"] = str(limits.remaining)
    response.headers["X-RateLimit-Reset"] = str(limits.reset)
    return response


async def json_object(request: Request) -> Json:
    """The request body as a JSON object (an empty body is ``{}``); 400 otherwise."""
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise DnsimpleError(400, "Invalid JSON") from None
    if not isinstance(body, dict):
        raise DnsimpleError(400, "The request body must be a JSON object")
    return body
