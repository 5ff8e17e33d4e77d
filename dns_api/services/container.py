"""Everything a request needs, built once per process by ``build_services``."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from dns_api.db import urls
from dns_api.db.database import Database
from dns_api.db.locks import AdvisoryLocks
from dns_api.domain.records import ZoneRules
from dns_api.domain.rrsets import EntityTags
from dns_api.providers.base import DnsProvider
from dns_api.providers.dnsimple import CallObserver, DnsimpleClient
from dns_api.providers.unconfigured import UnconfiguredProvider
from dns_api.providers.upstream_policy import UpstreamPolicy
from dns_api.services.acme_dns import AcmeDnsConfig, AcmeDnsService
from dns_api.services.audit import AuditTrail
from dns_api.services.auth import (
    Authenticator,
    LegacyTokenVerifier,
    ScopedTokenVerifier,
    TokenVerifier,
)
from dns_api.services.clock import utc_now
from dns_api.services.console_sessions import ConsoleSessions, SessionPolicy
from dns_api.services.dyndns import DynDns
from dns_api.services.health import Readiness
from dns_api.services.locks import NameLocks
from dns_api.services.plans import PlanRunner
from dns_api.services.reconcile import Reconciler
from dns_api.services.records import RecordService
from dns_api.services.recovery import IntentRecovery
from dns_api.services.revert import Reverter
from dns_api.services.rrsets import RecordSetService
from dns_api.services.throttle import FailureThrottle
from dns_api.services.tokens import TokenService
from dns_api.services.upstream_writes import BatchSupport, UpstreamWriter
from dns_api.settings import Settings


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    rules: ZoneRules
    database: Database
    provider: DnsProvider
    authenticator: Authenticator
    records: RecordService
    record_sets: RecordSetService
    tokens: TokenService
    locks: NameLocks
    recovery: IntentRecovery
    audit: AuditTrail
    acme_dns: AcmeDnsService
    dyndns: DynDns
    reverter: Reverter
    reconciler: Reconciler
    readiness: Readiness
    console_sessions: ConsoleSessions

    async def aclose(self) -> None:
        await self.provider.aclose()
        self.locks.dispose()
        self.database.dispose()


def legacy_verifier(settings: Settings) -> LegacyTokenVerifier:
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    return LegacyTokenVerifier(secret, settings.valid_users)


def entity_tags(settings: Settings) -> EntityTags:
    """ETags keyed with SECRET_KEY (stable across restarts and instances), or with a key of this
    process when there is none."""
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    return EntityTags.from_secret(secret or secrets.token_urlsafe(32))


def upstream_policy(settings: Settings) -> UpstreamPolicy:
    timeout = settings.dnsimple_timeout
    return UpstreamPolicy(
        connect_timeout=min(3.0, timeout),
        read_timeout=timeout,
        write_timeout=timeout,
        max_rate_limit_wait=settings.dnsimple_max_rate_limit_wait,
    )


def dnsimple_client(settings: Settings, on_call: CallObserver | None = None) -> DnsimpleClient:
    token = settings.dnsimple_account_token
    return DnsimpleClient(
        base_url=settings.dnsimple_base_url,
        account_id=settings.dnsimple_account_id or "",
        token=token.get_secret_value() if token else "",
        policy=upstream_policy(settings),
        on_call=on_call,
    )


def console_sessions(
    settings: Settings, database: Database, authenticator: Authenticator, tokens: TokenService
) -> ConsoleSessions:
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    policy = SessionPolicy(
        idle=timedelta(minutes=settings.console_idle_minutes),
        lifetime=timedelta(hours=settings.console_session_hours),
    )
    return ConsoleSessions(
        database,
        authenticator,
        tokens,
        policy=policy,
        legacy_users=settings.valid_users,
        secret_key=secret,
    )


def zone_rules(settings: Settings) -> ZoneRules:
    return ZoneRules.build(
        settings.dnsimple_domains,
        settings.blacklisted_subdomains,
        settings.dnsimple_domain_ttl,
        min_ttl=settings.min_ttl,
        max_ttl=settings.max_ttl,
    )


def authenticator(settings: Settings, tokens: TokenService) -> Authenticator:
    """Scoped tokens always; the original's tokens unless ``LEGACY_TOKENS`` is off."""
    verifiers: list[TokenVerifier] = [ScopedTokenVerifier(tokens)]
    if settings.legacy_tokens:
        verifiers.append(legacy_verifier(settings))
    return Authenticator(verifiers, FailureThrottle(settings.auth_failure_limit))


def build_services(
    settings: Settings, provider: DnsProvider | None = None, *, on_call: CallObserver | None = None
) -> Services:
    """Wire the services for ``settings``; ``provider`` replaces DNSimple (tests, demo).
    ``on_call`` is told of every request sent to DNSimple (metrics)."""
    database = Database(settings.database_url)
    if provider is None and settings.demo_mode:
        provider = UnconfiguredProvider()  # a command beside no running demo server
    elif provider is None:
        provider = dnsimple_client(settings, on_call)
    tokens = TokenService(database, remember_for=settings.token_cache_seconds)
    rules = zone_rules(settings)
    writer = UpstreamWriter(database, provider, BatchSupport())
    runner = PlanRunner(database, provider, writer)
    shared = None if urls.is_sqlite(settings.database_url) else AdvisoryLocks(settings.database_url)
    locks = NameLocks(shared)
    recovery = IntentRecovery(database, provider, locks)
    audit = AuditTrail(database)
    record_sets = RecordSetService(
        database, provider, runner, rules, locks, audit, entity_tags(settings)
    )
    records = RecordService(database, runner, rules, locks, record_sets, audit)
    auth = authenticator(settings, tokens)
    return Services(
        settings=settings,
        rules=rules,
        database=database,
        provider=provider,
        authenticator=auth,
        records=records,
        record_sets=record_sets,
        tokens=tokens,
        locks=locks,
        recovery=recovery,
        audit=audit,
        acme_dns=AcmeDnsService(database, AcmeDnsConfig.of(settings), utc_now),
        dyndns=DynDns(record_sets, audit),
        reverter=Reverter(records, record_sets),
        reconciler=Reconciler(database, provider, rules, locks, recovery),
        readiness=Readiness(database, provider),
        console_sessions=console_sessions(settings, database, auth, tokens),
    )
