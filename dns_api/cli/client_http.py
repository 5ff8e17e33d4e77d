"""HTTP for the client commands: one httpx client with explicit timeouts, the reads the commands
share (zones, a full name cut into zone and name, every page of sets), and the one table that
turns an answer of the server into an exit code and a one-line message.

Exit codes (what a script can branch on)::

    0  ok
    1  usage or other error (bad option, a name in no zone, an unexpected answer)
    2  not found (404)
    3  refused: 401 (no valid token), 403 (not allowed), 429 (too many failed logins)
    4  conflict or precondition failed (409, 412): re-read the set and try again
    5  invalid input (422): the message names the field
    6  the server or DNSimple is unavailable (5xx, connection refused, timeout)

The token is sent only in the ``Authorization`` header and never appears in a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from dns_api.domain.names import split_fqdn

EXIT_OK = 0
EXIT_USAGE = 1
EXIT_NOT_FOUND = 2
EXIT_REFUSED = 3
EXIT_CONFLICT = 4
EXIT_INVALID = 5
EXIT_UNAVAILABLE = 6

PAGE_SIZE = 500  # sets per page of GET /zones/<zone>/rrsets (the server's maximum)
# A write may wait on DNSimple's retries and rate limit (about 10 s at most), hence the long read.
TIMEOUT = httpx.Timeout(60.0, connect=5.0, pool=5.0)

_EXIT_BY_STATUS = {
    401: EXIT_REFUSED,
    403: EXIT_REFUSED,
    404: EXIT_NOT_FOUND,
    409: EXIT_CONFLICT,
    412: EXIT_CONFLICT,
    422: EXIT_INVALID,
    429: EXIT_REFUSED,
}


class ClientError(Exception):
    """What a client command reports: one line for stderr, and the exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


@dataclass(frozen=True)
class Reply:
    data: Any
    meta: dict[str, Any]
    headers: httpx.Headers


def exit_code_for(status: int) -> int:
    if status >= 500:
        return EXIT_UNAVAILABLE
    return _EXIT_BY_STATUS.get(status, EXIT_USAGE)


def error_of(response: httpx.Response, where: str) -> ClientError:
    """``<status> <detail> (<source>)`` for each error of the envelope, on one line.

    An answer without the envelope did not come from dns-api (a proxy, a wrong ``--url``): a 5xx
    is still "unavailable", anything else a usage error, never "not found".
    """
    status = response.status_code
    errors = _errors(response)
    if errors:
        details = "; ".join(_one_error(item) for item in errors)
        return ClientError(_one_line(f"{status} {details}"), exit_code_for(status))
    answer = f"{status} {response.reason_phrase}".strip()
    if status >= 500:
        return ClientError(answer, EXIT_UNAVAILABLE)
    return ClientError(f"{answer} from {where}: not a dns-api answer (check --url)", EXIT_USAGE)


def _errors(response: httpx.Response) -> list[dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _one_error(item: dict[str, Any]) -> str:
    detail = str(item.get("detail") or item.get("title") or "error")
    source = item.get("source")
    if isinstance(source, dict) and source:
        where = source.get("pointer") or f"parameter {source.get('parameter')}"
        return f"{detail} ({where})"
    return detail


def _one_line(text: str) -> str:
    return " ".join(text.split())


def check_url(url: str) -> httpx.URL:
    """``url`` as the base of every request; a ClientError (usage) when it is not http(s)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise ClientError(f"--url: not an http(s) URL: {url!r}", EXIT_USAGE)
    return parsed


def check_token(token: str | None) -> str:
    token = (token or "").strip()
    if not token:
        raise ClientError("no token: pass --token or set DNS_API_TOKEN", EXIT_USAGE)
    if not token.isprintable() or any(c.isspace() for c in token):
        raise ClientError("--token: must be one word (no spaces or line breaks)", EXIT_USAGE)
    check_ascii("--token", token)
    return token


def check_ascii(option: str, value: str) -> str:
    """``value`` if it can travel in a header (ASCII); a ClientError naming ``option`` if not."""
    odd = next((c for c in value if not c.isascii()), None)
    if odd is not None:
        hint = " (a placeholder, such as a shortened example?)" if odd == "\u2026" else ""
        raise ClientError(
            f"{option}: holds {odd!r} (U+{ord(odd):04X}), which no token or ETag does{hint}",
            EXIT_USAGE,
        )
    return value


class ApiClient:
    """A running dns-api server at ``url``, called with ``token``."""

    def __init__(
        self,
        url: str,
        token: str | None,
        *,
        timeout: httpx.Timeout = TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = check_url(url)
        self._timeout = timeout
        self._where = str(self.url.copy_with(username=None, password=None))
        self._http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {check_token(token)}"},
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """The ``data`` of a 2xx answer; a ClientError for anything else."""
        try:
            response = self._http.request(method, path, params=params, json=body, headers=headers)
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None
        return self._reply(response)

    def zone_names(self) -> list[str]:
        return [zone["name"] for zone in self.call("GET", "/zones").data]

    def locate(self, name: str, zone: str | None) -> tuple[str, str]:
        """``(zone, name)`` for a set's path: as given with a zone, else cut from the full name
        against the zones this token may read, longest first."""
        if zone:
            return zone, name
        if name.strip() == "@":
            raise ClientError("@ needs --zone", EXIT_USAGE)
        zones = self.zone_names()
        found = split_fqdn(name, zones)
        if found is None:
            readable = ", ".join(zones) or "none"
            raise ClientError(
                f"{name} is in no zone this token may read ({readable}): "
                "give the full name or --zone",
                EXIT_USAGE,
            )
        return found[0], found[1] or "@"

    def sets(self, zone: str, name: str | None, type_: str | None) -> list[dict[str, Any]]:
        """Every set of ``zone`` that matches the filters, following ``next_cursor``."""
        params = {"limit": str(PAGE_SIZE)}
        params.update({k: v for k, v in (("name", name), ("type", type_)) if v is not None})
        found: list[dict[str, Any]] = []
        seen: set[str] = set()
        while True:
            reply = self.call("GET", f"/zones/{quote(zone, safe='')}/rrsets", params=params)
            found.extend(reply.data)
            cursor = reply.meta.get("next_cursor")
            if not cursor or cursor in seen:
                return found
            seen.add(cursor)
            params["cursor"] = cursor

    def _unreachable(self, exc: httpx.TransportError) -> ClientError:
        if isinstance(exc, httpx.UnsupportedProtocol):
            return ClientError(f"--url: not an http(s) URL: {self._where}", EXIT_USAGE)
        if isinstance(exc, httpx.ConnectTimeout):
            reason = f"no connection within {self._timeout.connect:g} s"
        elif isinstance(exc, httpx.TimeoutException):
            reason = f"no answer within {self._timeout.read:g} s"
        else:
            reason = _one_line(str(exc)) or type(exc).__name__
        return ClientError(f"cannot reach {self._where}: {reason}", EXIT_UNAVAILABLE)

    def _reply(self, response: httpx.Response) -> Reply:
        if not response.is_success:
            raise error_of(response, self._where)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "meta" not in body:
            answer = f"{response.status_code} {response.reason_phrase}".strip()
            raise ClientError(
                f"{answer} from {self._where}: not a dns-api answer (check --url)", EXIT_USAGE
            )
        return Reply(body.get("data"), body["meta"], response.headers)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def set_path(zone: str, name: str, type_: str) -> str:
    return "/zones/{}/rrsets/{}/{}".format(
        *(quote(part, safe="@*") for part in (zone, name, type_))
    )
