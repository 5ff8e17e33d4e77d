"""The counter of ``/v2`` requests received, which tests read to see what a client sent."""

from __future__ import annotations

from collections import Counter


class CallCounter(Counter[str]):
    """Requests counted by ``"<METHOD> <operationId>"``, e.g. ``"GET listZoneRecords"``.

    Routing errors count as the operations ``routeNotFound`` and ``methodNotAllowed``.
    """

    def add(self, method: str, operation: str) -> None:
        """Count one request."""
        self[f"{method.upper()} {operation}"] += 1

    def matching(self, method: str | None = None, operation: str | None = None) -> int:
        """How many requests matched ``method`` (any case) and/or ``operation`` (None = any)."""
        method = method.upper() if method else None
        return sum(n for key, n in self.items() if _key_matches(key, method, operation))


def _key_matches(key: str, method: str | None, operation: str | None) -> bool:
    key_method, _, key_operation = key.partition(" ")
    return method in (None, key_method) and operation in (None, key_operation)
