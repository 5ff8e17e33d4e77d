"""Names as the emulator takes them from a client: a record's ``name`` and the host names
inside record content.

DNSimple documents a record's ``name`` as relative to its zone, ``""`` for the apex, the zone
being appended by DNSimple (docs ``zones/records.md``); what else it refuses is not documented,
so the rules here are the usual ones for DNS labels (docs/emulator.md: assumed): letters,
digits, underscores and hyphens (a hyphen neither first nor last), 63 characters at most per
label, ``*`` only as the whole leftmost label, 253 characters at most with the zone. A name
ending with a dot is refused: DNSimple would append the zone to it.
"""

from __future__ import annotations

import ipaddress
import re

MAX_LABEL_LENGTH = 63
MAX_NAME_LENGTH = 253
WILDCARD = "*"

_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?", re.IGNORECASE)


def record_name_problem(name: str, zone: str) -> str | None:
    """Why ``name`` (relative to ``zone``) cannot name a record, or None when it can."""
    if any(char.isspace() for char in name):
        return "is invalid"
    if name == "":
        return None
    if name.endswith("."):
        return "must be relative to the zone, without a trailing dot"
    labels = name.split(".")
    for position, label in enumerate(labels):
        if label == WILDCARD and position == 0:
            continue
        problem = _label_problem(label)
        if problem is not None:
            return problem
    if len(name) + 1 + len(zone) > MAX_NAME_LENGTH:
        return f"is too long: at most {MAX_NAME_LENGTH} characters with the zone"
    return None


def is_host_name(text: str) -> bool:
    """Whether ``text`` (one trailing dot allowed) is a host name, and not an IP address."""
    name = text.removesuffix(".")
    if not name or len(name) > MAX_NAME_LENGTH or _is_ip_address(name):
        return False
    return all(_label_problem(label) is None for label in name.split("."))


def _label_problem(label: str) -> str | None:
    if not label:
        return "has an empty label (two dots in a row, or a dot first)"
    if len(label) > MAX_LABEL_LENGTH:
        return f"has a label longer than {MAX_LABEL_LENGTH} characters"
    if _LABEL.fullmatch(label) is None:
        return (
            f"has an invalid label `{label}`: use letters, digits, underscores and hyphens "
            "(not first or last); `*` only as the whole leftmost label"
        )
    return None


def _is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
