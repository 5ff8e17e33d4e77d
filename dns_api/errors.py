"""The errors dns-api raises, and nothing else.

Services and providers raise these; only the edges (``dns_api.api.errors`` for HTTP and
``dns_api.cli`` for the command line) catch them and turn them into a reply. Each error has a
stable ``code`` that clients and tests can rely on; messages are for people.

    DnsApiError
    ├── ConfigurationError          settings are unusable (startup only, never HTTP)
    ├── AuthenticationFailed        401: no, unknown or invalid credentials (``failure`` says which)
    ├── SignInRequired              console: no live session (answered with the sign-in page)
    ├── PermissionDenied            403: authenticated, but not allowed
    │   └── CsrfRefused             console: a form without its session's CSRF token
    ├── NotFound                    404: no such record (or route)
    ├── ValidationFailed            422: input broke one or more rules (every reason listed)
    ├── TooManyFailures             429: too many failed authentications from one source
    ├── PreconditionFailed          412: If-Match / If-None-Match did not hold
    ├── ImportRefused               the original's rows cannot be imported (one line per row)
    ├── Conflict                    409: the change clashes with existing state
    │   ├── UpstreamDrift           409: our row and DNSimple disagree (record gone upstream)
    │   └── NeedsForce              409: a reconcile plan changes too much of a zone
    ├── StorageUnavailable          503: the database could not be read or written
    └── UpstreamError               DNSimple did not do what we asked
        ├── UpstreamRejected        422: DNSimple refused the content (its field messages)
        ├── UpstreamFeatureUnavailable  DNSimple's plan lacks a feature (batch changes)
        ├── UpstreamNotFound        502: DNSimple has no such zone or record
        ├── UpstreamAuthFailed      502: DNSimple refused our credentials (operator problem)
        ├── UpstreamRateLimited     503: DNSimple's hourly budget is spent (retry_after)
        ├── UpstreamUnavailable     502/503: DNSimple answered 5xx, garbage, or not at all
        └── UpstreamTimeout         504: DNSimple did not answer in time
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One broken rule, tied to the input that broke it.

    ``location`` says where the field came from: ``body`` (a JSON pointer is built from
    ``field``), ``path`` or ``query`` (reported as a parameter). ``index`` picks one item of a
    list field (a record set's values) until an edge spells it into ``field`` (``records/2``).
    """

    field: str
    message: str
    location: str = "body"
    index: int | None = None


class DnsApiError(Exception):
    """Base of every error dns-api raises on purpose."""

    status: int = 500
    code: str = "error"
    title: str = "Error"

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.title
        super().__init__(self.detail)


class ConfigurationError(DnsApiError):
    code = "configuration_error"
    title = "Invalid configuration"

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        super().__init__(f"{variable}: {problem}")


class AuthFailure(StrEnum):
    """Why a caller could not be identified: a small fixed set (the metrics label)."""

    MISSING = "missing"  # no credentials at all
    MALFORMED = "malformed"  # not a token of any kind we issue
    SIGNATURE = "signature"  # a token whose signature or algorithm is wrong
    UNKNOWN = "unknown"  # well formed, but nobody we know
    EXPIRED = "expired"
    REVOKED = "revoked"
    SOURCE = "source"  # used from outside its networks


class AuthenticationFailed(DnsApiError):
    """The caller could not be identified. ``reason`` is for the log, never for the reply."""

    status = 401
    code = "unauthenticated"
    title = "Unauthorized"

    def __init__(self, failure: AuthFailure, reason: str) -> None:
        self.failure = failure
        self.reason = reason
        super().__init__("A valid bearer token is required.")


class SignInRequired(DnsApiError):
    """The console has no live session for this browser; ``detail`` says why, for the page."""

    status = 401
    code = "sign_in_required"
    title = "Sign-in required"


