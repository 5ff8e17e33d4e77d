"""Schema fuzzing: every operation of the OpenAPI description the app serves, with schemathesis.

The description is the app's own ``GET /openapi.json``, read once at collection from an app that
is never started (``test_the_fuzzed_description_is_the_served_one`` checks that the app under
test serves the same one). Each operation is then tested against an app built as in production
(``create_app``) on the session's DNSimple emulator, reached over HTTP, and a migrated database
that holds a few records and a token (``fuzz_app``), so that ids 1 to 4 name something.
Schemathesis calls the app in-process over ASGI, runs its lifespan (migrations, the recovery
task) and ends it with the test. Every operation runs with two tokens: alice's legacy token (full
access, an admin) and a narrow one it mints (``pr-*`` CNAMEs of example.com, read and create).

Requests come from schemathesis (valid and invalid data), with plausible zones, names, types and
values mixed in (``PLAUSIBLE``, ``VALUES_BY_TYPE``) so that some get past validation to the code
that writes. Two families of checks, each a test of its own so that one cannot hide the other:

- ``test_no_server_error_and_every_4xx_in_the_envelope``: never a 5xx; every 4xx in the envelope
  ``{"errors": [{"title", "detail", "code", ...}], "meta": {"status": N}}``, N the HTTP status.
- ``test_every_reply_is_documented``: the status code, content type, headers and body schema are
  the ones the description documents for the operation.

405: the coverage phase also sends methods a path does not have; ``unsupported_method`` wants a
405 with an ``Allow`` header, and the reply is a 4xx like any other, so in the envelope. 304
(``If-None-Match`` on ``GET /zones/<zone>/rrsets/<name>/<type>``) has no body by definition
(RFC 9110), so it is outside the envelope check; like any status it must be documented.

Sizes. By default CI-sized: the schema's examples and ``FUZZ_EXAMPLES`` (3) generated requests
per operation and token, from a fixed seed so that every run sends the same requests, and
failures are not shrunk (about 350 requests, plus the set-up's). ``make fuzz`` is the long run,
in two passes: the coverage phase (boundary values, missing credentials, undocumented methods),
then thousands of generated requests per operation and token with a new seed each run (printed
with a failure; ``FUZZ_SEED`` replays it), failures shrunk to a minimal request.

Databases. SQLite only by default: the API's bugs show on either backend, the storage suites run
both, and CI's time is short. ``FUZZ_DATABASES=sqlite,postgresql`` (``make fuzz``) adds
PostgreSQL.

This suite is meant to find bugs. A failure is a finding about the app or its OpenAPI
description: fix that, never the checks.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any

import anyio
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import Case, CheckContext, GenerationMode, HookContext, Response
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from sqlalchemy import create_engine, text

from dns_api.app import create_app, services_of
from dns_api.db import urls
from dns_api.db.models import Base
from dns_api.emulator import RunningEmulator
from tests.conftest import PEER, _empty_tables, legacy_token, make_settings

ASGIApp = Callable[..., Any]

# Generated requests per operation and token: CI-sized unless set (see the module docstring).
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
# A CI-sized run is repeatable; a long one explores with a new seed, unless FUZZ_SEED is set.
FUZZ_SEED = os.environ.get("FUZZ_SEED")
DERANDOMIZE = "FUZZ_EXAMPLES" not in os.environ and FUZZ_SEED is None
FUZZ_DATABASES = os.environ.get("FUZZ_DATABASES", "sqlite").split(",")
# The coverage phase sends thousands of requests: the long run's (examples,coverage,fuzzing).
FUZZ_PHASES = os.environ.get("FUZZ_PHASES", "examples,fuzzing").split(",")

NARROW_GRANT = {
    "zones": ["example.com"],
    "names": ["pr-*"],
    "types": ["CNAME"],
    "actions": ["read", "create"],
}


def served_openapi() -> dict[str, Any]:
    """``GET /openapi.json`` of an app that is never started (nothing is connected to).

    Read at collection, not from the app under test through ``schemathesis.pytest.from_fixture``:
    schemathesis' lazy loader (4.32) renames test items through ``Node._nodeid``, which pytest
    9.2 no longer has."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(make_settings(database_url=f"sqlite:///{folder}/unused.db"))
        client = TestClient(app)  # not entered: the lifespan (migrations, ...) does not run
        try:
            description: dict[str, Any] = client.get("/openapi.json").json()
        finally:
            client.close()
            anyio.run(services_of(app).aclose)
    return description


