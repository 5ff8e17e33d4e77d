"""What the record-set pages read from forms and show: pure helpers for ``pages.records``.

* A set as typed into a form (``SetForm``: one value per line, a TTL, the ETag the page was
  opened with), checked by the API's own validator (``domain.set_input.validate_set``), so the
  console refuses exactly what ``PUT /zones/<zone>/rrsets/<name>/<type>`` refuses.
* Refusals as the form shows them (``FormErrors``): each problem next to its field, the rest in
  one message for the page.
* A plan as a person checks it (``PlanView``): its operations (``views.plan_json``, the API's
  own words) and the DNSimple calls that will carry it out.
* Rows of the record-set table (``SetRow``), and the URLs of the pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from dns_api.console.web import Form
from dns_api.domain.names import APEX
from dns_api.domain.operations import Create, Delete, Plan, Update
from dns_api.domain.problems import Field, Problems
from dns_api.domain.rdata import SUPPORTED_TYPES
from dns_api.domain.records import ManagedRecord, SetKey, ZoneRules
from dns_api.domain.rrsets import RecordSet
from dns_api.domain.set_input import SetInput, validate_set
from dns_api.domain.set_requests import Precondition, SetRequest
from dns_api.errors import DnsApiError, FieldProblem, ValidationFailed
from dns_api.views import plan_json

# Where each logical field is shown on the forms (the id of its input).
FIELD_INPUTS: dict[str, str] = {
    Field.NAME: "name",
    Field.TYPE: "type",
    Field.VALUES: "values",
    Field.CONTENT: "values",
    Field.PRIORITY: "values",
    Field.TTL: "ttl",
}
# The API's query parameters, as the filter form names its inputs.
FILTER_INPUTS: dict[str, str] = {"name": "filter-name", "type": "filter-type"}
MAX_FORM_VALUES = 200  # lines read from the values box (the validator allows fewer)


# --- URLs -----------------------------------------------------------------------------------


def shown_name(name: str) -> str:
    """A relative name as people read it, and as the set pages' URLs carry it (``@``)."""
    return name or APEX


def zone_url(zone: str, **query: str) -> str:
    given = {k: v for k, v in query.items() if v}
    suffix = f"?{urlencode(given)}" if given else ""
    return f"/console/zones/{quote(zone, safe='')}{suffix}"


def set_url(key: SetKey, page: str = "", **query: str) -> str:
    """The set's page (``page``: ``preview``, ``apply``, ``delete``)."""
    name = quote(shown_name(key.name), safe="@*")  # names hold nothing else to escape
    path = f"{zone_url(key.zone)}/sets/{name}/{key.type}"
    path += f"/{page}" if page else ""
    given = {k: v for k, v in query.items() if v}
    return f"{path}?{urlencode(given)}" if given else path


@dataclass(frozen=True, slots=True)
class Listing:
    """A page of a zone's record sets as its URL asks for it: filters, and the API's cursor."""

    zone: str
    name: str = ""
    type: str = ""
    after: str = ""

    def url(self, after: str = "") -> str:
        """This listing's URL, from its first page or from ``after``."""
        return zone_url(self.zone, name=self.name, type=self.type, after=after)

    def type_filter(self) -> str | None:
        """The type asked for, checked as ``GET /zones/<zone>/rrsets`` checks it."""
        wanted = self.type.upper()
        if wanted and wanted not in SUPPORTED_TYPES:
            problem = f"must be one of {', '.join(SUPPORTED_TYPES)}"
            raise ValidationFailed([FieldProblem("type", problem, "query")])
        return wanted or None


# --- a set as typed -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetForm:
    """The fields of an edit or create form, as typed (shown again when refused)."""

    values: str = ""
    ttl: str = ""
    etag: str = ""
    name: str = ""
    type: str = ""

    @classmethod
    def read(cls, form: Form) -> SetForm:
        return cls(
            values="\n".join(form.all("values")),  # a textarea, or one field per value
            ttl=form.get("ttl").strip(),
            etag=form.get("etag").strip(),
            name=form.get("name").strip(),
            type=form.get("type").strip().upper(),
        )

    @classmethod
    def of(cls, record_set: RecordSet) -> SetForm:
        """The form of an existing set, as its page opens."""
        key = record_set.key
        lines = "\n".join(v.text(key.type) for v in record_set.values)
        ttl = str(record_set.ttl) if record_set.ttl is not None else ""
        return cls(lines, ttl, record_set.etag or "", shown_name(key.name), key.type)

    def lines(self) -> list[str]:
        """The values, one per non-blank line."""
        lines = (line.strip() for line in self.values.splitlines()[:MAX_FORM_VALUES])
        return [line for line in lines if line]

    def request(
        self, rules: ZoneRules, zone: str, name: str, type: str, *, create: bool
    ) -> SetRequest:
        """The change the form asks for: a new set (made only while the set is empty), or the
        set made exactly these values if it still has the ETag the form was opened with."""
        wanted = self.checked(rules, zone, name, type)
        precondition = Precondition(if_match=None if create else self.etag or None)
        return SetRequest(wanted.key, wanted.values, wanted.ttl, precondition, create_only=create)

    def checked(self, rules: ZoneRules, zone: str, name: str, type: str) -> SetInput:
        """The set as the API's validator reads it; ``ValidationFailed`` lists every problem."""
        problems = Problems()
        ttl = _ttl(self.ttl, problems)
        try:
            wanted = validate_set(
                rules, zone=zone, name=name, type=type, records=self.lines(), ttl=ttl
            )
        except ValidationFailed as failure:
            problems.absorb(failure)
            raise problems.error() from None
        problems.raise_if_any()
        return wanted


