"""Zones and record sets: browse, filter, page; edit with a preview; create; delete.

Every read and write goes through ``RecordSetService`` as the record-set API's do, with the
API's own validation: an edit is ``PUT /zones/<zone>/rrsets/<name>/<type>`` with ``If-Match``
(the ETag of the set when its page was opened), its preview the same change as a dry run; a new
set is a create-only change; a delete is ``DELETE`` with ``If-Match``. A refused form is shown
again with each problem next to its field (refused writes are audited as the API audits them);
a set changed by someone else since its page was opened is shown with its values now.
"""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter
from starlette.responses import RedirectResponse, Response

from dns_api.api.errors import audit_refusal
from dns_api.api.routes.zones import decode_cursor, encode_cursor, name_filter, zone_param
from dns_api.console.pages.record_forms import (
    FILTER_INPUTS,
    FormErrors,
    Listing,
    PlanView,
    SetForm,
    SetRow,
    record_rows,
    set_url,
    shown_name,
    zone_url,
)
from dns_api.console.web import Visit, VisitDep, read_checked_form
from dns_api.domain import names
from dns_api.domain.rdata import SUPPORTED_TYPES
from dns_api.domain.records import SetKey, validate_key
from dns_api.domain.rrsets import RecordSet
from dns_api.errors import (
    Conflict,
    DnsApiError,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    UpstreamDrift,
    UpstreamError,
    ValidationFailed,
)
from dns_api.services.audit import Event, Filters
from dns_api.services.rrsets import Precondition, SetChange, SetRequest

router = APIRouter()

PAGE_SIZE = 100
HISTORY_SCAN = 100  # events of the name read for a set's history (all its types)
HISTORY_ROWS = 20
REFUSALS = (ValidationFailed, PermissionDenied, Conflict, PreconditionFailed, UpstreamError)

# ``?done=`` codes and what the page then says (never text from the URL).
SET_DONE = {
    "created": "The record set was created.",
    "updated": "The record set was changed.",
    "unchanged": "Nothing changed: the set already held these values.",
}
ZONE_DONE = {"deleted": "The record set was deleted."}


def _page(visit: Visit, template: str, *, status: int = 200, **context: object) -> Response:
    """``template`` for the signed-in token, with the URL builders of the record pages."""
    links = {"zone_url": zone_url, "set_url": set_url, "shown_name": shown_name}
    return visit.page(template, status=status, **links, **context)


def _see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


# --- zones and their sets -------------------------------------------------------------------


@router.get("/zones")
async def zones_page(visit: VisitDep) -> Response:
    """The zones the signed-in token may read."""
    zones = visit.services.record_sets.zones(visit.principal)
    rows = [{"name": z, "unicode": names.to_unicode(z), "href": zone_url(z)} for z in zones]
    return visit.page("records_zones.html", zones=rows)


@router.get("/zones/{zone}")
async def sets_page(
    zone: str, visit: VisitDep, name: str = "", type: str = "", after: str = "", done: str = ""
) -> Response:
    """A page of the zone's record sets the token may read, filtered by name and type."""
    listing = Listing(zone_param(visit.services.rules, zone), name.strip(), type.strip(), after)
    try:
        rows, next_url = await _listed(visit, listing)
    except ValidationFailed as refused:
        errors = FormErrors.of(refused, [], FILTER_INPUTS)
        return _sets_page(visit, listing, [], "", errors, status=422)
    return _sets_page(visit, listing, rows, next_url, FormErrors(), ZONE_DONE.get(done, ""))


async def _listed(visit: Visit, listing: Listing) -> tuple[list[SetRow], str]:
    """The rows of the page, and the URL of the next one (``""`` on the last page)."""
    sets, next_key = await visit.services.record_sets.list_sets(
        visit.principal,
        listing.zone,
        name=name_filter(listing.zone, listing.name or None),
        type=listing.type_filter(),
        after=decode_cursor(listing.after or None),
        limit=PAGE_SIZE,
    )
    next_url = listing.url(encode_cursor(next_key)) if next_key is not None else ""
    return [SetRow.of(s) for s in sets], next_url


def _sets_page(
    visit: Visit,
    listing: Listing,
    rows: list[SetRow],
    next_url: str,
    errors: FormErrors,
    done: str = "",
    status: int = 200,
) -> Response:
    return _page(
        visit,
        "records_sets.html",
        status=status,
        zone=listing.zone,
        filters=listing,
        types=SUPPORTED_TYPES,
        rows=rows,
        errors=errors,
        done=done,
        first_url=listing.url() if listing.after else "",
        next_url=next_url,
    )