OPENAPI = served_openapi()
schema = schemathesis.openapi.from_dict(OPENAPI)
schema.config.generation.update(
    modes=list(GenerationMode),
    max_examples=FUZZ_EXAMPLES,
    deterministic=DERANDOMIZE,
    # Shrinking a failure takes hundreds of requests: the long run's (CI shows the failing
    # request as generated; the first ones are small).
    no_shrink=DERANDOMIZE,
)
schema.config.phases.update(phases=FUZZ_PHASES)
# Each operation's examples come from a seed drawn from this one and the operation: a CI-sized
# run (seed 0) sends the same requests whatever ran before it in the process (Hypothesis'
# derandomized seed depends on which parametrized test of an operation ran first).
if FUZZ_SEED is not None or DERANDOMIZE:
    schema.config.seed = int(FUZZ_SEED or 0)


# Values the app accepts, mixed into generated requests field by field: the schema says
# "a string" for a zone, a name or a type, and random strings alone seldom get past validation to
# the code that writes to DNSimple and the database.
PLAUSIBLE: dict[str, list[Any]] = {
    "zone": ["example.com", "example.org", "EXAMPLE.com.", "example.net"],
    "name": ["pr-42", "pr-7.review", "@", "www", "pr-42.example.com", "_acme-challenge", "*"],
    "type": ["CNAME", "cname", "A", "AAAA", "TXT", "MX", "SRV", "CAA", "ALIAS", "NS"],
    "to": ["review.example.net", "192.0.2.10", "2001:db8::1", "10 mail.example.com", "token"],
    "id": ["1", "2", "3", "4"],
    "dry_run": ["true", "false"],
    "ttl": [None, 60, 300, 3600],
    "priority": [None, 10],
    "records": [["review.example.net"], ["192.0.2.1", "192.0.2.2"], ['"v=spf1 -all"'], []],
    "action": ["replace", "delete"],
    "grants": [
        [NARROW_GRANT],
        [{"zones": ["*"], "names": ["*"], "types": ["*"], "actions": ["read"]}],
        [{**NARROW_GRANT, "names": ["pr-1"], "actions": ["create", "update", "delete"]}],
    ],
    "expires": ["1h", "30d", "2099-01-01T00:00:00Z"],
    "cidrs": [["127.0.0.0/8"], ["192.0.2.0/24"]],
    "if-match": ["*", '"0"'],
    "if-none-match": ["*", '"0"'],
}
FIELD_ALIASES = {
    "domain": "zone",
    "subdomain": "name",
    "domain_type": "type",
    "record_id": "id",
    "event_id": "id",
    "token_id": "id",
    "actor": "name",
    "cursor": "id",
}


# Strings that have broken services before (NUL, LIKE wildcards, quotes, bidi, long), mixed
# into any string field but headers (where most cannot travel).
TRICKY = ["\x00", "a\x00b", "%", "_", "\\", "'", "\u202e", "ﬀ", "x" * 300]


def plausible(
    generated: Any, field: str = "", *, every: bool = False, tricky: bool = True
) -> st.SearchStrategy[Any]:
    """``generated``, where each field either keeps its generated value or takes a plausible
    one from ``PLAUSIBLE`` (or, for a string, a ``TRICKY`` one), down into lists and objects;
    ``every``: each field ``PLAUSIBLE`` knows takes a plausible value (a string field, now and
    then a tricky one)."""
    if isinstance(generated, dict):
        return st.fixed_dictionaries(
            {k: plausible(v, k, every=every, tricky=tricky) for k, v in generated.items()}
        )
    known = PLAUSIBLE.get(FIELD_ALIASES.get(field, field))
    if isinstance(generated, list) and known is None:
        items = (plausible(v, every=every, tricky=tricky) for v in generated)
        return st.tuples(*items).map(list)
    strings = tricky and isinstance(generated, str)
    if every and known is not None:
        # Now and then one tricky string among plausible values: what reaches the storage.
        return st.sampled_from([*known, *known, *known, *TRICKY] if strings else known)
    options = [st.just(generated)]
    if known is not None:
        options.append(st.sampled_from(known))
    if strings and not every:
        options.append(st.sampled_from(TRICKY))
    return st.one_of(options)


def _mix_plausible(context: HookContext, strategy: st.SearchStrategy[Any]) -> Any:
    """A third of the time as generated, a third field by field, a third all plausible."""
    return strategy.flatmap(
        lambda generated: st.one_of(
            st.just(generated), plausible(generated), plausible(generated, every=True)
        )
    )


