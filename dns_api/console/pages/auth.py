"""Signing in and out: a token exchanged for a session, and the session ended.

The sign-in form is protected against login CSRF by a random secret, in a SameSite=Strict cookie
and in the form, that must match. A new session (a new cookie) is made at every sign-in; the one
the browser held before, if any, is ended.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from dns_api.api.authentication import source_address
from dns_api.console.templating import render
from dns_api.console.web import (
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    VisitDep,
    clear_cookie,
    read_checked_form,
    read_form,
    same_secret,
    services_of,
    set_cookie,
)
from dns_api.errors import AuthenticationFailed, CsrfRefused, TooManyFailures
from dns_api.services.auth import MAX_TOKEN_LENGTH

router = APIRouter()


@router.get("/")
async def home() -> Response:
    return RedirectResponse("/console/zones", status_code=303)


@router.get("/sign-in")
async def sign_in_page(request: Request, ended: str = "", signed_out: str = "") -> Response:
    notice = ""
    if ended:
        notice = "Your session has ended. Sign in again to continue."
    elif signed_out:
        notice = "You are signed out."
    return _sign_in_form(request, notice=notice)


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await read_form(request, csrf_token=None)
    if not same_secret(form.get("csrf_token"), request.cookies.get(SIGN_IN_COOKIE, "")):
        raise CsrfRefused()
    token = form.get("token").strip()
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return _sign_in_form(request, error="Paste a dns-api token.", status=422)
    services = services_of(request)
    try:
        secret, _session = await services.console_sessions.start(token, source_address(request))
    except AuthenticationFailed:
        error = "This token is not valid, or not usable from where you are."
        return _sign_in_form(request, error=error, status=401)
    except TooManyFailures:
        error = "Too many failed sign-ins from your address; wait a minute and try again."
        return _sign_in_form(request, error=error, status=429)
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        await services.console_sessions.end(previous)
    response = RedirectResponse("/console/zones", status_code=303)
    set_cookie(response, request, SESSION_COOKIE, secret)
    clear_cookie(response, request, SIGN_IN_COOKIE)
    return response


@router.post("/sign-out")
async def sign_out(visit: VisitDep) -> Response:
    await read_checked_form(visit)
    request = visit.request
    await visit.services.console_sessions.end(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/console/sign-in?signed_out=1", status_code=303)
    clear_cookie(response, request, SESSION_COOKIE)
    return response


def _sign_in_form(
    request: Request, *, notice: str = "", error: str = "", status: int = 200
) -> Response:
    form_secret = secrets.token_urlsafe(32)
    response = render(
        request,
        "sign_in.html",
        csrf_token=form_secret,
        notice=notice,
        error=error,
        status=status,
    )
    set_cookie(response, request, SIGN_IN_COOKIE, form_secret)
    return response
