"""Who is calling: the token of a request turned into a ``Principal``, once per request.

The token comes from ``Authorization: Bearer <token>``; the protocol endpoints (httpreq,
DynDNS2), whose clients only know a username and a password, also take HTTP Basic with the
token as the password (the username is free text, kept for the audit trail).

The outcome (the principal, or the ``AuthenticationFailed`` / ``TooManyFailures`` to answer) is
kept in the request's scope, so a layer that needs the caller before the routes run (the
``Idempotency-Key`` replay) and the routes' dependency share one authentication: a failure is
counted once, and a replay never goes to a caller the routes would refuse.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from starlette.requests import Request

from dns_api.domain.policy import Principal
from dns_api.errors import DnsApiError

_OUTCOME = "authentication"


MAX_BASIC_USERNAME = 100


@dataclass(frozen=True, slots=True)
class Credentials:
    token: str | None
    username: str | None = None  # HTTP Basic's, printable and cut to MAX_BASIC_USERNAME


def credentials(request: Request, *, basic: bool = False) -> Credentials:
    """The token of ``Authorization: Bearer <token>`` (RFC 6750: one or more spaces between)
    or, with ``basic``, the password of ``Authorization: Basic``; no token otherwise."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        return Credentials(value or None)
    if basic and scheme.lower() == "basic":
        try:
            username, _, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return Credentials(None)
        shown = "".join(c for c in username if c.isprintable())[:MAX_BASIC_USERNAME]
        return Credentials(password or None, shown or None)
    return Credentials(None)


_SOURCE = "source_address"


def source_address(request: Request) -> str | None:
    """Where the request came from (X-Forwarded-For only behind TRUSTED_PROXIES); worked out
    once per request."""
    state = request.scope.setdefault("state", {})
    if _SOURCE not in state:
        state[_SOURCE] = request.app.state.source_of(request)
    source: str | None = state[_SOURCE]
    return source


async def authenticate(request: Request, *, basic: bool = False) -> Principal:
    """The caller of ``request``, authenticated at most once; raises what authentication
    raised, every time it is asked. ``basic``: HTTP Basic is accepted too."""
    state = request.scope.setdefault("state", {})
    outcome: Principal | DnsApiError | None = state.get(_OUTCOME)
    if outcome is None:
        authenticator = request.app.state.services.authenticator
        token = credentials(request, basic=basic).token
        try:
            outcome = await authenticator.authenticate(token, source_address(request))
        except DnsApiError as exc:
            outcome = exc
        state[_OUTCOME] = outcome
    if isinstance(outcome, DnsApiError):
        raise outcome
    return outcome
