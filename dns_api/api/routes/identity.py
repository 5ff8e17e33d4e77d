"""Who the caller is and what this deployment manages."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from dns_api.api.deps import PrincipalDep, ServicesDep
from dns_api.api.envelope import reply
from dns_api.api.replies import READING, DomainsReply, WhoamiReply, ok
from dns_api.views import principal_json

router = APIRouter(tags=["identity"])


# POST too: the original README calls it with `curl -X POST`.
@router.get("/whoami", summary="The authenticated user", responses=ok(WhoamiReply) | READING)
@router.post(
    "/whoami", summary="The authenticated user (alias of GET)", responses=ok(WhoamiReply) | READING
)
async def whoami(principal: PrincipalDep) -> JSONResponse:
    return reply({"id": principal.user, "type": "user", "token": principal_json(principal)})


@router.get(
    "/domains",
    summary="Zones that can be managed, and denied subdomains",
    responses=ok(DomainsReply) | READING,
)
async def domains(principal: PrincipalDep, services: ServicesDep) -> JSONResponse:
    settings = services.settings
    data = [{"id": zone, "type": "domain"} for zone in settings.dnsimple_domains]
    data += [
        {"id": name, "type": "blacklisted_subdomain"} for name in settings.blacklisted_subdomains
    ]
    return reply(data)
