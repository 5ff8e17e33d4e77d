"""The logical fields that the record rules name when input breaks them. Pure code.

The validators of ``dns_api.domain`` report each problem against a ``Field``: what the input
was (a type, a zone, a name, a value...), never how or where a caller gave it. Each edge spells
the fields its own way (the HTTP APIs in ``dns_api.api.fields``, the command line as its
options) with ``respelled`` or ``renamed``; problems that name no logical field pass unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum

from dns_api.errors import FieldProblem, ValidationFailed


class Field(StrEnum):
    """What a problem is about; ``VALUES`` problems with one value carry its ``index``."""

    TYPE = "type"
    ZONE = "zone"
    NAME = "name"
    CONTENT = "content"  # the value of one record
    PRIORITY = "priority"  # given apart from the content (MX, SRV)
    TTL = "ttl"
    VALUES = "values"  # the values of a record set


Spell = Callable[[Field, FieldProblem], FieldProblem]


class Problems:
    """Every problem found in one input, reported together."""

    def __init__(self) -> None:
        self.items: list[FieldProblem] = []
        self.refused: list[dict[str, str]] = []  # targets a global rule forbids (audited)

    def add(self, field: Field, message: str, *, index: int | None = None) -> None:
        self.items.append(FieldProblem(field, message, index=index))

    def refuse(self, field: Field, message: str, target: dict[str, str]) -> None:
        """A problem that is a refused write (the deny list): reported, and audited."""
        self.add(field, message)
        self.refused.append(target)

    def absorb(self, failure: ValidationFailed) -> None:
        """Report the problems and refusals of ``failure`` too (spelled as they are)."""
        self.items.extend(failure.problems)
        self.refused.extend(failure.refused)

    def error(self) -> ValidationFailed:
        return ValidationFailed(list(self.items), refused=tuple(self.refused))

    def raise_if_any(self) -> None:
        if self.items:
            raise self.error()


def logical_field(problem: FieldProblem) -> Field | None:
    """The logical field ``problem`` names, or ``None`` when an edge named it already."""
    return problem.field if isinstance(problem.field, Field) else None


def respelled(failure: ValidationFailed, spell: Spell) -> ValidationFailed:
    """``failure`` as an edge reports it: each problem naming a logical field becomes
    ``spell(field, problem)``; other problems, their order and the refusals stay as they are."""
    problems = []
    for problem in failure.problems:
        field = logical_field(problem)
        problems.append(problem if field is None else spell(field, problem))
    return ValidationFailed(problems, refused=failure.refused)


def renamed(failure: ValidationFailed, names: Mapping[Field, str]) -> ValidationFailed:
    """``respelled`` for an edge that only names the fields its own way (``names``; a field it
    does not list keeps its logical name)."""

    def rename(field: Field, problem: FieldProblem) -> FieldProblem:
        return FieldProblem(names.get(field, field.value), problem.message, index=problem.index)

    return respelled(failure, rename)
