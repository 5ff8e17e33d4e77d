"""``dns-api reconcile`` and ``dns-api adopt``: the records dns-api owns against DNSimple.

Both work on the server's database and DNSimple account directly; admins get the same over HTTP
(``/reconcile``, ``/zones/<zone>/rrsets/<name>/<type>/adopt``). ``reconcile`` is a dry run unless
``--apply`` is given, and its exit code suits cron: 0 in sync, 2 when the plan (before any apply)
had items, 3 when the plan needs ``--force`` and did not get it, 1 on errors.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, TypeVar

import typer

from dns_api.cli.common import fail, settings_or_exit
from dns_api.cli.demo import demo_dnsimple
from dns_api.cli.server_side import on_services
from dns_api.domain import names
from dns_api.domain.problems import Field, renamed
from dns_api.domain.records import validate_key
from dns_api.errors import ConfigurationError, NeedsForce, ValidationFailed
from dns_api.services.reconcile import Reconciler
from dns_api.services.reconcile_plan import ApplyResult, ZonePlan
from dns_api.settings import Settings, load_settings
from dns_api.views import report_json

EXIT_IN_SYNC, EXIT_ERROR, EXIT_DRIFT, EXIT_NEEDS_FORCE = 0, 1, 2, 3
EXIT_BAD_OPTION = 2  # adopt only: reconcile keeps 2 for drift
PROGRESS_FROM = 20  # items; fewer finish before a bar is worth drawing
ACTOR = "cli"
OPTIONS = {Field.TYPE: "type", Field.ZONE: "zone", Field.NAME: "name"}  # --type, --zone, --name

T = TypeVar("T")


@dataclass(slots=True)
class Outcome:
    plans: list[ZonePlan]
    results: list[ApplyResult] = field(default_factory=list)
    refused: str | None = None  # why the plan was not applied (it needs --force)


def _with_reconciler(
    settings: Settings, work: Callable[[Reconciler], Awaitable[T]], *, writes: bool = True
) -> T:
    """Run ``work`` against the configured database and DNSimple (in demo mode, the running
    demo's emulator); errors are one line."""
    demo = settings.demo_mode
    return on_services(
        demo_dnsimple(settings),
        lambda services: work(services.reconciler),
        writes=writes,
        demo=demo,
    )


def _settings_for_cron() -> Settings:
    """Like ``settings_or_exit``, but exit 1: reconcile keeps 2 for drift."""
    try:
        return load_settings()
    except ConfigurationError as exc:
        fail(f"configuration error: {exc.detail}", EXIT_ERROR)


@contextmanager
def _progress(total: int, label: str, minimum: int) -> Iterator[Callable[[int], None] | None]:
    """A bar on stderr for long runs at a terminal; ``None`` otherwise."""
    if total < minimum or not sys.stderr.isatty():
        yield None
        return
    with typer.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


async def _reconcile(
    reconciler: Reconciler, zone: str | None, apply: bool, force: bool, drop_missing: bool
) -> Outcome:
    zones = reconciler.zones(zone)
    with _progress(len(zones), "listing DNSimple records", minimum=2) as tick:
        outcome = Outcome(await reconciler.plan(zone, progress=tick))
    if not apply:
        return outcome
    total = sum(p.changes for p in outcome.plans)
    with _progress(total, "reconciling", minimum=PROGRESS_FROM) as tick:
        try:
            outcome.results = await reconciler.apply_all(
                outcome.plans, force=force, drop_missing=drop_missing, actor=ACTOR, progress=tick
            )
        except NeedsForce as exc:
            outcome.refused = exc.detail
    return outcome


def reconcile(
    zone: Annotated[str | None, typer.Option(help="Only this zone (default: every one).")] = None,
    apply: Annotated[bool, typer.Option("--apply", help="Carry the plan out.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Apply even a plan that changes > 30 % of a zone.")
    ] = False,
    drop_missing: Annotated[
        bool,
        typer.Option(
            "--drop-missing", help="Drop the rows of records deleted at DNSimple (not re-create)."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The plan as JSON.")] = False,
) -> None:
    """Compare the records dns-api owns with DNSimple and print the plan; --apply carries it out.

    Exit code: 0 in sync, 2 when there was something to do, 3 when --force was needed, 1 on errors.
    """
    settings = _settings_for_cron()
    zone_name = None if zone is None else names.normalize_or_none(zone)
    if zone is not None and not zone_name:
        fail(f"--zone: {zone!r} is not a zone name")
    outcome = _with_reconciler(
        settings, lambda r: _reconcile(r, zone_name, apply, force, drop_missing), writes=apply
    )
    if as_json:
        applied = outcome.results if apply and outcome.refused is None else None
        typer.echo(json.dumps(report_json(outcome.plans, applied), indent=2))
    else:
        _print(outcome, apply)
    if outcome.refused is not None:
        fail(outcome.refused, EXIT_NEEDS_FORCE)
    raise typer.Exit(EXIT_IN_SYNC if all(p.in_sync for p in outcome.plans) else EXIT_DRIFT)


def _print(outcome: Outcome, apply: bool) -> None:
    for plan in outcome.plans:
        _print_plan(plan)
    for result in outcome.results:
        typer.echo(
            f"{result.zone}: applied: {len(result.intents)} intent(s) resolved, "
            f"{len(result.restored)} restored, {len(result.recreated)} re-created, "
            f"{len(result.dropped)} dropped, {len(result.skipped)} skipped"
        )
        for row_id, why in result.skipped.items():
            typer.echo(f"  skipped row {row_id}: {why}")
    if not apply and not all(p.in_sync for p in outcome.plans):
        typer.echo("dry run: nothing was changed (--apply carries the plan out)")


def _print_plan(plan: ZonePlan) -> None:
    if plan.in_sync:
        typer.echo(f"{plan.zone}: in sync ({plan.owned} owned records)")
        return
    typer.echo(
        f"{plan.zone}: {plan.owned} owned, {len(plan.missing)} missing, "
        f"{len(plan.drift)} drifted, {len(plan.pending)} pending, {len(plan.unknown)} unknown"
    )
    for row in plan.missing:
        typer.echo(
            f"  missing  {row.type} {row.fqdn} {_value(row.content, row.ttl, row.priority)}"
            f" (DNSimple id {row.dnsimple_record_id} is gone)"
        )
    for drift in plan.drift:
        ours, theirs = drift.record, drift.upstream
        typer.echo(
            f"  drift    {ours.type} {ours.fqdn} (DNSimple id {ours.dnsimple_record_id}): "
            f"ours {_value(ours.content, ours.ttl, ours.priority)}, "
            f"DNSimple {_value(theirs.content, theirs.ttl, theirs.priority)}"
        )
    for intent in plan.pending:
        steps = ", ".join(
            f"{op.kind} {op.key.type} {op.key.name or '@'}" for op in intent.operations
        )
        typer.echo(f"  pending  intent {intent.id} by {intent.actor}: {steps}")
    for record in plan.unknown:
        typer.echo(
            f"  unknown  {record.type} {names.fqdn(record.name, record.zone)} "
            f"{_value(record.content, record.ttl, record.priority)} (DNSimple id {record.id})"
        )


def _value(content: str, ttl: int, priority: int | None) -> str:
    prefix = f"{priority} " if priority is not None else ""
    return f"{prefix}{content} ttl {ttl}"


def adopt(
    zone: Annotated[str, typer.Option(help="The zone, e.g. example.com.")],
    name: Annotated[str, typer.Option(help="The name in the zone; @ for the apex.")],
    type: Annotated[str, typer.Option("--type", help="The record type, e.g. TXT.")],
) -> None:
    """Take ownership of the records of one type at one name that DNSimple already holds."""
    settings = settings_or_exit()

    async def work(reconciler: Reconciler) -> str:
        try:
            key = validate_key(reconciler.rules, type=type, zone=zone, name=name)
        except ValidationFailed as failure:
            raise renamed(failure, OPTIONS) from None
        adoption = await reconciler.adopt(key.zone, key.name, key.type, ACTOR)
        what = f"{key.type} record(s) at {key.fqdn}"
        if not adoption.adopted:
            return f"nothing new to adopt: dns-api owns the {what} already"
        ids = ", ".join(str(r.dnsimple_record_id) for r in adoption.adopted)
        already = f"; {len(adoption.already)} owned before" if adoption.already else ""
        return f"adopted {len(adoption.adopted)} {what} (DNSimple ids {ids}){already}"

    typer.echo(_with_reconciler(settings, work))
