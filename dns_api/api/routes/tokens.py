"""``/tokens``: mint a narrower token from this one, list and revoke the tokens it manages."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from dns_api.api.deps import (
    PrincipalDep,
    ServicesDep,
    body_schema,
    decimal_id,
    parse_body,
    read_json_object,
)
from dns_api.api.envelope import reply
from dns_api.api.replies import (
    READING,
    READING_ONE,
    MintedTokenReply,
    TokenListReply,
    TokenReply,
    errors,
    ok,
)
from dns_api.domain.token_spec import token_request
from dns_api.errors import NotFound
from dns_api.services.clock import utc_now
from dns_api.views import token_json

router = APIRouter(prefix="/tokens", tags=["tokens"])


class TokenCreateBody(BaseModel):
    """A new token: a subset of the calling token's grants, lifetime and networks."""

    model_config = ConfigDict(extra="forbid")

    name: StrictStr = Field(min_length=1, max_length=100, examples=["preview pr-42"])
    grants: list[Any] = Field(
        examples=[
            [
                {
                    "zones": ["example.com"],
                    "names": ["pr-42"],
                    "types": ["CNAME"],
                    "actions": ["create", "update", "delete"],
                }
            ]
        ]
    )
    expires: StrictStr | None = Field(default=None, max_length=40, examples=["1h"])
    cidrs: list[StrictStr] = Field(default_factory=list, max_length=20)
    can_mint: StrictBool = False


@router.post(
    "",
    status_code=201,
    summary="Mint a narrower token",
    openapi_extra=body_schema(TokenCreateBody),
    responses=ok(MintedTokenReply, 201) | errors(401, 403, 422, 429, 503),
)
async def create_token(
    request: Request, principal: PrincipalDep, services: ServicesDep
) -> JSONResponse:
    body = parse_body(TokenCreateBody, await read_json_object(request))
    spec = token_request(
        grants=body.grants,
        expires=body.expires,
        networks=body.cidrs,
        can_mint=body.can_mint,
        rules=services.rules,
        now=utc_now(),
    )
    issued = await services.tokens.mint_for(principal, name=body.name, request=spec)
    data = {**token_json(issued.info), "token": issued.secret}
    return reply(data, status=201)


@router.get("", summary="Tokens this token manages", responses=ok(TokenListReply) | READING)
async def list_tokens(principal: PrincipalDep, services: ServicesDep) -> JSONResponse:
    now = utc_now()
    return reply([token_json(t, now) for t in await services.tokens.list_for(principal)])


@router.delete(
    "/{token_id}",
    summary="Revoke a token this token manages",
    responses=ok(TokenReply) | READING_ONE,
)
async def revoke_token(
    token_id: str, principal: PrincipalDep, services: ServicesDep
) -> JSONResponse:
    number = decimal_id(token_id)
    if number is None:
        raise NotFound(f"Token {token_id} not found")
    info = await services.tokens.revoke(number, by=principal.user, principal=principal)
    return reply(token_json(info))
