"""What a caller asks of record sets, and what a change did: pure values.

``SetRequest`` makes one set exactly some values (or deletes it, or edits it by one value),
guarded by an optional ``Precondition`` (``If-Match`` / ``If-None-Match`` against the set's
ETag). ``SetChange`` is one set before and after, with the ``Plan`` that does it.
"""

from __future__ import annotations

from dataclasses import dataclass

from dns_api.domain.rdata import Value
from dns_api.domain.records import ManagedRecord
from dns_api.domain.rrsets import Plan, RecordSet, SetEdit, SetKey


@dataclass(frozen=True, slots=True)
class Precondition:
    """``If-Match`` / ``If-None-Match``: an entity tag, ``*``, or nothing."""

    if_match: str | None = None
    if_none_match: str | None = None

    @property
    def given(self) -> bool:
        return self.if_match is not None or self.if_none_match is not None

    def check(self, current: RecordSet) -> str | None:
        """Why the precondition fails for ``current``, or ``None``."""
        etag = current.etag
        if self.if_match is not None:
            if etag is None:
                return "If-Match was given but the set does not exist"
            if self.if_match != "*" and etag not in _tags(self.if_match, weak=False):
                return f"the set has changed since it was read (its ETag is now {etag})"
        if (
            self.if_none_match is not None
            and etag is not None
            and (self.if_none_match == "*" or etag in _tags(self.if_none_match, weak=True))
        ):
            return f"the set already exists (ETag {etag})"
        return None


def _tags(header: str, *, weak: bool) -> set[str]:
    """The entity tags of a header. If-Match compares strongly (RFC 9110): a weak tag never
    matches; If-None-Match compares weakly."""
    tags = {tag.strip() for tag in header.split(",")}
    if weak:
        return {tag.removeprefix("W/") for tag in tags}
    return {tag for tag in tags if not tag.startswith("W/")}


@dataclass(frozen=True, slots=True)
class SetRequest:
    """Make the set ``key`` exactly ``values`` (``None``: delete the set), or change it by one
    value (``edit``: ``values`` is then not used; a set left empty is deleted, and removing a
    value that is not there changes nothing).

    ``create_only``: only if the set is empty now (``POST /records``), else ``Conflict``.
    """

    key: SetKey
    values: tuple[Value, ...] | None
    ttl: int | None = None
    precondition: Precondition = Precondition()
    create_only: bool = False
    edit: SetEdit | None = None


@dataclass(frozen=True, slots=True)
class SetChange:
    """One set before and after a change (or a dry run), and the plan that does it.

    ``readable``: whether the token may read the set, and so see what it held before.
    """

    key: SetKey
    before: RecordSet
    after_values: tuple[Value, ...]
    after_ttl: int | None
    after_etag: str | None
    plan: Plan
    readable: bool
    # The set's records as stored once the change is made (empty for a dry run).
    after_records: tuple[ManagedRecord, ...] = ()
