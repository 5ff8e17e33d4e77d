"""The JSON file that mirrors an emulator account between runs (``persist_path``).

It holds the zones, their records and the id counters; never the call counter, the faults or the
rate-limit window. Each save replaces the file atomically, so a crash leaves the previous one.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dns_api.emulator.errors import Json

_VERSION = 1


@dataclass
class Snapshot:
    """What a state file holds: zones by name, their records by id, the next ids to give."""

    next_zone_id: int
    next_record_id: int
    zones: dict[str, Json]
    records: dict[str, dict[int, Json]]


def save(path: Path, snapshot: Snapshot) -> None:
    """Write ``snapshot`` to ``path`` (directories created as needed)."""
    data = {
        "version": _VERSION,
        "next_zone_id": snapshot.next_zone_id,
        "next_record_id": snapshot.next_record_id,
        "zones": list(snapshot.zones.values()),
        "records": [r for records in snapshot.records.values() for r in records.values()],
    }
    _write_atomically(path, json.dumps(data, indent=1))


def load(path: Path) -> Snapshot:
    """Read a file written by ``save``; ``ValueError`` if it is not one."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("version") != _VERSION:
        raise ValueError(f"{path}: not an emulator state file (version {_VERSION})")
    next_zone_id, next_record_id = int(data["next_zone_id"]), int(data["next_record_id"])
    zones = {zone["name"]: zone for zone in data["zones"]}
    records: dict[str, dict[int, Json]] = {name: {} for name in zones}
    for record in data["records"]:
        records[record["zone_id"]][record["id"]] = record
    return Snapshot(next_zone_id, next_record_id, zones, records)


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file next to ``path``, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
