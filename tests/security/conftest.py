"""Helpers of the attack suite: tokens minted over HTTP, stored straight into the database."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType, ModuleType
from typing import Any

from fastapi.testclient import TestClient

from dns_api.db.database import Database
from dns_api.db.models import TokenRow

Auth = Callable[..., dict[str, str]]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def grant(
    names: list[str],
    *,
    zones: tuple[str, ...] = ("example.com",),
    types: tuple[str, ...] = ("*",),
    actions: tuple[str, ...] = ("read", "create", "update", "delete"),
) -> dict[str, Any]:
    return {"zones": list(zones), "names": names, "types": list(types), "actions": list(actions)}


def mint(client: TestClient, headers: dict[str, str], *grants: dict[str, Any], **extra: Any) -> str:
    """The secret of a new token holding ``grants``, minted with ``headers``' token."""
    response = client.post(
        "/tokens", headers=headers, json={"name": "t", "grants": list(grants), **extra}
    )
    assert response.status_code == 201, response.text
    secret: str = response.json()["data"]["token"]
    return secret


def store_token(database_url: str, secret: str, *grants: dict[str, Any]) -> None:
    """A token row written as a database holds it, without the checks of minting (a token
    minted by an older version, before a limit existed)."""
    row = TokenRow(
        name="stored",
        owner="alice",
        secret_hash=hashlib.sha256(secret.encode()).hexdigest(),
        grants=list(grants),
        networks=[],
        can_mint=False,
        lineage="",
        created_at=datetime.now(UTC),
        created_by="test",
    )
    database = Database(database_url)
    try:
        database.transaction(lambda session: session.add(row))
    finally:
        database.dispose()


def codes(response: Any) -> list[str]:
    return [error["code"] for error in response.json()["errors"]]


def pointers(response: Any) -> set[str]:
    return {
        error["source"].get("pointer") or error["source"].get("parameter")
        for error in response.json()["errors"]
        if "source" in error
    }


def lines_run(call: Callable[[], Any], module: ModuleType) -> int:
    """How many lines of ``module`` ``call`` executes: a measure of work that does not depend
    on how busy the machine is (tests never assert on time)."""
    count = 0
    source = module.__file__

    def trace(frame: FrameType, event: str, _arg: Any) -> Any:
        nonlocal count
        if frame.f_code.co_filename != source:
            return None
        if event == "line":
            count += 1
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        call()
    finally:
        sys.settrace(previous)
    return count
