"""``GET /``: the health check of the original service. No authentication."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from dns_api.api.envelope import reply

router = APIRouter(tags=["health"])


@router.get("/", summary="Health check")
async def home() -> JSONResponse:
    return reply()
