"""DNSimple's error answers, and the JSON aliases every emulator module shares."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]
Errors = dict[str, list[str]]
BatchErrors = dict[str, list[Json]]
"""A batch's 400: per kind (``creates``...), ``{"index", "message", "errors"?}`` per operation."""

SYSTEM_RECORD_READ_ONLY = "System records cannot be changed or deleted"


class DnsimpleError(Exception):
    """An error answer exactly as DNSimple words it: ``{"message": ..., "errors"?: {...}}``."""

    def __init__(
        self, status: int, message: str, errors: Errors | BatchErrors | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors

    def body(self) -> Json:
        """The JSON body DNSimple answers with."""
        if self.errors is None:
            return {"message": self.message}
        return {"message": self.message, "errors": self.errors}


def not_found(kind: str, identifier: object) -> DnsimpleError:
    """DNSimple's 404 wording: ``Zone `x` not found``, ``Record `x` not found``, ..."""
    return DnsimpleError(404, f"{kind} `{identifier}` not found")
