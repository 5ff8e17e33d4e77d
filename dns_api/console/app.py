"""``create_console(services, source_of)``: the console as an app to mount at ``/console``."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from dns_api.api.errors import audit_refusal
from dns_api.api.source import SourceResolver
from dns_api.console.headers import SecurityHeaders
from dns_api.console.pages import auth, history, operations, records, tokens
from dns_api.console.templating import render
from dns_api.errors import DnsApiError, SignInRequired, StorageUnavailable
from dns_api.services.container import Services

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
MOUNTED_AT = "/console"


def create_console(services: Services, source_of: SourceResolver) -> FastAPI:
    console = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, redirect_slashes=False)
    console.state.services = services
    console.state.source_of = source_of
    console.state.mounted_at = MOUNTED_AT  # for the access log's and metrics' route templates
    for module in (auth, records, history, tokens, operations):
        console.include_router(module.router)
    console.mount("/static", StaticFiles(directory=STATIC), name="static")
    console.add_exception_handler(SignInRequired, _to_sign_in)
    console.add_exception_handler(DnsApiError, _error_page)
    console.add_exception_handler(HTTPException, _http_error_page)
    console.add_middleware(SecurityHeaders)
    return console


async def _to_sign_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    target = "/console/sign-in"
    if exc.detail != exc.title:
        target += "?ended=1"
    return RedirectResponse(target, status_code=303)


async def _error_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DnsApiError)
    await audit_refusal(request, exc)  # a refused record write is audited, as in the API
    if isinstance(exc, StorageUnavailable):
        log.error("console: %s", exc)
    status = exc.status if 400 <= exc.status < 600 else 500
    principal = getattr(request.state, "principal", None)
    return render(
        request,
        "error.html",
        principal=principal,
        status=status,
        title=exc.title,
        detail=exc.detail,
    )


_HTTP_TITLES = {404: "Not found", 405: "Method not allowed"}


async def _http_error_page(request: Request, exc: Exception) -> Response:
    """Routing errors (no such page, wrong method) as pages too."""
    assert isinstance(exc, HTTPException)
    title = _HTTP_TITLES.get(exc.status_code, "Error")
    detail = "There is no such page." if exc.status_code == 404 else str(exc.detail)
    principal = getattr(request.state, "principal", None)
    response = render(
        request,
        "error.html",
        principal=principal,
        status=exc.status_code,
        title=title,
        detail=detail,
    )
    response.headers.update(exc.headers or {})
    return response
