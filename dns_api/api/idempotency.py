"""``Idempotency-Key`` on writes: a retry with the same key gets the first answer, and the change
is made once.

A pure ASGI middleware (``install_idempotency``). Only POST, PUT, PATCH and DELETE requests
that carry the header and an Authorization header are touched; everything else passes straight
through, without a database access or a buffered body. Keys are stored through
``dns_api.services.idempotency.IdempotencyKeys`` (made by ``create_app``).

The caller is authenticated first (``api.authentication``, shared with the routes): a caller the
routes would refuse (unknown, revoked, rotated, expired, outside its networks, throttled) gets
that refusal, never a stored answer. The key is then claimed (``IdempotencyKeys.claim``, one
short transaction) under the caller's scope: the SHA-256 of the Authorization header, so
keys of different callers never meet and no secret is stored. A caller holds at most
``IDEMPOTENCY_MAX_KEYS`` live keys; a new key past that is 429 with ``Retry-After``. Then:

- a new key, or one older than 24 h: the app runs. A 2xx answer is stored, before the client
  sees it, and replayed to later retries; any other answer is forgotten, so a corrected retry
  runs again (no non-2xx answer of this API leaves a change behind);
- the same key for the same request (method, path, query and body), answered: the stored
  answer (status, body, Content-Type, ETag) with ``Idempotent-Replayed: true``, without running
  the app;
- the same key for another request: 422;
- the same key, still running: 409 with ``Retry-After``, unless it has run for longer than
  ``dns_api.db.idempotency.STALE_AFTER`` (5 minutes): then its process is taken to be gone and
  this request takes over.

A database failure while claiming is a 503 and nothing runs; while storing the answer it is
logged and the answer still goes out (the row stays in progress, so retries wait, then take
over).
"""

from __future__ import annotations

import hashlib
import json
import logging

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dns_api.api.authentication import authenticate
from dns_api.api.deps import MAX_BODY_BYTES
from dns_api.api.envelope import error_item, error_reply
from dns_api.api.errors import source_of
from dns_api.errors import DnsApiError, FieldProblem, StorageUnavailable, ValidationFailed
from dns_api.services.idempotency import Claim, IdempotencyKeys, KeyedRequest, Lease, Verdict

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Replies that hold a secret (a minted token) are never stored: a key there is ignored.
UNSTORED_PREFIXES = ("/tokens", "/console")  # answers that may hold a new secret
MAX_KEY_LENGTH = 255
REPLAYED_HEADERS = ("content-type", "etag")


class _ClientGone(Exception):
    pass


def valid_key(key: str) -> bool:
    return 1 <= len(key) <= MAX_KEY_LENGTH and all(" " <= c <= "~" for c in key)


def fingerprint(scope: Scope, body: bytes) -> str:
    digest = hashlib.sha256()
    path = scope["path"].encode("utf-8", "surrogatepass")
    preconditions = [
        value
        for name, value in scope.get("headers", [])
        if name.lower() in (b"if-match", b"if-none-match")
    ]
    parts = (scope["method"].encode(), path, scope.get("query_string", b""), *preconditions)
    for part in parts:
        digest.update(len(part).to_bytes(8, "big") + part)  # no two requests hash alike
    digest.update(body)
    return digest.hexdigest()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("latin-1")).hexdigest()


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body; None once it passes ``MAX_BODY_BYTES``."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """``receive`` for the app: the buffered body first, then the client's own messages."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


def answer_to_store(messages: list[Message]) -> tuple[int, str] | None:
    """The status and the stored form of a 2xx answer; None for any other answer."""
    start = next((m for m in messages if m["type"] == "http.response.start"), None)
    if start is None or not 200 <= start["status"] < 300:
        return None
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    headers = {k: v for k, v in Headers(raw=start["headers"]).items() if k in REPLAYED_HEADERS}
    return start["status"], json.dumps({"headers": headers, "body": text})


def replay(status_code: int, stored: str) -> Response:
    answer = json.loads(stored)
    headers = {"content-type": "application/json", **answer["headers"], REPLAYED_HEADER: "true"}
    return Response(answer["body"], status_code=status_code, headers=headers)


def _header_error(
    status: int, title: str, detail: str, code: str, retry_after: int | None = None
) -> Response:
    item = error_item(title=title, detail=detail, code=code, source={"header": HEADER})
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return error_reply(status, [item], headers)


