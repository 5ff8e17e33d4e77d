"""What the history pages read and show: the filter form, the cursor, an event's diff.

The filters are read by the API's own reader (``services.audit_filters.build_filters``), so a
bad one is refused as ``GET /audit`` refuses it, naming the same field. Events are shaped by
``views.event_json``; this module only turns its ``before``/``after`` into rows a person can
compare.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dns_api.api.deps import decimal_id
from dns_api.db.audit import Event, Filters
from dns_api.errors import FieldProblem, ValidationFailed
from dns_api.services.audit_filters import build_filters
from dns_api.views import JsonObject, event_json

FILTER_FIELDS = ("zone", "name", "actor", "action", "since", "until")
# What the action filter offers (the trail's actions, as ``db.audit`` and its callers write them).
ACTIONS = (
    "record:created",
    "record:updated",
    "record:deleted",
    "record:denied",
    "record:adopted",
    "record:imported",
    "reconcile:applied",
    "token:created",
    "token:revoked",
    "token:rotated",
    "acme-dns:registered",
    "acme-dns:revoked",
)


def read_filters(given: dict[str, str]) -> Filters:
    """The filters typed into the form (blank fields ignored); ``ValidationFailed`` names each
    bad field as the API does."""
    present = {field: given[field] for field in FILTER_FIELDS if given.get(field, "").strip()}
    return build_filters(**present)


def read_cursor(raw: str) -> int | None:
    """The ``before`` cursor of an "Older" link; ``ValidationFailed`` for anything else."""
    if not raw:
        return None
    value = decimal_id(raw.strip())
    if value is None:
        problem = FieldProblem("before", "is not a cursor from a previous page", "query")
        raise ValidationFailed([problem])
    return value


def field_errors(failure: ValidationFailed) -> dict[str, str]:
    """Each problem's message by its field (the first one of a field)."""
    errors: dict[str, str] = {}
    for problem in failure.problems:
        errors.setdefault(problem.field, problem.message)
    return errors


@dataclass(frozen=True, slots=True)
class DiffRow:
    """One field of an event's subject, before and after (``changed`` when they differ)."""

    field: str
    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def diff_rows(event: Event) -> list[DiffRow]:
    """The fields of ``before`` and ``after``, in a stable order (value and TTL first)."""
    before, after = event.before or {}, event.after or {}
    order: list[str] = [f for f in ("value", "ttl") if f in before or f in after]
    order += sorted((set(before) | set(after)) - set(order))
    return [
        DiffRow(
            field,
            _shown(before[field]) if field in before else None,
            _shown(after[field]) if field in after else None,
        )
        for field in order
    ]


def summary(event: Event) -> str:
    """One line saying what changed: ``a → b`` for a value, else the event's detail."""
    before, after = event.before or {}, event.after or {}
    old, new = before.get("value"), after.get("value")
    if isinstance(old, str) and isinstance(new, str):
        return old if old == new else f"{old} → {new}"
    if isinstance(new, str):
        return f"+ {new}"
    if isinstance(old, str):
        return f"- {old}"
    return event.detail or ""


def event_view(event: Event) -> JsonObject:
    """The event as the API shows it, with its one-line summary."""
    return {**event_json(event), "summary": summary(event), "when": event.at}
