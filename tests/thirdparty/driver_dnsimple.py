"""Drive the official ``dnsimple`` Python client; run by ``.venv-thirdparty/dnsimple/bin/python``.

Reads one JSON request on stdin::

    {"base_url": "http://127.0.0.1:<port>", "token": "...", "account": 1010,
     "steps": [{"op": "create", "zone": "example.com",
                "record": {"name": "www", "type": "A", "content": "192.0.2.1"}}, ...]}

and prints one JSON list on stdout, an outcome per step, in order::

    {"ok": true, "value": <the record(s), the account, or null>}
    {"ok": false, "error": {"type": "DNSimpleException", "status": 401,
                            "message": "...", "errors": {...} or null}}

Operations: ``whoami``, ``list`` (``zone``, optional ``filter``), ``get`` (``zone``, ``id``),
``create`` (``zone``, ``record``), ``update`` (``zone``, ``id``, ``fields``), ``delete``
(``zone``, ``id``). A step that fails does not stop the next one. Only the client's public API
is used, exactly as a program of its users would; this file never imports dns-api.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

# The client has no type information; mypy is told so (and, outside its venv, that it is absent).
from dnsimple import Client, DNSimpleException  # type: ignore[import-untyped, import-not-found, unused-ignore]
from dnsimple.struct import ZoneRecordInput, ZoneRecordUpdateInput  # type: ignore[import-untyped, import-not-found, unused-ignore]

Step = dict[str, Any]


def main() -> None:
    """Run every step of the request on stdin and print the outcomes."""
    request = json.load(sys.stdin)
    client = Client(access_token=request["token"], base_url=request["base_url"])
    account = request["account"]
    outcomes = [outcome(partial(perform, client, account, step)) for step in request["steps"]]
    json.dump(outcomes, sys.stdout)


def outcome(call: Callable[[], Any]) -> dict[str, Any]:
    """``call``'s value, or what it raised, as the client's users would see it."""
    try:
        return {"ok": True, "value": call()}
    except DNSimpleException as exc:
        error = {"message": exc.message, "status": exc.status, "errors": exc.attribute_errors}
        return {"ok": False, "error": {"type": type(exc).__name__, **error}}
    except Exception as exc:  # any other failure is an outcome to report too
        return {"ok": False, "error": {"type": type(exc).__name__, "message": str(exc)}}


def perform(client: Any, account: int, step: Step) -> Any:
    """One operation through the client's public API; records come back as plain dicts."""
    zones, op = client.zones, step["op"]
    if op == "whoami":
        return client.identity.whoami().data.account.id
    if op == "list":
        listed = zones.list_records(account, step["zone"], filter=step.get("filter"), per_page=100)
        return [vars(record) for record in listed.data]
    if op == "get":
        return vars(zones.get_record(account, step["zone"], step["id"]).data)
    if op == "create":
        created = zones.create_record(account, step["zone"], ZoneRecordInput(**step["record"]))
        return vars(created.data)
    if op == "update":
        fields = ZoneRecordUpdateInput(**step["fields"])
        return vars(zones.update_record(account, step["zone"], step["id"], fields).data)
    if op == "delete":
        zones.delete_record(account, step["zone"], step["id"])
        return None
    raise ValueError(f"unknown op {op!r}")


if __name__ == "__main__":
    main()