def _ttl(text: str, problems: Problems) -> int | None:
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        problems.add(Field.TTL, "must be a whole number of seconds")
        return None
    return int(text)


# --- refusals -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FormErrors:
    """A refusal as a form shows it: messages by input id, and one for the whole page."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    problem: str = ""

    @classmethod
    def of(
        cls, error: DnsApiError, lines: list[str], inputs: Mapping[str, str] | None = None
    ) -> FormErrors:
        """``error`` placed on the form whose inputs are ``inputs`` (the set forms' by
        default); ``lines`` are the values as typed, to name the one a problem is about."""
        if not isinstance(error, ValidationFailed):
            return cls(problem=error.detail)
        places = FIELD_INPUTS if inputs is None else inputs
        fields: dict[str, list[str]] = {}
        elsewhere: list[str] = []
        for problem in error.problems:
            place = places.get(problem.field)
            if place is None:
                elsewhere.append(f"{problem.field} {problem.message}")
                continue
            fields.setdefault(place, []).append(_message(problem, lines))
        return cls(fields, "; ".join(elsewhere))


def _message(problem: FieldProblem, lines: list[str]) -> str:
    if problem.index is not None and 0 <= problem.index < len(lines):
        return f"{lines[problem.index]}: {problem.message}"
    return problem.message


# --- plans ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanView:
    """A plan as the preview shows it: each operation and each DNSimple call."""

    operations: list[dict[str, Any]]
    calls: list[str]
    summary: dict[str, int]

    @classmethod
    def of(cls, plan: Plan, *, zone: str, account: str, show_before: bool) -> PlanView:
        operations = plan_json(plan, show_before=show_before)
        return cls(operations, dnsimple_calls(plan, zone=zone, account=account), plan.summary())


def dnsimple_calls(plan: Plan, *, zone: str, account: str) -> list[str]:
    """The requests an apply of ``plan`` sends to DNSimple, as ``services.rrsets`` and
    ``services.upstream_writes`` send them (one batch for two or more operations)."""
    base = f"/v2/{account or '<account>'}/zones/{zone}"
    calls = [
        f"GET {base}/records?name={quote(name, safe='')} (nothing made elsewhere in the way)"
        for name in sorted({c.key.name for c in plan.creates})
    ]
    if plan.operation_count > 1:
        summary = plan.summary()
        counts = ", ".join(
            f"{summary[k]} {k}" for k in ("deleted", "updated", "created") if summary[k]
        )
        calls.append(
            f"POST {base}/batch (one atomic batch: {counts}; one call per record instead if "
            "the account has no batch changes)"
        )
    else:
        calls += [_single_call(base, operation) for operation in plan.operations]
    return calls


def _single_call(base: str, operation: Create | Update | Delete) -> str:
    if isinstance(operation, Create):
        return f"POST {base}/records"
    verb = "PATCH" if isinstance(operation, Update) else "DELETE"
    return f"{verb} {base}/records/{operation.dnsimple_id}"


# --- the record-set table -------------------------------------------------------------------

# How dns-api came to own a record (``records.origin``), as the owner badge says it.
OWNER_BADGES = {"created": "managed", "adopted": "adopted", "imported": "imported"}


@dataclass(frozen=True, slots=True)
class SetRow:
    """One row of a zone's record sets."""

    name: str
    type: str
    values: list[str]
    ttl: int | None
    owners: list[str]
    changed_at: datetime | None
    changed_by: str
    href: str

    @classmethod
    def of(cls, record_set: RecordSet) -> SetRow:
        key, records = record_set.key, record_set.records
        latest = max(records, key=lambda r: (r.updated_at, r.id), default=None)
        return cls(
            name=shown_name(key.name),
            type=key.type,
            values=[v.text(key.type) for v in record_set.values],
            ttl=record_set.ttl,
            owners=owners(records),
            changed_at=latest.updated_at if latest else None,
            changed_by=last_changed_by(latest) if latest else "",
            href=set_url(key),
        )


def owners(records: tuple[ManagedRecord, ...]) -> list[str]:
    """The owner badges of a set's records (one each way they came to be dns-api's)."""
    return sorted({owner_of(r) for r in records})


def owner_of(record: ManagedRecord) -> str:
    return OWNER_BADGES.get(origin_of(record), "managed")


@dataclass(frozen=True, slots=True)
class RecordRow:
    """One record of a set, as its page shows it."""

    value: str
    ttl: int
    owner: str


def record_rows(record_set: RecordSet) -> list[RecordRow]:
    """The set's records in the order people read them (by priority, then value)."""
    type = record_set.key.type
    records = sorted(record_set.records, key=lambda r: (r.priority or 0, r.content, r.id))
    return [RecordRow(r.value.text(type), r.ttl, owner_of(r)) for r in records]


def origin_of(record: ManagedRecord) -> str:
    return record.origin


def last_changed_by(record: ManagedRecord) -> str:
    return record.updated_by or record.created_by
