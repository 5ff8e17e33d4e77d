"""Sessions, CSRF and forms for the console's pages.

* ``signed_in`` (a dependency): the session of the request's cookie, or ``SignInRequired``
  (which the console answers with a redirect to the sign-in page). Changes made during the
  request are attributed to the session's token, ``via`` the console.
* ``read_form``: a URL-encoded form body, bounded; on every state-changing request it must carry
  the session's ``csrf_token`` (compared in constant time), and a cross-site ``Origin`` is refused.
* The session cookie: opaque, HttpOnly, SameSite=Strict, Path=/console, Secure when the browser
  came over HTTPS (directly, or through a trusted proxy that says so).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import Depends, Request
from starlette.responses import HTMLResponse, Response

from dns_api.api.authentication import source_address
from dns_api.api.deps import read_body, request_id_of
from dns_api.console.templating import render
from dns_api.domain.policy import Principal
from dns_api.errors import AuthenticationFailed, CsrfRefused, SignInRequired
from dns_api.services.audit import act_as
from dns_api.services.console_sessions import ConsoleSession
from dns_api.services.container import Services

SESSION_COOKIE = "dns_api_session"
SIGN_IN_COOKIE = "dns_api_sign_in"  # the CSRF secret of the sign-in form (no session yet)
COOKIE_PATH = "/console"
MAX_FIELD_VALUES = 500


@dataclass(frozen=True, slots=True)
class Visit:
    """A request by a signed-in person: the session and the services."""

    session: ConsoleSession
    services: Services
    request: Request

    @property
    def principal(self) -> Principal:
        return self.session.principal

    def page(self, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        """``template`` for this visit: the navigation of its principal, its forms' CSRF token."""
        return render(
            self.request,
            template,
            principal=self.principal,
            csrf_token=self.session.csrf_token,
            status=status,
            **context,
        )


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def signed_in(request: Request) -> Visit:
    services = services_of(request)
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        raise SignInRequired()
    source = source_address(request)
    try:
        session = await services.console_sessions.resume(secret, source)
    except AuthenticationFailed:  # a database outage is an error page, not a sign-out
        raise SignInRequired("Your session has ended; sign in again.") from None
    act_as(session.principal, source, request_id_of(request), "console")
    request.state.principal = session.principal  # for the access log and denial audits
    return Visit(session, services, request)


VisitDep = Annotated[Visit, Depends(signed_in)]


class Form:
    """A submitted form: the last value of each field, or all of them."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def get(self, name: str, default: str = "") -> str:
        values = self.all(name)
        return values[-1] if values else default

    def all(self, name: str) -> list[str]:
        return [value for key, value in self._pairs if key == name]


async def read_form(request: Request, *, csrf_token: str | None) -> Form:
    """The URL-encoded body of ``request``; ``CsrfRefused`` unless it carries ``csrf_token``
    (``None``: the caller checks its own secret, as the sign-in form does)."""
    check_origin(request)
    raw = await read_body(request)
    try:
        pairs = parse_qsl(
            raw.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FIELD_VALUES,
        )
    except (UnicodeDecodeError, ValueError):
        pairs = []
    form = Form([(k, v.replace("\x00", "")) for k, v in pairs])
    if csrf_token is not None and not same_secret(form.get("csrf_token"), csrf_token):
        raise CsrfRefused()
    return form


async def read_checked_form(visit: Visit) -> Form:
    return await read_form(visit.request, csrf_token=visit.session.csrf_token)


def same_secret(given: str, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def check_origin(request: Request) -> None:
    """A browser names the page a form was sent from: it must be this site (the ``Host`` it
    asked for, or, through a proxy of ``TRUSTED_PROXIES``, the ``X-Forwarded-Host`` it gives)."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        if origin == "null":
            raise CsrfRefused()
        return
    if urlsplit(origin).netloc.lower() != _site_host(request).lower():
        raise CsrfRefused()


def _site_host(request: Request) -> str:
    host = request.headers.get("host", "")
    forwarded = request.headers.get("x-forwarded-host", "").split(",")[0].strip()
    peer = request.client.host if request.client else ""
    if forwarded and request.app.state.source_of.trusts(peer):
        return forwarded
    return host


def came_over_https(request: Request) -> bool:
    if request.url.scheme == "https":
        return True
    trusted = request.app.state.source_of
    peer = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return forwarded == "https" and trusted.trusts(peer)


def set_cookie(response: Response, request: Request, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=came_over_https(request),
    )


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(
        name, path=COOKIE_PATH, httponly=True, samesite="strict", secure=came_over_https(request)
    )
