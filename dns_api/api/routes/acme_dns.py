"""``/acme-dns``: the acme-dns API (``ACME_DNS_API_BASE=https://<host>/acme-dns``).

``POST /acme-dns/register`` and ``POST /acme-dns/update`` answer as upstream acme-dns does, so
lego, certbot-dns-multi, cert-manager and acme.sh work unchanged: 201 with the new account, 200
``{"txt"}``, 401 ``{"error": "forbidden"}`` for bad credentials, a source outside ``allowfrom``
or another subdomain, 400 ``{"error": "bad_txt"}`` and the like for bad input, 404 when
registration is off. The two newest values of a name are kept, as acme-dns keeps them. Admins
list and revoke registrations under ``/acme-dns/registrations`` (the API's envelope there).
See ``services.acme_dns`` for who may register and what a registration may do.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from dns_api.api.authentication import authenticate, source_address
from dns_api.api.deps import (
    PrincipalDep,
    ServicesDep,
    decimal_id,
    read_body,
    read_json_object,
    request_id_of,
)
from dns_api.api.envelope import reply
from dns_api.api.errors import audit_refusal
from dns_api.api.replies import errors
from dns_api.db.audit import Actor
from dns_api.domain.policy import Principal
from dns_api.domain.rdata import parse_value
from dns_api.domain.rrsets import SetEdit
from dns_api.errors import AuthenticationFailed, DnsApiError, NotFound
from dns_api.services.access import require_admin
from dns_api.services.acme_dns import Registration, new_label, parse_allowfrom
from dns_api.services.audit import act_as, acting
from dns_api.services.container import Services
from dns_api.services.rrsets import SetRequest
from dns_api.views import timestamp

log = logging.getLogger(__name__)

router = APIRouter(prefix="/acme-dns", tags=["protocols"])

_TXT = re.compile(r"[A-Za-z0-9_-]{43}")  # an ACME DNS-01 value: base64url of a SHA-256
KEEP_NEWEST = 2
ACME_DNS_ANSWERS: dict[int | str, dict[str, Any]] = {
    code: {"description": f'acme-dns\' {{"error": ...}} ({why})'}
    for code, why in ((400, "bad input"), (401, "forbidden"), (404, "registration off"))
}


def _error(status: int, error: str) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status)


async def _optional_json(request: Request) -> Any:
    """The body as JSON; ``None`` when empty (acme-dns clients send nothing, or ``null``)."""
    raw = await read_body(request)
    return json.loads(raw) if raw.strip() else None


@router.post(
    "/register",
    summary="Register an acme-dns account",
    responses={201: {"description": "The new account"}, **ACME_DNS_ANSWERS},
)
async def register(request: Request, services: ServicesDep) -> JSONResponse:
    acme = services.acme_dns
    if acme.config is None or acme.config.registration == "off":
        return _error(404, "registration_disabled")
    try:
        body = await _optional_json(request)
    except (ValueError, DnsApiError):
        return _error(400, "malformed_json_payload")
    try:
        allowfrom = parse_allowfrom(body.get("allowfrom") if isinstance(body, dict) else None)
    except ValueError:
        return _error(400, "invalid_allowfrom_cidr")
    principal = await _registrar(request) if acme.config.registration == "token" else None
    source, label = source_address(request), new_label()
    if not acme.may_register(principal, source, label):
        log.info("acme-dns registration refused from %s", source)
        return _error(401, "forbidden")
    who = principal.user if principal else f"anonymous from {source}"
    actor = Actor(who, principal.token_id if principal else None, source, request_id_of(request))
    with acting(actor):
        account = await acme.register(label, allowfrom, who)
    return JSONResponse(_account_json(account), status_code=201)


async def _registrar(request: Request) -> Principal | None:
    try:
        return await authenticate(request)
    except DnsApiError:
        return None


@router.post(
    "/update",
    summary="Set the TXT value of an acme-dns account's name",
    responses={200: {"description": '{"txt": ...}'}, **ACME_DNS_ANSWERS},
)
async def update(request: Request, services: ServicesDep) -> JSONResponse:
    source = source_address(request)
    try:
        account = await services.acme_dns.account(
            request.headers.get("x-api-user", ""), request.headers.get("x-api-key", ""), source
        )
    except AuthenticationFailed as exc:
        return _forbidden(services, source, exc.reason)
    fields = await _update_fields(request)
    if fields.get("subdomain") != account.subdomain:
        return _forbidden(services, source, f"acme-dns account {account.id}: another subdomain")
    txt = fields.get("txt")
    if not isinstance(txt, str) or not _TXT.fullmatch(txt):
        return _error(400, "bad_txt")
    return await _set_txt(request, services, account, txt)


def _forbidden(services: Services, source: str | None, reason: str) -> JSONResponse:
    log.info("acme-dns update refused from %s: %s", source, reason)
    with contextlib.suppress(DnsApiError):  # throttled: the answer is the same
        services.authenticator.failed(source)
    return _error(401, "forbidden")


async def _update_fields(request: Request) -> dict[str, Any]:
    try:
        body = await read_json_object(request)
    except DnsApiError:
        return {}
    return {str(key).lower(): value for key, value in body.items()}


async def _set_txt(
    request: Request, services: Services, account: Registration, txt: str
) -> JSONResponse:
    acme = services.acme_dns
    assert acme.config is not None
    principal = acme.principal(account)
    request.state.principal = principal
    act_as(principal, source_address(request), request_id_of(request), "acme-dns")
    edit = SetEdit(add=parse_value("TXT", txt), keep_newest=KEEP_NEWEST)
    key = acme.config.key_of(account.subdomain)
    try:
        await services.record_sets.change(principal, [SetRequest(key, None, edit=edit)])
    except DnsApiError as exc:
        await audit_refusal(request, exc)
        return _error(exc.status, exc.code)
    return JSONResponse({"txt": txt})


def _account_json(account: Registration) -> dict[str, Any]:
    data: dict[str, Any] = {"username": account.username}
    if account.key is not None:
        data["password"] = account.key
    return data | {
        "fulldomain": account.fulldomain,
        "subdomain": account.subdomain,
        "allowfrom": list(account.allowfrom),
    }


def _registration_json(account: Registration) -> dict[str, Any]:
    return {
        "id": account.id,
        **_account_json(account),
        "created": timestamp(account.created_at),
        "created_by": account.created_by,
        "revoked": timestamp(account.revoked_at) if account.revoked_at else None,
    }


def _require_admin(principal: Principal) -> None:
    require_admin(principal, "list or revoke acme-dns registrations")


@router.get(
    "/registrations",
    summary="Every acme-dns registration (admins)",
    responses=errors(401, 403, 429, 503),
)
async def registrations(principal: PrincipalDep, services: ServicesDep) -> JSONResponse:
    _require_admin(principal)
    found = await services.acme_dns.every_registration()
    return reply([_registration_json(r) for r in found])


@router.delete(
    "/registrations/{registration_id}",
    summary="Revoke an acme-dns registration (admins)",
    responses=errors(401, 403, 404, 429, 503),
)
async def revoke(
    registration_id: str, principal: PrincipalDep, services: ServicesDep
) -> JSONResponse:
    _require_admin(principal)
    number = decimal_id(registration_id)
    if number is None:
        raise NotFound(f"acme-dns registration {registration_id} not found")
    revoked = await services.acme_dns.revoke(number, principal.user)
    return reply(_registration_json(revoked))
