"""The mint form: read it, send it through the API's own token request parsing, and put each
refusal next to the input it is about.

The form is turned into the body ``POST /tokens`` takes (``TokenCreateBody``, then
``domain.token_spec.token_request``), so the console refuses exactly what the API refuses; only
the field names differ (``grants/0/zones`` is the Zones input).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dns_api.api.deps import parse_body
from dns_api.api.routes.tokens import TokenCreateBody
from dns_api.console.web import Form
from dns_api.domain.delegation import TokenRequest
from dns_api.domain.patterns import InvalidPattern, NamePattern
from dns_api.domain.policy import Action
from dns_api.domain.rdata import SUPPORTED_TYPES
from dns_api.domain.records import ZoneRules
from dns_api.domain.token_spec import MAX_ITEMS, token_request
from dns_api.errors import ValidationFailed

ANY = "*"
TYPE_CHOICES = (*SUPPORTED_TYPES, ANY)
ACTION_CHOICES = tuple(str(a) for a in (Action.READ, Action.CREATE, Action.UPDATE, Action.DELETE))
_SEPARATORS = re.compile(r"[\s,]+")
_DAYS = re.compile(r"\s*(\d{1,5})\s*")

# The API's name of a field (its first part or two) -> the id of the console's input.
_INPUT_OF = {
    "name": "token-name",
    "grants/0/zones": "zones",
    "grants/0/names": "names",
    "grants/0/types": "types",
    "grants/0/actions": "actions",
    "expires": "expires",
    "cidrs": "networks",
    "can_mint": "can-mint",
}
# How ``delegation.excess`` starts each way a request goes beyond its parent -> the input.
_EXCESS_OF = {
    "grants[0]: zones": "zones",
    "grants[0]: names": "names",
    "grants[0]: types": "types",
    "grants[0]: actions": "actions",
    "expires:": "expires",
    "cidrs:": "networks",
    "can_mint:": "can-mint",
}


def split_list(raw: str) -> list[str]:
    """Items typed one per line, or separated by commas or spaces."""
    return [item for item in _SEPARATORS.split(raw.strip()) if item]


def expiry_text(raw: str) -> str | None:
    """What the Expires input means, as the API reads ``expires``: blank is never; a bare
    number is days; a date and time without a zone (``datetime-local``) is UTC."""
    text = raw.strip()
    if not text:
        return None
    days = _DAYS.fullmatch(text)
    if days:
        return f"{days.group(1)}d"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text  # a duration (30d), or something the API's reader refuses by name
    return text + "Z" if moment.tzinfo is None else text


@dataclass(frozen=True, slots=True)
class MintForm:
    """The mint form as typed (so that a refused one is shown again as it was)."""

    name: str = ""
    zones: str = ""
    names: str = ""
    types: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    expires: str = ""
    networks: str = ""
    can_mint: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, form: Form) -> MintForm:
        return cls(
            name=form.get("name"),
            zones=form.get("zones"),
            names=form.get("names"),
            types=tuple(form.all("types")),
            actions=tuple(form.all("actions")),
            expires=form.get("expires"),
            networks=form.get("networks"),
            can_mint=form.get("can_mint") == "on",
        )

    def body(self) -> dict[str, Any]:
        """The JSON body ``POST /tokens`` would take for this form."""
        grant = {
            "zones": split_list(self.zones),
            "names": split_list(self.names),
            "types": list(self.types),
            "actions": list(self.actions),
        }
        return {
            "name": self.name.strip(),
            "grants": [grant],
            "expires": expiry_text(self.expires),
            "cidrs": split_list(self.networks),
            "can_mint": self.can_mint,
        }

    def request(self, rules: ZoneRules, now: datetime) -> tuple[str, TokenRequest]:
        """The new token's name and request, read as ``POST /tokens`` reads them (its body
        model, then ``token_request``); ``ValidationFailed`` lists every problem of both, where
        the API stops at the first that fails."""
        raw = self.body()
        problems = []
        try:
            body = parse_body(TokenCreateBody, raw)
        except ValidationFailed as exc:
            problems += exc.problems
        else:
            raw = body.model_dump()
        try:
            spec = token_request(
                grants=raw["grants"],
                expires=raw["expires"],
                networks=raw["cidrs"],
                can_mint=raw["can_mint"],
                rules=rules,
                now=now,
            )
        except ValidationFailed as exc:
            problems += exc.problems
        if problems:
            raise ValidationFailed(problems)
        return raw["name"], spec


def input_of(api_field: str) -> str | None:
    """The console input an API field name (``grants/0/zones``, ``cidrs/2``) is about."""
    for prefix, input_id in _INPUT_OF.items():
        if api_field == prefix or api_field.startswith(prefix + "/"):
            return input_id
    return None


def sorted_problems(
    failure: ValidationFailed,
) -> tuple[dict[str, str], list[str]]:
    """The problems by input id, and those no single input is about."""
    by_input: dict[str, str] = {}
    others: list[str] = []
    for problem in failure.problems:
        input_id = input_of(problem.field)
        if input_id is None:
            others.append(f"{problem.field}: {problem.message}")
        elif input_id in by_input:
            by_input[input_id] += "; " + problem.message
        else:
            by_input[input_id] = problem.message
    return by_input, others


def excess_by_input(excess: list[str]) -> tuple[dict[str, str], list[str]]:
    """Each way a request goes beyond its parent (``delegation.excess``), by input id."""
    by_input: dict[str, str] = {}
    others: list[str] = []
    for item in excess:
        input_id = next((i for p, i in _EXCESS_OF.items() if item.startswith(p)), None)
        if input_id is None:
            others.append(item)
            continue
        message = item.removeprefix("grants[0]: ").strip()
        by_input[input_id] = f"{by_input[input_id]}; {message}" if input_id in by_input else message
    return by_input, others


# The live "these names match" example of the mint form.

MADE_UP = ("@", "www", "app", "pr-42", "pr-42.review", "_acme-challenge", "_acme-challenge.app")
MAX_EXAMPLES = 8


@dataclass(frozen=True, slots=True)
class MatchExample:
    """Names the typed patterns match and names they do not (``@`` for the apex)."""

    matching: list[str]
    not_matching: list[str]
    problem: str = ""


def _from_pattern(pattern: str) -> list[str]:
    """Names made up from a pattern: one it matches, and one a label off."""
    if pattern in ("@", "**"):
        return []
    filled = ".".join(
        "a.b" if label == "**" else label.replace("*", "x1") for label in pattern.split(".")
    )
    return [filled, "other." + filled]


def match_example(raw_patterns: str, existing: list[str]) -> MatchExample:
    """Which of ``existing`` (relative set names of a zone) and a few made-up names the
    patterns typed in ``raw_patterns`` match; a pattern that cannot be used is the problem."""
    typed = split_list(raw_patterns)
    if len(typed) > MAX_ITEMS:
        return MatchExample([], [], f"at most {MAX_ITEMS} patterns")
    patterns = []
    for text in typed:
        try:
            patterns.append(NamePattern.parse(text))
        except InvalidPattern as exc:
            return MatchExample([], [], str(exc))
    candidates = list(
        dict.fromkeys([*existing, *(n for p in patterns for n in _from_pattern(p.text)), *MADE_UP])
    )
    matching: list[str] = []
    not_matching: list[str] = []
    for shown in candidates:
        name = "" if shown == "@" else shown
        side = matching if any(p.matches(name) for p in patterns) else not_matching
        if len(side) < MAX_EXAMPLES:
            side.append(shown)
    return MatchExample(matching, not_matching)