def _mix_plausible_headers(context: HookContext, strategy: st.SearchStrategy[Any]) -> Any:
    return strategy.flatmap(
        lambda generated: st.one_of(st.just(generated), plausible(generated, tricky=False))
    )


for _part in ("path_parameters", "query", "body"):
    schema.hook(f"before_generate_{_part}")(_mix_plausible)
schema.hook("before_generate_headers")(_mix_plausible_headers)

# Values of each type, so that some requests are valid all the way through to DNSimple.
VALUES_BY_TYPE = {
    "A": ["192.0.2.1", "192.0.2.2"],
    "AAAA": ["2001:db8::1"],
    "ALIAS": ["target.example.net"],
    "CAA": ['0 issue "letsencrypt.org"'],
    "CNAME": ["review.example.net"],
    "MX": ["10 mail.example.com"],
    "SRV": ["10 5 443 sip.example.com"],
    "TXT": ["v=spf1 -all"],
}


def _of_type(case: Case, record_type: str) -> Case:
    """``case`` with every record type it holds set to ``record_type``, and values to match."""
    values = VALUES_BY_TYPE[record_type]
    body = case.body if isinstance(case.body, dict) else {}
    changes = body.get("changes")
    items = [i for i in changes if isinstance(i, dict)] if isinstance(changes, list) else []
    for part in (case.path_parameters, case.query, body, *items):
        if part is None:
            continue
        for key in ("type", "domain_type"):
            if key in part:
                part[key] = record_type
        if "to" in part:
            part["to"] = values[0]
        if "records" in part:
            part["records"] = list(values)
        if "priority" in part:  # MX and SRV values hold theirs
            part["priority"] = None
    return case


@schema.hook
def flatmap_case(context: HookContext, case: Case) -> st.SearchStrategy[Case]:
    """Half the time, a type and values that fit each other."""
    types = st.sampled_from(sorted(VALUES_BY_TYPE))
    return st.just(case) | types.map(lambda record_type: _of_type(case, record_type))


# Endpoints that speak another protocol's errors, as its clients expect: acme-dns' {"error"}
# JSON and DynDNS2's plain-text answer lines (their own tests pin those).
OTHER_PROTOCOLS = ("/acme-dns/register", "/acme-dns/update", "/nic/update")