# --- one set: view, edit with a preview -----------------------------------------------------


@router.get("/zones/{zone}/sets/{name}/{type}")
async def set_page(zone: str, name: str, type: str, visit: VisitDep, done: str = "") -> Response:
    """The set, its edit form (opened with its ETag) and its recent history."""
    key = _key(visit, zone, name, type)
    record_set = await visit.services.record_sets.get_set(visit.principal, key)
    return await _set_page(visit, record_set, SetForm.of(record_set), done=SET_DONE.get(done, ""))


@router.post("/zones/{zone}/sets/{name}/{type}/preview")
async def preview_edit(zone: str, name: str, type: str, visit: VisitDep) -> Response:
    """What the edit would do (a dry run): each operation and each DNSimple call."""
    return await _edit(visit, zone, name, type, dry_run=True)


@router.post("/zones/{zone}/sets/{name}/{type}/apply")
async def apply_edit(zone: str, name: str, type: str, visit: VisitDep) -> Response:
    """The edit, if the set still has the ETag it had when its page was opened."""
    return await _edit(visit, zone, name, type, dry_run=False)


async def _edit(visit: Visit, zone: str, name: str, type: str, *, dry_run: bool) -> Response:
    form = await read_checked_form(visit)
    key = _key(visit, zone, name, type)
    typed = SetForm.read(form)
    try:
        asked = (key.zone, shown_name(key.name), key.type)
        change = await _write(visit, typed, asked, create=False, dry_run=dry_run)
    except REFUSALS as refused:
        await audit_refusal(visit.request, refused)
        return await _edit_refused(visit, key, typed, refused)
    if dry_run:
        return _plan_page(visit, change, typed, set_url(key, "apply"))
    return _see_other(set_url(key, done="unchanged" if change.plan.is_empty else "updated"))


async def _edit_refused(
    visit: Visit, key: SetKey, typed: SetForm, refused: DnsApiError
) -> Response:
    current = await _current(visit, key)
    if isinstance(refused, PreconditionFailed):  # retried, it is checked against the set now
        retry = replace(typed, etag=current.etag or "")
        return await _set_page(visit, current, retry, conflict=True, status=refused.status)
    errors = FormErrors.of(refused, typed.lines())
    return await _set_page(visit, current, typed, errors=errors, status=refused.status)


async def _set_page(
    visit: Visit,
    record_set: RecordSet,
    typed: SetForm,
    *,
    errors: FormErrors | None = None,
    conflict: bool = False,
    done: str = "",
    status: int = 200,
) -> Response:
    key = record_set.key
    return _page(
        visit,
        "records_set.html",
        status=status,
        key=key,
        record_set=record_set,
        values=[v.text(key.type) for v in record_set.values],
        records=record_rows(record_set),
        typed=typed,
        errors=errors or FormErrors(),
        conflict=conflict,
        done=done,
        history=await _set_history(visit, key),
    )


async def _set_history(visit: Visit, key: SetKey) -> list[Event]:
    """The set's latest events the token may see, newest first."""
    filters = Filters(zone=key.zone, name=key.name)
    events, _ = await visit.services.audit.page(visit.principal, filters, None, HISTORY_SCAN)
    return [e for e in events if e.type == key.type][:HISTORY_ROWS]


# --- a new set ------------------------------------------------------------------------------


@router.get("/zones/{zone}/new")
async def new_set_page(zone: str, visit: VisitDep) -> Response:
    zone_name = zone_param(visit.services.rules, zone)
    return _new_set_page(visit, zone_name, SetForm(type="A"), FormErrors())


@router.post("/zones/{zone}/new/preview")
async def preview_new_set(zone: str, visit: VisitDep) -> Response:
    return await _create(visit, zone, dry_run=True)


@router.post("/zones/{zone}/new/apply")
async def apply_new_set(zone: str, visit: VisitDep) -> Response:
    return await _create(visit, zone, dry_run=False)


async def _create(visit: Visit, zone: str, *, dry_run: bool) -> Response:
    form = await read_checked_form(visit)
    zone_name = zone_param(visit.services.rules, zone)
    typed = SetForm.read(form)
    try:
        asked = (zone_name, typed.name, typed.type)
        change = await _write(visit, typed, asked, create=True, dry_run=dry_run)
    except REFUSALS as refused:
        await audit_refusal(visit.request, refused)
        errors, existing = await _creation_refused(visit, zone_name, typed, refused)
        return _new_set_page(visit, zone_name, typed, errors, existing, status=refused.status)
    if dry_run:
        return _plan_page(visit, change, typed, f"{zone_url(zone_name)}/new/apply")
    return _see_other(set_url(change.key, done="created"))


