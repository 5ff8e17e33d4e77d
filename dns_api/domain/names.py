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
_SUBDOMAIN_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# A label of a name a record points at: also underscores (DKIM, service names).
_TARGET_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")


class InvalidName(ValueError):
    """A name that cannot be normalised (bad IDNA, empty label)."""


def _label(label: str) -> str:
    if label.isascii():
        return label.lower()
    try:
        return idna.encode(label, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise InvalidName(f"{label!r} is not a valid internationalised label") from exc


_FULL_STOPS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


def normalize(name: str) -> str:
    """The one spelling of ``name`` that dns-api compares. Raises ``InvalidName``.

    ``""`` (and ``"."``) is the apex; blanks or control characters inside a name, and empty
    labels (``a..b``), are refused.
    """
    name = name.strip().translate(_FULL_STOPS).removesuffix(".")
    if not name:
        return ""
    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in name):
        raise InvalidName(f"{name!r} contains blanks or control characters")
    labels = name.split(".")
    if "" in labels:
        raise InvalidName(f"{name!r} has an empty label")
    return ".".join(_label(label) for label in labels)


def normalize_or_none(name: str) -> str | None:
    try:
        return normalize(name)
    except InvalidName:
        return None


def is_subdomain_label(label: str) -> bool:
    """True for a single host label (``pr-42``), already normalised."""
    return _SUBDOMAIN_LABEL.fullmatch(label) is not None


def is_hostname(name: str) -> bool:
    """True for an absolute host name of two or more labels, already normalised."""
    if not name or len(name) > MAX_NAME_LENGTH:
        return False
    labels = name.split(".")
    return len(labels) >= 2 and all(_TARGET_LABEL.fullmatch(label) for label in labels)


def fqdn(name: str, zone: str) -> str:
    """The absolute name of ``name`` (relative, ``""`` for the apex) in ``zone``."""
    return f"{name}.{zone}" if name else zone
