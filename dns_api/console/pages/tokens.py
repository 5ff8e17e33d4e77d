"""Tokens: the signed-in token and its descendants; mint a child; revoke with its cascade.

The same use cases as ``/tokens``: ``TokenService.list_for`` (what this token manages),
``mint_for`` (no more than this token holds: the service decides) and ``revoke`` (with every
token minted from it). A new token's secret is shown once, on the page that answers the form,
and never stored, logged or put in a URL.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import RedirectResponse, Response

from dns_api.api.deps import decimal_id
from dns_api.console.pages.tokens_forms import (
    ACTION_CHOICES,
    TYPE_CHOICES,
    MintForm,
    excess_by_input,
    match_example,
    sorted_problems,
    split_list,
)
from dns_api.console.templating import render
from dns_api.console.web import Visit, VisitDep, read_checked_form
from dns_api.domain.delegation import TokenRequest, excess
from dns_api.domain.names import normalize_or_none
from dns_api.domain.policy import Principal
from dns_api.errors import AuthenticationFailed, NotFound, PermissionDenied, ValidationFailed
from dns_api.services.clock import utc_now
from dns_api.services.tokens import TokenInfo
from dns_api.views import token_json

router = APIRouter()

DONE = {"revoked": "The token and every token minted from it are revoked."}
STATUS_BADGE = {"active": "live", "revoked": "revoked", "expired": "expired"}
EXISTING_NAMES = 30  # set names of a zone offered as examples


@router.get("/tokens")
async def token_list(visit: VisitDep, done: str = "") -> Response:
    now = utc_now()
    shown = [
        token_json(info, now) for info in await visit.services.tokens.list_for(visit.principal)
    ]
    tokens = [{**token, "badge": STATUS_BADGE[token["status"]]} for token in shown]
    return visit.page("tokens_list.html", tokens=tokens, done=DONE.get(done, ""))


@router.get("/tokens/new")
async def mint_page(visit: VisitDep) -> Response:
    return _mint_form(visit, MintForm())


@router.post("/tokens/new")
async def mint(visit: VisitDep) -> Response:
    typed = MintForm.read(await read_checked_form(visit))
    services = visit.services
    try:
        name, request = typed.request(services.rules, utc_now())
    except ValidationFailed as exc:
        by_input, others = sorted_problems(exc)
        return _mint_form(visit, typed, by_input, others, status=422)
    try:
        issued = await services.tokens.mint_for(visit.principal, name=name, request=request)
    except PermissionDenied as exc:
        by_input, others = _refusal(visit.principal, request, exc)
        return _mint_form(visit, typed, by_input, others, status=403)
    except AuthenticationFailed:
        return _mint_form(visit, typed, {}, ["This token can no longer mint."], status=403)
    return visit.page(
        "tokens_minted.html",
        status=201,
        token=token_json(issued.info),
        secret=issued.secret,
        origin=f"{visit.request.url.scheme}://{visit.request.url.netloc}",
    )


@router.get("/tokens/match")
async def match(visit: VisitDep, names: str = "", zones: str = "") -> Response:
    """A fragment for the mint form: which names the typed patterns match."""
    existing = await _existing_names(visit, zones)
    example = match_example(names, existing)
    return render(
        visit.request,
        "tokens_match.html",
        status=422 if example.problem else 200,
        example=example,
        typed=bool(names.strip()),
    )


@router.get("/tokens/{token_id}/revoke")
async def revoke_page(token_id: str, visit: VisitDep) -> Response:
    target = await _managed(visit, token_id)
    cascade = await visit.services.tokens.cascade(target)
    own = visit.principal.token_id in {t.id for t in cascade}
    return visit.page(
        "tokens_revoke.html",
        token=token_json(target),
        cascade=[token_json(t) for t in cascade],
        signs_out=own,
    )


@router.post("/tokens/{token_id}/revoke")
async def revoke(token_id: str, visit: VisitDep) -> Response:
    await read_checked_form(visit)
    number = decimal_id(token_id)
    if number is None:
        raise NotFound(f"Token {token_id} not found")
    principal = visit.principal
    await visit.services.tokens.revoke(number, by=principal.user, principal=principal)
    return RedirectResponse("/console/tokens?done=revoked", status_code=303)


def _mint_form(
    visit: Visit,
    typed: MintForm,
    errors: dict[str, str] | None = None,
    problems: list[str] | None = None,
    *,
    status: int = 200,
) -> Response:
    return visit.page(
        "tokens_new.html",
        status=status,
        form=typed,
        errors=errors or {},
        problems=problems or [],
        type_choices=TYPE_CHOICES,
        action_choices=ACTION_CHOICES,
        own_grants=[g.to_json() for g in visit.principal.grants],
    )


def _refusal(
    principal: Principal, request: TokenRequest, refused: PermissionDenied
) -> tuple[dict[str, str], list[str]]:
    """Why ``mint_for`` refused, by input: the ways the request exceeds this token
    (``delegation.excess``, the rule the service applied), else the service's own words."""
    by_input, others = excess_by_input(excess(request, principal))
    if not by_input and not others:
        others = [refused.detail]
    return by_input, others


async def _managed(visit: Visit, token_id: str) -> TokenInfo:
    """A token this session's token manages (as ``DELETE /tokens/<id>`` finds it); else 404."""
    number = decimal_id(token_id)
    managed = await visit.services.tokens.list_for(visit.principal)
    found = next((t for t in managed if t.id == number), None)
    if found is None:
        raise NotFound(f"Token {token_id} not found")
    return found


async def _existing_names(visit: Visit, zones: str) -> list[str]:
    """Set names of the first zone typed that this session may read (``@`` for the apex)."""
    readable = visit.services.record_sets.zones(visit.principal)
    typed = [normalize_or_none(z) for z in split_list(zones)]
    wanted = readable if "*" in split_list(zones) else [z for z in typed if z in readable]
    if not wanted:
        return []
    sets, _ = await visit.services.record_sets.list_sets(
        visit.principal, wanted[0], limit=EXISTING_NAMES
    )
    return list(dict.fromkeys(s.key.name or "@" for s in sets))
