"""The ``/_emulator/`` control routes: what tests and demos use to inspect and steer the account.

Never authenticated, counted, rate-limited or faulted. A bad control request is a 400
``Invalid control request: ...``; DNSimple errors (an unknown zone) keep their own answer.
"""

from __future__ import annotations

from dataclasses import asdict

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dns_api.emulator.errors import DnsimpleError
from dns_api.emulator.faults import Faults
from dns_api.emulator.responses import (
    Endpoint,
    Handler,
    JsonResponse,
    data,
    error,
    json_object,
    message,
)
from dns_api.emulator.state import EmulatorState


def control_routes(state: EmulatorState) -> list[BaseRoute]:
    """The routes under ``/_emulator`` over ``state``."""
    table: list[tuple[str, Handler, list[str]]] = [
        ("/calls", _calls, ["GET"]),
        ("/reset", _reset, ["POST"]),
        ("/faults", _faults, ["GET", "PUT"]),
        ("/fail-next", _fail_next, ["POST"]),
        ("/rate-limit", _rate_limit, ["GET", "PUT"]),
        ("/features", _features, ["GET", "PUT"]),
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
            return error(exc)
        except (ValueError, TypeError, KeyError) as exc:
            return message(400, f"Invalid control request: {exc}")

    return endpoint


async def _calls(state: EmulatorState, request: Request) -> Response:
    return JsonResponse(state.calls_snapshot())


async def _reset(state: EmulatorState, request: Request) -> Response:
    state.reset()
    return Response(status_code=204)


async def _faults(state: EmulatorState, request: Request) -> Response:
    if request.method == "PUT":
        wanted = Faults(**await json_object(request))
        state.set_faults(
            latency_ms=wanted.latency_ms,
            failure_rates=wanted.failure_rates,
            hang_rate=wanted.hang_rate,
            hang_seconds=wanted.hang_seconds,
            after_apply_share=wanted.after_apply_share,
        )
    return JsonResponse(state.faults.to_json())


async def _fail_next(state: EmulatorState, request: Request) -> Response:
    body = await json_object(request)
    state.fail_next(
        int(body["status"]),
        int(body.get("count", 1)),
        method=body.get("method"),
        after_apply=bool(body.get("after_apply", False)),
    )
    return Response(status_code=204)


async def _rate_limit(state: EmulatorState, request: Request) -> Response:
    if request.method == "PUT":
        limits = state.set_rate_limit_remaining(int((await json_object(request))["remaining"]))
    else:
        limits = state.rate_limit()
    return JsonResponse(asdict(limits))


async def _features(state: EmulatorState, request: Request) -> Response:
    """The plan's features: ``{"batch_enabled": bool}``; a PUT sets every one (default True)."""
    if request.method == "PUT":
        body = await json_object(request)
        unknown = sorted(set(body) - {"batch_enabled"})
        if unknown:
            raise ValueError(f"unknown features {unknown}")
        enabled = body.get("batch_enabled", True)
        if not isinstance(enabled, bool):
            raise TypeError("batch_enabled must be true or false")
        state.batch_enabled = enabled
    return JsonResponse({"batch_enabled": state.batch_enabled})


async def _add_zone(state: EmulatorState, request: Request) -> Response:
    body = await json_object(request)
    return data(state.add_zone(str(body["name"])))


async def _dump_records(state: EmulatorState, request: Request) -> Response:
    return data(state.records(request.path_params["zone"]))
