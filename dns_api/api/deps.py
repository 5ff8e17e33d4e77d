"""Request dependencies: the services, the caller, the JSON body."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError

from dns_api.api.authentication import authenticate, credentials, source_address
from dns_api.domain.policy import Principal
from dns_api.errors import FieldProblem, ValidationFailed
from dns_api.services.audit import act_as
from dns_api.services.container import Services

MAX_BODY_BYTES = 64 * 1024

_bearer = HTTPBearer(auto_error=False, description="A dns-api token (see `dns-api token print`).")

ModelT = TypeVar("ModelT", bound=BaseModel)


# Dependencies are ``async def`` even when they do not wait: FastAPI runs a plain ``def``
# dependency on a worker thread, a hop that costs more than the work.


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def current_principal(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The authenticated caller (``_credentials`` only documents the scheme in OpenAPI)."""
    principal = await authenticate(request)
    request.state.principal = principal  # for the log line of a denial, and its audit
    act_as(principal, source_address(request), request_id_of(request))  # who the audit names
    return principal


def protocol_caller(protocol: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency for a protocol endpoint: the caller by Bearer or HTTP Basic (the token as
    the password); the audit trail names the protocol and the Basic username."""

    async def caller(request: Request) -> Principal:
        principal = await authenticate(request, basic=True)
        username = credentials(request, basic=True).username
        via = f"{protocol} as {username}" if username else protocol
        request.state.principal = principal
        act_as(principal, source_address(request), request_id_of(request), via)
        return principal

    return caller


def request_id_of(request: Request) -> str | None:
    request_id: str | None = getattr(request.state, "request_id", None)
    return request_id


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def decimal_id(raw: str) -> int | None:
    """A resource id from a path: ASCII digits only (``"²"`` and ``"١٢"`` are not ids)."""
    if raw.isascii() and raw.isdecimal() and len(raw) <= 18:
        return int(raw)
    return None


async def read_body(request: Request) -> bytes:
    """The body, refused as soon as it passes ``MAX_BODY_BYTES`` (chunked bodies too)."""
    too_big = ValidationFailed([FieldProblem("body", f"must be at most {MAX_BODY_BYTES} bytes")])
    declared = decimal_id(request.headers.get("content-length", "0"))
    if declared is not None and declared > MAX_BODY_BYTES:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object, whatever Content-Type curl sent; ``{}`` when empty."""
    raw = await read_body(request)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ValidationFailed([FieldProblem("body", "is not valid JSON")]) from None
    if not isinstance(data, dict):
        raise ValidationFailed([FieldProblem("body", "must be a JSON object")])
    where = _nul_in(data, "")
    if where is not None:
        # No text in dns-api holds one, and PostgreSQL cannot store one: refused at the edge.
        raise ValidationFailed([FieldProblem(where or "body", "must not contain a NUL character")])
    return data


def _nul_in(value: Any, pointer: str) -> str | None:
    """The JSON pointer (without its leading ``/``) of the first string holding U+0000."""
    if isinstance(value, str):
        return pointer if "\x00" in value else None
    items: Any = ()
    if isinstance(value, dict):
        items = value.items()
        if any("\x00" in key for key in value):
            return pointer or "body"
    elif isinstance(value, list):
        items = enumerate(value)
    for key, item in items:
        found = _nul_in(item, f"{pointer}/{key}" if pointer else str(key))
        if found is not None:
            return found
    return None


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_body(model: type[ModelT], data: dict[str, Any]) -> ModelT:
    """Validate ``data`` against ``model``; every problem names its field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            FieldProblem("/".join(str(p) for p in error["loc"]) or "body", error["msg"].lower())
            for error in exc.errors()
        ]
        raise ValidationFailed(problems) from None


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI ``requestBody`` for a route that reads its body with ``read_json_object``."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


async def dry_run_flag(
    dry_run: Annotated[
        str | None,
        Query(description="`true`: work out and return the changes without making them."),
    ] = None,
) -> bool:
    if dry_run is None or dry_run.strip().lower() in _FALSE:
        return False
    if dry_run.strip().lower() in _TRUE:
        return True
    raise ValidationFailed([FieldProblem("dry_run", "must be true or false", "query")])


DryRunDep = Annotated[bool, Depends(dry_run_flag)]
