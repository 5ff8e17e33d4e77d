"""Where each HTTP API takes the fields that the record rules name, so problems point there.

The validators of ``dns_api.domain`` report problems against logical fields (``Field``). A route
runs them inside its API's ``Spelling`` (``with RECORD_BODY.applied(): ...``), and the problems
come out as that API names and places the fields: the original record API's body
(``domain_type``, ``domain``, ``subdomain``, ``to``) or path, the record-set API's path (``type``,
``zone``, ``name``) and body (``records/2``, ``ttl``; in a change list ``changes/1/records/2``),
the admin routes' path.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from dns_api.domain.problems import Field, respelled
from dns_api.errors import FieldProblem, ValidationFailed


@dataclass(frozen=True, slots=True)
class Place:
    """A field's name in one API, and where it is given: ``body`` (reported as a JSON pointer),
    ``path`` or ``query`` (reported as a parameter)."""

    name: str
    location: str


class Spelling:
    """One API's places for the logical fields (a field it does not list keeps its name)."""

    def __init__(self, places: Mapping[Field, Place]) -> None:
        self._places = dict(places)

    def problem(self, field: Field, problem: FieldProblem) -> FieldProblem:
        place = self._places.get(field, Place(field.value, problem.location))
        name = place.name if problem.index is None else f"{place.name}/{problem.index}"
        return FieldProblem(name, problem.message, place.location)

    def error(self, failure: ValidationFailed) -> ValidationFailed:
        """``failure`` with its problems in this spelling."""
        return respelled(failure, self.problem)

    @contextmanager
    def applied(self) -> Iterator[None]:
        """Problems with logical fields raised inside come out in this spelling."""
        try:
            yield
        except ValidationFailed as failure:
            raise self.error(failure) from None


def _all_in(location: str, names: Mapping[Field, str]) -> Spelling:
    return Spelling({field: Place(name, location) for field, name in names.items()})


ORIGINAL_NAMES = {
    Field.TYPE: "domain_type",
    Field.ZONE: "domain",
    Field.NAME: "subdomain",
    Field.CONTENT: "to",
    Field.PRIORITY: "priority",
    Field.TTL: "ttl",
}
KEY_NAMES = {Field.TYPE: "type", Field.ZONE: "zone", Field.NAME: "name"}

# /records (JSON body) and /records/<domain_type>/<domain>/<subdomain>/<to> (path and query:
# the original reported every field of the path form as a parameter, ttl and priority too).
RECORD_BODY = _all_in("body", ORIGINAL_NAMES)
RECORD_PATH = _all_in("path", ORIGINAL_NAMES)

# /zones/<zone>/rrsets/<name>/<type>/adopt
ADMIN_PATH = _all_in("path", KEY_NAMES)

# /zones/<zone>/rrsets/<name>/<type>: the key in the path, the values and TTL in the body.
SET_PATH = Spelling(
    {field: Place(name, "path") for field, name in KEY_NAMES.items()}
    | {Field.VALUES: Place("records", "body"), Field.TTL: Place("ttl", "body")}
)


def change_item(index: int) -> Spelling:
    """Item ``index`` of ``POST /zones/<zone>/changes``: all in the body, under
    ``changes/<index>/`` (but ``zone``: the route checks the path's zone before any item)."""
    at = f"changes/{index}/"
    return _all_in(
        "body",
        {
            Field.TYPE: f"{at}type",
            Field.ZONE: "zone",
            Field.NAME: f"{at}name",
            Field.VALUES: f"{at}records",
            Field.TTL: f"{at}ttl",
        },
    )
