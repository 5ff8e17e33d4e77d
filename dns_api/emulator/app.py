"""The DNSimple API v2 emulator as a Starlette application.

Every ``/v2`` request, routed or not, goes through one pipeline (``_serve_v2``)::

    count the call -> latency -> injected fault? -> Bearer auth (401)
        -> spend one unit of the hourly budget (429 once spent) -> the operation
        -> X-RateLimit-* headers

Routing errors (unknown path, wrong method) skip auth and the budget but are counted
(operations ``routeNotFound`` and ``methodNotAllowed``) and carry the rate-limit headers.
The control endpoints under ``/_emulator/`` are never authenticated, counted, rate-limited or
faulted. Behaviour follows DNSimple's fixtures; see ``API-NOTES.md`` for where it is a choice.
"""

from __future__ import annotations

import asyncio
import hmac
import http.client
import json
import math
from collections.abc import Awaitable, Callable, Mapping
from operator import itemgetter
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, Router

from dns_api.emulator.state import HANG, DnsimpleError, EmulatorState, Faults, Json, RateLimit
from dns_api.emulator.state import not_found as _not_found

JSON_MEDIA_TYPE = "application/json; charset=utf-8"
BAD_GATEWAY_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
    b'<body bgcolor="white">\r\n<center><h1>502 Bad Gateway</h1></center>\r\n'
    b"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
"""nginx's page, byte for byte (CRLF, 166 bytes, as the recorded content-length says)."""
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
_FAULT_MESSAGES = {
    500: "Internal server error",
    503: "Service temporarily unavailable",
    504: "Gateway timeout",
}

Endpoint = Callable[[Request], Awaitable[Response]]
Handler = Callable[[EmulatorState, Request], Awaitable[Response]]
Perform = Callable[[], Awaitable[Response]]
ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]


class JsonResponse(Response):
    """Compact JSON with DNSimple's ``application/json; charset=utf-8``."""

    media_type = JSON_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode()


def create_emulator_app(state: EmulatorState) -> Starlette:
    """The emulator over ``state``: DNSimple's ``/v2`` routes plus ``/_emulator/`` controls."""
    v2 = Router(routes=_v2_routes(state), redirect_slashes=False)
    app = Starlette(
        routes=[Mount("/v2", app=v2), *_control_routes(state)],
        exception_handlers={HTTPException: _routing_error_handler(state)},
    )
    app.router.redirect_slashes = False
    return app


# -- the /v2 pipeline ----------------------------------------------------------------------------


async def _serve_v2(
    state: EmulatorState,
    request: Request,
    operation: str,
    perform: Perform,
    *,
    authenticate: bool = True,
) -> Response:
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


async def _guarded(state: EmulatorState, request: Request, perform: Perform) -> Response:
    if not _authenticated(state, request):
        return _with_limits(_message(401, "Authentication failed"), state.rate_limit())
    allowed, limits = state.spend_request()
    if not allowed:
        return _quota_exceeded(limits)
    try:
        response = await perform()
    except DnsimpleError as exc:
        response = _error(exc)
    return _with_limits(response, limits)


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
    message = _FAULT_MESSAGES.get(status) or http.client.responses.get(status, "Error")
    return _with_limits(_message(status, message), limits)


def _quota_exceeded(limits: RateLimit) -> Response:
    return _with_limits(_message(429, "quota exceeded"), limits)


def _with_limits(response: Response, limits: RateLimit) -> Response:
    response.headers["X-RateLimit-Limit"] = str(limits.limit)
    response.headers["X-RateLimit-Remaining"] = str(limits.remaining)
    response.headers["X-RateLimit-Reset"] = str(limits.reset)
    return response


def _message(status: int, message: str) -> JsonResponse:
    return JsonResponse({"message": message}, status)


def _error(exc: DnsimpleError) -> JsonResponse:
    return JsonResponse(exc.body(), exc.status)


