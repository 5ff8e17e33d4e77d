"""The DNSimple API v2 emulator as a Starlette application: the ``/v2`` routes and operations.

Every ``/v2`` request, routed or not, goes through ``pipeline.serve_v2`` (count, faults, auth,
hourly budget). Routing errors (unknown path, wrong method) skip auth and the budget but are
counted (operations ``routeNotFound`` and ``methodNotAllowed``); like DNSimple's recorded 404
and 405 they carry no rate-limit headers. Every zone is also a domain (``listDomains``,
``getDomain``). The control endpoints under ``/_emulator/`` live in ``control``. Behaviour
follows DNSimple's fixtures and docs; ``docs/emulator.md`` gives the source of each rule and
says where it is a choice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, Router

from dns_api.emulator.control import control_routes
from dns_api.emulator.errors import not_found
from dns_api.emulator.pipeline import BAD_GATEWAY_PAGE, serve_v2
from dns_api.emulator.query import (
    DEFAULT_PER_PAGE,
    DOMAIN_SORTS,
    MAX_PER_PAGE,
    RECORD_SORTS,
    ZONE_SORTS,
    filter_domains,
    filter_records,
    filter_zones,
    page_of,
)
from dns_api.emulator.responses import (
    JSON_MEDIA_TYPE,
    Endpoint,
    Handler,
    JsonResponse,
    data,
    json_object,
    message,
)
from dns_api.emulator.state import EmulatorState

__all__ = [  # what this module has always offered; the helpers now live next door
    "BAD_GATEWAY_PAGE",
    "DEFAULT_PER_PAGE",
    "JSON_MEDIA_TYPE",
    "MAX_PER_PAGE",
    "JsonResponse",
    "create_emulator_app",
]

ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]


def create_emulator_app(state: EmulatorState) -> Starlette:
    """The emulator over ``state``: DNSimple's ``/v2`` routes plus ``/_emulator/`` controls."""
    v2 = Router(routes=_v2_routes(state), redirect_slashes=False)
    app = Starlette(
        routes=[Mount("/v2", app=v2), *control_routes(state)],
        exception_handlers={HTTPException: _routing_error_handler(state)},
    )
    app.router.redirect_slashes = False
    return app


# -- routing ---------------------------------------------------------------------------------


def _v2_routes(state: EmulatorState) -> list[BaseRoute]:
    records = "/{account}/zones/{zone}/records"
    table: list[tuple[str, dict[str, tuple[str, Handler]]]] = [
        ("/whoami", {"GET": ("whoami", _whoami)}),
        ("/accounts", {"GET": ("listAccounts", _list_accounts)}),
        ("/{account}/domains", {"GET": ("listDomains", _list_domains)}),
        ("/{account}/domains/{domain}", {"GET": ("getDomain", _get_domain)}),
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
        ("/{account}/zones/{zone}/batch", {"POST": ("batchChangeZoneRecords", _batch)}),
    ]
    return [Route(path, _v2_endpoint(state, ops), methods=list(ops)) for path, ops in table]


def _v2_endpoint(state: EmulatorState, operations: Mapping[str, tuple[str, Handler]]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        operation, handler = operations["GET" if request.method == "HEAD" else request.method]
        return await serve_v2(state, request, operation, lambda: handler(state, request))

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
            return response

        return await serve_v2(state, request, operation, perform, authenticate=False)

    return handler


def _routing_error(exc: HTTPException) -> Response:
    if exc.status_code == 405:
        allowed = sorted(m.strip() for m in (exc.headers or {}).get("Allow", "").split(","))
        return Response(status_code=405, headers={"Allow": ", ".join(allowed)})
    if exc.status_code == 404:
        return message(404, "Not Found")
    return message(exc.status_code, exc.detail)


# -- /v2 operations ----------------------------------------------------------------------------


async def _whoami(state: EmulatorState, request: Request) -> Response:
    return data({"user": None, "account": state.account})


async def _list_accounts(state: EmulatorState, request: Request) -> Response:
    return data([state.account])


async def _list_domains(state: EmulatorState, request: Request) -> Response:
    _check_account(state, request)
    query = request.query_params
    domains = filter_domains(state.domains(), query)
    return JsonResponse(page_of(domains, query, DOMAIN_SORTS, "name:asc"))


async def _get_domain(state: EmulatorState, request: Request) -> Response:
    _check_account(state, request)
    return data(state.get_domain(request.path_params["domain"]))


async def _list_zones(state: EmulatorState, request: Request) -> Response:
    _check_account(state, request)
    query = request.query_params
    zones = filter_zones(state.zones(), query)
    return JsonResponse(page_of(zones, query, ZONE_SORTS, "name:asc"))


async def _get_zone(state: EmulatorState, request: Request) -> Response:
    _check_account(state, request)
    return data(state.get_zone(request.path_params["zone"]))


async def _list_records(state: EmulatorState, request: Request) -> Response:
    _check_account(state, request)
    query = request.query_params
    records = filter_records(state.records(request.path_params["zone"]), query)
    return JsonResponse(page_of(records, query, RECORD_SORTS, "id:asc"))


async def _create(state: EmulatorState, request: Request) -> Response:
    _check_account(state, request)
    body = await json_object(request)
    return data(state.create_record(request.path_params["zone"], body), 201)


async def _get_record(state: EmulatorState, request: Request) -> Response:
    _check_account(state, request)
    params = request.path_params
    return data(state.get_record(params["zone"], params["record"]))


async def _update(state: EmulatorState, request: Request) -> Response:
    _check_account(state, request)
    params, body = request.path_params, await json_object(request)
    return data(state.update_record(params["zone"], params["record"], body))


async def _delete(state: EmulatorState, request: Request) -> Response:
    _check_account(state, request)
    state.delete_record(request.path_params["zone"], request.path_params["record"])
    return Response(status_code=204)


async def _batch(state: EmulatorState, request: Request) -> Response:
    _check_account(state, request)
    body = await json_object(request)
    return data(state.apply_batch(request.path_params["zone"], body))


def _check_account(state: EmulatorState, request: Request) -> None:
    account = request.path_params["account"]
    if account != str(state.account_id):
        raise not_found("Account", account)
