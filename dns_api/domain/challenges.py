"""What ACME clients send to the httpreq endpoints, checked. Pure code.

lego's ``httpreq`` (and acme.sh's ``acmeproxy``, Caddy's module) send ``{"fqdn", "value"}``:
the challenge's absolute name (``_acme-challenge.www.example.com.``) and its TXT value. In RAW
mode they send ``{"domain", "token", "keyAuth"}`` instead: the name is ``_acme-challenge.`` +
the domain (without ``*.``) and the value the unpadded base64url SHA-256 of ``keyAuth``. Keys
are matched whatever their case (Caddy sends ``FQDN`` and ``Value``).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dns_api.domain import names
from dns_api.domain.rdata import ContentError, Value, parse_value
from dns_api.domain.rrsets import SetKey
from dns_api.errors import FieldProblem, ValidationFailed

CHALLENGE_LABEL = "_acme-challenge"
MAX_FIELD = 255


@dataclass(frozen=True, slots=True)
class Challenge:
    """A challenge record to add or remove: ``fqdn`` and ``value`` as the client sent them
    (they are echoed back), ``key`` and ``content`` as dns-api stores them."""

    fqdn: str
    value: str
    key: SetKey
    content: Value


def read_challenge(body: Mapping[str, Any], zones: Iterable[str]) -> Challenge:
    """The challenge of an httpreq body; ``ValidationFailed`` naming every bad field."""
    fields = {str(key).lower(): value for key, value in body.items()}
    if "keyauth" in fields or ("domain" in fields and "fqdn" not in fields):
        fqdn, value = _raw(fields)
    else:
        fqdn, value = _text(fields, "fqdn"), _text(fields, "value")
    problems: list[FieldProblem] = []
    key = _key(fqdn, zones, problems)
    content = _content(value, problems)
    if key is None or content is None:
        raise ValidationFailed(problems)
    return Challenge(fqdn, value, key, content)


def _raw(fields: Mapping[str, Any]) -> tuple[str, str]:
    domain, key_auth = _text(fields, "domain"), _text(fields, "keyauth", "keyAuth")
    host = domain.strip().removeprefix("*.").removesuffix(".")
    digest = hashlib.sha256(key_auth.encode()).digest()
    return f"{CHALLENGE_LABEL}.{host}", base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _text(fields: Mapping[str, Any], key: str, shown: str | None = None) -> str:
    value = fields.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_FIELD:
        problem = f"must be a string of 1 to {MAX_FIELD} characters"
        raise ValidationFailed([FieldProblem(shown or key, problem)])
    return value


def _key(fqdn: str, zones: Iterable[str], problems: list[FieldProblem]) -> SetKey | None:
    split = names.split_fqdn(fqdn, zones) if names.normalize_or_none(fqdn) else None
    if split is None:
        problems.append(FieldProblem("fqdn", "is not a name in a zone this service manages"))
        return None
    zone, name = split
    problem = names.record_name_problem(name, zone)
    if problem is not None:
        problems.append(FieldProblem("fqdn", problem))
        return None
    return SetKey(zone, name, "TXT")


def _content(value: str, problems: list[FieldProblem]) -> Value | None:
    try:
        return parse_value("TXT", value)
    except ContentError as exc:
        problems.append(FieldProblem("value", str(exc)))
        return None
