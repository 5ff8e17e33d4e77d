"""Read DNSimple's recorded raw HTTP responses (tests/fixtures/dnsimple/api/**.http)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURES_DIR = Path(__file__).parent / "fixtures" / "dnsimple" / "api"


@dataclass(frozen=True)
class RecordedResponse:
    name: str
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def rate_limit_headers(self) -> dict[str, str]:
        return {k: v for k, v in self.headers.items() if k.startswith("x-ratelimit-")}


def load(name: str) -> RecordedResponse:
    """``name`` is relative to the api folder, e.g. ``"createZoneRecord/created.http"``."""
    raw = (FIXTURES_DIR / name).read_bytes().replace(b"\r\n", b"\n")
    head, _, body = raw.partition(b"\n\n")
    status_line, *header_lines = head.decode("latin-1").split("\n")
    status = int(status_line.split()[1])
    headers: dict[str, str] = {}
    for line in header_lines:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return RecordedResponse(name=name, status=status, headers=headers, body=body)


def all_names() -> list[str]:
    return sorted(str(p.relative_to(FIXTURES_DIR)) for p in FIXTURES_DIR.rglob("*.http"))