def error_envelope(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every 4xx: ``{"errors": [{"title", "detail", "code", ...}], "meta": {"status": N}}``,
    N the HTTP status. 304 and other non-4xx replies are not concerned, nor the endpoints of
    ``OTHER_PROTOCOLS``."""
    status = response.status_code
    if not 400 <= status < 500 or case.path in OTHER_PROTOCOLS:
        return None
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"{status} reply is not JSON: {response.text[:300]!r}") from None
    problems = []
    if not isinstance(body, dict):
        problems.append("the body is not an object")
        body = {}
    errors = body.get("errors")
    if not isinstance(errors, list) or not errors:
        problems.append("`errors` is not a non-empty list")
    else:
        for index, error in enumerate(errors):
            if not isinstance(error, dict):
                problems.append(f"errors[{index}] is not an object")
                continue
            problems.extend(
                f"errors[{index}].{field} is not a non-empty string"
                for field in ("title", "detail", "code")
                if not (isinstance(error.get(field), str) and error[field])
            )
    meta = body.get("meta")
    if not isinstance(meta, dict) or meta.get("status") != status:
        problems.append(f"meta.status is not {status}")
    if problems:
        raise AssertionError(
            f"{status} reply is not in the error envelope: {'; '.join(problems)}\n"
            f"Body: {response.text[:500]}"
        )
    return None


# What must never happen, whatever is documented.
ROBUSTNESS = [not_a_server_error, error_envelope]
# What the OpenAPI description promises about each reply. ``unsupported_method`` judges the
# coverage phase's requests with undocumented methods: 405 with an ``Allow`` header.
CONFORMANCE = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    unsupported_method,
]


@pytest.fixture(params=FUZZ_DATABASES)
def database_url(request: pytest.FixtureRequest, _migrated_databases: dict[str, str | None]) -> str:
    """This module's own: SQLite only unless FUZZ_DATABASES says otherwise (see above), empty
    and with ids starting at 1 again (neither backend reuses them on its own), so that every
    test starts from the same ids."""
    url = _migrated_databases[request.param]
    if url is None:
        pytest.skip("PostgreSQL not available (set DNS_API_TEST_POSTGRES_URL)")
    _empty_tables(url)
    engine = create_engine(urls.engine_url(url))
    with engine.begin() as connection:
        if urls.is_sqlite(url):
            connection.execute(text("DELETE FROM sqlite_sequence"))
        else:
            for table in Base.metadata.sorted_tables:
                restart = f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), 1, false)"
                connection.execute(text(restart))
    engine.dispose()
    return url


def from_peer(app: ASGIApp) -> ASGIApp:
    """``app`` called from ``PEER``, a loopback address, like the suite's TestClient."""

    async def peer_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {**scope, "client": PEER}
        await app(scope, receive, send)

    return peer_app


FULL = f"Bearer {legacy_token('alice')}"
BY_PATH = "/records/{domain_type}/{domain}/{subdomain}/{to}"
# What every test starts from, so that ids 1 to 4 (records, audit events, tokens) exist: record 1
# is one the narrow token may read.
SEED_RECORDS = [
    {
        "domain_type": "CNAME",
        "domain": "example.com",
        "subdomain": "pr-1",
        "to": "review.example.net",
    },
    {"domain_type": "A", "domain": "example.com", "subdomain": "box", "to": "192.0.2.10"},
    {"domain_type": "TXT", "domain": "example.org", "subdomain": "pr-2", "to": "hello"},
]


def mint(app: ASGIApp, name: str) -> str:
    """The secret of a token with ``NARROW_GRANT``, minted with alice's legacy token."""
    minted = (
        schema["/tokens"]["POST"]
        .Case(body={"name": name, "grants": [NARROW_GRANT]}, media_type="application/json")
        .call(app=app, headers={"Authorization": FULL})
    )
    assert minted.status_code == 201, minted.text
    secret: str = minted.json()["data"]["token"]
    return secret


@pytest.fixture
def fuzz_app(emulator: RunningEmulator, database_url: str) -> ASGIApp:
    """The app under test, with ``SEED_RECORDS`` and a token already made."""
    settings = make_settings(dnsimple_base_url=emulator.url, database_url=database_url)
    app = from_peer(create_app(settings))
    for record in SEED_RECORDS:
        made = (
            schema[BY_PATH]["POST"]
            .Case(path_parameters=record)
            .call(app=app, headers={"Authorization": FULL})
        )
        assert made.status_code == 200, made.text
    mint(app, "spare")
    return app


@pytest.fixture(params=["full", "narrow"])
def bearer(request: pytest.FixtureRequest, fuzz_app: ASGIApp) -> str:
    """The Authorization header: alice's legacy token, or a narrow token minted with it."""
    if request.param == "full":
        return FULL
    return f"Bearer {mint(fuzz_app, 'narrow')}"


def exercise(case: Case, app: ASGIApp, bearer: str, checks: list[Any]) -> None:
    try:
        case.call_and_validate(app=app, headers={"Authorization": bearer}, checks=checks)
    except FailureGroup as group:
        # Hypothesis stops at the first BaseExceptionGroup it sees. An ExceptionGroup of the
        # same failures lets it run the other examples and report each distinct failure (each
        # with schemathesis' curl reproduction), not only the first.
        found = ExceptionGroup(group.message, list(group.exceptions))
        if not DERANDOMIZE:
            found.add_note(
                f"Replay: FUZZ_SEED={schema.config.seed} with the same FUZZ_EXAMPLES, FUZZ_PHASES"
            )
        raise found from None


# The app (its database, the emulator) lives for the whole test of an operation, as a server
# does between requests: that is intended. Generating through the hooks above is slow at times.
FUZZ_SETTINGS = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_no_server_error_and_every_4xx_in_the_envelope(
    case: Case, fuzz_app: ASGIApp, bearer: str
) -> None:
    exercise(case, fuzz_app, bearer, ROBUSTNESS)


@schema.parametrize()
@FUZZ_SETTINGS
def test_every_reply_is_documented(case: Case, fuzz_app: ASGIApp, bearer: str) -> None:
    exercise(case, fuzz_app, bearer, CONFORMANCE)


def test_the_fuzzed_description_is_the_served_one(fuzz_app: ASGIApp) -> None:
    """The description generated from at collection is the one the app under test serves."""
    client = TestClient(fuzz_app)
    try:
        assert client.get("/openapi.json").json() == OPENAPI
    finally:
        client.close()
