"""DNS names as dns-api compares them: one normalisation, then plain string equality.

Every name (a request's, a grant pattern's, a deny-list entry) goes through ``normalize``:
surrounding blanks and the trailing dot removed, lower case, and non-ASCII labels turned into
IDNA A-labels with UTS 46 mapping (full-width letters, zero-width joiners and other look-alikes
fold into what they look like). So no spelling slips past a pattern or the deny list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import idna

MAX_NAME_LENGTH = 253
MAX_LABEL_LENGTH = 63
APEX = "@"
WILDCARD = "*"

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


def relative_name(raw: str, zone: str) -> str:
    """The normalised name, relative to ``zone``, that ``raw`` designates. Raises ``InvalidName``.

    ``@`` is the apex. A name that ends with the zone (``pr-42.example.com``, with or without the
    trailing dot) is taken as absolute and the zone is cut off; any other absolute name (ending
    with a dot) is refused as outside the zone; the rest is relative.
    """
    text = raw.strip()
    if text == APEX:
        return ""
    if not text.translate(_FULL_STOPS).strip("."):
        raise InvalidName("is empty (write @ for the apex)")
    absolute = text.translate(_FULL_STOPS).endswith(".")
    name = normalize(text)
    if name == zone:
        return ""
    if name.endswith("." + zone):
        return name[: -len(zone) - 1]
    if absolute:
        raise InvalidName(f"is an absolute name outside the zone {zone}")
    return name


def record_name_problem(name: str, zone: str) -> str | None:
    """Why the normalised relative ``name`` cannot name a record in ``zone``, or ``None``.

    Labels hold letters, digits, inner hyphens and underscores (``_acme-challenge``,
    ``_sip._tcp``), 1-63 octets each; ``*`` may only be the leftmost label; the whole name,
    zone included, is at most 253 octets.
    """
    if name == "":
        return None
    labels = name.split(".")
    for position, label in enumerate(labels):
        if label == WILDCARD:
            if position:
                return "may hold the wildcard * only as its leftmost label"
            continue
        if len(label) > MAX_LABEL_LENGTH:
            return f"has a label longer than {MAX_LABEL_LENGTH} octets"
        if not _TARGET_LABEL.fullmatch(label):
            return (
                f"has the label {label!r}: labels hold letters, digits, underscores and "
                "hyphens, and do not start or end with a hyphen"
            )
    if len(fqdn(name, zone)) > MAX_NAME_LENGTH:
        return f"is longer than {MAX_NAME_LENGTH} octets with the zone"
    return None


def is_wildcard(name: str) -> bool:
    return name == WILDCARD or name.startswith(WILDCARD + ".")


def zone_of(name: str, zones: Iterable[str]) -> str | None:
    """The longest of ``zones`` that the normalised absolute ``name`` is in, or ``None``."""
    for zone in sorted(zones, key=len, reverse=True):
        if name == zone or name.endswith("." + zone):
            return zone
    return None


def split_fqdn(raw: str, zones: Iterable[str]) -> tuple[str, str] | None:
    """``(zone, relative name)`` for an absolute name, longest configured zone first."""
    name = normalize_or_none(raw)
    if not name:
        return None
    zone = zone_of(name, zones)
    if zone is None:
        return None
    return zone, name[: -len(zone) - 1] if name != zone else ""


def to_unicode(name: str) -> str:
    """``name`` for people: A-labels shown as Unicode where they decode cleanly."""
    if "xn--" not in name:
        return name
    labels = []
    for label in name.split("."):
        try:
            labels.append(idna.decode(label) if label.startswith("xn--") else label)
        except idna.IDNAError:
            labels.append(label)
    return ".".join(labels)


def fqdn(name: str, zone: str) -> str:
    """The absolute name of ``name`` (relative, ``""`` for the apex) in ``zone``."""
    return f"{name}.{zone}" if name else zone
