"""``/acme/httpreq``: lego's ``httpreq`` and acme.sh's ``acmeproxy`` (Caddy's too).

``POST /acme/httpreq/present`` adds the challenge value to the TXT set at its name (a wildcard
and its base name send two values for one name: both are kept); ``POST .../cleanup`` removes
only the value it names, and the record with it when it was the last. Both answer 200 with
``{"fqdn", "value"}`` as received, which every one of those clients accepts. Credentials: HTTP
Basic with a dns-api token as the password (the username is free text, named in the audit
trail), or a Bearer token. Errors use the API's envelope; any status of 400 or more is a
failure to these clients.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from dns_api.api.deps import ServicesDep, protocol_caller, read_json_object
from dns_api.api.replies import errors
from dns_api.domain.challenges import read_challenge
from dns_api.domain.policy import Principal
from dns_api.domain.rrsets import SetEdit
from dns_api.services.rrsets import SetRequest

router = APIRouter(prefix="/acme/httpreq", tags=["protocols"])

Caller = Annotated[Principal, Depends(protocol_caller("httpreq"))]
RESPONSES = {
    200: {"description": "Done: the fqdn and value as received"},
    **errors(401, 403, 409, 422, 429, 502, 503, 504),
}
BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": 'Either {"fqdn", "value"} or, RAW mode, '
                    '{"domain", "token", "keyAuth"}; keys in any case',
                }
            }
        },
    }
}


async def _edit(
    request: Request, services: ServicesDep, principal: Principal, *, add: bool
) -> JSONResponse:
    challenge = read_challenge(await read_json_object(request), services.rules.zones)
    edit = SetEdit(add=challenge.content) if add else SetEdit(remove=challenge.content)
    await services.record_sets.change(principal, [SetRequest(challenge.key, None, edit=edit)])
    return JSONResponse({"fqdn": challenge.fqdn, "value": challenge.value})


@router.post(
    "/present", summary="Add an ACME challenge value", responses=RESPONSES, openapi_extra=BODY
)
async def present(request: Request, principal: Caller, services: ServicesDep) -> JSONResponse:
    return await _edit(request, services, principal, add=True)


@router.post(
    "/cleanup", summary="Remove an ACME challenge value", responses=RESPONSES, openapi_extra=BODY
)
async def cleanup(request: Request, principal: Caller, services: ServicesDep) -> JSONResponse:
    return await _edit(request, services, principal, add=False)
