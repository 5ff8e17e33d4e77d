"""Drive dns-lexicon's dnsimple provider through its Python API; run by
``.venv-thirdparty/lexicon/bin/python``.

Reads one JSON request on stdin::

    {"api_endpoint": "http://127.0.0.1:<port>/v2", "token": "...", "domain": "example.com",
     "steps": [{"op": "create", "type": "TXT", "name": "x", "content": "y"}, ...]}

and prints one JSON list on stdout, an outcome per step, in order::

    {"ok": true, "value": <what the operation returned: a bool, or the listed records>}
    {"ok": false, "error": {"type": "HTTPError", "message": "...", "status": 401,
                            "body": <DNSimple's JSON answer, or null>}}

Operations: ``create`` (``type``, ``name``, ``content``), ``list`` (optional ``type``, ``name``,
``content``), ``update`` and ``delete`` (optional ``identifier``, ``type``, ``name``,
``content``). A step may carry ``ttl`` and ``priority``, which lexicon takes as options of the
whole run, so each step is a run of its own (``with Client(config) as operations``), as a
program that calls lexicon once per change does. A failing step does not stop the next one.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

# Typed inside its venv; outside it (dns-api's own mypy run) lexicon is absent.
from lexicon.client import Client  # type: ignore[import-not-found, unused-ignore]
from lexicon.config import ConfigResolver  # type: ignore[import-not-found, unused-ignore]

Step = dict[str, Any]
_OPTIONS = ("ttl", "priority")


def main() -> None:
    """Run every step of the request on stdin and print the outcomes."""
    request = json.load(sys.stdin)
    outcomes = [outcome(partial(perform, request, step)) for step in request["steps"]]
    json.dump(outcomes, sys.stdout)


def config(request: dict[str, Any], step: Step) -> ConfigResolver:
    """The configuration of one run: the dnsimple provider at the emulator, ``step``'s options."""
    provider = {"auth_token": request["token"], "api_endpoint": request["api_endpoint"]}
    options = {key: step[key] for key in _OPTIONS if key in step}
    settings = {"provider_name": "dnsimple", "domain": request["domain"], **options}
    resolver = ConfigResolver()  # type: ignore[no-untyped-call, unused-ignore]
    return resolver.with_dict({**settings, "dnsimple": provider})


def perform(request: dict[str, Any], step: Step) -> Any:
    """One operation in a run of its own."""
    op = step["op"]
    with Client(config(request, step)) as operations:
        if op == "create":
            return operations.create_record(step["type"], step["name"], step["content"])
        if op == "list":
            return operations.list_records(step.get("type"), step.get("name"), step.get("content"))
        arguments = [step.get(key) for key in ("identifier", "type", "name", "content")]
        if op == "update":
            return operations.update_record(*arguments)
        if op == "delete":
            return operations.delete_record(*arguments)
    raise ValueError(f"unknown op {op!r}")


def outcome(call: Callable[[], Any]) -> dict[str, Any]:
    """``call``'s value, or what it raised (with the HTTP answer behind it, if any)."""
    try:
        return {"ok": True, "value": call()}
    except Exception as exc:  # every failure is an outcome to report
        response = getattr(exc, "response", None)
        error = {"type": type(exc).__name__, "message": str(exc)}
        if response is not None:
            error["status"] = response.status_code
            error["body"] = _json_or_none(response)
        return {"ok": False, "error": error}


def _json_or_none(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


if __name__ == "__main__":
    main()
