"""DNS names as dns-api compares them: one normalisation, then plain string equality.

Every name (a request's, a grant pattern's, a deny-list entry) goes through ``normalize``:
surrounding blanks and the trailing dot removed, lower case, and non-ASCII labels turned into
IDNA A-labels with UTS 46 mapping (full-width letters, zero-width joiners and other look-alikes
fold into what they look like). So no spelling slips past a pattern or the deny list.
"""

from __future__ import annotations

import re

import idna

MAX_NAME_LENGTH = 253
MAX_LABEL_LENGTH = 63

# A host label of a record dns-api manages: letters, digits, hyphen inside.
_SUBDOMAIN_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# A label of a name a record points at: also underscores (DKIM, service names).
_TARGET_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")


class InvalidName(ValueError):
    """A name that cannot be normalised (bad IDNA, empty label)."""


def _label(label: str) -> str:
    if label.isascii():
        return label.lower()
    try:
        return idna.encode(label, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise InvalidName(f"{label!r} is not a valid internationalised label") from exc


def normalize(name: str) -> str:
    """The one spelling of ``name`` that dns-api compares. Raises ``InvalidName``."""
    name = name.strip().removesuffix(".")
    if not name:
        return ""
    return ".".join(_label(label) for label in name.split("."))


def normalize_or_none(name: str) -> str | None:
    try:
        return normalize(name)
    except InvalidName:
        return None


def is_subdomain_label(label: str) -> bool:
    """True for a single host label (``pr-42``), already normalised."""
    return bool(_SUBDOMAIN_LABEL.match(label))


def is_hostname(name: str) -> bool:
    """True for an absolute host name of two or more labels, already normalised."""
    if not name or len(name) > MAX_NAME_LENGTH:
        return False
    labels = name.split(".")
    return len(labels) >= 2 and all(_TARGET_LABEL.match(label) for label in labels)


def fqdn(name: str, zone: str) -> str:
    """The absolute name of ``name`` (relative, ``""`` for the apex) in ``zone``."""
    return f"{name}.{zone}" if name else zone