def _data(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse({"data": data}, status)


# -- routing ---------------------------------------------------------------------------------


def _v2_routes(state: EmulatorState) -> list[BaseRoute]:
    records = "/{account}/zones/{zone}/records"
    table: list[tuple[str, dict[str, tuple[str, Handler]]]] = [
        ("/whoami", {"GET": ("whoami", _whoami)}),
        ("/accounts", {"GET": ("listAccounts", _list_accounts)}),
        ("/{account}/zones", {"GET": ("listZones", _list_zones)}),
        ("/{account}/zones/{zone}", {"GET": ("getZone", _get_zone)}),
        (
            records,
            {"GET": ("listZoneRecords", _list_records), "POST": ("createZoneRecord", _create)},
        ),
        (
            records + "/{record}",
            {
                "GET": ("getZoneRecord", _get_record),
                "PATCH": ("updateZoneRecord", _update),
                "DELETE": ("deleteZoneRecord", _delete),
            },
        ),
    ]
    return [Route(path, _v2_endpoint(state, ops), methods=list(ops)) for path, ops in table]


def _v2_endpoint(state: EmulatorState, operations: Mapping[str, tuple[str, Handler]]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        operation, handler = operations["GET" if request.method == "HEAD" else request.method]
        return await _serve_v2(state, request, operation, lambda: handler(state, request))

    return endpoint


def _routing_error_handler(state: EmulatorState) -> ErrorHandler:
    async def handler(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        response = _routing_error(exc)
        path = request.url.path
        if path != "/v2" and not path.startswith("/v2/"):
            return response
        operation = "methodNotAllowed" if exc.status_code == 405 else "routeNotFound"

        async def perform() -> Response:
            return _with_limits(response, state.rate_limit())

        return await _serve_v2(state, request, operation, perform, authenticate=False)

    return handler


def _routing_error(exc: HTTPException) -> Response:
    if exc.status_code == 405:
        allowed = sorted(m.strip() for m in (exc.headers or {}).get("Allow", "").split(","))
        return Response(status_code=405, headers={"Allow": ", ".join(allowed)})
    if exc.status_code == 404:
        return _message(404, "Not Found")
    return _message(exc.status_code, exc.detail)


# -- /v2 operations ----------------------------------------------------------------------------


async def _whoami(state: EmulatorState, request: Request) -> Response:
    return _data({"user": None, "account": state.account})


async def _list_accounts(state: EmulatorState, request: Request) -> Response:
    return _data([state.account])


async def _list_zones(state: EmulatorState, request: Request) -> Response:
    _check_account(state, request)
    like = request.query_params.get("name_like", "").lower()
    zones = [zone for zone in state.zones() if like in zone["name"]]
    return _list(zones, request.query_params, ("id", "name"), "name:asc")


async def _get_zone(state: EmulatorState, request: Request) -> Response:
    _check_account(state, request)
    return _data(state.get_zone(request.path_params["zone"]))


async def _list_records(state: EmulatorState, request: Request) -> Response:
    _check_account(state, request)
    query = request.query_params
    records = [r for r in state.records(request.path_params["zone"]) if _matches(r, query)]
    return _list(records, query, ("id", "name", "content", "type"), "id:asc")


async def _create(state: EmulatorState, request: Request) -> Response:
    _check_account(state, request)
    body = await _json_object(request)
    return _data(state.create_record(request.path_params["zone"], body), 201)


async def _get_record(state: EmulatorState, request: Request) -> Response:
    _check_account(state, request)
    params = request.path_params
    return _data(state.get_record(params["zone"], params["record"]))


async def _update(state: EmulatorState, request: Request) -> Response:
    _check_account(state, request)
    params, body = request.path_params, await _json_object(request)
    return _data(state.update_record(params["zone"], params["record"], body))


async def _delete(state: EmulatorState, request: Request) -> Response:
    _check_account(state, request)
    state.delete_record(request.path_params["zone"], request.path_params["record"])
    return Response(status_code=204)


def _check_account(state: EmulatorState, request: Request) -> None:
    account = request.path_params["account"]
    if account != str(state.account_id):
        raise _not_found("Account", account)


async def _json_object(request: Request) -> Json:
    raw = await request.body()
    try:
        data = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise DnsimpleError(400, "Invalid JSON") from None
    if not isinstance(data, dict):
        raise DnsimpleError(400, "The request body must be a JSON object")
    return data


# -- listing: filters, sort, pagination -----------------------------------------------------


def _matches(record: Json, query: QueryParams) -> bool:
    """``name`` exact (``name=`` is the apex), ``name_like`` substring, ``type`` exact; no case."""
    name, like, rtype = query.get("name"), query.get("name_like"), query.get("type")
    return (
        (name is None or record["name"] == name.lower())
        and (like is None or like.lower() in record["name"])
        and (rtype is None or record["type"] == rtype.upper())
    )


def _list(items: list[Json], query: QueryParams, fields: tuple[str, ...], default: str) -> Response:
    items = _sorted(items, query.get("sort") or default, fields)
    per_page = min(_positive_int(query.get("per_page"), DEFAULT_PER_PAGE), MAX_PER_PAGE)
    page = _positive_int(query.get("page"), 1)
    start = (page - 1) * per_page
    pagination = {
        "current_page": page,
        "per_page": per_page,
        "total_entries": len(items),
        "total_pages": math.ceil(len(items) / per_page),
    }
    return JsonResponse({"data": items[start : start + per_page], "pagination": pagination})


def _sorted(items: list[Json], spec: str, fields: tuple[str, ...]) -> list[Json]:
    """Sort by ``field:asc|desc[,...]``, the first field most significant (stable sorts)."""
    keys = [_sort_key(part, fields) for part in spec.split(",")]
    for field, descending in reversed(keys):
        items = sorted(items, key=itemgetter(field), reverse=descending)
    return items


def _sort_key(part: str, fields: tuple[str, ...]) -> tuple[str, bool]:
    field, _, direction = part.strip().partition(":")
    direction = direction.lower() or "asc"
    if field not in fields or direction not in ("asc", "desc"):
        raise DnsimpleError(400, f"Invalid sorting policy `{part}`")
    return field, direction == "desc"


def _positive_int(raw: str | None, default: int) -> int:
    if raw is None or not raw.isdigit() or not raw.isascii() or int(raw) < 1:
        return default
    return int(raw)


# -- /_emulator control endpoints ---------------------------------------------------------------


def _control_routes(state: EmulatorState) -> list[BaseRoute]:
    table: list[tuple[str, Handler, list[str]]] = [
        ("/calls", _calls, ["GET"]),
        ("/reset", _reset, ["POST"]),
        ("/faults", _faults, ["GET", "PUT"]),
        ("/fail-next", _fail_next, ["POST"]),
        ("/rate-limit", _rate_limit, ["GET", "PUT"]),
        ("/zones", _add_zone, ["POST"]),
        ("/zones/{zone}/records", _dump_records, ["GET"]),
    ]
    return [
        Route("/_emulator" + path, _control(state, handler), methods=methods)
        for path, handler, methods in table
    ]


def _control(state: EmulatorState, handler: Handler) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(state, request)
        except DnsimpleError as exc:
            return _error(exc)
        except (ValueError, TypeError, KeyError) as exc:
            return _message(400, f"Invalid control request: {exc}")

    return endpoint


async def _calls(state: EmulatorState, request: Request) -> Response:
    return JsonResponse(state.calls_snapshot())


async def _reset(state: EmulatorState, request: Request) -> Response:
    state.reset()
    return Response(status_code=204)


async def _faults(state: EmulatorState, request: Request) -> Response:
    if request.method == "PUT":
        wanted = Faults(**await _json_object(request))
        state.set_faults(
            latency_ms=wanted.latency_ms,
            failure_rates=wanted.failure_rates,
            hang_rate=wanted.hang_rate,
            hang_seconds=wanted.hang_seconds,
        )
    return JsonResponse(state.faults.to_json())


async def _fail_next(state: EmulatorState, request: Request) -> Response:
    body = await _json_object(request)
    state.fail_next(
        int(body["status"]),
        int(body.get("count", 1)),
        method=body.get("method"),
        after_apply=bool(body.get("after_apply", False)),
    )
    return Response(status_code=204)


async def _rate_limit(state: EmulatorState, request: Request) -> Response:
    if request.method == "PUT":
        limits = state.set_rate_limit_remaining(int((await _json_object(request))["remaining"]))
    else:
        limits = state.rate_limit()
    return JsonResponse(
        {"limit": limits.limit, "remaining": limits.remaining, "reset": limits.reset}
    )


async def _add_zone(state: EmulatorState, request: Request) -> Response:
    body = await _json_object(request)
    return _data(state.add_zone(str(body["name"])))


async def _dump_records(state: EmulatorState, request: Request) -> Response:
    return _data(state.records(request.path_params["zone"]))
