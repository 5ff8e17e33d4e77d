"""The one envelope of every reply (``meta``, ``data`` or ``errors``), and the documented
error statuses of a route (``errors(...)``, ``ok(...)``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

# --- the envelope ---------------------------------------------------------------------------


class Meta(BaseModel):
    status: int


class ErrorSource(BaseModel):
    """Where the input to blame was: a JSON pointer into the body, a parameter or a header."""

    pointer: str | None = None
    parameter: str | None = None
    header: str | None = None


class ErrorItem(BaseModel):
    title: str
    detail: str
    code: str = Field(description="Stable: clients and tests rely on it, not on the detail")
    source: ErrorSource | None = None


class ErrorReply(BaseModel):
    errors: list[ErrorItem] = Field(min_length=1)
    meta: Meta


ERROR_DESCRIPTIONS = {
    401: "No token, or an unknown, invalid, expired, revoked or wrong-source one",
    403: "The token may not do this (the reason says which grant or rule is missing)",
    404: "No such thing, or one this token may not read",
    409: "The change clashes with what exists (the detail says how)",
    412: "If-Match / If-None-Match no longer holds",
    422: "Invalid input: every broken rule, each naming its field",
    429: "Too many failed authentications from this address, or too many Idempotency-Keys",
    502: "DNSimple failed, refused dns-api's credentials, or lacks a configured zone",
    503: "The database or DNSimple is unavailable, or DNSimple's hourly budget is spent",
    504: "DNSimple did not answer in time",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route for these error statuses."""
    return {
        status: {"model": ErrorReply, "description": ERROR_DESCRIPTIONS[status]}
        for status in statuses
    }


def ok(model: type[BaseModel], status: int = 200, **more: Any) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": model, **more}}


READING = errors(401, 429, 503)
READING_ONE = errors(401, 404, 422, 429, 503)
WRITING = errors(401, 403, 404, 409, 412, 422, 429, 502, 503, 504)
