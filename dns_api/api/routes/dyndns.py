"""``/nic/update``: the DynDNS2 protocol of ddclient, inadyn and home routers.

``GET`` (or ``POST``) ``/nic/update?hostname=a.example.com,b.example.com&myip=192.0.2.10`` with
HTTP Basic, a dns-api token as the password (the username is free text, named in the audit
trail). Without ``myip``, the caller's address is meant (through ``TRUSTED_PROXIES``). The
answer is plain text, one line per host in order (see ``services.dyndns``): ``good <ip>``,
``nochg <ip>``, ``nohost``, ``notfqdn``, ``dnserr``, ``911``. Bad credentials are ``badauth``
with 401 and a Basic challenge (some routers send credentials only when asked); too many failed
attempts from an address are ``abuse``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse

from dns_api.api.authentication import source_address
from dns_api.api.deps import ServicesDep, protocol_caller
from dns_api.domain.dyndns import read_addresses, read_hosts
from dns_api.errors import AuthenticationFailed, TooManyFailures

router = APIRouter(tags=["protocols"])

_caller = protocol_caller("dyndns2")
CHALLENGE = {"WWW-Authenticate": 'Basic realm="dns-api", charset="UTF-8"'}
ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "One line per host: good, nochg, nohost, notfqdn, dnserr, 911, abuse"},
    400: {"description": "badip: myip is not one IPv4 and/or one IPv6 address"},
    401: {"description": "badauth"},
}


@router.get(
    "/nic/update",
    summary="Set the address of hosts (DynDNS2)",
    response_class=PlainTextResponse,
    responses=ANSWERS,
)
@router.post(
    "/nic/update",
    summary="Set the address of hosts (DynDNS2, alias of GET)",
    response_class=PlainTextResponse,
    responses=ANSWERS,
)
async def update(
    request: Request,
    services: ServicesDep,
    hostname: Annotated[str | None, Query(description="Comma list of full names")] = None,
    myip: Annotated[str | None, Query(description="IPv4 and/or IPv6; default: the caller")] = None,
) -> PlainTextResponse:
    try:
        principal = await _caller(request)
    except TooManyFailures:
        return PlainTextResponse("abuse\n")
    except AuthenticationFailed:
        return PlainTextResponse("badauth\n", status_code=401, headers=CHALLENGE)
    addresses = read_addresses(myip if myip is not None else source_address(request))
    if not addresses:
        return PlainTextResponse("badip\n", status_code=400)
    hosts = read_hosts(hostname, services.rules.zones)
    if not hosts:
        return PlainTextResponse("notfqdn\n")
    lines = await services.dyndns.update(principal, hosts, addresses)
    return PlainTextResponse("".join(f"{line}\n" for line in lines))
