"""The original service's JSON envelope: ``{"data": ..., "meta": {"status": N}}``."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse


def envelope(
    data: Any = None, *, status: int = 200, meta: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if data is not None:
        body["data"] = data
    body["meta"] = {**(meta or {}), "status": status}
    return body


def reply(
    data: Any = None,
    *,
    status: int = 200,
    meta: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        envelope(data, status=status, meta=meta), status_code=status, headers=headers
    )


def error_reply(
    status: int, errors: list[dict[str, Any]], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"errors": errors, "meta": {"status": status}}, status_code=status, headers=headers
    )


def error_item(
    *, title: str, detail: str, code: str, source: dict[str, str] | None = None
) -> dict[str, Any]:
    item: dict[str, Any] = {"title": title, "detail": detail, "code": code}
    if source:
        item["source"] = source
    return item
