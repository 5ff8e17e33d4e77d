"""Every route of the API by path, for what the router itself does not say.

Starlette answers a wrong method with the ``Allow`` of the first route whose path matched (so
``PUT /whoami`` said ``Allow: POST``), and a request answered before routing (an
``Idempotency-Key`` replay) has no route in its scope. ``RouteIndex`` is built once from the
routers ``create_app`` includes, from their public ``APIRoute`` fields, and answers both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.routing import APIRoute


@dataclass(frozen=True, slots=True)
class RouteIndex:
    routes: tuple[APIRoute, ...]

    @classmethod
    def of(cls, routers: Iterable[APIRouter]) -> RouteIndex:
        found = (route for router in routers for route in router.routes)
        return cls(tuple(route for route in found if isinstance(route, APIRoute)))

    def allowed(self, path: str) -> list[str]:
        """Every method some route serves at ``path``, sorted."""
        methods: set[str] = set()
        for route in self.routes:
            if route.path_regex.fullmatch(path):
                methods |= route.methods or set()
        return sorted(methods)

    def template(self, method: str, path: str) -> str | None:
        """The path template of the route serving ``method`` at ``path``, if any."""
        for route in self.routes:
            if method in (route.methods or ()) and route.path_regex.fullmatch(path):
                return route.path_format
        return None
