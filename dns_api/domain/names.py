"""DNS names as dns-api compares them: one normalisation, then plain string equality."""

from __future__ import annotations

import re

MAX_NAME_LENGTH = 253
MAX_LABEL_LENGTH = 63

# A host label of a record dns-api manages: letters, digits, hyphen inside.
_SUBDOMAIN_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# A label of a name a record points at: also underscores (DKIM, service names).
_TARGET_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")


def normalize(name: str) -> str:
    """Lower case, no surrounding blanks, no trailing dot."""
    return name.strip().lower().removesuffix(".")


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
