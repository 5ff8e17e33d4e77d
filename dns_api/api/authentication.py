"""Who is calling: the bearer token of a request turned into a ``Principal``, once per request.

The outcome (the principal, or the ``AuthenticationFailed`` / ``TooManyFailures`` to answer) is
kept in the request's scope, so a layer that needs the caller before the routes run (the
``Idempotency-Key`` replay) and the routes' dependency share one authentication: a failure is
counted once, and a replay never goes to a caller the routes would refuse.
"""

from __future__ import annotations

from starlette.requests import Request

from dns_api.domain.policy import Principal
from dns_api.errors import DnsApiError

_OUTCOME = "authentication"


def bearer_token(request: Request) -> str | None:
    """The token of ``Authorization: Bearer <token>`` (RFC 6750: one or more spaces between);
    ``None`` for any other header or none."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def source_address(request: Request) -> str | None:
    """Where the request came from (X-Forwarded-For only behind TRUSTED_PROXIES)."""
    source: str | None = request.app.state.source_of(request)
    return source


async def authenticate(request: Request) -> Principal:
    """The caller of ``request``, authenticated at most once; raises what authentication
    raised, every time it is asked."""
    state = request.scope.setdefault("state", {})
    outcome: Principal | DnsApiError | None = state.get(_OUTCOME)
    if outcome is None:
        authenticator = request.app.state.services.authenticator
        try:
            outcome = await authenticator.authenticate(
                bearer_token(request), source_address(request)
            )
        except DnsApiError as exc:
            outcome = exc
        state[_OUTCOME] = outcome
    if isinstance(outcome, DnsApiError):
        raise outcome
    return outcome
