"""The one place where errors become HTTP replies, and where refused writes are audited.

Every reply uses the original envelope ``{"errors": [...], "meta": {"status": N}}``; each error
has a ``title``, a ``detail``, a stable ``code`` and, where a field is to blame, a ``source``.
Nothing a client sends can produce a traceback in a reply.

Every refused record write ends here, whichever layer refused it: a ``PermissionDenied`` with a
target (a grant or a global rule said no) or a ``ValidationFailed`` holding refusals (a denied
name, reported with the other problems of the input). Each is recorded as a ``record:denied``
event before the reply goes out; if the database cannot take it, the refusal is logged instead.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from dns_api.api.envelope import error_item, error_reply
from dns_api.api.metrics import count_auth_failure
from dns_api.errors import (
    AuthenticationFailed,
    DnsApiError,
    FieldProblem,
    PermissionDenied,
    StorageUnavailable,
    TooManyFailures,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamRejected,
    ValidationFailed,
)

log = logging.getLogger(__name__)

# DNSimple's field names, in the words of the original API.
UPSTREAM_FIELDS = {"content": "to", "name": "subdomain", "record_type": "domain_type"}


def source_of(problem: FieldProblem) -> dict[str, str]:
    if problem.location == "body":
        return {"pointer": "/" + problem.field}
    return {"parameter": problem.field}


def _items(exc: DnsApiError) -> list[dict[str, Any]]:
    if isinstance(exc, ValidationFailed):
        return [
            error_item(
                title=exc.title, detail=f"{p.field} {p.message}", code=exc.code, source=source_of(p)
            )
            for p in exc.problems
        ]
    items = [error_item(title=exc.title, detail=exc.detail, code=exc.code)]
    if isinstance(exc, UpstreamRejected):
        for field, messages in exc.field_errors.items():
            pointer = "/" + UPSTREAM_FIELDS.get(field, field)
            items.extend(
                error_item(
                    title=exc.title,
                    detail=f"{field} {m}",
                    code=exc.code,
                    source={"pointer": pointer},
                )
                for m in messages
            )
    return items


def _headers(exc: DnsApiError, request: Request) -> dict[str, str] | None:
    if isinstance(exc, AuthenticationFailed):
        given = request.headers.get("authorization")
        return {"WWW-Authenticate": 'Bearer error="invalid_token"' if given else "Bearer"}
    if isinstance(exc, TooManyFailures):
        return {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, UpstreamRateLimited) and exc.retry_after:
        return {"Retry-After": str(exc.retry_after)}
    return None


def refused_targets(exc: DnsApiError) -> tuple[dict[str, str], ...]:
    """The record writes ``exc`` refused (empty when it is not a refused record write)."""
    if isinstance(exc, ValidationFailed):
        return exc.refused
    if isinstance(exc, PermissionDenied) and exc.target:
        return (exc.target,)
    return ()


async def audit_refusal(request: Request, exc: DnsApiError) -> None:
    """Record the refused writes of ``exc`` for the caller of ``request``, if any."""
    targets = refused_targets(exc)
    principal = getattr(request.state, "principal", None)
    if not targets or principal is None:
        return
    try:
        await request.app.state.services.audit.refused(principal, targets, exc.detail)
    except StorageUnavailable as failure:
        log.error("refused write not audited (%s): %s", failure.detail, exc.detail)


async def handle_dns_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DnsApiError)
    await audit_refusal(request, exc)
    if isinstance(exc, AuthenticationFailed | TooManyFailures):
        count_auth_failure(request.app, exc)
    if isinstance(exc, UpstreamError):
        log.warning("%s %s: %s (%s)", request.method, request.url.path, exc.code, exc.detail)
    elif isinstance(exc, StorageUnavailable):
        log.warning("%s %s: %s (%s)", request.method, request.url.path, exc.code, exc.reason)
    elif isinstance(exc, PermissionDenied):
        principal = getattr(request.state, "principal", None)
        who = f"{principal.user} token {principal.token_id}" if principal else "?"
        log.info("denied %s %s to %s: %s", request.method, request.url.path, who, exc.detail)
    return error_reply(exc.status, _items(exc), _headers(exc, request))


async def handle_request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    items = []
    for error in exc.errors():
        location, *rest = error.get("loc", ("request",))
        field = ".".join(str(part) for part in rest) or str(location)
        source = {"pointer": "/" + field} if location == "body" else {"parameter": field}
        items.append(
            error_item(
                title="Invalid input",
                detail=f"{field} {error.get('msg', 'is invalid')}",
                code="invalid",
                source=source,
            )
        )
    return error_reply(422, items)


async def handle_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {
        404: ("Route not found", "route_not_found"),
        405: ("Method not allowed", "method_not_allowed"),
    }
    title, code = titles.get(exc.status_code, (str(exc.detail), "http_error"))
    detail = f"{request.method} {request.url.path}: {title.lower()}"
    headers = dict(exc.headers) if exc.headers else None
    index = getattr(request.app.state, "routes", None)
    if index is not None and exc.status_code == 405:
        # Every method of every route at this path (Starlette names only the first route's).
        headers = {**(headers or {}), "Allow": ", ".join(index.allowed(request.url.path))}
    elif index is not None and exc.status_code == 404 and request.url.path.endswith("/"):
        bare = request.url.path.rstrip("/")
        if bare and index.allowed(bare):
            detail += f" (no trailing slash: {bare})"
    return error_reply(
        exc.status_code, [error_item(title=title, detail=detail, code=code)], headers
    )


async def handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    item = error_item(
        title="Internal error",
        detail="An unexpected error occurred; it has been logged.",
        code="internal_error",
    )
    return error_reply(500, [item])


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DnsApiError, handle_dns_api_error)
    app.add_exception_handler(RequestValidationError, handle_request_validation)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
    app.add_exception_handler(Exception, handle_unexpected)