def bad_key() -> Response:
    detail = f"{HEADER} must be 1-{MAX_KEY_LENGTH} printable ASCII characters"
    return _header_error(422, "Invalid input", detail, "invalid")


def reply_to(claim: Claim) -> Response:
    """The answer to a request that does not run."""
    if claim.verdict is Verdict.REPLAY and claim.status_code and claim.stored is not None:
        return replay(claim.status_code, claim.stored)
    if claim.verdict is Verdict.REUSED:
        detail = f"this {HEADER} was already used for a different request"
        return _header_error(422, "Invalid input", detail, "invalid")
    if claim.verdict is Verdict.TOO_MANY:
        detail = (
            f"this token holds as many {HEADER} answers as it may (IDEMPOTENCY_MAX_KEYS); "
            "each is kept 24 hours"
        )
        return _header_error(429, "Too many keys", detail, "too_many_keys", claim.retry_after)
    detail = f"a request with this {HEADER} is still in progress; retry later"
    return _header_error(409, "Conflict", detail, "conflict", retry_after=1)


def body_too_big() -> Response:
    error = ValidationFailed([FieldProblem("body", f"must be at most {MAX_BODY_BYTES} bytes")])
    [problem] = error.problems
    item = error_item(
        title=error.title,
        detail=f"{problem.field} {problem.message}",
        code=error.code,
        source=source_of(problem),
    )
    return error_reply(error.status, [item])


def storage_down(error: StorageUnavailable) -> Response:
    item = error_item(title=error.title, detail=error.detail, code=error.code)
    return error_reply(error.status, [item])


class IdempotencyMiddleware:
    """Replays the first 2xx answer to a write retried with the same ``Idempotency-Key``."""

    def __init__(self, app: ASGIApp, keys: IdempotencyKeys) -> None:
        self.app = app
        self.idempotency = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in WRITE_METHODS
            or scope["path"].startswith(UNSTORED_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        keys, authorization = headers.getlist(HEADER), headers.get("authorization")
        if not keys or authorization is None:
            await self.app(scope, receive, send)  # no key, or a 401 to come: nothing to keep
            return
        if len(keys) != 1 or not valid_key(keys[0]):
            await bad_key()(scope, receive, send)
            return
        try:
            await authenticate(Request(scope))
        except DnsApiError:
            await self.app(scope, receive, send)  # the routes answer the refusal kept for them
            return
        try:
            await self._keyed(scope, receive, send, _sha256(authorization), keys[0])
        except _ClientGone:
            return

    async def _keyed(
        self, scope: Scope, receive: Receive, send: Send, owner: str, key: str
    ) -> None:
        body = await _read_body(receive)
        if body is None:
            await body_too_big()(scope, receive, send)
            return
        request = KeyedRequest(owner, key, fingerprint(scope, body))
        try:
            outcome = await self.idempotency.claim(request)
        except StorageUnavailable as error:
            log.warning("%s %s: %s: %s", scope["method"], scope["path"], HEADER, error.detail)
            await storage_down(error)(scope, receive, send)
            return
        if outcome.verdict is not Verdict.RUN or outcome.lease is None:
            await reply_to(outcome)(scope, receive, send)
            return
        await self._run(outcome.lease, scope, _replaying(body, receive), send)

    async def _run(self, lease: Lease, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app holding ``lease``; record its answer before the client sees it."""
        messages: list[Message] = []

        async def capture(message: Message) -> None:
            messages.append(message)

        try:
            await self.app(scope, receive, capture)
        except Exception:
            await self._settle(scope, lease, None)
            raise
        await self._settle(scope, lease, answer_to_store(messages))
        for message in messages:
            await send(message)

    async def _settle(self, scope: Scope, lease: Lease, answer: tuple[int, str] | None) -> None:
        """Store a 2xx answer or let go of the key. A failure here must not hide the answer:
        the row stays in progress and a retry takes it over after ``STALE_AFTER``."""
        try:
            if answer is None:
                await self.idempotency.release(lease)
            elif not await self.idempotency.finish(lease, *answer):
                log.warning("%s %s: %s taken over", scope["method"], scope["path"], HEADER)
        except StorageUnavailable as error:
            log.warning("%s %s: %s: %s", scope["method"], scope["path"], HEADER, error.detail)


def install_idempotency(app: Starlette, keys: IdempotencyKeys) -> None:
    """Make writes sent with an ``Idempotency-Key`` safe to retry. Call before the app starts."""
    app.add_middleware(IdempotencyMiddleware, keys=keys)