async def _creation_refused(
    visit: Visit, zone: str, typed: SetForm, refused: DnsApiError
) -> tuple[FormErrors, str]:
    """The refusal as the form shows it, and the URL of the set when it exists already."""
    if isinstance(refused, Conflict) and not isinstance(refused, UpstreamDrift):
        key = validate_key(visit.services.rules, type=typed.type, zone=zone, name=typed.name)
        if (await _current(visit, key)).records:
            problem = f"A {key.type} set at {key.fqdn} exists already: change it on its page."
            return FormErrors(problem=problem), set_url(key)
    return FormErrors.of(refused, typed.lines()), ""


def _new_set_page(
    visit: Visit,
    zone: str,
    typed: SetForm,
    errors: FormErrors,
    existing_url: str = "",
    status: int = 200,
) -> Response:
    return _page(
        visit,
        "records_new.html",
        status=status,
        zone=zone,
        typed=typed,
        errors=errors,
        types=SUPPORTED_TYPES,
        default_ttl=visit.services.rules.default_ttl,
        existing_url=existing_url,
    )


# --- delete ---------------------------------------------------------------------------------


@router.get("/zones/{zone}/sets/{name}/{type}/delete")
async def delete_page(zone: str, name: str, type: str, visit: VisitDep) -> Response:
    """What a delete removes, and the form that confirms it (with the set's ETag now)."""
    key = _key(visit, zone, name, type)
    record_set = await visit.services.record_sets.get_set(visit.principal, key)
    return _delete_page(visit, record_set, FormErrors())


@router.post("/zones/{zone}/sets/{name}/{type}/delete")
async def delete_set(zone: str, name: str, type: str, visit: VisitDep) -> Response:
    form = await read_checked_form(visit)
    key = _key(visit, zone, name, type)
    precondition = Precondition(if_match=form.get("etag").strip() or None)
    request = SetRequest(key, None, None, precondition)
    try:
        await visit.services.record_sets.change(visit.principal, [request])
    except REFUSALS as refused:
        await audit_refusal(visit.request, refused)
        current = await _current(visit, key)
        conflict = isinstance(refused, PreconditionFailed)
        errors = FormErrors() if conflict else FormErrors.of(refused, [])
        return _delete_page(visit, current, errors, conflict=conflict, status=refused.status)
    return _see_other(zone_url(key.zone, done="deleted"))


def _delete_page(
    visit: Visit,
    record_set: RecordSet,
    errors: FormErrors,
    *,
    conflict: bool = False,
    status: int = 200,
) -> Response:
    key = record_set.key
    return _page(
        visit,
        "records_delete.html",
        status=status,
        key=key,
        record_set=record_set,
        records=record_rows(record_set),
        errors=errors,
        conflict=conflict,
    )


# --- shared ---------------------------------------------------------------------------------


async def _write(
    visit: Visit, typed: SetForm, asked: tuple[str, str, str], *, create: bool, dry_run: bool
) -> SetChange:
    request = typed.request(visit.services.rules, *asked, create=create)
    [change] = await visit.services.record_sets.change(visit.principal, [request], dry_run=dry_run)
    return change


def _plan_page(visit: Visit, change: SetChange, typed: SetForm, apply_url: str) -> Response:
    key = change.key
    account = visit.services.settings.dnsimple_account_id or ""
    plan = PlanView.of(change.plan, zone=key.zone, account=account, show_before=change.readable)
    return _page(
        visit,
        "records_plan.html",
        key=key,
        plan=plan,
        typed=typed,
        lines=typed.lines(),
        apply_url=apply_url,
        back_url=set_url(key) if change.before.records else zone_url(key.zone),
    )


async def _current(visit: Visit, key: SetKey) -> RecordSet:
    """The set as it is now (empty if it was deleted meanwhile)."""
    try:
        return await visit.services.record_sets.get_set(visit.principal, key)
    except NotFound:
        return visit.services.record_sets.empty_set(key)


def _key(visit: Visit, zone: str, name: str, type: str) -> SetKey:
    return validate_key(visit.services.rules, type=type, zone=zone, name=name)