class PermissionDenied(DnsApiError):
    """``target``: the zone, name and type of a refused record write (for the audit trail);
    empty for other refusals (minting, admin-only endpoints)."""

    status = 403
    code = "forbidden"
    title = "Forbidden"

    def __init__(self, detail: str | None = None, *, target: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.target = target or {}


class CsrfRefused(PermissionDenied):
    """A console form sent without its session's CSRF token, or from another site."""

    code = "csrf_refused"

    def __init__(self) -> None:
        super().__init__("This form has expired or came from another site; reload and retry.")


class NotFound(DnsApiError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(DnsApiError):
    status = 409
    code = "conflict"
    title = "Conflict"


class PreconditionFailed(DnsApiError):
    """An ``If-Match`` / ``If-None-Match`` that no longer holds: someone changed the set."""

    status = 412
    code = "precondition_failed"
    title = "Precondition failed"


class UpstreamDrift(Conflict):
    code = "upstream_drift"
    title = "DNSimple no longer matches dns-api's records"


class NeedsForce(Conflict):
    """A reconcile plan would change more of a zone than it may without ``--force``."""

    code = "needs_force"
    title = "The plan changes too much of a zone"


class ImportRefused(DnsApiError):
    """The original's rows cannot be imported as they are; ``lines`` says why, one per row."""

    code = "import_refused"
    title = "The records of python-dns-api cannot be imported"

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("; ".join(lines))


class StorageUnavailable(DnsApiError):
    """``reason`` says why in the driver's words (for the log and the command line, never a
    reply: it may name hosts and tables)."""

    status = 503
    code = "storage_unavailable"
    title = "Database unavailable"

    def __init__(self, detail: str | None = None, *, reason: str | None = None) -> None:
        super().__init__(detail)
        self.reason = reason or self.detail


class ValidationFailed(DnsApiError):
    """Input broke one or more rules; ``problems`` lists every one of them.

    ``refused`` holds the targets (zone, name, type) among them that a global rule forbids (the
    deny list): reported with the other problems, and audited like every refused write.
    """

    status = 422
    code = "invalid"
    title = "Invalid input"

    def __init__(
        self, problems: list[FieldProblem], *, refused: tuple[dict[str, str], ...] = ()
    ) -> None:
        self.problems = problems
        self.refused = refused
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))


class TooManyFailures(DnsApiError):
    status = 429
    code = "too_many_failures"
    title = "Too many failed attempts"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"Too many failed authentications from this address; retry in {retry_after} s."
        )


class UpstreamError(DnsApiError):
    """DNSimple did not do what was asked. ``detail`` carries DNSimple's own message."""

    status = 502
    code = "upstream_error"
    title = "DNSimple error"

    def __init__(self, detail: str | None = None, *, upstream_status: int | None = None) -> None:
        self.upstream_status = upstream_status
        super().__init__(detail)


class UpstreamRejected(UpstreamError):
    """DNSimple answered 400: the content is not acceptable to it."""

    status = 422
    code = "upstream_rejected"
    title = "DNSimple rejected the change"

    def __init__(
        self,
        detail: str | None = None,
        *,
        field_errors: dict[str, list[str]] | None = None,
        upstream_status: int | None = 400,
    ) -> None:
        self.field_errors = field_errors or {}
        super().__init__(detail, upstream_status=upstream_status)


class UpstreamFeatureUnavailable(UpstreamError):
    """DNSimple refused a feature the account's plan lacks (412), such as batch changes."""

    status = 502
    code = "upstream_feature_unavailable"


class UpstreamNotFound(UpstreamError):
    """DNSimple has no such zone or record. Services handle it where a gone record is fine;
    where it escapes (a configured zone missing at DNSimple) it is DNSimple failing: 502."""

    status = 502
    code = "upstream_not_found"
    title = "Not found at DNSimple"


class UpstreamAuthFailed(UpstreamError):
    status = 502
    code = "upstream_auth_failed"
    title = "DNSimple refused dns-api's credentials"


class UpstreamRateLimited(UpstreamError):
    status = 503
    code = "upstream_rate_limited"
    title = "DNSimple rate limit reached"

    def __init__(
        self,
        detail: str | None = None,
        *,
        retry_after: int | None = None,
        upstream_status: int | None = 429,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(detail, upstream_status=upstream_status)


class UpstreamUnavailable(UpstreamError):
    """DNSimple failed. Its own 503 ("come back later") is passed on as 503, the rest as 502."""

    status = 502
    code = "upstream_unavailable"
    title = "DNSimple is unavailable"

    def __init__(self, detail: str | None = None, *, upstream_status: int | None = None) -> None:
        super().__init__(detail, upstream_status=upstream_status)
        if upstream_status == 503:
            self.status = 503


class UpstreamTimeout(UpstreamError):
    status = 504
    code = "upstream_timeout"
    title = "DNSimple did not answer in time"
