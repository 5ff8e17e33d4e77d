"""The filters of ``GET /audit`` and ``dns-api audit``, read from what a person typed (pure code).

Both edges read the same filters the same way, so a problem names the same parameter
(``since``, ``zone``...) whether it came from a query string or a command-line option; the
caller says which (``location``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from dns_api.db.audit import Filters
from dns_api.domain import names
from dns_api.domain.names import APEX
from dns_api.errors import FieldProblem, ValidationFailed


def parse_moment(raw: str, field: str, location: str = "query") -> datetime:
    """An ISO-8601 time (``2024-05-01``, ``2024-05-01T12:00:00Z``); no offset means UTC."""
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        problem = "must be an ISO-8601 time such as 2024-05-01T12:00:00Z"
        raise ValidationFailed([FieldProblem(field, problem, location)]) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def build_filters(
    *,
    zone: str | None = None,
    name: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: str | None = None,
    until: str | None = None,
    location: str = "query",
) -> Filters:
    """The filters as given by a person; ``ValidationFailed`` names every bad one."""
    problems: list[FieldProblem] = []
    zone_name = _zone(zone, problems, location)
    name_value = _name(name, zone_name, problems, location)
    moments: dict[str, datetime | None] = {}
    for field, raw in (("since", since), ("until", until)):
        try:
            moments[field] = parse_moment(raw, field, location) if raw is not None else None
        except ValidationFailed as exc:
            problems.extend(exc.problems)
    for field, raw in (("actor", actor), ("action", action)):
        if raw is not None and not raw.isprintable():
            problems.append(FieldProblem(field, "must be printable text", location))
    if problems:
        raise ValidationFailed(problems)
    return Filters(
        zone=zone_name,
        name=name_value,
        actor=actor.strip() if actor else None,
        action=action.strip().lower() if action else None,
        since=moments["since"],
        until=moments["until"],
    )


def _zone(raw: str | None, problems: list[FieldProblem], location: str) -> str | None:
    if raw is None:
        return None
    zone = names.normalize_or_none(raw)
    if not zone:
        problems.append(FieldProblem("zone", "is not a valid zone name", location))
    return zone


def _name(
    raw: str | None, zone: str | None, problems: list[FieldProblem], location: str
) -> str | None:
    if raw is None:
        return None
    try:
        if zone:
            return names.relative_name(raw, zone)
        return "" if raw.strip() == APEX else names.normalize(raw)
    except names.InvalidName as exc:
        problems.append(FieldProblem("name", str(exc), location))
        return None
